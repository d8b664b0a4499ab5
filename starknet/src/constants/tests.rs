use super::*;

#[test]
fn every_published_version_parses() {
    for version in versions() {
        let c = VersionedConstants::get(version).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.version, version);
        assert!(c.step_gas_cost > 0, "{version}");
        for syscall in Syscall::CAIRO1 {
            assert!(
                c.syscall_cost(syscall).base >= c.syscall_base_gas_cost
                    || c.syscall_cost(syscall).base == 0,
                "{version} {syscall:?}"
            );
        }
    }
    assert_eq!(versions().count(), crate::context::SUPPORTED_VERSIONS.len());
}

#[test]
fn an_unknown_version_is_an_error() {
    let err = VersionedConstants::get(StarknetVersion::V0_12_3).unwrap_err();
    assert_eq!(err, ConstantsError::Unsupported(StarknetVersion::V0_12_3));
    assert!(err.to_string().contains("0.12.3"), "{err}");
}

/// The Sierra-gas costs of 0.14.2's syscalls, as the protocol notes list them (what the handler
/// charges on top of the compiler's 10,000), computed from the OS resources in the file.
#[test]
fn syscall_costs_of_0_14_2() {
    let c = VersionedConstants::get(StarknetVersion::V0_14_2).unwrap();
    assert_eq!(c.syscall_base_gas_cost, 10_000);
    assert_eq!(c.entry_point_initial_budget, 10_000);
    let extra = |s: Syscall| c.syscall_cost(s).base - c.syscall_base_gas_cost;
    assert_eq!(extra(Syscall::StorageRead), 8_070);
    assert_eq!(extra(Syscall::StorageWrite), 34_970);
    assert_eq!(extra(Syscall::CallContract), 81_560);
    assert_eq!(extra(Syscall::LibraryCall), 79_160);
    assert_eq!(extra(Syscall::GetExecutionInfo), 2_640);
    assert_eq!(extra(Syscall::SendMessageToL1), 4_470);
    assert_eq!(extra(Syscall::EmitEvent), 0);
    assert_eq!(extra(Syscall::GetClassHashAt), 0);
    assert_eq!(extra(Syscall::Keccak), 0);
    assert_eq!(extra(Syscall::Deploy), 137_120);
    assert_eq!(c.syscall_cost(Syscall::Deploy).linear, 4_850);
    assert_eq!(c.syscall_cost(Syscall::KeccakRound).base, 171_707);
    assert_eq!(extra(Syscall::Secp256r1New), 51_630);
    assert_eq!(extra(Syscall::Sha256ProcessBlock), 831_295);
    assert_eq!(c.execute_max_sierra_gas, 1_100_000_000);
    assert_eq!(c.validate_max_sierra_gas, 100_000_000);
    assert_eq!(c.min_sierra_version_for_sierra_gas, (1, 7, 0));
}

/// One L1 gas is 40,000 L2 gas at 0.14.2's prices of a step (25/10,000 L1 gas, 100 L2 gas).
#[test]
fn vm_resources_convert_at_the_price_of_a_step() {
    let c = VersionedConstants::get(StarknetVersion::V0_14_2).unwrap();
    assert_eq!(c.l1_gas_to_l2_gas(1), 40_000);
    // 4,001 steps are 10.0025 L1 gas: 11 rounded up.
    let steps = ExecutionResources {
        n_steps: 4_001,
        ..ExecutionResources::default()
    };
    assert_eq!(c.vm_resources_gas(&steps, 0), 11 * 40_000);
    // 100 pedersen (8/100 L1 gas each: 8) lose to the steps; 200 win (16).
    let mut with_pedersen = steps.clone();
    with_pedersen
        .builtin_instance_counter
        .insert(BuiltinName::pedersen, 200);
    assert_eq!(c.vm_resources_gas(&with_pedersen, 0), 16 * 40_000);
}

#[test]
fn transaction_os_resources_scale_with_calldata() {
    let c = VersionedConstants::get(StarknetVersion::V0_14_2).unwrap();
    let none = c.tx_os_resources(TxType::InvokeFunction, 0);
    assert_eq!(none.n_steps, 4_348);
    // 11 steps per 2 felts, rounded up: 3 felts add 17.
    let three = c.tx_os_resources(TxType::InvokeFunction, 3);
    assert_eq!(three.n_steps, 4_348 + 17);
    // 113 steps per felt, and hashing 4 felts (2·18 + 21).
    assert_eq!(c.kzg_os_resources(4).n_steps, 4 * 113 + 36 + 21);
    assert_eq!(c.kzg_os_resources(0).n_steps, 21);
}

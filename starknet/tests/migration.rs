//! Compiled-class-hash migration (0.14.1, 0.14.3 and later): over a state that holds every
//! Cairo 1 class's compiled class hash in its old Poseidon form, the classes a block's kept
//! work ran get their Blake2s hash in the diff; a reverted execution's do not; 0.14.2 migrates
//! nothing. (`.ci/conformance` holds the same against blockifier.)

mod common;

use std::num::NonZeroUsize;
use std::sync::Arc;

use common::*;
use starkstm_engine::{BlockOutput, Config, ParallelExecutor, SequentialExecutor};
use starkstm_starknet::genesis::Genesis;
use starkstm_starknet::starknet_api::block::StarknetVersion;
use starkstm_starknet::starknet_api::core::{ClassHash, CompiledClassHash, ContractAddress, Nonce};
use starkstm_starknet::starknet_api::state::StorageKey;
use starkstm_starknet::{
    BaseState, BaseStateError, BlockState, ContractClass, Felt, InMemoryState, StarknetVm,
    StateDiff, Status, Transaction,
};

/// `InMemoryState` whose classes were all declared before 0.14.1 and never migrated.
struct Unmigrated<'a>(&'a InMemoryState);

impl BaseState for Unmigrated<'_> {
    fn storage_at(&self, a: ContractAddress, k: StorageKey) -> Result<Felt, BaseStateError> {
        self.0.storage_at(a, k)
    }
    fn nonce_at(&self, a: ContractAddress) -> Result<Nonce, BaseStateError> {
        self.0.nonce_at(a)
    }
    fn class_hash_at(&self, a: ContractAddress) -> Result<ClassHash, BaseStateError> {
        self.0.class_hash_at(a)
    }
    fn compiled_class_hash(&self, c: ClassHash) -> Result<CompiledClassHash, BaseStateError> {
        Ok(self
            .0
            .class(c)?
            .map(|class| class.legacy_compiled_class_hash())
            .unwrap_or_default())
    }
    fn class(&self, c: ClassHash) -> Result<Option<Arc<ContractClass>>, BaseStateError> {
        self.0.class(c)
    }
}

/// The block's diff over the unmigrated state, after checking parallel equals sequential.
fn run(g: &Genesis, txs: &[Transaction]) -> (BlockOutput<StarknetVm>, StateDiff) {
    let base = Unmigrated(&g.state);
    let vm = StarknetVm::new(g.context.clone());
    let block = BlockState::new(&base, &g.context);
    let seq = SequentialExecutor::new()
        .execute_block(&vm, &block, txs)
        .unwrap();
    let par =
        ParallelExecutor::new(Config::new(NonZeroUsize::new(2).unwrap()).with_min_parallel_txs(0))
            .unwrap()
            .execute_block(&vm, &block, txs)
            .unwrap();
    assert!(par.output() == &seq, "parallel differs from sequential");
    let (diff, _) = StateDiff::from_changes(seq.state_changes(), &base, &g.context).unwrap();
    (seq, diff)
}

fn blake(g: &Genesis, class: ClassHash) -> CompiledClassHash {
    g.state.classes[&class].compiled_class_hash()
}

#[test]
fn the_classes_a_block_ran_migrate_but_not_a_reverted_executions() {
    let mut g = genesis(1);
    g.context.starknet_version = StarknetVersion::V0_14_1;
    let c = with_counters(&mut g, 1)[0];
    let a = g.accounts[0];
    let account = class_hash(&g, "account");
    let counter = class_hash(&g, "counter");
    let token = ClassHash(g.state.class_hashes[&g.context.fee_token].0);

    // The counter runs only in an execution that reverts.
    let reverted = [g.invoke(&a, 0, &[call(c, "increase_then_fail", &[felt(5)])])];
    let (out, diff) = run(&g, &reverted);
    assert!(matches!(out.outputs()[0].status, Status::Reverted(_)));
    assert_eq!(
        diff.declared_classes.get(&account),
        Some(&blake(&g, account))
    );
    assert_eq!(diff.declared_classes.get(&token), Some(&blake(&g, token)));
    assert_eq!(
        diff.declared_classes.get(&counter),
        None,
        "{:?}",
        diff.declared_classes
    );
    assert_eq!(diff.declared_classes.len(), 2);

    // Kept, it migrates too.
    let kept = [g.invoke(&a, 0, &[call(c, "increase", &[felt(5)])])];
    let (out, diff) = run(&g, &kept);
    assert_eq!(out.outputs()[0].status, Status::Succeeded);
    assert_eq!(
        diff.declared_classes.get(&counter),
        Some(&blake(&g, counter))
    );
    assert_eq!(diff.declared_classes.len(), 3);

    // 0.14.2 does not migrate.
    g.context.starknet_version = StarknetVersion::V0_14_2;
    let (_, diff) = run(&g, &kept);
    assert!(
        diff.declared_classes.is_empty(),
        "{:?}",
        diff.declared_classes
    );
}

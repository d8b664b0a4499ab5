//! Classes for the reference: our prepared CASM classes converted into blockifier's
//! `RunnableCompiledClass`, with the Sierra facts blockifier needs and our classes lack.

use anyhow::{anyhow, bail, Result};
use blockifier::execution::contract_class::RunnableCompiledClass;
use starknet_api::contract_class::{ClassInfo, ContractClass as ApiClass, SierraVersion};
use starknet_api::core::ClassHash;
use starknet_api::deprecated_contract_class::ContractClass as DeprecatedClass;
use starkstm_starknet::ContractClass;

/// What blockifier needs to know about a class's Sierra program.
#[derive(Clone, Debug)]
pub struct SierraFacts {
    /// The Sierra version (decides the tracked resource: ≥ 1.7.0 tracks Sierra gas).
    pub version: SierraVersion,
    /// Sierra program length and ABI length (only needed to declare the class; `None` when the
    /// Sierra program is unknown).
    pub lengths: Option<(usize, usize)>,
}

/// The Sierra facts of `class`: `override_version` if given, else the version the class
/// carries (block files record it beside the CASM, as `sierra_version`), and the Sierra
/// program's and ABI's lengths when the class knows them (block files record them as
/// `sierra_lengths`).
pub fn sierra_facts(
    class: &ContractClass,
    override_version: Option<&SierraVersion>,
) -> Result<SierraFacts> {
    let version = match override_version {
        Some(v) => v.clone(),
        None => {
            let v = class.sierra_version();
            SierraVersion::new(v.0, v.1, v.2)
        }
    };
    Ok(SierraFacts {
        version,
        lengths: class.sierra_lengths(),
    })
}

/// Converts our class for blockifier.
pub fn runnable(class: &ContractClass, facts: &SierraFacts) -> Result<RunnableCompiledClass> {
    if let Some(json) = class.cairo0_json() {
        let deprecated: DeprecatedClass = serde_json::from_value(json.clone())
            .map_err(|e| anyhow!("blockifier's types reject the Cairo 0 class: {e}"))?;
        return RunnableCompiledClass::try_from(ApiClass::V0(deprecated))
            .map_err(|e| anyhow!("blockifier rejected the Cairo 0 class: {e}"));
    }
    RunnableCompiledClass::try_from(ApiClass::V1((casm(class)?.clone(), facts.version.clone())))
        .map_err(|e| {
            anyhow!(
                "blockifier rejected the class with compiled class hash {:#x}: {e}",
                class.compiled_class_hash().0
            )
        })
}

/// The `ClassInfo` a Declare needs.
pub fn class_info(
    class_hash: ClassHash,
    class: &ContractClass,
    facts: &SierraFacts,
) -> Result<ClassInfo> {
    let Some((program_length, abi_length)) = facts.lengths else {
        bail!(
            "cannot declare class {:#x}: its Sierra program (length, ABI) is unknown (give the \
             block file's class its \"sierra_lengths\")",
            class_hash.0
        );
    };
    ClassInfo::new(
        &ApiClass::V1((casm(class)?.clone(), facts.version.clone())),
        program_length,
        abi_length,
        facts.version.clone(),
    )
    .map_err(|e| anyhow!("class {:#x}: {e}", class_hash.0))
}

/// A Cairo 1 class's CASM.
fn casm(
    class: &ContractClass,
) -> Result<&cairo_lang_starknet_classes::casm_contract_class::CasmContractClass> {
    class
        .casm()
        .ok_or_else(|| anyhow!("a Cairo 0 class has no CASM"))
}

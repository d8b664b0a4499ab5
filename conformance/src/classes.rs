//! Classes for the reference: our prepared CASM classes converted into blockifier's
//! `RunnableCompiledClass`, with the Sierra facts blockifier needs and our classes lack.

use std::collections::HashMap;

use anyhow::{anyhow, bail, Context, Result};
use blockifier::execution::contract_class::RunnableCompiledClass;
use starknet_api::contract_class::{ClassInfo, ContractClass as ApiClass, SierraVersion};
use starknet_api::core::{ClassHash, CompiledClassHash};
use starkstm_starknet::{contracts, ContractClass, Felt};

/// What blockifier needs to know about a class's Sierra program.
#[derive(Clone, Debug)]
pub struct SierraFacts {
    /// The Sierra version (decides the tracked resource: ≥ 1.7.0 tracks Sierra gas).
    pub version: SierraVersion,
    /// Sierra program length and ABI length (only needed to declare the class; `None` when the
    /// Sierra program is unknown).
    pub lengths: Option<(usize, usize)>,
}

/// The Sierra programs we know: our builtin contracts, by compiled class hash.
#[derive(Debug, Default)]
pub struct KnownSierra {
    by_compiled_hash: HashMap<CompiledClassHash, (&'static str, SierraVersion, usize, usize)>,
}

impl KnownSierra {
    /// Reads the Sierra of every builtin contract.
    pub fn builtins() -> Result<KnownSierra> {
        #[derive(serde::Deserialize)]
        struct Raw {
            sierra_program: Vec<Felt>,
        }
        let mut by_compiled_hash = HashMap::new();
        for c in contracts::ALL {
            let (_, class) = c
                .load()
                .with_context(|| format!("loading builtin class {}", c.name))?;
            let raw: Raw = serde_json::from_str(c.sierra)
                .with_context(|| format!("builtin class {}: Sierra JSON", c.name))?;
            let version = SierraVersion::extract_from_program(&raw.sierra_program)
                .map_err(|e| anyhow!("builtin class {}: {e}", c.name))?;
            // The ABI string the class hash covers (what a declare transaction carries).
            let abi_length = starkstm_starknet::class::abi_string(c.sierra)
                .map_err(|e| anyhow!("builtin class {}: {e}", c.name))?
                .len();
            by_compiled_hash.insert(
                class.compiled_class_hash(),
                (c.name, version, raw.sierra_program.len(), abi_length),
            );
        }
        Ok(KnownSierra { by_compiled_hash })
    }
}

/// The Sierra facts of `class`: THE one place that decides them (replace it once block files
/// carry the Sierra version and lengths).
///
/// Rule: `override_version` if given; else the version encoded in the first three felts of the
/// class's Sierra program, which we know for our builtin contracts (matched by compiled class
/// hash). The CASM's `compiler_version` is NOT used: it names the Sierra→CASM compiler
/// (2.19.5 for our committed CASM), not the Sierra version of the program (1.3.0 for ours,
/// written by Cairo 2.1.0). Lengths come from the builtin's Sierra only.
pub fn sierra_facts(
    class: &ContractClass,
    known: &KnownSierra,
    override_version: Option<&SierraVersion>,
) -> Result<SierraFacts> {
    let builtin = known.by_compiled_hash.get(&class.compiled_class_hash());
    let version = match (override_version, builtin) {
        (Some(v), _) => v.clone(),
        (None, Some((_, v, ..))) => v.clone(),
        (None, None) => bail!(
            "class with compiled class hash {:#x} is not one of our builtin contracts, so its \
             Sierra version is unknown (block files carry CASM only); pass --sierra-version X.Y.Z",
            class.compiled_class_hash().0
        ),
    };
    Ok(SierraFacts {
        version,
        lengths: builtin.map(|(_, _, program, abi)| (*program, *abi)),
    })
}

/// Converts our class for blockifier.
pub fn runnable(class: &ContractClass, facts: &SierraFacts) -> Result<RunnableCompiledClass> {
    RunnableCompiledClass::try_from(ApiClass::V1((class.casm().clone(), facts.version.clone())))
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
            "cannot declare class {:#x}: its Sierra program (length, ABI) is unknown; only our \
             builtin contracts can be declared until block files carry Sierra",
            class_hash.0
        );
    };
    ClassInfo::new(
        &ApiClass::V1((class.casm().clone(), facts.version.clone())),
        program_length,
        abi_length,
        facts.version.clone(),
    )
    .map_err(|e| anyhow!("class {:#x}: {e}", class_hash.0))
}

//! [`ContractClass`]: a compiled (CASM) class, prepared once for execution and shared by every
//! worker.

use std::collections::HashMap;
use std::fmt;

use cairo_lang_casm::hints::Hint;
use cairo_lang_starknet_classes::casm_contract_class::{CasmContractClass, CasmContractEntryPoint};
use cairo_lang_starknet_classes::contract_class::ContractClass as SierraClass;
use cairo_lang_starknet_classes::NestedIntList;
use cairo_vm::types::builtin_name::BuiltinName;
use cairo_vm::types::program::Program;
use num_bigint::BigUint;
use starknet_api::core::{ClassHash, CompiledClassHash};
use starknet_types_core::felt::Felt;

use crate::input::elide;

mod cairo0;

pub use cairo0::is_cairo0_json;

use crate::panic_guard::catch_silently;

/// Loading or compiling a class failed.
#[derive(Debug, thiserror::Error)]
pub enum ClassError {
    /// The JSON is not a class of the expected format.
    #[error("not a valid {what}: {}", elide(&error.to_string()))]
    Json {
        /// Which format was expected.
        what: &'static str,
        /// The parser's error.
        error: serde_json::Error,
    },
    /// The class is malformed (an unknown builtin, a bytecode cairo-vm rejects…).
    #[error("invalid class: {}", elide(.0))]
    Invalid(String),
    /// Compiling Sierra to CASM failed.
    #[error("compiling Sierra to CASM failed: {}", elide(.0))]
    Compile(String),
}

/// The kind of an entry point.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub enum EntryPointKind {
    /// An external function (`#[external]`).
    External,
    /// A constructor.
    Constructor,
    /// An L1 handler.
    L1Handler,
}

/// An entry point of a class.
#[derive(Clone, Debug)]
pub(crate) struct EntryPoint {
    pub(crate) selector: Felt,
    pub(crate) offset: usize,
    pub(crate) builtins: Vec<BuiltinName>,
}

/// A class ready to run: its cairo-vm program and entry points, with what its kind needs (a
/// Cairo 1 class's CASM and hints, a Cairo 0 class's JSON). Built once per class (parsing costs
/// 0.4–8 ms) and shared by every worker in an `Arc`.
pub struct ContractClass {
    pub(crate) program: Program,
    pub(crate) bytecode_len: usize,
    external: Vec<EntryPoint>,
    constructor: Vec<EntryPoint>,
    l1_handler: Vec<EntryPoint>,
    pub(crate) code: Code,
}

/// What running a class needs besides its program, by the kind of class.
pub(crate) enum Code {
    /// A Cairo 1 class, compiled to CASM.
    Cairo1(Box<Cairo1Code>),
    /// A Cairo 0 (deprecated) class.
    Cairo0(Box<cairo0::Cairo0Code>),
}

/// A Cairo 1 class's CASM, hints and Sierra facts.
pub(crate) struct Cairo1Code {
    pub(crate) hints: HashMap<usize, Vec<Hint>>,
    compiled_class_hash: CompiledClassHash,
    casm: CasmContractClass,
    sierra_version: SierraVersion,
    /// The Sierra program's length and the ABI string's, when known: a declare pays for them.
    sierra_lengths: Option<(usize, usize)>,
}

/// A Sierra version (`1.7.0`): it decides how a class is metered. Classes of Sierra 1.7.0 and
/// later meter themselves in Sierra gas; older ones are charged by the Cairo steps and builtins
/// they run (see [`VersionedConstants::tracks_sierra_gas`](crate::constants::VersionedConstants::tracks_sierra_gas)).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SierraVersion(pub u64, pub u64, pub u64);

impl SierraVersion {
    /// The version a class loaded from CASM alone is assumed to have (the compiled class does
    /// not record it): the newest behaviour, Sierra-gas metering. Give the real one with
    /// [`ContractClass::with_sierra_version`].
    pub const ASSUMED_FOR_CASM: SierraVersion = SierraVersion(1, 7, 0);

    /// Parses `"1.7.0"`.
    pub fn parse(text: &str) -> Result<SierraVersion, String> {
        let (a, b, c) = crate::constants::parse_sierra_version(text)?;
        Ok(SierraVersion(a, b, c))
    }

    /// The version a Sierra program records in its first felts.
    pub fn of_program(program: &[Felt]) -> Result<SierraVersion, ClassError> {
        let v = starknet_api::contract_class::SierraVersion::extract_from_program(program)
            .map_err(|e| ClassError::Invalid(format!("no Sierra version in the program: {e}")))?;
        SierraVersion::parse(&v.to_string()).map_err(ClassError::Invalid)
    }

    /// As a triple.
    pub fn triple(self) -> (u64, u64, u64) {
        (self.0, self.1, self.2)
    }
}

impl fmt::Display for SierraVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.0, self.1, self.2)
    }
}

impl fmt::Debug for ContractClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ContractClass")
            .field("cairo0", &self.is_cairo0())
            .field("compiled_class_hash", &self.compiled_class_hash())
            .field("bytecode_len", &self.bytecode_len)
            .field("external", &self.external.len())
            .finish()
    }
}

impl ContractClass {
    /// Loads a compiled class from its JSON (`.casm.json`, the compiled contract class that
    /// Starknet compilers emit).
    pub fn from_casm_json(json: &str) -> Result<ContractClass, ClassError> {
        let casm: CasmContractClass =
            serde_json::from_str(json).map_err(|error| ClassError::Json {
                what: "compiled (CASM) contract class",
                error,
            })?;
        ContractClass::from_casm(casm)
    }

    /// Prepares a compiled class. The class is checked first (its prime, bytecode, segment
    /// lengths, entry points, builtins and hint positions), and the third-party code that
    /// hashes and loads it runs where a panic is an error: a malformed class from a database,
    /// a node or a block file is a [`ClassError`], never a crash.
    pub fn from_casm(casm: CasmContractClass) -> Result<ContractClass, ClassError> {
        check_casm(&casm)?;
        let entry_points = |eps: &[CasmContractEntryPoint]| -> Result<Vec<EntryPoint>, ClassError> {
            eps.iter()
                .map(|ep| {
                    let builtins = ep
                        .builtins
                        .iter()
                        .map(|b| {
                            BuiltinName::from_str(b).ok_or_else(|| {
                                ClassError::Invalid(format!("unknown builtin {b:?}"))
                            })
                        })
                        .collect::<Result<Vec<_>, _>>()?;
                    Ok(EntryPoint {
                        selector: Felt::from(&ep.selector),
                        offset: ep.offset,
                        builtins,
                    })
                })
                .collect()
        };
        let external = entry_points(&casm.entry_points_by_type.external)?;
        let constructor = entry_points(&casm.entry_points_by_type.constructor)?;
        let l1_handler = entry_points(&casm.entry_points_by_type.l1_handler)?;
        let hints: HashMap<usize, Vec<Hint>> = casm.hints.iter().cloned().collect();
        let bytecode_len = casm.bytecode.len();
        let (compiled_class_hash, program) = catch_silently(|| {
            let hash = CompiledClassHash(casm.compiled_class_hash());
            Program::try_from(casm.clone()).map(|program| (hash, program))
        })
        .map_err(|panic| ClassError::Invalid(format!("preparing the class panicked: {panic}")))?
        .map_err(|e| ClassError::Invalid(format!("cairo-vm rejected the program: {e}")))?;
        Ok(ContractClass {
            program,
            bytecode_len,
            external,
            constructor,
            l1_handler,
            code: Code::Cairo1(Box::new(Cairo1Code {
                hints,
                compiled_class_hash,
                casm,
                sierra_version: SierraVersion::ASSUMED_FOR_CASM,
                sierra_lengths: None,
            })),
        })
    }

    /// The class with its Sierra version set (a compiled class does not record it; see
    /// [`SierraVersion::ASSUMED_FOR_CASM`]).
    pub fn with_sierra_version(mut self, version: SierraVersion) -> ContractClass {
        if let Code::Cairo1(code) = &mut self.code {
            code.sierra_version = version;
        }
        self
    }

    /// The class with the lengths of its Sierra program and ABI string set (a declare's
    /// archival gas counts them with the bytecode).
    pub fn with_sierra_lengths(mut self, program: usize, abi: usize) -> ContractClass {
        if let Code::Cairo1(code) = &mut self.code {
            code.sierra_lengths = Some((program, abi));
        }
        self
    }

    /// The size of the class's code as a declare pays for it: the CASM bytecode and the
    /// Sierra program in felts of 32 bytes, plus the ABI string's bytes (the Sierra part is 0
    /// when unknown).
    pub fn code_size(&self) -> usize {
        let (program, abi) = self.sierra_lengths().unwrap_or((0, 0));
        (self.bytecode_len + program) * 32 + abi
    }

    /// The Sierra program's and ABI string's lengths, when known.
    pub fn sierra_lengths(&self) -> Option<(usize, usize)> {
        match &self.code {
            Code::Cairo1(code) => code.sierra_lengths,
            Code::Cairo0(_) => None,
        }
    }

    /// The Sierra version of the program this class was compiled from (`0.0.0` for a Cairo 0
    /// class, which has none).
    pub fn sierra_version(&self) -> SierraVersion {
        match &self.code {
            Code::Cairo1(code) => code.sierra_version,
            Code::Cairo0(_) => SierraVersion(0, 0, 0),
        }
    }

    /// Whether this is a Cairo 0 (deprecated) class.
    pub fn is_cairo0(&self) -> bool {
        matches!(self.code, Code::Cairo0(_))
    }

    /// A Cairo 0 class's own class hash; `None` for a Cairo 1 class (whose class hash is its
    /// Sierra's, which the compiled class does not know).
    pub fn cairo0_class_hash(&self) -> Option<ClassHash> {
        match &self.code {
            Code::Cairo1(_) => None,
            Code::Cairo0(code) => Some(code.class_hash),
        }
    }

    /// A Cairo 0 class as Starknet tooling writes it (its program uncompressed), for files and
    /// other executors; `None` for a Cairo 1 class.
    pub fn cairo0_json(&self) -> Option<&serde_json::Value> {
        match &self.code {
            Code::Cairo1(_) => None,
            Code::Cairo0(code) => Some(&code.json),
        }
    }

    /// What tells two prepared classes apart: the compiled class hash of a Cairo 1 class, the
    /// class hash of a Cairo 0 one.
    pub fn identity(&self) -> Felt {
        match &self.code {
            Code::Cairo1(code) => code.compiled_class_hash.0,
            Code::Cairo0(code) => code.class_hash.0,
        }
    }

    /// Compiles a Sierra contract class (the JSON `starknet-compile` emits) to CASM and prepares
    /// it. Returns the class and its (Sierra) class hash.
    pub fn from_sierra_json(json: &str) -> Result<(ClassHash, ContractClass), ClassError> {
        let class_hash = sierra_class_hash(json)?;
        let (version, program) = sierra_facts_of_json(json)?;
        let abi = abi_string(json)?.len();
        let casm = compile_sierra(json)?;
        Ok((
            class_hash,
            ContractClass::from_casm(casm)?
                .with_sierra_version(version)
                .with_sierra_lengths(program, abi),
        ))
    }

    /// The compiled class hash (Blake2s, the current definition); zero for a Cairo 0 class,
    /// as the state records it.
    pub fn compiled_class_hash(&self) -> CompiledClassHash {
        match &self.code {
            Code::Cairo1(code) => code.compiled_class_hash,
            Code::Cairo0(_) => CompiledClassHash(Felt::ZERO),
        }
    }

    /// The compiled class hash in its old definition (Poseidon, v1: what the state held for
    /// classes declared before 0.14.1, until they are migrated); zero for a Cairo 0 class.
    /// Computed on each call.
    pub fn legacy_compiled_class_hash(&self) -> CompiledClassHash {
        match &self.code {
            Code::Cairo1(code) => {
                catch_silently(|| CompiledClassHash(code.casm.legacy_compiled_class_hash()))
                    .unwrap_or_default()
            }
            Code::Cairo0(_) => CompiledClassHash(Felt::ZERO),
        }
    }

    /// The CASM class this was prepared from; `None` for a Cairo 0 class.
    pub fn casm(&self) -> Option<&CasmContractClass> {
        match &self.code {
            Code::Cairo1(code) => Some(&code.casm),
            Code::Cairo0(_) => None,
        }
    }

    /// The entry point of `kind` with `selector`.
    pub(crate) fn entry_point(&self, kind: EntryPointKind, selector: Felt) -> Option<&EntryPoint> {
        let eps = match kind {
            EntryPointKind::External => &self.external,
            EntryPointKind::Constructor => &self.constructor,
            EntryPointKind::L1Handler => &self.l1_handler,
        };
        eps.iter().find(|ep| ep.selector == selector)
    }

    /// How many entry points of `kind` the class has.
    pub fn entry_point_count(&self, kind: EntryPointKind) -> usize {
        self.entry_points(kind).len()
    }

    /// The entry points of `kind`, as the class lists them.
    pub(crate) fn entry_points(&self, kind: EntryPointKind) -> &[EntryPoint] {
        match kind {
            EntryPointKind::External => &self.external,
            EntryPointKind::Constructor => &self.constructor,
            EntryPointKind::L1Handler => &self.l1_handler,
        }
    }

    /// Whether the class has a constructor.
    pub(crate) fn has_constructor(&self) -> bool {
        !self.constructor.is_empty()
    }
}

/// The Sierra version a Sierra contract class (JSON) records in its program, and the
/// program's length.
pub fn sierra_facts_of_json(sierra_json: &str) -> Result<(SierraVersion, usize), ClassError> {
    #[derive(serde::Deserialize)]
    struct Program {
        sierra_program: Vec<Felt>,
    }
    let program: Program = serde_json::from_str(sierra_json).map_err(|error| ClassError::Json {
        what: "Sierra contract class",
        error,
    })?;
    Ok((
        SierraVersion::of_program(&program.sierra_program)?,
        program.sierra_program.len(),
    ))
}

/// The Sierra version a Sierra contract class (JSON) records in its program.
pub fn sierra_version_of_json(sierra_json: &str) -> Result<SierraVersion, ClassError> {
    Ok(sierra_facts_of_json(sierra_json)?.0)
}

/// Compiles a Sierra contract class (JSON) to CASM with the compiler version this crate links.
/// The ABI plays no part in compilation, so it is blanked first: a class whose ABI is a JSON
/// string (as declare transactions, RPC nodes and re-execution files carry it) compiles like
/// one whose ABI is an array.
pub fn compile_sierra(sierra_json: &str) -> Result<CasmContractClass, ClassError> {
    let json = |error| ClassError::Json {
        what: "Sierra contract class",
        error,
    };
    let mut value: serde_json::Value = serde_json::from_str(sierra_json).map_err(json)?;
    if let Some(object) = value.as_object_mut() {
        object.remove("abi");
    }
    let sierra: SierraClass = serde_json::from_value(value).map_err(json)?;
    catch_silently(|| {
        let program = sierra
            .extract_sierra_program(false)
            .map_err(|e| ClassError::Compile(e.to_string()))?;
        CasmContractClass::from_contract_class(sierra, program, false, usize::MAX)
            .map_err(|e| ClassError::Compile(e.to_string()))
    })
    .map_err(|panic| ClassError::Compile(format!("the compiler panicked: {panic}")))?
}

pub use crate::class_hash::{abi_string, sierra_class_hash};

/// The checks a compiled class must pass before anything hashes or loads it: what cairo-lang's
/// hashing and cairo-vm's loader assume of it (and would assert) is an error here instead.
fn check_casm(casm: &CasmContractClass) -> Result<(), ClassError> {
    let invalid = |what: String| Err(ClassError::Invalid(what));
    let prime = (BigUint::from(1u8) << 251) + (BigUint::from(17u8) << 192) + BigUint::from(1u8);
    if casm.prime != prime {
        return invalid(format!("its prime is {:#x}, not Starknet's", casm.prime));
    }
    let len = casm.bytecode.len();
    if len == 0 {
        return invalid("its bytecode is empty".into());
    }
    if let Some(i) = casm.bytecode.iter().position(|word| word.value >= prime) {
        return invalid(format!("bytecode[{i}] is not a field element"));
    }
    if let Some(lengths) = &casm.bytecode_segment_lengths {
        match segment_total(lengths, 0) {
            Some(total) if total == len => {}
            Some(total) => {
                return invalid(format!(
                    "its bytecode_segment_lengths add up to {total}, but the bytecode has {len} words"
                ))
            }
            None => {
                return invalid(format!(
                    "its bytecode_segment_lengths are nested deeper than {MAX_SEGMENT_DEPTH} or overflow"
                ))
            }
        }
    }
    let kinds = [
        ("external", &casm.entry_points_by_type.external),
        ("l1_handler", &casm.entry_points_by_type.l1_handler),
        ("constructor", &casm.entry_points_by_type.constructor),
    ];
    for (kind, eps) in kinds {
        for (i, ep) in eps.iter().enumerate() {
            if ep.offset >= len {
                return invalid(format!(
                    "entry point {kind}[{i}] starts at {}, past the bytecode's {len} words",
                    ep.offset
                ));
            }
            if ep.selector >= prime {
                return invalid(format!(
                    "entry point {kind}[{i}]: the selector is not a felt"
                ));
            }
        }
    }
    if let Some((pc, _)) = casm.hints.iter().find(|(pc, _)| *pc >= len) {
        return invalid(format!(
            "a hint is at pc {pc}, past the bytecode's {len} words"
        ));
    }
    Ok(())
}

/// How deep `bytecode_segment_lengths` may nest (compilers emit two levels).
const MAX_SEGMENT_DEPTH: usize = 16;

/// The sum of a nested segment-length list, or `None` past [`MAX_SEGMENT_DEPTH`] or on overflow.
fn segment_total(lengths: &NestedIntList, depth: usize) -> Option<usize> {
    match lengths {
        NestedIntList::Leaf(n) => Some(*n),
        NestedIntList::Node(_) if depth >= MAX_SEGMENT_DEPTH => None,
        NestedIntList::Node(children) => children.iter().try_fold(0usize, |total, child| {
            total.checked_add(segment_total(child, depth + 1)?)
        }),
    }
}

/// Prepared classes by compiled class hash, shared by every block and worker: a [`BaseState`]
/// backed by a database stores CASM, and preparing it costs milliseconds, so prepare each class
/// once per process.
///
/// [`BaseState`]: crate::BaseState
#[derive(Debug, Default)]
pub struct ClassCache {
    classes: parking_lot::RwLock<HashMap<CompiledClassHash, std::sync::Arc<ContractClass>>>,
}

impl ClassCache {
    /// An empty cache.
    pub fn new() -> ClassCache {
        ClassCache::default()
    }

    /// The class with `compiled_class_hash`, prepared from `casm_json()` the first time.
    pub fn get_or_prepare(
        &self,
        compiled_class_hash: CompiledClassHash,
        casm_json: impl FnOnce() -> String,
    ) -> Result<std::sync::Arc<ContractClass>, ClassError> {
        if let Some(class) = self.classes.read().get(&compiled_class_hash) {
            return Ok(class.clone());
        }
        let class = std::sync::Arc::new(ContractClass::from_casm_json(&casm_json())?);
        if class.compiled_class_hash() != compiled_class_hash {
            return Err(ClassError::Invalid(format!(
                "the class hashes to {:#x}, not {:#x}",
                class.compiled_class_hash().0,
                compiled_class_hash.0
            )));
        }
        Ok(self
            .classes
            .write()
            .entry(compiled_class_hash)
            .or_insert(class)
            .clone())
    }

    /// How many classes are cached.
    pub fn len(&self) -> usize {
        self.classes.read().len()
    }

    /// Whether the cache is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

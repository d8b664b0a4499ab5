//! starkstm's own contracts (`contracts/` in the repository): their Sierra and CASM, compiled
//! by `contracts/build.sh` and embedded here; and the real STRK token ([`ERC20_STRK`]).

use std::sync::Arc;

use parking_lot::Mutex;

use starknet_api::core::ClassHash;

use crate::class::{sierra_class_hash, ClassError, ContractClass};

/// One of our contracts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BuiltinContract {
    /// Its name (the file stem under `contracts/src`).
    pub name: &'static str,
    /// The Sierra contract class (JSON).
    pub sierra: &'static str,
    /// The compiled class (JSON).
    pub casm: &'static str,
}

macro_rules! contract {
    ($const:ident, $name:literal, $doc:literal) => {
        #[doc = $doc]
        pub const $const: BuiltinContract = BuiltinContract {
            name: $name,
            sierra: include_str!(concat!("../../contracts/compiled/", $name, ".sierra.json")),
            casm: include_str!(concat!("../../contracts/compiled/", $name, ".casm.json")),
        };
    };
}

contract!(
    ACCOUNT,
    "account",
    "An account: ECDSA signature check in `__validate__`, multicall `__execute__`."
);
contract!(
    ACCOUNT_NOVALIDATE,
    "account_novalidate",
    "An account whose `__validate__` accepts everything."
);
contract!(
    ACCOUNT_GAS,
    "account_gas",
    "`account`'s Sierra program labelled Sierra 1.7.0 (its one difference: the version felt), \
     metered in Sierra gas: a transaction's calls run in Sierra gas only from such an account."
);
contract!(ERC20, "erc20", "An ERC20 token (the fee token is one).");
contract!(
    COUNTER,
    "counter",
    "A counter, with entry points exercising every syscall."
);
contract!(
    COUNTER_GAS,
    "counter_gas",
    "`counter`'s Sierra program labelled Sierra 1.7.0 (its one difference: the version felt), so \
     the compiler makes Sierra-gas CASM of it (builtin costs read at run time) and executors \
     meter it in Sierra gas, as they do current contracts."
);
contract!(
    ERC20_GAS,
    "erc20_gas",
    "`erc20` labelled Sierra 1.7.0 (see [`COUNTER_GAS`])."
);
contract!(AMM, "amm", "A two-token constant-product pool.");
contract!(
    AMM_GAS,
    "amm_gas",
    "`amm` labelled Sierra 1.7.0 (see [`COUNTER_GAS`])."
);
contract!(
    NFT,
    "nft",
    "An NFT collection with free-id and next-id mints."
);
contract!(
    NFT_GAS,
    "nft_gas",
    "`nft` labelled Sierra 1.7.0 (see [`COUNTER_GAS`])."
);

/// Our contracts and their Sierra-gas twins (the same programs labelled Sierra 1.7.0).
pub const SIERRA_GAS_TWINS: [(BuiltinContract, BuiltinContract); 5] = [
    (ACCOUNT, ACCOUNT_GAS),
    (COUNTER, COUNTER_GAS),
    (ERC20, ERC20_GAS),
    (AMM, AMM_GAS),
    (NFT, NFT_GAS),
];

/// The real STRK token (`ERC20Lockable`, Sierra 1.7.0), protocol data from
/// `starknet/real-classes/` (see its NOTICE), with the CASM our compiler makes of it committed
/// beside it. Balances in `ERC20_balances`, like ours; the workloads' fee token.
pub const ERC20_STRK: BuiltinContract = BuiltinContract {
    name: "erc20_strk",
    sierra: include_str!("../real-classes/erc20_strk.sierra.json"),
    casm: include_str!("../real-classes/erc20_strk.casm.json"),
};

/// OpenZeppelin's account 1.0.0 (Sierra 1.6.0), protocol data from `starknet/real-classes/`
/// (see its NOTICE), with the CASM our compiler makes of it committed beside it. Its public key
/// is the storage variable `Account_public_key`.
pub const OZ_ACCOUNT: BuiltinContract = BuiltinContract {
    name: "oz_account",
    sierra: include_str!("../real-classes/oz_account_1_0_0.sierra.json"),
    casm: include_str!("../real-classes/oz_account_1_0_0.casm.json"),
};

/// All of them.
pub const ALL: [BuiltinContract; 13] = [
    ACCOUNT,
    ACCOUNT_NOVALIDATE,
    ACCOUNT_GAS,
    ERC20,
    ERC20_GAS,
    COUNTER,
    COUNTER_GAS,
    AMM,
    AMM_GAS,
    NFT,
    NFT_GAS,
    ERC20_STRK,
    OZ_ACCOUNT,
];

/// A Cairo 0 class we embed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Cairo0Contract {
    /// Its name.
    pub name: &'static str,
    /// The class as the Cairo 0 compiler writes it (JSON).
    pub json: &'static str,
}

/// OpenZeppelin's Cairo 0 account 0.5.1, protocol data from `starknet/real-classes/` (see its
/// NOTICE): `__validate__` checks a `[r, s]` signature by the public key given to its
/// constructor, `__execute__` takes the 0.5 call array
/// (`[n, (to, selector, offset, len)…, calldata_len, calldata…]`).
pub const OZ_ACCOUNT_CAIRO0: Cairo0Contract = Cairo0Contract {
    name: "oz_account_cairo0",
    json: include_str!("../real-classes/oz_account_0_5_1.json"),
};

/// OpenZeppelin's Cairo 0 Universal Deployer 0.5.0 (`deployContract`), protocol data from
/// `starknet/real-classes/` (see its NOTICE).
pub const UDC_CAIRO0: Cairo0Contract = Cairo0Contract {
    name: "udc_cairo0",
    json: include_str!("../real-classes/udc_legacy_0_5_0.json"),
};

/// Our Cairo 0 test contract (`contracts/cairo0/probe.cairo`): a counter whose entry points
/// make every deprecated syscall.
pub const PROBE_CAIRO0: Cairo0Contract = Cairo0Contract {
    name: "probe_cairo0",
    json: include_str!("../../contracts/cairo0/compiled/probe.json"),
};

/// The Cairo 0 classes we embed.
pub const CAIRO0: [Cairo0Contract; 3] = [OZ_ACCOUNT_CAIRO0, UDC_CAIRO0, PROBE_CAIRO0];

impl Cairo0Contract {
    /// The class hash and the prepared class, prepared once per process and shared.
    pub fn load(&self) -> Result<(ClassHash, Arc<ContractClass>), ClassError> {
        static LOADED: Mutex<Vec<(&'static str, ClassHash, Arc<ContractClass>)>> =
            Mutex::new(Vec::new());
        if let Some((_, hash, class)) = LOADED.lock().iter().find(|(n, ..)| *n == self.name) {
            return Ok((*hash, class.clone()));
        }
        let (hash, class) = ContractClass::from_cairo0_json(self.json)?;
        let class = Arc::new(class);
        LOADED.lock().push((self.name, hash, class.clone()));
        Ok((hash, class))
    }
}

/// The builtin class (Cairo 1 or Cairo 0) named `name`: its class hash and prepared class.
pub fn load_builtin(name: &str) -> Option<Result<(ClassHash, Arc<ContractClass>), ClassError>> {
    if let Some(c) = BuiltinContract::by_name(name) {
        return Some(c.load());
    }
    CAIRO0.iter().find(|c| c.name == name).map(|c| c.load())
}

/// A builtin class: its name, class hash and prepared class.
pub type Builtin = (&'static str, ClassHash, Arc<ContractClass>);

/// Every builtin class, Cairo 1 and Cairo 0.
pub fn all_builtins() -> Result<Vec<Builtin>, ClassError> {
    let mut all = Vec::with_capacity(ALL.len() + CAIRO0.len());
    for c in ALL {
        let (hash, class) = c.load()?;
        all.push((c.name, hash, class));
    }
    for c in CAIRO0 {
        let (hash, class) = c.load()?;
        all.push((c.name, hash, class));
    }
    Ok(all)
}

/// The name of the builtin class `class` is, if it is one.
pub fn builtin_name_of(class: &ContractClass) -> Option<&'static str> {
    all_builtins()
        .ok()?
        .into_iter()
        .find(|(_, _, c)| c.identity() == class.identity())
        .map(|(name, ..)| name)
}

/// The Sierra JSON of the builtin contract whose class hash is `hash`, if any (for writing
/// classes as a node returns them, as re-execution files hold them).
pub fn sierra_of(hash: ClassHash) -> Option<&'static str> {
    ALL.iter()
        .find(|c| c.load().is_ok_and(|(h, _)| h == hash))
        .map(|c| c.sierra)
}

impl BuiltinContract {
    /// The class hash (of the Sierra class) and the prepared compiled class, prepared once per
    /// process and shared.
    pub fn load(&self) -> Result<(ClassHash, Arc<ContractClass>), ClassError> {
        static LOADED: Mutex<Vec<(&'static str, ClassHash, Arc<ContractClass>)>> =
            Mutex::new(Vec::new());
        if let Some((_, hash, class)) = LOADED.lock().iter().find(|(n, ..)| *n == self.name) {
            return Ok((*hash, class.clone()));
        }
        let class_hash = sierra_class_hash(self.sierra)?;
        let (version, program) = crate::class::sierra_facts_of_json(self.sierra)?;
        let abi = crate::class::abi_string(self.sierra)?.len();
        let class = Arc::new(
            ContractClass::from_casm_json(self.casm)?
                .with_sierra_version(version)
                .with_sierra_lengths(program, abi),
        );
        LOADED.lock().push((self.name, class_hash, class.clone()));
        Ok((class_hash, class))
    }

    /// The contract named `name`.
    pub fn by_name(name: &str) -> Option<BuiltinContract> {
        ALL.into_iter().find(|c| c.name == name)
    }
}

//! [`Genesis`]: a generated base state (our classes declared, a fee token, funded accounts with
//! keys) and helpers to build signed transactions against it. What the CLI, tests, benchmarks
//! and workload generators start from.

use std::collections::BTreeMap;
use std::sync::Arc;

use starknet_api::abi::abi_utils::{get_storage_var_address, selector_from_name};
use starknet_api::block::GasPrice;
use starknet_api::core::{
    calculate_contract_address, ClassHash, CompiledClassHash, ContractAddress, Nonce, PatriciaKey,
};
use starknet_api::data_availability::DataAvailabilityMode;
use starknet_api::execution_resources::GasAmount;
use starknet_api::transaction::fields::{
    AccountDeploymentData, AllResourceBounds, Calldata, ContractAddressSalt, PaymasterData,
    ProofFacts, ResourceBounds, Tip, TransactionSignature, ValidResourceBounds,
};
use starknet_api::transaction::{
    DeclareTransactionV3, DeployAccountTransactionV3, InvokeTransactionV3,
};
use starknet_types_core::felt::Felt;

use crate::class::{ClassError, ContractClass};
use crate::context::BlockContext;
use crate::contracts::{self, BuiltinContract};
use crate::state::InMemoryState;
use crate::transaction::{public_key, sign, Transaction};
use crate::u256::U256;

/// A generated account.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Account {
    /// Its address.
    pub address: ContractAddress,
    /// Its private key.
    pub private_key: Felt,
}

/// A call an account makes from `__execute__`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Call {
    /// The contract called.
    pub to: ContractAddress,
    /// The entry point's name.
    pub entry_point: &'static str,
    /// The arguments.
    pub calldata: Vec<Felt>,
}

/// Serializes calls as the account's `__execute__` reads them (`Array<Call>`).
pub fn execute_calldata(calls: &[Call]) -> Vec<Felt> {
    let mut data = vec![Felt::from(calls.len())];
    for call in calls {
        data.push(*call.to.0.key());
        data.push(selector_from_name(call.entry_point).0);
        data.push(Felt::from(call.calldata.len()));
        data.extend_from_slice(&call.calldata);
    }
    data
}

/// Serializes calls as a Cairo 0 account of OpenZeppelin's 0.5 ABI reads them: the call array
/// `[n, (to, selector, data_offset, data_len)…]`, then all the calls' calldata
/// `[calldata_len, calldata…]`.
pub fn execute_calldata_cairo0(calls: &[Call]) -> Vec<Felt> {
    let mut data = vec![Felt::from(calls.len())];
    let mut offset = 0usize;
    for call in calls {
        data.push(*call.to.0.key());
        data.push(selector_from_name(call.entry_point).0);
        data.push(Felt::from(offset));
        data.push(Felt::from(call.calldata.len()));
        offset += call.calldata.len();
    }
    data.push(Felt::from(offset));
    for call in calls {
        data.extend_from_slice(&call.calldata);
    }
    data
}

/// An address from a number (tests and generators).
pub fn address(n: impl Into<Felt>) -> ContractAddress {
    ContractAddress(PatriciaKey::try_from(n.into()).expect("a small number is an address"))
}

/// What [`Genesis::new`] builds.
#[derive(Clone, Debug)]
pub struct GenesisConfig {
    /// How many accounts.
    pub accounts: usize,
    /// Whether accounts check signatures (our `account` contract) or accept every transaction
    /// (`account_novalidate`).
    pub validate: bool,
    /// Each account's fee-token balance.
    pub balance: u128,
    /// Seeds addresses and keys.
    pub seed: u64,
    /// The builtin class of the fee token: our `erc20`, or the real STRK token's `erc20_strk`
    /// (both keep balances in the protocol's `ERC20_balances`).
    pub fee_token_class: &'static str,
    /// Whether the accounts are OpenZeppelin's account 1.0.0 (which always checks signatures)
    /// instead of ours.
    pub oz_accounts: bool,
    /// Argent's account class, given from outside: then every account is an Argent account,
    /// funded at its counterfactual address but not deployed (deploy it with
    /// [`Genesis::deploy_argent`]).
    pub argent: Option<ArgentClass>,
    /// Whether the accounts are OpenZeppelin's Cairo 0 account 0.5.1 (which always checks
    /// signatures; [`Genesis::invoke`] writes their calldata in its call-array form).
    pub cairo0_accounts: bool,
}

/// Argent's account 0.4.0 (Sierra 1.5, Cairo-steps mode), loaded from outside the repository:
/// Argent's contracts are GPL-3.0, so starkstm does not ship them. The registry crate
/// `starknet-devnet-core` 0.10.1 carries it (`contracts/accounts_artifacts/Argent/
/// argent_0.4.0.sierra`; `.ci/argent-class` fetches it).
#[derive(Clone, Debug)]
pub struct ArgentClass {
    /// Its class hash (the published one).
    pub hash: ClassHash,
    /// The class.
    pub class: Arc<ContractClass>,
}

impl ArgentClass {
    /// The class hash Argent publishes for its account 0.4.0.
    pub const PUBLISHED_HASH: &'static str =
        "0x036078334509b514626504edc9fb252328d1a240e4e948bef8d0c08dff45927f";

    /// Loads the class from its Sierra JSON, compiled to CASM; an error unless its class hash
    /// is [`PUBLISHED_HASH`](ArgentClass::PUBLISHED_HASH).
    pub fn from_sierra_json(json: &str) -> Result<ArgentClass, ClassError> {
        let (hash, class) = ContractClass::from_sierra_json(json)?;
        let published = ClassHash(Felt::from_hex_unchecked(Self::PUBLISHED_HASH));
        if hash != published {
            return Err(ClassError::Invalid(format!(
                "not Argent's account 0.4.0: its class hash is {:#x}, Argent publishes {}",
                hash.0,
                Self::PUBLISHED_HASH
            )));
        }
        Ok(ArgentClass {
            hash,
            class: Arc::new(class),
        })
    }

    /// The constructor's arguments for an account owned by the Stark key `public_key`, without
    /// a guardian: `owner: Signer::Starknet(StarknetSigner { pubkey })` (variant 0) and
    /// `guardian: Option::None` (variant 1).
    pub fn constructor_calldata(public_key: Felt) -> Vec<Felt> {
        vec![Felt::ZERO, public_key, Felt::ONE]
    }
}

/// The name [`Genesis::classes`] gives Argent's account class when the genesis has it.
pub const ARGENT_ACCOUNT: &str = "argent_account_0_4_0";

impl Default for GenesisConfig {
    fn default() -> GenesisConfig {
        GenesisConfig {
            accounts: 16,
            validate: true,
            balance: 1_000_000_000_000_000_000_000,
            seed: 0,
            fee_token_class: "erc20",
            oz_accounts: false,
            argent: None,
            cairo0_accounts: false,
        }
    }
}

/// A generated base state and block context.
#[derive(Clone, Debug)]
pub struct Genesis {
    /// The state before the block.
    pub state: InMemoryState,
    /// The block's context (sequencer, fee token, prices).
    pub context: BlockContext,
    /// Class hashes of our contracts, by name; every one is declared.
    pub classes: BTreeMap<&'static str, ClassHash>,
    /// The funded accounts.
    pub accounts: Vec<Account>,
}

fn splitmix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A felt below 2^192 drawn from `(seed, stream, i)`: addresses and keys that look random.
fn derived(seed: u64, stream: u64, i: u64) -> Felt {
    let a = splitmix(seed ^ splitmix(stream ^ splitmix(i)));
    let b = splitmix(a);
    let c = splitmix(b);
    let mut bytes = [0u8; 32];
    bytes[8..16].copy_from_slice(&a.to_be_bytes());
    bytes[16..24].copy_from_slice(&b.to_be_bytes());
    bytes[24..32].copy_from_slice(&c.to_be_bytes());
    Felt::from_bytes_be(&bytes)
}

/// Where the Argent account owned by `private_key` deploys (salt: its public key; deployer: 0).
fn argent_address(class_hash: ClassHash, private_key: Felt) -> ContractAddress {
    let key = public_key(private_key);
    calculate_contract_address(
        ContractAddressSalt(key),
        class_hash,
        &Calldata(Arc::new(ArgentClass::constructor_calldata(key))),
        ContractAddress::default(),
    )
    .expect("a Pedersen hash is an address")
}

/// The fee token's address in every genesis.
pub const FEE_TOKEN: u64 = 0x4718;
/// The sequencer's address in every genesis.
pub const SEQUENCER: u64 = 0x5e9;

impl Genesis {
    /// Declares our contracts, deploys the fee token and `config.accounts` funded accounts.
    pub fn new(config: &GenesisConfig) -> Result<Genesis, ClassError> {
        let mut state = InMemoryState::new();
        let mut classes = BTreeMap::new();
        for (name, hash, class) in contracts::all_builtins()? {
            state.declare(hash, class);
            classes.insert(name, hash);
        }
        if let Some(argent) = &config.argent {
            state.declare(argent.hash, argent.class.clone());
            classes.insert(ARGENT_ACCOUNT, argent.hash);
        }
        let fee_token = address(FEE_TOKEN);
        let sequencer = address(SEQUENCER);
        let fee_class = *classes.get(config.fee_token_class).ok_or_else(|| {
            ClassError::Invalid(format!(
                "no builtin class {:?} for the fee token",
                config.fee_token_class
            ))
        })?;
        state.deploy(fee_token, fee_class);
        let set = |state: &mut InMemoryState, var: &str, value: Felt| {
            state.set_storage(fee_token, get_storage_var_address(var, &[]), value);
        };
        set(
            &mut state,
            "token_name",
            Felt::from_bytes_be_slice(b"Starknet Token"),
        );
        set(
            &mut state,
            "token_symbol",
            Felt::from_bytes_be_slice(b"STRK"),
        );
        set(&mut state, "token_decimals", Felt::from(18));
        let account_class = classes[if config.cairo0_accounts {
            contracts::OZ_ACCOUNT_CAIRO0.name
        } else if config.oz_accounts {
            contracts::OZ_ACCOUNT.name
        } else if config.validate {
            "account"
        } else {
            "account_novalidate"
        }];
        let mut accounts = Vec::with_capacity(config.accounts);
        let public_key_var = get_storage_var_address(
            if config.oz_accounts || config.cairo0_accounts {
                "Account_public_key"
            } else {
                "public_key"
            },
            &[],
        );
        for i in 0..config.accounts as u64 {
            let private_key = derived(config.seed, 2, i);
            if let Some(argent) = &config.argent {
                // Counterfactual: funded, deployed by the block (`deploy_argent`).
                let address = argent_address(argent.hash, private_key);
                state.set_erc20_balance(fee_token, address, U256::from_u128(config.balance));
                accounts.push(Account {
                    address,
                    private_key,
                });
                continue;
            }
            let account = Account {
                address: ContractAddress(
                    PatriciaKey::try_from(derived(config.seed, 1, i)).expect("below 2^192"),
                ),
                private_key,
            };
            state.deploy(account.address, account_class);
            let key = if config.validate || config.oz_accounts || config.cairo0_accounts {
                public_key(account.private_key)
            } else {
                Felt::ZERO
            };
            state.set_storage(account.address, public_key_var, key);
            state.set_erc20_balance(fee_token, account.address, U256::from_u128(config.balance));
            accounts.push(account);
        }
        let supply = U256::from_u128(config.balance.saturating_mul(config.accounts as u128));
        set(&mut state, "token_total_supply", Felt::from(supply.low));
        Ok(Genesis {
            state,
            context: BlockContext::new(sequencer, fee_token),
            classes,
            accounts,
        })
    }

    /// Deploys one of our contracts at `at` with the given storage (no constructor runs).
    pub fn deploy(
        &mut self,
        contract: BuiltinContract,
        at: ContractAddress,
        storage: &[(&str, &[Felt], Felt)],
    ) {
        self.state.deploy(at, self.classes[contract.name]);
        for (var, args, value) in storage {
            self.state
                .set_storage(at, get_storage_var_address(var, args), *value);
        }
    }

    /// Whether the contract at `address` is of a Cairo 0 class (an account's calldata format
    /// depends on it).
    pub fn is_cairo0(&self, address: ContractAddress) -> bool {
        self.state
            .class_hashes
            .get(&address)
            .and_then(|hash| self.state.classes.get(hash))
            .is_some_and(|class| class.is_cairo0())
    }

    /// The declared class named `name`.
    pub fn class(&self, name: &str) -> Arc<ContractClass> {
        self.state.classes[&self.classes[name]].clone()
    }

    /// A signed Invoke V3 from `account` with `nonce`, making `calls`.
    pub fn invoke(&self, account: &Account, nonce: u64, calls: &[Call]) -> Transaction {
        self.invoke_with(account, nonce, calls, self.bounds(DEFAULT_MAX_L2_GAS), true)
    }

    /// As [`invoke`](Genesis::invoke), with given bounds, signed or not (an unsigned
    /// transaction carries a zero signature, which the account rejects).
    pub fn invoke_with(
        &self,
        account: &Account,
        nonce: u64,
        calls: &[Call],
        bounds: ValidResourceBounds,
        signed: bool,
    ) -> Transaction {
        self.invoke_proving(account, nonce, calls, bounds, signed, Vec::new())
    }

    /// As [`invoke_with`](Genesis::invoke_with), carrying `proof_facts` (see
    /// [`Genesis::proof_facts`]).
    pub fn invoke_proving(
        &self,
        account: &Account,
        nonce: u64,
        calls: &[Call],
        bounds: ValidResourceBounds,
        signed: bool,
        proof_facts: Vec<Felt>,
    ) -> Transaction {
        let mut tx = InvokeTransactionV3 {
            resource_bounds: bounds,
            tip: Tip(0),
            signature: TransactionSignature::default(),
            nonce: Nonce(Felt::from(nonce)),
            sender_address: account.address,
            calldata: Calldata(Arc::new(if self.is_cairo0(account.address) {
                execute_calldata_cairo0(calls)
            } else {
                execute_calldata(calls)
            })),
            nonce_data_availability_mode: DataAvailabilityMode::L1,
            fee_data_availability_mode: DataAvailabilityMode::L1,
            paymaster_data: PaymasterData::default(),
            account_deployment_data: AccountDeploymentData::default(),
            proof_facts: ProofFacts::from(proof_facts),
        };
        let unsigned = Transaction::invoke(tx.clone(), &self.context.chain_id)
            .expect("an invoke transaction hashes");
        let signature = if signed {
            sign(account.private_key, unsigned.hash())
        } else {
            vec![Felt::ZERO, Felt::ZERO]
        };
        tx.signature = TransactionSignature(Arc::new(signature));
        // The signature is not part of the hash.
        Transaction::invoke(tx, &self.context.chain_id).expect("an invoke transaction hashes")
    }

    /// Proof facts an Invoke V3 may carry under the genesis's protocol version (0.14.2 on): a
    /// proof, by its first allowed proof version and virtual OS program, of a run over block
    /// `block_number`, whose hash is `block_hash`, with this chain's virtual OS config hash
    /// (store that hash in contract `0x1` for the facts to hold). `None` where the version
    /// allows no proofs.
    pub fn proof_facts(&self, block_number: u64, block_hash: Felt) -> Option<Vec<Felt>> {
        use starknet_api::transaction::fields::{VIRTUAL_OS_OUTPUT_VERSION, VIRTUAL_SNOS};
        let c = self.context.constants().ok()?;
        let version = *c.allowed_proof_versions.first()?;
        let program = *c.allowed_virtual_os_program_hashes.first()?;
        let config = crate::transaction::proof_facts::virtual_os_config_hash(&self.context).ok()?;
        Some(vec![
            version,
            VIRTUAL_SNOS,
            program,
            VIRTUAL_OS_OUTPUT_VERSION,
            Felt::from(block_number),
            block_hash,
            config,
        ])
    }

    /// A signed Declare V3 of `class` under `class_hash` from `account` with `nonce`.
    pub fn declare(
        &self,
        account: &Account,
        nonce: u64,
        class_hash: ClassHash,
        class: Arc<ContractClass>,
    ) -> Transaction {
        let compiled = class.compiled_class_hash();
        self.declare_with_compiled_class_hash(account, nonce, class_hash, class, compiled)
    }

    /// [`Genesis::declare`] naming `compiled_class_hash` (for example the class's old,
    /// Poseidon, hash, as declares before 0.14.1 named it).
    pub fn declare_with_compiled_class_hash(
        &self,
        account: &Account,
        nonce: u64,
        class_hash: ClassHash,
        class: Arc<ContractClass>,
        compiled_class_hash: CompiledClassHash,
    ) -> Transaction {
        let mut tx = DeclareTransactionV3 {
            resource_bounds: self.bounds(DECLARE_MAX_L2_GAS),
            tip: Tip(0),
            signature: TransactionSignature::default(),
            nonce: Nonce(Felt::from(nonce)),
            class_hash,
            compiled_class_hash,
            sender_address: account.address,
            nonce_data_availability_mode: DataAvailabilityMode::L1,
            fee_data_availability_mode: DataAvailabilityMode::L1,
            paymaster_data: PaymasterData::default(),
            account_deployment_data: AccountDeploymentData::default(),
        };
        let unsigned = Transaction::declare(tx.clone(), class.clone(), &self.context.chain_id)
            .expect("a declare transaction hashes");
        tx.signature = TransactionSignature(Arc::new(sign(account.private_key, unsigned.hash())));
        Transaction::declare(tx, class, &self.context.chain_id)
            .expect("a declare transaction hashes")
    }

    /// A signed DeployAccount V3 of our `account` class with `private_key` and `salt`, and the
    /// address it deploys to (fund it first).
    pub fn deploy_account(&self, private_key: Felt, salt: Felt) -> (Transaction, ContractAddress) {
        let calldata = vec![public_key(private_key)];
        self.deploy_account_of(self.classes["account"], calldata, private_key, salt)
    }

    /// A signed DeployAccount V3 deploying the Argent account `account` of a genesis built
    /// with [`GenesisConfig::argent`] (its salt is its public key).
    ///
    /// # Panics
    /// If the genesis has no Argent class.
    pub fn deploy_argent(&self, account: &Account) -> Transaction {
        let key = public_key(account.private_key);
        let (tx, at) = self.deploy_account_of(
            self.classes[ARGENT_ACCOUNT],
            ArgentClass::constructor_calldata(key),
            account.private_key,
            key,
        );
        debug_assert_eq!(at, account.address);
        tx
    }

    /// A signed DeployAccount V3 of `class_hash` with `constructor_calldata`, signed with
    /// `private_key`, and the address it deploys to.
    pub fn deploy_account_of(
        &self,
        class_hash: ClassHash,
        constructor_calldata: Vec<Felt>,
        private_key: Felt,
        salt: Felt,
    ) -> (Transaction, ContractAddress) {
        let mut tx = DeployAccountTransactionV3 {
            resource_bounds: self.bounds(DEFAULT_MAX_L2_GAS),
            tip: Tip(0),
            signature: TransactionSignature::default(),
            nonce: Nonce(Felt::ZERO),
            class_hash,
            contract_address_salt: ContractAddressSalt(salt),
            constructor_calldata: Calldata(Arc::new(constructor_calldata)),
            nonce_data_availability_mode: DataAvailabilityMode::L1,
            fee_data_availability_mode: DataAvailabilityMode::L1,
            paymaster_data: PaymasterData::default(),
        };
        let unsigned = Transaction::deploy_account(tx.clone(), &self.context.chain_id)
            .expect("a deploy-account transaction hashes");
        tx.signature = TransactionSignature(Arc::new(sign(private_key, unsigned.hash())));
        let address = unsigned.sender();
        let tx = Transaction::deploy_account(tx, &self.context.chain_id)
            .expect("a deploy-account transaction hashes");
        (tx, address)
    }

    /// Resource bounds of `max_l2_gas` at the block's prices (see [`bounds_for`]).
    pub fn bounds(&self, max_l2_gas: u64) -> ValidResourceBounds {
        bounds_for(&self.context, max_l2_gas)
    }

    /// A fee-token transfer call.
    pub fn transfer_call(&self, to: ContractAddress, amount: u128) -> Call {
        Call {
            to: self.context.fee_token,
            entry_point: "transfer",
            calldata: vec![*to.0.key(), Felt::from(amount), Felt::ZERO],
        }
    }
}

/// The L2 gas the generated transactions may use (enough for any of our workloads).
pub const DEFAULT_MAX_L2_GAS: u64 = 100_000_000;

/// The L2 gas a generated declare may use: the protocol charges archival gas for the class's
/// code (5,120 per felt of Sierra and ABI), above 100 million for our larger classes.
pub const DECLARE_MAX_L2_GAS: u64 = 1_000_000_000;

/// The L1 data gas the generated transactions may use: above the protocol's minimum for any
/// transaction (128 with KZG data availability) and the state diff of any of our transactions.
pub const DEFAULT_MAX_L1_DATA_GAS: u64 = 10_000;

/// Bounds on all three resources, as Starknet requires, at exactly `context`'s STRK prices:
/// no L1 gas (nothing of ours sends enough messages to need it), [`DEFAULT_MAX_L1_DATA_GAS`]
/// of L1 data gas, `max_l2_gas` of L2 gas.
pub fn bounds_for(context: &BlockContext, max_l2_gas: u64) -> ValidResourceBounds {
    let p = &context.gas_prices;
    let bound = |amount, price| ResourceBounds {
        max_amount: GasAmount(amount),
        max_price_per_unit: GasPrice(price),
    };
    ValidResourceBounds::AllResources(AllResourceBounds {
        l1_gas: bound(0, p.l1_gas),
        l2_gas: bound(max_l2_gas, p.l2_gas),
        l1_data_gas: bound(DEFAULT_MAX_L1_DATA_GAS, p.l1_data_gas),
    })
}

/// Resource bounds generous enough for any of our workloads at a gas price of 1 (see
/// [`bounds_for`] for bounds at a block's prices).
pub fn default_bounds() -> ValidResourceBounds {
    bounds(100_000_000, 1)
}

/// `max_amount` of L2 gas, [`DEFAULT_MAX_L1_DATA_GAS`] of L1 data gas and no L1 gas, each at
/// most `max_price` per unit (a block's prices must not exceed it, for any resource).
pub fn bounds(max_amount: u64, max_price: u128) -> ValidResourceBounds {
    let bound = |amount| ResourceBounds {
        max_amount: GasAmount(amount),
        max_price_per_unit: GasPrice(max_price),
    };
    ValidResourceBounds::AllResources(AllResourceBounds {
        l1_gas: bound(0),
        l2_gas: bound(max_amount),
        l1_data_gas: bound(DEFAULT_MAX_L1_DATA_GAS),
    })
}

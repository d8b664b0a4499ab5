//! [`Transaction`]: the Starknet transactions starkstm executes, with their hashes.

pub(crate) mod account;
pub(crate) mod declare;
pub(crate) mod deploy_account;
pub(crate) mod invoke;
pub(crate) mod l1_handler;
pub(crate) mod proof_facts;

use std::fmt;
use std::sync::Arc;

use starknet_api::core::{calculate_contract_address, ChainId, ContractAddress};
use starknet_api::transaction::fields::ValidResourceBounds;
use starknet_api::transaction::{
    DeclareTransaction, DeclareTransactionV3, DeployAccountTransaction, DeployAccountTransactionV3,
    InvokeTransaction, InvokeTransactionV3, L1HandlerTransaction, Transaction as ApiTransaction,
    TransactionHash, TransactionOptions,
};
use starknet_types_core::felt::Felt;

use crate::class::ContractClass;

/// Building a transaction failed.
#[derive(Debug, thiserror::Error)]
#[error("invalid transaction: {0}")]
pub struct TxError(pub String);

fn hash_of(tx: &ApiTransaction, chain_id: &ChainId) -> Result<TransactionHash, TxError> {
    starknet_api::transaction_hash::get_transaction_hash(
        tx,
        chain_id,
        &TransactionOptions::default(),
    )
    .map_err(|e| TxError(format!("cannot hash it: {e}")))
}

/// An Invoke V3 transaction and its hash.
#[derive(Clone, Debug)]
pub struct InvokeTx {
    /// The transaction.
    pub tx: InvokeTransactionV3,
    /// Its hash on `chain_id`.
    pub hash: TransactionHash,
}

/// A DeployAccount V3 transaction, its hash and the address it deploys to.
#[derive(Clone, Debug)]
pub struct DeployAccountTx {
    /// The transaction.
    pub tx: DeployAccountTransactionV3,
    /// Its hash.
    pub hash: TransactionHash,
    /// The account's address.
    pub address: ContractAddress,
}

/// A Declare V3 transaction, its hash and the class it declares (compiled).
#[derive(Clone)]
pub struct DeclareTx {
    /// The transaction.
    pub tx: DeclareTransactionV3,
    /// Its hash.
    pub hash: TransactionHash,
    /// The compiled class; its compiled class hash must match the transaction's.
    pub class: Arc<ContractClass>,
}

impl fmt::Debug for DeclareTx {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeclareTx")
            .field("tx", &self.tx)
            .field("hash", &self.hash)
            .finish()
    }
}

/// An L1 handler transaction (a message from L1), its hash and the fee paid on L1.
#[derive(Clone, Debug)]
pub struct L1HandlerTx {
    /// The transaction.
    pub tx: L1HandlerTransaction,
    /// Its hash.
    pub hash: TransactionHash,
    /// The fee paid on L1 (zero: rejected).
    pub paid_fee_on_l1: u128,
}

/// A Starknet transaction.
#[derive(Clone, Debug)]
pub enum Transaction {
    /// Invoke V3: an account runs `__validate__` then `__execute__`.
    Invoke(InvokeTx),
    /// DeployAccount V3: deploys an account, then runs its `__validate_deploy__`.
    DeployAccount(DeployAccountTx),
    /// Declare V3: registers a class.
    Declare(DeclareTx),
    /// L1Handler: runs an L1 handler entry point; no account, no fee.
    L1Handler(L1HandlerTx),
}

impl Transaction {
    /// An Invoke V3 transaction on `chain_id`.
    pub fn invoke(tx: InvokeTransactionV3, chain_id: &ChainId) -> Result<Transaction, TxError> {
        let hash = hash_of(
            &ApiTransaction::Invoke(InvokeTransaction::V3(tx.clone())),
            chain_id,
        )?;
        Ok(Transaction::Invoke(InvokeTx { tx, hash }))
    }

    /// A DeployAccount V3 transaction on `chain_id`.
    pub fn deploy_account(
        tx: DeployAccountTransactionV3,
        chain_id: &ChainId,
    ) -> Result<Transaction, TxError> {
        let hash = hash_of(
            &ApiTransaction::DeployAccount(DeployAccountTransaction::V3(tx.clone())),
            chain_id,
        )?;
        let address = calculate_contract_address(
            tx.contract_address_salt,
            tx.class_hash,
            &tx.constructor_calldata,
            ContractAddress::default(),
        )
        .map_err(|e| TxError(format!("no account address: {e}")))?;
        Ok(Transaction::DeployAccount(DeployAccountTx {
            tx,
            hash,
            address,
        }))
    }

    /// A Declare V3 transaction of `class` on `chain_id`.
    pub fn declare(
        tx: DeclareTransactionV3,
        class: Arc<ContractClass>,
        chain_id: &ChainId,
    ) -> Result<Transaction, TxError> {
        let hash = hash_of(
            &ApiTransaction::Declare(DeclareTransaction::V3(tx.clone())),
            chain_id,
        )?;
        Ok(Transaction::Declare(DeclareTx { tx, hash, class }))
    }

    /// An L1 handler transaction on `chain_id`.
    pub fn l1_handler(
        tx: L1HandlerTransaction,
        paid_fee_on_l1: u128,
        chain_id: &ChainId,
    ) -> Result<Transaction, TxError> {
        let hash = hash_of(&ApiTransaction::L1Handler(tx.clone()), chain_id)?;
        Ok(Transaction::L1Handler(L1HandlerTx {
            tx,
            hash,
            paid_fee_on_l1,
        }))
    }

    /// The transaction's hash.
    pub fn hash(&self) -> TransactionHash {
        match self {
            Transaction::Invoke(t) => t.hash,
            Transaction::DeployAccount(t) => t.hash,
            Transaction::Declare(t) => t.hash,
            Transaction::L1Handler(t) => t.hash,
        }
    }

    /// The transaction as `starknet_api`'s (what its serde form and its hash are defined on).
    pub fn to_api(&self) -> ApiTransaction {
        match self {
            Transaction::Invoke(t) => ApiTransaction::Invoke(InvokeTransaction::V3(t.tx.clone())),
            Transaction::DeployAccount(t) => {
                ApiTransaction::DeployAccount(DeployAccountTransaction::V3(t.tx.clone()))
            }
            Transaction::Declare(t) => {
                ApiTransaction::Declare(DeclareTransaction::V3(t.tx.clone()))
            }
            Transaction::L1Handler(t) => ApiTransaction::L1Handler(t.tx.clone()),
        }
    }

    /// The account that sends it (the contract, for an L1 handler).
    pub fn sender(&self) -> ContractAddress {
        match self {
            Transaction::Invoke(t) => t.tx.sender_address,
            Transaction::DeployAccount(t) => t.address,
            Transaction::Declare(t) => t.tx.sender_address,
            Transaction::L1Handler(t) => t.tx.contract_address,
        }
    }
}

/// The bounds as `get_execution_info` shows them: (name, max amount, max price).
pub(crate) fn bounds_for_info(bounds: &ValidResourceBounds) -> Vec<(Felt, Felt, Felt)> {
    let entry = |name: &str, b: &starknet_api::transaction::fields::ResourceBounds| {
        (
            crate::execution::short_string(name),
            Felt::from(b.max_amount.0),
            Felt::from(b.max_price_per_unit.0),
        )
    };
    match bounds {
        ValidResourceBounds::L1Gas(l1) => {
            vec![entry("L1_GAS", l1), entry("L2_GAS", &Default::default())]
        }
        ValidResourceBounds::AllResources(all) => vec![
            entry("L1_GAS", &all.l1_gas),
            entry("L2_GAS", &all.l2_gas),
            entry("L1_DATA", &all.l1_data_gas),
        ],
    }
}

/// Signs `hash` with `private_key` (Stark-curve ECDSA, deterministic k): the signature our
/// account contract checks.
pub fn sign(private_key: Felt, hash: TransactionHash) -> Vec<Felt> {
    let k = starknet_crypto::rfc6979_generate_k(&hash.0, &private_key, None);
    let signature = starknet_crypto::sign(&private_key, &hash.0, &k)
        .expect("signing with an RFC 6979 k fails only with negligible probability");
    vec![signature.r, signature.s]
}

/// The public key of `private_key`.
pub fn public_key(private_key: Felt) -> Felt {
    starknet_crypto::get_public_key(&private_key)
}

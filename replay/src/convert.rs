//! From a re-execution file to what starkstm executes: the block context, the transactions
//! (with the chain's hashes checked) and the recorded base state.

use std::collections::HashMap;

use serde_json::value::RawValue;
use starkstm_starknet::starknet_api::block::{
    BlockInfo, GasPrice, GasPriceVector, StarknetVersion,
};
use starkstm_starknet::starknet_api::core::{ChainId, ClassHash, ContractAddress};
use starkstm_starknet::starknet_api::transaction::{
    DeclareTransaction, DeployAccountTransaction, InvokeTransaction, Transaction as ApiTransaction,
    TransactionHash,
};
use starkstm_starknet::{BlockContext, Felt, GasPrices, Transaction};

use crate::file::{CommittedDiff, FeeTokenAddresses, ReexecutionFile};
use crate::recorded::{load_class, RecordedState};
use crate::ReplayError;

/// STRK on Starknet's mainnet and testnets.
pub const STRK_FEE_TOKEN: &str =
    "0x04718f5a0fc34cc1af16a1cdee98ffb20c31f5cd61d6ab07201858f4287c938d";
/// ETH on Starknet's mainnet and testnets.
pub const ETH_FEE_TOKEN: &str =
    "0x049d36570d4e46f48e99674bd3fcc84644ddd6b96f7c741b1562b82f9e004dc7";

/// What an L1 handler is taken to have paid on L1. The file does not record it; the protocol
/// only requires it to be non-zero, and the reference's re-execution uses the same 10^17.
pub const L1_HANDLER_PAID_FEE: u128 = 100_000_000_000_000_000;

/// A block ready for starkstm: from a re-execution file (its state the recorded reads) or from
/// a node ([`crate::rpc::fetch_block`]: its state read from the node).
#[derive(Debug)]
pub struct ReplayBlock<S = RecordedState> {
    /// The block's context.
    pub context: BlockContext,
    /// Its transactions, in block order.
    pub txs: Vec<Transaction>,
    /// The state before it.
    pub state: S,
    /// The diff the chain committed.
    pub expected: CommittedDiff,
}

impl ReplayBlock {
    /// Builds the block from `file`: loads and compiles its classes, converts its
    /// transactions (an error for kinds starkstm does not execute, or when a hash recomputed
    /// from the transaction differs from the chain's), and its context.
    pub fn new(file: ReexecutionFile) -> Result<ReplayBlock, ReplayError> {
        let context = context(&file, &file.serializable_data_next_block)?;
        let prev = file.serializable_data_prev_block;
        let next = file.serializable_data_next_block;
        let txs = next
            .transactions_next_block
            .iter()
            .enumerate()
            .map(|(i, (tx, hash))| transaction(i, tx, *hash, &next.declared_classes, &context))
            .collect::<Result<Vec<_>, _>>()?;
        let state = RecordedState::new(prev.state_maps, &prev.contract_class_mapping)?;
        Ok(ReplayBlock {
            context,
            txs,
            state,
            expected: next.state_diff_next_block,
        })
    }
}

fn prices(vector: &GasPriceVector) -> GasPrices {
    GasPrices {
        l1_gas: GasPrice::from(vector.l1_gas_price).0,
        l1_data_gas: GasPrice::from(vector.l1_data_gas_price).0,
        l2_gas: GasPrice::from(vector.l2_gas_price).0,
    }
}

fn address(hex: &str) -> ContractAddress {
    ContractAddress::try_from(Felt::from_hex_unchecked(hex)).expect("a fee token is an address")
}

fn context(
    file: &ReexecutionFile,
    next: &crate::file::NextBlock,
) -> Result<BlockContext, ReplayError> {
    // The file's own version (the block info's copy may be absent in older files).
    context_of(
        &next.block_info_next_block,
        next.starknet_version,
        &file.chain_id,
        Some(file.old_block_hash.0),
        file.fee_token_addresses,
    )
}

/// The context block `info` executes under on `chain` with `version`'s constants:
/// `old_block_hash` is the hash of block `number - 10` (ignored before block 10), the fee
/// tokens Starknet's unless `fee_tokens` names others (required for another chain).
pub fn context_of(
    info: &BlockInfo,
    version: StarknetVersion,
    chain: &ChainId,
    old_block_hash: Option<Felt>,
    fee_tokens: Option<FeeTokenAddresses>,
) -> Result<BlockContext, ReplayError> {
    let (strk, eth) = match (fee_tokens, chain) {
        (Some(tokens), _) => (tokens.strk_fee_token_address, tokens.eth_fee_token_address),
        (None, ChainId::Mainnet | ChainId::Sepolia | ChainId::IntegrationSepolia) => {
            (address(STRK_FEE_TOKEN), address(ETH_FEE_TOKEN))
        }
        (None, other) => return Err(ReplayError::UnknownChain(other.to_string())),
    };
    let mut context = BlockContext::new(info.sequencer_address, strk);
    context.eth_fee_token = eth;
    context.block_number = info.block_number.0;
    context.block_timestamp = info.block_timestamp.0;
    context.chain_id = chain.clone();
    context.gas_prices = prices(&info.gas_prices.strk_gas_prices);
    context.eth_gas_prices = prices(&info.gas_prices.eth_gas_prices);
    context.starknet_version = version;
    context.use_kzg_da = info.use_kzg_da;
    context.old_block_hash = old_block_hash.filter(|_| context.block_number >= 10);
    context
        .constants()
        .map_err(|e| ReplayError::Version(e.to_string()))?;
    Ok(context)
}

fn kind(tx: &ApiTransaction) -> &'static str {
    match tx {
        ApiTransaction::Declare(DeclareTransaction::V0(_)) => "a Declare V0",
        ApiTransaction::Declare(DeclareTransaction::V1(_)) => "a Declare V1",
        ApiTransaction::Declare(DeclareTransaction::V2(_)) => "a Declare V2",
        ApiTransaction::Declare(DeclareTransaction::V3(_)) => "a Declare V3",
        ApiTransaction::Deploy(_) => "a Deploy",
        ApiTransaction::DeployAccount(DeployAccountTransaction::V1(_)) => "a DeployAccount V1",
        ApiTransaction::DeployAccount(DeployAccountTransaction::V3(_)) => "a DeployAccount V3",
        ApiTransaction::Invoke(InvokeTransaction::V0(_)) => "an Invoke V0",
        ApiTransaction::Invoke(InvokeTransaction::V1(_)) => "an Invoke V1",
        ApiTransaction::Invoke(InvokeTransaction::V3(_)) => "an Invoke V3",
        ApiTransaction::L1Handler(_) => "an L1 handler",
    }
}

pub(crate) fn transaction(
    index: usize,
    tx: &ApiTransaction,
    hash: TransactionHash,
    declared: &HashMap<ClassHash, Box<RawValue>>,
    context: &BlockContext,
) -> Result<Transaction, ReplayError> {
    let chain = &context.chain_id;
    let invalid = |message: String| ReplayError::Transaction {
        index,
        hash: hash.0,
        message,
    };
    let ours = match tx {
        ApiTransaction::Invoke(InvokeTransaction::V3(v3)) => Transaction::invoke(v3.clone(), chain),
        ApiTransaction::DeployAccount(DeployAccountTransaction::V3(v3)) => {
            Transaction::deploy_account(v3.clone(), chain)
        }
        ApiTransaction::Declare(DeclareTransaction::V3(v3)) => {
            let raw = declared.get(&v3.class_hash).ok_or_else(|| {
                invalid(format!(
                    "declares class {:#x}, which the file's declared_classes lacks",
                    v3.class_hash.0
                ))
            })?;
            let class = load_class(v3.class_hash, raw)?;
            Transaction::declare(v3.clone(), class, chain)
        }
        ApiTransaction::L1Handler(l1) => {
            Transaction::l1_handler(l1.clone(), L1_HANDLER_PAID_FEE, chain)
        }
        other => {
            return Err(invalid(format!(
                "is {}: starkstm executes V3 transactions and L1 handlers",
                kind(other)
            )))
        }
    }
    .map_err(|e| invalid(e.to_string()))?;
    if ours.hash() != hash {
        return Err(invalid(format!(
            "hashes to {:#x} on chain {chain}: not the chain's hash",
            ours.hash().0
        )));
    }
    Ok(ours)
}

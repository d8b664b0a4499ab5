//! Our block (context and transactions) in blockifier's types.

use anyhow::{anyhow, Context, Result};
use blockifier::blockifier_versioned_constants::VersionedConstants;
use blockifier::bouncer::BouncerConfig;
use blockifier::context::{BlockContext, ChainInfo, FeeTokenAddresses};
use blockifier::transaction::account_transaction::AccountTransaction;
use blockifier::transaction::transaction_execution::Transaction as BTransaction;
use starknet_api::block::{
    BlockHash, BlockHashAndNumber, BlockInfo, BlockNumber, BlockTimestamp, GasPrice,
    GasPriceVector, GasPrices, NonzeroGasPrice,
};
use starknet_api::contract_class::SierraVersion;
use starknet_api::executable_transaction as exec;
use starknet_api::state::StorageKey;
use starknet_api::transaction as api;
use starknet_api::transaction::fields::Fee;
use starknet_api::versioned_constants_logic::VersionedConstantsTrait;
use starkstm_starknet::{BlockContext as OurContext, Felt, Transaction};

use crate::classes::{class_info, sierra_facts};
use crate::reader::Reader;

/// The block hash written for block `number - 10` when the block file carries none.
pub const FIXED_OLD_BLOCK_HASH: Felt = Felt::from_hex_unchecked("0x5354524b53544d");

/// The block's gas prices, ETH and STRK, from our context (which requires them non-zero).
pub fn gas_prices(ctx: &OurContext) -> Result<GasPrices> {
    let price = |p: u128| NonzeroGasPrice::new(GasPrice(p)).map_err(|e| anyhow!("{e}"));
    let vector = |p: &starkstm_starknet::GasPrices| -> Result<GasPriceVector> {
        Ok(GasPriceVector {
            l1_gas_price: price(p.l1_gas)?,
            l1_data_gas_price: price(p.l1_data_gas)?,
            l2_gas_price: price(p.l2_gas)?,
        })
    };
    Ok(GasPrices {
        eth_gas_prices: vector(&ctx.eth_gas_prices)?,
        strk_gas_prices: vector(&ctx.gas_prices)?,
    })
}

/// blockifier's block context for ours.
pub fn block_context(ctx: &OurContext) -> Result<BlockContext> {
    let block_info = BlockInfo {
        block_number: BlockNumber(ctx.block_number),
        block_timestamp: BlockTimestamp(ctx.block_timestamp),
        starknet_version: ctx.starknet_version,
        sequencer_address: ctx.sequencer,
        gas_prices: gas_prices(ctx)?,
        use_kzg_da: ctx.use_kzg_da,
    };
    let chain_info = ChainInfo {
        chain_id: ctx.chain_id.clone(),
        fee_token_addresses: FeeTokenAddresses {
            strk_fee_token_address: ctx.fee_token,
            eth_fee_token_address: ctx.eth_fee_token,
        },
        is_l3: false,
    };
    let version = ctx.starknet_version;
    let constants = VersionedConstants::get(&version)
        .map_err(|e| anyhow!("no versioned constants for {version}: {e:?}"))?
        .clone();
    Ok(BlockContext::new(
        block_info,
        chain_info,
        constants,
        BouncerConfig::max(),
    ))
}

/// The old block hash pre-processing writes (into contract 0x1, key `number - 10`): THE one
/// place that decides it. `None` below block 10; else the block file's `old_block_hash`, or the
/// hash the base state already holds there, or [`FIXED_OLD_BLOCK_HASH`].
pub fn old_block_hash(
    ours: &OurContext,
    ctx: &BlockContext,
    reader: &Reader,
) -> Option<BlockHashAndNumber> {
    let number = ctx.block_info().block_number.0.checked_sub(10)?;
    let contract = ctx
        .versioned_constants()
        .os_constants
        .os_contract_addresses
        .block_hash_contract_address();
    let held = reader
        .state()
        .storage
        .get(&(contract, StorageKey::from(number)))
        .copied()
        .filter(|h| *h != Felt::ZERO);
    Some(BlockHashAndNumber {
        number: BlockNumber(number),
        hash: BlockHash(ours.old_block_hash.or(held).unwrap_or(FIXED_OLD_BLOCK_HASH)),
    })
}

/// Our transactions as blockifier's, with the hashes ours computed.
pub fn transactions(
    txs: &[Transaction],
    override_version: Option<&SierraVersion>,
) -> Result<Vec<BTransaction>> {
    txs.iter()
        .enumerate()
        .map(|(i, tx)| convert(tx, override_version).with_context(|| format!("transaction {i}")))
        .collect()
}

fn convert(tx: &Transaction, override_version: Option<&SierraVersion>) -> Result<BTransaction> {
    let account = match tx {
        Transaction::Invoke(t) => exec::AccountTransaction::Invoke(exec::InvokeTransaction {
            tx: api::InvokeTransaction::V3(t.tx.clone()),
            tx_hash: t.hash,
        }),
        Transaction::DeployAccount(t) => {
            exec::AccountTransaction::DeployAccount(exec::DeployAccountTransaction {
                tx: api::DeployAccountTransaction::V3(t.tx.clone()),
                tx_hash: t.hash,
                contract_address: t.address,
            })
        }
        Transaction::Declare(t) => {
            let facts = sierra_facts(&t.class, override_version)?;
            exec::AccountTransaction::Declare(exec::DeclareTransaction {
                tx: api::DeclareTransaction::V3(t.tx.clone()),
                tx_hash: t.hash,
                class_info: class_info(t.tx.class_hash, &t.class, &facts)?,
            })
        }
        Transaction::L1Handler(t) => {
            return Ok(BTransaction::L1Handler(exec::L1HandlerTransaction {
                tx: t.tx.clone(),
                tx_hash: t.hash,
                paid_fee_on_l1: Fee(t.paid_fee_on_l1),
            }))
        }
    };
    Ok(BTransaction::Account(
        AccountTransaction::new_for_sequencing(account),
    ))
}

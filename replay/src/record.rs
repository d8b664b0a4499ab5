//! Writing re-execution files: [`RecordingState`] records what a block reads from any
//! [`BaseState`], and [`ReexecutionFile::build`] puts the reads, the classes, the block and its
//! diff together in the file's form.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex, PoisonError};

use serde_json::value::RawValue;
use starkstm_starknet::starknet_api::block::{
    BlockHash, BlockInfo, BlockNumber, BlockTimestamp, GasPrice, GasPriceVector, NonzeroGasPrice,
};
use starkstm_starknet::starknet_api::core::{
    ChainId, ClassHash, CompiledClassHash, ContractAddress, Nonce,
};
use starkstm_starknet::starknet_api::state::StorageKey;
use starkstm_starknet::{
    BaseState, BaseStateError, BlockContext, ContractClass, Felt, GasPrices, Transaction,
};

use crate::file::{
    CommittedDiff, FeeTokenAddresses, NextBlock, PrevBlock, ReexecutionFile, StateMaps,
};
use crate::ReplayError;

/// A [`BaseState`] that records every value read from the state it wraps: run a block
/// sequentially over it and its [`reads`](RecordingState::into_reads) are the re-execution
/// file's recorded state. (A parallel run would also record speculative reads.)
pub struct RecordingState<'a, S: ?Sized> {
    inner: &'a S,
    reads: Mutex<(StateMaps, BTreeSet<ClassHash>)>,
}

impl<S: ?Sized> std::fmt::Debug for RecordingState<'_, S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecordingState").finish_non_exhaustive()
    }
}

impl<'a, S: BaseState + ?Sized> RecordingState<'a, S> {
    /// Records reads of `inner`.
    pub fn new(inner: &'a S) -> RecordingState<'a, S> {
        RecordingState {
            inner,
            reads: Mutex::new(Default::default()),
        }
    }

    /// The values read, and the classes loaded.
    pub fn into_reads(self) -> (StateMaps, BTreeSet<ClassHash>) {
        self.reads
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn record(&self, f: impl FnOnce(&mut StateMaps, &mut BTreeSet<ClassHash>)) {
        let mut reads = self.reads.lock().unwrap_or_else(PoisonError::into_inner);
        let (maps, classes) = &mut *reads;
        f(maps, classes);
    }
}

impl<S: BaseState + ?Sized> BaseState for RecordingState<'_, S> {
    fn storage_at(
        &self,
        address: ContractAddress,
        key: StorageKey,
    ) -> Result<Felt, BaseStateError> {
        let value = self.inner.storage_at(address, key)?;
        self.record(|m, _| {
            m.storage.entry(address).or_default().insert(key, value);
        });
        Ok(value)
    }

    fn nonce_at(&self, address: ContractAddress) -> Result<Nonce, BaseStateError> {
        let nonce = self.inner.nonce_at(address)?;
        self.record(|m, _| {
            m.nonces.insert(address, nonce);
        });
        Ok(nonce)
    }

    fn class_hash_at(&self, address: ContractAddress) -> Result<ClassHash, BaseStateError> {
        let class = self.inner.class_hash_at(address)?;
        self.record(|m, _| {
            m.class_hashes.insert(address, class);
        });
        Ok(class)
    }

    fn compiled_class_hash(&self, class: ClassHash) -> Result<CompiledClassHash, BaseStateError> {
        let hash = self.inner.compiled_class_hash(class)?;
        self.record(|m, _| {
            m.compiled_class_hashes.insert(class, hash);
        });
        Ok(hash)
    }

    fn class(&self, class: ClassHash) -> Result<Option<Arc<ContractClass>>, BaseStateError> {
        let loaded = self.inner.class(class)?;
        self.record(|m, used| {
            m.declared_contracts.insert(class, loaded.is_some());
            if loaded.is_some() {
                used.insert(class);
            }
        });
        Ok(loaded)
    }
}

fn vector(prices: &GasPrices) -> Result<GasPriceVector, ReplayError> {
    let price = |p: u128| {
        NonzeroGasPrice::new(GasPrice(p)).map_err(|_| {
            ReplayError::Version("a re-execution file needs non-zero gas prices".into())
        })
    };
    Ok(GasPriceVector {
        l1_gas_price: price(prices.l1_gas)?,
        l1_data_gas_price: price(prices.l1_data_gas)?,
        l2_gas_price: price(prices.l2_gas)?,
    })
}

impl ReexecutionFile {
    /// The re-execution file of the block `txs` under `context`: `reads` the values it read
    /// before it ran, `classes` the classes it ran and `declared` those it declares (each as
    /// [`node_class_json`](crate::file::node_class_json) makes it), `expected` the diff it
    /// committed. Fee tokens other than Starknet's are written in the
    /// [`fee_token_addresses`](ReexecutionFile::fee_token_addresses) extension.
    pub fn build(
        context: &BlockContext,
        txs: &[Transaction],
        reads: StateMaps,
        classes: HashMap<ClassHash, Box<RawValue>>,
        declared: HashMap<ClassHash, Box<RawValue>>,
        expected: CommittedDiff,
    ) -> Result<ReexecutionFile, ReplayError> {
        let info = BlockInfo {
            block_number: BlockNumber(context.block_number),
            block_timestamp: BlockTimestamp(context.block_timestamp),
            starknet_version: context.starknet_version,
            sequencer_address: context.sequencer,
            gas_prices: starkstm_starknet::starknet_api::block::GasPrices {
                eth_gas_prices: vector(&context.eth_gas_prices)?,
                strk_gas_prices: vector(&context.gas_prices)?,
            },
            use_kzg_da: context.use_kzg_da,
        };
        let starknet_chain = matches!(
            context.chain_id,
            ChainId::Mainnet | ChainId::Sepolia | ChainId::IntegrationSepolia
        );
        Ok(ReexecutionFile {
            serializable_data_prev_block: PrevBlock {
                state_maps: reads,
                contract_class_mapping: classes,
            },
            serializable_data_next_block: NextBlock {
                block_info_next_block: info,
                starknet_version: context.starknet_version,
                transactions_next_block: txs.iter().map(|tx| (tx.to_api(), tx.hash())).collect(),
                state_diff_next_block: expected,
                declared_classes: declared,
            },
            chain_id: context.chain_id.clone(),
            old_block_hash: BlockHash(context.old_block_hash.unwrap_or_default()),
            fee_token_addresses: (!starknet_chain).then_some(FeeTokenAddresses {
                strk_fee_token_address: context.fee_token,
                eth_fee_token_address: context.eth_fee_token,
            }),
        })
    }
}

/// Why a block could not be recorded.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    /// Execution failed.
    #[error("executing the block: {0}")]
    Execution(String),
    /// A class the block ran or declares has no Sierra to write.
    #[error("class {0:#x} has no Sierra to write into the file")]
    NoSierra(Felt),
    /// The file could not be built.
    #[error(transparent)]
    Build(#[from] ReplayError),
}

/// Executes `txs` sequentially over `state` under `context` and returns their re-execution
/// file: the values read as the recorded state, the diff as the expected one. `sierra` gives
/// the node form ([`node_class_json`](crate::file::node_class_json)) of each Cairo 1 class the
/// block runs or declares; Cairo 0 classes are written from the state's.
pub fn record_block<S: BaseState + ?Sized>(
    context: &BlockContext,
    state: &S,
    txs: &[Transaction],
    sierra: impl Fn(ClassHash) -> Option<Box<RawValue>>,
) -> Result<ReexecutionFile, RecordError> {
    use starkstm_engine::SequentialExecutor;
    use starkstm_starknet::{BlockState, StarknetVm, StateDiff};
    let recording = RecordingState::new(state);
    let vm =
        StarknetVm::try_new(context.clone()).map_err(|e| RecordError::Execution(e.to_string()))?;
    let out = SequentialExecutor::new()
        .execute_block(&vm, &BlockState::new(&recording, context), txs)
        .map_err(|e| RecordError::Execution(error_chain(&e)))?;
    let (diff, _) = StateDiff::from_changes(out.state_changes(), &recording, context)
        .map_err(|e| RecordError::Execution(e.0))?;
    let (reads, used) = recording.into_reads();
    // A Cairo 0 class is written from itself, as a node returns it.
    let cairo0 = |h: ClassHash| {
        let json = state.class(h).ok()??.cairo0_rpc_json()?;
        RawValue::from_string(json.to_string()).ok()
    };
    let node = |h: ClassHash| {
        sierra(h)
            .or_else(|| cairo0(h))
            .ok_or(RecordError::NoSierra(h.0))
    };
    let classes = used
        .iter()
        .map(|h| Ok((*h, node(*h)?)))
        .collect::<Result<HashMap<_, _>, RecordError>>()?;
    let declared = txs
        .iter()
        .filter_map(|tx| match tx {
            Transaction::Declare(d) => Some(d.tx.class_hash),
            _ => None,
        })
        .map(|h| Ok((h, node(h)?)))
        .collect::<Result<HashMap<_, _>, RecordError>>()?;
    Ok(ReexecutionFile::build(
        context,
        txs,
        reads,
        classes,
        declared,
        CommittedDiff::from_state_diff(&diff),
    )?)
}

/// An error and its sources, on one line.
pub(crate) fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

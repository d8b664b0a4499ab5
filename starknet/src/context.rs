//! [`BlockContext`]: what every transaction of a block sees of the block.

use starknet_api::core::{ChainId, ContractAddress};
use starknet_types_core::felt::Felt;

use crate::gas::GasCosts;
use crate::limits::BlockCapacity;

/// The block being built: number, time, sequencer, chain, fee token and gas price.
#[derive(Clone, Debug)]
pub struct BlockContext {
    /// Block number.
    pub block_number: u64,
    /// Block timestamp (seconds).
    pub block_timestamp: u64,
    /// The sequencer: receives every fee.
    pub sequencer: ContractAddress,
    /// The chain, part of every transaction hash.
    pub chain_id: ChainId,
    /// The fee token (an ERC20 whose balances are `balances: ContractAddress → u256`).
    pub fee_token: ContractAddress,
    /// Price of one unit of L2 gas, in fee-token units (fri).
    pub l2_gas_price: u128,
    /// What execution costs (see [`GasCosts`]).
    pub gas: GasCosts,
    /// The most one transaction may use: a transaction that exceeds it could never fit in a
    /// block, so it is rejected ("too large for a block") instead of closing the block before
    /// it. Set it to the block's [`BlockCapacity`] when building with [`BlockLimits`]
    /// (unlimited by default).
    ///
    /// [`BlockLimits`]: crate::BlockLimits
    pub tx_capacity: BlockCapacity,
}

impl BlockContext {
    /// A context for tests and generated blocks: block 10, the given sequencer and fee token,
    /// chain `SN_STARKSTM`, a gas price of 1.
    pub fn new(sequencer: ContractAddress, fee_token: ContractAddress) -> BlockContext {
        BlockContext {
            block_number: 10,
            block_timestamp: 1_700_000_000,
            sequencer,
            chain_id: ChainId::Other("SN_STARKSTM".to_string()),
            fee_token,
            l2_gas_price: 1,
            gas: GasCosts::default(),
            tx_capacity: BlockCapacity::default(),
        }
    }

    /// The chain id as the felt Cairo code reads.
    pub fn chain_id_felt(&self) -> Felt {
        Felt::from_bytes_be_slice(self.chain_id.to_string().as_bytes())
    }
}

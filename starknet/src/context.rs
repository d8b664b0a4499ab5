//! [`BlockContext`]: what every transaction of a block sees of the block.

use starknet_api::block::StarknetVersion;
use starknet_api::core::{ChainId, ContractAddress};
use starknet_types_core::felt::Felt;

use crate::constants::{ConstantsError, VersionedConstants};
use crate::limits::BlockCapacity;

/// The price of each gas resource, in one token's smallest unit (fri for STRK, wei for ETH).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GasPrices {
    /// Price of one unit of L1 gas.
    pub l1_gas: u128,
    /// Price of one unit of L1 data (blob) gas.
    pub l1_data_gas: u128,
    /// Price of one unit of L2 gas.
    pub l2_gas: u128,
}

impl GasPrices {
    /// The same price for all three.
    pub const fn uniform(price: u128) -> GasPrices {
        GasPrices {
            l1_gas: price,
            l1_data_gas: price,
            l2_gas: price,
        }
    }

    /// Mainnet-like STRK prices (fri) of late 2025: L1 gas 2·10¹³, L1 data gas 5·10⁵, L2 gas
    /// 3·10⁹. Generated blocks use them, so their fees have real magnitudes.
    pub const REALISTIC_STRK: GasPrices = GasPrices {
        l1_gas: 20_000_000_000_000,
        l1_data_gas: 500_000,
        l2_gas: 3_000_000_000,
    };

    /// Mainnet-like ETH prices (wei) to go with [`REALISTIC_STRK`](GasPrices::REALISTIC_STRK).
    pub const REALISTIC_ETH: GasPrices = GasPrices {
        l1_gas: 1_000_000_000,
        l1_data_gas: 20,
        l2_gas: 150_000,
    };
}

/// The Starknet versions whose protocol a block may name (those with published versioned
/// constants).
pub const SUPPORTED_VERSIONS: &[StarknetVersion] = &[
    StarknetVersion::V0_13_0,
    StarknetVersion::V0_13_1,
    StarknetVersion::V0_13_1_1,
    StarknetVersion::V0_13_2,
    StarknetVersion::V0_13_2_1,
    StarknetVersion::V0_13_3,
    StarknetVersion::V0_13_4,
    StarknetVersion::V0_13_5,
    StarknetVersion::V0_13_6,
    StarknetVersion::V0_14_0,
    StarknetVersion::V0_14_1,
    StarknetVersion::V0_14_2,
    StarknetVersion::V0_14_3,
    StarknetVersion::V0_14_4,
];

/// The Starknet version of blocks that name none.
pub const DEFAULT_VERSION: StarknetVersion = StarknetVersion::V0_14_2;

/// Parses a Starknet version (`0.14.2`) that [`SUPPORTED_VERSIONS`] holds.
pub fn parse_version(text: &str) -> Result<StarknetVersion, String> {
    let version = StarknetVersion::try_from(text)
        .map_err(|_| format!("{text:?} is not a Starknet version"))?;
    if SUPPORTED_VERSIONS.contains(&version) {
        Ok(version)
    } else {
        Err(format!(
            "Starknet {version} is not supported (supported: 0.13.0 to 0.14.4)"
        ))
    }
}

/// The block being built: number, time, sequencer, chain, Starknet version, fee tokens and gas
/// prices.
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
    /// The fee token V3 transactions pay in (STRK; an ERC20 whose balances are
    /// `ERC20_balances: ContractAddress → u256`, the protocol's layout).
    pub fee_token: ContractAddress,
    /// The fee token of older transactions (ETH); carried for the reference executor.
    pub eth_fee_token: ContractAddress,
    /// Gas prices in the fee token (fri): what V3 transactions pay.
    pub gas_prices: GasPrices,
    /// Gas prices in ETH (wei); carried for the reference executor.
    pub eth_gas_prices: GasPrices,
    /// The protocol version the block runs under (one of [`SUPPORTED_VERSIONS`]).
    pub starknet_version: StarknetVersion,
    /// Whether state-diff data goes to L1 as blobs (KZG), priced as L1 data gas.
    pub use_kzg_da: bool,
    /// The hash of block `block_number - 10`, which the block's pre-processing writes into
    /// contract `0x1` (none before block 10).
    pub old_block_hash: Option<Felt>,
    /// The most one transaction may use: a transaction that exceeds it could never fit in a
    /// block, so it is rejected ("too large for a block") instead of closing the block before
    /// it. Set it to the block's [`BlockCapacity`] when building with [`BlockLimits`]
    /// (unlimited by default).
    ///
    /// [`BlockLimits`]: crate::BlockLimits
    pub tx_capacity: BlockCapacity,
}

impl BlockContext {
    /// A context for tests: block 10, the given sequencer and fee token (both fee tokens),
    /// chain `SN_STARKSTM`, Starknet [`DEFAULT_VERSION`] with KZG data availability, every gas
    /// price 1, no old block hash.
    pub fn new(sequencer: ContractAddress, fee_token: ContractAddress) -> BlockContext {
        BlockContext {
            block_number: 10,
            block_timestamp: 1_700_000_000,
            sequencer,
            chain_id: ChainId::Other("SN_STARKSTM".to_string()),
            fee_token,
            eth_fee_token: fee_token,
            gas_prices: GasPrices::uniform(1),
            eth_gas_prices: GasPrices::uniform(1),
            starknet_version: DEFAULT_VERSION,
            use_kzg_da: true,
            old_block_hash: None,
            tx_capacity: BlockCapacity::default(),
        }
    }

    /// The protocol constants of the block's Starknet version (every cost and limit execution
    /// applies); an error for a version without published constants.
    pub fn constants(&self) -> Result<&'static VersionedConstants, ConstantsError> {
        VersionedConstants::get(self.starknet_version)
    }

    /// The chain id as the felt Cairo code reads.
    pub fn chain_id_felt(&self) -> Felt {
        Felt::from_bytes_be_slice(self.chain_id.to_string().as_bytes())
    }
}

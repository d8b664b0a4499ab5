//! The embedded JSON of each version (see `starknet/versioned-constants/NOTICE.md`).

use starknet_api::block::StarknetVersion;

/// The published files, by version.
pub(super) const FILES: &[(StarknetVersion, &str)] = &[
    (
        StarknetVersion::V0_13_0,
        include_str!("../../versioned-constants/blockifier_versioned_constants_0_13_0.json"),
    ),
    (
        StarknetVersion::V0_13_1,
        include_str!("../../versioned-constants/blockifier_versioned_constants_0_13_1.json"),
    ),
    (
        StarknetVersion::V0_13_1_1,
        include_str!("../../versioned-constants/blockifier_versioned_constants_0_13_1_1.json"),
    ),
    (
        StarknetVersion::V0_13_2,
        include_str!("../../versioned-constants/blockifier_versioned_constants_0_13_2.json"),
    ),
    (
        StarknetVersion::V0_13_2_1,
        include_str!("../../versioned-constants/blockifier_versioned_constants_0_13_2_1.json"),
    ),
    (
        StarknetVersion::V0_13_3,
        include_str!("../../versioned-constants/blockifier_versioned_constants_0_13_3.json"),
    ),
    (
        StarknetVersion::V0_13_4,
        include_str!("../../versioned-constants/blockifier_versioned_constants_0_13_4.json"),
    ),
    (
        StarknetVersion::V0_13_5,
        include_str!("../../versioned-constants/blockifier_versioned_constants_0_13_5.json"),
    ),
    (
        StarknetVersion::V0_13_6,
        include_str!("../../versioned-constants/blockifier_versioned_constants_0_13_6.json"),
    ),
    (
        StarknetVersion::V0_14_0,
        include_str!("../../versioned-constants/blockifier_versioned_constants_0_14_0.json"),
    ),
    (
        StarknetVersion::V0_14_1,
        include_str!("../../versioned-constants/blockifier_versioned_constants_0_14_1.json"),
    ),
    (
        StarknetVersion::V0_14_2,
        include_str!("../../versioned-constants/blockifier_versioned_constants_0_14_2.json"),
    ),
    (
        StarknetVersion::V0_14_3,
        include_str!("../../versioned-constants/blockifier_versioned_constants_0_14_3.json"),
    ),
    (
        StarknetVersion::V0_14_4,
        include_str!("../../versioned-constants/blockifier_versioned_constants_0_14_4.json"),
    ),
];

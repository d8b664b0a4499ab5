//! A u256 as Cairo stores it: two u128 halves.

use starknet_types_core::felt::Felt;

/// A u256 as Cairo stores it: `low + high · 2^128`.
#[derive(
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Debug,
    Default,
    serde::Serialize,
    serde::Deserialize,
)]
pub struct U256 {
    /// The high 128 bits.
    pub high: u128,
    /// The low 128 bits.
    pub low: u128,
}

impl U256 {
    /// Zero.
    pub const ZERO: U256 = U256 { high: 0, low: 0 };

    /// A u256 below 2^128.
    pub const fn from_u128(low: u128) -> U256 {
        U256 { high: 0, low }
    }

    /// Two felts as a u256, if both fit in 128 bits.
    pub fn from_felts(low: Felt, high: Felt) -> Option<U256> {
        Some(U256 {
            low: felt_to_u128(low)?,
            high: felt_to_u128(high)?,
        })
    }

    /// `self + other` modulo 2^256.
    pub fn wrapping_add(self, other: U256) -> U256 {
        let (low, carry) = self.low.overflowing_add(other.low);
        let high = self
            .high
            .wrapping_add(other.high)
            .wrapping_add(carry as u128);
        U256 { high, low }
    }

    /// `self + other`, or `None` past 2^256.
    pub fn checked_add(self, other: U256) -> Option<U256> {
        let (low, carry) = self.low.overflowing_add(other.low);
        let high = self
            .high
            .checked_add(other.high)?
            .checked_add(carry as u128)?;
        Some(U256 { high, low })
    }

    /// `self − other`, or `None` below zero.
    pub fn checked_sub(self, other: U256) -> Option<U256> {
        let (low, borrow) = self.low.overflowing_sub(other.low);
        let high = self
            .high
            .checked_sub(other.high)?
            .checked_sub(borrow as u128)?;
        Some(U256 { high, low })
    }
}

/// A felt as a u128, if it fits.
pub fn felt_to_u128(f: Felt) -> Option<u128> {
    let bytes = f.to_bytes_be();
    if bytes[..16].iter().any(|b| *b != 0) {
        return None;
    }
    Some(u128::from_be_bytes(
        bytes[16..].try_into().expect("16 bytes"),
    ))
}

/// A felt as a u64, if it fits.
pub fn felt_to_u64(f: Felt) -> Option<u64> {
    felt_to_u128(f).and_then(|v| u64::try_from(v).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn carries_and_borrows() {
        let a = U256 {
            high: 1,
            low: u128::MAX,
        };
        assert_eq!(a.wrapping_add(U256::from_u128(1)), U256 { high: 2, low: 0 });
        assert_eq!(
            U256 { high: 2, low: 0 }.checked_sub(U256::from_u128(1)),
            Some(a)
        );
        assert_eq!(U256::ZERO.checked_sub(U256::from_u128(1)), None);
        let max = U256 {
            high: u128::MAX,
            low: u128::MAX,
        };
        assert_eq!(max.checked_add(U256::from_u128(1)), None);
        assert_eq!(max.wrapping_add(U256::from_u128(1)), U256::ZERO);
    }

    #[test]
    fn felt_conversions() {
        assert_eq!(felt_to_u128(Felt::from(u128::MAX)), Some(u128::MAX));
        assert_eq!(felt_to_u128(Felt::from(u128::MAX) + Felt::ONE), None);
        assert_eq!(felt_to_u64(Felt::from(u64::MAX)), Some(u64::MAX));
        assert_eq!(felt_to_u64(Felt::from(u64::MAX) + Felt::ONE), None);
    }
}

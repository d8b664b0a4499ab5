//! The index vocabulary of Block-STM, shared by every starkstm crate.
//!
//! A block is an ordered list of transactions; the *transaction index* ([`TxIndex`]) is a
//! transaction's position in it. Block-STM may execute a transaction several times; each attempt
//! is an *incarnation* ([`Incarnation`]), numbered from zero. A *version* ([`Version`]) names one
//! incarnation of one transaction: it is what a read records as its origin, and what validation
//! compares.
//!
//! These are newtypes, never bare `usize`, so that a transaction index, an incarnation and a count
//! cannot be mixed up in a signature. They convert to `usize` only at a slice index
//! ([`TxIndex::as_usize`]).

#![forbid(unsafe_code)]

use std::fmt;

/// A transaction's position in its block (0-based).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TxIndex(pub u32);

impl TxIndex {
    /// The index as a `usize`, for indexing per-transaction slices.
    #[inline]
    pub const fn as_usize(self) -> usize {
        self.0 as usize
    }

    /// The index of the transaction after this one.
    #[inline]
    #[must_use]
    pub const fn next(self) -> TxIndex {
        TxIndex(self.0 + 1)
    }

    /// Converts a slice position into an index.
    ///
    /// # Panics
    /// If `index` does not fit in a `u32` (a block of more than four billion transactions).
    #[inline]
    pub fn from_usize(index: usize) -> TxIndex {
        TxIndex(u32::try_from(index).expect("a block holds at most u32::MAX transactions"))
    }
}

impl fmt::Display for TxIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "tx {}", self.0)
    }
}

/// The number of a transaction's execution attempt (0 for the first).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Incarnation(pub u32);

impl Incarnation {
    /// The first incarnation of every transaction.
    pub const FIRST: Incarnation = Incarnation(0);

    /// The incarnation after this one.
    #[inline]
    #[must_use]
    pub const fn next(self) -> Incarnation {
        Incarnation(self.0 + 1)
    }
}

impl fmt::Display for Incarnation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "incarnation {}", self.0)
    }
}

/// One incarnation of one transaction: the unit that writes values and that reads point at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version {
    /// The transaction.
    pub tx: TxIndex,
    /// Which of its execution attempts.
    pub incarnation: Incarnation,
}

impl Version {
    /// The version `(tx, incarnation)`.
    #[inline]
    pub const fn new(tx: TxIndex, incarnation: Incarnation) -> Version {
        Version { tx, incarnation }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "({}, {})", self.tx, self.incarnation)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indices_order_and_step() {
        assert!(TxIndex(1) < TxIndex(2));
        assert_eq!(TxIndex(7).next(), TxIndex(8));
        assert_eq!(Incarnation::FIRST.next(), Incarnation(1));
        assert_eq!(TxIndex::from_usize(5).as_usize(), 5);
        let v = Version::new(TxIndex(3), Incarnation(2));
        assert_eq!(v.to_string(), "(tx 3, incarnation 2)");
        assert!(Version::new(TxIndex(3), Incarnation(1)) < v);
    }
}

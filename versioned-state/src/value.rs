//! What the store holds: a [`Value`] and the commutative delta that may be added to it.
//!
//! A delta write says "add `d` to key `k`" without reading `k`. The store keeps it as a delta
//! entry and resolves it only when somebody really reads the key, against the value under it in
//! block order. Two transactions that only add deltas to one key therefore never conflict, which
//! is what keeps a fee counter credited by every transaction from chaining the whole block.
//!
//! Laws an implementation must keep (the property tests check them for the mock value):
//! - `v.apply_delta(a).apply_delta(b) == v.apply_delta(&V::merge_deltas(a, b))`: folding deltas
//!   before applying them gives what applying them one by one gives.
//! - `apply_delta` is total and deterministic: the same value and delta give the same result on
//!   every thread and every run (overflow behaviour, if any, is the implementation's to define).
//!
//! Deltas are always applied in block order, so they need not commute for correctness; they are
//! "commutative" in the sense that matters for parallelism: writing one does not read the key.

use std::fmt::Debug;

/// A value the multi-version store can hold.
pub trait Value: Clone + PartialEq + Debug + Send + Sync + 'static {
    /// An increment that can be added to a value without reading it first.
    /// Use [`NoDelta`] for values that never take deltas.
    type Delta: Clone + PartialEq + Debug + Send + Sync + 'static;

    /// The value after adding `delta`.
    #[must_use]
    fn apply_delta(&self, delta: &Self::Delta) -> Self;

    /// One delta equivalent to adding `earlier` and then `later`.
    #[must_use]
    fn merge_deltas(earlier: &Self::Delta, later: &Self::Delta) -> Self::Delta;
}

/// The delta type of values that take none: it has no values, so no delta can ever be written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoDelta {}

/// Implements [`Value`] with [`NoDelta`] for plain types.
macro_rules! value_without_delta {
    ($($ty:ty),*) => {$(
        impl Value for $ty {
            type Delta = NoDelta;
            fn apply_delta(&self, delta: &NoDelta) -> Self {
                match *delta {}
            }
            fn merge_deltas(earlier: &NoDelta, _later: &NoDelta) -> NoDelta {
                match *earlier {}
            }
        }
    )*};
}

value_without_delta!(bool, String, Vec<u8>);

/// Implements [`Value`] for integers, with wrapping addition as the delta.
macro_rules! integer_value {
    ($($ty:ty),*) => {$(
        /// Deltas are wrapping additions.
        impl Value for $ty {
            type Delta = $ty;
            fn apply_delta(&self, delta: &$ty) -> $ty {
                self.wrapping_add(*delta)
            }
            fn merge_deltas(earlier: &$ty, later: &$ty) -> $ty {
                earlier.wrapping_add(*later)
            }
        }
    )*};
}

integer_value!(u8, u16, u32, u64, u128, i8, i16, i32, i64, i128);

//! What a read by transaction `j` returns, and where the value came from.

use starkstm_primitives::{TxIndex, Version};

use crate::value::Value;

/// Where a value read by a transaction came from. Validation compares it first: the same origin
/// means the same value, except for values resolved through deltas, which are compared by value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadOrigin {
    /// No transaction below the reader wrote the key: the value is the block's base state.
    Storage,
    /// The closest entry below the reader is a full write by this version.
    Write(Version),
    /// The closest entry below the reader is a delta by this version; the value was resolved by
    /// adding the deltas down to the first full write (or the base state).
    Delta(Version),
}

impl ReadOrigin {
    /// Whether an equal origin proves an equal value. True for the base state (immutable during
    /// the block) and for full writes (a version's write never changes); false for resolved
    /// deltas, whose value also depends on the entries under the top one.
    pub fn pins_value(self) -> bool {
        !matches!(self, ReadOrigin::Delta(_))
    }
}

/// The outcome of reading a key as transaction `j` sees it.
#[derive(Clone, Debug, PartialEq)]
#[must_use]
pub enum ReadResult<V: Value> {
    /// The value sequential execution would show `j`, if every transaction below `j` has run
    /// its final incarnation, and where it came from: the closest write below `j` (deltas
    /// resolved), or the base state when no transaction below `j` wrote the key.
    Value {
        /// Where the value came from.
        origin: ReadOrigin,
        /// The value.
        value: V,
    },
    /// The closest entry below `j` is an ESTIMATE left by this transaction: `j` depends on it
    /// and must not go on with a value that is about to change.
    Dependency(TxIndex),
}

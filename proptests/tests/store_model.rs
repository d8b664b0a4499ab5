//! The multi-version store against a naive model: a `BTreeMap` of entries per key, walked by
//! the textbook rules. Random sequences of record / abort / read / validate / materialize must
//! give the same answers from both.

use std::collections::{BTreeMap, HashMap};
use std::convert::Infallible;

use proptest::prelude::*;
use starkstm_proptests::config;
use starkstm_versioned_state::{
    Incarnation, MultiVersionStore, ReadOrigin, ReadResult, ReadSet, TxIndex, Validation, Version,
    WriteSet,
};

const TXS: u32 = 6;
const KEYS: u32 = 4;

#[derive(Clone, Debug)]
enum ModelEntry {
    Value(Incarnation, u64),
    Delta(Incarnation, u64),
    Estimate,
}

#[derive(Default)]
struct Model {
    keys: BTreeMap<u32, BTreeMap<u32, ModelEntry>>,
    incarnations: HashMap<u32, u32>,
}

fn base(key: &u32) -> Result<u64, Infallible> {
    Ok(100 * u64::from(*key))
}

impl Model {
    /// The textbook read: the closest entry below; deltas summed down to a value or the base.
    fn read(&self, key: u32, tx: u32) -> ReadResult<u64> {
        let Some(list) = self.keys.get(&key) else {
            return ReadResult::Value {
                origin: ReadOrigin::Storage,
                value: base(&key).unwrap(),
            };
        };
        let mut sum = 0u64;
        let mut top: Option<(u32, Incarnation, bool)> = None;
        for (&i, entry) in list.range(..tx).rev() {
            match entry {
                ModelEntry::Estimate => return ReadResult::Dependency(TxIndex(i)),
                ModelEntry::Delta(inc, d) => {
                    top.get_or_insert((i, *inc, true));
                    sum = sum.wrapping_add(*d);
                }
                ModelEntry::Value(inc, v) => {
                    let (t, tinc, is_delta) = top.unwrap_or((i, *inc, false));
                    let version = Version::new(TxIndex(t), tinc);
                    let origin = if is_delta {
                        ReadOrigin::Delta(version)
                    } else {
                        ReadOrigin::Write(version)
                    };
                    return ReadResult::Value {
                        origin,
                        value: v.wrapping_add(sum),
                    };
                }
            }
        }
        match top {
            Some((t, inc, _)) => ReadResult::Value {
                origin: ReadOrigin::Delta(Version::new(TxIndex(t), inc)),
                value: base(&key).unwrap().wrapping_add(sum),
            },
            None => ReadResult::Value {
                origin: ReadOrigin::Storage,
                value: base(&key).unwrap(),
            },
        }
    }
}

#[derive(Clone, Debug)]
enum Action {
    /// Record a new incarnation of `tx` writing (key, value-or-delta).
    Record(u32, Vec<(u32, bool, u64)>),
    Abort(u32),
    Read(u32, u32),
    /// Read a few keys as `tx`, then apply one more action, then validate.
    ReadThenValidate(u32, Vec<u32>, Box<Action>),
}

fn simple_action() -> impl Strategy<Value = Action> {
    prop_oneof![
        (
            0..TXS,
            prop::collection::vec((0..KEYS, any::<bool>(), 0u64..5), 0..4)
        )
            .prop_map(|(tx, w)| Action::Record(tx, w)),
        (0..TXS).prop_map(Action::Abort),
        (0..=TXS, 0..KEYS).prop_map(|(tx, k)| Action::Read(tx, k)),
    ]
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        3 => simple_action(),
        1 => (0..=TXS, prop::collection::vec(0..KEYS, 1..4), simple_action())
            .prop_map(|(tx, keys, then)| Action::ReadThenValidate(tx, keys, Box::new(then))),
    ]
}

fn apply(store: &MultiVersionStore<u32, u64>, model: &mut Model, action: &Action) {
    match action {
        Action::Record(tx, writes) => {
            let inc = model.incarnations.entry(*tx).or_insert(0);
            *inc += 1;
            let version = Version::new(TxIndex(*tx), Incarnation(*inc));
            let mut set = WriteSet::new();
            let mut model_writes: BTreeMap<u32, ModelEntry> = BTreeMap::new();
            for &(key, is_delta, x) in writes {
                if is_delta {
                    set.add(key, x);
                    let merged = match model_writes.get(&key) {
                        Some(ModelEntry::Value(_, v)) => {
                            ModelEntry::Value(version.incarnation, v + x)
                        }
                        Some(ModelEntry::Delta(_, d)) => {
                            ModelEntry::Delta(version.incarnation, d + x)
                        }
                        _ => ModelEntry::Delta(version.incarnation, x),
                    };
                    model_writes.insert(key, merged);
                } else {
                    set.write(key, x);
                    model_writes.insert(key, ModelEntry::Value(version.incarnation, x));
                }
            }
            let previously: Vec<u32> = model
                .keys
                .iter()
                .filter(|(_, list)| list.contains_key(tx))
                .map(|(&k, _)| k)
                .collect();
            let expect_new = model_writes.keys().any(|k| !previously.contains(k));
            for k in previously {
                model.keys.get_mut(&k).unwrap().remove(tx);
            }
            for (k, e) in model_writes {
                model.keys.entry(k).or_default().insert(*tx, e);
            }
            let recorded = store.record(version, set);
            assert_eq!(recorded.wrote_new_location, expect_new);
        }
        Action::Abort(tx) => {
            store.convert_writes_to_estimates(TxIndex(*tx));
            for list in model.keys.values_mut() {
                if let Some(e) = list.get_mut(tx) {
                    *e = ModelEntry::Estimate;
                }
            }
        }
        Action::Read(tx, key) => {
            let got = store.read(key, TxIndex(*tx), base).unwrap();
            assert_eq!(got, model.read(*key, *tx), "read of key {key} by tx {tx}");
        }
        Action::ReadThenValidate(tx, keys, then) => {
            let mut reads = ReadSet::new();
            let mut blocked = false;
            for key in keys {
                match model.read(*key, *tx) {
                    ReadResult::Value { origin, value } => reads.push(*key, origin, value),
                    ReadResult::Dependency(_) => blocked = true,
                }
            }
            let before: Vec<u64> = keys
                .iter()
                .map(|k| value_of(&model.read(*k, *tx)))
                .collect();
            apply(store, model, then);
            if blocked {
                return;
            }
            // Value-aware validation: valid exactly when every read would see the same value;
            // otherwise the first stale read names the writer it now meets.
            let mut expected = Validation::Valid;
            for (key, before) in keys.iter().zip(&before) {
                let (now, writer) = match model.read(*key, *tx) {
                    ReadResult::Dependency(i) => (None, Some(i)),
                    ReadResult::Value { origin, value } => (
                        Some(value),
                        match origin {
                            ReadOrigin::Storage => None,
                            ReadOrigin::Write(v) | ReadOrigin::Delta(v) => Some(v.tx),
                        },
                    ),
                };
                if now != Some(*before) {
                    expected = Validation::Invalid { writer };
                    break;
                }
            }
            let got = store.validate_read_set(TxIndex(*tx), &reads, base).unwrap();
            assert_eq!(
                got, expected,
                "validation of {keys:?} by tx {tx} after {then:?}"
            );
        }
    }
}

fn value_of(result: &ReadResult<u64>) -> u64 {
    match result {
        ReadResult::Value { value, .. } => *value,
        ReadResult::Dependency(_) => u64::MAX,
    }
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn store_matches_the_model(actions in prop::collection::vec(action(), 1..40)) {
        let store = MultiVersionStore::<u32, u64>::new(TXS as usize + 1);
        let mut model = Model::default();
        for action in &actions {
            apply(&store, &mut model, action);
        }
        // Every key, as seen from the end of the block, agrees; and so does the snapshot when
        // no ESTIMATE is left.
        let mut expected = BTreeMap::new();
        let mut estimates = false;
        for key in 0..KEYS {
            let model_read = model.read(key, TXS + 1);
            prop_assert_eq!(store.read(&key, TxIndex(TXS + 1), base).unwrap(), model_read.clone());
            match model_read {
                ReadResult::Dependency(_) => estimates = true,
                ReadResult::Value { origin: ReadOrigin::Storage, .. } => {}
                ReadResult::Value { value, .. } => {
                    expected.insert(key, value);
                }
            }
        }
        if !estimates {
            prop_assert_eq!(store.snapshot(TxIndex(TXS + 1), base).unwrap(), expected.clone());
            prop_assert_eq!(store.par_snapshot(TxIndex(TXS + 1), base).unwrap(), expected);
        }
    }
}

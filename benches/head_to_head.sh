#!/usr/bin/env bash
# Head to head against Starknet's reference executor (blockifier, through conformance/): the
# same block files timed by starkstm (sequential, and parallel on T threads) and by the
# reference (its sequential executor, and its concurrent executor with T workers), in
# alternating rounds; each round reports medians of REPEAT runs after a warm-up. Prints one
# JSON line per round and a table of medians over the rounds.
#
#   bash benches/head_to_head.sh [TXS] [ROUNDS] [REPEAT] [THREADS]    (defaults: 1000 3 3 2)
set -euo pipefail
cd "$(dirname "$0")/.."
txs="${1:-1000}"; rounds="${2:-3}"; repeat="${3:-3}"; threads="${4:-2}"
# The whole workspace's feature set, as the test command builds it: nothing is rebuilt.
cargo build --release --locked --workspace --bins
cargo build --release --locked --manifest-path conformance/Cargo.toml
ours=target/release/starkstm
theirs=conformance/target/release/starkstm-conformance
dir="$(mktemp -d)"; trap 'rm -rf "$dir"' EXIT
for workload in transfers mix hot-counter; do
    "$ours" gen --workload "$workload" --txs "$txs" --accounts 10000 -o "$dir/$workload.json" 2>/dev/null
    for round in $(seq "$rounds"); do
        a=$("$ours" run --block "$dir/$workload.json" --threads "$threads" --repeat "$repeat" --json)
        b=$("$theirs" bench "$dir/$workload.json" --workers "$threads" --repeat "$repeat" --json)
        echo "{\"workload\":\"$workload\",\"round\":$round,\"starkstm\":$a,\"reference\":$b}"
    done
done | tee "$dir/rounds.jsonl"
python3 - "$dir/rounds.jsonl" "$threads" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
t = sys.argv[2]
print(f"\n{'workload':<12} {'txs':>5}  {'starkstm seq':>12} {'starkstm '+t+'T':>11} {'ref seq':>9} {'ref '+t+'W':>8}  {'seq ratio':>9} {'par ratio':>9}  (tx/s; ratios starkstm/reference)")
for w in dict.fromkeys(r["workload"] for r in rows):
    rs = [r for r in rows if r["workload"] == w]
    n = rs[0]["starkstm"]["txs"]
    med = lambda f: statistics.median(f(r) for r in rs)
    ss, sp = med(lambda r: r["starkstm"]["sequential_secs"]), med(lambda r: r["starkstm"]["parallel_secs"])
    rq, rc = med(lambda r: r["reference"]["sequential_secs"]), med(lambda r: r["reference"]["concurrent_secs"])
    print(f"{w:<12} {n:>5}  {n/ss:>12.0f} {n/sp:>11.0f} {n/rq:>9.0f} {n/rc:>8.0f}  {rq/ss:>8.2f}x {rc/sp:>8.2f}x")
PY

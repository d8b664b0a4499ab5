#!/usr/bin/env python3
"""Prints the end_to_end criterion results as a Markdown table of times and ratios.

Run after `cargo bench -p starkstm-benches --bench end_to_end`; reads the mean estimates
criterion leaves under target/criterion/<pattern>_<work>us/.
"""
import json
import pathlib
import sys

root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "target/criterion")
rows = {}
for est in root.glob("*/*/new/estimates.json"):
    group, bench = est.parts[-4], est.parts[-3]
    mean = json.loads(est.read_text())["mean"]["point_estimate"] / 1e6  # ms
    rows.setdefault(group, {})[bench] = mean
for est in root.glob("*/*/*/new/estimates.json"):
    group, bench, threads = est.parts[-5], est.parts[-4], est.parts[-3]
    mean = json.loads(est.read_text())["mean"]["point_estimate"] / 1e6
    rows.setdefault(group, {})[f"{bench}/{threads}"] = mean

print("| workload | work/tx | sequential | parallel, 1 thread | parallel, all cores | 1 thread vs seq | all cores vs seq |")
print("|---|---|---|---|---|---|---|")
order = ["independent", "zipf", "chain", "delta"]
def key(group):
    pattern, _, work = group.partition("_")
    return (float(work.rstrip("us") or 0), order.index(pattern) if pattern in order else 99)
for group in sorted((g for g in rows if "_" in g and "sequential" in rows[g]), key=key):
    r = rows[group]
    seq = r["sequential"]
    one = r.get("parallel/1")
    parallel = [k for k in r if k.startswith("parallel/")]
    if one is None or not parallel:
        continue  # an unfinished run
    many_key = max(parallel, key=lambda k: int(k.split("/")[1]))
    many = r[many_key]
    pattern, _, work = group.partition("_")
    print(f"| {pattern} | {work.replace('us', ' µs')} | {seq:.3f} ms | {one:.3f} ms | {many:.3f} ms ({many_key.split('/')[1]} threads) "
          f"| {seq / one:.2f}× | **{seq / many:.2f}×** |")

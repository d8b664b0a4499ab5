#!/usr/bin/env bash
# Regenerates contracts/compiled/*.sierra.json and *.casm.json from contracts/src/*.cairo.
#
# Cairo -> Sierra: the Cairo 2.1.0 compiler shipped (with its core library) in PyPI's source
# distribution of cairo-lang 0.12.3, fetched with pip into a cache folder (not committed).
# Sierra -> CASM: the compiler starkstm links (cairo-lang-starknet-classes), so the committed CASM
# is exactly what `cargo test -p starkstm-starknet` recompiles and compares.
#
# Not part of the default build: it needs network access to PyPI the first time.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
cache="${CAIRO_TOOLCHAIN_DIR:-$root/target/cairo-toolchain}"
bin="$cache/cairo-lang-0.12.3/starkware/starknet/compiler/v1/sierra-compiler-major-1/bin"

if [ ! -x "$bin/starknet-compile" ]; then
    mkdir -p "$cache"
    (cd "$cache" && python3 -m pip download --no-deps --no-binary :all: cairo-lang==0.12.3 \
        && python3 -m zipfile -e cairo-lang-0.12.3.zip .)
    chmod +x "$bin"/*
fi

mkdir -p "$here/compiled"
sierras=()
for src in "$here"/src/*.cairo; do
    name="$(basename "$src" .cairo)"
    out="$here/compiled/$name.sierra.json"
    "$bin/starknet-compile" --single-file "$src" "$out"
    sierras+=("$out")
    echo "$src -> $out"
done
# The Sierra-gas twins: the same program labelled Sierra 1.7.0 (the second felt of the
# program is the minor version), so the compiler makes Sierra-gas CASM of it and executors
# meter it in Sierra gas, as they do current contracts.
for name in account counter erc20 amm nft; do
    out="$here/compiled/${name}_gas.sierra.json"
    python3 - "$here/compiled/$name.sierra.json" "$out" <<'PY'
import json, sys
source, target = sys.argv[1], sys.argv[2]
text = open(source).read()
sierra = json.loads(text)
assert sierra["sierra_program"][:3] == ["0x1", "0x3", "0x0"], sierra["sierra_program"][:3]
sierra["sierra_program"][1] = "0x7"
open(target, "w").write(json.dumps(sierra, indent=2) + ("\n" if text.endswith("\n") else ""))
PY
    sierras+=("$out")
    echo "$name -> $out (Sierra 1.7.0)"
done
cargo run --quiet --release -p starkstm-starknet --example sierra_to_casm -- "${sierras[@]}"

#!/usr/bin/env bash
# Compiles starkstm's Cairo 0 test contracts with cairo-lang 0.14.0.1's Cairo 0 compiler (PyPI;
# its Cairo 0 part is complete, unlike its Cairo 1 core library: see ../README.md):
#   python3 -m venv /tmp/c0venv && /tmp/c0venv/bin/pip install cairo-lang==0.14.0.1
#   CAIRO0_COMPILE=/tmp/c0venv/bin/starknet-compile-deprecated bash contracts/cairo0/build.sh
# The compiled classes are committed; builds do not need the compiler.
set -euo pipefail
cd "$(dirname "$0")"
compile="${CAIRO0_COMPILE:-starknet-compile-deprecated}"
for src in *.cairo; do
    name="${src%.cairo}"
    "$compile" "$src" --no_debug_info --output "compiled/$name.json"
    echo "compiled/$name.json"
done

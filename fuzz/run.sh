#!/usr/bin/env bash
# Runs one cargo-fuzz target for N seconds on this machine's stable toolchain.
#
#   fuzz/run.sh TARGET [SECONDS]      e.g. fuzz/run.sh ct_hex_decode 120
#   fuzz/run.sh --list
#
# cargo-fuzz needs nightly-only rustc flags (-Zsanitizer, sancov options);
# RUSTC_BOOTSTRAP=1 lets the stable compiler accept them, so no second
# toolchain is needed. The address sanitizer stays on (the default):
# guardrail's crates forbid unsafe code, but their dependencies do not.
# New inputs that libFuzzer finds go into fuzz/corpus/TARGET; commit the
# small, interesting ones: `cargo test` replays every file there.
set -euo pipefail
cd "$(dirname "$0")"

if ! command -v cargo-fuzz >/dev/null 2>&1; then
    echo "installing cargo-fuzz (once)..." >&2
    cargo install cargo-fuzz --locked
fi

if [ "${1:-}" = "--list" ] || [ $# -lt 1 ]; then
    cargo fuzz list
    [ $# -ge 1 ] || { echo "usage: $0 TARGET [SECONDS]" >&2; exit 2; }
    exit 0
fi

target=$1
seconds=${2:-60}
mkdir -p "corpus/$target"
export RUSTC_BOOTSTRAP=1
exec cargo fuzz run "$target" "corpus/$target" -- -max_total_time="$seconds" -max_len=4096

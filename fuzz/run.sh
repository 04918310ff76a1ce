#!/usr/bin/env bash
# Runs one cargo-fuzz target for N seconds on this machine's stable toolchain.
#
#   fuzz/run.sh TARGET [SECONDS]      e.g. fuzz/run.sh ct_hex_decode 120
#   fuzz/run.sh --list
#
# A run installs cargo-fuzz the first time it is missing; the usage message
# and --list install nothing.
#
# cargo-fuzz needs nightly-only rustc flags (-Zsanitizer, sancov options);
# RUSTC_BOOTSTRAP=1 lets the stable compiler accept them, so no second
# toolchain is needed. The address sanitizer stays on (the default):
# guardrail's crates forbid unsafe code, but their dependencies do not.
#
# Corpora: libFuzzer writes new inputs to the FIRST corpus directory it is
# given, so that is the local corpus, outside git
# ($GUARDRAIL_FUZZ_CORPUS/TARGET, default fuzz/local-corpus/TARGET,
# gitignored); the committed seeds (fuzz/corpus/TARGET) come second and are
# only read. The local corpus keeps growing from run to run. To promote
# inputs to the seeds (see fuzz/README.md): minimise seeds + local corpus
# with `cargo fuzz cmin`, drop files over 4 KiB (-max_len below: libFuzzer
# never grows an input past it, so a bigger seed only costs space), keep
# the named seeds, commit. `cargo test` replays every committed seed.
#
# Every target in turn, with a table of results: fuzz/campaign.sh MINUTES.
set -euo pipefail
local_root=$(realpath -m "${GUARDRAIL_FUZZ_CORPUS:-$(dirname "$0")/local-corpus}")
cd "$(dirname "$0")"

# The targets, as `cargo fuzz list` names them (the [[bin]] names of
# fuzz/Cargo.toml), without needing cargo-fuzz: usage and --list install
# nothing.
list_targets() {
    sed -n '/^\[\[bin\]\]/,/^name/ s/^name *= *"\(.*\)"/\1/p' Cargo.toml | sort
}

if [ "${1:-}" = "--list" ] || [ $# -lt 1 ]; then
    list_targets
    [ $# -ge 1 ] || { echo "usage: $0 TARGET [SECONDS] | $0 --list" >&2; exit 2; }
    exit 0
fi

if ! command -v cargo-fuzz >/dev/null 2>&1; then
    echo "installing cargo-fuzz (once)..." >&2
    cargo install cargo-fuzz --locked
fi

target=$1
seconds=${2:-60}
local_corpus=$local_root/$target
mkdir -p "$local_corpus" "corpus/$target"
export RUSTC_BOOTSTRAP=1
exec cargo fuzz run "$target" "$local_corpus" "corpus/$target" -- \
    -max_total_time="$seconds" -max_len=4096 -print_final_stats=1

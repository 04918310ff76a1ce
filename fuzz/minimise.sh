#!/usr/bin/env bash
# Rebuilds the committed seed corpus of each TARGET (default: every target)
# from its seeds plus the local corpus that fuzz/run.sh and fuzz/campaign.sh
# grow, keeping it small:
#
#   fuzz/minimise.sh [TARGET...]      then review and commit fuzz/corpus
#
# 1. Named seeds (any file whose name is not libFuzzer's 40-hex SHA-1: seed-N,
#    regression-*, hand-written cases that tests and docs point at) are kept
#    as they are.
# 2. The other seeds and the local corpus are candidates; a candidate over
#    4096 bytes is dropped: the fuzzers run with -max_len=4096, so they never
#    grow an input past that size and a bigger seed only costs space.
# 3. libFuzzer's merge (what `cargo fuzz cmin` runs; here its greedy
#    set-cover variant, on edges only: -use_counters=0) keeps the fewest
#    candidates that reach the edges the named seeds do not already reach;
#    they are stored under their SHA-1. The seeds so cover every edge the
#    seeds and the local corpus covered (check: `TARGET -runs=0 DIR` prints
#    the same `cov:` for both); the variety in hit counts that
#    `cargo fuzz cmin` would also keep stays in the local corpus, which
#    is where the fuzzers start from anyway. This keeps the committed
#    corpus a few hundred files per target at most (du counts a 4 KiB
#    block per file).
#
# Environment: GUARDRAIL_FUZZ_CORPUS, the local corpus root (default
# fuzz/local-corpus), as in run.sh; GUARDRAIL_FUZZ_BIN, a directory of
# already built targets to use instead of building (e.g.
# fuzz/target/campaign-bin, the build of the last campaign).
set -euo pipefail
local_root=$(realpath -m "${GUARDRAIL_FUZZ_CORPUS:-$(dirname "$0")/local-corpus}")
bin_dir=${GUARDRAIL_FUZZ_BIN:+$(realpath "$GUARDRAIL_FUZZ_BIN")}
cd "$(dirname "$0")"
export RUSTC_BOOTSTRAP=1 # see run.sh

if [ $# -gt 0 ]; then targets=("$@"); else mapfile -t targets < <(cargo fuzz list); fi
if [ -z "$bin_dir" ]; then
    cargo fuzz build --target-dir target >&2
    bin_dir=target/$(rustc -vV | sed -n 's/^host: //p')/release
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

hashed='^[0-9a-f]{40}$'
for t in "${targets[@]}"; do
    rm -rf "${work:?}"/*
    mkdir -p "$work/keep" "$work/candidates" "corpus/$t"
    for f in "corpus/$t"/* "$local_root/$t"/*; do
        [ -f "$f" ] || continue
        name=$(basename "$f")
        if [[ $f == corpus/* && ! $name =~ $hashed ]]; then
            cp "$f" "$work/keep/"
        elif [ "$(stat -c %s "$f")" -le 4096 ]; then
            cp "$f" "$work/candidates/$(sha1sum "$f" | cut -c1-40)"
        fi
    done
    "$bin_dir/$t" -set_cover_merge=1 -use_counters=0 -max_len=4096 -timeout=20 \
        "$work/keep" "$work/candidates" >"$work/merge.log" 2>&1 ||
        { cat "$work/merge.log" >&2; exit 1; }
    find "corpus/$t" -maxdepth 1 -type f -regextype posix-egrep \
        -regex ".*/[0-9a-f]{40}" -delete
    cp -n "$work/keep"/* "corpus/$t/"
    echo "$t: $(find "corpus/$t" -type f | wc -l) seeds, $(du -s --apparent-size "corpus/$t" | cut -f1) KiB" >&2
done

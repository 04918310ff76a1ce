#!/usr/bin/env bash
# Runs every fuzz target for MINUTES each, JOBS at a time, and prints a table:
# target, executions, local corpus size, crashes.
#
#   fuzz/campaign.sh MINUTES [TARGET...]    e.g. nice -n 19 fuzz/campaign.sh 3
#
# Without TARGETs: every target `cargo fuzz list` names.
#
# Environment (all optional):
#   GUARDRAIL_FUZZ_JOBS      targets run at once (default 2: this machine has 2 cores)
#   GUARDRAIL_FUZZ_CORPUS    local corpus root, outside git (default fuzz/local-corpus)
#   GUARDRAIL_FUZZ_TIMEOUT   seconds one input may take before it counts as a
#                            crash (libFuzzer's -timeout; default 20)
#
# The targets are built once, before the loop (same flags as fuzz/run.sh), and
# the built binaries are hard-linked aside, so a rebuild of the tree during
# the campaign changes nothing in it. Each target reads the committed seeds
# (fuzz/corpus/TARGET, read-only) and writes what it finds to the local
# corpus; crash, timeout, OOM and leak inputs land in fuzz/artifacts/TARGET/.
# Each target's full libFuzzer log is in $GUARDRAIL_FUZZ_CORPUS/logs/.
# A target stops at its first crash. Exit status: 0 when no target crashed,
# 1 when any did, 2 on a usage or build error or when cargo-fuzz is missing
# (this script installs nothing; fuzz/run.sh TARGET does, once).
set -euo pipefail
local_root=$(realpath -m "${GUARDRAIL_FUZZ_CORPUS:-$(dirname "$0")/local-corpus}")
cd "$(dirname "$0")"
fuzz_dir=$PWD

minutes=${1:-}
case $minutes in
    '' | *[!0-9]* | 0) echo "usage: $0 MINUTES [TARGET...] (MINUTES: a whole number > 0)" >&2; exit 2 ;;
esac
shift
jobs=${GUARDRAIL_FUZZ_JOBS:-2}
timeout=${GUARDRAIL_FUZZ_TIMEOUT:-20}
export RUSTC_BOOTSTRAP=1 # see run.sh

if ! command -v cargo-fuzz >/dev/null 2>&1; then
    echo "cargo-fuzz is missing: install it with \`cargo install cargo-fuzz --locked\`" \
        "(fuzz/run.sh TARGET installs it on first use)" >&2
    exit 2
fi
if [ $# -gt 0 ]; then
    targets=("$@")
else
    cargo_fuzz_list=$(cargo fuzz list) || { echo "\`cargo fuzz list\` failed" >&2; exit 2; }
    mapfile -t targets <<<"$cargo_fuzz_list"
fi
[ -n "${targets[0]:-}" ] || { echo "no fuzz targets" >&2; exit 2; }

echo "building ${#targets[@]} targets..." >&2
target_dir=$fuzz_dir/target
cargo fuzz build --target-dir "$target_dir" >&2 || exit 2
triple=$(rustc -vV | sed -n 's/^host: //p')
bin_dir=$target_dir/campaign-bin
rm -rf "$bin_dir"
mkdir -p "$bin_dir" "$local_root/logs"
for t in "${targets[@]}"; do
    cp -l "$target_dir/$triple/release/$t" "$bin_dir/$t"
done

# run_one TARGET: fuzzes TARGET and writes one table row to logs/TARGET.row
run_one() {
    local t=$1 log=$local_root/logs/$1.log
    local corpus=$local_root/$1 artifacts=$fuzz_dir/artifacts/$1
    mkdir -p "$corpus" "$artifacts"
    local marker
    marker=$(mktemp "$local_root/logs/.start-$t.XXXXXX")
    local rc=0
    "$bin_dir/$t" -max_total_time=$((minutes * 60)) -max_len=4096 \
        -timeout="$timeout" -print_final_stats=1 \
        -artifact_prefix="$artifacts/" "$corpus" "$fuzz_dir/corpus/$t" \
        >"$log" 2>&1 || rc=$?
    local execs
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    # Without final stats (the process died hard): the last status line.
    [ -n "$execs" ] || execs=$(grep -o '^#[0-9]*' "$log" | tail -1 | tr -d '#')
    local files found
    files=$(find "$corpus" -type f | wc -l)
    found=$(find "$artifacts" -type f -newer "$marker" \
        \( -name 'crash-*' -o -name 'timeout-*' -o -name 'oom-*' -o -name 'leak-*' \) | sort)
    rm -f "$marker"
    local count=0 where=-
    if [ -n "$found" ]; then
        count=$(wc -l <<<"$found")
        where=$(sed "s|^$fuzz_dir/|fuzz/|" <<<"$found" | paste -sd ' ')
    elif [ "$rc" -ne 0 ]; then
        count=1 where="exit $rc without artifact, see $log"
    fi
    printf '%s\t%s\t%s\t%s\t%s\n' "$t" "${execs:-?}" "$files" "$count" "$where" >"$local_root/logs/$t.row"
    echo "done: $t ($count crashes)" >&2
}

echo "fuzzing ${#targets[@]} targets, $minutes min each, $jobs at a time..." >&2
for t in "${targets[@]}"; do
    while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
    rm -f "$local_root/logs/$t.row"
    run_one "$t" &
done
wait

crashed=0
printf '| target | executions | corpus (local files) | crashes |\n'
printf '|---|---:|---:|---|\n'
for t in "${targets[@]}"; do
    if [ ! -f "$local_root/logs/$t.row" ]; then
        crashed=1
        printf '| %s | ? | ? | no result: see %s |\n' "$t" "$local_root/logs/$t.log"
        continue
    fi
    IFS=$'\t' read -r name execs files count where <"$local_root/logs/$t.row"
    if [ "$count" -eq 0 ]; then
        printf '| %s | %s | %s | 0 |\n' "$name" "$execs" "$files"
    else
        crashed=1
        printf '| %s | %s | %s | %s: %s |\n' "$name" "$execs" "$files" "$count" "$where"
    fi
done
exit "$crashed"

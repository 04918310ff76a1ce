#!/usr/bin/env bash
# guardrail's default-profile verify beside libargon2's (the C reference
# implementation as Debian ships it), single-threaded, in one run.
# Needs root or libargon2-dev already installed; CI does not run it.
#
#   benches/libargon2/run.sh [N]      N verifies each (default 100)
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-100}

if [ ! -f /usr/include/argon2.h ]; then
    echo "installing libargon2-dev..." >&2
    apt-get update -q >/dev/null && apt-get install -y -q libargon2-dev >/dev/null
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cc -O2 -o "$out/verify_bench" benches/libargon2/verify_bench.c -largon2

cargo build --release -q -p guardrail-cli -p guardrail-benches
release=$(.ci/target-dir)/release # target/release unless CARGO_TARGET_DIR moves it
password="correct horse battery staple"
encoded=$(printf '%s' "$password" | "$release/guardrail" hash --exact)
ours=$("$release/verify-time" "$encoded" "$password" "$n")
theirs=$("$out/verify_bench" "$encoded" "$password" "$n")
echo "$ours"
echo "$theirs"
awk -v a="$(echo "$ours" | awk '/^guardrail /{print $2}')" -v b="$(echo "$theirs" | awk '{print $2}')" \
    'BEGIN { printf "libargon2 verify: guardrail %.2f ms, libargon2 %.2f ms per verify = %.2fx its time (goal <= 0.8)\n", a, b, a / b }'

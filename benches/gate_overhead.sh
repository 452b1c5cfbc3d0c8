#!/usr/bin/env bash
# The gate's own overhead on top of the `go` commands it runs, on a real module.
#
#   benches/gate_overhead.sh MODULE_DIR [REPETITIONS]
#
# "By hand" runs what `golint-guard gate --steps build,vet,test,coverage` runs:
#   go build ./... ; go vet -json ./... ; go test -json -vet=off -race -coverprofile=F ./...
# Both sides run with a warm build cache, alternating, REPETITIONS times (default 5); the script
# prints each side's median and the ratio gate / by hand. Set FRESH=1 to add -count=1 to
# `go test` on both sides, so test results are not replayed from Go's test cache.
#
# The binary is $GOLINT_GUARD, else target/release/golint-guard (build it with
# `cargo build --release`). Nothing is fetched or written inside MODULE_DIR.
set -euo pipefail

if [[ $# -lt 1 || ! -f "$1/go.mod" ]]; then
  echo "usage: $0 MODULE_DIR [REPETITIONS]   (MODULE_DIR must hold a go.mod)" >&2
  exit 2
fi
repo_root=$(cd "$(dirname "$0")/.." && pwd)
module=$(cd "$1" && pwd)
reps=${2:-5}
bin=${GOLINT_GUARD:-$repo_root/target/release/golint-guard}
if [[ ! -x "$bin" ]]; then
  echo "error: $bin not found; run \`cargo build --release\` or set GOLINT_GUARD" >&2
  exit 2
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

count_flag=()
test_flags="[]"
if [[ "${FRESH:-0}" == 1 ]]; then
  count_flag=(-count=1)
  test_flags='["-count=1"]'
fi
# A config of its own, so the module's golint-guard.toml (if any) does not change the commands.
cat >"$work/golint-guard.toml" <<EOF
[gate]
coverage_min = 0
test_flags = $test_flags
EOF

by_hand() {
  (
    cd "$module"
    go build ./... >/dev/null 2>&1 || true
    go vet -json ./... >/dev/null 2>&1 || true
    go test -json -vet=off -race "${count_flag[@]}" -coverprofile="$work/by-hand.out" ./... >/dev/null 2>&1 || true
  )
}

with_gate() {
  "$bin" gate --quiet --config "$work/golint-guard.toml" --steps build,vet,test,coverage --format json \
    --exit-zero "$module" >/dev/null
}

# Wall time is noisy on a shared machine; CPU time (user + sys, children included) is the
# steadier measure of the work the gate adds.
TIMEFORMAT='%R %U %S'
measure() { { time "$@" >/dev/null 2>&1; } 2>&1 | tail -1; }

echo "module: $module"
echo "go: $(go version)"
echo "warming the build cache..."
by_hand
with_gate

hand_wall=() hand_cpu=() gate_wall=() gate_cpu=()
for ((i = 1; i <= reps; i++)); do
  read -r wall user sys <<<"$(measure by_hand)"
  hand_wall+=("$wall") hand_cpu+=("$(echo "$user + $sys" | bc -l)")
  read -r wall user sys <<<"$(measure with_gate)"
  gate_wall+=("$wall") gate_cpu+=("$(echo "$user + $sys" | bc -l)")
  printf 'run %d: by hand %.3fs (cpu %.3fs), gate %.3fs (cpu %.3fs)\n' \
    "$i" "${hand_wall[-1]}" "${hand_cpu[-1]}" "${gate_wall[-1]}" "${gate_cpu[-1]}"
done

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
report() {
  local what=$1 hand=$2 gated=$3
  printf '%s: median by hand %.3fs, gate %.3fs, ratio %.3f (%+.0f ms)\n' "$what" "$hand" "$gated" \
    "$(echo "$gated / $hand" | bc -l)" "$(echo "($gated - $hand) * 1000" | bc -l)"
}
report "wall" "$(median "${hand_wall[@]}")" "$(median "${gate_wall[@]}")"
report "cpu " "$(median "${hand_cpu[@]}")" "$(median "${gate_cpu[@]}")"

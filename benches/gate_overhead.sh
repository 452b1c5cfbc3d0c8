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

now() { date +%s.%N; }

echo "module: $module"
echo "go: $(go version)"
echo "warming the build cache..."
by_hand
with_gate

hand_times=()
gate_times=()
for ((i = 1; i <= reps; i++)); do
  start=$(now); by_hand; end=$(now)
  hand_times+=("$(echo "$end - $start" | bc -l)")
  start=$(now); with_gate; end=$(now)
  gate_times+=("$(echo "$end - $start" | bc -l)")
  printf 'run %d: by hand %.3fs, gate %.3fs\n' "$i" "${hand_times[-1]}" "${gate_times[-1]}"
done

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
hand=$(median "${hand_times[@]}")
gated=$(median "${gate_times[@]}")
printf 'median: by hand %.3fs, gate %.3fs, ratio %.3f (overhead %+.0f ms)\n' \
  "$hand" "$gated" "$(echo "$gated / $hand" | bc -l)" "$(echo "($gated - $hand) * 1000" | bc -l)"

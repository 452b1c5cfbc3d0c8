#!/usr/bin/env bash
# Peak memory of `golint-guard gate` on a test that prints a lot (issue 11, item 15).
#
#   benches/gate_memory.sh [MEGABYTES]      (default 150)
#
# Writes a throwaway module to a temporary directory whose two tests (one passing, one failing)
# print MEGABYTES of output between them, runs `gate --steps test --no-race` on it, and prints:
#   - golint-guard's own peak RSS (VmHWM, the kernel's high-water mark for the process, read
#     every 0.1 s; only growth in the last 0.1 s before it exits could be missed);
#   - the peak RSS of each `go` tool process seen under it;
#   - what /usr/bin/time -v says ("Maximum resident set size"), which is the largest of the whole
#     process tree, `go` included.
# `go test -json` keeps every package's whole output in memory itself (cmd/go buffers it for the
# test cache: internal/test/test.go, streamAndCacheOutput), so the tree's peak is go's, not ours.
#
# The binary is $GOLINT_GUARD, else target/release/golint-guard.
set -euo pipefail

megabytes=${1:-150}
repo_root=$(cd "$(dirname "$0")/.." && pwd)
binary=${GOLINT_GUARD:-$repo_root/target/release/golint-guard}
[[ -x $binary ]] || { echo "no $binary: cargo build --release, or set GOLINT_GUARD" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
module=$work/loud
mkdir -p "$module"
printf 'module example.com/loud\n\ngo 1.22\n' > "$module/go.mod"
printf 'package loud\n\n// Add adds.\nfunc Add(a, b int) int { return a + b }\n' > "$module/loud.go"
cat > "$module/loud_test.go" <<'GO'
package loud

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
)

// 100-byte lines: LOUD_MB megabytes between the two tests.
func lines() int {
	n, _ := strconv.Atoi(os.Getenv("LOUD_MB"))
	return n * 10000 / 2
}

func TestLoudPass(t *testing.T) {
	line := strings.Repeat("x", 99)
	for i := 0; i < lines(); i++ {
		fmt.Println(line)
	}
}

func TestLoudFail(t *testing.T) {
	line := strings.Repeat("y", 99)
	for i := 0; i < lines(); i++ {
		fmt.Println(line)
	}
	t.Error("the last line")
}
GO

# Build the test binary first, so the measured run is the test run.
(cd "$module" && go test -vet=off -run '^$' ./... >/dev/null)

LOUD_MB=$megabytes /usr/bin/time -v -o "$work/time.txt" \
  "$binary" gate --no-config --steps test --no-race --format json --output "$work/report.json" "$module" \
  2>"$work/stderr.txt" &
timer=$!
sleep 0.2
self=$(pgrep -P "$timer" -n || true)
self_peak=0
declare -A tool_peak
while kill -0 "$timer" 2>/dev/null; do
  if [[ -n $self && -r /proc/$self/status ]]; then
    peak=$(awk '/VmHWM/ {print $2}' "/proc/$self/status" 2>/dev/null || echo 0)
    (( ${peak:-0} > self_peak )) && self_peak=$peak
    for child in $(pgrep -P "$self" || true); do
      name=$(cat "/proc/$child/comm" 2>/dev/null || echo "?")
      peak=$(awk '/VmHWM/ {print $2}' "/proc/$child/status" 2>/dev/null || echo 0)
      (( ${peak:-0} > ${tool_peak[$name]:-0} )) && tool_peak[$name]=$peak
    done
  fi
  sleep 0.1
done
wait "$timer" || true
echo "test output: ${megabytes} MB"
echo "golint-guard itself: $((self_peak / 1024)) MB peak RSS"
for name in "${!tool_peak[@]}"; do
  echo "child $name: $((tool_peak[$name] / 1024)) MB peak RSS"
done
echo "whole tree (/usr/bin/time -v): $(( $(awk -F': ' '/Maximum resident/ {print $2}' "$work/time.txt") / 1024 )) MB"
grep -o '"message": "[^"]*"' "$work/report.json" | head -3

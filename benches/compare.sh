#!/usr/bin/env bash
# Side-by-side timing of `golint-guard check` against a parse-only pass of the same binary over
# the same tree, and (when available) against `go vet` and `staticcheck` on the same packages.
# Runs alternate in one session so machine noise hits every tool alike; report ratios, not
# absolute times.
#
#   benches/compare.sh [DIR] [REPS]        DIR defaults to "$(go env GOROOT)/src", REPS to 5
#   GG_BIN=path/to/golint-guard            defaults to target/release/golint-guard (built if missing)
#   WITH_GO_TOOLS=1                        also time go vet and staticcheck (needs a Go module at DIR)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-$(go env GOROOT)/src}
reps=${2:-5}
bin=${GG_BIN:-$here/target/release/golint-guard}
if [[ ! -x $bin ]]; then
  (cd "$here" && cargo build --release --locked)
fi
cd "$dir"

# One timed run: prints "seconds peak_rss_kib".
measure() {
  local record
  record=$(mktemp)
  /usr/bin/time -o "$record" -f '%e %M' "$@" >/dev/null 2>&1 || true
  tail -n 1 "$record"
  rm -f "$record"
}

declare -A total rss
tools=(parse check)
commands_parse=("$bin" parse-only ./...)
commands_check=("$bin" check --no-config --exit-zero --format json ./...)
if [[ ${WITH_GO_TOOLS:-0} == 1 ]]; then
  tools+=(govet)
  if command -v staticcheck >/dev/null; then tools+=(staticcheck); fi
  go vet ./... >/dev/null 2>&1 || true   # warm the build cache once
fi

run_tool() {
  case $1 in
    parse) measure "${commands_parse[@]}" ;;
    check) measure "${commands_check[@]}" ;;
    govet) measure go vet ./... ;;
    staticcheck) measure staticcheck ./... ;;
  esac
}

for tool in "${tools[@]}"; do total[$tool]=0; rss[$tool]=0; done
for ((i = 1; i <= reps; i++)); do
  for tool in "${tools[@]}"; do
    read -r seconds peak <<<"$(run_tool "$tool")"
    total[$tool]=$(echo "${total[$tool]} + $seconds" | bc -l)
    (( peak > rss[$tool] )) && rss[$tool]=$peak
  done
done

files=$("$bin" parse-only ./... 2>&1 | sed -n 's/^parsed \([0-9]*\) files (\([0-9]*\) bytes).*/\1 files, \2 bytes/p')
echo "tree: $dir ($files), $reps alternating runs, $(nproc) cores"
printf '%-12s %10s %12s %14s\n' tool mean_s vs_parse peak_rss_MiB
for tool in "${tools[@]}"; do
  mean=$(echo "${total[$tool]} / $reps" | bc -l)
  ratio=$(echo "${total[$tool]} / ${total[parse]}" | bc -l)
  printf '%-12s %10.3f %11.2fx %14.1f\n' "$tool" "$mean" "$ratio" "$(echo "${rss[$tool]} / 1024" | bc -l)"
done

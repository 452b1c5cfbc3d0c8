#!/usr/bin/env bash
# The bench the project keeps (issue 15): golint-guard side by side with the Go linters a team
# would otherwise run, cold and warm, and against its own parse-only ceiling. Runs alternate in
# one session so machine noise hits every tool alike; each figure is the median of REPS runs.
#
#   benches/compare.sh [DIR] [REPS]
#     DIR   a Go module directory, or the standard library (default "$(go env GOROOT)/src")
#     REPS  runs per figure (default 5)
#
#   GG_BIN=path       golint-guard under test (default target/release/golint-guard, built if missing)
#   GG_BEFORE=path    another golint-guard build: adds its rows (cold, parse-only) for before/after
#   PEERS=0           skip go vet, staticcheck, golangci-lint and errcheck (default 1: install and run)
#   COPIES="1 2 4"    standard-library copies for the memory rows (default "1 2 4"; "" skips them)
#   CHANGE_FILE=path  the file (relative to DIR) the one-file-change rows edit (default: the
#                     largest non-test .go file in the packages linted)
#   STAGES=0          skip the pipeline-stage rows (default 1: time `check` stopped after each
#                     stage with GOLINT_GUARD_BENCH_STAGE, to show what each part costs)
#
# The peers are installed with `go install` at pinned versions into target/bench-tools. Cold
# means a fresh GOCACHE and a fresh cache of each tool (golint-guard: --no-cache for "cold",
# an empty cache directory for "cache cold"); warm means the same command once more after a
# priming run. On the standard library every tool gets the same package set: the `std`
# module's packages (`go vet ./...` in GOROOT/src), which leaves out the separate `cmd` module.
#
# Output: one table (tool, mode, median wall s, median CPU s, peak RSS MiB, CPU and wall as a
# multiple of golint-guard's cold check, the exit statuses seen), the threads and parse-only rows,
# the last stderr line of any run that exited non-zero, and the copies rows.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
dir=$(cd "${1:-$(go env GOROOT)/src}" && pwd)
reps=${2:-5}
bin=${GG_BIN:-$here/target/release/golint-guard}
before=${GG_BEFORE:-}
peers=${PEERS:-1}
copies=${COPIES-1 2 4}
stages=${STAGES:-1}
tools_dir=$here/target/bench-tools
work=$(mktemp -d)
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT

STATICCHECK=honnef.co/go/tools/cmd/staticcheck@v0.8.2
GOLANGCI=github.com/golangci/golangci-lint/v2/cmd/golangci-lint@v2.15.0
ERRCHECK=github.com/kisielk/errcheck@v1.30.0

if [[ ! -x $bin ]]; then
  (cd "$here" && cargo build --release --locked)
fi

# The package patterns every tool is given.
if [[ -f $dir/go.mod ]] && grep -q '^module std$' "$dir/go.mod"; then
  stdlib=1
  # The `std` module only: each top-level directory but the `cmd` module (and testdata, vendor).
  mapfile -t patterns < <(cd "$dir" && for d in */; do
    d=${d%/}
    case $d in cmd | testdata | vendor) ;; *) echo "./$d/..." ;; esac
  done)
else
  stdlib=0
  patterns=(./...)
  (cd "$dir" && go mod download >/dev/null 2>&1) || true
fi

# One timed run in $dir: prints "wall_s cpu_s peak_rss_kib exit_status"; the run's stderr is
# left in $work/last-stderr.
measure() {
  local record
  record=$(mktemp)
  (cd "${in_dir:-$dir}" && /usr/bin/time -o "$record" -f '%e %U %S %M %x' "$@" >/dev/null 2>"$work/last-stderr") || true
  tail -n 1 "$record" | awk '{ printf "%s %.2f %s %s\n", $1, $2 + $3, $4, $5 }'
  rm -f "$record"
}

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

declare -A wall cpu rss exits last_error
declare -a rows
record_run() { # name, then the measure output
  local name=$1 w c r x
  read -r w c r x <<<"$2"
  wall[$name]+="$w "
  cpu[$name]+="$c "
  if [[ -z ${rss[$name]:-} ]] || ((r > rss[$name])); then rss[$name]=$r; fi
  # Every exit status seen. A linter exits 1 when it reports findings, but a tool that stops
  # on an error (a package that does not build) also ends early: its last stderr line shows.
  [[ " ${exits[$name]:-} " == *" $x "* ]] || exits[$name]+="$x "
  if [[ $x != 0 && -s $work/last-stderr ]]; then last_error[$name]=$(grep . "$work/last-stderr" | tail -n 1 | cut -c1-160); fi
}
add_row() { rows+=("$1"); }

# --- golint-guard -----------------------------------------------------------------------------
gg_check=(check --no-config --exit-zero --format json --output /dev/null)
cache_dir=$work/gg-cache
# The one-file-change rows edit a copy of the tree, never the tree itself (others may be
# reading it): the packages linted, and go.mod.
edit_tree=$work/edit-tree
mkdir -p "$edit_tree"
if [[ $stdlib == 1 ]]; then
  (cd "$dir" && cp -r go.mod "${patterns[@]%/...}" "$edit_tree/")
else
  cp -r "$dir/." "$edit_tree/"
fi
change_file=${CHANGE_FILE:-}
if [[ -z $change_file ]]; then
  # The largest hand-written, non-test file (a generated one is not linted at all).
  change_file=$(cd "$edit_tree" && find . -name '*.go' ! -name '*_test.go' ! -path '*/testdata/*' ! -path '*/vendor/*' \
    -printf '%s %p\n' | sort -rn | awk '{ print $2 }' | while read -r file; do
      if ! head -c 4096 "$file" | grep -q '^// Code generated .* DO NOT EDIT\.$'; then echo "$file"; break; fi
    done || true)
fi
change_file=${change_file#./}
original=$work/original.go
cp "$edit_tree/$change_file" "$original"
# A line added at the top moves every declaration of the file: its package's facts change, so
# the package and the files elsewhere that read those facts are linted again (the honest case;
# an edit that moves nothing re-lints the file alone).
edit_one_file() { sed -i "1i // bench edit $1" "$edit_tree/$change_file"; }
restore_file() { cp "$original" "$edit_tree/$change_file"; }
edit_cache=$work/edit-cache

run_gg() { # mode
  case $1 in
    parse-t1) measure "$bin" parse-only --threads 1 "${patterns[@]}" ;;
    parse-t2) measure "$bin" parse-only --threads 2 "${patterns[@]}" ;;
    cold-t1) measure "$bin" "${gg_check[@]}" --no-cache --threads 1 "${patterns[@]}" ;;
    cold-t2) measure "$bin" "${gg_check[@]}" --no-cache --threads 2 "${patterns[@]}" ;;
    cache-cold)
      rm -rf "$cache_dir"
      GOLINT_GUARD_CACHE_DIR=$cache_dir measure "$bin" "${gg_check[@]}" "${patterns[@]}"
      ;;
    cache-warm) GOLINT_GUARD_CACHE_DIR=$cache_dir measure "$bin" "${gg_check[@]}" "${patterns[@]}" ;;
    one-file)
      # Prime on the original, edit one file, time the re-check, restore.
      restore_file
      (cd "$edit_tree" && GOLINT_GUARD_CACHE_DIR=$edit_cache "$bin" "${gg_check[@]}" "${patterns[@]}" >/dev/null 2>&1) || true
      edit_one_file "$RANDOM"
      in_dir=$edit_tree GOLINT_GUARD_CACHE_DIR=$edit_cache measure "$bin" "${gg_check[@]}" "${patterns[@]}"
      restore_file
      ;;
    stage-*) GOLINT_GUARD_BENCH_STAGE=${1#stage-} measure "$bin" "${gg_check[@]}" --no-cache --threads 2 "${patterns[@]}" ;;
    before-cold) measure "$before" "${gg_check[@]}" "${before_no_cache[@]}" --threads 2 "${patterns[@]}" ;;
    before-parse) measure "$before" parse-only --threads 2 "${patterns[@]}" ;;
  esac
}

# A build from before the result cache has no --no-cache; a later one must be given it, or its
# "cold" rows would replay its cache.
before_no_cache=()
if [[ -n $before ]] && "$before" check --help 2>/dev/null | grep -q -- '--no-cache'; then before_no_cache=(--no-cache); fi
# Runs that name no cache directory get a scratch one, never the user's.
export GOLINT_GUARD_CACHE_DIR=$work/scratch-cache

gg_modes=(parse-t1 parse-t2 cold-t1 cold-t2 cache-cold cache-warm one-file)
[[ -n $before ]] && gg_modes+=(before-cold before-parse)
[[ $stages == 1 ]] && gg_modes+=(stage-list-no-facts stage-list stage-match stage-rules-no-facts)

# --- peers ------------------------------------------------------------------------------------
peer_names=()
if [[ $peers == 1 ]]; then
  mkdir -p "$tools_dir"
  for module in "$STATICCHECK" "$GOLANGCI" "$ERRCHECK"; do
    name=${module##*/}
    name=${name%@*}
    version=${module##*@}
    if [[ ! -x $tools_dir/$name-$version ]]; then
      GOBIN=$tools_dir/tmp go install "$module"
      mv "$tools_dir/tmp/$name" "$tools_dir/$name-$version"
    fi
  done
  peer_names=(govet staticcheck golangci errcheck)
fi

# Each peer gets its own caches: fresh for cold, primed (kept) for warm.
run_peer() { # tool, cold|warm
  local tool=$1 mode=$2 caches=$work/peer-$1
  if [[ $mode == cold ]]; then chmod -R u+w "$caches" 2>/dev/null || true; rm -rf "$caches"; fi
  mkdir -p "$caches"
  local env=(env GOCACHE="$caches/go" XDG_CACHE_HOME="$caches/xdg" STATICCHECK_CACHE="$caches/sc" GOLANGCI_LINT_CACHE="$caches/gl")
  case $tool in
    govet) measure "${env[@]}" go vet "${patterns[@]}" ;;
    staticcheck) measure "${env[@]}" "$tools_dir"/staticcheck-* "${patterns[@]}" ;;
    golangci) measure "${env[@]}" "$tools_dir"/golangci-lint-* run --no-config --output.text.path=/dev/null "${patterns[@]}" ;;
    errcheck) measure "${env[@]}" "$tools_dir"/errcheck-* "${patterns[@]}" ;;
  esac
}

# --- alternate the runs -------------------------------------------------------------------------
for ((i = 1; i <= reps; i++)); do
  for mode in "${gg_modes[@]}"; do record_run "gg:$mode" "$(run_gg "$mode")"; done
  for tool in "${peer_names[@]}"; do
    record_run "$tool:cold" "$(run_peer "$tool" cold)"
    record_run "$tool:warm" "$(run_peer "$tool" warm)"
  done
done

# --- the cache: size on disk and what a warm run and a one-file re-check find (untimed) ---------
cache_stats() { GOLINT_GUARD_CACHE_STATS=1 "$bin" "${gg_check[@]}" "${patterns[@]}" 2>&1 >/dev/null | grep '^cache' | paste -sd ';' -; }
cache_size=$(du -sh "$cache_dir" | cut -f1)
warm_stats=$(cd "$dir" && GOLINT_GUARD_CACHE_DIR=$cache_dir cache_stats)
restore_file
(cd "$edit_tree" && GOLINT_GUARD_CACHE_DIR=$edit_cache "$bin" "${gg_check[@]}" "${patterns[@]}" >/dev/null 2>&1) || true
edit_one_file "$RANDOM"
one_file_stats=$(cd "$edit_tree" && GOLINT_GUARD_CACHE_DIR=$edit_cache cache_stats)
restore_file

# --- copies of the standard library: memory as the tree grows ----------------------------------
copy_rows=()
if [[ $stdlib == 1 && -n $copies ]]; then
  for n in $copies; do
    tree=$work/copies-$n
    mkdir -p "$tree"
    for ((c = 1; c <= n; c++)); do
      mkdir -p "$tree/c$c"
      (cd "$dir" && cp -r go.mod "${patterns[@]%/...}" "$tree/c$c/")
    done
    read -r w c r _ <<<"$(in_dir=$tree measure "$bin" "${gg_check[@]}" --no-cache ./...)"
    copy_rows+=("$(printf '%-28s %10s %10s %12.1f' "check, $n cop$([[ $n == 1 ]] && echo y || echo ies)" "$w" "$c" "$(echo "$r / 1024" | bc -l)")")
    rm -rf "$tree"
  done
fi

# --- the table ----------------------------------------------------------------------------------
files=$(cd "$dir" && "$bin" parse-only "${patterns[@]}" 2>&1 | sed -n 's/^parsed \([0-9]*\) files (\([0-9]*\) bytes).*/\1 files, \2 bytes/p')
base_wall=$(tr ' ' '\n' <<<"${wall[gg:cold-t2]}" | grep . | median)
base_cpu=$(tr ' ' '\n' <<<"${cpu[gg:cold-t2]}" | grep . | median)
echo "tree: $dir (${#patterns[@]} patterns; $files), $reps alternating runs each, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "golint-guard: $bin; one-file change edits $change_file"
printf '%-28s %10s %10s %12s %10s %10s  %s\n' "tool / mode" wall_s cpu_s peak_MiB cpu_ratio wall_ratio exit
show() { # key, label
  local key=$1 label=$2 w c
  [[ -z ${wall[$key]:-} ]] && return
  w=$(tr ' ' '\n' <<<"${wall[$key]}" | grep . | median)
  c=$(tr ' ' '\n' <<<"${cpu[$key]}" | grep . | median)
  printf '%-28s %10.2f %10.2f %12.1f %10s %10s  %s\n' "$label" "$w" "$c" "$(echo "${rss[$key]} / 1024" | bc -l)" \
    "$(ratio "$c" "$base_cpu")" "$(ratio "$w" "$base_wall")" "$(tr ' ' '\n' <<<"${exits[$key]}" | grep . | sort -n | paste -sd ',' -)"
}
# a ÷ b as "1.23x"; "n/a" when b rounds to zero (a tree too small to time).
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else printf "n/a" }'; }
show gg:cold-t2 "golint-guard cold (2 thr)"
show gg:cold-t1 "golint-guard cold (1 thr)"
show gg:cache-cold "golint-guard cache cold"
show gg:cache-warm "golint-guard cache warm"
show gg:one-file "golint-guard one file edited"
show gg:parse-t2 "parse-only (2 thr)"
show gg:parse-t1 "parse-only (1 thr)"
show gg:before-cold "before: cold (2 thr)"
show gg:before-parse "before: parse-only (2 thr)"
for tool in "${peer_names[@]}"; do
  show "$tool:cold" "$tool cold"
  show "$tool:warm" "$tool warm"
done
for key in "${!last_error[@]}"; do echo "$key, last stderr line of a run that exited non-zero: ${last_error[$key]}"; done | sort
echo
echo "cache on disk after the runs: $cache_size"
echo "cache, warm run: $warm_stats"
echo "cache, one file edited: $one_file_stats"
if [[ $stages == 1 ]]; then
  # Each stage adds one part of the pipeline to the one above it; the step is what that part costs.
  echo
  echo "pipeline stages, 2 threads: CPU as a multiple of parse-only's, and the step from the row above"
  parse_cpu=$(tr ' ' '\n' <<<"${cpu[gg:parse-t2]}" | grep . | median)
  previous=$parse_cpu
  stage_row() { # key, label
    local c
    c=$(tr ' ' '\n' <<<"${cpu[$1]}" | grep . | median)
    printf '%-52s %8s %8s\n' "$2" "$(ratio "$c" "$parse_cpu")" "$(awk -v a="$c" -v b="$previous" -v p="$parse_cpu" 'BEGIN { if (p > 0) printf "%+.2f", (a - b) / p; else printf "n/a" }')"
    previous=$c
  }
  stage_row gg:parse-t2 "parse-only: read, parse, free"
  stage_row gg:stage-list-no-facts "+ depth checks, file facts, node list"
  stage_row gg:stage-list "+ module pre-pass"
  stage_row gg:stage-match "+ pattern matching"
  stage_row gg:cold-t2 "+ rule checks: the full check"
  previous=$parse_cpu
  stage_row gg:stage-rules-no-facts "full check without the pre-pass"
fi
if ((${#copy_rows[@]})); then
  echo
  printf '%-28s %10s %10s %12s\n' "standard library copies" wall_s cpu_s peak_MiB
  printf '%s\n' "${copy_rows[@]}"
fi

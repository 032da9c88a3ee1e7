#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan+UBSan, see fuzz/README.md; the build .ci/sanitize.sh shares) and runs them within one time budget,
# FUZZ_BUDGET_SECONDS (default 480) shared equally between the targets. Any finding fails the run: a crash, a sanitizer report, an uncaught
# exception or broken invariant (fuzz/fuzz_targets.hpp), an input slower than 10 s, or more than
# 2 GB of memory. The reproducer is written to fuzz/regressions/<target>/: commit it with the fix,
# and tests/fuzz_regression_test.cpp replays it in every build from then on.
set -euo pipefail
cd "$(dirname "$0")/.."
budget=${FUZZ_BUDGET_SECONDS:-480}
build=${SANITIZE_BUILD_DIR:-build-sanitize}

# The instrumented build .ci/sanitize.sh makes (nothing to compile when it ran first).
bash .ci/sanitizer-build.sh fuzz_targets
binaries=()
for binary in "$build"/fuzz/fuzz_*; do
  [ -f "$binary" ] && [ -x "$binary" ] && binaries+=("$binary")
done
if [ "${#binaries[@]}" -eq 0 ]; then
  echo "fuzz.sh: no fuzz targets were built" >&2
  exit 1
fi
seconds=$(( budget / ${#binaries[@]} ))
[ "$seconds" -ge 5 ] || seconds=5
echo "fuzz.sh: ${budget}s for ${#binaries[@]} targets: ${seconds}s each"

export ASAN_OPTIONS="halt_on_error=1:detect_leaks=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
failed=()
summary=()
for binary in "${binaries[@]}"; do
  target=${binary##*/fuzz_}
  work="fuzz/corpus-work/$target"  # new inputs found by this run (git-ignored)
  mkdir -p "$work" "fuzz/regressions/$target"
  seeds=("fuzz/corpus/$target" "fuzz/regressions/$target")
  case "$target" in  # real files as extra seeds (same list as targets() in fuzz/fuzz_targets.hpp)
    catalog_yaml) seeds+=(hardware-db models-db) ;;
    profile_yaml) [ -d profiles ] && seeds+=(profiles) ;;
    runs) seeds+=(tests/data/runs) ;;
    hf_config) seeds+=(tests/data/hf-configs) ;;
  esac
  options=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=16384 -print_final_stats=1
           -artifact_prefix="fuzz/regressions/$target/")
  [ -f "fuzz/$target.dict" ] && options+=(-dict="fuzz/$target.dict")
  log="$build/fuzz-$target.log"
  echo "+ fuzz_$target for ${seconds}s"
  if "$binary" "${options[@]}" "$work" "${seeds[@]}" >"$log" 2>&1; then
    result=ok
  else
    result=FINDING
    failed+=("$target")
    tail -n 60 "$log" >&2
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  summary+=("$(printf '%-14s %-8s %10s execs %8s execs/s' "$target" "$result" "${runs:-?}" "${rate:-?}")")
done
printf '%s\n' "${summary[@]}"
if [ "${#failed[@]}" -gt 0 ]; then
  echo "fuzz.sh: findings in ${failed[*]}; reproducers in fuzz/regressions/<target>/ (logs: $build/fuzz-*.log)" >&2
  exit 1
fi

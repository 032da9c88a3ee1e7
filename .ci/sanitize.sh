#!/usr/bin/env bash
# AddressSanitizer + UndefinedBehaviorSanitizer build of the library, the CLI and the whole test
# suite (-DLLMFIT_SANITIZE=ON, clang; .ci/sanitizer-build.sh), in its own build folder. Fails on a failing test and on any sanitizer
# report, including one from a CLI process a test started (reports go to files, checked at the end).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${SANITIZE_BUILD_DIR:-build-sanitize}
reports="$PWD/$build/sanitizer-reports"

# The instrumented build .ci/fuzz.sh shares (clang, ASan + UBSan): its fuzz targets are built here too, in the
# same parallel make, so the fuzz step only runs them.
bash .ci/sanitizer-build.sh llmfit_cli llmfit_tests fuzz_targets

rm -rf "$reports" && mkdir -p "$reports"
export ASAN_OPTIONS="halt_on_error=1:detect_leaks=1:strict_string_checks=1:check_initialization_order=1:log_path=$reports/asan"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_path=$reports/ubsan"
export LSAN_OPTIONS="log_path=$reports/lsan"
status=0
ctest --test-dir "$build" --output-on-failure -j2 || status=$?

if compgen -G "$reports/*" >/dev/null; then
  echo "sanitize.sh: sanitizer reports:" >&2
  for report in "$reports"/*; do
    echo "== $report" >&2
    cat "$report" >&2
  done
  exit 1
fi
if [ "$status" -ne 0 ]; then
  echo "sanitize.sh: tests failed under ASan+UBSan" >&2
  exit "$status"
fi
echo "sanitize.sh: all tests pass under ASan+UBSan, no sanitizer reports"

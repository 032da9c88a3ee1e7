#!/usr/bin/env bash
# AddressSanitizer + UndefinedBehaviorSanitizer build of the library, the CLI and the whole test
# suite (-DLLMFIT_SANITIZE=ON), in its own build folder. Fails on a failing test and on any sanitizer
# report, including one from a CLI process a test started (reports go to files, checked at the end).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${SANITIZE_BUILD_DIR:-build-sanitize}
reports="$PWD/$build/sanitizer-reports"

# -O1 keeps the build and the run quick with useful stack traces; only what the tests run is built.
cmake -S . -B "$build" -DLLMFIT_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" >/dev/null
cmake --build "$build" -j2 --target llmfit_cli llmfit_tests

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

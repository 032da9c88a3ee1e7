#!/usr/bin/env bash
# The one instrumented build CI makes, shared by .ci/sanitize.sh (the test suite) and .ci/fuzz.sh (the fuzz
# targets), so the code is compiled once for both: clang with ASan + UBSan, the library also instrumented for
# libFuzzer's coverage (fuzz/CMakeLists.txt). Builds the targets given as arguments in SANITIZE_BUILD_DIR
# (default build-sanitize); installs clang and its libFuzzer runtime when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${SANITIZE_BUILD_DIR:-build-sanitize}

# libFuzzer ships in Debian's clang runtime package (libclang-rt-14-dev), which a bare machine lacks.
fuzzer_links() {
  command -v clang++ >/dev/null &&
    printf 'extern "C" int LLVMFuzzerTestOneInput(const char*, unsigned long) { return 0; }\n' |
      clang++ -x c++ -fsanitize=fuzzer,address,undefined - -o /tmp/llmfit-fuzz-probe 2>/dev/null
}
if ! fuzzer_links; then
  echo "+ apt-get install clang libclang-rt-14-dev (ASan, UBSan, libFuzzer)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clang libclang-rt-14-dev >/dev/null
  fuzzer_links || { echo "sanitizer-build.sh: clang cannot link -fsanitize=fuzzer" >&2; exit 1; }
fi
rm -f /tmp/llmfit-fuzz-probe

# -O1 keeps the build and the runs quick; line tables are enough for the stack traces of a report. The library and
# the commands compile as unity files (a few sources per unit: about a third of their CPU time; the tests stay one
# unit per file, at -O1 too: tests/CMakeLists.txt).
CC=clang CXX=clang++ cmake -S . -B "$build" -DLLMFIT_SANITIZE=ON -DLLMFIT_FUZZ=ON -DLLMFIT_TESTS=ON \
  -DCMAKE_UNITY_BUILD=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only" \
  >/dev/null
cmake --build "$build" -j2 --target "$@"

// One libFuzzer binary per target: CMake compiles this file once per name in LLMFIT_FUZZ_TARGETS
// with LLMFIT_FUZZ_ENTRY set to that name (see fuzz_targets.hpp).
#include "fuzz_targets.hpp"

#ifndef LLMFIT_FUZZ_ENTRY
#error "compile with -DLLMFIT_FUZZ_ENTRY=<target name>"
#endif

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  llmfit::fuzz::LLMFIT_FUZZ_ENTRY(data, size);
  return 0;
}

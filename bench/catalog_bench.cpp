// Loading the catalogues: the compiled-in tables against parsing the same YAML with yaml-cpp.
#include <benchmark/benchmark.h>

#include <string>

#include "llmfit/io.hpp"
#include "llmfit/llmfit.hpp"
#include "llmfit/report.hpp"

namespace llmfit {
namespace {

// What every CLI run without --db pays once: the shipped entries plus their name index.
void BM_CatalogBuiltin(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(Catalog::make_builtin());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CatalogBuiltin)->Unit(benchmark::kMicrosecond);

// The same entries parsed from hardware-db/ and models-db/ (what the tables avoid at start-up).
void BM_CatalogShippedYaml(benchmark::State& state) {
  const std::string root = LLMFIT_SOURCE_DIR;
  for (auto _ : state) {
    benchmark::DoNotOptimize(load_catalog_path(root + "/hardware-db"));
    benchmark::DoNotOptimize(load_catalog_path(root + "/models-db"));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CatalogShippedYaml)->Unit(benchmark::kMillisecond);

// Name lookups: hardware, model with quantisation suffix, default host (the CLI's resolution step).
void BM_CatalogResolve(benchmark::State& state) {
  const Catalog& c = Catalog::builtin();
  for (auto _ : state) {
    const HardwareChoice hw = c.resolve_hardware("m2-max");
    benchmark::DoNotOptimize(hw);
    benchmark::DoNotOptimize(c.resolve_model("qwen3-coder-q4"));
    benchmark::DoNotOptimize(c.default_host(*c.find_hardware("rtx-4090")));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CatalogResolve);

}  // namespace
}  // namespace llmfit

// `scale --batch-sweep` to 1,024 concurrent users (issue 21): the batched-step model over the batch ladder, and
// the closed loop of serving users, as the command and `recommend --users` call them.
#include <benchmark/benchmark.h>

#include "llmfit/llmfit.hpp"

namespace llmfit {
namespace {

/// vLLM serving Qwen3.6-27B GPTQ 4-bit on an H200 with 4k-token contexts: room for a thousand users' KV caches,
/// so the sweep runs the whole ladder to 1,024.
Scenario serving_example() {
  const Catalog& c = Catalog::builtin();
  Scenario s;
  s.hardware = c.find_hardware("h200");
  s.model = c.find_model("qwen3.6-27b");
  s.quant = c.find_quant("gptq-4bit");
  s.backend = Backend::vllm;
  s.api = DeviceApi::cuda;
  s.context_tokens = 4096;
  s.prompt_tokens = 1024;
  return s;
}

const EfficiencyConstants& constants_for(const Scenario& s) {
  return shipped_efficiency_profile().lookup(s.backend, s.api, *s.hardware).constants;
}

void BM_BatchSweep_To1024(benchmark::State& state) {
  const Scenario s = serving_example();
  const EfficiencyConstants& k = constants_for(s);
  for (auto _ : state) {
    benchmark::DoNotOptimize(batch_sweep(s, k, 1024));
    benchmark::DoNotOptimize(largest_batch_that_fits(s, k));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_BatchSweep_To1024)->Unit(benchmark::kMicrosecond);

// Every batch from 1 to 1,024 as a closed loop of users (serve_closed_loop): the per-point cost of a dense sweep.
void BM_ServeClosedLoop_Every1To1024(benchmark::State& state) {
  Scenario s = serving_example();
  const EfficiencyConstants& k = constants_for(s);
  for (auto _ : state) {
    for (int users = 1; users <= 1024; ++users) {
      s.batch = users;
      benchmark::DoNotOptimize(serve_closed_loop(s, k, 1024));
    }
  }
  state.SetItemsProcessed(state.iterations() * 1024);
}
BENCHMARK(BM_ServeClosedLoop_Every1To1024)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace llmfit

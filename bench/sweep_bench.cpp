// The full sweep: every hardware × model × GGUF quantisation × 16 contexts.
#include <benchmark/benchmark.h>

#include <string>

#include "llmfit/io.hpp"
#include "llmfit/llmfit.hpp"
#include "llmfit/report.hpp"

namespace llmfit {
namespace {

const SweepPlan& full_plan() {
  static const SweepPlan plan = plan_sweep(Catalog::builtin(), shipped_efficiency_profile(), SweepOptions{});
  return plan;
}

// Items: points evaluated (contexts up to each model's maximum, of all hardware × model × quant × context).
void BM_Sweep(benchmark::State& state) {
  const SweepPlan& plan = full_plan();
  std::vector<SweepPoint> points(plan.size());  // preallocated once, reused
  const auto threads = static_cast<unsigned>(state.range(0));
  for (auto _ : state) {
    run_sweep(plan, points, threads);
    benchmark::ClobberMemory();
  }
  const auto evaluated = static_cast<std::int64_t>(evaluated_points(points));
  state.SetItemsProcessed(state.iterations() * evaluated);
  // A label, not counters: the CSV reporter bench/run reads needs the same columns in every row. It states the
  // sweep's size, which grows with the catalogues.
  state.SetLabel(std::to_string(plan.hardware.size()) + " hardware x " + std::to_string(plan.models.size()) +
                 " models x " + std::to_string(plan.quants.size()) + " quants x " +
                 std::to_string(plan.options.contexts.size()) + " contexts: " + std::to_string(evaluated) + " of " +
                 std::to_string(plan.size()) + " points evaluated");
}
BENCHMARK(BM_Sweep)
    ->ArgName("threads")
    ->Arg(1)
    ->Arg(2)
    ->UseRealTime()
    ->MeasureProcessCPUTime()  // CPU column: both threads
    ->Unit(benchmark::kMillisecond);

// Resolving the axes and preparing the terms of every (model, quantisation).
void BM_SweepPlan(benchmark::State& state) {
  for (auto _ : state)
    benchmark::DoNotOptimize(plan_sweep(Catalog::builtin(), shipped_efficiency_profile(), SweepOptions{}));
}
BENCHMARK(BM_SweepPlan)->Unit(benchmark::kMicrosecond);

// The CSV text of the full sweep (what `llmfit sweep` writes), into memory.
void BM_SweepCsv(benchmark::State& state) {
  const SweepPlan& plan = full_plan();
  const std::vector<SweepPoint> points = run_sweep(plan, 0);
  std::size_t bytes = 0;
  for (auto _ : state) {
    bytes = 0;
    write_sweep(plan, points, Format::csv, [&](std::string_view chunk) { bytes += chunk.size(); });
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes));
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(evaluated_points(points)));
}
BENCHMARK(BM_SweepCsv)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace llmfit

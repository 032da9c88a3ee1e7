// Calibration: fitting the efficiency constants to N synthetic measured runs (issue 8: 10,000 and
// 100,000 runs, target < 1 s for 100,000). The runs are random catalogue hardware × model × GGUF quant
// × depth × test on llama.cpp, whose "measured" speed is the library's own prediction with known
// constants times a small log-normal noise, so the fit has something real to recover.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "llmfit/calibrate.hpp"
#include "llmfit/io.hpp"
#include "llmfit/llmfit.hpp"
#include "llmfit/report.hpp"
#include "llmfit/runs.hpp"

namespace llmfit {
namespace {

/// The constants the synthetic runs were "measured" with (deliberately not the literature defaults).
EfficiencyConstants known_constants() {
  EfficiencyConstants k;
  k.weight_bandwidth_efficiency = 0.82;
  k.kv_bandwidth_efficiency = 0.7;
  k.layer_overhead_us = 12;
  k.token_overhead_us = 150;
  k.compute_efficiency = 0.55;
  k.attention_compute_efficiency = 0.3;
  k.prefill_layer_overhead_us = 60;
  return k;
}

struct SyntheticRuns {
  std::vector<MeasuredRun> runs;  // the cases point into this vector: it must not move
  std::vector<RunCase> cases;
};

/// N runs that resolve and fit on their device. Deterministic (fixed seed) so every repetition fits the
/// same data.
const SyntheticRuns& synthetic_runs(std::size_t n) {
  static std::vector<std::pair<std::size_t, SyntheticRuns>> made;
  for (const auto& [size, set] : made)
    if (size == n) return set;
  const Catalog& catalog = Catalog::builtin();
  std::vector<const HardwareSpec*> hardware;
  for (const auto& h : catalog.hardware())
    if (h.bandwidth_gb_s > 0 && h.fp16_tflops > 0 && !h.apis.empty()) hardware.push_back(&h);
  std::vector<const QuantSpec*> quants;
  for (const auto& q : catalog.quants())
    if (q.format == QuantFormat::gguf && backend_supports(Backend::llama_cpp, q)) quants.push_back(&q);
  const std::vector<ModelSpec>& models = catalog.models();
  constexpr std::int64_t kDepths[] = {0, 512, 4096, 16384};

  std::mt19937_64 rng(20261123);
  std::lognormal_distribution<double> noise(0.0, 0.03);  // 3 % measurement scatter
  SyntheticRuns& out = made.emplace_back(n, SyntheticRuns{}).second;
  std::vector<MeasuredRun>& runs = out.runs;
  runs.reserve(n);
  const EfficiencyConstants known = known_constants();
  // Draw in batches; keep what resolves and fits fully on the device (offloaded runs are not fitted).
  while (out.cases.size() < n) {
    std::vector<MeasuredRun> batch;
    const std::size_t wanted = n - out.cases.size();
    for (std::size_t i = 0; i < wanted; ++i) {
      const HardwareSpec& h = *hardware[rng() % hardware.size()];
      const ModelSpec& m = models[rng() % models.size()];
      MeasuredRun run;
      run.hardware_id = h.id;
      run.model_id = m.id;
      run.quant_id = quants[rng() % quants.size()]->id;
      run.api = h.apis.front();
      run.n_depth = std::min<std::int64_t>(kDepths[rng() % 4], m.max_context / 2);
      if (rng() % 2 == 0) {
        run.test = RunTest::decode;
        run.n_gen = 128;
      } else {
        run.test = RunTest::prefill;
        run.n_prompt = 512;
      }
      run.tok_s = 1;  // placeholder below every roofline; replaced by the "measurement" below
      run.file = "synthetic";
      batch.push_back(run);
    }
    const ResolvedRuns resolved = resolve_runs(batch, catalog);
    for (const RunCase& c : resolved.cases) {
      if (c.offloaded) continue;
      const double tok_s = predict_run_tok_s(c, known);
      if (!(tok_s > 0)) continue;
      runs.push_back(*c.run);
      runs.back().index = runs.size() - 1;
      runs.back().tok_s = tok_s * noise(rng);
    }
    out.cases.clear();
    out.cases = resolve_runs(runs, catalog).cases;  // re-resolved: the cases point into `runs`
    out.cases.erase(std::remove_if(out.cases.begin(), out.cases.end(), [](const RunCase& c) { return c.offloaded; }),
                    out.cases.end());
  }
  return out;
}

void run_calibration(benchmark::State& state, bool cross_validate, bool downdate = true) {
  const std::size_t n = static_cast<std::size_t>(state.range(0));
  const SyntheticRuns& data = synthetic_runs(n);
  CalibrationOptions options;
  options.cross_validate = cross_validate;
  options.downdate = downdate;
  CalibrationReport report;
  for (auto _ : state) {
    report = calibrate(data.cases, default_efficiency_profile(), options);
    benchmark::DoNotOptimize(report.profile);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(data.cases.size()));
  // How well the fit recovered the known constants: with 3 % noise the error after should be ~2-3 %.
  state.counters["runs"] = static_cast<double>(data.cases.size());
  state.counters["chips"] = report.hardware_count;  // cross-validation refits once per chip
  state.counters["decode_mape_after_pct"] = report.decode_after.mape_pct;
  state.counters["prefill_mape_after_pct"] = report.prefill_after.mape_pct;
  if (cross_validate) state.counters["decode_mape_cv_pct"] = report.decode_cv.mape_pct;
}

// The fit alone (robust weighted least squares over every group).
void BM_Calibrate(benchmark::State& state) { run_calibration(state, false); }
BENCHMARK(BM_Calibrate)->Arg(10000)->Arg(100000)->Unit(benchmark::kMillisecond);

// The fit plus leave-one-hardware-out cross-validation by downdating the normal equations (the default),
// plus the leave-one-model-out and leave-one-class-out passes the profile's uncertainty ranges need.
void BM_Calibrate_CrossValidated(benchmark::State& state) { run_calibration(state, true); }
BENCHMARK(BM_Calibrate_CrossValidated)->Arg(10000)->Arg(100000)->Unit(benchmark::kMillisecond);

// The same with every fold refitted from scratch (IRLS and backfitting per fold): what downdating replaces.
void BM_Calibrate_CrossValidated_Refit(benchmark::State& state) { run_calibration(state, true, false); }
BENCHMARK(BM_Calibrate_CrossValidated_Refit)->Arg(10000)->Unit(benchmark::kMillisecond);

/// Everything shipped: the runs of examples/runs/ read, resolved and calibrated as `llmfit calibrate
/// examples/runs/*.json` does (the fit and every cross-validation pass).
void BM_CalibrateShipped(benchmark::State& state) {
  const Catalog& catalog = Catalog::builtin();
  std::vector<std::string> paths;
  for (const char* name : {"llamacpp-15013-cuda.json", "llamacpp-4167-apple-silicon.json", "wave2-cpu-llamacpp.json",
                           "wave2-mlx-m3-ultra.json", "wave2-r9700-rocm-vulkan.json", "xiongjiedai-llama2-2023.json",
                           "xiongjiedai-llama3-2024.json"})
    paths.push_back(std::string(LLMFIT_SOURCE_DIR) + "/examples/runs/" + name);
  const bool read_each_time = state.range(0) != 0;
  RunSet set = load_runs_paths(paths, catalog, {});
  CalibrationReport report;
  for (auto _ : state) {
    if (read_each_time) set = load_runs_paths(paths, catalog, {});
    const ResolvedRuns resolved = resolve_runs(set.runs, catalog);
    report = calibrate(resolved.cases, default_efficiency_profile(), {});
    benchmark::DoNotOptimize(report.profile);
  }
  state.counters["runs"] = report.decode_runs + report.prefill_runs;
  state.counters["decode_loho_pct"] = report.decode_cv.mape_pct;
  state.counters["prefill_loho_pct"] = report.prefill_cv.mape_pct;
}
// Arg 1: reading the files included; 0: resolve and calibrate only.
BENCHMARK(BM_CalibrateShipped)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace llmfit

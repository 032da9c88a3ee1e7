// Single predictions: one hardware, model, quantisation and context.
#include <benchmark/benchmark.h>

#include <vector>

#include "llmfit/io.hpp"
#include "llmfit/llmfit.hpp"
#include "llmfit/report.hpp"

namespace llmfit {
namespace {

const EfficiencyConstants& constants_for(const Scenario& s) {
  return shipped_efficiency_profile().lookup(s.backend, s.api, *s.hardware).constants;
}

/// The CLI's example: Qwen3-Coder-30B-A3B Q4_K_M on an M2 Max at 8k context.
Scenario example() {
  const Catalog& c = Catalog::builtin();
  Scenario s;
  s.hardware = c.find_hardware("m2-max");
  s.model = c.find_model("qwen3-coder-30b-a3b");
  s.quant = c.find_quant("q4_k_m");
  s.api = DeviceApi::metal;
  s.context_tokens = 8192;
  return s;
}

/// Every hardware × model of the catalogue in Q4_K_M at 8k context: varied inputs, as a sweep sees them.
std::vector<Scenario> catalogue_scenarios() {
  const Catalog& c = Catalog::builtin();
  std::vector<Scenario> scenarios;
  for (const auto& h : c.hardware()) {
    for (const auto& m : c.models()) {
      Scenario s;
      s.hardware = &h;
      s.host = c.default_host(h);
      s.api = h.apis.front();
      s.model = &m;
      s.quant = c.find_quant("q4_k_m");
      s.context_tokens = std::min<std::int64_t>(8192, m.max_context);
      scenarios.push_back(s);
    }
  }
  return scenarios;
}

// fit + decode + prefill of one scenario (the unit of the 5 million per second per core target).
void BM_Predict_OneScenario(benchmark::State& state) {
  const Scenario s = example();
  const EfficiencyConstants& k = constants_for(s);
  for (auto _ : state) benchmark::DoNotOptimize(predict(s, k));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Predict_OneScenario);

// The same over every hardware × model in turn (caches and branch predictors see varied inputs).
void BM_Predict_Catalogue(benchmark::State& state) {
  const std::vector<Scenario> scenarios = catalogue_scenarios();
  std::vector<const EfficiencyConstants*> constants;
  for (const auto& s : scenarios) constants.push_back(&constants_for(s));
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(predict(scenarios[i], *constants[i]));
    if (++i == scenarios.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Predict_Catalogue);

// With the (model, quantisation) terms prepared once, as a sweep does.
void BM_Predict_CataloguePreparedTerms(benchmark::State& state) {
  const std::vector<Scenario> scenarios = catalogue_scenarios();
  std::vector<const EfficiencyConstants*> constants;
  std::vector<ModelQuantTerms> terms;
  for (const auto& s : scenarios) {
    constants.push_back(&constants_for(s));
    terms.push_back(prepare_model_quant(*s.model, *s.quant));
  }
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(predict(scenarios[i], *constants[i], terms[i]));
    if (++i == scenarios.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Predict_CataloguePreparedTerms);

// fit + decode + prefill + the context curve (what the answer card shows).
void BM_Predict_WithContextCurve(benchmark::State& state) {
  const Scenario s = example();
  const EfficiencyConstants& k = constants_for(s);
  for (auto _ : state) {
    benchmark::DoNotOptimize(predict(s, k));
    benchmark::DoNotOptimize(context_scaling(s, k));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Predict_WithContextCurve);

// The whole answer from names: resolve, predict, context curve, card text (the CLI minus process start).
void BM_AnswerCard(benchmark::State& state) {
  Query q;
  q.hardware = "m2-max";
  q.model = "qwen3-coder-q4";
  for (auto _ : state) {
    const Answer a = answer_query(Catalog::builtin(), q, shipped_efficiency_profile());
    benchmark::DoNotOptimize(render_answer(a, Format::text));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_AnswerCard);

}  // namespace
}  // namespace llmfit

// The engine rules (engines.hpp) are the only copy: every place that picks an engine, a device API or
// the quantisations a chip can run agrees with them, over the whole catalogue.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "cli_support.hpp"
#include "llmfit/llmfit.hpp"

namespace llmfit {
namespace {

const Catalog& cat() { return Catalog::builtin(); }
const EfficiencyProfile& prof() { return shipped_efficiency_profile(); }

// resolve_query runs exactly the (hardware, quantisation) pairs the default engine can run, with that
// engine and its default device API; the others are refused.
TEST(Engines, ResolveQueryFollowsTheRulesForEveryChipAndQuantisation) {
  const ModelSpec& model = *cat().find_model("qwen3-8b");
  int resolved = 0;
  int refused = 0;
  for (const HardwareSpec& hw : cat().hardware()) {
    for (const QuantSpec& quant : cat().quants()) {
      Query query;
      query.hardware = hw.id;
      query.model = model.id + "-" + quant.id;
      const Backend engine = default_backend(quant, hw);
      if (!backend_can_run(engine, quant, hw)) {
        EXPECT_THROW((void)resolve_query(cat(), query, prof()), InputError) << query.hardware << " " << query.model;
        ++refused;
        continue;
      }
      const ResolvedQuery r = resolve_query(cat(), query, prof());
      EXPECT_EQ(r.scenario.backend, engine) << query.hardware << " " << query.model;
      EXPECT_EQ(r.scenario.api, default_api(engine, hw)) << query.hardware << " " << query.model;
      ++resolved;
    }
  }
  EXPECT_GT(resolved, 1000);
  EXPECT_GT(refused, 100);
}

// fit tries, per chip, the quantisations whose default engine runs there (MXFP4 only for models released in
// it) and predicts each with the engine resolve_query would give it.
TEST(Engines, FitSearchTriesWhatTheEnginesRun) {
  for (const char* id : {"rtx-4090", "m2-max", "ddr5-5600-dual", "ryzen-ai-max-395", "mi300x"}) {
    const HardwareSpec& hw = *cat().find_hardware(id);
    FitSearchOptions options;
    options.base.hardware = id;
    options.model_ids = {"qwen3-8b"};
    const FitSearchResult result = fit_search(cat(), options, prof());
    std::set<std::string> tried;
    for (const auto* list : {&result.models, &result.rejected})
      for (const ModelFit& f : *list)
        for (const QuantCandidate& c : f.candidates) {
          tried.insert(c.quant->id);
          EXPECT_EQ(c.backend, default_backend(*c.quant, hw)) << id << " " << c.quant->id;
        }
    for (const QuantSpec& quant : cat().quants()) {
      const bool expected = quant.kernel != QuantKernel::mxfp4 && backend_can_run(default_backend(quant, hw), quant, hw);
      EXPECT_EQ(tried.count(quant.id) == 1, expected) << id << " " << quant.id;
    }
  }
}

// The sweep gives each chip the device API and constants a command-line answer gets with that engine.
TEST(Engines, SweepSetsUpEachChipAsResolveQueryDoes) {
  for (Backend backend : {Backend::llama_cpp, Backend::mlx, Backend::vllm}) {
    SweepOptions options;
    options.backend = backend;
    options.contexts = {4096};
    const SweepPlan plan = plan_sweep(cat(), prof(), options);
    ASSERT_FALSE(plan.hardware.empty());
    for (std::size_t h = 0; h < plan.hardware.size(); ++h) {
      const HardwareSpec& hw = *plan.hardware[h];
      EXPECT_TRUE(backend_runs_on(backend, hw)) << hw.id;
      Query query;
      query.hardware = hw.id;
      query.model = "qwen3-8b-" + plan.quants.front()->id;
      query.backend = std::string(to_string(backend));
      const ResolvedQuery r = resolve_query(cat(), query, prof());
      EXPECT_EQ(plan.setups[h].api, r.scenario.api) << hw.id;
      EXPECT_EQ(plan.setups[h].host, r.scenario.host) << hw.id;
      EXPECT_EQ(plan.setups[h].constants, &r.efficiency->constants) << hw.id;
    }
    for (const HardwareSpec& hw : cat().hardware()) {
      if (!backend_runs_on(backend, hw)) {
        EXPECT_EQ(std::count(plan.hardware.begin(), plan.hardware.end(), &hw), 0) << hw.id;
      }
    }
  }
}

// A named engine that cannot run on the chip is refused with one message, whichever command asks.
TEST(Engines, AnEngineThatCannotRunHereIsRefusedAlike) {
  Query query;
  query.hardware = "rtx-4090";
  query.model = "qwen3-8b-mlx-4bit";  // weights mlx loads, on a chip it does not run on
  query.backend = "mlx";
  std::string answer_error;
  try {
    (void)resolve_query(cat(), query, prof());
  } catch (const InputError& e) {
    answer_error = e.message();
  }
  ASSERT_FALSE(answer_error.empty());
  FitSearchOptions options;
  options.base = query;
  try {
    (void)fit_search(cat(), options, prof());
    ADD_FAILURE() << "fit_search ran mlx on an RTX 4090";
  } catch (const InputError& e) {
    EXPECT_EQ(e.message(), answer_error);
  }
}

// The command line: the same bad or impossible engine gets the same one-line error from every command.
TEST(Engines, EveryCommandRefusesAnEngineTheSameWay) {
  for (const char* backend : {"foo", "mlx"}) {
    std::set<std::string> errors;
    for (const std::string& command :
         {std::string("--hw rtx-4090 --model llama-3.1-8b-mlx4"), std::string("fit --hw rtx-4090"),
          std::string("compare --hw rtx-4090 --model llama-3.1-8b-mlx4"),
          std::string("scale --hw rtx-4090 --model llama-3.1-8b-mlx4"),
          std::string("cost --hw rtx-4090 --model llama-3.1-8b-mlx4"),
          std::string("check --hw rtx-4090 --model llama-3.1-8b-mlx4 --claimed-tok-s 100")}) {
      const auto run = test::run_cli(command + " --backend " + backend);
      EXPECT_EQ(run.exit_code, 2) << command << ": " << run.err;
      errors.insert(run.err);
    }
    if (std::string(backend) == "foo") {
      const auto sweep = test::run_cli("sweep --backend foo");
      EXPECT_EQ(sweep.exit_code, 2);
      errors.insert(sweep.err);
    }
    EXPECT_EQ(errors.size(), 1u) << backend << ": " << *errors.begin() << " / " << *errors.rbegin();
  }
}

}  // namespace
}  // namespace llmfit

// The engine rules (engines.hpp) are the only copy: every place that picks an engine, a device API or
// the quantisations a chip can run agrees with them, over the whole catalogue.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

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

// fit tries, per chip, the quantisations whose default engine runs there (MXFP4 and ternary only for models
// released in them, expert-only mixes only for MoE models) and predicts each with the engine resolve_query
// would give it.
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
      const bool released_only = quant.kernel == QuantKernel::mxfp4 || quant.kernel == QuantKernel::ternary;
      const bool moe_only = quant.expert_bits() < quant.bits_per_weight;  // qwen3-8b is dense
      const bool expected =
          !released_only && !moe_only && backend_can_run(default_backend(quant, hw), quant, hw);
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

/// The catalogue's GGUF build of a safetensors release (same kernel family), or null.
const QuantSpec* gguf_build_of(const QuantSpec& release) {
  if (release.format == QuantFormat::gguf) return nullptr;
  for (const QuantSpec& q : cat().quants())
    if (q.format == QuantFormat::gguf && q.kernel == release.kernel) return &q;
  return nullptr;
}

// The default engine never needs what it cannot do, over every machine, every model in its own
// quantisation, one and several sequences, and one to four cards: it runs on the machine and drives its
// device API, splits the model over the cards, and holds the model without offload when it cannot offload.
// GGUF weights run in llama.cpp; a safetensors release with a GGUF build runs in vLLM only when several
// sequences are served and the release fits, else its GGUF build in llama.cpp.
TEST(Engines, TheDefaultEngineNeverNeedsACapabilityItLacks) {
  int resolved = 0;
  int vllm = 0;
  int gave_way = 0;
  for (const HardwareSpec& hw : cat().hardware()) {
    const std::vector<int> counts = hw.kind == HardwareKind::gpu ? std::vector<int>{1, 2, 3, 4} : std::vector<int>{1};
    for (const ModelSpec& model : cat().models()) {
      const QuantSpec& release = *cat().find_quant(model.default_quant);
      const QuantSpec* build = gguf_build_of(release);
      for (int batch : {1, 4}) {
        for (int count : counts) {
          Query query;
          query.hardware = count > 1 ? hw.id + ":" + std::to_string(count) : hw.id;
          query.model = model.id;
          query.batch = batch;
          const std::string what = query.hardware + " " + model.id + " batch " + std::to_string(batch);
          ResolvedQuery r;
          try {
            r = resolve_query(cat(), query, prof());
          } catch (const InputError& e) {
            // Only a safetensors default with no GGUF build can find no engine here.
            EXPECT_TRUE(release.format == QuantFormat::safetensors && build == nullptr) << what << ": " << e.what();
            continue;
          }
          ++resolved;
          const Scenario& s = r.scenario;
          EXPECT_TRUE(backend_can_run(s.backend, *s.quant, hw)) << what;
          EXPECT_TRUE(backend_drives(s.backend, s.api)) << what;
          EXPECT_EQ(multi_device_problem(s.backend, model, count), "") << what;
          if (!backend_offloads(s.backend)) {
            EXPECT_FALSE(s.allow_offload) << what;
            EXPECT_NE(predict(s, r.efficiency->constants).fit.verdict, FitVerdict::partial_offload) << what;
          }
          if (release.format == QuantFormat::gguf) {
            EXPECT_EQ(s.backend, Backend::llama_cpp) << what;
          }
          if (build != nullptr) {
            if (s.backend == Backend::vllm) {
              ++vllm;
              EXPECT_GT(batch, 1) << what;
              EXPECT_EQ(s.quant, &release) << what;
              EXPECT_TRUE(fit_memory(s, r.efficiency->constants).fits) << what;
            } else {
              EXPECT_EQ(s.backend, Backend::llama_cpp) << what;
              EXPECT_EQ(s.quant, build) << what;
              gave_way += batch > 1 && backend_runs_on(Backend::vllm, hw);
            }
          }
          bool says_why = false;
          for (const std::string& note : r.assumptions) says_why |= note.rfind("backend ", 0) == 0;
          EXPECT_TRUE(says_why) << what;
        }
      }
    }
  }
  EXPECT_GT(resolved, 10000);
  EXPECT_GT(vllm, 0);      // several users on a GPU that holds the release: vLLM
  EXPECT_GT(gave_way, 0);  // several users where vLLM would need offload or cannot split: llama.cpp
}

// vLLM splits a model over the GPUs of one box by tensor parallelism: every such configuration llmfit
// answers for divides the attention heads (and the KV heads, or is divided by them) over the GPUs, and
// the others are refused naming the rule, over every GPU vLLM runs on, every model and 2-8 cards.
TEST(Engines, VllmSplitsOverGpusOnlyWhenTheHeadsDivide) {
  int answered = 0;
  int refused = 0;
  for (const HardwareSpec& hw : cat().hardware()) {
    if (hw.kind != HardwareKind::gpu || !backend_runs_on(Backend::vllm, hw)) continue;
    for (const ModelSpec& model : cat().models()) {
      for (int count = 2; count <= 8; ++count) {
        Query query;
        query.hardware = hw.id + ":" + std::to_string(count);
        query.model = model.id + "-awq-4bit";
        query.backend = "vllm";
        // vllm/model_executor/layers/linear.py QKVParallelLinear: divide(heads, tp); KV heads divided by tp, or
        // replicated when tp is a multiple of them.
        const int kv = model.kv_heads;
        const bool splits = model.attention_heads % count == 0 && (count >= kv ? count % kv == 0 : kv % count == 0);
        if (splits) {
          EXPECT_NO_THROW((void)resolve_query(cat(), query, prof())) << query.hardware << " " << model.id;
          ++answered;
        } else {
          try {
            (void)resolve_query(cat(), query, prof());
            ADD_FAILURE() << query.hardware << " " << model.id << ": answered";
          } catch (const InputError& e) {
            EXPECT_NE(std::string(e.what()).find("tensor parallelism"), std::string::npos) << e.what();
          }
          ++refused;
        }
      }
      // llama.cpp splits by layers: any number of cards.
      Query layers;
      layers.hardware = hw.id + ":3";
      layers.model = model.id + "-q4_k_m";
      EXPECT_NO_THROW((void)resolve_query(cat(), layers, prof())) << layers.hardware << " " << model.id;
    }
  }
  EXPECT_GT(answered, 100);
  EXPECT_GT(refused, 100);
}

// A device API the engine does not drive is refused, named or not.
TEST(Engines, AnEngineOnlyDrivesItsDeviceApis) {
  Query query;
  query.hardware = "rtx-4090";
  query.model = "llama-3.1-8b-awq-4bit";
  query.api = "vulkan";
  EXPECT_THROW((void)resolve_query(cat(), query, prof()), InputError);  // vLLM on Vulkan
  query.model = "llama-3.1-8b-q4_k_m";
  EXPECT_EQ(resolve_query(cat(), query, prof()).scenario.api, DeviceApi::vulkan);  // llama.cpp on Vulkan
  // Several users of gpt-oss on Vulkan: vLLM does not drive it, so its GGUF build in llama.cpp.
  query.model = "gpt-oss-20b";
  query.batch = 4;
  const ResolvedQuery r = resolve_query(cat(), query, prof());
  EXPECT_EQ(r.scenario.backend, Backend::llama_cpp);
  EXPECT_EQ(r.scenario.quant->id, "mxfp4_moe");
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

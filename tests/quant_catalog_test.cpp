// The shipped quantisation catalogue against the formats' block layouts (ggml-common.h block structs, MLX
// and OCP/NVIDIA microscaling groups), the engine x format x hardware rule, and issue 19's DeepSeek-R1 at
// 1.58 bits on a 192 GB M2 Ultra.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "llmfit/llmfit.hpp"
#include "probe_catalogue.hpp"

namespace llmfit {
namespace {

const Catalog& cat() { return Catalog::builtin(); }
const EfficiencyProfile& prof() { return shipped_efficiency_profile(); }

constexpr double kRounding = 0.005;  // catalogue bits are rounded to 2-3 decimals
constexpr double kMaxMixRaise = 1.0; // llama.cpp's and MLX's mixes raise the layers by well under a bit

// The lowest bits any layer weight is stored in: the routed experts when a mix keeps them below the rest.
double lowest_layer_bits(const QuantSpec& q) { return std::min(q.bits_per_weight, q.expert_bits()); }

// Property: every GGUF and MLX format states its block layout, and every stated layout bounds the bits:
// never below the block (a mix only raises tensors), at most a bit above it, and exactly the block for a
// format with no mix (embedding, output and experts all stored like the layers).
TEST(QuantCatalogue, BitsPerWeightFollowsTheBlockLayout) {
  std::size_t with_block = 0;
  for (const QuantSpec& q : cat().quants()) {
    if (q.format != QuantFormat::safetensors) {
      EXPECT_GT(q.block_weights, 0) << q.id << ": no block layout";
    }
    const double block = q.block_bits_per_weight();
    if (block == 0) continue;
    ++with_block;
    const double lowest = lowest_layer_bits(q);
    EXPECT_GE(lowest, block - kRounding) << q.id << ": below its block " << q.block_bytes << "/" << q.block_weights;
    EXPECT_LE(lowest, block + kMaxMixRaise) << q.id << ": more than a bit above its block";
    const bool unmixed = q.embedding_bits() == q.bits_per_weight && q.output_bits() == q.bits_per_weight &&
                         q.expert_bits() == q.bits_per_weight;
    if (unmixed) {
      EXPECT_NEAR(q.bits_per_weight, block, kRounding) << q.id << ": an unmixed format is its block";
    }
  }
  EXPECT_GE(with_block, 50u);
}

// validate() enforces the same floor and the pairing, so a typo in a catalogue file is refused on load.
TEST(QuantCatalogue, ValidateRefusesBitsBelowTheBlockAndHalfALayout) {
  for (const QuantSpec& shipped : cat().quants()) {
    if (shipped.block_bits_per_weight() == 0) continue;
    EXPECT_EQ(validate(shipped), "") << shipped.id;
    QuantSpec below = shipped;
    below.bits_per_weight = below.expert_bits_per_weight = shipped.block_bits_per_weight() - 0.1;
    if (below.bits_per_weight >= 1) {
      EXPECT_EQ(validate(below).rfind("bits_per_weight: ", 0), 0u) << validate(below);
    }
    QuantSpec lone = shipped;
    lone.block_weights = 0;
    EXPECT_EQ(validate(lone), "block_weights: must be given with block_bytes") << shipped.id;
  }
}

struct Layout {
  const char* id;
  int bytes;
  int weights;
  double bits;
};

// Spot checks against the block structs (ggml/src/ggml-common.h) and the microscaling specs; a typo in the
// catalogue or in this table fails here.
constexpr Layout kLayouts[] = {
    {"q4_1", 20, 32, 5.0},          // fp16 d, fp16 m, 16 B nibbles
    {"q5_0", 22, 32, 5.5},          // fp16 d, 4 B qh, 16 B nibbles
    {"q5_1", 24, 32, 6.0},          // fp16 d, fp16 m, 4 B qh, 16 B nibbles
    {"q3_k_s", 110, 256, 3.4375},   // block_q3_K
    {"iq1_s", 50, 256, 1.5625},     // fp16 d, 32 B qs, 8 x uint16 qh
    {"iq1_m", 56, 256, 1.75},       // 32 B qs, 16 B qh, 8 B scales
    {"iq2_xxs", 66, 256, 2.0625},   // fp16 d, 32 x uint16 qs
    {"iq2_xs", 74, 256, 2.3125},    // + 8 B scales
    {"iq2_m", 82, 256, 2.5625},     // IQ2_M file type stores block_iq2_s
    {"iq3_xxs", 98, 256, 3.0625},   // fp16 d, 96 B
    {"iq3_s", 110, 256, 3.4375},    // fp16 d, 64 B qs, 8 B qh, 32 B signs, 4 B scales
    {"iq4_nl", 18, 32, 4.5},        // fp16 d, 16 B indices
    {"tq1_0", 54, 256, 1.6875},     // 48 B base-3 trits, 4 B, fp16 d
    {"tq2_0", 66, 256, 2.0625},     // 64 B 2-bit trits, fp16 d
    {"mxfp4", 17, 32, 4.25},        // OCP MX: E8M0 scale + 32 E2M1
    {"mlx-mxfp4", 17, 32, 4.25},    // mx.quantize mode mxfp4
    {"nvfp4", 9, 16, 4.5},          // 16 E2M1 + FP8 E4M3 scale
    {"mlx-2bit", 20, 64, 2.5},      // 16 B + fp16 scale + fp16 bias
    {"mlx-5bit", 44, 64, 5.5},      // 40 B + fp16 scale + fp16 bias
    {"int4-w4a16", 66, 128, 4.125}, // 64 B + 16-bit scale, symmetric
    {"gptq-3bit", 403, 1024, 3.1484375},
    {"gptq-8bit", 131, 128, 8.1875},
};

TEST(QuantCatalogue, BlockLayoutsMatchTheFormatSpecifications) {
  for (const Layout& l : kLayouts) {
    const QuantSpec* q = cat().find_quant(l.id);
    ASSERT_NE(q, nullptr) << l.id;
    EXPECT_EQ(q->block_bytes, l.bytes) << l.id;
    EXPECT_EQ(q->block_weights, l.weights) << l.id;
    EXPECT_DOUBLE_EQ(q->block_bits_per_weight(), l.bits) << l.id;
  }
}

// The engine rule (engines.cpp, backend_can_run) is the one place formats meet hardware: NVFP4 needs CUDA,
// the ternary TQ types a CPU host under llama.cpp, over the whole hardware catalogue.
TEST(QuantCatalogue, FormatsRunOnlyWhereTheirKernelsExist) {
  const QuantSpec& nvfp4 = *cat().find_quant("nvfp4");
  const QuantSpec& tq2 = *cat().find_quant("tq2_0");
  int nvfp4_hosts = 0;
  int ternary_hosts = 0;
  for (const HardwareSpec& hw : cat().hardware()) {
    const bool cuda = std::find(hw.apis.begin(), hw.apis.end(), DeviceApi::cuda) != hw.apis.end();
    EXPECT_EQ(backend_can_run(Backend::vllm, nvfp4, hw), cuda && backend_runs_on(Backend::vllm, hw)) << hw.id;
    EXPECT_FALSE(backend_can_run(Backend::transformers, nvfp4, hw)) << hw.id;
    EXPECT_EQ(backend_can_run(Backend::llama_cpp, tq2, hw), hw.kind == HardwareKind::cpu) << hw.id;
    for (Backend other : {Backend::ollama, Backend::vllm, Backend::mlx, Backend::transformers})
      EXPECT_FALSE(backend_can_run(other, tq2, hw)) << hw.id;
    nvfp4_hosts += backend_can_run(Backend::vllm, nvfp4, hw) ? 1 : 0;
    ternary_hosts += backend_can_run(Backend::llama_cpp, tq2, hw) ? 1 : 0;
  }
  EXPECT_GT(nvfp4_hosts, 10);
  EXPECT_GT(ternary_hosts, 5);
}

// One rule, one place: predict (resolve_query), fit (fit_search) and sweep (run_sweep) agree with
// backend_can_run on which formats each engine runs on each chip, over the probe chips, every quantisation and
// every engine that loads it and runs there. A MoE probe model, so the expert-only mixes apply.
TEST(QuantCatalogue, EveryCommandAgreesWhichFormatsAChipRuns) {
  const Catalog& probes = test::probe_catalogue();
  const std::string model = "qwen3-30b-a3b";
  int refused = 0;
  int run = 0;
  for (Backend backend : {Backend::llama_cpp, Backend::vllm, Backend::mlx}) {
    SweepOptions sweep_options;
    sweep_options.backend = backend;
    sweep_options.contexts = {512};
    const SweepPlan plan = plan_sweep(probes, prof(), sweep_options);
    const std::vector<SweepPoint> points = run_sweep(plan, 1);
    const auto model_at = static_cast<std::size_t>(
        std::find_if(plan.models.begin(), plan.models.end(), [&](const ModelSpec* m) { return m->id == model; }) -
        plan.models.begin());
    ASSERT_LT(model_at, plan.models.size());
    for (std::size_t h = 0; h < plan.hardware.size(); ++h) {
      const HardwareSpec& hw = *plan.hardware[h];
      if (!test::is_probe(hw)) continue;
      FitSearchOptions fit_options;
      fit_options.base.hardware = hw.id;
      fit_options.base.backend = std::string(to_string(backend));
      fit_options.model_ids = {model};
      fit_options.max_ppl_increase_pct = 1000;
      const FitSearchResult fit = fit_search(probes, fit_options, prof());
      auto fit_tried = [&](const QuantSpec& q) {
        for (const auto* list : {&fit.models, &fit.rejected})
          for (const ModelFit& f : *list)
            for (const QuantCandidate& c : f.candidates)
              if (c.quant->id == q.id) return true;
        return false;
      };
      for (std::size_t q = 0; q < plan.quants.size(); ++q) {
        const QuantSpec& quant = *plan.quants[q];
        const bool can = backend_can_run(backend, quant, hw);
        const std::string what = fmt::format("{} {} on {}", to_string(backend), quant.id, hw.id);
        EXPECT_EQ(points[plan.index(h, model_at, q, 0)].evaluated, can) << "sweep: " << what;
        Query query;
        query.hardware = hw.id;
        query.model = model + "-" + quant.id;
        query.backend = std::string(to_string(backend));
        bool predicted = true;
        try {
          (void)resolve_query(probes, query, prof());
        } catch (const InputError&) {
          predicted = false;
        }
        EXPECT_EQ(predicted, can) << "predict: " << what;
        // fit also leaves out formats only a model released in them uses (MXFP4, ternary).
        const bool model_rule = quant.kernel == QuantKernel::mxfp4 || quant.kernel == QuantKernel::ternary;
        EXPECT_EQ(fit_tried(quant), can && !model_rule) << "fit: " << what;
        (can ? run : refused) += 1;
      }
    }
  }
  EXPECT_GT(refused, 20);  // NVFP4 off CUDA, TQ on GPUs: the rule bites on the probes
  EXPECT_GT(run, 200);
}

// Issue 19: a tie in the quality figure breaks before speed, toward the format keeping the always-read layers at
// more bits (Unsloth's UD mixes borrow the plain quant's figure as an upper bound): DeepSeek-R1 on a 192 GB M2
// Ultra gets UD-IQ1_S, not the faster plain IQ1_S. A figure of 0 is a true tie: F32 never beats F16.
TEST(QuantCatalogue, QualityTiesBreakTowardTheMixKeepingMoreBits) {
  FitSearchOptions options;
  options.base.hardware = "m2-ultra@192";
  options.model_ids = {"deepseek-r1"};
  options.max_ppl_increase_pct = 1000;
  const FitSearchResult result = fit_search(cat(), options, prof());
  ASSERT_EQ(result.models.size(), 1u);
  const ModelFit& r1 = result.models.front();
  ASSERT_TRUE(r1.best.has_value());
  EXPECT_EQ(r1.best_candidate().quant->id, "ud-iq1_s");
  bool plain_fits_and_is_faster = false;
  for (const QuantCandidate& c : r1.candidates)
    if (c.quant->id == "iq1_s")
      plain_fits_and_is_faster = c.qualifies() && c.prediction.decode_tok_s > r1.best_candidate().prediction.decode_tok_s;
  EXPECT_TRUE(plain_fits_and_is_faster);  // so the tie, not speed, decided

  // The rule over every pair of shipped quantisations on one model: it never points both ways, never lets
  // a lossless format give way, and crosses neither file formats nor kernel families.
  FitSearchOptions all;
  all.base.hardware = "h100-sxm:8";
  all.model_ids = {"qwen3-30b-a3b"};
  all.max_ppl_increase_pct = 1000;
  const FitSearchResult wide = fit_search(cat(), all, prof());
  ASSERT_EQ(wide.models.size(), 1u);
  int ties = 0;
  for (const QuantCandidate& a : wide.models.front().candidates)
    for (const QuantCandidate& b : wide.models.front().candidates) {
      if (!quality_tie_gives_way(a, b)) continue;
      ++ties;
      EXPECT_FALSE(quality_tie_gives_way(b, a)) << a.quant->id << " " << b.quant->id;
      EXPECT_GT(a.quant->quality_ppl_increase_pct, 0) << a.quant->id;
      EXPECT_EQ(a.quant->format, b.quant->format) << a.quant->id << " " << b.quant->id;
      EXPECT_EQ(a.quant->kernel, b.quant->kernel) << a.quant->id << " " << b.quant->id;
    }
  EXPECT_GE(ties, 2);  // IQ1_S → UD-IQ1_S, Q2_K → UD-Q2_K_XL (and MLX 2-bit → mixed 2/6 on Apple only)
}

Prediction predict_on(const std::string& hardware, double memory_gib, const std::string& model) {
  Query query;
  query.hardware = hardware;
  query.memory_gib = memory_gib;
  query.model = model;
  const ResolvedQuery r = resolve_query(cat(), query, prof());
  return predict(r.scenario, r.efficiency->constants);
}

// Issue 19: DeepSeek-R1 at 1.58 bits (Unsloth's UD-IQ1_S, 140,231,438,464 bytes) fits a 192 GB M2 Ultra
// under macOS's 75 % GPU working set (144 GiB), and not a 128 GB one (96 GiB).
TEST(QuantCatalogue, DeepSeekR1At158BitsFitsA192GbM2Ultra) {
  const QuantSpec& ud = *cat().find_quant("ud-iq1_s");
  const WeightBytes w = weight_bytes(*cat().find_model("deepseek-r1"), ud);
  EXPECT_NEAR(w.stored / 140'231'438'464.0, 1.0, 0.01) << w.stored;

  const Prediction big = predict_on("m2-ultra", 192, "deepseek-r1-ud-iq1_s");
  EXPECT_EQ(big.fit.verdict, FitVerdict::fits);
  EXPECT_TRUE(big.fit.fits);
  EXPECT_GT(big.decode_tok_s, 0);
  const Prediction small = predict_on("m2-ultra", 128, "deepseek-r1-ud-iq1_s");
  EXPECT_FALSE(small.fit.fits);
}

// The expert-only mixes are offered for MoE models only, the ternary types only for models released ternary.
TEST(QuantCatalogue, FitOffersMoeMixesToMoeModelsAndTernaryToNone) {
  for (const char* model : {"qwen3-8b", "deepseek-r1"}) {
    FitSearchOptions options;
    options.base.hardware = "ddr5-5600-dual";
    options.model_ids = {model};
    const FitSearchResult result = fit_search(cat(), options, prof());
    bool ud_tried = false;
    for (const auto* list : {&result.models, &result.rejected})
      for (const ModelFit& f : *list)
        for (const QuantCandidate& c : f.candidates) {
          EXPECT_NE(c.quant->kernel, QuantKernel::ternary) << model;
          ud_tried = ud_tried || c.quant->id == "ud-iq1_s";
        }
    EXPECT_EQ(ud_tried, std::string(model) == "deepseek-r1") << model;
  }
}

}  // namespace
}  // namespace llmfit

// Properties of the performance model over the shipped catalogue: every hardware entry and every model (each
// with the probes of the other axis, probe_catalogue.hpp) × every quant an engine can load, resolved by name exactly
// as the CLI does (resolve_query picks the backend).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "llmfit/io.hpp"
#include "llmfit/llmfit.hpp"
#include "llmfit/report.hpp"
#include "probe_catalogue.hpp"

namespace llmfit {
namespace {

struct Case {
  Scenario scenario;
  const EfficiencyConstants* constants = nullptr;
  [[nodiscard]] std::string name() const {
    return scenario.hardware->id + " x " + scenario.model->id + "-" + scenario.quant->id + " (" +
           std::string(to_string(scenario.backend)) + ")";
  }
};

struct Sweep {
  std::vector<Case> cases;
  std::size_t combinations = 0;  // hardware × model × quant pairs swept
  std::size_t refused = 0;       // no engine for this format on this chip (MLX off Apple; vLLM on Apple or a CPU)
  std::vector<std::string> misresolved;
};

// Bounded as the catalogues grow (issue 19): every hardware entry meets the probe models and every model the
// probe chips (probe_catalogue.hpp), with every quantisation; the work grows with hardware + models.
bool probed(const HardwareSpec& hw, const ModelSpec& model) { return test::is_probe(hw) || test::is_probe(model); }

/// Every probed combination resolved once (the resolution is the slow part), shared by the properties.
const Sweep& sweep() {
  static const Sweep all = [] {
    Sweep s;
    const Catalog& catalog = Catalog::builtin();
    const EfficiencyProfile& profile = shipped_efficiency_profile();
    for (const auto& hw : catalog.hardware()) {
      for (const auto& model : catalog.models()) {
        if (!probed(hw, model)) continue;
        for (const auto& quant : catalog.quants()) {
          ++s.combinations;
          Query query;
          query.hardware = hw.id;
          query.model = model.id + "-" + quant.id;
          try {
            const ResolvedQuery resolved = resolve_query(catalog, query, profile);
            if (resolved.scenario.model != &model || resolved.scenario.quant != &quant)
              s.misresolved.push_back(query.model);
            if (!backend_supports(resolved.scenario.backend, quant)) s.misresolved.push_back(query.model);
            s.cases.push_back({resolved.scenario, &resolved.efficiency->constants});
          } catch (const InputError&) {
            ++s.refused;
          }
        }
      }
    }
    return s;
  }();
  return all;
}

bool finite_non_negative(double v) { return std::isfinite(v) && v >= 0; }

/// Failures are collected and the first few reported in full; the count tells the rest.
class Failures {
 public:
  void add(const std::string& what) {
    if (count_++ < 10) ADD_FAILURE() << what;
  }
  ~Failures() { EXPECT_EQ(count_, 0u) << "combinations violating the property"; }

 private:
  std::size_t count_ = 0;
};

TEST(CatalogueProperties, EveryNameResolvesToItself) {
  const Sweep& s = sweep();
  // The refusals are MLX-format quants on non-Apple chips, and safetensors quants whose default engine,
  // vLLM, cannot run there: on Apple Silicon (all but 16-bit weights, which default to MLX) and on cpu
  // entries; and formats whose kernels are missing on a chip: NVFP4 on GPUs without CUDA, ternary TQ types
  // anywhere but a CPU entry. Every other combination must resolve.
  std::size_t mlx_quants = 0, safetensors_quants = 0, safetensors_not_float = 0, nvfp4_quants = 0, ternary_quants = 0;
  for (const auto& q : Catalog::builtin().quants()) {
    mlx_quants += q.format == QuantFormat::mlx;
    safetensors_quants += q.format == QuantFormat::safetensors;
    safetensors_not_float += q.format == QuantFormat::safetensors && q.kernel != QuantKernel::float_;
    nvfp4_quants += q.kernel == QuantKernel::nvfp4;
    ternary_quants += q.kernel == QuantKernel::ternary;
  }
  std::size_t expected_refused = 0, pairs = 0, probe_models = 0, probe_hardware = 0;
  for (const auto& h : Catalog::builtin().hardware()) {
    for (const auto& m : Catalog::builtin().models()) {
      if (!probed(h, m)) continue;
      ++pairs;
      expected_refused += h.vendor == "apple" ? safetensors_not_float : mlx_quants;
      expected_refused += h.kind == HardwareKind::cpu ? safetensors_quants : ternary_quants;
      const bool cuda = std::find(h.apis.begin(), h.apis.end(), DeviceApi::cuda) != h.apis.end();
      expected_refused += h.vendor != "apple" && h.kind != HardwareKind::cpu && !cuda ? nvfp4_quants : 0;
    }
  }
  for (const auto& m : Catalog::builtin().models()) probe_models += test::is_probe(m);
  for (const auto& h : Catalog::builtin().hardware()) probe_hardware += test::is_probe(h);
  EXPECT_EQ(probe_models, test::kProbeModels.size()) << "a probe model left the catalogue";
  EXPECT_EQ(probe_hardware, test::kProbeHardware.size()) << "a probe chip left the catalogue";
  EXPECT_EQ(s.refused, expected_refused);
  EXPECT_EQ(s.combinations, pairs * Catalog::builtin().quants().size());
  EXPECT_EQ(s.cases.size() + s.refused, s.combinations);
  EXPECT_TRUE(s.misresolved.empty()) << s.misresolved.size() << " names resolve elsewhere, e.g. "
                                     << (s.misresolved.empty() ? "" : s.misresolved.front());
  EXPECT_GT(s.cases.size(), 30'000u);  // (160 chips x 9 models + 13 chips x 64 models) x 22 quants, less refusals
}

TEST(CatalogueProperties, PredictionIsFiniteAndPositiveOrOutOfRange) {
  Failures failures;
  for (const Case& c : sweep().cases) {
    const Prediction p = predict(c.scenario, *c.constants);
    const MemoryFit& f = p.fit;
    for (double v : {f.weights_bytes, f.kv_cache_bytes, f.compute_buffer_bytes, f.runtime_overhead_bytes,
                     f.total_bytes, f.device_memory_bytes, f.available_bytes, f.os_reserved_bytes,
                     f.host_available_bytes, f.offloaded_bytes})
      if (!finite_non_negative(v)) failures.add(c.name() + ": memory figure " + std::to_string(v));
    if (!(f.weights_bytes > 0 && f.total_bytes > 0 && f.available_bytes > 0))
      failures.add(c.name() + ": zero weights, total or available memory");
    const double speeds[] = {p.decode_tok_s, p.prefill_tok_s, p.ttft_s, p.sustained_decode_tok_s,
                             p.aggregate_decode_tok_s, p.decode_ceiling_tok_s};
    for (double v : speeds) {
      if (std::isnan(v) || std::isinf(v)) failures.add(c.name() + ": non-finite speed");
      if (p.in_range && !(v > 0)) failures.add(c.name() + ": in range but a speed is " + std::to_string(v));
      if (!p.in_range && v != 0) failures.add(c.name() + ": out of range but a speed is " + std::to_string(v));
    }
    // The shipped catalogue is inside the model's range: every combination gets numbers.
    if (!p.in_range) failures.add(c.name() + ": out of range");
  }
}

TEST(CatalogueProperties, FitsExactlyWhenTotalAndMarginWithinAvailable) {
  Failures failures;
  for (const Case& c : sweep().cases) {
    const MemoryFit f = predict(c.scenario, *c.constants).fit;
    // One margin definition: the larger of 5 % of usable memory and 0.5 GB.
    if (f.margin_bytes != std::max(0.05 * f.available_bytes, 0.5e9))
      failures.add(c.name() + ": margin " + std::to_string(f.margin_bytes));
    const bool within = f.total_bytes + f.margin_bytes <= f.available_bytes;
    if (f.fits != within || (f.verdict == FitVerdict::fits) != within)
      failures.add(c.name() + ": fits=" + std::to_string(f.fits) + " total " + std::to_string(f.total_bytes) +
                   " margin " + std::to_string(f.margin_bytes) + " available " + std::to_string(f.available_bytes));
    // The largest context that fits is at least the one asked for when it fits, below it otherwise.
    if (within && f.max_context < c.scenario.context_tokens)
      failures.add(c.name() + ": fits but max_context " + std::to_string(f.max_context) + " < context");
    if (!within && f.max_context >= c.scenario.context_tokens)
      failures.add(c.name() + ": does not fit but max_context " + std::to_string(f.max_context) + " >= context");
  }
}

TEST(CatalogueProperties, MoreBandwidthNeverLowersDecode) {
  Failures failures;
  for (const Case& c : sweep().cases) {
    const double base = predict(c.scenario, *c.constants).decode_tok_s;
    for (double factor : {1.01, 2.0, 10.0}) {
      HardwareSpec faster = *c.scenario.hardware;
      faster.bandwidth_gb_s *= factor;
      Scenario s = c.scenario;
      s.hardware = &faster;
      const double decode = predict(s, *c.constants).decode_tok_s;
      if (decode < base * (1 - 1e-12))
        failures.add(c.name() + ": bandwidth x" + std::to_string(factor) + " lowers decode " + std::to_string(base) +
                     " -> " + std::to_string(decode));
    }
  }
}

TEST(CatalogueProperties, LongerContextNeverRaisesDecode) {
  Failures failures;
  for (const Case& c : sweep().cases) {
    // Depth alone (same allocation): more tokens in the KV cache never speed a token up.
    double previous = 0;
    for (std::int64_t depth : {std::int64_t{1}, std::int64_t{512}, std::int64_t{4096}, c.scenario.context_tokens}) {
      Scenario s = c.scenario;
      s.prompt_tokens = std::min(depth, s.model->max_context);
      const double decode = predict(s, *c.constants).decode_tok_s;
      if (previous > 0 && decode > previous * (1 + 1e-12))
        failures.add(c.name() + ": depth " + std::to_string(depth) + " raises decode " + std::to_string(previous) +
                     " -> " + std::to_string(decode));
      previous = decode;
    }
    // Allocation and depth together, up the context ladder, while the model runs on this machine
    // (fully or with offload): a longer context can only move layers off the accelerator.
    // A longer prompt never reaches its first token sooner either.
    previous = 0;
    double previous_ttft = 0;
    for (const std::int64_t context : context_ladder(c.scenario.model->max_context)) {
      Scenario s = c.scenario;
      s.context_tokens = s.prompt_tokens = context;
      const Prediction p = predict(s, *c.constants);
      if (p.fit.verdict == FitVerdict::does_not_fit) break;
      if (previous > 0 && p.decode_tok_s > previous * (1 + 1e-12))
        failures.add(c.name() + ": context " + std::to_string(context) + " raises decode " +
                     std::to_string(previous) + " -> " + std::to_string(p.decode_tok_s) + " (" +
                     std::string(to_string(p.fit.verdict)) + ")");
      if (p.ttft_s < previous_ttft * (1 - 1e-12))
        failures.add(c.name() + ": context " + std::to_string(context) + " shortens time to first token " +
                     std::to_string(previous_ttft) + " -> " + std::to_string(p.ttft_s) + " s (" +
                     std::string(to_string(p.fit.verdict)) + ")");
      previous = p.decode_tok_s;
      previous_ttft = p.ttft_s;
    }
  }
}

TEST(CatalogueProperties, DecodeNeverExceedsBandwidthRoofline) {
  Failures failures;
  for (const Case& c : sweep().cases) {
    const Prediction p = predict(c.scenario, *c.constants);
    if (p.decode_tok_s > p.decode_ceiling_tok_s)
      failures.add(c.name() + ": decode " + std::to_string(p.decode_tok_s) + " above the ceiling " +
                   std::to_string(p.decode_ceiling_tok_s));
  }
}

// Offloaded layers run at the host's bandwidth: the roofline must count them there, or a slow GPU
// with a fast host shows decode above its "ceiling" (a 5 GB/s GPU with an EPYC host read 244 %).
TEST(CatalogueProperties, OffloadToAFasterHostStaysUnderTheRoofline) {
  Failures failures;
  const Catalog& catalog = Catalog::builtin();
  const ModelSpec& model = *catalog.find_model("llama-3.1-8b");
  const QuantSpec& quant = catalog.quant_or_throw("q4_k_m");
  const EfficiencyProfile& profile = shipped_efficiency_profile();
  std::size_t offloaded = 0;
  for (const auto& gpu : catalog.hardware()) {
    if (gpu.kind != HardwareKind::gpu) continue;
    for (const auto& host : catalog.hardware()) {
      if (host.kind != HardwareKind::cpu) continue;
      for (double bandwidth : {1.0, 5.0, 50.0, gpu.bandwidth_gb_s}) {
        HardwareSpec slow = gpu;
        slow.bandwidth_gb_s = bandwidth;
        // 2.5 GiB: the output head, buffers and a few layers fit; the rest goes to the host.
        const Scenario s{.hardware = &slow, .host = &host, .model = &model, .quant = &quant, .memory_gib = 2.5};
        const Prediction p =
            predict(s, profile.lookup(Backend::llama_cpp, slow.apis.front(), hardware_class(slow)).constants);
        offloaded += p.fit.verdict == FitVerdict::partial_offload;
        if (!(p.decode_tok_s <= p.decode_ceiling_tok_s))
          failures.add(gpu.id + " at " + std::to_string(bandwidth) + " GB/s with host " + host.id + ": decode " +
                       std::to_string(p.decode_tok_s) + " above the ceiling " + std::to_string(p.decode_ceiling_tok_s));
      }
    }
  }
  EXPECT_GT(offloaded, 100u);  // the scenarios do offload
}

// The model is noexcept and works in double; fed values that validation refuses (a library caller
// need not validate), it must not hit undefined behaviour (the sanitizer build runs this) and must
// not report a non-finite speed: a non-finite figure anywhere means in_range = false.
TEST(AbsurdScenarios, StayFiniteOrOutOfRange) {
  const Catalog& catalog = Catalog::builtin();
  const EfficiencyConstants constants = shipped_efficiency_profile().lookup(Backend::llama_cpp, DeviceApi::metal,
                                                                           HardwareClass::apple).constants;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  struct Mutation {
    std::string what;
    std::function<void(Scenario&, HardwareSpec&, ModelSpec&, QuantSpec&, EfficiencyConstants&)> apply;
  };
  std::vector<Mutation> mutations;
  auto number = [](double v) {
    char text[32];
    std::snprintf(text, sizeof text, "%g", v);
    return std::string(text);
  };
  for (double v : {0.001, 0.0, -400.0, nan, inf, 1e300})
    mutations.push_back({"bandwidth " + number(v), [v](auto&, auto& h, auto&, auto&, auto&) { h.bandwidth_gb_s = v; }});
  for (double v : {0.0, 1e-300, nan, inf})
    mutations.push_back({"tflops " + number(v), [v](auto&, auto& h, auto&, auto&, auto&) { h.fp16_tflops = v; }});
  for (double v : {1e-300, 1e300, nan, -32.0})
    mutations.push_back({"memory " + number(v), [v](auto& s, auto&, auto&, auto&, auto&) { s.memory_gib = v; }});
  for (double v : {1e21, 1e-300, nan})  // 1e21 B parameters = 10^30
    mutations.push_back({"params_b " + number(v), [v](auto&, auto&, auto& m, auto&, auto&) { m.params_b = v; }});
  for (double v : {0.0, 1e-300, 1e300, nan})
    mutations.push_back({"bits " + number(v), [v](auto&, auto&, auto&, auto& q, auto&) {
                           q.bits_per_weight = q.expert_bits_per_weight = q.embedding_bits_per_weight =
                               q.output_bits_per_weight = v;
                         }});
  for (std::int64_t v : {std::int64_t{1} << 40, std::numeric_limits<std::int64_t>::max(), std::int64_t{0}, std::int64_t{-5}})
    mutations.push_back({"context " + std::to_string(v), [v](auto& s, auto&, auto&, auto&, auto&) {
                           s.context_tokens = s.prompt_tokens = v;
                         }});
  mutations.push_back({"max_context int64 max", [](auto&, auto&, auto& m, auto&, auto&) {
                         m.max_context = std::numeric_limits<std::int64_t>::max();
                       }});
  for (int v : {1'000'000'000, 0, -3})
    mutations.push_back({"batch " + std::to_string(v), [v](auto& s, auto&, auto&, auto&, auto&) { s.batch = v; }});
  mutations.push_back({"devices 10^6", [](auto& s, auto&, auto&, auto&, auto&) { s.device_count = 1'000'000; }});
  mutations.push_back({"layers and dims at int limits", [](auto&, auto&, auto& m, auto&, auto&) {
                         m.layers = 1'000'000;
                         m.hidden_size = m.intermediate_size = m.vocab_size = 1 << 30;
                         m.moe.expert_intermediate_size = 1 << 30;
                       }});
  mutations.push_back({"tiny experts, huge KV: offload ratio beyond int", [](auto& s, auto&, auto& m, auto& q, auto&) {
                         m.moe.expert_intermediate_size = 1;
                         q.expert_bits_per_weight = 1e-300;
                         s.batch = 1'000'000'000;
                         s.context_tokens = std::int64_t{1} << 40;
                       }});
  mutations.push_back({"zero overheads and efficiencies", [](auto&, auto&, auto&, auto&, auto& k) {
                         k.layer_overhead_us = k.token_overhead_us = k.prefill_layer_overhead_us = 0;
                         k.weight_bandwidth_efficiency = k.kv_bandwidth_efficiency = k.compute_efficiency = 0;
                       }});
  mutations.push_back({"micro-batch 0", [](auto&, auto&, auto&, auto&, auto& k) { k.micro_batch_tokens = 0; }});

  const HardwareSpec* host = catalog.find_hardware("ddr5-5600-dual");
  for (const char* hw_id : {"m2-max", "rtx-4090", "ddr5-5600-dual"}) {
    for (const auto& mutation : mutations) {
      HardwareSpec hw = *catalog.find_hardware(hw_id);
      ModelSpec model = *catalog.find_model("qwen3-coder-30b-a3b");
      QuantSpec quant = catalog.quant_or_throw("q4_k_m");
      EfficiencyConstants k = constants;
      Scenario s{.hardware = &hw, .host = hw.kind == HardwareKind::gpu ? host : nullptr, .model = &model,
                 .quant = &quant};
      mutation.apply(s, hw, model, quant, k);
      const Prediction p = predict(s, k);
      const std::string label = std::string(hw_id) + ", " + mutation.what;
      for (double v : {p.decode_tok_s, p.prefill_tok_s, p.ttft_s, p.sustained_decode_tok_s, p.aggregate_decode_tok_s,
                       p.decode_ceiling_tok_s})
        EXPECT_TRUE(std::isfinite(v) && v >= 0) << label << ": speed " << v;
      const MemoryFit& f = p.fit;
      bool all_finite = true;
      for (double v : {f.weights_bytes, f.kv_cache_bytes, f.total_bytes, f.available_bytes, f.device_memory_bytes})
        all_finite = all_finite && std::isfinite(v);
      if (!all_finite) {
        EXPECT_FALSE(p.in_range) << label << ": a non-finite memory figure but in range";
      }
      if (p.in_range) {
        EXPECT_GT(p.decode_tok_s, 0) << label;
      }
      for (const auto& point : context_scaling(s, k))
        EXPECT_TRUE(std::isfinite(point.decode_tok_s) && std::isfinite(point.ttft_s)) << label << ": context point";
    }
  }
}

TEST(CatalogueProperties, MoreBitsPerWeightNeverSmallerWeights) {
  Failures failures;
  const auto& quants = Catalog::builtin().quants();
  auto at_least = [](const QuantSpec& a, const QuantSpec& b) {
    return a.bits_per_weight >= b.bits_per_weight && a.expert_bits() >= b.expert_bits() &&
           a.embedding_bits() >= b.embedding_bits() && a.output_bits() >= b.output_bits();
  };
  std::size_t ordered_pairs = 0;
  for (const auto& model : Catalog::builtin().models()) {
    for (const auto& wide : quants) {
      for (const auto& narrow : quants) {
        if (&wide == &narrow || !at_least(wide, narrow)) continue;
        ++ordered_pairs;
        const WeightBytes w = weight_bytes(model, wide);
        const WeightBytes n = weight_bytes(model, narrow);
        if (w.stored < n.stored || w.per_token < n.per_token)
          failures.add(model.id + ": " + wide.id + " stores less than " + narrow.id);
      }
      // One more bit on every tensor class.
      QuantSpec wider = wide;
      wider.bits_per_weight += 1;
      wider.expert_bits_per_weight = wide.expert_bits() + 1;
      wider.embedding_bits_per_weight = wide.embedding_bits() + 1;
      wider.output_bits_per_weight = wide.output_bits() + 1;
      if (!(weight_bytes(model, wider).stored > weight_bytes(model, wide).stored))
        failures.add(model.id + ": one more bit on " + wide.id + " does not grow the weights");
    }
  }
  EXPECT_GT(ordered_pairs, 1000u);  // the quant table is mostly ordered: the property is exercised
}

}  // namespace
}  // namespace llmfit

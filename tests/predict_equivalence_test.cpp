// The optimised performance model (precomputed terms, closed-form largest context) against a
// straightforward reference: the implementation as it was before the optimisation, kept verbatim
// below. Results must agree to 1e-9 relative, integers and verdicts exactly.
//
// When a formula changes in lib/src/predict.cpp, make the same change in `reference` below: this
// test checks that the fast path computes the same model, not which model is right.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "llmfit/llmfit.hpp"
#include "llmfit/model_terms.hpp"
#include "llmfit/units.hpp"

namespace llmfit {
namespace {
namespace reference {

// ---- frozen copy of lib/src/predict.cpp (commit acdc400): straightforward, recomputes everything ----
constexpr double kMicro = units::kSecondsPerMicrosecond;
// Offloaded prefill on a discrete GPU: llama.cpp copies host-resident weights over PCIe for each
// micro-batch (PCIe 4.0 x16 ≈ 25 GB/s achieved of 32 GB/s).
constexpr double kPcieBytesPerSecond = 25e9;
// Latency of handing activations from one device or stage to the next (layer split), per token.
// Measured: RTX 4090 x2 / x4 add 0.2-0.35 ms per hop to Llama 3 8B tg (XiongjieDai table, 2024).
constexpr double kDeviceHopSeconds = 250e-6;
// Share of its FP16 peak a unified chip's CPU cores reach when they run offloaded layers.
constexpr double kUnifiedCpuComputeShare = 0.15;

double clamp_non_negative(double x) { return std::isfinite(x) && x > 0 ? x : 0.0; }

/// OS share of a CPU-only machine's RAM: at least 2 GiB, or 10 %.
double cpu_os_reserve_bytes(double ram_bytes) { return std::max(2.0 * units::kBytesPerGiB, 0.10 * ram_bytes); }

/// Active weights plus attention per token (Chinchilla, Hoffmann et al. 2022, App. F: 2 FLOPs per
/// parameter per token; QK^T and attention·V each 2·context·head_dim per head).
double attention_flops_per_token(const ModelSpec& m, double context) {
  const double per_layer = 4.0 * m.attention_heads * static_cast<double>(m.head_dim);
  const double window = m.attention.sliding_window;
  return per_layer *
         (m.full_attention_layers() * context + m.attention.sliding_window_layers * std::min(context, window));
}

/// Distinct experts a batch of B tokens touches in one MoE layer: E·(1 − (1 − k/E)^B) for uniform
/// routing.
double touched_expert_fraction(const ModelSpec& m, int batch) {
  if (!m.is_moe()) return 1.0;
  const double k_over_e = static_cast<double>(m.moe.experts_per_token) / m.moe.experts;
  return 1.0 - std::pow(1.0 - k_over_e, std::max(1, batch));
}

struct Placement {
  double device_fraction = 1;       // share of repeating layers on the accelerator
  double host_routed_fraction = 0;  // share of routed experts held by the host (expert offload)
};

Placement placement_of(const ModelSpec& m, const MemoryFit& fit) {
  Placement p;
  if (fit.offload == OffloadKind::layers && m.layers > 0)
    p.device_fraction = static_cast<double>(fit.gpu_layers) / m.layers;
  if (fit.offload == OffloadKind::experts && m.is_moe()) {
    const int moe_layers = m.layers - m.moe.dense_layers;
    p.host_routed_fraction = moe_layers > 0 ? static_cast<double>(fit.cpu_layers) / moe_layers : 0;
  }
  return p;
}

double host_bandwidth(const Scenario& s, const EfficiencyConstants& k) {
  const HardwareSpec& hw = *s.hardware;
  if (hw.kind == HardwareKind::gpu && s.host != nullptr)
    return s.host->bandwidth_gb_s * units::kBytesPerGB * k.host_bandwidth_efficiency;
  return hw.bandwidth_gb_s * units::kBytesPerGB * k.host_bandwidth_efficiency;
}

MemoryFit reference_fit_memory(const Scenario& s, const EfficiencyConstants& k) {
  MemoryFit fit;
  const HardwareSpec& hw = *s.hardware;
  const ModelSpec& m = *s.model;
  const int devices = std::max(1, s.device_count);
  const int batch = std::max(1, s.batch);
  const double memory_gib = s.memory_gib > 0 ? s.memory_gib : hw.default_memory_gib;
  fit.device_memory_bytes = devices * units::gib_to_bytes(memory_gib);

  switch (hw.kind) {
    case HardwareKind::gpu:
      fit.available_bytes = fit.device_memory_bytes;
      break;
    case HardwareKind::unified: {
      const double fraction = s.gpu_memory_fraction > 0 ? s.gpu_memory_fraction : unified_gpu_fraction(hw, memory_gib);
      fit.unified_rule_applied = s.gpu_memory_fraction <= 0 && hw.gpu_memory_fraction <= 0;
      fit.available_bytes = fit.device_memory_bytes * fraction;
      fit.os_reserved_bytes = fit.device_memory_bytes - fit.available_bytes;
      break;
    }
    case HardwareKind::cpu:
      fit.os_reserved_bytes = cpu_os_reserve_bytes(fit.device_memory_bytes);
      fit.available_bytes = std::max(0.0, fit.device_memory_bytes - fit.os_reserved_bytes);
      break;
  }

  const WeightBytes w = weight_bytes(m, *s.quant);
  fit.weights_bytes = w.stored;
  fit.kv_cache_bytes = batch * kv_cache_bytes(m, s.kv_type, static_cast<double>(s.context_tokens));
  // Compute buffer with flash attention: f32 logits of one micro-batch plus one layer's activations
  // (llama.cpp prints ~0.3 GB "compute buffer size" for Llama 3 8B at n_ubatch 512).
  const double ffn_width = std::max<double>(
      m.intermediate_size, static_cast<double>(m.moe.expert_intermediate_size) * std::max(1, m.moe.experts_per_token));
  const double ubatch = std::max(1, k.micro_batch_tokens);
  fit.compute_buffer_bytes = ubatch * 4.0 * (m.vocab_size + 4.0 * m.hidden_size + 2.0 * ffn_width);
  fit.runtime_overhead_bytes = devices * units::gib_to_bytes(k.runtime_overhead_gib);
  const double fixed_bytes = fit.compute_buffer_bytes + fit.runtime_overhead_bytes;
  fit.total_bytes = fit.weights_bytes + fit.kv_cache_bytes + fixed_bytes;
  fit.gpu_layers = m.layers;

  // Largest context that fits fully: KV grows monotonically with context, so bisect.
  auto total_at = [&](double context) {
    return fit.weights_bytes + batch * kv_cache_bytes(m, s.kv_type, context) + fixed_bytes;
  };
  if (total_at(1) <= fit.available_bytes) {
    std::int64_t lo = 1;
    std::int64_t hi = m.max_context;
    if (total_at(static_cast<double>(hi)) <= fit.available_bytes) {
      lo = hi;
    } else {
      while (hi - lo > 1) {
        const std::int64_t mid = lo + (hi - lo) / 2;
        (total_at(static_cast<double>(mid)) <= fit.available_bytes ? lo : hi) = mid;
      }
    }
    fit.max_context = lo;
  }

  if (fit.total_bytes <= fit.available_bytes) {
    fit.fits = true;
    fit.verdict = FitVerdict::fits;
    return fit;
  }
  fit.verdict = FitVerdict::does_not_fit;
  fit.gpu_layers = 0;
  if (!s.allow_offload || hw.kind == HardwareKind::cpu) return fit;

  // Room on the host for offloaded weights.
  if (hw.kind == HardwareKind::gpu) {
    if (s.host == nullptr) return fit;
    const double host_gib = s.host_memory_gib > 0 ? s.host_memory_gib : s.host->default_memory_gib;
    const double host_bytes = units::gib_to_bytes(host_gib);
    fit.host_available_bytes = std::max(0.0, host_bytes - cpu_os_reserve_bytes(host_bytes));
  } else {
    // Unified: the CPU may map what the GPU may not wire, less what the OS itself needs.
    fit.host_available_bytes =
        std::max(0.0, fit.device_memory_bytes - fit.available_bytes - cpu_os_reserve_bytes(fit.device_memory_bytes));
  }

  const double overflow = fit.total_bytes - fit.available_bytes;
  // Expert offload (llama.cpp --n-cpu-moe): routed experts of some MoE layers stay in host RAM,
  // attention and shared weights stay on the accelerator. Preferred: the host reads only active experts.
  if (m.is_moe() && w.routed_experts > 0) {
    const int moe_layers = m.layers - m.moe.dense_layers;
    const double routed_per_layer = w.routed_experts / moe_layers;
    const int cpu_moe_layers = static_cast<int>(std::ceil(overflow / routed_per_layer));
    const double offloaded = cpu_moe_layers * routed_per_layer;
    if (cpu_moe_layers <= moe_layers && offloaded <= fit.host_available_bytes) {
      fit.verdict = FitVerdict::partial_offload;
      fit.offload = OffloadKind::experts;
      fit.cpu_layers = cpu_moe_layers;
      fit.gpu_layers = m.layers;
      fit.offloaded_bytes = offloaded;
      return fit;
    }
  }
  // Layer offload (llama.cpp -ngl): whole layers with their KV move to the host.
  const double per_layer = w.per_layer + fit.kv_cache_bytes / m.layers;
  const double room = fit.available_bytes - w.non_layer - fixed_bytes;
  const int gpu_layers = room > 0 ? std::min(m.layers, static_cast<int>(std::floor(room / per_layer))) : 0;
  const double offloaded = (m.layers - gpu_layers) * per_layer;
  if (gpu_layers > 0 && offloaded <= fit.host_available_bytes) {
    fit.verdict = FitVerdict::partial_offload;
    fit.offload = OffloadKind::layers;
    fit.gpu_layers = gpu_layers;
    fit.cpu_layers = m.layers - gpu_layers;
    fit.offloaded_bytes = offloaded;
  }
  return fit;
}

double reference_decode_seconds_per_token(const Scenario& s, const MemoryFit& fit, const EfficiencyConstants& k,
                                          double depth, Prediction* out = nullptr) {
  const HardwareSpec& hw = *s.hardware;
  const ModelSpec& m = *s.model;
  const QuantSpec& q = *s.quant;
  const int batch = std::max(1, s.batch);
  const WeightBytes w = weight_bytes(m, q);

  // Weights one decode step reads: a batch touches more distinct experts than one token.
  const double routed_read = m.is_moe() ? w.routed_experts * touched_expert_fraction(m, batch) : 0.0;
  const double weights_read = w.per_token - w.active_routed + routed_read;
  const double kv_read = batch * kv_cache_bytes(m, s.kv_type, depth);

  const Placement place = placement_of(m, fit);
  const double layer_share = place.device_fraction;
  double device_weights = (weights_read - w.non_layer) * layer_share + w.non_layer;
  double host_weights = (weights_read - w.non_layer) * (1.0 - layer_share);
  if (place.host_routed_fraction > 0) {
    device_weights -= routed_read * place.host_routed_fraction;
    host_weights += routed_read * place.host_routed_fraction;
  }
  const double device_kv = kv_read * layer_share;
  const double host_kv = kv_read * (1.0 - layer_share);

  const double bw = hw.bandwidth_gb_s * units::kBytesPerGB;
  const double weight_bw = bw * k.weight_bandwidth_efficiency * k.kernel(q.kernel);
  const double t_weights = device_weights / weight_bw;
  const double t_kv = device_kv / (bw * k.kv_bandwidth_efficiency);
  // A large batch turns decode compute-bound: 2 FLOPs per active parameter per token plus attention.
  const double active_params = w.active_params;
  const double flops = batch * (2.0 * active_params + attention_flops_per_token(m, depth)) * layer_share;
  const double t_compute =
      flops / (hw.fp16_tflops * units::kFlopsPerTflop * k.compute_efficiency * std::max(1, s.device_count));
  const double t_device = std::max(t_weights + t_kv, t_compute);

  const double t_host = (host_weights + host_kv) > 0 ? (host_weights + host_kv) / host_bandwidth(s, k) : 0.0;

  const int moe_layers = m.is_moe() ? m.layers - m.moe.dense_layers : 0;
  const double experts_touched = m.is_moe() ? m.moe.experts * touched_expert_fraction(m, batch) : 0.0;
  const int hops = std::max(1, s.device_count) - 1 + (fit.offload != OffloadKind::none ? 1 : 0);
  const double t_overhead =
      (m.layers * k.layer_overhead_us + moe_layers * experts_touched * k.expert_overhead_us + k.token_overhead_us) *
          kMicro +
      hops * kDeviceHopSeconds;

  if (out != nullptr) {
    out->decode_seconds_weights = t_weights;
    out->decode_seconds_kv = t_kv;
    out->decode_seconds_overhead = t_overhead;
    out->decode_seconds_host = t_host;
    out->compute_bound_decode = t_compute > t_weights + t_kv;
    out->bytes_per_token = (weights_read + kv_read) / batch;
  }
  return t_device + t_host + t_overhead;
}

double reference_prefill_seconds(const Scenario& s, const MemoryFit& fit, const EfficiencyConstants& k, double tokens,
                                 double depth) {
  if (!(tokens > 0)) return 0;
  const HardwareSpec& hw = *s.hardware;
  const ModelSpec& m = *s.model;
  const QuantSpec& q = *s.quant;
  const WeightBytes w = weight_bytes(m, q);
  const int devices = std::max(1, s.device_count);
  const double ubatch = std::max(1, k.micro_batch_tokens);
  const double micro_batches = std::ceil(tokens / ubatch);

  const double active_params = w.active_params;
  // Attention over depth..depth+tokens: the mean context of a prompt token is depth + tokens/2.
  const double flops = tokens * (2.0 * active_params + attention_flops_per_token(m, depth + tokens / 2.0));
  const Placement place = placement_of(m, fit);
  const double share = place.device_fraction;
  // Layer split pipelines micro-batches across devices; the bubble is (N−1)/(m+N−1) (GPipe, Huang 2019).
  const double pipeline = micro_batches / (micro_batches + devices - 1);
  const double peak = hw.fp16_tflops * units::kFlopsPerTflop * k.compute_efficiency * devices * pipeline;
  const double t_compute = flops * share / peak;
  // Each micro-batch streams the stored weights once (every expert is hit by a 512-token batch).
  const double bw = hw.bandwidth_gb_s * units::kBytesPerGB * k.weight_bandwidth_efficiency * k.kernel(q.kernel);
  const double t_memory = micro_batches * (w.stored * share) / bw;
  double t_host = 0;
  if (share < 1.0 || place.host_routed_fraction > 0) {
    const double host_bytes = w.stored * (1.0 - share) + w.routed_experts * place.host_routed_fraction;
    if (hw.kind == HardwareKind::gpu) {
      t_host = micro_batches * host_bytes / kPcieBytesPerSecond;
    } else {
      const double cpu_peak = hw.fp16_tflops * units::kFlopsPerTflop * kUnifiedCpuComputeShare;
      t_host = flops * (1.0 - share) / cpu_peak + micro_batches * host_bytes / host_bandwidth(s, k);
    }
  }
  const double t_overhead = micro_batches * m.layers * k.prefill_layer_overhead_us * kMicro;
  return std::max(t_compute, t_memory) + t_host + t_overhead;
}

Prediction reference_predict(const Scenario& s, const EfficiencyConstants& k) {
  Prediction p;
  if (s.hardware == nullptr || s.model == nullptr || s.quant == nullptr) {
    p.in_range = false;
    return p;
  }
  p.fit = reference_fit_memory(s, k);
  if (p.fit.verdict == FitVerdict::does_not_fit) {
    // Speeds are still worth showing (what it would be with enough memory), computed as if it fit.
    MemoryFit as_if = p.fit;
    as_if.offload = OffloadKind::none;
    as_if.gpu_layers = s.model->layers;
    as_if.cpu_layers = 0;
    p.fit.gpu_layers = 0;
    const double t = reference_decode_seconds_per_token(s, as_if, k, static_cast<double>(s.prompt_tokens), &p);
    p.decode_tok_s = 1.0 / t;
    p.prefill_tok_s = s.prompt_tokens / reference_prefill_seconds(s, as_if, k, static_cast<double>(s.prompt_tokens), 0);
    p.ttft_s = static_cast<double>(s.prompt_tokens) / p.prefill_tok_s + t;
  } else {
    const double t = reference_decode_seconds_per_token(s, p.fit, k, static_cast<double>(s.prompt_tokens), &p);
    const double t_prefill = reference_prefill_seconds(s, p.fit, k, static_cast<double>(s.prompt_tokens), 0);
    p.decode_tok_s = 1.0 / t;
    p.prefill_tok_s = static_cast<double>(s.prompt_tokens) / t_prefill;
    p.ttft_s = t_prefill + t;
  }
  p.aggregate_decode_tok_s = p.decode_tok_s * std::max(1, s.batch);
  p.decode_ceiling_tok_s = s.hardware->bandwidth_gb_s * units::kBytesPerGB / p.bytes_per_token;
  p.thermal_data = s.hardware->has_thermal_data;
  p.sustained_decode_tok_s = p.decode_tok_s * (p.thermal_data ? s.hardware->sustained_fraction : 1.0);
  p.throttle_onset_s = p.thermal_data ? s.hardware->throttle_onset_s : 0.0;

  for (double v : {p.decode_tok_s, p.prefill_tok_s, p.ttft_s, p.sustained_decode_tok_s, p.decode_ceiling_tok_s,
                   p.fit.total_bytes, p.fit.available_bytes}) {
    if (!std::isfinite(v) || v < 0) p.in_range = false;
  }
  if (!(p.decode_tok_s > 0) || !(p.prefill_tok_s > 0)) p.in_range = false;
  if (!p.in_range) {
    p.decode_tok_s = p.prefill_tok_s = p.ttft_s = p.sustained_decode_tok_s = p.aggregate_decode_tok_s = 0;
    p.decode_ceiling_tok_s = 0;
  }
  return p;
}

std::vector<ContextPoint> reference_context_scaling(const Scenario& s, const EfficiencyConstants& k) {
  std::vector<ContextPoint> points;
  if (s.hardware == nullptr || s.model == nullptr || s.quant == nullptr) return points;
  for (std::int64_t context : context_ladder(s.model->max_context)) {
    Scenario at = s;
    at.context_tokens = context;
    at.prompt_tokens = context;
    const MemoryFit fit = reference_fit_memory(at, k);
    MemoryFit speed_fit = fit;
    if (fit.verdict == FitVerdict::does_not_fit) {
      speed_fit.offload = OffloadKind::none;
      speed_fit.gpu_layers = s.model->layers;
    }
    ContextPoint point;
    point.context = context;
    point.fits = fit.fits;
    point.decode_tok_s =
        clamp_non_negative(1.0 / reference_decode_seconds_per_token(at, speed_fit, k, static_cast<double>(context)));
    point.ttft_s = clamp_non_negative(reference_prefill_seconds(at, speed_fit, k, static_cast<double>(context), 0));
    points.push_back(point);
  }
  return points;
}

}  // namespace reference

constexpr double kRelativeTolerance = 1e-9;

bool close(double expected, double actual) {
  if (expected == actual) return true;
  if (!std::isfinite(expected) || !std::isfinite(actual)) return false;
  return std::abs(expected - actual) <= kRelativeTolerance * std::max(std::abs(expected), std::abs(actual));
}

std::string describe(const Scenario& s) {
  return s.hardware->id + ":" + std::to_string(s.device_count) + " " + s.model->id + "-" + s.quant->id + " backend " +
         std::string(to_string(s.backend)) + " kv " + std::string(to_string(s.kv_type)) + " ctx " +
         std::to_string(s.context_tokens) + " prompt " + std::to_string(s.prompt_tokens) + " batch " +
         std::to_string(s.batch) + " mem " + std::to_string(s.memory_gib) + " frac " +
         std::to_string(s.gpu_memory_fraction) + " host " + (s.host ? s.host->id : "none") + " offload " +
         (s.allow_offload ? "yes" : "no");
}

#define EXPECT_CLOSE(field) EXPECT_PRED2(close, expected.field, actual.field) << #field << " " << what

void expect_same_fit(const MemoryFit& expected, const MemoryFit& actual, const std::string& what) {
  EXPECT_EQ(expected.verdict, actual.verdict) << what;
  EXPECT_EQ(expected.fits, actual.fits) << what;
  EXPECT_CLOSE(weights_bytes);
  EXPECT_CLOSE(kv_cache_bytes);
  EXPECT_CLOSE(compute_buffer_bytes);
  EXPECT_CLOSE(runtime_overhead_bytes);
  EXPECT_CLOSE(total_bytes);
  EXPECT_CLOSE(device_memory_bytes);
  EXPECT_CLOSE(available_bytes);
  EXPECT_CLOSE(os_reserved_bytes);
  EXPECT_CLOSE(host_available_bytes);
  EXPECT_EQ(expected.offload, actual.offload) << what;
  EXPECT_EQ(expected.gpu_layers, actual.gpu_layers) << what;
  EXPECT_EQ(expected.cpu_layers, actual.cpu_layers) << what;
  EXPECT_CLOSE(offloaded_bytes);
  EXPECT_EQ(expected.max_context, actual.max_context) << what;
  EXPECT_EQ(expected.unified_rule_applied, actual.unified_rule_applied) << what;
}

void expect_same_prediction(const Prediction& expected, const Prediction& actual, const std::string& what) {
  expect_same_fit(expected.fit, actual.fit, what);
  EXPECT_CLOSE(decode_tok_s);
  EXPECT_CLOSE(aggregate_decode_tok_s);
  EXPECT_CLOSE(prefill_tok_s);
  EXPECT_CLOSE(ttft_s);
  EXPECT_CLOSE(sustained_decode_tok_s);
  EXPECT_CLOSE(throttle_onset_s);
  EXPECT_EQ(expected.thermal_data, actual.thermal_data) << what;
  EXPECT_CLOSE(decode_ceiling_tok_s);
  EXPECT_CLOSE(bytes_per_token);
  EXPECT_CLOSE(decode_seconds_weights);
  EXPECT_CLOSE(decode_seconds_kv);
  EXPECT_CLOSE(decode_seconds_overhead);
  EXPECT_CLOSE(decode_seconds_host);
  EXPECT_EQ(expected.compute_bound_decode, actual.compute_bound_decode) << what;
  EXPECT_EQ(expected.in_range, actual.in_range) << what;
}

#undef EXPECT_CLOSE

/// Random scenarios over the whole shipped catalogue, from a fixed seed (the same every run).
class RandomScenarios {
 public:
  explicit RandomScenarios(std::uint64_t seed) : random_(seed) {}

  Scenario next() {
    const Catalog& c = Catalog::builtin();
    Scenario s;
    s.hardware = &pick(c.hardware());
    s.model = &pick(c.models());
    s.quant = &pick(c.quants());
    s.backend = kAllBackends[below(kAllBackends.size())];
    s.api = s.hardware->apis[below(s.hardware->apis.size())];
    s.kv_type = std::array{KvCacheType::f16,  KvCacheType::f16, KvCacheType::q8_0,
                           KvCacheType::q4_0, KvCacheType::f32, KvCacheType::bf16}[below(6)];
    if (s.hardware->kind == HardwareKind::gpu) {
      s.device_count = std::array{1, 1, 1, 2, 3, 4, 8}[below(7)];
      s.host = below(5) == 0 ? nullptr : c.default_host(*s.hardware);
    }
    // Log-uniform over 1 .. max_context, plus the ends themselves.
    s.context_tokens = log_uniform(s.model->max_context);
    s.prompt_tokens = log_uniform(s.model->max_context);
    s.batch = std::array{1, 1, 1, 1, 2, 3, 4, 16, 64, 512}[below(10)];
    if (below(3) == 0) s.memory_gib = s.hardware->memory_options_gib[below(s.hardware->memory_options_gib.size())];
    if (below(4) == 0) s.memory_gib = std::uniform_real_distribution<double>(0.5, 2048)(random_);
    if (s.hardware->kind == HardwareKind::unified && below(4) == 0)
      s.gpu_memory_fraction = std::uniform_real_distribution<double>(0.3, 1.0)(random_);
    if (below(4) == 0) s.host_memory_gib = std::uniform_real_distribution<double>(4, 1024)(random_);
    s.allow_offload = below(5) != 0;
    return s;
  }

  /// Constants for the scenario's engine on its hardware class, as the CLI would pick them.
  static const EfficiencyConstants& constants_for(const Scenario& s) {
    return shipped_efficiency_profile().lookup(s.backend, s.api, hardware_class(*s.hardware)).constants;
  }

 private:
  std::size_t below(std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(random_); }
  template <typename T>
  const T& pick(const std::vector<T>& items) {
    return items[below(items.size())];
  }
  std::int64_t log_uniform(std::int64_t max) {
    switch (below(10)) {
      case 0:
        return 1;
      case 1:
        return max;
      default: {
        const double x =
            std::exp(std::uniform_real_distribution<double>(0, std::log(static_cast<double>(max)))(random_));
        return std::clamp<std::int64_t>(std::llround(x), 1, max);
      }
    }
  }
  std::mt19937_64 random_;
};

TEST(PredictEquivalence, MatchesTheReferenceOnRandomScenarios) {
  RandomScenarios scenarios(20240601);
  int fits = 0, offloaded = 0, not_fitting = 0, windowed_boundaries = 0;
  for (int i = 0; i < 20000; ++i) {
    const Scenario s = scenarios.next();
    const EfficiencyConstants& k = RandomScenarios::constants_for(s);
    const std::string what = describe(s);
    const Prediction expected = reference::reference_predict(s, k);
    expect_same_prediction(expected, predict(s, k), what);
    // The precomputed-terms path is the same computation.
    const ModelQuantTerms terms = prepare_model_quant(*s.model, *s.quant);
    expect_same_prediction(expected, predict(s, k, terms), what);
    if (::testing::Test::HasFailure()) FAIL() << "first difference at scenario " << i << ": " << what;
    fits += expected.fit.verdict == FitVerdict::fits;
    offloaded += expected.fit.verdict == FitVerdict::partial_offload;
    not_fitting += expected.fit.verdict == FitVerdict::does_not_fit;
    windowed_boundaries += s.model->attention.sliding_window_layers > 0 && expected.fit.max_context > 0 &&
                           expected.fit.max_context < s.model->max_context;
  }
  // The random draw must exercise every branch, or the comparison proves little.
  EXPECT_GT(fits, 1000);
  EXPECT_GT(offloaded, 200);
  EXPECT_GT(not_fitting, 1000);
  EXPECT_GT(windowed_boundaries, 20);
}

TEST(PredictEquivalence, PiecesMatchTheReferenceOnRandomScenarios) {
  RandomScenarios scenarios(77);
  for (int i = 0; i < 5000; ++i) {
    const Scenario s = scenarios.next();
    const EfficiencyConstants& k = RandomScenarios::constants_for(s);
    const std::string what = describe(s);
    const MemoryFit fit = reference::reference_fit_memory(s, k);
    expect_same_fit(fit, fit_memory(s, k), what);
    const double depth = static_cast<double>(s.prompt_tokens);
    Prediction expected_parts, actual_parts;
    const double expected_decode = reference::reference_decode_seconds_per_token(s, fit, k, depth, &expected_parts);
    EXPECT_PRED2(close, expected_decode, decode_seconds_per_token(s, fit, k, depth, &actual_parts)) << what;
    EXPECT_PRED2(close, expected_parts.bytes_per_token, actual_parts.bytes_per_token) << what;
    EXPECT_PRED2(close, reference::reference_prefill_seconds(s, fit, k, depth, 1000),
                 prefill_seconds(s, fit, k, depth, 1000))
        << what;
    if (::testing::Test::HasFailure()) FAIL() << "first difference at scenario " << i << ": " << what;
  }
}

TEST(PredictEquivalence, ContextScalingMatchesTheReference) {
  RandomScenarios scenarios(5);
  for (int i = 0; i < 500; ++i) {
    const Scenario s = scenarios.next();
    const EfficiencyConstants& k = RandomScenarios::constants_for(s);
    const auto expected = reference::reference_context_scaling(s, k);
    const auto actual = context_scaling(s, k);
    ASSERT_EQ(expected.size(), actual.size()) << describe(s);
    for (std::size_t j = 0; j < expected.size(); ++j) {
      EXPECT_EQ(expected[j].context, actual[j].context);
      EXPECT_EQ(expected[j].fits, actual[j].fits);
      EXPECT_PRED2(close, expected[j].decode_tok_s, actual[j].decode_tok_s) << describe(s);
      EXPECT_PRED2(close, expected[j].ttft_s, actual[j].ttft_s) << describe(s);
    }
  }
}

TEST(PredictEquivalence, TermsAgreeWithTheStraightforwardFunctions) {
  for (const ModelSpec& m : Catalog::builtin().models()) {
    for (const QuantSpec& q : Catalog::builtin().quants()) {
      const ModelQuantTerms t = prepare_model_quant(m, q);
      const WeightBytes w = weight_bytes(m, q);
      EXPECT_EQ(w.stored, t.weights.stored) << m.id << " " << q.id;
      EXPECT_EQ(w.per_token, t.weights.per_token) << m.id << " " << q.id;
      EXPECT_EQ(w.per_layer, t.weights.per_layer) << m.id << " " << q.id;
      EXPECT_EQ(w.active_params, t.weights.active_params) << m.id << " " << q.id;
    }
    const ModelQuantTerms t = prepare_model_quant(m, Catalog::builtin().quants().front());
    const double window = m.attention.sliding_window;
    for (KvCacheType type : {KvCacheType::f32, KvCacheType::f16, KvCacheType::q8_0, KvCacheType::q4_0}) {
      // Bit-identical KV at the ends, around the sliding-window breakpoint, and in between.
      for (double context : {-1.0, 0.0, 1.0, 2.0, 511.0, window - 1, window, window + 1, 4096.0, 65537.0,
                             static_cast<double>(m.max_context)}) {
        EXPECT_EQ(kv_cache_bytes(m, type, context), kv_cache_bytes(t, type, context))
            << m.id << " " << to_string(type) << " at " << context;
      }
    }
  }
}

TEST(PredictEquivalence, ClosedFormLargestContextMatchesBisectionAtEveryBoundary) {
  // Budgets exactly at, one ulp below and one ulp above the total of many contexts: the closed form
  // must land on the same token as the bisection, including across the sliding-window breakpoint.
  const Catalog& c = Catalog::builtin();
  const QuantSpec& quant = *c.find_quant("q4_k_m");
  int checked = 0;
  std::mt19937_64 random(99);
  for (const ModelSpec& m : c.models()) {
    const ModelQuantTerms t = prepare_model_quant(m, quant);
    for (KvCacheType type : {KvCacheType::f16, KvCacheType::q8_0, KvCacheType::q4_0}) {
      for (int batch : {1, 3, 64}) {
        const double weights = t.weights.stored;
        const double fixed = 1.5e9;
        std::vector<double> contexts = {1, 2, 3, static_cast<double>(m.max_context - 1),
                                        static_cast<double>(m.max_context)};
        for (double w : {static_cast<double>(m.attention.sliding_window)})
          for (double d : {-2.0, -1.0, 0.0, 1.0, 2.0})
            if (w + d >= 1 && w + d <= static_cast<double>(m.max_context)) contexts.push_back(w + d);
        for (int i = 0; i < 40; ++i)
          contexts.push_back(std::floor(std::exp(
              std::uniform_real_distribution<double>(0, std::log(static_cast<double>(m.max_context)))(random))));
        for (double context : contexts) {
          const double exact = weights + batch * kv_cache_bytes(m, type, context) + fixed;
          for (double available : {exact, std::nextafter(exact, 0.0), std::nextafter(exact, 1e300), exact * 0.999,
                                   exact + 1, weights + fixed - 1, 0.0}) {
            EXPECT_EQ(detail::max_context_by_bisection(m, type, batch, weights, fixed, available),
                      detail::max_context_closed_form(t, type, batch, weights, fixed, available))
                << m.id << " " << to_string(type) << " batch " << batch << " available " << available;
            ++checked;
          }
        }
      }
    }
  }
  EXPECT_GT(checked, 10000);
}

TEST(PredictEquivalence, ClosedFormLargestContextHandWorked) {
  // 4 layers: 2 full attention, 2 sliding with a 1,000-token window; 1 KV head of 64 dims.
  // K+V per layer per token = 2 × 1 × 64 = 128 values = 256 B in f16. Full layers: 2 × 256 = 512 B per
  // token; sliding layers another 512 B per token up to 1,000 tokens, then flat at 512,000 B.
  ModelSpec m;
  m.id = "hand";
  m.layers = 4;
  m.kv_heads = 1;
  m.head_dim = 64;
  m.max_context = 8192;
  m.attention.sliding_window_layers = 2;
  m.attention.sliding_window = 1000;
  QuantSpec q;
  q.bits_per_weight = 4;
  const ModelQuantTerms t = prepare_model_quant(m, q);
  // 1,000,000 B: below the window, 1,024 B per token → floor(976.56) = 976 (976 × 1,024 = 999,424).
  EXPECT_EQ(976, detail::max_context_closed_form(t, KvCacheType::f16, 1, 0, 0, 1e6));
  // 2,000,000 B: past the window, (2,000,000 − 512,000) / 512 = 2,906.25 → 2,906.
  EXPECT_EQ(2906, detail::max_context_closed_form(t, KvCacheType::f16, 1, 0, 0, 2e6));
  // Batch 2 halves the per-sequence budget: 1,000,000 B per sequence → 976 again.
  EXPECT_EQ(976, detail::max_context_closed_form(t, KvCacheType::f16, 2, 0, 0, 2e6));
  // 5,000,000 B: (5e6 − 512,000) / 512 = 8,765.6 > 8,192 → the model's maximum.
  EXPECT_EQ(8192, detail::max_context_closed_form(t, KvCacheType::f16, 1, 0, 0, 5e6));
  // 1,000 B: one token needs 1,024 B → nothing fits.
  EXPECT_EQ(0, detail::max_context_closed_form(t, KvCacheType::f16, 1, 0, 0, 1000));
  // Exactly 1,024 × 500 B → 500 tokens, and one byte less → 499.
  EXPECT_EQ(500, detail::max_context_closed_form(t, KvCacheType::f16, 1, 0, 0, 512000));
  EXPECT_EQ(499, detail::max_context_closed_form(t, KvCacheType::f16, 1, 0, 0, 511999));
}

}  // namespace
}  // namespace llmfit

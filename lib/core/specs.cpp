#include "llmfit/specs.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <utility>

#include "llmfit/text.hpp"

namespace llmfit {
namespace {

bool positive_finite(double value) noexcept { return std::isfinite(value) && value > 0; }
bool non_negative_finite(double value) noexcept { return std::isfinite(value) && value >= 0; }

std::string check_id(const std::string& id) {
  if (id.empty()) return "id: missing";
  if (id.size() > 80) return "id: longer than 80 characters";
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
    if (!ok) return "id: '" + id + "' must be lowercase letters, digits, '-', '.', '_'";
  }
  return {};
}

}  // namespace

HardwareClass hardware_class(const HardwareSpec& hardware) noexcept {
  if (hardware.kind == HardwareKind::cpu) return HardwareClass::cpu;
  if (hardware.vendor == "apple") return HardwareClass::apple;
  if (hardware.vendor == "nvidia")
    return hardware.form_factor == FormFactor::server ? HardwareClass::nvidia_datacenter
                                                      : HardwareClass::nvidia_consumer;
  if (hardware.vendor == "amd") return HardwareClass::amd;
  if (hardware.vendor == "intel") return HardwareClass::intel;
  return HardwareClass::cpu;
}

std::string validate(const HardwareSpec& hw) {
  if (auto problem = check_id(hw.id); !problem.empty()) return problem;
  if (hw.name.empty()) return "name: missing";
  if (hw.vendor.empty()) return "vendor: missing";
  if (hw.source.empty()) return "source: missing";
  if (hw.memory_options_gib.empty()) return "memory_gib: needs at least one capacity";
  for (double gib : hw.memory_options_gib)
    if (!positive_finite(gib) || gib > 1e5) return "memory_gib: capacities must be in (0, 100000] GiB";
  if (!positive_finite(hw.default_memory_gib)) return "default_memory_gib: must be > 0";
  if (std::find(hw.memory_options_gib.begin(), hw.memory_options_gib.end(), hw.default_memory_gib) ==
      hw.memory_options_gib.end())
    return "default_memory_gib: must be one of memory_gib";
  if (!positive_finite(hw.bandwidth_gb_s) || hw.bandwidth_gb_s < 1 || hw.bandwidth_gb_s > 1e5)
    return "bandwidth_gb_s: must be in [1, 100000] GB/s";
  if (!positive_finite(hw.fp16_tflops) || hw.fp16_tflops < 0.001 || hw.fp16_tflops > 1e5)
    return "fp16_tflops: must be in [0.001, 100000]";
  if (!non_negative_finite(hw.int8_tops) || hw.int8_tops > 1e6) return "int8_tops: must be in [0, 1e6]";
  if (hw.gpu_cores < 0 || hw.gpu_cores > 1'000'000) return "gpu_cores: out of range";
  if (!std::isfinite(hw.sustained_fraction) || hw.sustained_fraction <= 0 || hw.sustained_fraction > 1)
    return "sustained_fraction: must be in (0, 1]";
  if (!non_negative_finite(hw.throttle_onset_s) || hw.throttle_onset_s > 1e6)
    return "throttle_onset_s: must be in [0, 1e6] seconds";
  if (!positive_finite(hw.tdp_w) || hw.tdp_w > 1e5) return "tdp_w: must be in (0, 100000] W";
  if (!non_negative_finite(hw.price_usd) || hw.price_usd > 1e8) return "price_usd: must be in [0, 1e8]";
  if (hw.apis.empty()) return "apis: needs at least one device API";
  if (!std::isfinite(hw.gpu_memory_fraction) || hw.gpu_memory_fraction < 0 || hw.gpu_memory_fraction > 1)
    return "gpu_memory_fraction: must be in (0, 1]";
  if (hw.gpu_memory_fraction > 0 && hw.kind != HardwareKind::unified)
    return "gpu_memory_fraction: only for unified memory";
  if (!hw.default_host.empty() && hw.kind != HardwareKind::gpu) return "default_host: only for kind gpu";
  return {};
}

std::string validate(const ModelSpec& m) {
  if (auto problem = check_id(m.id); !problem.empty()) return problem;
  if (m.name.empty()) return "name: missing";
  if (m.family.empty()) return "family: missing";
  if (m.source.empty()) return "source: missing";
  if (!positive_finite(m.params_b) || m.params_b > 1e5) return "params_b: must be in (0, 100000]";
  if (!positive_finite(m.active_params_b) || m.active_params_b > m.params_b * 1.0001)
    return "active_params_b: must be > 0 and <= params_b";
  constexpr int kMaxDim = 1 << 20;
  auto dim_ok = [](int v, int max) { return v > 0 && v <= max; };
  if (!dim_ok(m.layers, 10'000)) return "layers: must be in [1, 10000]";
  if (!dim_ok(m.hidden_size, kMaxDim)) return "hidden_size: must be in [1, 2^20]";
  if (m.intermediate_size < 0 || m.intermediate_size > kMaxDim) return "intermediate_size: out of range";
  if (!dim_ok(m.attention_heads, 65'536)) return "attention_heads: must be in [1, 65536]";
  if (!dim_ok(m.kv_heads, 65'536)) return "kv_heads: must be in [1, 65536]";
  if (m.attention_heads % m.kv_heads != 0) return "kv_heads: attention_heads must be a multiple of kv_heads";
  if (!dim_ok(m.head_dim, 65'536)) return "head_dim: must be in [1, 65536]";
  if (!dim_ok(m.vocab_size, 1 << 24)) return "vocab_size: must be in [1, 2^24]";
  if (m.max_context <= 0 || m.max_context > (std::int64_t{1} << 26))
    return "max_context: must be in [1, 2^26] tokens";
  if (m.default_quant.empty()) return "default_quant: missing";
  const auto& a = m.attention;
  if (a.sliding_window_layers < 0 || a.linear_attention_layers < 0 ||
      a.sliding_window_layers + a.linear_attention_layers > m.layers)
    return "attention: sliding_window_layers + linear_attention_layers must be within layers";
  if (a.sliding_window_layers > 0 && a.sliding_window <= 0)
    return "attention.sliding_window: must be > 0 when sliding_window_layers > 0";
  if (a.sliding_window < 0 || a.sliding_window > (1 << 26)) return "attention.sliding_window: out of range";
  if (a.linear_attention_layers > 0 &&
      (a.linear_key_heads <= 0 || a.linear_value_heads <= 0 || a.linear_key_head_dim <= 0 ||
       a.linear_value_head_dim <= 0))
    return "attention: linear_attention_layers needs linear_key_heads, linear_value_heads and head dims";
  if (a.linear_key_heads < 0 || a.linear_value_heads < 0 || a.linear_key_head_dim < 0 ||
      a.linear_value_head_dim < 0 || a.linear_conv_kernel < 0 || a.linear_key_heads > 65'536 ||
      a.linear_value_heads > 65'536 || a.linear_key_head_dim > 65'536 || a.linear_value_head_dim > 65'536 ||
      a.linear_conv_kernel > 64)
    return "attention: linear-attention shape out of range";
  const auto& moe = m.moe;
  if (moe.experts < 0 || moe.experts > 65'536) return "moe.experts: out of range";
  if (moe.experts > 0) {
    if (moe.experts_per_token <= 0 || moe.experts_per_token > moe.experts)
      return "moe.experts_per_token: must be in [1, experts]";
    if (moe.expert_intermediate_size <= 0 || moe.expert_intermediate_size > kMaxDim)
      return "moe.expert_intermediate_size: must be > 0";
    if (moe.shared_experts < 0 || moe.shared_experts > 1024) return "moe.shared_experts: out of range";
    if (moe.shared_expert_intermediate_size < 0 || moe.shared_expert_intermediate_size > kMaxDim)
      return "moe.shared_expert_intermediate_size: out of range";
    if (moe.dense_layers < 0 || moe.dense_layers >= m.layers) return "moe.dense_layers: must be < layers";
    if (moe.dense_layers > 0 && m.intermediate_size <= 0)
      return "intermediate_size: needed for the dense layers of an MoE model";
  } else {
    if (m.intermediate_size <= 0) return "intermediate_size: must be > 0 for a dense model";
    if (std::abs(m.active_params_b - m.params_b) > 1e-9 * m.params_b)
      return "active_params_b: differs from params_b but the model has no moe block";
  }
  const auto& mla = m.mla;
  if (mla.kv_lora_rank < 0 || mla.q_lora_rank < 0 || mla.qk_nope_head_dim < 0 || mla.qk_rope_head_dim < 0 ||
      mla.v_head_dim < 0 || mla.kv_lora_rank > kMaxDim || mla.q_lora_rank > kMaxDim ||
      mla.qk_nope_head_dim > 65'536 || mla.qk_rope_head_dim > 65'536 || mla.v_head_dim > 65'536)
    return "mla: shape out of range";
  if (mla.kv_lora_rank > 0 && (mla.qk_nope_head_dim <= 0 || mla.v_head_dim <= 0))
    return "mla: kv_lora_rank needs qk_nope_head_dim and v_head_dim";
  return {};
}

std::string validate(const QuantSpec& q) {
  if (auto problem = check_id(q.id); !problem.empty()) return problem;
  if (q.name.empty()) return "name: missing";
  if (q.source.empty()) return "source: missing";
  // No format stores under 1 bit per weight (IQ1_S: 1.56); smaller values are typos or garbage.
  auto bits_ok = [](double bits) { return std::isfinite(bits) && (bits == 0 || (bits >= 1 && bits <= 64)); };
  if (!positive_finite(q.bits_per_weight) || q.bits_per_weight < 1 || q.bits_per_weight > 64)
    return "bits_per_weight: must be in [1, 64]";
  if (!bits_ok(q.expert_bits_per_weight)) return "expert_bits_per_weight: must be 0 (as bits_per_weight) or in [1, 64]";
  if (!bits_ok(q.embedding_bits_per_weight))
    return "embedding_bits_per_weight: must be 0 (as bits_per_weight) or in [1, 64]";
  if (!bits_ok(q.output_bits_per_weight)) return "output_bits_per_weight: must be 0 (as bits_per_weight) or in [1, 64]";
  if (!non_negative_finite(q.quality_ppl_increase_pct) || q.quality_ppl_increase_pct > 1000)
    return "quality_ppl_increase_pct: must be in [0, 1000]";
  return {};
}

}  // namespace llmfit

#include "llmfit/specs.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <type_traits>
#include <utility>

#include <fmt/format.h>

#include "llmfit/predict.hpp"
#include "llmfit/spec_fields.hpp"
#include "llmfit/text.hpp"

namespace llmfit {
namespace {

bool positive_finite(double value) noexcept { return std::isfinite(value) && value > 0; }

std::string check_id(const std::string& id) {
  if (id.empty()) return "id: missing";
  if (id.size() > 80) return "id: longer than 80 characters";
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
    if (!ok) return "id: '" + id + "' must be lowercase letters, digits, '-', '.', '_'";
  }
  return {};
}

/// Aliases are written like ids; a model's may also be an Ollama tag (one ':', "llama3.1:8b") or a Hugging
/// Face repository id (one '/', "qwen/qwen3-8b"). A hardware name's ':' and '@' are its count and capacity.
std::string check_aliases(const std::vector<std::string>& aliases, bool repository_names) {
  for (const std::string& alias : aliases) {
    const char* rule = repository_names ? "lowercase letters, digits, '-', '.', '_', one ':' and one '/'"
                                        : "lowercase letters, digits, '-', '.', '_'";
    bool ok = !alias.empty() && alias.size() <= 120 && alias.front() != ':' && alias.front() != '/' &&
              alias.back() != ':' && alias.back() != '/';
    int colons = 0;
    int slashes = 0;
    for (char c : alias) {
      colons += c == ':';
      slashes += c == '/';
      ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
                  (repository_names && (c == ':' || c == '/')));
    }
    if (!ok || colons > 1 || slashes > 1)
      return "aliases: '" + excerpt(alias, 60) + "' must be 1 to 120 characters: " + rule;
  }
  return {};
}

/// The first field of `record` (in schema order) outside its range, or a required text or list left empty,
/// as "field: problem" (nested fields as "moe.experts").
template <typename Record>
std::string check_fields(const Record& record, const std::string& prefix = "") {
  std::string problem;
  for_each_field(record, [&](const FieldInfo& f, const auto& value) {
    using T = std::decay_t<decltype(value)>;
    if (!problem.empty()) return;
    const std::string name = f.rule_key.empty() ? prefix + std::string(f.key) : std::string(f.rule_key);
    if constexpr (is_field_block<T>) {
      problem = check_fields(value, prefix + std::string(f.key) + ".");
    } else if constexpr (std::is_same_v<T, std::string>) {
      if (f.required && value.empty()) problem = name + ": missing";
    } else if constexpr (std::is_same_v<T, std::vector<double>>) {
      if (f.required && value.empty()) problem = name + ": " + std::string(f.empty_rule);
      for (double item : value)
        if (problem.empty() && !f.rule.empty() && !f.range.contains(item)) problem = name + ": " + std::string(f.rule);
    } else if constexpr (std::is_same_v<T, std::vector<DeviceApi>>) {
      if (f.required && value.empty()) problem = name + ": " + std::string(f.empty_rule);
    } else if constexpr (std::is_arithmetic_v<T> && !std::is_same_v<T, bool>) {
      if (!f.rule.empty() && !f.range.contains(static_cast<double>(value))) problem = name + ": " + std::string(f.rule);
    }
  });
  return problem;
}

/// "" when `date` is a date written YYYY-MM-DD, else the problem with `key`.
std::string iso_date_problem(const char* key, const std::string& date) {
  const bool iso = date.size() == 10 && date[4] == '-' && date[7] == '-' &&
                   std::all_of(date.begin(), date.end(), [](char c) { return c == '-' || (c >= '0' && c <= '9'); });
  return iso ? std::string() : std::string(key) + ": '" + date.substr(0, 40) + "' must be a date, YYYY-MM-DD";
}

/// A price, power or rental figure without its source is not a catalogue figure.
std::string hardware_sources_problem(const HardwareSpec& hw) {
  if (!hw.memory_prices_usd.empty()) {
    if (hw.memory_prices_usd.size() != hw.memory_options_gib.size())
      return fmt::format("memory_prices_usd: {} prices for {} capacities in memory_gib; give one per capacity (0 for "
                         "one with no known price)",
                         hw.memory_prices_usd.size(), hw.memory_options_gib.size());
    if (hw.memory_prices_source.empty()) return "memory_prices_source: memory_prices_usd needs its source";
    for (std::size_t i = 0; i < hw.memory_options_gib.size(); ++i)
      if (hw.memory_options_gib[i] == hw.default_memory_gib && hw.price_usd > 0 && hw.memory_prices_usd[i] > 0 &&
          hw.memory_prices_usd[i] != hw.price_usd)
        return fmt::format("memory_prices_usd: ${:g} for the default {:g} GiB, but price_usd is ${:g}; they are the "
                           "same product",
                           hw.memory_prices_usd[i], hw.default_memory_gib, hw.price_usd);
  }
  if (hw.idle_w > 0 && hw.idle_w_source.empty()) return "idle_w_source: idle_w needs its source";
  if (hw.idle_w >= hw.tdp_w && hw.tdp_w > 0)
    return fmt::format("idle_w: {:g} W is not below tdp_w ({:g} W)", hw.idle_w, hw.tdp_w);
  if (hw.rental_usd_per_hour > 0 && (hw.rental_price_source.empty() || hw.rental_price_date.empty()))
    return "rental_price_source: a rental price needs its source and rental_price_date";
  if (!hw.rental_price_date.empty()) return iso_date_problem("rental_price_date", hw.rental_price_date);
  return {};
}

}  // namespace

HardwareClass hardware_class(const HardwareSpec& hardware) noexcept {
  if (hardware.kind == HardwareKind::cpu) return HardwareClass::cpu;
  if (hardware.vendor == "apple") return HardwareClass::apple;
  // NVIDIA parts by memory technology: HBM parts (A100, H100, H200, B200) reach about half the share of
  // peak bandwidth in llama.cpp decode that GDDR and LPDDR parts do, and the GDDR server cards are the
  // workstation chips (L40S = AD102 as the RTX 6000 Ada, A40 = GA102 as the RTX A6000). docs/calibration.md.
  if (hardware.vendor == "nvidia")
    return hardware.memory_type.rfind("hbm", 0) == 0 ? HardwareClass::nvidia_datacenter
                                                     : HardwareClass::nvidia_consumer;
  if (hardware.vendor == "amd") return HardwareClass::amd;
  if (hardware.vendor == "intel") return HardwareClass::intel;
  return HardwareClass::cpu;
}

bool known_cpu_isa(std::string_view isa) noexcept {
  static constexpr std::array<std::string_view, 7> kKnown = {"avx2", "avx512", "avx512_vnni", "avx_vnni",
                                                             "neon", "dotprod", "i8mm"};
  return std::find(kKnown.begin(), kKnown.end(), isa) != kKnown.end();
}

bool has_cpu_isa(const HardwareSpec& hw, std::string_view isa) noexcept {
  return std::find(hw.cpu_isa.begin(), hw.cpu_isa.end(), isa) != hw.cpu_isa.end();
}

std::string validate(const HardwareSpec& hw) {
  if (auto problem = check_id(hw.id); !problem.empty()) return problem;
  if (auto problem = check_fields(hw); !problem.empty()) return problem;
  if (auto problem = check_aliases(hw.aliases, false); !problem.empty()) return problem;
  if (std::find(hw.memory_options_gib.begin(), hw.memory_options_gib.end(), hw.default_memory_gib) ==
      hw.memory_options_gib.end())
    return "default_memory_gib: must be one of memory_gib";
  if (hw.gpu_memory_fraction > 0 && hw.kind != HardwareKind::unified)
    return "gpu_memory_fraction: only for unified memory";
  if (!hw.default_host.empty() && hw.kind != HardwareKind::gpu) return "default_host: only for kind gpu";
  if ((hw.cpu_cores > 0 || hw.cpu_simd_bits > 0 || hw.cpu_clock_ghz > 0) && hw.kind == HardwareKind::gpu)
    return "cpu_cores: CPU fields are for kind cpu or unified (a GPU's CPU is its default_host)";
  if (hw.cpu_simd_bits != 0 && hw.cpu_simd_bits % 64 != 0) return "cpu_simd_bits: must be a multiple of 64";
  if ((hw.cpu_fma_pipes > 0 || !hw.cpu_isa.empty()) && hw.kind == HardwareKind::gpu)
    return "cpu_isa: CPU fields are for kind cpu or unified (a GPU's CPU is its default_host)";
  for (const std::string& isa : hw.cpu_isa)
    if (!known_cpu_isa(isa))
      return "cpu_isa: '" + isa.substr(0, 40) + "' must be one of avx2, avx512, avx512_vnni, avx_vnni, neon, dotprod, i8mm";
  if (hw.gpu_cores > 0 && hw.kind == HardwareKind::cpu) return "gpu_cores: a cpu entry states its cores in cpu_cores";
  if (hw.gpu_clock_ghz > 0 && hw.kind == HardwareKind::cpu) return "gpu_clock_ghz: a cpu entry states cpu_clock_ghz";
  if (hw.rdna_generation != 0 && (hw.vendor != "amd" || hw.kind == HardwareKind::cpu))
    return "rdna_generation: only for AMD GPUs";
  if (!hw.gpu_family.empty()) {
    // Apple's Metal GPU families with Macs in them (Metal feature set tables, developer.apple.com/metal/limits).
    static constexpr std::array<std::string_view, 4> kAppleFamilies = {"apple7", "apple8", "apple9", "apple10"};
    if (hw.vendor != "apple" || hw.kind == HardwareKind::cpu)
      return "gpu_family: only for Apple GPUs (the Metal GPU family, apple7-apple10)";
    if (std::find(kAppleFamilies.begin(), kAppleFamilies.end(), hw.gpu_family) == kAppleFamilies.end())
      return "gpu_family: '" + hw.gpu_family.substr(0, 40) + "' must be one of apple7, apple8, apple9, apple10";
  }
  if (hw.gpu_clock_ghz > 0 && hw.gpu_cores > 0) {
    // The tensor peak is cores x clock x the architecture's FLOP per core and clock, a power of two (NVIDIA
    // SM: 512 GA102 FP32-accumulate, 1024 GA102/AD102 FP16-accumulate, 2048 GA100, 4096 GH100).
    const double per_core_clock = std::max(hw.fp16_tflops, hw.int8_tops / 2) * 1e3 / (hw.gpu_cores * hw.gpu_clock_ghz);
    const double power_of_two = std::exp2(std::round(std::log2(per_core_clock)));
    if (std::abs(per_core_clock / power_of_two - 1.0) > limits::kTensorRateTolerance)
      return fmt::format("gpu_clock_ghz: {:g} GHz with {} cores gives {:.0f} FLOP per core and clock for the tensor "
                         "peak (fp16_tflops, int8_tops / 2); an architecture's rate is a power of two, within {:g} %",
                         hw.gpu_clock_ghz, hw.gpu_cores, per_core_clock, limits::kTensorRateTolerance * 100);
  }
  if (hw.memory_bus_bits > 0 && hw.memory_data_rate_mt_s > 0) {
    // Peak bandwidth is the bus width in bytes times the transfer rate (JEDEC); vendors round it.
    const double derived_gb_s = hw.memory_bus_bits / 8.0 * hw.memory_data_rate_mt_s / 1000.0;
    if (std::abs(derived_gb_s / hw.bandwidth_gb_s - 1.0) > limits::kBandwidthBusTolerance)
      return fmt::format("bandwidth_gb_s: {:g} GB/s, but memory_bus_bits x memory_data_rate_mt_s gives {:.4g} GB/s; "
                         "they must agree within {:g} %",
                         hw.bandwidth_gb_s, derived_gb_s, limits::kBandwidthBusTolerance * 100);
  }
  if (auto problem = hardware_sources_problem(hw); !problem.empty()) return problem;
  for (const auto& pci : hw.pci_ids) {
    const bool shaped = pci.size() == 9 && pci[4] == ':' &&
                        std::all_of(pci.begin(), pci.end(), [](char c) {
                          return c == ':' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
                        });
    if (!shaped) return "pci_ids: '" + pci.substr(0, 40) + "' must be vendor:device in hex (10de:2684)";
  }
  return {};
}

std::string validate(const ModelSpec& m) {
  if (auto problem = check_id(m.id); !problem.empty()) return problem;
  if (auto problem = check_fields(m); !problem.empty()) return problem;
  if (auto problem = check_aliases(m.aliases, true); !problem.empty()) return problem;
  if (!positive_finite(m.active_params_b) || m.active_params_b > m.params_b * 1.0001)
    return "active_params_b: must be > 0 and <= params_b";
  if (m.attention_heads % m.kv_heads != 0) return "kv_heads: attention_heads must be a multiple of kv_heads";
  if ((m.api_input_usd_per_mtok > 0 || m.api_output_usd_per_mtok > 0) &&
      (m.api_price_source.empty() || m.api_price_date.empty()))
    return "api_price_source: an API price needs its source and api_price_date";
  if (!m.api_price_date.empty())
    if (auto problem = iso_date_problem("api_price_date", m.api_price_date); !problem.empty()) return problem;
  const auto& a = m.attention;
  if (a.sliding_window_layers < 0 || a.linear_attention_layers < 0 || a.mamba_layers < 0 || a.short_conv_layers < 0)
    return "attention: layer counts must be >= 0";
  if (a.sliding_window_layers + a.recurrent_layers() + m.ffn_only_layers > m.layers)
    return "attention: sliding_window_layers + linear_attention_layers + mamba_layers + short_conv_layers + "
           "ffn_only_layers must be within layers";
  if (m.mixer_only_layers > m.layers - m.ffn_only_layers)
    return "mixer_only_layers: with ffn_only_layers, more than layers (a layer needs a mixer or an FFN)";
  if (m.ffn_layers() < 1) return "mixer_only_layers: no layer is left with an FFN";
  if (a.sliding_window_layers > 0 && a.sliding_window <= 0)
    return "attention.sliding_window: must be > 0 when sliding_window_layers > 0";
  if (a.linear_attention_layers > 0 &&
      (a.linear_key_heads <= 0 || a.linear_value_heads <= 0 || a.linear_key_head_dim <= 0 ||
       a.linear_value_head_dim <= 0))
    return "attention: linear_attention_layers needs linear_key_heads, linear_value_heads and head dims";
  if (a.mamba_layers > 0) {
    if (a.mamba_heads <= 0 || a.mamba_head_dim <= 0 || a.mamba_state_size <= 0 || a.mamba_groups <= 0)
      return "attention: mamba_layers needs mamba_heads, mamba_head_dim, mamba_state_size and mamba_groups";
    if (a.mamba_heads % a.mamba_groups != 0) return "attention.mamba_groups: must divide mamba_heads";
  }
  if (a.short_conv_layers > 0 && a.short_conv_kernel <= 0)
    return "attention.short_conv_kernel: must be > 0 when short_conv_layers > 0";
  if (a.global_kv_heads > 0 && m.attention_heads % a.global_kv_heads != 0)
    return "attention.global_kv_heads: attention_heads must be a multiple of it";
  if (a.kv_shared_layers < 0 || (a.kv_shared_layers > 0 && a.kv_shared_layers >= m.attention_layers()))
    return "attention.kv_shared_layers: must leave at least one attention layer with a cache of its own";
  const bool indexer = a.indexer_heads > 0 || a.indexer_head_dim > 0 || a.indexer_topk > 0;
  if (indexer && (a.indexer_heads <= 0 || a.indexer_head_dim <= 0))
    return "attention: a sparse-attention indexer needs indexer_heads and indexer_head_dim";
  if (m.mla.kv_lora_rank > 0 && (a.output_gate || a.global_kv_heads > 0 || a.global_head_dim > 0 ||
                                 a.global_value_is_key))
    return "attention: output_gate and the global_* shape apply to multi-head attention, not MLA";
  if ((m.per_layer_embedding_size > 0) != (m.per_layer_vocab_size > 0))
    return "per_layer_embedding_size: per-layer embeddings need both per_layer_embedding_size and per_layer_vocab_size";
  const auto& moe = m.moe;
  if (moe.experts > 0) {
    if (moe.experts_per_token <= 0 || moe.experts_per_token > moe.experts)
      return "moe.experts_per_token: must be in [1, experts]";
    if (moe.expert_intermediate_size <= 0 || moe.expert_intermediate_size > limits::kMaxWidth)
      return "moe.expert_intermediate_size: must be > 0";
    if (moe.dense_layers < 0 || moe.dense_layers >= m.ffn_layers())
      return "moe.dense_layers: must be < the layers with an FFN";
    if (moe.dense_layers > 0 && m.intermediate_size <= 0)
      return "intermediate_size: needed for the dense layers of an MoE model";
  } else {
    if (m.intermediate_size <= 0) return "intermediate_size: must be > 0 for a dense model";
    if (std::abs(m.active_params_b - m.params_b) > 1e-9 * m.params_b)
      return "active_params_b: differs from params_b but the model has no moe block";
    if (moe.latent_size > 0) return "moe.latent_size: only for a model with experts";
  }
  if (m.mla.kv_lora_rank > 0 && (m.mla.qk_nope_head_dim <= 0 || m.mla.v_head_dim <= 0))
    return "mla: kv_lora_rank needs qk_nope_head_dim and v_head_dim";
  // A published count far from what the shape holds is a typo in one of them (params_b 0.000001 with an
  // 8B shape gave 40 million bits per weight).
  const ParamBreakdown shape = shape_params(m);
  const double shape_total_b = shape.total() / 1e9;
  if (!(std::abs(m.params_b / shape_total_b - 1.0) <= limits::kParamsShapeTolerance))
    return fmt::format("params_b: {:g} B, but the shape (layers, widths, vocabulary, experts) holds {:.4g} B; they "
                       "must agree within {:g} %",
                       m.params_b, shape_total_b, limits::kParamsShapeTolerance * 100);
  const double shape_active_b = shape.active() / 1e9;
  if (m.is_moe() && !(m.active_params_b / shape_active_b >= 1.0 / limits::kActiveParamsShapeFactor &&
                      m.active_params_b / shape_active_b <= limits::kActiveParamsShapeFactor))
    return fmt::format("active_params_b: {:g} B, but the shape activates {:.4g} B per token; they must agree within a "
                       "factor {:g}",
                       m.active_params_b, shape_active_b, limits::kActiveParamsShapeFactor);
  return {};
}

std::string validate(const QuantSpec& q) {
  constexpr double kStatedBitsRounding = 0.005;  // catalogue bits are rounded to 2-3 decimals
  if (auto problem = check_id(q.id); !problem.empty()) return problem;
  if (auto problem = check_fields(q); !problem.empty()) return problem;
  // A block layout is two numbers or none; one alone cannot give bits per weight.
  if ((q.block_bytes > 0) != (q.block_weights > 0))
    return q.block_bytes > 0 ? "block_weights: must be given with block_bytes"
                             : "block_bytes: must be given with block_weights";
  // Whole bytes, and at least one bit per weight (IQ1_S: 50 bytes per 256 weights).
  if (q.block_weights > 0 && 8 * q.block_bytes < q.block_weights)
    return "block_bytes: fewer than 1 bit per weight of block_weights";
  // A mix only raises tensors above its base type, so no layer weight is stored in fewer bits than the block.
  if (const double block = q.block_bits_per_weight();
      block > 0 && std::min(q.bits_per_weight, q.expert_bits()) < block - kStatedBitsRounding)
    return fmt::format("bits_per_weight: {} is below the {:.4g} bits per weight of its block layout "
                       "(block_bytes {} / block_weights {})",
                       std::min(q.bits_per_weight, q.expert_bits()), block, q.block_bytes, q.block_weights);
  return {};
}

}  // namespace llmfit

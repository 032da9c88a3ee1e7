#pragma once
// Rows of the compiled-in catalogue, as llmfit-dbgen writes them: constant data (string views and spans
// over constant arrays) that needs no code at start-up. The fields mirror HardwareSpec, ModelSpec and
// QuantSpec in declaration order, so the generator can write each row with designated initialisers.
#include <span>
#include <string_view>

#include "llmfit/catalog.hpp"

namespace llmfit::detail {

struct HardwareRow {
  std::string_view id, name, vendor;
  HardwareKind kind;
  std::span<const double> memory_options_gib;
  double default_memory_gib, bandwidth_gb_s, fp16_tflops, int8_tops;
  int gpu_cores;
  FormFactor form_factor;
  double sustained_fraction, throttle_onset_s;
  bool has_thermal_data;
  double tdp_w, price_usd;
  std::span<const DeviceApi> apis;
  std::string_view default_host;
  double gpu_memory_fraction;
  std::span<const std::string_view> aliases;
  std::string_view source, notes, origin;
};

struct ModelRow {
  std::string_view id, name, family;
  double params_b, active_params_b;
  int layers, hidden_size, intermediate_size, attention_heads, kv_heads, head_dim, vocab_size;
  bool tied_embeddings;
  std::int64_t max_context;
  std::string_view default_quant;
  MoeSpec moe;
  AttentionSpec attention;
  MlaSpec mla;
  std::span<const std::string_view> aliases;
  std::string_view source, notes, origin;
};

struct QuantRow {
  std::string_view id, name;
  QuantFormat format;
  QuantKernel kernel;
  double bits_per_weight, expert_bits_per_weight, embedding_bits_per_weight, output_bits_per_weight;
  std::span<const std::string_view> short_forms;
  double quality_ppl_increase_pct;
  std::string_view quality_source, source, notes, origin;
};

/// Appends the rows to `data` as catalogue entries.
void append_builtin_rows(CatalogData& data, std::span<const HardwareRow> hardware, std::span<const ModelRow> models,
                         std::span<const QuantRow> quants);

}  // namespace llmfit::detail

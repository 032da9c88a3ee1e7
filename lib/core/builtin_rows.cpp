#include "builtin_rows.hpp"

namespace llmfit::detail {
namespace {

std::vector<std::string> strings_of(std::span<const std::string_view> views) {
  return std::vector<std::string>(views.begin(), views.end());
}

HardwareSpec spec_of(const HardwareRow& r) {
  HardwareSpec h;
  h.id = r.id;
  h.name = r.name;
  h.vendor = r.vendor;
  h.kind = r.kind;
  h.memory_options_gib.assign(r.memory_options_gib.begin(), r.memory_options_gib.end());
  h.default_memory_gib = r.default_memory_gib;
  h.bandwidth_gb_s = r.bandwidth_gb_s;
  h.fp16_tflops = r.fp16_tflops;
  h.int8_tops = r.int8_tops;
  h.gpu_cores = r.gpu_cores;
  h.form_factor = r.form_factor;
  h.sustained_fraction = r.sustained_fraction;
  h.throttle_onset_s = r.throttle_onset_s;
  h.has_thermal_data = r.has_thermal_data;
  h.tdp_w = r.tdp_w;
  h.price_usd = r.price_usd;
  h.apis.assign(r.apis.begin(), r.apis.end());
  h.default_host = r.default_host;
  h.gpu_memory_fraction = r.gpu_memory_fraction;
  h.aliases = strings_of(r.aliases);
  h.source = r.source;
  h.notes = r.notes;
  h.origin = r.origin;
  return h;
}

ModelSpec spec_of(const ModelRow& r) {
  ModelSpec m;
  m.id = r.id;
  m.name = r.name;
  m.family = r.family;
  m.params_b = r.params_b;
  m.active_params_b = r.active_params_b;
  m.layers = r.layers;
  m.hidden_size = r.hidden_size;
  m.intermediate_size = r.intermediate_size;
  m.attention_heads = r.attention_heads;
  m.kv_heads = r.kv_heads;
  m.head_dim = r.head_dim;
  m.vocab_size = r.vocab_size;
  m.tied_embeddings = r.tied_embeddings;
  m.max_context = r.max_context;
  m.default_quant = r.default_quant;
  m.moe = r.moe;
  m.attention = r.attention;
  m.mla = r.mla;
  m.aliases = strings_of(r.aliases);
  m.source = r.source;
  m.notes = r.notes;
  m.origin = r.origin;
  return m;
}

QuantSpec spec_of(const QuantRow& r) {
  QuantSpec q;
  q.id = r.id;
  q.name = r.name;
  q.format = r.format;
  q.kernel = r.kernel;
  q.bits_per_weight = r.bits_per_weight;
  q.expert_bits_per_weight = r.expert_bits_per_weight;
  q.embedding_bits_per_weight = r.embedding_bits_per_weight;
  q.output_bits_per_weight = r.output_bits_per_weight;
  q.short_forms = strings_of(r.short_forms);
  q.quality_ppl_increase_pct = r.quality_ppl_increase_pct;
  q.quality_source = r.quality_source;
  q.source = r.source;
  q.notes = r.notes;
  q.origin = r.origin;
  return q;
}

}  // namespace

void append_builtin_rows(CatalogData& data, std::span<const HardwareRow> hardware, std::span<const ModelRow> models,
                         std::span<const QuantRow> quants) {
  data.hardware.reserve(data.hardware.size() + hardware.size());
  data.models.reserve(data.models.size() + models.size());
  data.quants.reserve(data.quants.size() + quants.size());
  for (const auto& row : hardware) data.hardware.push_back(spec_of(row));
  for (const auto& row : models) data.models.push_back(spec_of(row));
  for (const auto& row : quants) data.quants.push_back(spec_of(row));
}

}  // namespace llmfit::detail

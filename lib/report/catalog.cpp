// Catalogue entries as JSON and text (catalog.hpp).
#include "llmfit/report/catalog.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "llmfit/predict.hpp"
#include "llmfit/text.hpp"
#include "llmfit/units.hpp"

namespace llmfit {

nlohmann::json spec_to_json(const HardwareSpec& h) {
  nlohmann::json apis = nlohmann::json::array();
  for (DeviceApi api : h.apis) apis.push_back(std::string(to_string(api)));
  return {{"id", h.id},
          {"name", h.name},
          {"vendor", h.vendor},
          {"kind", std::string(to_string(h.kind))},
          {"class", std::string(to_string(hardware_class(h)))},
          {"unified", h.kind == HardwareKind::unified},
          {"memory_gib_options", h.memory_options_gib},
          {"memory_gib", h.default_memory_gib},
          {"memory_gb", units::gib_to_bytes(h.default_memory_gib) / units::kBytesPerGB},
          {"bandwidth_gb_s", h.bandwidth_gb_s},
          {"fp16_tflops", h.fp16_tflops},
          {"int8_tops", h.int8_tops > 0 ? nlohmann::json(h.int8_tops) : nlohmann::json(nullptr)},
          {"gpu_cores", h.gpu_cores > 0 ? nlohmann::json(h.gpu_cores) : nlohmann::json(nullptr)},
          {"form_factor", std::string(to_string(h.form_factor))},
          {"sustained_fraction", h.has_thermal_data ? nlohmann::json(h.sustained_fraction) : nlohmann::json(nullptr)},
          {"throttle_onset_s", h.has_thermal_data && h.throttle_onset_s > 0 ? nlohmann::json(h.throttle_onset_s)
                                                                             : nlohmann::json(nullptr)},
          {"tdp_w", h.tdp_w},
          {"price_usd", h.price_usd > 0 ? nlohmann::json(h.price_usd) : nlohmann::json(nullptr)},
          {"apis", apis},
          {"default_host", h.default_host.empty() ? nlohmann::json(nullptr) : nlohmann::json(h.default_host)},
          {"gpu_memory_fraction", h.kind == HardwareKind::unified
                                      ? nlohmann::json(unified_gpu_fraction(h, h.default_memory_gib))
                                      : nlohmann::json(nullptr)},
          {"aliases", h.aliases},
          {"source", h.source},
          {"notes", h.notes},
          {"origin", h.origin}};
}

nlohmann::json spec_to_json(const ModelSpec& m) {
  nlohmann::json doc = {{"id", m.id},
                        {"name", m.name},
                        {"family", m.family},
                        {"params_b", m.params_b},
                        {"active_params_b", m.active_params_b},
                        {"moe", m.is_moe()},
                        {"layers", m.layers},
                        {"hidden_size", m.hidden_size},
                        {"intermediate_size", m.intermediate_size},
                        {"attention_heads", m.attention_heads},
                        {"kv_heads", m.kv_heads},
                        {"head_dim", m.head_dim},
                        {"vocab_size", m.vocab_size},
                        {"tied_embeddings", m.tied_embeddings},
                        {"max_context", m.max_context},
                        {"default_quant", m.default_quant},
                        {"full_attention_layers", m.full_attention_layers()},
                        {"sliding_window_layers", m.attention.sliding_window_layers},
                        {"sliding_window", m.attention.sliding_window},
                        {"linear_attention_layers", m.attention.linear_attention_layers},
                        {"aliases", m.aliases},
                        {"source", m.source},
                        {"notes", m.notes},
                        {"origin", m.origin}};
  if (m.is_moe())
    doc["experts"] = {{"experts", m.moe.experts},
                      {"experts_per_token", m.moe.experts_per_token},
                      {"expert_intermediate_size", m.moe.expert_intermediate_size},
                      {"shared_experts", m.moe.shared_experts},
                      {"dense_layers", m.moe.dense_layers}};
  if (m.mla.kv_lora_rank > 0)
    doc["mla"] = {{"kv_lora_rank", m.mla.kv_lora_rank}, {"q_lora_rank", m.mla.q_lora_rank},
                  {"qk_nope_head_dim", m.mla.qk_nope_head_dim}, {"qk_rope_head_dim", m.mla.qk_rope_head_dim},
                  {"v_head_dim", m.mla.v_head_dim}};
  const ParamBreakdown shape = shape_params(m);
  doc["shape_params_b"] = shape.total() / 1e9;
  doc["kv_bytes_per_token"] = kv_cache_bytes(m, KvCacheType::f16, 1.0);
  return doc;
}

nlohmann::json spec_to_json(const QuantSpec& q) {
  return {{"id", q.id},
          {"name", q.name},
          {"format", std::string(to_string(q.format))},
          {"kernel", std::string(to_string(q.kernel))},
          {"bits_per_weight", q.bits_per_weight},
          {"expert_bits_per_weight", q.expert_bits()},
          {"embedding_bits_per_weight", q.embedding_bits()},
          {"output_bits_per_weight", q.output_bits()},
          {"short_forms", q.short_forms},
          {"quality_ppl_increase_pct", q.quality_ppl_increase_pct},
          {"quality_source", q.quality_source},
          {"source", q.source},
          {"notes", q.notes},
          {"origin", q.origin}};
}

namespace {
std::string describe_json(const nlohmann::json& doc) {
  std::string out;
  std::size_t width = 0;
  for (const auto& [key, value] : doc.items()) width = std::max(width, key.size());
  for (const auto& [key, value] : doc.items()) {
    if (value.is_null() || (value.is_string() && value.get<std::string>().empty()) ||
        (value.is_array() && value.empty()))
      continue;
    std::string text;
    if (value.is_string()) {
      text = value.get<std::string>();
    } else if (value.is_array()) {
      std::vector<std::string> items;
      for (const auto& item : value) items.push_back(item.is_string() ? item.get<std::string>() : item.dump());
      text = join(items, ", ");
    } else if (value.is_object()) {
      std::vector<std::string> items;
      for (const auto& [k, v] : value.items()) items.push_back(k + " " + v.dump());
      text = join(items, ", ");
    } else if (value.is_number_float()) {
      text = fmt::format("{:g}", value.get<double>());
    } else {
      text = value.dump();
    }
    out += fmt::format("  {:<{}}  {}\n", key, width, text);
  }
  return out;
}
}  // namespace

std::string describe(const HardwareSpec& h) { return describe_json(spec_to_json(h)); }
std::string describe(const ModelSpec& m) { return describe_json(spec_to_json(m)); }
std::string describe(const QuantSpec& q) { return describe_json(spec_to_json(q)); }

}  // namespace llmfit

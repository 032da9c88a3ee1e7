// Catalogue entries as JSON and text (catalog.hpp).
#include "llmfit/report/catalog.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <vector>
#include <type_traits>

#include "llmfit/predict.hpp"
#include "llmfit/report/model_file.hpp"
#include "llmfit/spec_fields.hpp"
#include "llmfit/text.hpp"
#include "llmfit/units.hpp"
#include "model_file_json.hpp"
#include "table.hpp"

namespace llmfit {

namespace {

using nlohmann::json;

/// Every JSON field of a record (spec_fields.hpp), under its JSON key.
template <typename Record>
void fields_to_json(const Record& record, json& doc) {
  for_each_field(record, [&](const FieldInfo& f, const auto& value) {
    using T = std::decay_t<decltype(value)>;
    if (!f.json) return;
    const std::string key(f.json_name());
    if constexpr (is_field_block<T>) {
      if (f.nesting == JsonNesting::flatten) {
        fields_to_json(value, doc);
      } else if constexpr (requires { value.present(); }) {
        if (value.present()) {
          json nested = json::object();
          fields_to_json(value, nested);
          doc[key] = nested;
        }
      }
    } else if constexpr (std::is_same_v<T, std::vector<DeviceApi>>) {
      json names = json::array();
      for (DeviceApi api : value) names.push_back(std::string(to_string(api)));
      doc[key] = names;
    } else if constexpr (std::is_enum_v<T>) {
      doc[key] = std::string(enum_name(value));
    } else if constexpr (std::is_same_v<T, std::string>) {
      doc[key] = f.zero_is_unknown && value.empty() ? json(nullptr) : json(value);
    } else if constexpr (std::is_arithmetic_v<T> && !std::is_same_v<T, bool>) {
      doc[key] = f.zero_is_unknown && value == 0 ? json(nullptr) : json(value);
    } else {
      doc[key] = value;  // bool, text and number lists
    }
  });
}

template <typename Record>
json record_json(const Record& record) {
  json doc = json::object();
  fields_to_json(record, doc);
  return doc;
}

json spec_json(const HardwareSpec& h) {
  json doc = record_json(h);
  // Derived: the calibration class, capacity in 10^9 bytes, the thermal figures only when measured, and the
  // share of unified memory the GPU gets (the macOS rule when the entry gives none).
  doc["class"] = std::string(to_string(hardware_class(h)));
  doc["unified"] = h.kind == HardwareKind::unified;
  doc["memory_gb"] = units::gib_to_bytes(h.default_memory_gib) / units::kBytesPerGB;
  doc["sustained_fraction"] = h.has_thermal_data ? json(h.sustained_fraction) : json(nullptr);
  doc["throttle_onset_s"] = h.has_thermal_data && h.throttle_onset_s > 0 ? json(h.throttle_onset_s) : json(nullptr);
  doc["gpu_memory_fraction"] =
      h.kind == HardwareKind::unified ? json(unified_gpu_fraction(h, h.default_memory_gib)) : json(nullptr);
  return doc;
}

json spec_json(const ModelSpec& m) {
  json doc = record_json(m);
  doc["moe"] = m.is_moe();
  doc["full_attention_layers"] = m.full_attention_layers();
  const ParamBreakdown shape = shape_params(m);
  doc["shape_params_b"] = shape.total() / 1e9;
  // The f16 KV entry one more token adds, and the fixed state of the recurrent layers (f32, per sequence).
  const double state = recurrent_state_bytes(m);
  doc["kv_bytes_per_token"] = kv_cache_bytes(m, KvCacheType::f16, 1.0) - state;
  doc["recurrent_state_bytes"] = state;
  return doc;
}

json spec_json(const QuantSpec& q) {
  json doc = record_json(q);
  // Effective widths: 0 in the catalogue means "as bits_per_weight".
  doc["expert_bits_per_weight"] = q.expert_bits();
  doc["embedding_bits_per_weight"] = q.embedding_bits();
  doc["output_bits_per_weight"] = q.output_bits();
  return doc;
}

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

template <typename Spec>
std::string entry_text(const Spec& spec) {
  return spec.name + "\n" + describe_json(spec_json(spec));
}

std::string hardware_list_text(const std::vector<const HardwareSpec*>& rows) {
  std::string out = fmt::format("{:<24} {:<40} {:>8} {:>14} {:>8} {:>7} {:>7}  {}\n", "id", "name", "kind",
                                "memory GiB", "GB/s", "TFLOPS", "USD", "aliases");
  for (const auto* h : rows) {
    std::vector<std::string> capacities;
    for (double gib : h->memory_options_gib) capacities.push_back(fmt::format("{:g}", gib));
    std::string memory = join(capacities, "/");
    if (memory.size() > 14) memory = fmt::format("{:g}-{:g}", h->memory_options_gib.front(), h->memory_options_gib.back());
    std::string line = fmt::format("{:<24} {:<40} {:>8} {:>14} {:>8g} {:>7g} {:>7}  {}", h->id, h->name.substr(0, 40),
                                   to_string(h->kind), memory, h->bandwidth_gb_s, h->fp16_tflops,
                                   h->price_usd > 0 ? fmt::format("{:g}", h->price_usd) : "-", join(h->aliases, ", "));
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  out += fmt::format("{} entries (memory in GiB as sold; bandwidth 1e9 B/s); name one by id, alias or as written "
                     "(\"RTX 4090\", \"M3 Ultra 512GB\"), id[:count][@GiB]\n",
                     rows.size());
  return out;
}

std::string model_list_text(const std::vector<const ModelSpec*>& rows) {
  std::string out = fmt::format("{:<26} {:<14} {:>8} {:>8} {:>7} {:>9} {:<8}  {}\n", "id", "family", "params", "active",
                                "layers", "context", "default", "aliases (Ollama tags, Hugging Face repositories)");
  for (const auto* m : rows) {
    std::string line = fmt::format("{:<26} {:<14} {:>7g}B {:>7g}B {:>7} {:>9} {:<8}  {}", m->id, m->family.substr(0, 14),
                                   m->params_b, m->active_params_b, m->layers, with_thousands(m->max_context),
                                   m->default_quant, join(m->aliases, ", "));
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  out += fmt::format("{} entries; name a quantisation as <model>-<quant>, e.g. llama-3.1-8b-q4_k_m or -q4; Ollama tags "
                     "(llama3.1:8b), Hugging Face repositories and GGUF file names work too\n",
                     rows.size());
  return out;
}

std::string quant_list_text(const std::vector<const QuantSpec*>& rows) {
  // Columns as wide as their longest entry: names such as "MLX 8-bit (group 64)" and the format
  // "safetensors" would otherwise push the rows out of line.
  std::size_t id_width = 2, name_width = 4, format_width = 6, kernel_width = 6;
  for (const QuantSpec* entry : rows) {
    const QuantSpec& q = *entry;
    id_width = std::max(id_width, q.id.size());
    name_width = std::max(name_width, q.name.size());
    format_width = std::max(format_width, to_string(q.format).size());
    kernel_width = std::max(kernel_width, to_string(q.kernel).size());
  }
  const auto row = [&](std::string_view id, std::string_view name, std::string_view format, std::string_view kernel,
                       std::string_view bits, std::string_view expert_bits, std::string_view ppl,
                       std::string_view forms) {
    std::string line = fmt::format("{:<{}} {:<{}} {:<{}} {:<{}} {:>6} {:>7} {:>7}  {}", id, id_width, name, name_width,
                                   format, format_width, kernel, kernel_width, bits, expert_bits, ppl, forms);
    while (!line.empty() && line.back() == ' ') line.pop_back();
    return line + "\n";
  };
  std::string out = row("id", "name", "format", "kernel", "bits", "experts", "ppl +%", "short forms");
  for (const QuantSpec* entry : rows) {
    const QuantSpec& q = *entry;
    const std::string experts = q.expert_bits_per_weight > 0 ? fmt::format("{:.2f}", q.expert_bits_per_weight) : "-";
    out += row(q.id, q.name, to_string(q.format), to_string(q.kernel), fmt::format("{:.2f}", q.bits_per_weight),
               experts, fmt::format("{:.2f}", q.quality_ppl_increase_pct), join(q.short_forms, ","));
  }
  out += "bits: the repeating layers' weights; experts: routed-expert weights when stored differently\n";
  return out;
}

template <typename Spec>
std::string list_json(const std::vector<const Spec*>& entries) {
  json doc = json::array();
  for (const Spec* entry : entries) doc.push_back(spec_json(*entry));
  return report::json_text(doc);
}

}  // namespace

std::string render_hardware_list(const std::vector<const HardwareSpec*>& entries, Format format) {
  return format == Format::json ? list_json(entries) : hardware_list_text(entries);
}
std::string render_model_list(const std::vector<const ModelSpec*>& entries, Format format) {
  return format == Format::json ? list_json(entries) : model_list_text(entries);
}
std::string render_quant_list(const std::vector<const QuantSpec*>& entries, Format format) {
  return format == Format::json ? list_json(entries) : quant_list_text(entries);
}

std::string render_entry(const HardwareSpec& hardware, Format format) {
  return format == Format::json ? report::json_text(spec_json(hardware)) : entry_text(hardware);
}
std::string render_entry(const QuantSpec& quant, Format format) {
  return format == Format::json ? report::json_text(spec_json(quant)) : entry_text(quant);
}

std::string render_model_entry(const ModelSpec& model, const QuantSpec* quant, const ModelFileInfo* file,
                               Format format) {
  json doc = spec_json(model);
  std::string text = entry_text(model);
  if (quant != nullptr) {
    doc["quant"] = spec_json(*quant);
    text += "quantisation " + entry_text(*quant);
  }
  if (file != nullptr) {
    doc["file"] = report::model_file_json(*file);
    text += '\n';
    text += describe_model_file(*file);
  }
  return format == Format::json ? report::json_text(doc) : text;
}

}  // namespace llmfit

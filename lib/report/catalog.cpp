// Catalogue entries as JSON and text (catalog.hpp).
#include "llmfit/report/catalog.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <type_traits>

#include "llmfit/predict.hpp"
#include "llmfit/spec_fields.hpp"
#include "llmfit/text.hpp"
#include "llmfit/units.hpp"

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

}  // namespace

nlohmann::json spec_to_json(const HardwareSpec& h) {
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

nlohmann::json spec_to_json(const ModelSpec& m) {
  json doc = record_json(m);
  doc["moe"] = m.is_moe();
  doc["full_attention_layers"] = m.full_attention_layers();
  const ParamBreakdown shape = shape_params(m);
  doc["shape_params_b"] = shape.total() / 1e9;
  doc["kv_bytes_per_token"] = kv_cache_bytes(m, KvCacheType::f16, 1.0);
  return doc;
}

nlohmann::json spec_to_json(const QuantSpec& q) {
  json doc = record_json(q);
  // Effective widths: 0 in the catalogue means "as bits_per_weight".
  doc["expert_bits_per_weight"] = q.expert_bits();
  doc["embedding_bits_per_weight"] = q.embedding_bits();
  doc["output_bits_per_weight"] = q.output_bits();
  return doc;
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

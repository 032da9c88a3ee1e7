#pragma once
// Catalogue entries as `show --format json` writes them, parsed, for tests that compare entries field by field.
#include <nlohmann/json.hpp>

#include "llmfit/report.hpp"

namespace llmfit {

/// The `show --format json` object of an entry.
inline nlohmann::json entry_json(const HardwareSpec& h) { return nlohmann::json::parse(render_entry(h, Format::json)); }
inline nlohmann::json entry_json(const QuantSpec& q) { return nlohmann::json::parse(render_entry(q, Format::json)); }
inline nlohmann::json entry_json(const ModelSpec& m) {
  return nlohmann::json::parse(render_model_entry(m, nullptr, nullptr, Format::json));
}

}  // namespace llmfit

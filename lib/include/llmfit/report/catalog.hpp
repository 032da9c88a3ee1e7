#pragma once
/// Catalogue entries as JSON objects and readable descriptions (`list`, `show`).
#include <nlohmann/json.hpp>
#include <string>

#include "llmfit/specs.hpp"

namespace llmfit {

/// Every field of a catalogue entry (`show`); `list` uses the same objects.
[[nodiscard]] nlohmann::json spec_to_json(const HardwareSpec& hardware);
[[nodiscard]] nlohmann::json spec_to_json(const ModelSpec& model);
[[nodiscard]] nlohmann::json spec_to_json(const QuantSpec& quant);
/// A readable multi-line description of an entry with its sources (`show`).
[[nodiscard]] std::string describe(const HardwareSpec& hardware);
[[nodiscard]] std::string describe(const ModelSpec& model);
[[nodiscard]] std::string describe(const QuantSpec& quant);

}  // namespace llmfit

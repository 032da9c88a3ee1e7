#pragma once
/// Presentation of answers: the terminal card and the JSON document (schema in docs/json.md).
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "llmfit/query.hpp"

namespace llmfit {

/// The compact answer card printed by `llmfit --hw X --model Y`.
[[nodiscard]] std::string render_card(const Answer& answer);
/// The `--format json` document of one answer.
[[nodiscard]] nlohmann::json answer_to_json(const Answer& answer);

/// Every field of a catalogue entry (`show`); `list` uses the same objects.
[[nodiscard]] nlohmann::json spec_to_json(const HardwareSpec& hardware);
[[nodiscard]] nlohmann::json spec_to_json(const ModelSpec& model);
[[nodiscard]] nlohmann::json spec_to_json(const QuantSpec& quant);
/// A readable multi-line description of an entry with its sources (`show`).
[[nodiscard]] std::string describe(const HardwareSpec& hardware);
[[nodiscard]] std::string describe(const ModelSpec& model);
[[nodiscard]] std::string describe(const QuantSpec& quant);

/// Items joined by a separator ("a, b, c").
[[nodiscard]] std::string join(const std::vector<std::string>& items, std::string_view separator);
/// 12345 → "12,345".
[[nodiscard]] std::string with_thousands(std::int64_t value);
/// Bytes as decimal gigabytes with sensible precision ("17.3 GB").
[[nodiscard]] std::string format_gb(double bytes);
/// A speed with 3 significant figures ("48.1", "612", "12,300").
[[nodiscard]] std::string format_rate(double per_second);
/// Seconds as "850 ms", "1.2 s", "3.4 min".
[[nodiscard]] std::string format_duration(double seconds);
/// A unicode bar `width` cells long at full scale (eighth-block resolution).
[[nodiscard]] std::string unicode_bar(double value, double full_scale, int width);

}  // namespace llmfit

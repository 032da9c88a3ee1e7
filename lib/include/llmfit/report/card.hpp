#pragma once
/// Presentation of answers: the terminal card and the JSON document (schema in docs/json.md).
#include <nlohmann/json.hpp>
#include <string>

#include "llmfit/scenario.hpp"

namespace llmfit {

/// The compact answer card printed by `llmfit --hw X --model Y`.
[[nodiscard]] std::string render_card(const Answer& answer);
/// The `--format json` document of one answer.
[[nodiscard]] nlohmann::json answer_to_json(const Answer& answer);

}  // namespace llmfit

#pragma once
/// Presentation of answers: the terminal card and the JSON document (schema in docs/json.md).
#include <string>

#include "llmfit/report/format.hpp"
#include "llmfit/scenario.hpp"

namespace llmfit {

inline constexpr std::array kAnswerFormats = kDocumentFormats;
/// Text: the compact card `llmfit --hw X --model Y` prints; JSON: the document of docs/json.md.
[[nodiscard]] std::string render_answer(const Answer& answer, Format format);

}  // namespace llmfit

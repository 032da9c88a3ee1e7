#pragma once
// A model file's part of `show model --model-file` as JSON (internal: the catalogue report writes it).
#include <nlohmann/json.hpp>

#include "llmfit/model_file.hpp"

namespace llmfit::report {

/// Format, parts, tensor types with their bytes and bits per weight, the exact weight bytes by part of
/// the model, and the notes on what was assumed. `_gb` figures are 10^9 bytes.
[[nodiscard]] nlohmann::json model_file_json(const ModelFileInfo& info);

}  // namespace llmfit::report

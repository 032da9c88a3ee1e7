#pragma once
/// What was read from a model file (`llmfit show model --model-file x.gguf`), as text and JSON.
#include <string>

#include <nlohmann/json.hpp>

#include "llmfit/model_file.hpp"

namespace llmfit {

/// The file part: format, parts, tensor types with their bytes and bits per weight, the exact weight
/// bytes by part of the model, and the notes on what was assumed. `_gb` figures are 10^9 bytes.
[[nodiscard]] nlohmann::json model_file_to_json(const ModelFileInfo& info);
[[nodiscard]] std::string describe_model_file(const ModelFileInfo& info);

}  // namespace llmfit

#pragma once
/// What was read from a model file (`llmfit show model --model-file x.gguf`): format, parts, tensor types
/// with their bytes and bits per weight, the exact weight bytes by part of the model, and the notes on
/// what was assumed (its JSON is part of render_model_entry, catalog.hpp).
#include <string>

#include "llmfit/model_file.hpp"

namespace llmfit {

[[nodiscard]] std::string describe_model_file(const ModelFileInfo& info);

}  // namespace llmfit

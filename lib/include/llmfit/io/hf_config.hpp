#pragma once
/// A Hugging Face `config.json` read as a model description: the same ModelSpec the catalogue holds,
/// with the parameter counts computed from the shape (shape_params in predict.hpp). Accepted keys per
/// architecture, defaults and what is not counted: docs/model-files.md.
#include <string>
#include <string_view>
#include <vector>

#include "llmfit/specs.hpp"

namespace llmfit {

struct HfConfigModel {
  ModelSpec model;                 // complete and passing validate(model); params_b/active_params_b computed
  std::string suggested_quant;     // catalogue quant id from torch_dtype / quantization_config
  std::vector<std::string> notes;  // one line each: what was read or assumed
};

/// The architectures (`model_type` values) a config may name.
[[nodiscard]] const std::vector<std::string>& hf_supported_model_types();

/// Pure: the text of a config.json. `source_name` (file path) goes into every error and into
/// model.source/origin; `id` becomes model.id (lowercase, catalogue id syntax). Throws InputError
/// "<source_name>: <field>: <problem>" on bad input, "<source_name>: not valid JSON: ..." on malformed JSON.
[[nodiscard]] HfConfigModel model_from_hf_config_text(std::string_view text, const std::string& source_name,
                                                      const std::string& id);

/// The catalogue id a config file is known by: the parent folder's name when it looks like a model
/// name (".../Qwen3-8B/config.json" → "qwen3-8b"; a Hugging Face cache snapshot
/// ".../models--Qwen--Qwen3-8B/snapshots/<hash>/config.json" → "qwen3-8b"), else the file stem,
/// sanitised to the catalogue id syntax.
[[nodiscard]] std::string hf_config_id_from_path(const std::string& path);

/// Reads the file (I/O lives here only): unreadable file or malformed JSON → InputError "<path>: ...".
[[nodiscard]] HfConfigModel read_hf_config(const std::string& path);

}  // namespace llmfit

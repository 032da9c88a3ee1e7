#pragma once
/// Reading a model from its own files: a GGUF model's header (gguf.hpp) or a Hugging Face config.json
/// (hf_config.hpp), as the catalogue records of model_file.hpp.
#include <string>
#include <vector>

#include "llmfit/catalog.hpp"
#include "llmfit/io/gguf.hpp"
#include "llmfit/model_file.hpp"

namespace llmfit {

/// A model from the headers of one GGUF model (several parts when split), checked against
/// `catalog` for the quantisation entry and a free id. Pure: the parts are already parsed.
/// Throws InputError "<path>: <key or tensor>: <problem>".
[[nodiscard]] ModelFileInfo model_from_gguf(const std::vector<GgufFile>& parts, const Catalog& catalog,
                                            const std::string& id);

/// Reads `path` (and, for `name-00001-of-00003.gguf`, every other part beside it; any part may be
/// named) and describes the model. Only the headers are read.
[[nodiscard]] ModelFileInfo read_gguf_model(const std::string& path, const Catalog& catalog);

/// Reads a Hugging Face config.json. The model is in the config's own precision (torch_dtype or
/// quantization_config) unless `quant` names a catalogue quantisation.
[[nodiscard]] ModelFileInfo read_hf_config_model(const std::string& path, const Catalog& catalog,
                                                 const std::string& quant = {});

/// The file names of every part of a split GGUF (`-00001-of-00003.gguf`), or just `path`.
[[nodiscard]] std::vector<std::string> gguf_part_paths(const std::string& path);

}  // namespace llmfit

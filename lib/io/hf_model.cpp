// A Hugging Face config.json as catalogue records (see model_file.hpp; the parsing is hf_config.cpp).
#include <fmt/format.h>

#include "llmfit/errors.hpp"
#include "llmfit/io/hf_config.hpp"
#include "llmfit/model_file.hpp"

namespace llmfit {

ModelFileInfo read_hf_config_model(const std::string& path, const Catalog& catalog, const std::string& quant) {
  HfConfigModel read = read_hf_config(path);
  ModelFileInfo info;
  info.format = "hf-config";
  info.paths = {path};
  info.architecture = read.model.family;
  info.notes = std::move(read.notes);
  info.model = std::move(read.model);
  info.model.id = unique_model_id(catalog, info.model.id, "-hf");
  // The config's own precision unless --quant names another; either must be a catalogue entry.
  const std::string& wanted = quant.empty() ? read.suggested_quant : quant;
  const QuantSpec* q = catalog.find_quant(wanted);
  if (q == nullptr)
    throw InputError(fmt::format("{}: quantisation '{}' is not in the catalogue{}", path, wanted,
                                 quant.empty() ? " (from torch_dtype / quantization_config)" : ""));
  info.quant_id = q->id;
  info.model.default_quant = q->id;
  info.notes.push_back(fmt::format("{:.3f}B parameters ({:.3f}B active) computed from the shape", info.model.params_b,
                                   info.model.active_params_b));
  return info;
}

}  // namespace llmfit

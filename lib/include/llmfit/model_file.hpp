#pragma once
/// Models described by a file instead of the catalogue: a GGUF model (its header) or a Hugging Face
/// config.json. Both become the catalogue's own records (ModelSpec, and a QuantSpec when the file's
/// quantisation is not in the catalogue), so every command takes them like a shipped model. The
/// readers of the files are llmfit/io/model_files.hpp.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "llmfit/catalog.hpp"
#include "llmfit/specs.hpp"

namespace llmfit {

/// Tensors of one ggml type in a GGUF file.
struct TensorTypeTally {
  std::string type_name;  // "Q4_K"
  int tensors = 0;
  double params = 0;
  double bytes = 0;
};

struct ModelFileInfo {
  std::string format;               // "gguf" | "hf-config"
  std::vector<std::string> paths;   // the files read (every part of a split GGUF, in order)
  ModelSpec model;                  // id unique in the catalogue it was read against
  std::optional<QuantSpec> quant;   // the file's quantisation when the catalogue lacks it
  std::string quant_id;             // quantisation the model is in by default (catalogue or `quant`)
  std::string architecture;         // general.architecture / model_type
  std::uint32_t gguf_version = 0;
  std::uint64_t tensor_count = 0;
  std::vector<TensorTypeTally> tensor_types;  // by bytes, largest first
  double file_bytes = 0;            // GGUF: all parts on disk
  std::vector<std::string> notes;   // what was read or assumed, one line each

  /// The records to layer onto a catalogue with Catalog::add_source().
  [[nodiscard]] CatalogData catalog_data() const;
};

/// `wanted` as a catalogue id (lowercase, [a-z0-9-._]), made unique in `catalog`: a name that is
/// already a model id, or reads as a model plus a quantisation, gets `suffix` appended.
[[nodiscard]] std::string unique_model_id(const Catalog& catalog, const std::string& wanted,
                                          const std::string& suffix);

}  // namespace llmfit

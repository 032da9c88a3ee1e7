#pragma once
/// Catalogue entries for people and programs (`list`, `show`): aligned tables and descriptions with their
/// sources (text), or every field as JSON (the record's field list, spec_fields.hpp, plus what follows
/// from it: class, memory in 10^9 bytes, effective bit widths, parameters from the shape).
#include <array>
#include <string>
#include <vector>

#include "llmfit/model_file.hpp"
#include "llmfit/report/format.hpp"
#include "llmfit/specs.hpp"

namespace llmfit {

inline constexpr std::array kCatalogFormats = kDocumentFormats;
/// `llmfit list hardware|models|quants`: a table, or a JSON array of the entries.
[[nodiscard]] std::string render_hardware_list(const std::vector<const HardwareSpec*>& entries, Format format);
[[nodiscard]] std::string render_model_list(const std::vector<const ModelSpec*>& entries, Format format);
[[nodiscard]] std::string render_quant_list(const std::vector<const QuantSpec*>& entries, Format format);
/// `llmfit show`: every field of an entry with its sources, or its JSON object.
[[nodiscard]] std::string render_entry(const HardwareSpec& hardware, Format format);
[[nodiscard]] std::string render_entry(const QuantSpec& quant, Format format);
/// A model; with `quant` (a quantisation named, or a model file's own) and `file` (what a model file held)
/// when given (JSON: under "quant" and "file").
[[nodiscard]] std::string render_model_entry(const ModelSpec& model, const QuantSpec* quant, const ModelFileInfo* file,
                                             Format format);

}  // namespace llmfit

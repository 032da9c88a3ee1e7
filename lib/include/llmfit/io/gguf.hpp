#pragma once
/// Reading the header of a GGUF model file: metadata and the tensor-info table, never the weights.
/// Format: ggml's docs/gguf.md (versions 2 and 3, little-endian).
#include <cstdint>
#include <istream>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace llmfit {

/// A ggml tensor type: elements per block and bytes per block (ggml.h `enum ggml_type`,
/// gguf-py GGML_QUANT_SIZES).
struct GgmlTypeTraits {
  std::string_view name;  // "Q4_K"
  std::uint32_t elements_per_block = 0;
  std::uint32_t bytes_per_block = 0;
};
/// Null for ids ggml does not define (4, 5, 31-33 and 36-38 were removed; ids above 40 are unknown).
[[nodiscard]] const GgmlTypeTraits* ggml_type_traits(std::uint32_t type_id) noexcept;

/// `general.file_type` (llama.h `enum llama_ftype`) as a lowercase quantisation name ("q4_k_m"),
/// empty for unknown values.
[[nodiscard]] std::string_view gguf_file_type_name(std::uint32_t file_type) noexcept;

/// An array value: element type and length, with the elements kept when they are numbers or bools
/// (per-layer head counts); string arrays (the tokenizer's vocabulary) are skipped, only counted.
struct GgufArray {
  std::uint32_t element_type = 0;
  std::uint64_t length = 0;
  std::vector<double> numbers;  // numeric / bool elements, when element_type is not string or array
};
using GgufValue = std::variant<std::uint64_t, std::int64_t, double, bool, std::string, GgufArray>;

struct GgufTensorInfo {
  std::string name;
  std::vector<std::uint64_t> dims;  // ne[0] (the contiguous dimension) first
  std::uint32_t type_id = 0;
  std::uint64_t offset_bytes = 0;  // relative to the start of the data section
  std::uint64_t elements = 0;
  std::uint64_t bytes = 0;  // elements / block size × block bytes
};

/// One GGUF file's header.
struct GgufFile {
  std::string path;  // for messages
  std::uint32_t version = 0;
  std::map<std::string, GgufValue, std::less<>> metadata;
  std::vector<GgufTensorInfo> tensors;
  std::uint64_t alignment = 32;
  std::uint64_t data_offset = 0;  // start of the tensor data: header end rounded up to the alignment
  std::uint64_t file_bytes = 0;

  // Typed metadata lookups (nullopt when absent; InputError naming the key when of the wrong type).
  [[nodiscard]] std::optional<std::string> string_value(std::string_view key) const;
  [[nodiscard]] std::optional<std::uint64_t> unsigned_value(std::string_view key) const;
  [[nodiscard]] std::optional<double> number_value(std::string_view key) const;
  [[nodiscard]] const GgufArray* array_value(std::string_view key) const noexcept;
  [[nodiscard]] const GgufValue* find(std::string_view key) const noexcept;
};

/// Parses the header from `in` (positioned at the file start), whose total size is `file_bytes`.
/// Every count and length is checked against the bytes left, so a corrupt header cannot make it
/// allocate or loop without bound. Throws InputError "<path>: <what>" on malformed or truncated input,
/// and when a tensor's data would lie beyond the end of the file.
[[nodiscard]] GgufFile parse_gguf(std::istream& in, std::uint64_t file_bytes, const std::string& path);
/// Opens and parses one file (reads the header only).
[[nodiscard]] GgufFile read_gguf_header(const std::string& path);

}  // namespace llmfit

#pragma once
// What every text reader of the io layer shares (internal): the one bounded file reader, the JSON depth
// check and parser with one-line errors, and the YAML loader with its errors.
#include <yaml-cpp/yaml.h>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>

#include "input_file.hpp"

namespace llmfit::io {

/// The text of a regular file or a pipe of at most `max_bytes` (InputFile, InputKind::stream): "<path>: no
/// such file", "<path>: is a device, not a file", "<path>: larger than <N> MiB; <too_large>". Throws InputError.
[[nodiscard]] std::string read_text_file(const std::string& path, std::uintmax_t max_bytes, std::string_view too_large);

/// Deepest nesting of arrays and objects outside strings. Refusing deep documents before parsing keeps the
/// recursive parser's stack bounded.
[[nodiscard]] int json_nesting_depth(std::string_view text) noexcept;

/// The parsed document, or InputError "<where>: not valid JSON: …" ("unusable JSON" for a number beyond a
/// double, 1e400).
[[nodiscard]] nlohmann::json parse_json_text(std::string_view text, const std::string& where);

/// YAML nodes a document may hold with its aliases expanded: the shipped catalogue is about 10⁴.
inline constexpr std::uint64_t kMaxYamlNodes = 1'000'000;

/// Checks a YAML text before anything is built from it: one document only, at most kMaxYamlNodes nodes
/// with aliases expanded, no key twice in one mapping. InputError "<source>:<line>:<column>: …".
void check_yaml_shape(std::string_view text, const std::string& source, std::string_view depth_needed);

/// The parsed YAML document (check_yaml_shape() first), or InputError "<source>:<line>:<column>: not valid YAML: …" ("nested too deeply"
/// past yaml-cpp's 500 levels; `depth_needed` says how deep the format nests: "a catalogue needs 3").
[[nodiscard]] YAML::Node load_yaml(std::string_view text, const std::string& source, std::string_view depth_needed);

}  // namespace llmfit::io

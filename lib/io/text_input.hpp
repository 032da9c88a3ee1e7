#pragma once
// What every text reader of the io layer shares (internal): the one bounded file reader, the JSON depth
// check and parser with one-line errors, and the YAML loader with its errors.
#include <yaml-cpp/yaml.h>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <istream>
#include <memory>
#include <optional>
#include <streambuf>
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

/// json_nesting_depth() of a text fed in pieces (a stream read block by block).
class JsonNesting {
 public:
  void feed(std::string_view piece) noexcept;
  [[nodiscard]] int deepest() const noexcept { return deepest_; }

 private:
  int depth_ = 0;
  int deepest_ = 0;
  bool in_string_ = false;
  bool escaped_ = false;
};

/// A text input read front to back in blocks and never held whole: lines for the line formats, a
/// std::streambuf for a JSON parser (std::istream over it). Reading a file or a pipe, the byte cap is
/// checked as each block arrives (a regular file larger than the cap is refused before reading), so an input
/// is refused mid-stream at the cap, whatever has been read from it so far. A text already in memory
/// (`parse_runs` on a string) is read the same way, without copying.
class TextStream : public std::streambuf {
 public:
  /// Opens `path` (InputFile, InputKind::stream). Throws InputError as read_text_file() does.
  TextStream(const std::string& path, std::uint64_t max_bytes, std::string_view too_large);
  /// `text`, named `name` in messages; `text` must outlive the stream.
  TextStream(std::string_view text, std::string name);
  TextStream(const TextStream&) = delete;
  TextStream& operator=(const TextStream&) = delete;
  ~TextStream() override;

  [[nodiscard]] const std::string& name() const noexcept { return name_; }
  /// Bytes the input holds when known (a regular file, a text in memory), else 0 (a pipe): for reserving.
  [[nodiscard]] std::uint64_t size_hint() const noexcept { return size_hint_; }

  /// At the start of the input: skips a UTF-8 byte-order mark, then spaces, tabs and line ends; the next
  /// byte (not consumed), or -1 at the end of the input.
  int skip_bom_and_space();
  /// The next line, without its '\n' (a '\r' before it is kept); false at the end. The view is valid until
  /// the stream is read again. A last line without '\n' is a line; a final '\n' does not start one.
  bool next_line(std::string_view& line);
  /// Whether the last line next_line() returned ended with '\n' (false for a last line without one).
  [[nodiscard]] bool line_had_newline() const noexcept { return line_had_newline_; }
  /// Everything not read yet (under the same cap).
  [[nodiscard]] std::string read_rest();

  /// From here on, refuses JSON nested deeper than `max_depth` with InputError "<name>: JSON nested <N>
  /// levels deep; <limit>": each block is measured as it arrives, before a parser sees it, and the rest of
  /// the input is then measured to name its deepest nesting N (json_nesting_depth() of the whole text).
  void limit_json_nesting(int max_depth, std::string limit);

 protected:
  int_type underflow() override;

 private:
  /// Appends the next block of the input to what is unread (at most 2 bytes); false at its end.
  bool read_block();
  void measure(std::string_view block);

  std::string name_;
  std::unique_ptr<InputFile> file_;  // null: a text in memory
  std::uint64_t max_bytes_ = 0;
  std::string too_large_;
  std::uint64_t bytes_read_ = 0;
  std::uint64_t size_hint_ = 0;
  std::unique_ptr<char[]> block_;
  std::string line_;  // a line that spans blocks
  bool line_had_newline_ = false;
  std::optional<JsonNesting> nesting_;
  int max_depth_ = 0;
  std::string depth_limit_;
};

/// The parsed document, or InputError "<where>: not valid JSON: …" ("unusable JSON" for a number beyond a
/// double, 1e400).
[[nodiscard]] nlohmann::json parse_json_text(std::string_view text, const std::string& where);
/// parse_json_text() of a stream (std::istream over a TextStream), with nlohmann's parser callback: the
/// same errors, which name the line and column.
nlohmann::json parse_json_stream(std::istream& in, const std::string& where,
                                 const nlohmann::json::parser_callback_t& callback);

/// YAML nodes a document may hold with its aliases expanded: the shipped catalogue is about 10⁴.
inline constexpr std::uint64_t kMaxYamlNodes = 1'000'000;

/// Checks a YAML text before anything is built from it: one document only, at most kMaxYamlNodes nodes
/// with aliases expanded, no key twice in one mapping. InputError "<source>:<line>:<column>: …".
void check_yaml_shape(std::string_view text, const std::string& source, std::string_view depth_needed);

/// The parsed YAML document (check_yaml_shape() first), or InputError "<source>:<line>:<column>: not valid YAML: …" ("nested too deeply"
/// past yaml-cpp's 500 levels; `depth_needed` says how deep the format nests: "a catalogue needs 3").
[[nodiscard]] YAML::Node load_yaml(std::string_view text, const std::string& source, std::string_view depth_needed);

}  // namespace llmfit::io

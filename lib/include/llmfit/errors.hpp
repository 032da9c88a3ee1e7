#pragma once
/// Bad input, and how messages name the input fields they are about.
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "llmfit/text.hpp"

namespace llmfit {

/// A reference to an input field inside a message or a note: `field("context_tokens")` is written
/// «context_tokens». The library names fields by the members of its option structs (Query::context_tokens,
/// CostInputs::years, …); whoever shows the text to people spells them their own way: InputError::what()
/// drops the marks ("context_tokens: -5 must be positive"), the command line writes the option that sets
/// the field ("--context: -5 must be positive").
[[nodiscard]] std::string field(std::string_view name);
/// How a presentation spells a field name.
using FieldSpelling = std::function<std::string(std::string_view field)>;
/// `text` with every field reference written by `spell`.
[[nodiscard]] std::string render_fields(std::string_view text, const FieldSpelling& spell);
/// `text` with every field reference written as the field's name.
[[nodiscard]] std::string plain_fields(std::string_view text);
/// The field names `text` refers to, in order.
[[nodiscard]] std::vector<std::string> referenced_fields(std::string_view text);

/// Bad input from a user (file, flag, id). The message is one line naming where and what; the CLI
/// prints it and exits with status 2.
class InputError : public std::runtime_error {
 public:
  /// `message` may refer to fields (field()); what() shows them by name.
  explicit InputError(const std::string& message);
  /// The message with its field references, for a presentation to spell (render_fields) or for a
  /// message that wraps this one.
  [[nodiscard]] const std::string& message() const noexcept { return message_; }
  /// The first field the message refers to ("" when none): the input to correct.
  [[nodiscard]] std::string field() const;

 private:
  std::string message_;
};

}  // namespace llmfit

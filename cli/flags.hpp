#pragma once
// The command line's names for the library's input fields: one table, used to spell the fields that
// library messages and notes refer to (errors.hpp) as the options that set them.
#include <string>
#include <string_view>

namespace llmfit::cli {

/// The option that sets a library field ("context_tokens" → "--context"); the field's own name when
/// no option sets it.
[[nodiscard]] std::string flag_for(std::string_view field);
/// `text` (a message, a card, a JSON document) with every field reference spelt as its option.
[[nodiscard]] std::string spelled(std::string_view text);

}  // namespace llmfit::cli

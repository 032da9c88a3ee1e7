#pragma once
#include <cstdio>
#include <stdexcept>
#include <string>
#include <string_view>

namespace llmfit {

/// `text` on one line: control characters (a newline inside a quoted YAML value, a byte of binary
/// garbage) are shown escaped, so an error message never spans lines or drives the terminal.
[[nodiscard]] inline std::string one_line(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += ' ';
    } else if (byte < 0x20 || byte == 0x7f) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\x%02x", byte);
      out += escaped;
    } else {
      out += c;
    }
  }
  return out;
}

/// Bad input from a user (file, flag, id). The message is one line naming where and what; the CLI
/// prints it and exits with status 2.
class InputError : public std::runtime_error {
 public:
  explicit InputError(const std::string& message) : std::runtime_error(one_line(message)) {}
};

}  // namespace llmfit

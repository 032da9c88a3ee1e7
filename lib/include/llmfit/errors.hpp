#pragma once
#include <cstdint>
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

/// Text copied from a user's file into JSON output must be valid UTF-8 (nlohmann::json's strict dump
/// throws otherwise): names that are not fall back to an id.
/// Well-formed UTF-8 (RFC 3629: no overlongs, surrogates or code points above U+10FFFF).
[[nodiscard]] inline bool valid_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto byte = static_cast<unsigned char>(text[i]);
    std::size_t length = 0;
    std::uint32_t code = 0;
    if (byte < 0x80) {
      ++i;
      continue;
    }
    if ((byte & 0xE0) == 0xC0) length = 2, code = byte & 0x1F;
    else if ((byte & 0xF0) == 0xE0) length = 3, code = byte & 0x0F;
    else if ((byte & 0xF8) == 0xF0) length = 4, code = byte & 0x07;
    else return false;
    if (i + length > text.size()) return false;
    for (std::size_t k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80) return false;
      code = (code << 6) | (next & 0x3F);
    }
    const std::uint32_t smallest[] = {0, 0, 0x80, 0x800, 0x10000};
    if (code < smallest[length] || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return false;
    i += length;
  }
  return true;
}

/// Bad input from a user (file, flag, id). The message is one line naming where and what; the CLI
/// prints it and exits with status 2.
class InputError : public std::runtime_error {
 public:
  explicit InputError(const std::string& message) : std::runtime_error(one_line(message)) {}
};

}  // namespace llmfit

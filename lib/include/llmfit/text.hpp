#pragma once
/// Text helpers every layer uses: one-line messages, UTF-8 checks, case folding, "did you mean"
/// suggestions and thousands separators.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace llmfit {

/// `text` on one line: control characters (a newline inside a quoted YAML value, a byte of binary
/// garbage) are shown escaped, so an error message never spans lines or drives the terminal.
[[nodiscard]] std::string one_line(std::string_view text);

/// Well-formed UTF-8 (RFC 3629: no overlongs, surrogates or code points above U+10FFFF). Text copied
/// from a user's file into JSON output must be valid UTF-8: names that are not fall back to an id.
[[nodiscard]] bool valid_utf8(std::string_view text) noexcept;

/// A short, printable quote of someone's text for a one-line message: at most `max` bytes (the cut never
/// splits a UTF-8 sequence; "..." marks it), control characters as spaces, and '?' for the bytes of text
/// that is not UTF-8, so the message stays valid in JSON output.
[[nodiscard]] std::string excerpt(std::string_view text, std::size_t max);

/// Lowercase ASCII copy.
[[nodiscard]] std::string to_lower(std::string_view text);
/// ASCII case-insensitive equality.
[[nodiscard]] bool equals_ignore_case(std::string_view a, std::string_view b) noexcept;
/// Levenshtein distance (for "did you mean").
[[nodiscard]] std::size_t edit_distance(std::string_view a, std::string_view b);
/// Best matches among candidates for a misspelt name, best first, only plausible ones.
[[nodiscard]] std::vector<std::string> closest_matches(std::string_view text,
                                                       const std::vector<std::string>& candidates,
                                                       std::size_t max = 3);
/// " (did you mean 'a' or 'b'?)", or "" when there is no suggestion.
[[nodiscard]] std::string did_you_mean(const std::vector<std::string>& suggestions);

/// Items joined by a separator ("a, b, c").
[[nodiscard]] std::string join(const std::vector<std::string>& items, std::string_view separator);
/// 12345 → "12,345".
[[nodiscard]] std::string with_thousands(std::int64_t value);

}  // namespace llmfit

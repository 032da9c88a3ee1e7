#pragma once
/// Text helpers every layer uses: one-line messages, UTF-8 checks, case folding, "did you mean"
/// suggestions and thousands separators.
#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <optional>
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
/// `text` cut at every `separator`, empty pieces kept: "a/b/" → {"a", "b", ""}, "" → {""}. The pieces are
/// views into `text`.
[[nodiscard]] std::vector<std::string_view> split_on(std::string_view text, char separator);
/// `text` without the white space (spaces, tabs, \r, \n) at either end; a view into `text`.
[[nodiscard]] std::string_view trim(std::string_view text) noexcept;
/// 12345 → "12,345".
[[nodiscard]] std::string with_thousands(std::int64_t value);
/// The whole of `text` as a decimal number (`[-]digits[.digits][e[+-]digits]`, as std::from_chars reads one,
/// correctly rounded, whatever the locale), or nullopt: no space, '+', hex, "inf" or "nan". The page's
/// WebAssembly build (clang 14's libc++) has no std::from_chars for double: this parses one everywhere.
[[nodiscard]] std::optional<double> parse_decimal(std::string_view text);

/// Text many records repeat (run files, sources, notes, catalogue ids): each distinct text is held once
/// per process and shared, reference-counted, by every value that holds it, so a million runs read from
/// one file cost 8 bytes per field instead of a string each. Immutable; copies are cheap; thread-safe.
class SharedText {
 public:
  SharedText() noexcept = default;
  SharedText(std::string_view text);  // NOLINT(google-explicit-constructor): a drop-in for std::string fields
  SharedText(const std::string& text) : SharedText(std::string_view(text)) {}  // NOLINT
  SharedText(const char* text) : SharedText(std::string_view(text)) {}         // NOLINT
  SharedText(const SharedText& other) noexcept;
  SharedText(SharedText&& other) noexcept : node_(other.node_) { other.node_ = nullptr; }
  SharedText& operator=(const SharedText& other) noexcept;
  SharedText& operator=(SharedText&& other) noexcept;
  ~SharedText();

  [[nodiscard]] const std::string& str() const noexcept;
  operator const std::string&() const noexcept { return str(); }  // NOLINT
  operator std::string_view() const noexcept { return str(); }    // NOLINT
  [[nodiscard]] bool empty() const noexcept { return str().empty(); }
  [[nodiscard]] std::size_t size() const noexcept { return str().size(); }
  [[nodiscard]] const char* c_str() const noexcept { return str().c_str(); }

  // One node per distinct text: equal texts are the same node.
  friend bool operator==(const SharedText& a, const SharedText& b) noexcept { return a.node_ == b.node_; }
  friend bool operator==(const SharedText& a, std::string_view b) noexcept { return a.str() == b; }
  friend bool operator==(const SharedText& a, const char* b) noexcept { return a.str() == b; }
  friend bool operator==(const SharedText& a, const std::string& b) noexcept { return a.str() == b; }
  friend std::string operator+(const std::string& a, const SharedText& b) { return a + b.str(); }
  friend std::string operator+(const SharedText& a, const std::string& b) { return a.str() + b; }
  friend std::string operator+(const char* a, const SharedText& b) { return a + b.str(); }
  friend std::string operator+(const SharedText& a, const char* b) { return a.str() + b; }
  friend std::ostream& operator<<(std::ostream& out, const SharedText& text);

  /// Distinct texts held now (for tests of the sharing).
  [[nodiscard]] static std::size_t distinct_count() noexcept;

 private:
  struct Node;
  void release() noexcept;
  Node* node_ = nullptr;  // null = empty text
};

}  // namespace llmfit

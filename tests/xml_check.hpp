#pragma once
// A minimal XML 1.0 well-formedness checker for the tests: one root element, balanced and properly
// nested tags, quoted and unique attributes, text and attribute values free of raw '<' and with '&'
// only in entity or character references, valid UTF-8. Enough to catch what a hand-written SVG writer
// can get wrong; not a validating parser (no DTDs, no namespaces check).
#include <cctype>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace llmfit::test {

struct XmlCheck {
  bool ok = true;
  std::string error;  // first problem, with its byte offset
  int elements = 0;
};

namespace xml_detail {

inline bool name_start(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) != 0 || c == '_' || c == ':';
}
inline bool name_char(char c) {
  return name_start(c) || std::isdigit(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '.';
}

inline bool valid_utf8(std::string_view s, std::size_t& bad_at) {
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = c < 0x80 ? 1 : (c >= 0xC2 && c <= 0xDF) ? 2 : (c >= 0xE0 && c <= 0xEF) ? 3 : (c >= 0xF0 && c <= 0xF4) ? 4 : 0;
    if (n == 0 || i + n > s.size()) {
      bad_at = i;
      return false;
    }
    for (std::size_t k = 1; k < n; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) {
        bad_at = i;
        return false;
      }
    if (n == 1 && c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
      bad_at = i;
      return false;
    }
    i += n;
  }
  return true;
}

class Parser {
 public:
  explicit Parser(std::string_view text) : s_(text) {}

  XmlCheck run() {
    std::size_t bad = 0;
    if (!valid_utf8(s_, bad)) return fail(bad, "invalid UTF-8 or control character");
    if (starts("<?xml")) {
      const auto end = s_.find("?>", pos_);
      if (end == std::string_view::npos) return fail(pos_, "unterminated XML declaration");
      pos_ = end + 2;
    }
    skip_misc();
    if (!starts("<") || starts("</")) return fail(pos_, "no root element");
    if (!element()) return result_;
    skip_misc();
    if (pos_ != s_.size()) return fail(pos_, "content after the root element");
    return result_;
  }

 private:
  XmlCheck fail(std::size_t at, const std::string& what) {
    if (result_.ok) {
      result_.ok = false;
      result_.error = what + " at byte " + std::to_string(at);
    }
    return result_;
  }
  bool reject(std::size_t at, const std::string& what) {
    fail(at, what);
    return false;
  }
  bool starts(std::string_view prefix) const { return s_.substr(pos_, prefix.size()) == prefix; }
  void skip_space() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_])) != 0) ++pos_;
  }
  void skip_misc() {
    for (;;) {
      skip_space();
      if (starts("<!--")) {
        const auto end = s_.find("-->", pos_ + 4);
        if (end == std::string_view::npos) {
          fail(pos_, "unterminated comment");
          pos_ = s_.size();
          return;
        }
        pos_ = end + 3;
        continue;
      }
      return;
    }
  }
  bool name(std::string& out) {
    if (pos_ >= s_.size() || !name_start(s_[pos_])) return false;
    const std::size_t start = pos_;
    while (pos_ < s_.size() && name_char(s_[pos_])) ++pos_;
    out = std::string(s_.substr(start, pos_ - start));
    return true;
  }
  /// '&' must open &amp; &lt; &gt; &quot; &apos; &#N; or &#xH;.
  bool reference(std::size_t at) {
    const auto end = s_.find(';', at);
    if (end == std::string_view::npos || end - at > 10) return false;
    const std::string_view body = s_.substr(at + 1, end - at - 1);
    if (body == "amp" || body == "lt" || body == "gt" || body == "quot" || body == "apos") return true;
    if (body.size() >= 2 && body[0] == '#') {
      const bool hex = body[1] == 'x';
      const std::string_view digits = body.substr(hex ? 2 : 1);
      if (digits.empty()) return false;
      for (char c : digits)
        if (hex ? std::isxdigit(static_cast<unsigned char>(c)) == 0 : std::isdigit(static_cast<unsigned char>(c)) == 0)
          return false;
      return true;
    }
    return false;
  }
  bool element() {
    const std::size_t open_at = pos_;
    ++pos_;  // '<'
    std::string tag;
    if (!name(tag)) return reject(open_at, "bad element name");
    ++result_.elements;
    std::set<std::string> attributes;
    for (;;) {
      const std::size_t before = pos_;
      skip_space();
      if (starts("/>")) {
        pos_ += 2;
        return true;
      }
      if (starts(">")) {
        ++pos_;
        break;
      }
      if (pos_ == before) return reject(pos_, "expected space, '>' or '/>' in <" + tag + ">");
      std::string attribute;
      if (!name(attribute)) return reject(pos_, "bad attribute name in <" + tag + ">");
      if (!attributes.insert(attribute).second) return reject(pos_, "duplicate attribute " + attribute);
      skip_space();
      if (!starts("=")) return reject(pos_, "attribute " + attribute + " without '='");
      ++pos_;
      skip_space();
      if (pos_ >= s_.size() || (s_[pos_] != '"' && s_[pos_] != '\''))
        return reject(pos_, "unquoted value of attribute " + attribute);
      const char quote = s_[pos_++];
      const auto end = s_.find(quote, pos_);
      if (end == std::string_view::npos) return reject(pos_, "unterminated attribute value");
      for (std::size_t i = pos_; i < end; ++i) {
        if (s_[i] == '<') return reject(i, "'<' in attribute value");
        if (s_[i] == '&' && !reference(i)) return reject(i, "bare '&' in attribute value");
      }
      pos_ = end + 1;
    }
    // Content: text, comments, child elements, then the matching end tag.
    for (;;) {
      if (pos_ >= s_.size()) return reject(open_at, "<" + tag + "> is never closed");
      if (starts("</")) {
        pos_ += 2;
        std::string closing;
        if (!name(closing) || closing != tag) return reject(pos_, "</" + closing + "> closes <" + tag + ">");
        skip_space();
        if (!starts(">")) return reject(pos_, "bad end tag </" + tag);
        ++pos_;
        return true;
      }
      if (starts("<!--")) {
        skip_misc();
        continue;
      }
      if (starts("<")) {
        if (!element()) return false;
        continue;
      }
      if (s_[pos_] == '&' && !reference(pos_)) return reject(pos_, "bare '&' in text");
      if (s_[pos_] == '>' && pos_ >= 2 && s_.substr(pos_ - 2, 2) == "]]") return reject(pos_, "']]>' in text");
      ++pos_;
    }
  }

  std::string_view s_;
  std::size_t pos_ = 0;
  XmlCheck result_;
};

}  // namespace xml_detail

inline XmlCheck check_xml(std::string_view text) { return xml_detail::Parser(text).run(); }

}  // namespace llmfit::test

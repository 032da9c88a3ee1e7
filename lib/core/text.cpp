// Text helpers (text.hpp).
#include "llmfit/text.hpp"

#include <algorithm>
#include <cctype>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <mutex>
#include <ostream>
#include <unordered_map>
#include <utility>


namespace llmfit {

std::string one_line(std::string_view text) {
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

bool valid_utf8(std::string_view text) noexcept {
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

bool equals_ignore_case(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}


std::string excerpt(std::string_view text, std::size_t max) {
  std::string out(text.substr(0, max));
  if (text.size() > max) {
    while (!out.empty() && (static_cast<unsigned char>(out.back()) & 0xC0) == 0x80) out.pop_back();
    if (!out.empty() && static_cast<unsigned char>(out.back()) >= 0xC0) out.pop_back();
  }
  const bool utf8 = valid_utf8(out);  // text from JSON built in code is not checked by the parser
  for (char& c : out) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) c = ' ';
    else if (!utf8 && byte >= 0x80) c = '?';
  }
  return text.size() > max ? out + "..." : out;
}

std::string to_lower(std::string_view text) {
  std::string out(text);
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + cost});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::vector<std::string> closest_matches(std::string_view text, const std::vector<std::string>& candidates,
                                         std::size_t max) {
  const std::string needle = to_lower(text.substr(0, 200));
  std::vector<std::pair<std::size_t, std::string>> scored;
  for (const auto& candidate : candidates) {
    const std::string lower = to_lower(candidate);
    // A candidate that contains the text (or the reverse) is a strong hint even when far in edits.
    const bool contains =
        !needle.empty() && (lower.find(needle) != std::string::npos || needle.find(lower) != std::string::npos);
    const std::size_t limit = std::max<std::size_t>(2, std::max(needle.size(), lower.size()) / 3);
    // The length gap bounds the edit distance from below: skip the quadratic computation when it
    // cannot change the outcome (long garbage names against short ids).
    const std::size_t length_gap = std::max(needle.size(), lower.size()) - std::min(needle.size(), lower.size());
    if (!contains && length_gap > limit) continue;
    std::size_t distance = contains && length_gap > 2 ? length_gap : edit_distance(needle, lower);
    if (contains) distance = std::min<std::size_t>(distance, 1 + (lower.size() > needle.size() ? 0 : 1));
    if (distance <= limit) scored.emplace_back(distance, candidate);
  }
  std::stable_sort(scored.begin(), scored.end(),
                   [](const auto& x, const auto& y) { return x.first < y.first; });
  std::vector<std::string> out;
  for (const auto& [distance, candidate] : scored) {
    if (out.size() >= max) break;
    if (std::find(out.begin(), out.end(), candidate) == out.end()) out.push_back(candidate);
  }
  return out;
}

std::string did_you_mean(const std::vector<std::string>& suggestions) {
  if (suggestions.empty()) return "";
  std::string text = " (did you mean '" + suggestions.front() + "'";
  for (std::size_t i = 1; i < suggestions.size(); ++i) text += " or '" + suggestions[i] + "'";
  return text + "?)";
}


std::string join(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += separator;
    out += items[i];
  }
  return out;
}

std::string_view trim(std::string_view text) noexcept {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())) != 0) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())) != 0) text.remove_suffix(1);
  return text;
}

std::vector<std::string_view> split_on(std::string_view text, char separator) {
  std::vector<std::string_view> pieces;
  std::size_t start = 0;
  for (std::size_t at; (at = text.find(separator, start)) != std::string_view::npos; start = at + 1)
    pieces.push_back(text.substr(start, at - start));
  pieces.push_back(text.substr(start));
  return pieces;
}

std::string with_thousands(std::int64_t value) {
  // The magnitude in unsigned arithmetic: -INT64_MIN does not fit in int64.
  const std::uint64_t magnitude = value < 0 ? 0 - static_cast<std::uint64_t>(value) : static_cast<std::uint64_t>(value);
  std::string digits = std::to_string(magnitude);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return value < 0 ? "-" + out : out;
}

// ---------------------------------------------------------------------------------------------- SharedText

struct SharedText::Node {
  std::atomic<std::size_t> references{0};
  std::string text;
};

namespace {

struct TextHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view text) const noexcept { return std::hash<std::string_view>{}(text); }
};

// Keys view the text of their own node. Copies take a reference without the lock (the copier holds one, so
// the count cannot reach zero meanwhile); interning and the last release take the lock, so a node is
// erased only while no one can find it.
struct SharedTextPool {
  std::mutex mutex;
  std::unordered_map<std::string_view, void*, TextHash, std::equal_to<>> nodes;
};

SharedTextPool& shared_text_pool() {
  static SharedTextPool* const pool = new SharedTextPool;  // never destroyed: static runs may outlive main
  return *pool;
}

}  // namespace

SharedText::SharedText(std::string_view text) {
  if (text.empty()) return;
  SharedTextPool& pool = shared_text_pool();
  const std::lock_guard lock(pool.mutex);
  if (const auto it = pool.nodes.find(text); it != pool.nodes.end()) {
    node_ = static_cast<Node*>(it->second);
  } else {
    auto node = std::make_unique<Node>();
    node->text = std::string(text);
    node_ = node.release();
    pool.nodes.emplace(std::string_view(node_->text), node_);
  }
  node_->references.fetch_add(1, std::memory_order_relaxed);
}

SharedText::SharedText(const SharedText& other) noexcept : node_(other.node_) {
  if (node_ != nullptr) node_->references.fetch_add(1, std::memory_order_relaxed);
}

SharedText& SharedText::operator=(const SharedText& other) noexcept {
  if (node_ != other.node_) {
    if (other.node_ != nullptr) other.node_->references.fetch_add(1, std::memory_order_relaxed);
    release();
    node_ = other.node_;
  }
  return *this;
}

SharedText& SharedText::operator=(SharedText&& other) noexcept {
  if (this != &other) {
    release();
    node_ = other.node_;
    other.node_ = nullptr;
  }
  return *this;
}

SharedText::~SharedText() { release(); }

void SharedText::release() noexcept {
  if (node_ == nullptr) return;
  SharedTextPool& pool = shared_text_pool();
  {
    const std::lock_guard lock(pool.mutex);
    if (node_->references.fetch_sub(1, std::memory_order_acq_rel) != 1) {
      node_ = nullptr;
      return;
    }
    pool.nodes.erase(std::string_view(node_->text));
  }
  delete node_;
  node_ = nullptr;
}

const std::string& SharedText::str() const noexcept {
  static const std::string empty;
  return node_ == nullptr ? empty : node_->text;
}

std::ostream& operator<<(std::ostream& out, const SharedText& text) { return out << text.str(); }

std::size_t SharedText::distinct_count() noexcept {
  SharedTextPool& pool = shared_text_pool();
  const std::lock_guard lock(pool.mutex);
  return pool.nodes.size();
}

std::optional<double> parse_decimal(std::string_view text) {
  // The grammar is checked here, so strtod (correctly rounded in glibc and musl) sees nothing of its own
  // extensions, and the text has no locale-dependent radix character to meet.
  std::size_t i = 0;
  const auto digits = [&] {
    const std::size_t from = i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
    return i - from;
  };
  if (i < text.size() && text[i] == '-') ++i;
  std::size_t mantissa = digits();
  if (i < text.size() && text[i] == '.') {
    ++i;
    mantissa += digits();
  }
  if (mantissa == 0) return std::nullopt;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
    if (digits() == 0) return std::nullopt;
  }
  if (i != text.size() || text.size() > 400) return std::nullopt;
  const std::string copy(text);
  errno = 0;
  const double value = std::strtod(copy.c_str(), nullptr);
  // Beyond a double (1e400, 1e-400) is out of range, as std::from_chars says; a subnormal result is a value.
  if (errno == ERANGE && (std::isinf(value) || value == 0)) return std::nullopt;
  return value;
}

}  // namespace llmfit

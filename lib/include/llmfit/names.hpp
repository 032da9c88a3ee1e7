#pragma once
/// The names of enum values, as written in YAML, JSON, messages and on the command line: one table per
/// enum (NameTable<Enum>::entries, next to the enum), from which to_string, parsing and the lists of
/// choices in messages and help texts all come.
#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "llmfit/text.hpp"

namespace llmfit {

/// Specialised per enum with `static constexpr std::array<std::pair<Enum, std::string_view>, N> entries`,
/// in the order lists of choices show them.
template <typename Enum>
struct NameTable;

template <typename Enum>
[[nodiscard]] constexpr std::string_view enum_name(Enum value) noexcept {
  for (const auto& [e, name] : NameTable<Enum>::entries)
    if (e == value) return name;
  return "?";
}

/// The value named `text`, in any letter case.
template <typename Enum>
[[nodiscard]] std::optional<Enum> parse_enum_name(std::string_view text) noexcept {
  for (const auto& [e, name] : NameTable<Enum>::entries)
    if (equals_ignore_case(name, text)) return e;
  return std::nullopt;
}

/// Every name, in table order.
template <typename Enum>
[[nodiscard]] std::vector<std::string> enum_names() {
  std::vector<std::string> names;
  for (const auto& entry : NameTable<Enum>::entries) names.emplace_back(entry.second);
  return names;
}

/// "a, b, c" (or with `last` before the final name: "a, b or c").
template <typename Enum>
[[nodiscard]] std::string enum_choices(std::string_view separator = ", ", std::string_view last = {}) {
  const auto& entries = NameTable<Enum>::entries;
  std::string out;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (i > 0) out += (i + 1 == entries.size() && !last.empty()) ? last : separator;
    out += entries[i].second;
  }
  return out;
}

}  // namespace llmfit

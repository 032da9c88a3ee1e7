#pragma once
// The compiled-in catalogue as llmfit-dbgen writes it: every field of every shipped record as constant
// data (string views and spans over constant arrays, no code at start-up), in the order of the records'
// field lists (spec_fields.hpp), so the generator and the loader follow the same list.
#include <span>
#include <string_view>

#include "llmfit/catalog.hpp"

namespace llmfit::detail {

/// One field's value: the member of it that the field's type uses.
struct BuiltinValue {
  double number = 0;                        // numbers, whole numbers, true (1) / false (0)
  std::string_view text{};                  // text, an enum value's name
  std::span<const std::string_view> texts;  // text lists, lists of enum names
  std::span<const double> numbers;          // number lists
};

/// Appends the records whose fields `hardware`, `models` and `quants` hold, one record after the other.
/// Throws std::logic_error when the values do not match the field lists (a stale generated file).
void append_builtin_records(CatalogData& data, std::span<const BuiltinValue> hardware,
                            std::span<const BuiltinValue> models, std::span<const BuiltinValue> quants);

}  // namespace llmfit::detail

// Loading the compiled-in catalogue (builtin_catalog.hpp): each record's fields, in field-list order.
#include "builtin_catalog.hpp"

#include <stdexcept>
#include <type_traits>

#include "llmfit/spec_fields.hpp"

namespace llmfit::detail {
namespace {

/// Reads the values of one record into `record`, advancing `next`.
template <typename Record>
void load_fields(Record& record, std::span<const BuiltinValue> values, std::size_t& next) {
  for_each_field(record, [&](const FieldInfo& f, auto& member) {
    using T = std::decay_t<decltype(member)>;
    if constexpr (is_field_block<T>) {
      load_fields(member, values, next);
    } else {
      if (next >= values.size()) throw std::logic_error("compiled-in catalogue: too few values");
      const BuiltinValue& value = values[next++];
      if constexpr (std::is_same_v<T, std::string>) {
        member = value.text;
      } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
        member.assign(value.texts.begin(), value.texts.end());
      } else if constexpr (std::is_same_v<T, std::vector<double>>) {
        member.assign(value.numbers.begin(), value.numbers.end());
      } else if constexpr (std::is_same_v<T, std::vector<DeviceApi>>) {
        for (std::string_view name : value.texts) {
          const auto api = parse_enum_name<DeviceApi>(name);
          if (!api) throw std::logic_error("compiled-in catalogue: " + std::string(f.key) + ": unknown name");
          member.push_back(*api);
        }
      } else if constexpr (std::is_same_v<T, bool>) {
        member = value.number != 0;
      } else if constexpr (std::is_enum_v<T>) {
        const auto parsed = parse_enum_name<T>(value.text);
        if (!parsed) throw std::logic_error("compiled-in catalogue: " + std::string(f.key) + ": unknown name");
        member = *parsed;
      } else {
        static_assert(std::is_arithmetic_v<T>, "a field type the compiled-in catalogue does not know");
        member = static_cast<T>(value.number);
      }
    }
  });
}

template <typename Record>
void append_records(std::vector<Record>& out, std::span<const BuiltinValue> values) {
  std::size_t next = 0;
  while (next < values.size()) {
    Record record;
    load_fields(record, values, next);
    out.push_back(std::move(record));
  }
}

}  // namespace

void append_builtin_records(CatalogData& data, std::span<const BuiltinValue> hardware,
                            std::span<const BuiltinValue> models, std::span<const BuiltinValue> quants) {
  append_records(data.hardware, hardware);
  append_records(data.models, models);
  append_records(data.quants, quants);
}

}  // namespace llmfit::detail

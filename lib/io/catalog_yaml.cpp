#include "llmfit/io/catalog_yaml.hpp"

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>
#include <type_traits>

#include "llmfit/errors.hpp"
#include "text_input.hpp"
#include "llmfit/spec_fields.hpp"

namespace llmfit {
namespace {

// A catalogue file larger than this is not a catalogue (the shipped ones are ~50 KB each).
constexpr std::uintmax_t kMaxCatalogFileBytes = 16u * 1024u * 1024u;
// Entries per list in one file (the shipped lists hold under 100). YAML aliases can repeat one entry
// millions of times in a small file; this bounds the work.
constexpr std::size_t kMaxEntriesPerList = 10'000;

/// Reads typed fields of one entry, naming the file, line, entry and field in every error.
class EntryReader {
 public:
  EntryReader(const YAML::Node& node, std::string source, std::string kind, std::set<std::string> allowed)
      : node_(node), source_(std::move(source)), kind_(std::move(kind)), allowed_(std::move(allowed)) {
    if (!node_.IsMap()) fail_at(node_, "", "an entry must be a mapping of keys to values");
    if (const YAML::Node id = node_["id"]; id && id.IsScalar()) id_ = id.Scalar();
    for (const auto& item : node_) {  // a repeated key was refused by io::load_yaml
      const std::string key = item.first.IsScalar() ? item.first.Scalar() : std::string("?");
      if (allowed_.count(key) == 0) {
        if (!io::is_plain_name(key)) fail_at(item.first, "", io::quoted_name(key) + ": not a field of this entry");
        std::vector<std::string> names(allowed_.begin(), allowed_.end());
        const auto hints = closest_matches(key, names, 1);
        fail_at(item.first, key, "unknown key" + (hints.empty() ? std::string() : " (did you mean '" + hints[0] + "'?)"));
      }
    }
  }

  [[noreturn]] void fail_at(const YAML::Node& at, const std::string& field, const std::string& message) const {
    std::ostringstream out;
    out << source_;
    const YAML::Mark mark = at.Mark();
    if (mark.line >= 0) out << ':' << mark.line + 1 << ':' << mark.column + 1;
    out << ": " << kind_;
    if (!id_.empty()) out << " '" << id_ << "'";
    if (!field.empty()) out << ": " << field;
    out << ": " << message;
    throw InputError(out.str());
  }
  [[noreturn]] void fail(const std::string& field, const std::string& message) const {
    const YAML::Node at = node_[field];
    fail_at(at ? at : node_, prefix_ + field, message);
  }

  [[nodiscard]] bool has(const std::string& field) const { return node_[field] && !node_[field].IsNull(); }
  [[nodiscard]] const std::string& id() const { return id_; }

  std::string text(const std::string& field, bool required) const {
    if (!has(field)) {
      if (required) fail(field, "missing");
      return {};
    }
    const YAML::Node value = node_[field];
    if (!value.IsScalar()) fail(field, "must be a text value");
    if (value.Scalar().size() > 4096) fail(field, "longer than 4096 characters");
    if (!valid_utf8(value.Scalar())) fail(field, "not valid UTF-8 text");
    return value.Scalar();
  }

  double number(const std::string& field, bool required, double fallback = 0) const {
    if (!has(field)) {
      if (required) fail(field, "missing");
      return fallback;
    }
    return to_number(node_[field], field);
  }

  int integer(const std::string& field, bool required, int fallback = 0) const {
    const double value = number(field, required, fallback);
    if (value != std::floor(value) || value < std::numeric_limits<int>::min() ||
        value > std::numeric_limits<int>::max())
      fail(field, "must be a whole number");
    return static_cast<int>(value);
  }

  bool boolean(const std::string& field, bool fallback) const {
    if (!has(field)) return fallback;
    const YAML::Node value = node_[field];
    if (!value.IsScalar()) fail(field, "must be true or false");
    const std::string& s = value.Scalar();
    if (s == "true" || s == "True" || s == "yes") return true;
    if (s == "false" || s == "False" || s == "no") return false;
    fail(field, "must be true or false, not '" + s.substr(0, 40) + "'");
  }

  std::vector<std::string> text_list(const std::string& field) const {
    std::vector<std::string> out;
    if (!has(field)) return out;
    const YAML::Node value = node_[field];
    if (value.IsScalar()) return {text(field, false)};
    if (!value.IsSequence()) fail(field, "must be a list");
    if (value.size() > 1000) fail(field, "more than 1000 items");
    for (const auto& item : value) {
      if (!item.IsScalar()) fail_at(item, field, "items must be text values");
      if (item.Scalar().size() > 4096 || !valid_utf8(item.Scalar()))
        fail_at(item, field, "items must be UTF-8 text of at most 4096 characters");
      out.push_back(item.Scalar());
    }
    return out;
  }

  std::vector<double> number_list(const std::string& field, bool required) const {
    std::vector<double> out;
    if (!has(field)) {
      if (required) fail(field, "missing");
      return out;
    }
    const YAML::Node value = node_[field];
    if (value.IsScalar()) return {to_number(value, field)};
    if (!value.IsSequence()) fail(field, "must be a list of numbers");
    if (value.size() > 1000) fail(field, "more than 1000 items");
    for (const auto& item : value) out.push_back(to_number(item, field));
    return out;
  }

  /// A nested mapping such as `moe:`; returns a reader over it (or null node when absent).
  [[nodiscard]] EntryReader nested(const std::string& field, std::set<std::string> allowed) const {
    const YAML::Node value = node_[field];
    if (!value.IsMap()) fail(field, "must be a mapping");
    EntryReader reader(value, source_, kind_, std::move(allowed), id_, field);
    return reader;
  }

 private:
  EntryReader(const YAML::Node& node, std::string source, std::string kind, std::set<std::string> allowed,
              std::string id, const std::string& prefix)
      : node_(node), source_(std::move(source)), kind_(std::move(kind)), allowed_(std::move(allowed)),
        id_(std::move(id)) {
    for (const auto& item : node_) {  // a repeated key was refused by io::load_yaml
      const std::string key = item.first.IsScalar() ? item.first.Scalar() : std::string("?");
      if (allowed_.count(key) == 0) {
        if (!io::is_plain_name(key)) fail_at(item.first, prefix, io::quoted_name(key) + ": not a field of this entry");
        std::vector<std::string> names(allowed_.begin(), allowed_.end());
        const auto hints = closest_matches(key, names, 1);
        fail_at(item.first, prefix + "." + key,
                "unknown key" + (hints.empty() ? std::string() : " (did you mean '" + hints[0] + "'?)"));
      }
    }
    prefix_ = prefix + ".";
  }

  double to_number(const YAML::Node& value, const std::string& field) const {
    if (!value.IsScalar()) fail_at(value, prefix_ + field, "must be a number");
    const std::string& s = value.Scalar();
    char* end = nullptr;
    errno = 0;
    const double parsed = std::strtod(s.c_str(), &end);
    if (s.empty() || end != s.c_str() + s.size() || errno == ERANGE)
      fail_at(value, prefix_ + field, "must be a number, not '" + s.substr(0, 40) + "'");
    if (!std::isfinite(parsed)) fail_at(value, prefix_ + field, "must be a finite number");
    return parsed;
  }

  YAML::Node node_;
  std::string source_;
  std::string kind_;
  std::set<std::string> allowed_;
  std::string id_;
  std::string prefix_;
};

template <typename Enum>
Enum parse_enum(const EntryReader& r, const std::string& field, bool required, Enum fallback) {
  const std::string text = r.text(field, required);
  if (text.empty()) return fallback;
  if (auto value = parse_enum_name<Enum>(text)) return *value;
  r.fail(field, "'" + text.substr(0, 40) + "' is not one of " + enum_choices<Enum>());
}

/// The YAML keys of a record (or a nested block) of this type.
template <typename Record>
std::set<std::string> yaml_keys() {
  std::set<std::string> keys;
  Record record;
  for_each_field(record, [&](const FieldInfo& f, const auto&) {
    if (f.yaml) keys.emplace(f.key);
  });
  return keys;
}

/// Reads every YAML field of the record (spec_fields.hpp) into `record`, whose members hold the defaults.
/// A variant (variant_of) need not state the chip fields it inherits.
template <typename Record>
void read_fields(const EntryReader& r, Record& record, bool variant = false) {
  for_each_field(record, [&](FieldInfo f, auto& value) {
    using T = std::decay_t<decltype(value)>;
    if (!f.yaml) return;
    if (variant && !f.per_product) f.required = false;
    const std::string key(f.key);
    if constexpr (is_field_block<T>) {
      if (r.has(key)) read_fields(r.nested(key, yaml_keys<T>()), value);
    } else if constexpr (std::is_same_v<T, std::string>) {
      value = r.text(key, f.required);
      if (f.lowercase) value = to_lower(value);
    } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
      value = r.text_list(key);
      if (f.lowercase)
        for (auto& item : value) item = to_lower(item);
    } else if constexpr (std::is_same_v<T, std::vector<double>>) {
      value = r.number_list(key, f.required);
    } else if constexpr (std::is_same_v<T, std::vector<DeviceApi>>) {
      for (const auto& name : r.text_list(key)) {
        const auto parsed = parse_enum_name<DeviceApi>(name);
        if (!parsed) r.fail(key, "'" + name.substr(0, 40) + "' is not one of " + enum_choices<DeviceApi>());
        value.push_back(*parsed);
      }
      if (f.required && value.empty()) r.fail(key, "missing");
    } else if constexpr (std::is_same_v<T, bool>) {
      value = r.boolean(key, value);
    } else if constexpr (std::is_same_v<T, int>) {
      value = r.integer(key, f.required, value);
    } else if constexpr (std::is_same_v<T, std::int64_t>) {
      // Range-checked before the conversion: a double beyond int64 (1e300) is undefined behaviour to cast.
      // The rule reads "must be in <range>": the message says "must be a whole number in <range>".
      const double number = r.number(key, f.required, static_cast<double>(value));
      if (number != std::floor(number) || !f.range.contains(number))
        r.fail(key, "must be a whole number" + std::string(f.rule.substr(std::string_view("must be").size())));
      value = static_cast<std::int64_t>(number);
    } else if constexpr (std::is_same_v<T, double>) {
      value = r.number(key, f.required, value);
    } else if constexpr (std::is_enum_v<T>) {
      value = parse_enum(r, key, f.required, value);
    } else {
      static_assert(!sizeof(T), "a field type the YAML reader does not know");
    }
  });
}

/// One catalogue entry: its fields, the defaults that follow from them, then validate() (its problem
/// reported at the field's line).
template <typename Record>
Record read_entry(const YAML::Node& node, const std::string& source, const std::string& kind) {
  const EntryReader r(node, source, kind, yaml_keys<Record>());
  Record record;
  bool variant = false;
  if constexpr (std::is_same_v<Record, HardwareSpec>) variant = r.has("variant_of");
  read_fields(r, record, variant);
  derived_defaults(record, [&](std::string_view key) { return r.has(std::string(key)); });
  record.origin = source;
  if constexpr (std::is_same_v<Record, HardwareSpec>) {
    if (variant) {  // checked once resolve_variants() has filled in the chip's fields
      for_each_field(record, [&](const FieldInfo& f, const auto&) {
        if (f.yaml && !f.per_product && r.has(std::string(f.key))) record.variant_stated_fields.emplace_back(f.key);
      });
      return record;
    }
  }
  if (std::string problem = validate(record); !problem.empty()) {
    const auto colon = problem.find(':');
    r.fail(problem.substr(0, colon), problem.substr(colon + 2));
  }
  return record;
}

[[noreturn]] void fail_file(const std::string& source, const YAML::Node& at, const std::string& message) {
  std::ostringstream out;
  out << source;
  if (at && at.Mark().line >= 0) out << ':' << at.Mark().line + 1 << ':' << at.Mark().column + 1;
  out << ": " << message;
  throw InputError(out.str());
}

}  // namespace

CatalogData parse_catalog_yaml(std::string_view text, const std::string& source_name) {
  const YAML::Node root = io::load_yaml(text, source_name, "a catalogue needs 3");
  if (!root || root.IsNull()) throw InputError(source_name + ": empty file; expected 'schema: 1' and entries");
  if (!root.IsMap()) fail_file(source_name, root, "expected a mapping with 'schema: 1' and hardware/models/quants lists");
  CatalogData data;
  try {
    const YAML::Node schema = root["schema"];
    if (!schema) fail_file(source_name, root, "schema: missing; the file must start with 'schema: 1'");
    if (!schema.IsScalar() || schema.Scalar() != "1")
      fail_file(source_name, schema, "schema: unsupported version (this llmfit reads schema 1)");
    for (const auto& item : root) {
      const std::string key = item.first.IsScalar() ? item.first.Scalar() : "?";
      if (key == "schema") continue;
      if (key != "hardware" && key != "models" && key != "quants") {
        const auto hints = closest_matches(key, {"hardware", "models", "quants", "schema"}, 1);
        fail_file(source_name, item.first,
                  key.substr(0, 60) + ": unknown top-level key" +
                      (hints.empty() ? std::string() : " (did you mean '" + hints[0] + "'?)"));
      }
      if (item.second.IsNull()) continue;
      if (!item.second.IsSequence()) fail_file(source_name, item.second, key + ": must be a list of entries");
      if (item.second.size() > kMaxEntriesPerList)
        fail_file(source_name, item.second, key + ": more than 10000 entries; split the file");
      for (const auto& entry : item.second) {
        if (key == "hardware") data.hardware.push_back(read_entry<HardwareSpec>(entry, source_name, "hardware"));
        if (key == "models") data.models.push_back(read_entry<ModelSpec>(entry, source_name, "model"));
        if (key == "quants") data.quants.push_back(read_entry<QuantSpec>(entry, source_name, "quant"));
      }
    }
  } catch (const YAML::Exception& e) {
    throw InputError(source_name + ": " + e.msg);
  }
  return data;
}

CatalogData load_catalog_path(const std::string& path) {
  namespace fs = std::filesystem;
  if (path.empty()) throw InputError("an empty catalogue path");
  std::error_code error;
  const fs::file_status status = fs::status(path, error);
  if (error || !fs::exists(status)) throw InputError(path + ": no such file or folder");
  std::vector<std::string> files;
  if (fs::is_directory(status)) {
    for (const auto& entry : fs::directory_iterator(path, error)) {
      const std::string ext = entry.path().extension().string();
      if (entry.is_regular_file() && (ext == ".yaml" || ext == ".yml")) files.push_back(entry.path().string());
    }
    if (error) throw InputError(path + ": cannot list folder: " + error.message());
    std::sort(files.begin(), files.end());
    if (files.empty()) throw InputError(path + ": folder holds no .yaml files");
  } else {
    files.push_back(path);
  }
  CatalogData all;
  for (const auto& file : files) {
    CatalogData data = parse_catalog_yaml(io::read_text_file(file, kMaxCatalogFileBytes, "not a catalogue file"), file);
    for (auto& h : data.hardware) all.hardware.push_back(std::move(h));
    for (auto& m : data.models) all.models.push_back(std::move(m));
    for (auto& q : data.quants) all.quants.push_back(std::move(q));
  }
  return all;
}

Catalog load_catalog(const std::vector<std::string>& user_paths) {
  Catalog catalog = Catalog::builtin();
  for (const auto& path : user_paths) catalog.add_source(load_catalog_path(path), path);
  return catalog;
}

std::vector<std::string> db_paths_from_environment() {
  std::vector<std::string> paths;
  const char* value = std::getenv("LLMFIT_DB_PATH");
  if (value == nullptr) return paths;
  std::string all(value);
  std::size_t start = 0;
  while (start <= all.size()) {
    const std::size_t end = std::min(all.find(':', start), all.size());
    if (end > start) paths.push_back(all.substr(start, end - start));
    start = end + 1;
  }
  return paths;
}

}  // namespace llmfit

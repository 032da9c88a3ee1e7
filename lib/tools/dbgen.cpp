// Build-time step: validates the shipped YAML catalogues and compiles them into C++ tables, so the
// binary never parses YAML at start-up (yaml-cpp needs 10-14 ms for the shipped files).
// Usage: llmfit-dbgen OUTPUT.cpp FILE.yaml...
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

#include "llmfit/catalog.hpp"
#include "llmfit/io/catalog_yaml.hpp"
#include "llmfit/errors.hpp"
#include "llmfit/io/output_file.hpp"
#include "llmfit/io/profile_yaml.hpp"
#include "llmfit/profile.hpp"
#include "llmfit/spec_fields.hpp"

namespace {

using namespace llmfit;

std::string quoted(const std::string& text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\%03o", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

std::string number(double value) {
  std::ostringstream out;
  out.precision(17);
  out << value;
  return out.str();
}

/// Lists (aliases, memory options, APIs) become named constant arrays that the rows point to, so the
/// whole catalogue is constant data: no code runs for it until fill_builtin_catalog() copies it.
class ListArrays {
 public:
  std::string add(const char* element_type, const std::vector<std::string>& literals) {
    if (literals.empty()) return "{}";
    const std::string name = "kList" + std::to_string(count_++);
    out_ << "constexpr " << element_type << " " << name << "[] = {";
    for (std::size_t i = 0; i < literals.size(); ++i) out_ << (i ? ", " : "") << literals[i];
    out_ << "};\n";
    return name;
  }
  [[nodiscard]] std::string text() const { return out_.str(); }

 private:
  std::ostringstream out_;
  int count_ = 0;
};

std::string strings(ListArrays& lists, const std::vector<std::string>& items) {
  std::vector<std::string> literals;
  for (const auto& item : items) literals.push_back(quoted(item));
  return lists.add("std::string_view", literals);
}

std::string numbers(ListArrays& lists, const std::vector<double>& items) {
  std::vector<std::string> literals;
  for (double item : items) literals.push_back(number(item));
  return lists.add("double", literals);
}

std::string enum_identifier(std::string_view name) {
  std::string out(name);
  for (auto& c : out)
    if (c == '-' || c == '.') c = '_';
  return out;
}

std::string builtin_origin(const std::string& origin) {
  return "builtin:" + std::filesystem::path(origin).parent_path().filename().string() + "/" +
         std::filesystem::path(origin).filename().string();
}

/// One record's fields as BuiltinValue initialisers, in field-list order (spec_fields.hpp), on one line.
template <typename Record>
void write_fields(std::ostream& out, ListArrays& lists, const Record& record) {
  for_each_field(record, [&](const FieldInfo&, const auto& value) {
    using T = std::decay_t<decltype(value)>;
    if constexpr (is_field_block<T>) {
      write_fields(out, lists, value);
    } else if constexpr (std::is_same_v<T, std::string>) {
      out << "{.text = " << quoted(value) << "}, ";
    } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
      out << "{.texts = " << strings(lists, value) << "}, ";
    } else if constexpr (std::is_same_v<T, std::vector<double>>) {
      out << "{.numbers = " << numbers(lists, value) << "}, ";
    } else if constexpr (std::is_same_v<T, std::vector<DeviceApi>>) {
      std::vector<std::string> names;
      for (DeviceApi api : value) names.emplace_back(to_string(api));
      out << "{.texts = " << strings(lists, names) << "}, ";
    } else if constexpr (std::is_enum_v<T>) {
      out << "{.text = " << quoted(std::string(enum_name(value))) << "}, ";
    } else {
      static_assert(std::is_arithmetic_v<T>, "a field type the generator does not know");
      out << "{.number = " << number(static_cast<double>(value)) << "}, ";
    }
  });
}

/// Every record of a list: one line of values each.
template <typename Record>
std::string records(ListArrays& lists, const std::vector<Record>& entries) {
  std::ostringstream out;
  for (Record record : entries) {
    record.origin = builtin_origin(record.origin);
    out << "    ";
    write_fields(out, lists, record);
    out << "\n";
  }
  return out.str();
}

/// `constexpr Row name[] = {rows};`, or an empty span when there are no rows (no zero-size arrays).
std::string table(const char* row_type, const char* name, const std::string& rows) {
  if (rows.empty()) return std::string("constexpr std::span<const ") + row_type + "> " + name + "{};\n";
  return std::string("constexpr ") + row_type + " " + name + "[] = {\n" + rows + "};\n";
}

/// The shipped calibration profile as C++ statements.
std::string profile_source(const std::vector<std::string>& paths) {
  std::ostringstream out;
  out << "// Generated by llmfit-dbgen from profiles/default.yaml. Do not edit.\n"
      << "#include \"llmfit/profile.hpp\"\n\nnamespace llmfit::detail {\n\n"
      << "void fill_shipped_profile([[maybe_unused]] EfficiencyProfile& profile) {\n";
  for (const auto& path : paths) {
    const EfficiencyProfile profile = load_profile_path(path);
    out << "  profile.name = " << quoted(profile.name) << ";\n  profile.source = " << quoted(profile.source) << ";\n"
        << "  profile.unmeasured.known = " << (profile.unmeasured.known ? "true" : "false") << ";\n"
        << "  profile.unmeasured.decode_relative_error = " << number(profile.unmeasured.decode_relative_error) << ";\n"
        << "  profile.unmeasured.prefill_relative_error = " << number(profile.unmeasured.prefill_relative_error) << ";\n"
        << "  profile.unmeasured.basis = " << quoted(profile.unmeasured.basis) << ";\n";
    for (const auto& e : profile.entries) {
      const auto& k = e.constants;
      out << "  {\n    ProfileEntry e;\n    e.backend = Backend::" << enum_identifier(to_string(e.backend)) << ";\n";
      if (e.api) out << "    e.api = DeviceApi::" << enum_identifier(to_string(*e.api)) << ";\n";
      if (e.hardware_class) out << "    e.hardware_class = HardwareClass::" << enum_identifier(to_string(*e.hardware_class)) << ";\n";
      for (const ConstantField& field : kConstantFields)
        out << "    e.constants." << field.name << " = " << number(k.*(field.member)) << ";\n";
      out << "    e.constants.kernel_efficiency = {";
      for (std::size_t i = 0; i < k.kernel_efficiency.size(); ++i) out << (i ? ", " : "") << number(k.kernel_efficiency[i]);
      out << "};\n    e.constants.cpu_kernel_cycles = {";
      for (std::size_t i = 0; i < k.cpu_kernel_cycles.size(); ++i) out << (i ? ", " : "") << number(k.cpu_kernel_cycles[i]);
      out << "};\n    e.constants.cpu_prefill_cycles = {";
      for (std::size_t i = 0; i < k.cpu_prefill_cycles.size(); ++i) out << (i ? ", " : "") << number(k.cpu_prefill_cycles[i]);
      out << "};\n"
          << "    e.constants.micro_batch_tokens = " << k.micro_batch_tokens << ";\n"
          << "    e.uncertainty.known = " << (e.uncertainty.known ? "true" : "false") << ";\n"
          << "    e.uncertainty.decode_relative_error = " << number(e.uncertainty.decode_relative_error) << ";\n"
          << "    e.uncertainty.prefill_relative_error = " << number(e.uncertainty.prefill_relative_error) << ";\n"
          << "    e.uncertainty.basis = " << quoted(e.uncertainty.basis) << ";\n"
          << "    e.fitted_runs = " << e.fitted_runs << ";\n"
          << "    e.note = " << quoted(e.note) << ";\n"
          << "    e.era = " << quoted(e.era) << ";\n"
          << "    e.gpu_family = " << quoted(e.gpu_family) << ";\n"
          << "    profile.entries.push_back(std::move(e));\n  }\n";
    }
  }
  out << "}\n\n}  // namespace llmfit::detail\n";
  return out.str();
}

}  // namespace

/// Runs `work`: exit status 0, or 2 with a one-line error for bad input, 1 for anything else.
template <typename Work>
int guarded(Work&& work) {
  try {
    work();
    return 0;
  } catch (const InputError& e) {
    std::cerr << "llmfit-dbgen: " << e.what() << '\n';
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "llmfit-dbgen: internal error: " << e.what() << '\n';
    return 1;
  }
}

int main(int argc, char** argv) {
  if (argc >= 3 && std::string(argv[1]) == "--profile") {
    return guarded([&] { write_file_atomically(argv[2], profile_source(std::vector<std::string>(argv + 3, argv + argc))); });
  }
  if (argc < 3) {
    std::cerr << "usage: llmfit-dbgen OUTPUT.cpp FILE.yaml... | llmfit-dbgen --profile OUTPUT.cpp [PROFILE.yaml]\n";
    return 2;
  }
  return guarded([&] {
    CatalogData all;
    for (int i = 2; i < argc; ++i) {
      CatalogData data = load_catalog_path(argv[i]);
      for (auto& h : data.hardware) all.hardware.push_back(std::move(h));
      for (auto& m : data.models) all.models.push_back(std::move(m));
      for (auto& q : data.quants) all.quants.push_back(std::move(q));
    }
    resolve_variants(all, "shipped catalogue", nullptr);
    validate_catalog(all, "shipped catalogue", nullptr);
    ListArrays lists;
    const std::string hardware = records(lists, all.hardware);
    const std::string models = records(lists, all.models);
    const std::string quants = records(lists, all.quants);
    std::ostringstream out;
    out << "// Generated by llmfit-dbgen from hardware-db/ and models-db/. Do not edit.\n"
        << "// Constant tables (see lib/core/builtin_catalog.hpp): nothing runs at start-up.\n"
        << "#include \"builtin_catalog.hpp\"\n\nnamespace llmfit::detail {\nnamespace {\n\n"
        << lists.text() << "\n"
        << table("BuiltinValue", "kHardware", hardware) << "\n"
        << table("BuiltinValue", "kModels", models) << "\n"
        << table("BuiltinValue", "kQuants", quants) << "\n"
        << "}  // namespace\n\n"
        << "void fill_builtin_catalog(CatalogData& data) {\n"
        << "  append_builtin_records(data, kHardware, kModels, kQuants);\n}\n\n"
        << "}  // namespace llmfit::detail\n";
    write_file_atomically(argv[1], out.str());
    std::cout << "llmfit-dbgen: " << all.hardware.size() << " hardware, " << all.models.size() << " models, "
              << all.quants.size() << " quants\n";
  });
}

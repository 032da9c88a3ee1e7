// The field lists of the catalogue records (spec_fields.hpp) drive the YAML reader, the compiled-in
// catalogue, the JSON writer and validation: every field of every shipped record goes through each of them
// unchanged, and every range in the list is enforced, naming the field.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

#include "llmfit/io.hpp"
#include "llmfit/llmfit.hpp"
#include "llmfit/report.hpp"
#include "entry_json.hpp"
#include "llmfit/spec_fields.hpp"

namespace llmfit {
namespace {

std::string yaml_number(double value) {
  std::ostringstream out;
  out.precision(17);
  out << value;
  return out.str();
}

std::string yaml_text(const std::string& text) { return nlohmann::json(text).dump(); }  // a YAML double-quoted scalar

/// "[a, b]" or "{a, b}" (built by appending: GCC 12 warns falsely on "[" + std::string&&).
std::string enclosed(char open, const std::vector<std::string>& items, char close) {
  std::string out(1, open);
  out += join(items, ", ");
  out += close;
  return out;
}

/// One field's value as YAML.
template <typename T>
std::string yaml_value(const T& value);

/// The record in the catalogue schema as one flow mapping: every YAML field, except optional ones left at
/// their default (the reader derives some fields from which keys a file gives, has_thermal_data among them).
template <typename Record>
std::string to_yaml(const Record& record) {
  std::vector<std::string> defaults;
  const Record fresh{};
  for_each_field(fresh, [&](const FieldInfo&, const auto& value) { defaults.push_back(yaml_value(value)); });
  std::vector<std::string> items;
  std::size_t index = 0;
  for_each_field(record, [&](const FieldInfo& f, const auto& value) {
    const std::string text = yaml_value(value);
    const bool is_default = text == defaults[index++];
    // has_thermal_data means "the file gave sustained_fraction or throttle_onset_s", even at their defaults.
    bool thermal = false;
    if constexpr (std::is_same_v<Record, HardwareSpec>) thermal = f.key == "sustained_fraction" && record.has_thermal_data;
    if (f.yaml && (f.required || !is_default || thermal)) items.push_back(std::string(f.key) + ": " + text);
  });
  return enclosed('{', items, '}');
}

template <typename T>
std::string yaml_value(const T& value) {
  if constexpr (is_field_block<T>) {
    return to_yaml(value);
  } else if constexpr (std::is_same_v<T, std::string>) {
    return yaml_text(value);
  } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
    std::vector<std::string> items;
    for (const auto& item : value) items.push_back(yaml_text(item));
    return enclosed('[', items, ']');
  } else if constexpr (std::is_same_v<T, std::vector<double>>) {
    std::vector<std::string> items;
    for (double item : value) items.push_back(yaml_number(item));
    return enclosed('[', items, ']');
  } else if constexpr (std::is_same_v<T, std::vector<DeviceApi>>) {
    std::vector<std::string> items;
    for (DeviceApi api : value) items.emplace_back(to_string(api));
    return enclosed('[', items, ']');
  } else if constexpr (std::is_enum_v<T>) {
    return std::string(enum_name(value));
  } else if constexpr (std::is_same_v<T, bool>) {
    return value ? "true" : "false";
  } else {
    return yaml_number(static_cast<double>(value));
  }
}

/// Fields that differ between two records ("moe.experts: 8 vs 16"), every field of the list compared.
template <typename Record>
void differences(const Record& a, const Record& b, const std::string& prefix, std::vector<std::string>& out,
                 bool compare_origin) {
  // Walk both records in step: the visitor of `a` collects values, then `b`'s are compared in order.
  std::vector<std::string> names;
  std::vector<std::string> values_a;
  auto collect = [&](const Record& record, std::vector<std::string>& values, bool record_names) {
    for_each_field(record, [&](const FieldInfo& f, const auto& value) {
      using T = std::decay_t<decltype(value)>;
      if constexpr (!is_field_block<T>) {
        if (f.key == "origin" && !compare_origin) return;
        if (record_names) names.push_back(prefix + std::string(f.key));
        std::ostringstream text;
        text.precision(17);
        if constexpr (std::is_same_v<T, std::string>) text << value;
        else if constexpr (std::is_same_v<T, std::vector<std::string>>) text << join(value, "|");
        else if constexpr (std::is_same_v<T, std::vector<double>>)
          for (double x : value) text << x << "|";
        else if constexpr (std::is_same_v<T, std::vector<DeviceApi>>)
          for (DeviceApi x : value) text << to_string(x) << "|";
        else if constexpr (std::is_enum_v<T>) text << enum_name(value);
        else text << value;
        values.push_back(text.str());
      }
    });
  };
  std::vector<std::string> values_b;
  collect(a, values_a, true);
  collect(b, values_b, false);
  for (std::size_t i = 0; i < names.size(); ++i)
    if (values_a[i] != values_b[i]) out.push_back(names[i] + ": " + values_a[i] + " vs " + values_b[i]);
  if constexpr (std::is_same_v<Record, ModelSpec>) {
    differences(a.moe, b.moe, prefix + "moe.", out, true);
    differences(a.attention, b.attention, prefix + "attention.", out, true);
    differences(a.mla, b.mla, prefix + "mla.", out, true);
  }
}

template <typename Record>
std::vector<std::string> differences(const Record& a, const Record& b, bool compare_origin = false) {
  std::vector<std::string> out;
  differences(a, b, "", out, compare_origin);
  return out;
}

/// Every shipped record of a list, written out field by field and read back by the catalogue reader.
template <typename Record>
void expect_yaml_round_trip(const std::vector<Record>& records, const char* list) {
  ASSERT_FALSE(records.empty());
  for (const Record& record : records) {
    const std::string text = "schema: 1\n" + std::string(list) + ":\n  - " + to_yaml(record) + "\n";
    CatalogData data;
    try {
      data = parse_catalog_yaml(text, "round-trip.yaml");
      resolve_variants(data, "round-trip.yaml", &Catalog::builtin());  // a variant states every field it has
    } catch (const InputError& e) {
      ADD_FAILURE() << record.id << ": " << e.what() << "\n" << text;
      continue;
    }
    const std::vector<Record>* read = nullptr;
    if constexpr (std::is_same_v<Record, HardwareSpec>) read = &data.hardware;
    if constexpr (std::is_same_v<Record, ModelSpec>) read = &data.models;
    if constexpr (std::is_same_v<Record, QuantSpec>) read = &data.quants;
    ASSERT_EQ(read->size(), 1u);
    for (const auto& difference : differences(record, read->front())) ADD_FAILURE() << record.id << ": " << difference;
  }
}

TEST(SpecFields, EveryFieldOfEveryShippedRecordReadsBackFromYaml) {
  const Catalog& c = Catalog::builtin();
  expect_yaml_round_trip(c.hardware(), "hardware");
  expect_yaml_round_trip(c.models(), "models");
  expect_yaml_round_trip(c.quants(), "quants");
}

// The compiled-in tables hold every field (bookkeeping ones too) exactly as the YAML reader gives them.
TEST(SpecFields, CompiledInRecordsEqualTheShippedYamlFieldByField) {
  CatalogData yaml;
  for (const char* folder : {"hardware-db", "models-db"}) {
    CatalogData data = load_catalog_path(std::string(LLMFIT_SOURCE_DIR) + "/" + folder);
    yaml.hardware.insert(yaml.hardware.end(), data.hardware.begin(), data.hardware.end());
    yaml.models.insert(yaml.models.end(), data.models.begin(), data.models.end());
    yaml.quants.insert(yaml.quants.end(), data.quants.begin(), data.quants.end());
  }
  resolve_variants(yaml, "shipped catalogue", nullptr);
  const Catalog& c = Catalog::builtin();
  ASSERT_EQ(yaml.hardware.size(), c.hardware().size());
  ASSERT_EQ(yaml.models.size(), c.models().size());
  ASSERT_EQ(yaml.quants.size(), c.quants().size());
  for (std::size_t i = 0; i < yaml.hardware.size(); ++i)
    for (const auto& d : differences(yaml.hardware[i], c.hardware()[i])) ADD_FAILURE() << yaml.hardware[i].id << ": " << d;
  for (std::size_t i = 0; i < yaml.models.size(); ++i)
    for (const auto& d : differences(yaml.models[i], c.models()[i])) ADD_FAILURE() << yaml.models[i].id << ": " << d;
  for (std::size_t i = 0; i < yaml.quants.size(); ++i)
    for (const auto& d : differences(yaml.quants[i], c.quants()[i])) ADD_FAILURE() << yaml.quants[i].id << ": " << d;
}

/// Every JSON field of the list is in the record's `show` JSON, under its JSON key (nested blocks as
/// objects when in use, or beside the record's own fields).
template <typename Record>
void expect_json_keys(const Record& record, const nlohmann::json& doc, const std::string& where) {
  for_each_field(record, [&](const FieldInfo& f, const auto& value) {
    using T = std::decay_t<decltype(value)>;
    if (!f.json) return;
    if constexpr (is_field_block<T>) {
      if (f.nesting == JsonNesting::flatten) {
        expect_json_keys(value, doc, where);
      } else if constexpr (requires { value.present(); }) {
        if (!value.present()) {
          EXPECT_FALSE(doc.contains(f.json_name())) << where << ": " << f.json_name();
        } else {
          ASSERT_TRUE(doc.contains(f.json_name()) && doc[std::string(f.json_name())].is_object())
              << where << ": " << f.json_name();
          expect_json_keys(value, doc[std::string(f.json_name())], where + "." + std::string(f.json_name()));
        }
      }
    } else {
      EXPECT_TRUE(doc.contains(f.json_name())) << where << ": " << f.json_name() << " missing from the JSON";
    }
  });
}

TEST(SpecFields, EveryFieldReachesTheJson) {
  const Catalog& c = Catalog::builtin();
  for (const auto& h : c.hardware()) expect_json_keys(h, entry_json(h), h.id);
  for (const auto& m : c.models()) expect_json_keys(m, entry_json(m), m.id);
  for (const auto& q : c.quants()) expect_json_keys(q, entry_json(q), q.id);
  // A field that is not catalogue data stays out.
  EXPECT_FALSE(entry_json(c.hardware().front()).contains("has_thermal_data"));
}

/// Each numeric field with a range in the part of a record that `part` selects (the record itself or one of
/// its blocks), set just outside the range on an otherwise valid record, is refused by validate() with the
/// field's rule, naming the field (or the block the rule names).
template <typename Record, typename Part>
void expect_ranges_enforced(const Record& valid, Part part, const std::string& prefix, int& checked) {
  Record probe = valid;
  std::size_t index = 0;
  for_each_field(part(probe), [&](const FieldInfo& f, const auto&) {
    const std::size_t this_field = index++;
    if (f.rule.empty() || !std::isfinite(f.range.high)) return;
    Record broken = valid;
    std::size_t k = 0;
    for_each_field(part(broken), [&](const FieldInfo&, auto& member) {
      using T = std::decay_t<decltype(member)>;
      if (k++ != this_field) return;
      if constexpr (std::is_arithmetic_v<T> && !std::is_same_v<T, bool>) {
        member = static_cast<T>(f.range.high * 2 + 1);
      } else if constexpr (std::is_same_v<T, std::vector<double>>) {
        member.push_back(f.range.high * 2 + 1);
      }
    });
    const std::string problem = validate(broken);
    const std::string name = f.rule_key.empty() ? prefix + std::string(f.key) : std::string(f.rule_key);
    EXPECT_EQ(problem.rfind(name + ": ", 0), 0u) << f.key << ": " << problem;
    EXPECT_NE(problem.find(f.rule), std::string::npos) << f.key << ": " << problem;
    ++checked;
  });
}

TEST(SpecFields, EveryRangeIsEnforcedNamingTheField) {
  const Catalog& c = Catalog::builtin();
  const HardwareSpec& hw = *c.find_hardware("m2-max");
  const ModelSpec& model = *c.find_model("deepseek-v3");  // MoE with MLA
  const QuantSpec& quant = *c.find_quant("q4_k_m");
  ASSERT_EQ(validate(hw), "");
  ASSERT_EQ(validate(model), "");
  int checked = 0;
  expect_ranges_enforced(hw, [](HardwareSpec& h) -> HardwareSpec& { return h; }, "", checked);
  expect_ranges_enforced(model, [](ModelSpec& m) -> ModelSpec& { return m; }, "", checked);
  expect_ranges_enforced(model, [](ModelSpec& m) -> MoeSpec& { return m.moe; }, "moe.", checked);
  expect_ranges_enforced(model, [](ModelSpec& m) -> AttentionSpec& { return m.attention; }, "attention.", checked);
  expect_ranges_enforced(model, [](ModelSpec& m) -> MlaSpec& { return m.mla; }, "mla.", checked);
  expect_ranges_enforced(quant, [](QuantSpec& q) -> QuantSpec& { return q; }, "", checked);
  EXPECT_GT(checked, 30);
}

}  // namespace
}  // namespace llmfit

namespace llmfit {
namespace {

// Rules between fields (validate()), each named by the field a fix belongs to.
TEST(SpecFields, RulesBetweenFieldsNameTheField) {
  const Catalog& c = Catalog::builtin();
  HardwareSpec gpu = *c.find_hardware("rtx-4090");  // 1008 GB/s: 384-bit GDDR6X at 21 Gbps
  gpu.memory_bus_bits = 384;
  gpu.memory_data_rate_mt_s = 21000;
  EXPECT_EQ(validate(gpu), "");
  gpu.memory_data_rate_mt_s = 19000;  // 912 GB/s: 10 % short of the stated figure
  EXPECT_EQ(validate(gpu).rfind("bandwidth_gb_s: ", 0), 0u) << validate(gpu);
  gpu.memory_data_rate_mt_s = 0;  // one of the two alone states nothing to check
  EXPECT_EQ(validate(gpu), "");
  gpu.cpu_cores = 16;
  EXPECT_EQ(validate(gpu).rfind("cpu_cores: ", 0), 0u) << validate(gpu);
  gpu.cpu_cores = 0;
  for (const char* bad : {"10de2684", "10DE:2684", "10de:26845", "xyzw:2684", ""}) {
    gpu.pci_ids = {bad};
    EXPECT_EQ(validate(gpu).rfind("pci_ids: ", 0), 0u) << bad;
  }
  gpu.pci_ids = {"10de:2684"};
  EXPECT_EQ(validate(gpu), "");

  HardwareSpec cpu = *c.find_hardware("ddr5-5600-dual");
  cpu.cpu_simd_bits = 200;
  EXPECT_EQ(validate(cpu).rfind("cpu_simd_bits: ", 0), 0u) << validate(cpu);
  cpu.cpu_simd_bits = 512;
  EXPECT_EQ(validate(cpu), "");

  ModelSpec model = *c.find_model("llama-3.1-8b");
  model.api_output_usd_per_mtok = 0.05;
  EXPECT_EQ(validate(model).rfind("api_price_source: ", 0), 0u) << validate(model);
  model.api_price_source = "https://example.org/pricing";
  EXPECT_EQ(validate(model).rfind("api_price_source: ", 0), 0u) << validate(model);  // no date yet
  model.api_price_date = "Nov 2026";
  EXPECT_EQ(validate(model).rfind("api_price_date: ", 0), 0u) << validate(model);
  model.api_price_date = "2026-11-01";
  EXPECT_EQ(validate(model), "");
}

}  // namespace
}  // namespace llmfit

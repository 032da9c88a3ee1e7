// The compiled-in catalogue (constant tables from llmfit-dbgen) holds exactly what the shipped YAML says,
// and its name index finds every id and alias in any letter case.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>

#include "name_index.hpp"
#include "llmfit/io.hpp"
#include "llmfit/llmfit.hpp"
#include "llmfit/report.hpp"
#include "entry_json.hpp"

namespace llmfit {
namespace {

/// The shipped YAML, parsed at run time with yaml-cpp (the slow path the tables replace).
CatalogData shipped_yaml() {
  CatalogData all;
  for (const char* folder : {"hardware-db", "models-db"}) {
    CatalogData data = load_catalog_path(std::string(LLMFIT_SOURCE_DIR) + "/" + folder);
    for (auto& h : data.hardware) all.hardware.push_back(std::move(h));
    for (auto& m : data.models) all.models.push_back(std::move(m));
    for (auto& q : data.quants) all.quants.push_back(std::move(q));
  }
  resolve_variants(all, "shipped catalogue", nullptr);  // as llmfit-dbgen does: products on another file's chip
  return all;
}

/// Every field as JSON, with the origin reduced to "<folder>/<file>" (the tables say "builtin:<folder>/<file>").
template <typename Spec>
nlohmann::json comparable(const Spec& spec) {
  nlohmann::json doc = entry_json(spec);
  const std::filesystem::path origin(spec.origin.rfind("builtin:", 0) == 0 ? spec.origin.substr(8) : spec.origin);
  doc["origin"] = (origin.parent_path().filename() / origin.filename()).string();
  return doc;
}

template <typename Spec>
void expect_same_entries(const std::vector<Spec>& yaml, const std::vector<Spec>& builtin, const char* kind) {
  ASSERT_EQ(yaml.size(), builtin.size()) << kind;
  for (std::size_t i = 0; i < yaml.size(); ++i)
    EXPECT_EQ(comparable(yaml[i]), comparable(builtin[i])) << kind << " " << yaml[i].id;
}

TEST(BuiltinCatalog, TablesHoldEveryFieldOfTheShippedYaml) {
  const CatalogData yaml = shipped_yaml();
  const Catalog& builtin = Catalog::builtin();
  ASSERT_FALSE(yaml.hardware.empty());
  expect_same_entries(yaml.hardware, builtin.hardware(), "hardware");
  expect_same_entries(yaml.models, builtin.models(), "model");
  expect_same_entries(yaml.quants, builtin.quants(), "quant");
}

TEST(BuiltinCatalog, FreshCopyEqualsTheSharedOne) {
  const Catalog fresh = Catalog::make_builtin();
  const Catalog& shared = Catalog::builtin();
  ASSERT_EQ(shared.hardware().size(), fresh.hardware().size());
  for (std::size_t i = 0; i < fresh.hardware().size(); ++i)
    EXPECT_EQ(entry_json(shared.hardware()[i]), entry_json(fresh.hardware()[i]));
  EXPECT_EQ(&fresh.hardware()[3], fresh.find_hardware(fresh.hardware()[3].id));
}

TEST(BuiltinCatalog, FindsEveryIdAndAliasInAnyCase) {
  const Catalog& c = Catalog::builtin();
  for (const auto& h : c.hardware()) {
    EXPECT_EQ(&h, c.find_hardware(h.id)) << h.id;
    std::string upper = h.id;
    for (auto& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    EXPECT_EQ(&h, c.find_hardware(upper)) << upper;
    for (const auto& alias : h.aliases) EXPECT_EQ(&h, c.find_hardware(alias)) << alias;
  }
  for (const auto& m : c.models()) {
    EXPECT_EQ(&m, c.find_model(m.id)) << m.id;
    for (const auto& alias : m.aliases) EXPECT_EQ(&m, c.find_model(alias)) << alias;
  }
  for (const auto& q : c.quants()) {
    EXPECT_EQ(&q, c.find_quant(q.id)) << q.id;
    EXPECT_EQ(&q, c.find_quant(q.name)) << q.name;
    for (const auto& form : q.short_forms) EXPECT_EQ(&q, c.find_quant(form)) << form;
  }
  EXPECT_EQ(nullptr, c.find_hardware("m2-maxx"));
  EXPECT_EQ(nullptr, c.find_hardware(""));
  EXPECT_EQ(nullptr, c.find_model("m2-max"));  // hardware ids are not model names
}

TEST(NameIndex, CaseInsensitiveFirstEntryKeepsANameAndGrows) {
  detail::NameIndex index;
  EXPECT_EQ(detail::NameIndex::npos, index.find("anything"));  // empty index
  index.add("Q4_K_M", 0);
  index.add("q4_k_m", 1);  // same name in another case: entry 0 keeps it
  index.add("q4", 0);
  EXPECT_EQ(0u, index.find("q4_K_m"));
  EXPECT_EQ(0u, index.find("Q4"));
  EXPECT_EQ(2u, index.size());
  EXPECT_EQ(detail::NameIndex::npos, index.find("q4_k"));  // a prefix is not a match
  EXPECT_EQ(detail::NameIndex::npos, index.find("q4_k_m "));
  // 1,000 names force several rehashes; every one is still found.
  for (std::size_t i = 0; i < 1000; ++i) index.add("name-" + std::to_string(i), 10 + i);
  for (std::size_t i = 0; i < 1000; ++i) EXPECT_EQ(10 + i, index.find("NAME-" + std::to_string(i)));
  EXPECT_EQ(0u, index.find("q4_k_m"));
  const detail::NameIndex copy = index;  // self-contained: a copy answers the same
  index.clear();
  EXPECT_EQ(detail::NameIndex::npos, index.find("q4"));
  EXPECT_EQ(510u, copy.find("name-500"));
}

}  // namespace
}  // namespace llmfit

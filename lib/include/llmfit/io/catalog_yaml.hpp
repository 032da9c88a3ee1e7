#pragma once
/// Reading catalogue YAML (user files at run time; the shipped files at build time).
#include <string>
#include <string_view>
#include <vector>

#include "llmfit/catalog.hpp"

namespace llmfit {

/// Parses one YAML document in the catalogue schema. `source_name` names it in errors
/// ("my.yaml:12:3: hardware 'x': bandwidth_gb_s: must be > 0"). Throws InputError.
[[nodiscard]] CatalogData parse_catalog_yaml(std::string_view text, const std::string& source_name);
/// A YAML file, or every *.yaml / *.yml file of a folder (sorted by name). Throws InputError.
[[nodiscard]] CatalogData load_catalog_path(const std::string& path);
/// The shipped catalogue with each user path layered on top, in order.
[[nodiscard]] Catalog load_catalog(const std::vector<std::string>& user_paths);
/// Paths from LLMFIT_DB_PATH (colon-separated), empty parts skipped.
[[nodiscard]] std::vector<std::string> db_paths_from_environment();

}  // namespace llmfit

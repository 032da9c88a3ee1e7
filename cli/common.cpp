#include "common.hpp"

#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>

namespace llmfit::cli {

void add_global_options(CLI::App& app, GlobalOptions& options) {
  app.add_option("--db", options.db_paths,
                 "Extra catalogue YAML file or folder (repeatable); entries override shipped ids")
      ->type_name("PATH")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
      ->configurable(false);
  app.add_option("--calibration", options.calibration_path, "Efficiency profile from 'llmfit calibrate'")
      ->type_name("PROFILE.yaml");
}

const Catalog& catalog(const GlobalOptions& options) {
  static std::optional<Catalog> loaded;
  if (loaded) return *loaded;
  std::vector<std::string> paths = db_paths_from_environment();
  paths.insert(paths.end(), options.db_paths.begin(), options.db_paths.end());
  if (paths.empty()) return Catalog::builtin();
  loaded = load_catalog(paths);
  return *loaded;
}

const EfficiencyProfile& profile(const GlobalOptions& options) {
  static std::optional<EfficiencyProfile> loaded;
  if (loaded) return *loaded;
  if (options.calibration_path.empty()) return shipped_efficiency_profile();
  loaded = load_profile_path(options.calibration_path);
  return *loaded;
}

CLI::Option* add_format_option(CLI::App& app, std::string& format, std::vector<std::string> choices) {
  std::string help = "Output format: ";
  for (std::size_t i = 0; i < choices.size(); ++i) {
    if (i > 0) help += '|';
    help += choices[i];
  }
  return app.add_option("--format", format, help)->check(CLI::IsMember(choices))->capture_default_str();
}

std::string json_text(const nlohmann::json& doc) {
  return doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

void write_output(const std::string& text, const std::string& path) {
  if (path.empty() || path == "-") {
    std::cout << text;
    std::cout.flush();
    return;
  }
  const std::string temporary = path + ".tmp-llmfit";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    if (!out) throw InputError(path + ": cannot open for writing");
    out << text;
    out.flush();
    if (!out) {
      std::error_code ignored;
      std::filesystem::remove(temporary, ignored);
      throw InputError(path + ": write failed");
    }
  }
  std::error_code error;
  std::filesystem::rename(temporary, path, error);
  if (error) {
    std::filesystem::remove(temporary, error);
    throw InputError(path + ": cannot write: " + error.message());
  }
}

}  // namespace llmfit::cli

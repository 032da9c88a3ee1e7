#pragma once
// Flags and output handling shared by the planning commands (compare, fit, scale, cluster, cost,
// recommend, check).
#include <functional>
#include <string>

#include "common.hpp"

namespace llmfit::cli {

/// Which scenario flags a command offers.
struct ScenarioFlagSet {
  bool context = true;
  bool backend = true;
  bool kv_type = true;
  bool prompt_tokens = true;
  bool batch = false;
  bool memory = false;
  bool api = false;
  bool host = false;
};

/// Adds --context, --backend, --kv-type, --prompt-tokens (and the others asked for) bound to `query`.
void add_scenario_options(CLI::App& app, Query& query, const ScenarioFlagSet& flags);

/// Where a command writes: -o FILE for the main output, --svg FILE for a chart (when `svg_path`).
void add_output_options(CLI::App& app, std::string& output_path, std::string* svg_path);

/// Writes the chart first (when asked), then the main output; each atomically (temporary + rename).
void write_outputs(const std::string& text, const std::string& output_path, const std::string& svg_path,
                   const std::function<std::string()>& render_svg);

/// Splits "a,b,c" (CLI11 gives one string per --hw occurrence) into trimmed, non-empty names.
std::vector<std::string> split_names(const std::vector<std::string>& values, const std::string& flag);

}  // namespace llmfit::cli

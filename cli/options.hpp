#pragma once
// What the commands share: the scenario flags (one help text each, named by the field table of
// flags.cpp), and the output files.
#include <functional>
#include <string>
#include <vector>

#include "common.hpp"

namespace llmfit::cli {

/// The scenario flags, by the Query field each sets.
enum class ScenarioFlag {
  context_tokens,
  backend,
  api,
  kv_type,
  prompt_tokens,
  batch,
  memory_gib,
  gpu_memory_fraction,
  host,
  host_memory_gib,
  allow_offload,
};

/// Adds each flag of `flags` bound to its field of `query`.
void add_scenario_options(CLI::App& app, Query& query, const std::vector<ScenarioFlag>& flags);

/// Where a command writes: -o FILE for the main output, --svg FILE for a chart (when `svg_path`).
void add_output_options(CLI::App& app, std::string& output_path, std::string* svg_path);

/// Writes the chart first (when asked), then the main output; each atomically (temporary + rename).
void write_outputs(const std::string& text, const std::string& output_path, const std::string& svg_path,
                   const std::function<std::string()>& render_svg);

/// Splits "a,b,c" (CLI11 gives one string per --hw occurrence) into trimmed, non-empty names.
std::vector<std::string> split_names(const std::vector<std::string>& values, const std::string& flag);

}  // namespace llmfit::cli

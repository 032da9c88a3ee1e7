#pragma once
// What the commands share: the scenario flags (one help text each, named by the field table of
// flags.cpp), and the output files.
#include <functional>
#include <initializer_list>
#include <span>
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

/// Help of --hw and --model: the names the resolver reads (docs/commands.md "Names"), then `example`.
[[nodiscard]] std::string hardware_help(const std::string& example);
[[nodiscard]] std::string model_help(const std::string& example);

/// Adds each flag of `flags` bound to its field of `query`.
void add_scenario_options(CLI::App& app, Query& query, const std::vector<ScenarioFlag>& flags);
/// The flags every planning command offers (context, backend, KV type, prompt) and then `more`.
[[nodiscard]] std::vector<ScenarioFlag> planning_flags(std::initializer_list<ScenarioFlag> more);

/// What a command writes and where: --format, -o FILE and, for a command that draws a chart, --svg FILE.
struct OutputOptions {
  Format format = Format::text;
  std::string path;  // empty or "-": stdout
  std::string svg;   // empty: no chart
};
/// Registers --format (the formats the command writes), -o and, when `chart`, --svg.
void add_output_options(CLI::App& app, OutputOptions& output, std::span<const Format> formats, bool chart);

/// Writes the chart first (when asked), then the document; each whole (write_output).
void write_outputs(const OutputOptions& output, const std::string& text,
                   const std::function<std::string()>& render_svg);

/// Splits "a,b,c" (CLI11 gives one string per --hw occurrence) into trimmed, non-empty names.
/// Adds to every option of `app` and its subcommands the checks every value gets: not empty, and a whole
/// number within 64 bits. Called once, after every command is set up.
void add_value_checks(CLI::App& app);

/// Adds to every --hw, --host and --memory of `app` and its subcommands the values of this machine: `--hw
/// auto` (the detected devices), `--host auto`, `--memory free`. Called once, after every command is set up.
void add_machine_values(CLI::App& app, GlobalOptions& global);

std::vector<std::string> split_names(const std::vector<std::string>& values, const std::string& flag);

}  // namespace llmfit::cli

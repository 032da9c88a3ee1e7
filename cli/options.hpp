#pragma once
// What the commands share: the scenario flags (one help text each, named by the field table of
// flags.cpp), and the output files.
#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common.hpp"
#include "scenario_flags.hpp"

namespace llmfit::cli {

/// A scenario flag a command does not honour, and why: the parser accepts it (so that it cannot fall
/// through to another command's option) and the command refuses it with exit 2.
struct RefusedFlag {
  ScenarioFlag flag;
  std::string reason;  // "recommend sizes for --users concurrent sequences"
};

/// Adds every scenario flag (kScenarioFlags) bound to its field of `query`, the refused ones refused.
void add_scenario_options(CLI::App& app, Query& query, const std::vector<RefusedFlag>& refused = {});
/// Adds the scenario flags of `refused` only, each refused: for a command that takes no Query.
void refuse_scenario_flags(CLI::App& app, const std::vector<RefusedFlag>& refused);
/// An option `name` (a switch when !takes_value) that is accepted by the parser, hidden from the help, and
/// refused with "<name>: <reason>" and exit 2 when given.
void refuse_option(CLI::App& app, const std::string& name, bool takes_value, const std::string& reason);
/// Adds the token-count spellings people type to an integer option: 32k, 128K (x 1024), 1M (x 1024²),
/// 1.5k; what the option then parses is the whole number.
CLI::Option* accept_token_suffixes(CLI::Option* option);
/// "32k" → 32768 …: the whole number a token count with a suffix stands for; nullopt when `text` has no
/// suffix, InputError when it is not a whole number of tokens.
[[nodiscard]] std::optional<std::int64_t> parse_token_suffix(const std::string& text);
/// Help of --hw and --model: the names the resolver reads (docs/commands.md "Names"), then `example`.
[[nodiscard]] std::string hardware_help(const std::string& example);
[[nodiscard]] std::string model_help(const std::string& example);

/// What a command writes and where: --format, -o FILE and, for a command that draws a chart, --svg FILE; or
/// with --url, the link to the same view on the page.
struct OutputOptions {
  Format format = Format::text;
  std::string path;  // empty or "-": stdout
  std::string svg;   // empty: no chart
  bool url = false;
  const CLI::App* command = nullptr;  // whose options the link carries
};
/// The options of add_output_options: how to write, not what to answer (a page link leaves them out).
inline constexpr std::array<std::string_view, 4> kOutputOptions{"--format", "--output", "--svg", "--url"};
/// Registers --format (the formats the command writes), -o, --url and, when `chart`, --svg.
void add_output_options(CLI::App& app, OutputOptions& output, std::span<const Format> formats, bool chart);

/// Writes the chart first (when asked), then the document; each whole (write_output).
void write_outputs(const OutputOptions& output, const std::string& text,
                   const std::function<std::string()>& render_svg);

/// Splits "a,b,c" (CLI11 gives one string per --hw occurrence) into trimmed, non-empty names.
/// Adds to every option of `app` and its subcommands the checks every value gets: not empty, and a whole
/// number within 64 bits. Called once, after every command is set up.
/// Refuses "--flag=<19 or more digits>" with exit 2 before CLI11 reads it (it would throw past its errors).
void refuse_unreadable_numbers(const std::vector<std::string>& arguments);
void add_value_checks(CLI::App& app);

/// Adds to every --hw, --host and --memory of `app` and its subcommands the values of this machine: `--hw
/// auto` (the detected devices), `--host auto`, `--memory free`. Called once, after every command is set up.
void add_machine_values(CLI::App& app, GlobalOptions& global);

/// An option of the prediction (the top-level command) given to a subcommand that does not define it would
/// fall through to the top level and do nothing: refused with exit 2 before any command runs. `shared`:
/// the top-level options every command takes (--db, --calibration, …).
void refuse_fallthrough(CLI::App& app, const std::vector<const CLI::Option*>& shared);

std::vector<std::string> split_names(const std::vector<std::string>& values, const std::string& flag);

}  // namespace llmfit::cli

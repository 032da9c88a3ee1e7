#pragma once
// Commands run inside a process that loaded its catalogue and profile once (llmfit serve, the page) instead
// of as `llmfit`: the same option parsing, defaults, checks and library calls, with the options given as a URL
// query string (page_link.hpp) and the JSON document kept rather than printed.
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common.hpp"

namespace llmfit::cli {

/// A command and how the command line sets it up.
struct CommandSetup {
  std::string_view name;  // "predict": the main answer, on the top level
  void (*setup)(CLI::App& app, GlobalOptions& global);
};
/// What the page offers: the main answer, list, show and the planning commands (what needs no file).
[[nodiscard]] std::span<const CommandSetup> page_commands();
/// The entry of `commands` named `name`, or null.
[[nodiscard]] const CommandSetup* find_command(std::span<const CommandSetup> commands, std::string_view name);

struct InProcessRequest {
  std::vector<std::string> positionals;  // `list hardware`, `show hw m2-max`, `validate -`
  std::string_view query;                // the options, `hw=m2-max&context=32768`
  bool keep_charts = false;              // the page: the command's SVG chart, when it draws one
  const std::string* standard_input = nullptr;  // what the run file `-` holds
};

struct InProcessResult {
  int status = 0;         // as the command line's exit status: 0 an answer, 2 bad input, 1 an internal failure
  std::string document;   // the --format json document, or the help text (`help`), or a link (`url`)
  std::string error;      // status != 0: one line, options spelt as on the command line
  std::vector<std::pair<std::string, std::string>> charts;  // (name, SVG)
  bool is_json = true;    // false: help text or a link
};

/// Runs `command` as `llmfit <command> <positionals> --format json <options of query>`. Bad input of any kind
/// (an unknown key, a bad value, an unknown id) is status 2 with a message; nothing is read from or written to
/// a file.
[[nodiscard]] InProcessResult run_in_process(const CommandSetup& command, const InProcessRequest& request,
                                             const Catalog& catalog, const EfficiencyProfile& profile);

/// An option of a command as the page, the API index and MCP tool schemas describe it (the output options
/// and --help left out).
struct OptionInfo {
  std::string name;  // long name without dashes: the query key
  std::string description;
  std::string type;  // "boolean" (a flag), "integer", "number" or "string"
  bool required = false;
  std::vector<std::string> choices;  // the names an option takes (from the enum's NameTable); empty: any value
};
[[nodiscard]] std::vector<OptionInfo> describe_options(const CommandSetup& command);

/// The exit status and one-line message of a failed command: 2 for bad input (an option the parser refused,
/// an InputError, spelt with options), 1 for anything else. Call inside a catch block.
struct Failure {
  int status = 1;
  std::string message;
};
[[nodiscard]] Failure current_failure();

}  // namespace llmfit::cli

#pragma once
// Shared pieces of the command line: global options, catalogue loading, output.
#include <CLI/CLI.hpp>

#include <array>
#include <functional>
#include <span>
#include <stdexcept>
#include <string_view>
#include <string>
#include <vector>

#include "llmfit/io.hpp"
#include "llmfit/io/output_file.hpp"
#include "llmfit/llmfit.hpp"
#include "llmfit/report.hpp"

namespace llmfit::cli {

/// Options every command shares.
struct GlobalOptions {
  std::vector<std::string> db_paths;  // --db, repeatable; LLMFIT_DB_PATH first
  std::string calibration_path;       // --calibration profile.yaml
  std::string model_file;             // --model-file model.gguf (any part of a split model)
  std::string hf_config;              // --hf-config config.json
  std::string file_quant;             // --quant: quantisation for the --hf-config / --model-file model
  std::string machine_folder;         // --machine DIR: a captured machine instead of this one
  bool hardware_auto = false;         // some --hw (or --host) said auto: the detected machine is layered in
  // Set instead of the options above when a command runs inside a process that loaded its catalogue and
  // profile once (llmfit serve, the page): every command then uses these and reads no file.
  const Catalog* preloaded_catalog = nullptr;
  const EfficiencyProfile* preloaded_profile = nullptr;
};

/// The options that name files the process reads for every command (a page link cannot carry them).
inline constexpr std::array<std::string_view, 5> kFileOptions{"--db", "--calibration", "--model-file", "--hf-config",
                                                              "--quant"};
/// Registers --db and --calibration on `app` (top level, inherited by subcommands).
void add_global_options(CLI::App& app, GlobalOptions& options);
/// The shipped catalogue with LLMFIT_DB_PATH and --db layered on top (loaded once).
const Catalog& catalog(const GlobalOptions& options);
/// The model read from --model-file / --hf-config (loaded with the catalogue), or null.
const ModelFileInfo* model_file(const GlobalOptions& options);
/// `model` when given, else the --model-file / --hf-config model (with --quant), else InputError
/// "--model: missing; name a model, e.g. <example>".
std::string model_name_or_file(const std::string& model, const GlobalOptions& options, const std::string& example);

/// What was read from this machine (or the --machine folder), once.
const MachineEvidence& machine_evidence(const GlobalOptions& options);
/// The machine mapped to the catalogue (before its own entries are layered in), once.
const IdentifiedMachine& identified_machine(const GlobalOptions& options);

/// Writes to standard error how each name typed was read when it was not a catalogue id ("llmfit: 'RTX 4090'
/// read as rtx-4090 (…)"), for the commands whose output shows ids only; called after the output is
/// written, so that a failing command prints its one error line alone.
void note_name_readings(const GlobalOptions& options, const std::vector<std::string>& hardware,
                        const std::string& model);

/// The efficiency profile: --calibration, else the shipped default profile.
const EfficiencyProfile& profile(const GlobalOptions& options);

/// `--format` with the formats a command writes (the first is the default).
CLI::Option* add_format_option(CLI::App& app, Format& format, std::span<const Format> formats);
/// A write to standard output failed: exit 1 with "standard output: <errno text>", except a closed pipe
/// (`llmfit … | head`), which ends quietly.
struct StandardOutputError : std::runtime_error {
  explicit StandardOutputError(int error);
  bool broken_pipe = false;
};
/// Writes to standard output and flushes; StandardOutputError when the write fails.
void write_stdout(std::string_view text);
/// Flushes standard output at exit (what CLI11 printed, too); StandardOutputError when it failed.
void check_stdout_at_exit();
/// True for an output path that means standard output (empty or "-").
[[nodiscard]] bool is_stdout(const std::string& path);
/// Writes `text` (its field references spelt as options) to stdout, or whole to `path` (OutputFile).
void write_output(const std::string& text, const std::string& path);

/// A command run inside this process (llmfit serve, the page) rather than as `llmfit`: what it would print
/// is kept here, and it writes no file. Set for the thread that runs the command by InProcessScope (each
/// request of the server runs on one thread, start to end).
struct InProcess {
  std::string document;  // what standard output would have received
  bool keep_charts = false;  // the page draws `--svg NAME` charts; the server refuses --svg
  std::vector<std::pair<std::string, std::string>> charts;  // NAME and the SVG
  const std::string* standard_input = nullptr;  // what the run file "-" holds (the server's POST body)
};
/// The in-process run of this thread, or null (the command line).
[[nodiscard]] InProcess* in_process() noexcept;
/// Makes `run` this thread's in-process run for its lifetime.
class InProcessScope {
 public:
  explicit InProcessScope(InProcess& run) noexcept;
  InProcessScope(const InProcessScope&) = delete;
  InProcessScope& operator=(const InProcessScope&) = delete;
  ~InProcessScope();

 private:
  InProcess* previous_;
};

/// Measured runs from files (`-`: standard input, or the in-process run's standard_input), as
/// load_runs_paths reads them.
[[nodiscard]] RunSet load_run_files(const std::vector<std::string>& paths, const Catalog& catalog,
                                    const RunDefaults& defaults);
/// The check of a run-file argument: an existing file, or `-`.
[[nodiscard]] CLI::Validator existing_file_or_stdin();

/// The runs skipped while reading, then while resolving (moved, not copied: a million rows may be
/// skipped). With `strict`, the first run that did not resolve is an InputError.
[[nodiscard]] std::vector<SkippedRun> all_skipped(RunSet& set, ResolvedRuns& resolved, bool strict);

}  // namespace llmfit::cli

// `llmfit validate FILE...`: predict every measured run and report the errors.
#include <algorithm>
#include <functional>
#include <memory>
#include <optional>

#include "commands.hpp"
#include "options.hpp"
#include "llmfit/calibrate.hpp"
#include "llmfit/report/calibration.hpp"

namespace llmfit::cli {
namespace {

struct ValidateOptions {
  std::vector<std::string> files;
  RunDefaults defaults;
  Format format = Format::text;
  std::string write_runs;  // the usable runs in llmfit's schema
};

void run_validate(const ValidateOptions& options, const GlobalOptions& global) {
  const Catalog& cat = catalog(global);
  RunSet set = load_run_files(options.files, cat, options.defaults);
  // Opened once the inputs are read and before any work: an output that is an input, or cannot be
  // written, is refused at once.
  std::optional<OutputFile> runs_out;
  if (!is_stdout(options.write_runs)) runs_out.emplace(options.write_runs);
  ResolvedRuns resolved = resolve_runs(set.runs, cat);
  const std::vector<SkippedRun> skipped = all_skipped(set, resolved, options.defaults.strict);
  // Batched runs are read and listed (with --write-runs, written) though not scored yet: a file of them
  // alone is a report of 0 scored runs, not an error.
  if (resolved.cases.empty() && resolved.batched.empty())
    throw InputError("validate: no usable runs in " + std::to_string(options.files.size()) + " file(s)" +
                     (skipped.empty() ? std::string() : "; first skipped: " + skipped.front().file + ":" +
                                                            std::to_string(skipped.front().index) + ": " +
                                                            skipped.front().reason));
  const EfficiencyProfile& used = profile(global);
  const ValidationReport report = validate_runs(resolved.cases, used);
  const std::string name = global.calibration_path.empty() ? used.name : global.calibration_path;
  if (!options.write_runs.empty()) {
    // The usable runs in input order: the batch-1 cases and the batched runs kept apart from them (both
    // lists are in input order, so a merge by position in set.runs restores it).
    std::vector<const MeasuredRun*> usable;
    usable.reserve(resolved.cases.size() + resolved.batched.size());
    for (const RunCase& c : resolved.cases) usable.push_back(c.run);
    const auto middle = usable.insert(usable.end(), resolved.batched.begin(), resolved.batched.end());
    std::inplace_merge(usable.begin(), middle, usable.end(), std::less<const MeasuredRun*>());
    const auto run_at = [&](std::size_t i) -> const MeasuredRun& { return *usable[i]; };
    if (runs_out) {
      runs_to_json_text_to(usable.size(), run_at, [&](std::string_view block) { runs_out->write(block); });
      runs_out->commit();
    } else {
      runs_to_json_text_to(usable.size(), run_at,
                           [&](std::string_view block) { write_output(std::string(block), options.write_runs); });
    }
  }
  render_validation_to(report, resolved.cases, skipped, name, options.format,
                       [](std::string_view block) { write_output(std::string(block), ""); });
}

}  // namespace

void setup_validate(CLI::App& app, GlobalOptions& global) {
  auto options = std::make_shared<ValidateOptions>();
  CLI::App* sub = app.add_subcommand(
      "validate", "Predict measured runs with the current profile (--calibration) and report per-run and summary errors");
  sub->add_option("files", options->files, "Run files (- : standard input)")
      ->required()
      ->check(existing_file_or_stdin());
  sub->add_option("--hw", options->defaults.hardware,
                  "Hardware of runs whose file does not name it in catalogue terms (llama-bench, Ollama), e.g. m2-max");
  sub->add_option("--model", options->defaults.model,
                  "Model with quantisation of runs whose file does not name it, e.g. llama-3.1-8b-q4_k_m");
  sub->add_flag("--strict", options->defaults.strict, "A run that cannot be used is an error, not a skip");
  sub->add_option("--write-runs", options->write_runs, "Also write the usable runs in llmfit's run schema (JSON)")
      ->type_name("RUNS.json");
  add_format_option(*sub, options->format, kCalibrationFormats);
  refuse_option(*sub, "--quant", true, "each run names its quantisation (or --model does)");
  sub->callback([options, &global] { run_validate(*options, global); });
}

}  // namespace llmfit::cli

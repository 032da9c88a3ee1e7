// `llmfit calibrate FILE... -o profile.yaml`: fit the efficiency constants to measured runs.
#include <memory>
#include <optional>
#include <set>

#include "commands.hpp"
#include "options.hpp"
#include "flags.hpp"
#include "llmfit/calibrate.hpp"
#include "llmfit/errors.hpp"
#include "llmfit/report/calibration.hpp"

namespace llmfit::cli {
namespace {

struct CalibrateOptions {
  std::vector<std::string> files;
  std::string output;  // profile YAML; empty = report only
  RunDefaults defaults;
  Format format = Format::text;
  std::string cv;  // cross-validation unit; empty = hardware (model for runs of one chip)
};

/// "hardware | source | model | class".
std::string cv_choices() {
  std::string out;
  for (CrossValidationUnit unit : kAllCrossValidationUnits) out += (out.empty() ? "" : " | ") + std::string(to_string(unit));
  return out;
}

void run_calibrate(const CalibrateOptions& options, const GlobalOptions& global) {
  const Catalog& cat = catalog(global);
  std::optional<CrossValidationUnit> cv_unit;
  if (!options.cv.empty()) {
    cv_unit = parse_cross_validation_unit(options.cv);
    if (!cv_unit) throw InputError("--cv: unknown unit '" + options.cv.substr(0, 40) + "'; choose " + cv_choices());
  }
  RunSet set = load_run_files(options.files, cat, options.defaults);
  // Opened once the inputs are read and before the fit: an output that is an input, or cannot be
  // written, is refused at once.
  std::optional<OutputFile> profile_out;
  if (!is_stdout(options.output)) profile_out.emplace(options.output);
  ResolvedRuns resolved = resolve_runs(set.runs, cat);
  const std::vector<SkippedRun> skipped = all_skipped(set, resolved, options.defaults.strict);

  CalibrationOptions fit_options;
  fit_options.profile_name = "calibrated";
  fit_options.profile_source = "llmfit calibrate";
  fit_options.cross_validation_unit = cv_unit;
  for (const auto& file : options.files) fit_options.profile_source += " " + file;
  // Runs of one machine calibrate the profile in use (shipped or --calibration) rather than replace it.
  std::set<std::string> chips;
  for (const RunCase& c : resolved.cases) chips.insert(c.hardware->id);
  const EfficiencyProfile& before = chips.size() == 1 ? profile(global) : default_efficiency_profile();
  const CalibrationReport report = calibrate(resolved.cases, before, fit_options);

  // The profile in the format asked for: JSON with --format json, else YAML (--calibration reads both).
  auto profile_document = [&] {
    return options.format == Format::json ? calibrated_profile_json(report, resolved.cases)
                                          : calibrated_profile_document(report, resolved.cases);
  };
  if (profile_out) {
    profile_out->write(spelled(profile_document()));
    profile_out->commit();
  } else if (!options.output.empty()) {
    write_output(profile_document(), options.output);
  }
  if (options.output == "-") {
    render_calibration_to(report, resolved.cases, skipped, options.format,
                          [](std::string_view block) { std::cerr << spelled(std::string(block)); });
  } else {
    render_calibration_to(report, resolved.cases, skipped, options.format,
                          [](std::string_view block) { write_output(std::string(block), ""); });
    if (!options.output.empty() && options.format != Format::json)
      write_stdout("profile written to " + options.output + "\n");
  }
}

}  // namespace

void setup_calibrate(CLI::App& app, GlobalOptions& global) {
  auto options = std::make_shared<CalibrateOptions>();
  CLI::App* sub = app.add_subcommand(
      "calibrate", "Fit the efficiency constants to measured runs (llmfit runs JSON, llama-bench JSON/JSONL, Ollama "
                   "responses, public-table CSV) and report the cross-validated error");
  sub->add_option("files", options->files, "Run files (- : standard input)")
      ->required()
      ->check(existing_file_or_stdin());
  sub->add_option("-o,--output", options->output,
                  "Write the fitted profile here: YAML, or JSON with --format json (--calibration reads both); "
                  "'-' = stdout")
      ->type_name("PROFILE");
  refuse_option(*sub, "--calibration", true, "calibrate fits its profile from the literature defaults");
  refuse_option(*sub, "--quant", true, "each run names its quantisation (or --model does)");
  sub->add_option("--hw", options->defaults.hardware,
                  "Hardware of runs whose file does not name it in catalogue terms (llama-bench, Ollama), e.g. m2-max");
  sub->add_option("--model", options->defaults.model,
                  "Model with quantisation of runs whose file does not name it, e.g. llama-3.1-8b-q4_k_m");
  sub->add_option("--cv", options->cv,
                  "What cross-validation leaves out for the reported errors: " + cv_choices() +
                      " (default: hardware; model for runs of one chip)")
      ->type_name("UNIT");
  sub->add_flag("--strict", options->defaults.strict, "A run that cannot be used is an error, not a skip");
  add_format_option(*sub, options->format, kCalibrationFormats);
  sub->callback([options, &global] { run_calibrate(*options, global); });
}

}  // namespace llmfit::cli

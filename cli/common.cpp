#include "common.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include <iterator>
#include <memory>
#include <optional>

#include "files.hpp"
#include "flags.hpp"

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
  app.add_option("--model-file", options.model_file,
                 "A GGUF model: shape and exact weight bytes from its header (split files: any part)")
      ->type_name("MODEL.gguf");
  app.add_option("--hf-config", options.hf_config, "A Hugging Face config.json: the model's shape")
      ->type_name("config.json");
  app.add_option("--quant", options.file_quant,
                 "Quantisation of the --hf-config / --model-file model (default: the file's own)")
      ->type_name("QUANT");
  app.add_option("--machine", options.machine_folder,
                 "Detect from a captured machine folder (tests/data/machines/*) instead of this one")
      ->type_name("DIR");
}

namespace {

/// What the process's own options load, once (the command line runs one command).
const LoadedInputs& load(const GlobalOptions& options) {
  static const LoadedInputs loaded = load_inputs(options);
  return loaded;
}

/// The machine llmfit runs on (or --machine's captured one): read and identified once.
struct MachineState {
  std::optional<MachineEvidence> evidence;
  std::optional<IdentifiedMachine> machine;
  std::optional<Catalog> catalog_with_machine;  // --hw auto: the loaded catalogue with `auto`, `auto-host`
  bool probed = false;                          // the host's bandwidth was measured for --hw auto
};

MachineState& machine_state() {
  static MachineState state;
  return state;
}

MachineEvidence& read_machine(const GlobalOptions& options) {
  MachineState& state = machine_state();
  if (!state.evidence) state.evidence = read_machine_evidence(options.machine_folder);
  return *state.evidence;
}

/// Identifies the machine against `base` (the catalogue without the machine's own entries); for --hw auto,
/// a host whose bandwidth nothing states is measured (on this machine only: a captured one cannot be).
const IdentifiedMachine& identify(const GlobalOptions& options, const Catalog& base, bool measure_unknown_host) {
  MachineState& state = machine_state();
  MachineEvidence& evidence = read_machine(options);
  if (!state.machine) state.machine = identify_machine(base, evidence);
  const IdentifiedMachine& machine = *state.machine;
  const bool host_unknown = machine.host >= 0 && machine.devices[static_cast<std::size_t>(machine.host)].spec.id.empty();
  if (measure_unknown_host && host_unknown && options.machine_folder.empty() && !state.probed) {
    state.probed = true;
    const BandwidthProbe probe = measure_host_bandwidth();
    if (probe.read_gb_s > 0) {
      evidence.measured_bandwidth_gb_s = {probe.read_gb_s, "llmfit probe-bandwidth (streaming read, " +
                                                               std::to_string(probe.threads) + " threads)"};
      state.machine = identify_machine(base, evidence);
    }
  }
  return *state.machine;
}

thread_local InProcess* current_in_process = nullptr;

}  // namespace

const Catalog& catalog(const GlobalOptions& options) {
  if (options.preloaded_catalog != nullptr) return *options.preloaded_catalog;
  const LoadedInputs& loaded = load(options);
  const Catalog& base = loaded.catalog ? *loaded.catalog : Catalog::builtin();
  if (!options.hardware_auto) return base;
  MachineState& state = machine_state();
  if (!state.catalog_with_machine) {
    // --hw auto: the detected machine as entries `auto` and `auto-host`, on top of everything else.
    Catalog layered = base;
    layered.add_source(detected_catalog_data(identify(options, base, true)), "detected machine");
    state.catalog_with_machine = std::move(layered);
  }
  return *state.catalog_with_machine;
}

const ModelFileInfo* model_file(const GlobalOptions& options) {
  if (options.preloaded_catalog != nullptr) return nullptr;
  const LoadedInputs& loaded = load(options);
  return loaded.model_file ? &*loaded.model_file : nullptr;
}

std::string model_name_or_file(const std::string& model, const GlobalOptions& options, const std::string& example) {
  if (!model.empty()) return model;
  const ModelFileInfo* file = model_file(options);
  if (file == nullptr)
    throw InputError("--model: missing; name a model, e.g. --model " + example +
                     ", or describe one with --model-file / --hf-config");
  if (options.file_quant.empty()) return file->model.id;
  // The card warns when a GGUF model runs in a quantisation other than the file's.
  const QuantSpec& quant = catalog(options).quant_or_throw(options.file_quant);
  return file->model.id + "-" + quant.id;
}

const MachineEvidence& machine_evidence(const GlobalOptions& options) { return read_machine(options); }

const IdentifiedMachine& identified_machine(const GlobalOptions& options) {
  const MachineState& state = machine_state();
  if (state.machine) return *state.machine;
  const LoadedInputs& base = load(options);  // not catalog(): the machine's own entries are not matched
  return identify(options, base.catalog ? *base.catalog : Catalog::builtin(), options.hardware_auto);
}

void note_name_readings(const GlobalOptions& options, const std::vector<std::string>& hardware,
                        const std::string& model) {
  const Catalog& c = catalog(options);
  std::vector<std::string> readings;
  for (const std::string& name : hardware) readings.push_back(c.resolve_hardware(name).reading);
  if (!model.empty()) readings.push_back(c.resolve_model(model).reading);
  for (const std::string& reading : readings)
    if (!reading.empty()) std::fprintf(stderr, "llmfit: %s\n", one_line(reading).c_str());
}

const EfficiencyProfile& profile(const GlobalOptions& options) {
  if (options.preloaded_profile != nullptr) return *options.preloaded_profile;
  if (options.calibration_path.empty()) return shipped_efficiency_profile();
  static const EfficiencyProfile loaded = load_profile_file(options.calibration_path);
  return loaded;
}

CLI::Option* add_format_option(CLI::App& app, Format& format, std::span<const Format> formats) {
  std::vector<std::string> names;
  for (Format f : formats) names.emplace_back(enum_name(f));
  format = formats.front();
  // Parsed by name, shown by name (CLI11 would print an enum as its number).
  return app.add_option_function<std::string>("--format", [&format](const std::string& name) {
                format = *parse_enum_name<Format>(name);
              }, "Output format: " + join(names, "|"))
      ->check(CLI::IsMember(names))
      ->default_str(names.front());
}

void write_stdout(std::string_view text) {
  if (InProcess* run = in_process()) {
    run->document += text;
    return;
  }
  if (!text.empty() && std::fwrite(text.data(), 1, text.size(), stdout) != text.size())
    throw StandardOutputError(errno);
  if (std::fflush(stdout) != 0) throw StandardOutputError(errno);
}

void check_stdout_at_exit() {
  errno = 0;
  if (std::fflush(stdout) != 0 || std::ferror(stdout) != 0) throw StandardOutputError(errno);
}

StandardOutputError::StandardOutputError(int error)
    : std::runtime_error(std::string("standard output: ") + (error != 0 ? std::strerror(error) : "write error")),
      broken_pipe(error == EPIPE) {}

bool is_stdout(const std::string& path) { return path.empty() || path == "-"; }

void write_output(const std::string& unspelled, const std::string& path) {
  if (!is_stdout(path)) {
    if (in_process() != nullptr) throw InputError("--output: " + std::string(kNoFilesInProcess));
    return write_file(path, spelled(unspelled));
  }
  // Spelled a block of whole lines at a time (a field reference never spans a line): a 50 MB table is
  // not copied whole to be printed.
  constexpr std::size_t kBlockBytes = 1 << 16;
  std::size_t begin = 0;
  while (begin < unspelled.size()) {
    std::size_t end = unspelled.find('\n', std::min(unspelled.size(), begin + kBlockBytes));
    end = end == std::string::npos ? unspelled.size() : end + 1;
    write_stdout(spelled(std::string_view(unspelled).substr(begin, end - begin)));
    begin = end;
  }
}

InProcess* in_process() noexcept { return current_in_process; }

InProcessScope::InProcessScope(InProcess& run) noexcept : previous_(current_in_process) { current_in_process = &run; }

InProcessScope::~InProcessScope() { current_in_process = previous_; }

CLI::Validator existing_file_or_stdin() {
  return CLI::Validator([](std::string& path) { return path == "-" ? std::string() : CLI::ExistingFile(path); },
                        "FILE");
}

std::vector<SkippedRun> all_skipped(RunSet& set, ResolvedRuns& resolved, bool strict) {
  if (strict && !resolved.skipped.empty()) {
    const SkippedRun& first = resolved.skipped.front();
    throw InputError(first.file + ": record " + std::to_string(first.index) + ": " + first.reason);
  }
  std::vector<SkippedRun> skipped = std::move(set.skipped);
  skipped.insert(skipped.end(), std::make_move_iterator(resolved.skipped.begin()),
                 std::make_move_iterator(resolved.skipped.end()));
  return skipped;
}

}  // namespace llmfit::cli

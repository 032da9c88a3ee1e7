#include "common.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iterator>
#include <memory>
#include <optional>

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

struct LoadedCatalog {
  std::optional<Catalog> catalog;
  std::optional<ModelFileInfo> model_file;
  std::optional<MachineEvidence> evidence;
  std::optional<IdentifiedMachine> machine;
  bool probed = false;        // the host's bandwidth was measured for --hw auto
  bool auto_layered = false;  // the machine's entries (auto, auto-host) are in `catalog`
};

LoadedCatalog& loaded_state() {
  static LoadedCatalog loaded;
  return loaded;
}

MachineEvidence& read_machine(const GlobalOptions& options) {
  LoadedCatalog& loaded = loaded_state();
  if (!loaded.evidence) {
    if (!options.machine_folder.empty()) {
      std::error_code ec;
      if (!std::filesystem::is_directory(options.machine_folder, ec))
        throw InputError("--machine: '" + excerpt(options.machine_folder, 200) + "' is not a folder");
    }
    loaded.evidence = detect_machine(options.machine_folder.empty() ? this_machine_sources()
                                                                    : captured_machine_sources(options.machine_folder));
  }
  return *loaded.evidence;
}

/// Identifies the machine against `base` (the catalogue without the machine's own entries); for --hw auto,
/// a host whose bandwidth nothing states is measured (on this machine only: a captured one cannot be).
const IdentifiedMachine& identify(const GlobalOptions& options, const Catalog& base, bool measure_unknown_host) {
  LoadedCatalog& loaded = loaded_state();
  MachineEvidence& evidence = read_machine(options);
  if (!loaded.machine) loaded.machine = identify_machine(base, evidence);
  const IdentifiedMachine& machine = *loaded.machine;
  const bool host_unknown = machine.host >= 0 && machine.devices[static_cast<std::size_t>(machine.host)].spec.id.empty();
  if (measure_unknown_host && host_unknown && options.machine_folder.empty() && !loaded.probed) {
    loaded.probed = true;
    const BandwidthProbe probe = probe_bandwidth();
    if (probe.read_gb_s > 0) {
      evidence.measured_bandwidth_gb_s = {probe.read_gb_s, "llmfit probe-bandwidth (streaming read, " +
                                                               std::to_string(probe.threads) + " threads)"};
      loaded.machine = identify_machine(base, evidence);
    }
  }
  return *loaded.machine;
}

/// `--quant` names a quantisation of `catalog` (empty = not given), else "--quant: unknown ... (did you mean".
void check_quant(const Catalog& catalog, const std::string& quant) {
  if (quant.empty() || catalog.find_quant(quant) != nullptr) return;
  try {
    (void)catalog.quant_or_throw(quant);
  } catch (const InputError& e) {
    throw InputError(std::string("--quant: ") + e.message());
  }
}

LoadedCatalog& load(const GlobalOptions& options) {
  LoadedCatalog& loaded = loaded_state();
  static bool done = false;
  if (done) return loaded;
  std::vector<std::string> paths = db_paths_from_environment();
  paths.insert(paths.end(), options.db_paths.begin(), options.db_paths.end());
  if (!paths.empty()) loaded.catalog = load_catalog(paths);
  const Catalog& base = loaded.catalog ? *loaded.catalog : Catalog::builtin();
  if (!options.model_file.empty() && !options.hf_config.empty())
    throw InputError("--model-file and --hf-config: give one model file, not both");
  if (!options.file_quant.empty() && options.model_file.empty() && options.hf_config.empty())
    throw InputError("--quant: applies to a --model-file or --hf-config model; for a catalogue model put it in the "
                     "name, e.g. --model qwen3-8b-q8_0");
  const std::string& path = options.model_file.empty() ? options.hf_config : options.model_file;
  if (!path.empty()) {
    // --quant is checked against the base catalogue for a config, and after layering for a GGUF, whose own
    // quantisation may be a new entry ("q3_k_s" measured from the file).
    if (!options.hf_config.empty()) check_quant(base, options.file_quant);
    ModelFileInfo info = options.model_file.empty() ? read_hf_config_model(path, base, options.file_quant)
                                                    : read_gguf_model(path, base);
    Catalog layered = base;
    layered.add_source(info.catalog_data(), path);
    check_quant(layered, options.file_quant);
    loaded.catalog = std::move(layered);
    loaded.model_file = std::move(info);
  }
  done = true;
  return loaded;
}

}  // namespace

const Catalog& catalog(const GlobalOptions& options) {
  LoadedCatalog& loaded = load(options);
  if (options.hardware_auto && !loaded.auto_layered) {
    // --hw auto: the detected machine as entries `auto` and `auto-host`, on top of everything else.
    Catalog layered = loaded.catalog ? *loaded.catalog : Catalog::builtin();
    layered.add_source(detected_catalog_data(identify(options, layered, true)), "detected machine");
    loaded.catalog = std::move(layered);
    loaded.auto_layered = true;
  }
  return loaded.catalog ? *loaded.catalog : Catalog::builtin();
}

const ModelFileInfo* model_file(const GlobalOptions& options) {
  const LoadedCatalog& loaded = load(options);
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
  const LoadedCatalog& loaded = loaded_state();
  if (loaded.machine) return *loaded.machine;
  const LoadedCatalog& base = load(options);  // not catalog(): the machine's own entries are not matched
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
  static std::optional<EfficiencyProfile> loaded;
  if (loaded) return *loaded;
  if (options.calibration_path.empty()) return shipped_efficiency_profile();
  loaded = load_profile_path(options.calibration_path);
  return *loaded;
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
  if (!is_stdout(path)) return write_file_atomically(path, spelled(unspelled));
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

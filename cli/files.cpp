#include "files.hpp"

#include <filesystem>
#include <iterator>
#include <system_error>

namespace llmfit::cli {
namespace {

/// `--quant` names a quantisation of `catalog` (empty = not given), else "--quant: unknown ... (did you mean".
void check_quant(const Catalog& catalog, const std::string& quant) {
  if (quant.empty() || catalog.find_quant(quant) != nullptr) return;
  try {
    (void)catalog.quant_or_throw(quant);
  } catch (const InputError& e) {
    throw InputError(std::string("--quant: ") + e.message());
  }
}

}  // namespace

LoadedInputs load_inputs(const GlobalOptions& options) {
  LoadedInputs loaded;
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
  return loaded;
}

MachineEvidence read_machine_evidence(const std::string& machine_folder) {
  if (machine_folder.empty()) return detect_machine(this_machine_sources());
  std::error_code ec;
  if (!std::filesystem::is_directory(machine_folder, ec))
    throw InputError("--machine: '" + excerpt(machine_folder, 200) + "' is not a folder");
  return detect_machine(captured_machine_sources(machine_folder));
}

BandwidthProbe measure_host_bandwidth() { return probe_bandwidth(); }

EfficiencyProfile load_profile_file(const std::string& path) { return load_profile_path(path); }

void write_file(const std::string& path, std::string_view text) { write_file_atomically(path, text); }

void write_files(std::span<const std::pair<std::string, std::string>> path_and_text) {
  write_files_atomically(path_and_text);
}

RunSet load_run_files(const std::vector<std::string>& paths, const Catalog& catalog, const RunDefaults& defaults) {
  const InProcess* run = in_process();
  if (run == nullptr) {
    std::vector<std::string> named = paths;
    for (std::string& path : named)
      if (path == "-") path = "/dev/stdin";
    return load_runs_paths(named, catalog, defaults);
  }
  // In process the runs come with the request, never from a file.
  if (run->standard_input == nullptr || paths.size() != 1 || paths.front() != "-")
    throw InputError("files: " + std::string(kNoFilesInProcess) + "; send the runs as the request body");
  return parse_runs(*run->standard_input, "request body", catalog, defaults);
}

}  // namespace llmfit::cli

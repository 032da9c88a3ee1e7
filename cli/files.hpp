#pragma once
// What the command line reads and writes beyond the compiled-in catalogue and profile: every use of the io
// layer's file readers and writers by the shared command code goes through here, so that the page's
// WebAssembly build (web/), which has no io layer and no files, links web/no_files.cpp instead.
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "common.hpp"

namespace llmfit::cli {

/// Why a command run in process (serve, the page) names no file.
inline constexpr std::string_view kNoFilesInProcess = "no file is read or written here; the answer is the response";

/// The catalogue layered from LLMFIT_DB_PATH, --db, and a --model-file / --hf-config model (empty when none
/// is given: the shipped catalogue), with that model.
struct LoadedInputs {
  std::optional<Catalog> catalog;
  std::optional<ModelFileInfo> model_file;
};
[[nodiscard]] LoadedInputs load_inputs(const GlobalOptions& options);
/// What can be read of the machine llmfit runs on, or of a captured one (`machine_folder`, --machine).
[[nodiscard]] MachineEvidence read_machine_evidence(const std::string& machine_folder);
/// The host's streaming read bandwidth, measured now (probe_bandwidth).
[[nodiscard]] BandwidthProbe measure_host_bandwidth();
/// The --calibration profile.
[[nodiscard]] EfficiencyProfile load_profile_file(const std::string& path);
/// Writes `text` whole to `path` (write_file_atomically).
void write_file(const std::string& path, std::string_view text);
/// Writes each (path, text) whole, all or none (write_files_atomically).
void write_files(std::span<const std::pair<std::string, std::string>> path_and_text);

}  // namespace llmfit::cli

// The page's stand-in for cli/files.cpp: the page has the compiled-in catalogue and profile (set as the
// preloaded inputs of every command it runs) and no file system, so nothing here is ever reached; each
// says so should a command ask.
#include "files.hpp"

namespace llmfit::cli {

LoadedInputs load_inputs(const GlobalOptions&) { throw InputError(std::string(kNoFilesInProcess)); }

MachineEvidence read_machine_evidence(const std::string&) { throw InputError(std::string(kNoFilesInProcess)); }

BandwidthProbe measure_host_bandwidth() { throw InputError(std::string(kNoFilesInProcess)); }

EfficiencyProfile load_profile_file(const std::string&) { throw InputError(std::string(kNoFilesInProcess)); }

void write_file(const std::string&, std::string_view) { throw InputError(std::string(kNoFilesInProcess)); }

void write_files(std::span<const std::pair<std::string, std::string>>) {
  throw InputError(std::string(kNoFilesInProcess));
}

}  // namespace llmfit::cli

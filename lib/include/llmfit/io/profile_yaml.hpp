#pragma once
/// Efficiency profiles on disk (YAML, written by `llmfit calibrate`, read by `--calibration`).
#include <string>
#include <string_view>

#include "llmfit/calibrate.hpp"
#include "llmfit/efficiency.hpp"

namespace llmfit {

/// Parses a profile document. Constants an entry leaves out come from the literature default of its
/// backend. Throws InputError naming the source, entry and field.
[[nodiscard]] EfficiencyProfile parse_profile_yaml(std::string_view text, const std::string& source_name);
/// Reads a profile file (at most 16 MiB). Throws InputError.
[[nodiscard]] EfficiencyProfile load_profile_path(const std::string& path);
/// The profile as YAML, readable by people and by parse_profile_yaml.
[[nodiscard]] std::string profile_to_yaml(const EfficiencyProfile& profile);
/// The fit statistics of a calibration as a top-level YAML `report:` section, appended to the profile
/// document `llmfit calibrate -o` writes (profile readers skip it).
[[nodiscard]] std::string calibration_report_yaml(const CalibrationReport& report);
/// The document `llmfit calibrate -o` writes: a header, the profile and its report, checked with
/// parse_profile_yaml before it is returned, so no profile is written that --calibration refuses. Throws
/// InputError with the reader's reason and the worst-fitting run of `cases` (file, record, measured and
/// fitted tokens/s).
[[nodiscard]] std::string calibrated_profile_document(const CalibrationReport& report,
                                                      const std::vector<RunCase>& cases);
/// The same document as JSON (`llmfit calibrate --format json -o`): --calibration reads it too (a JSON
/// document is YAML). Throws InputError as calibrated_profile_document.
[[nodiscard]] std::string calibrated_profile_json(const CalibrationReport& report, const std::vector<RunCase>& cases);

}  // namespace llmfit

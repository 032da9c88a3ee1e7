#pragma once
/// Presentation of calibration and validation results: terminal text and JSON (the profile file's YAML
/// `report:` section is written by llmfit/io/profile_yaml.hpp).
#include <array>
#include <string>
#include <vector>

#include "llmfit/calibrate.hpp"
#include "llmfit/report/format.hpp"

namespace llmfit {

inline constexpr std::array kCalibrationFormats = kDocumentFormats;
/// `llmfit calibrate`: accuracy before/after/cross-validated, constants per group, worst runs, notes and
/// skipped runs.
[[nodiscard]] std::string render_calibration(const CalibrationReport& report, const std::vector<RunCase>& cases,
                                             const std::vector<SkippedRun>& skipped, Format format);
/// `llmfit validate`: every run predicted vs measured, then the summary errors (JSON: n, decode_mape,
/// prefill_mape in percent, runs[], skipped[]).
[[nodiscard]] std::string render_validation(const ValidationReport& report, const std::vector<RunCase>& cases,
                                            const std::vector<SkippedRun>& skipped, const std::string& profile_name,
                                            Format format);

}  // namespace llmfit

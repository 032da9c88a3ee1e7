#pragma once
/// Presentation of calibration and validation results: terminal text and JSON (the profile file's YAML
/// `report:` section is written by llmfit/io/profile_yaml.hpp).
#include <array>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "llmfit/calibrate.hpp"
#include "llmfit/report/format.hpp"

namespace llmfit {

inline constexpr std::array kCalibrationFormats = kDocumentFormats;
/// `llmfit calibrate`: accuracy before/after/cross-validated, constants per group, worst runs, notes and
/// skipped runs.
[[nodiscard]] std::string render_calibration(const CalibrationReport& report, const std::vector<RunCase>& cases,
                                             const std::vector<SkippedRun>& skipped, Format format);
/// render_calibration handed to `sink` as it is made (JSON: the runs and skipped records one at a time, in
/// blocks of about 64 KB), so the report on a million runs is never held whole.
void render_calibration_to(const CalibrationReport& report, const std::vector<RunCase>& cases,
                           const std::vector<SkippedRun>& skipped, Format format,
                           const std::function<void(std::string_view)>& sink);
/// `llmfit validate`: every run predicted vs measured, then the summary errors (JSON: n, decode_mape,
/// prefill_mape in percent, runs[], skipped[]).
[[nodiscard]] std::string render_validation(const ValidationReport& report, const std::vector<RunCase>& cases,
                                            const std::vector<SkippedRun>& skipped, const std::string& profile_name,
                                            Format format);
/// render_validation handed to `sink` in blocks of whole lines (JSON: of whole runs) as it is made, so a
/// report on a million runs is never held whole.
void render_validation_to(const ValidationReport& report, const std::vector<RunCase>& cases,
                          const std::vector<SkippedRun>& skipped, const std::string& profile_name, Format format,
                          const std::function<void(std::string_view)>& sink);

}  // namespace llmfit

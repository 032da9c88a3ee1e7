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
/// `llmfit validate`: every run predicted vs measured, then the summary errors (JSON: n, decode_mape,
/// prefill_mape in percent, runs[], skipped[]).
[[nodiscard]] std::string render_validation(const ValidationReport& report, const std::vector<RunCase>& cases,
                                            const std::vector<SkippedRun>& skipped, const std::string& profile_name,
                                            Format format);
/// render_validation handed to `sink` in blocks of whole lines as it is made, so a table of a million runs
/// is never held whole (text; JSON is handed over in one piece).
void render_validation_to(const ValidationReport& report, const std::vector<RunCase>& cases,
                          const std::vector<SkippedRun>& skipped, const std::string& profile_name, Format format,
                          const std::function<void(std::string_view)>& sink);

}  // namespace llmfit

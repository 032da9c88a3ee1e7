#pragma once
/// Presentation of calibration and validation results: terminal text and JSON (the profile file's YAML
/// `report:` section is written by llmfit/io/profile_yaml.hpp).
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "llmfit/calibrate.hpp"

namespace llmfit {

/// `llmfit calibrate` text: accuracy before/after/cross-validated, constants per group, worst runs,
/// notes and skipped runs.
[[nodiscard]] std::string calibration_report_text(const CalibrationReport& report, const std::vector<RunCase>& cases,
                                                  const std::vector<SkippedRun>& skipped);
[[nodiscard]] nlohmann::json calibration_report_json(const CalibrationReport& report, const std::vector<RunCase>& cases,
                                                     const std::vector<SkippedRun>& skipped);
/// `llmfit validate` text: every run predicted vs measured, then the summary errors.
[[nodiscard]] std::string validation_report_text(const ValidationReport& report, const std::vector<RunCase>& cases,
                                                 const std::vector<SkippedRun>& skipped, const std::string& profile_name);
/// `llmfit validate --format json`: n, decode_mape, prefill_mape (percent), runs[], skipped[].
[[nodiscard]] nlohmann::json validation_report_json(const ValidationReport& report, const std::vector<RunCase>& cases,
                                                    const std::vector<SkippedRun>& skipped,
                                                    const std::string& profile_name);

}  // namespace llmfit

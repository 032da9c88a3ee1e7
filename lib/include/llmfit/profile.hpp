#pragma once
/// Efficiency profiles on disk (YAML, written by `llmfit calibrate`, read by `--calibration`).
#include <string>
#include <string_view>

#include "llmfit/efficiency.hpp"

namespace llmfit {

/// Parses a profile document. Constants an entry leaves out come from the literature default of its
/// backend. Throws InputError naming the source, entry and field.
[[nodiscard]] EfficiencyProfile parse_profile_yaml(std::string_view text, const std::string& source_name);
/// Reads a profile file (at most 16 MiB). Throws InputError.
[[nodiscard]] EfficiencyProfile load_profile_path(const std::string& path);
/// The profile as YAML, readable by people and by parse_profile_yaml.
[[nodiscard]] std::string profile_to_yaml(const EfficiencyProfile& profile);

/// The profile llmfit uses out of the box: the shipped calibration fitted from public measured runs
/// (profiles/default.yaml, compiled in), over the literature defaults.
[[nodiscard]] const EfficiencyProfile& shipped_efficiency_profile();

namespace detail {
/// Generated at build time from profiles/default.yaml (leaves `profile` empty when there is none).
void fill_shipped_profile(EfficiencyProfile& profile);
}  // namespace detail

}  // namespace llmfit

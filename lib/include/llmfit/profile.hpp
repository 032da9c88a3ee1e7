#pragma once
/// The efficiency profile llmfit uses out of the box: the shipped calibration, fitted from public
/// measured runs (profiles/default.yaml) and compiled into the library, over the literature defaults.
/// Reading and writing profile files is llmfit/io/profile_yaml.hpp.
#include "llmfit/efficiency.hpp"

namespace llmfit {

[[nodiscard]] const EfficiencyProfile& shipped_efficiency_profile();

namespace detail {
/// Generated at build time from profiles/default.yaml (leaves `profile` empty when there is none).
void fill_shipped_profile(EfficiencyProfile& profile);
}  // namespace detail

}  // namespace llmfit

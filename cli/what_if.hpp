#pragma once
// What-if options of the main answer (the page's bandwidth projector): the chip's peak bandwidth and the
// share of it that streaming the weights reaches, set by hand instead of taken from the catalogue and the
// profile. Applied as a layer over both, like a user catalogue entry, so the library answers as usual.
#include <optional>

#include "common.hpp"

namespace llmfit::cli {

struct WhatIf {
  double bandwidth_gb_s = 0;               // 0: the catalogue's
  double weight_bandwidth_efficiency = 0;  // 0: the profile's
  [[nodiscard]] bool any() const noexcept { return bandwidth_gb_s != 0 || weight_bandwidth_efficiency != 0; }
};

/// Registers --bandwidth-gb-s and --weight-bandwidth-efficiency.
void add_what_if_options(CLI::App& app, WhatIf& what_if);

/// The catalogue and profile with the what-if applied (the named hardware's entry replaced), and the notes
/// that say so.
struct WhatIfInputs {
  std::optional<Catalog> catalog;            // empty: no bandwidth change
  std::optional<EfficiencyProfile> profile;  // empty: no efficiency change
  std::vector<std::string> notes;
};
/// InputError when a value is outside the range the catalogue or a profile allows.
[[nodiscard]] WhatIfInputs apply_what_if(const WhatIf& what_if, const Catalog& catalog,
                                         const EfficiencyProfile& profile, const std::string& hardware);

}  // namespace llmfit::cli

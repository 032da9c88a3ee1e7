#include "llmfit/profile.hpp"

namespace llmfit {

const EfficiencyProfile& shipped_efficiency_profile() {
  static const EfficiencyProfile profile = [] {
    EfficiencyProfile p;
    detail::fill_shipped_profile(p);
    if (p.entries.empty()) return default_efficiency_profile();
    return p;
  }();
  return profile;
}

}  // namespace llmfit

#include "what_if.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "flags.hpp"

namespace llmfit::cli {

void add_what_if_options(CLI::App& app, WhatIf& what_if) {
  app.add_option(flag_for("bandwidth_gb_s"), what_if.bandwidth_gb_s,
                 "What if: the chip's peak memory bandwidth in GB/s (default: the catalogue's)");
  app.add_option(flag_for("weight_bandwidth_efficiency"), what_if.weight_bandwidth_efficiency,
                 "What if: the share of peak bandwidth reached streaming the weights (default: the profile's)");
}

WhatIfInputs apply_what_if(const WhatIf& what_if, const Catalog& catalog, const EfficiencyProfile& profile,
                           const std::string& hardware) {
  WhatIfInputs out;
  if (what_if.bandwidth_gb_s != 0 && !hardware.empty()) {  // no hardware: the answer says it is missing
    HardwareSpec changed = *catalog.resolve_hardware(hardware).hardware;
    const double shipped = changed.bandwidth_gb_s;
    changed.bandwidth_gb_s = what_if.bandwidth_gb_s;
    // The stated bandwidth replaces the bus that gave the shipped one (an overclock, another memory), and the
    // entry is already resolved: it must not inherit its chip's bandwidth again.
    changed.memory_bus_bits = 0;
    changed.memory_data_rate_mt_s = 0;
    changed.variant_of.clear();
    changed.variant_stated_fields.clear();
    if (const std::string problem = validate(changed); !problem.empty())
      throw InputError(field("bandwidth_gb_s") + ": " + problem.substr(problem.find(':') + 2));
    const std::string origin = fmt::format("what-if {} {:g}", field("bandwidth_gb_s"), what_if.bandwidth_gb_s);
    out.catalog = catalog;
    out.catalog->add_source(CatalogData{.hardware = {changed}, .models = {}, .quants = {}}, origin);
    out.notes.push_back(fmt::format("what-if: peak bandwidth {:g} GB/s instead of the catalogue's {:g} GB/s",
                                    what_if.bandwidth_gb_s, shipped));
  }
  if (what_if.weight_bandwidth_efficiency != 0) {
    const auto& range = *std::find_if(kConstantFields.begin(), kConstantFields.end(), [](const ConstantField& f) {
      return f.name == "weight_bandwidth_efficiency";
    });
    const double value = what_if.weight_bandwidth_efficiency;
    if (!(value >= range.low && value <= range.high))
      throw InputError(fmt::format("{}: {:g} is out of range ({:g} to {:g})", field("weight_bandwidth_efficiency"),
                                   value, range.low, range.high));
    out.profile = profile;
    // Lookup falls back to the literature defaults for an engine the profile lacks: they are changed too.
    const auto& defaults = default_efficiency_profile().entries;
    out.profile->entries.insert(out.profile->entries.end(), defaults.begin(), defaults.end());
    for (ProfileEntry& entry : out.profile->entries) {
      entry.constants.weight_bandwidth_efficiency = value;
      entry.fitted_runs = 0;  // no longer what the runs say, and no calibrated range
      entry.uncertainty = EfficiencyUncertainty{};
      entry.note = fmt::format("what-if {} {:g}", field("weight_bandwidth_efficiency"), value);
    }
    out.notes.push_back(fmt::format("what-if: weights stream at {:.0f}% of peak bandwidth (set by hand)", value * 100));
  }
  return out;
}

}  // namespace llmfit::cli

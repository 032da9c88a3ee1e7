#pragma once
// What the presentation of the planning tools shares (internal to the report layer).
#include <cstdint>
#include <string>

#include "llmfit/predict.hpp"
#include "llmfit/scenario.hpp"
#include "llmfit/units.hpp"
#include "table.hpp"

namespace llmfit::report {

inline constexpr int kBarWidth = 24;

[[nodiscard]] inline double gb(double bytes) { return bytes / units::kBytesPerGB; }
/// "$1,234", or "$12.50" below $100.
[[nodiscard]] std::string usd(double value);
/// "+1.2 GB" / "-3.4 GB".
[[nodiscard]] std::string signed_gb(double bytes);
/// "fits", "CPU offload", "expert offload", "no fit", "out of range".
[[nodiscard]] std::string verdict_text(const Prediction& prediction);
/// Like format_duration, with more digits below 10 ms (stage and link times).
[[nodiscard]] std::string precise_duration(double seconds);
/// Runs at all (fully or with offload) and within the model's range.
[[nodiscard]] bool runs(const Prediction& prediction);
/// Text tables mark a speed that rests on no measured runs (kMeasuredRunsField = 0) with this, and say why
/// once below the table (no_runs_footnote).
inline constexpr std::string_view kNoRunsMark = "*";
/// "52.3", or "52.3*" when no measured runs stand behind it.
[[nodiscard]] std::string marked_rate(double tok_s, int measured_runs);
/// The line under a table with marked rows ("" when none is marked).
[[nodiscard]] std::string no_runs_footnote(bool any_marked);
/// "2 x NVIDIA GeForce RTX 3090".
[[nodiscard]] std::string devices_name(const Scenario& scenario);
/// "largest context that fits: 12,288 tokens fully on the accelerator; 40,960 with CPU offload": both limits
/// (MemoryFit::max_context, max_context_with_offload), the second where offload is possible and allowed.
[[nodiscard]] std::string context_limits(const Scenario& scenario, std::int64_t on_accelerator, std::int64_t with_offload);
/// The settings every row of a table shares, in one line.
[[nodiscard]] std::string scenario_heading(const Scenario& scenario);
/// The scenario's fields that every planning tool's JSON carries: hardware, count, label, model, quant,
/// backend, kv_type, context, prompt_tokens, batch.
[[nodiscard]] const Columns<Scenario>& scenario_columns();
[[nodiscard]] json scenario_json(const Scenario& scenario);

/// The scenario's fields as columns of a tool's rows.
template <typename Row, typename ScenarioOf>
void add_scenario_columns(Columns<Row>& columns, ScenarioOf scenario_of) {
  for (const Column<Scenario>& c : scenario_columns())
    columns.push_back({c.key, [value = c.value, scenario_of](const Row& row) { return value(scenario_of(row)); }});
}

}  // namespace llmfit::report

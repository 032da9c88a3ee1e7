// check: a claimed speed against the physical ceiling (report/plan.hpp).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "common.hpp"
#include "llmfit/errors.hpp"
#include "llmfit/report/format.hpp"
#include "llmfit/report/plan.hpp"

namespace llmfit {
namespace {

using namespace report;

json check_json(const ClaimCheck& c, const ResolvedQuery& resolved) {
  const Scenario& s = resolved.scenario;
  json doc = scenario_json(s);
  doc["claimed_tok_s"] = c.claimed_tok_s;
  doc["possible"] = c.possible;
  doc["verdict"] = std::string(to_string(c.verdict));
  doc["ceiling_tok_s"] = number(c.ceiling_tok_s);
  doc["bound"] = c.bandwidth_ceiling_tok_s <= c.compute_ceiling_tok_s ? "bandwidth" : "compute";
  doc["bandwidth_ceiling_tok_s"] = number(c.bandwidth_ceiling_tok_s);
  doc["compute_ceiling_tok_s"] = number(c.compute_ceiling_tok_s);
  doc["bandwidth_gb_s"] = s.hardware->bandwidth_gb_s * std::max(1, s.device_count);
  doc["bytes_per_token_gb"] = number(gb(c.bytes_per_token));
  doc["fraction_of_ceiling"] = number(c.fraction_of_ceiling);
  doc["predicted_tok_s"] = number(c.predicted_tok_s);
  doc["predicted_high_tok_s"] = number(c.predicted_high_tok_s);
  doc["fraction_of_prediction"] = c.predicted_tok_s > 0 ? number(c.fraction_of_prediction) : json(nullptr);
  doc["fits"] = c.fits;
  return doc;
}

std::string check_text(const ClaimCheck& c, const ResolvedQuery& resolved) {
  const Scenario& s = resolved.scenario;
  const double bandwidth = s.hardware->bandwidth_gb_s * std::max(1, s.device_count);
  // With a batch, every figure is for all its sequences together: the claim, the ceilings, the prediction.
  const std::string who = s.batch > 1 ? fmt::format("{} sequences together", s.batch) : "one sequence";
  std::string out = fmt::format("Claim: {} tok/s ({}) for {} ({}) on {}\n\n", svg::format_value(c.claimed_tok_s), who,
                                s.model->name, s.quant->name, devices_name(s));
  switch (c.verdict) {
    case ClaimVerdict::impossible:
      out += fmt::format("IMPOSSIBLE: {} times the physical ceiling of {} tok/s\n", svg::format_value(c.fraction_of_ceiling),
                         svg::format_value(c.ceiling_tok_s));
      break;
    case ClaimVerdict::above_prediction:
      out += fmt::format("POSSIBLE, but above the prediction: {:.0f}% of the ceiling, {:.2f}x the predicted {} tok/s\n",
                         c.fraction_of_ceiling * 100, c.fraction_of_prediction, svg::format_value(c.predicted_tok_s));
      break;
    case ClaimVerdict::within_prediction:
      out += fmt::format("PLAUSIBLE: {:.0f}% of the ceiling, {:.0f}% of the predicted {} tok/s\n",
                         c.fraction_of_ceiling * 100, c.fraction_of_prediction * 100,
                         svg::format_value(c.predicted_tok_s));
      break;
  }
  out += fmt::format("  bandwidth ceiling {:>12} tok/s = {:g} GB/s peak / {} read per token ({}, no overheads)\n",
                     svg::format_value(c.bandwidth_ceiling_tok_s), bandwidth, format_gb(c.bytes_per_token), who);
  out += fmt::format("  compute ceiling   {:>12} tok/s = {:g} TFLOPS peak / 2 FLOPs per active parameter\n",
                     svg::format_value(c.compute_ceiling_tok_s), s.hardware->fp16_tflops * std::max(1, s.device_count));
  out += fmt::format("  predicted         {:>12} tok/s ({}, {} efficiency constants)\n",
                     svg::format_value(c.predicted_tok_s), to_string(s.backend),
                     resolved.efficiency->fitted_runs > 0 ? "calibrated" : "literature-default");
  if (!c.fits)
    out += "  note: the model does not fit fully on this machine as configured; offloaded layers would run slower.\n";
  if (s.device_count > 1)
    out += "  several devices count with their summed bandwidth (the most generous split; a layer split reaches 1/N).\n";
  return out;
}

}  // namespace

std::string render_check(const ClaimCheck& check, const ResolvedQuery& resolved, Format format) {
  return format == Format::json ? json_text(check_json(check, resolved)) : check_text(check, resolved);
}

svg::BarChart check_chart(const ClaimCheck& c, const ResolvedQuery& resolved) {
  const Scenario& s = resolved.scenario;
  svg::BarChart chart;
  chart.title = fmt::format("Claim check: {} on {}", s.model->name, hardware_label(s));
  chart.subtitle = fmt::format("claimed {} tok/s: {}", svg::format_value(c.claimed_tok_s), to_string(c.verdict));
  chart.value_label = "decode speed (tokens/s)";
  const double high = std::max({c.claimed_tok_s, c.ceiling_tok_s, c.predicted_tok_s});
  const double low = std::min({c.claimed_tok_s, c.ceiling_tok_s, c.predicted_tok_s > 0 ? c.predicted_tok_s : high});
  chart.scale = high / std::max(low, 1e-300) > 100 ? svg::AxisScale::log10 : svg::AxisScale::linear;
  chart.group_names = {"llmfit", "claim", "physical ceiling"};
  chart.bars = {{"claimed", c.claimed_tok_s, svg::format_value(c.claimed_tok_s) + " tok/s", 1},
                {"physical ceiling", c.ceiling_tok_s, svg::format_value(c.ceiling_tok_s) + " tok/s", 2},
                {"predicted", c.predicted_tok_s, svg::format_value(c.predicted_tok_s) + " tok/s", 0}};
  return chart;
}

}  // namespace llmfit

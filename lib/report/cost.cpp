// cost: dollars per million tokens against a cloud API (report/plan.hpp).
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

json cost_json(const CostReport& r) {
  const Scenario& s = r.resolved.scenario;
  const CostEstimate& e = r.estimate;
  json doc = scenario_json(s);
  doc["fits"] = r.prediction.fit.fits;
  doc["verdict"] = std::string(to_string(r.prediction.fit.verdict));
  doc["decode_tok_s"] = number(r.inputs.decode_tok_s);
  doc["price_usd"] = r.inputs.price_usd;
  doc["price_source"] = r.price_from_catalogue ? "catalogue" : "given";
  doc["power_w"] = r.inputs.power_w;
  doc["power_source"] = r.power_from_catalogue ? "catalogue" : "given";
  doc["years"] = r.inputs.years;
  doc["utilization"] = r.inputs.utilization;
  doc["power_price_usd_per_kwh"] = r.inputs.power_price_usd_per_kwh;
  if (!r.runs) {
    for (const char* key : {"tokens_per_month", "hardware_usd_per_mtok", "power_usd_per_mtok", "usd_per_mtok",
                            "api_usd_per_month", "power_usd_per_month", "breakeven_months"})
      doc[key] = nullptr;
    doc["decode_tok_s"] = nullptr;
    doc["api_usd_per_mtok"] = r.inputs.api_usd_per_mtok;
    doc["breakeven_within_life"] = false;
    return doc;
  }
  doc["tokens_per_month"] = number(e.tokens_per_month);
  doc["hardware_usd_per_mtok"] = number(e.hardware_usd_per_mtok);
  doc["power_usd_per_mtok"] = number(e.power_usd_per_mtok);
  doc["usd_per_mtok"] = number(e.usd_per_mtok);
  doc["api_usd_per_mtok"] = number(e.api_usd_per_mtok);
  doc["api_usd_per_month"] = number(e.api_usd_per_month);
  doc["power_usd_per_month"] = number(e.power_usd_per_month);
  doc["breakeven_months"] = e.breakeven_months ? number(*e.breakeven_months) : json(nullptr);
  doc["breakeven_within_life"] = e.breakeven_within_life;
  return doc;
}

std::string cost_text(const CostReport& r) {
  const Scenario& s = r.resolved.scenario;
  const CostInputs& in = r.inputs;
  const CostEstimate& e = r.estimate;
  if (!r.runs)
    return fmt::format("{} ({}) on {}: DOES NOT FIT ({} needed, {} usable), so there is no cost per token.\n"
                       "Try a smaller quantisation, more memory ({}) or more devices ({} id:2).\n",
                       s.model->name, s.quant->name, devices_name(s), format_gb(r.prediction.fit.total_bytes),
                       format_gb(r.prediction.fit.available_bytes), field("memory_gib"), field("hardware"));
  std::string out = fmt::format("{} ({}) on {}: {} tok/s{}\n", s.model->name, s.quant->name, devices_name(s),
                                format_rate(in.decode_tok_s),
                                s.batch > 1 ? fmt::format(" aggregate over {} sequences", s.batch) : "");
  if (r.prediction.fit.verdict == FitVerdict::partial_offload)
    out += "  (runs with CPU offload: the speed above is the offloaded speed)\n";
  out += "\n";
  out += fmt::format("  hardware  {:>9}/Mtok   {} {}over {:g} years at {:.0f}% utilisation\n",
                     usd(e.hardware_usd_per_mtok), usd(in.price_usd), r.price_from_catalogue ? "(catalogue) " : "",
                     in.years, in.utilization * 100);
  out += fmt::format("  power     {:>9}/Mtok   {:g} W x ${:.2f}/kWh while generating{}\n", usd(e.power_usd_per_mtok),
                     in.power_w, in.power_price_usd_per_kwh, r.power_from_catalogue ? " (catalogue tdp_w)" : "");
  out += fmt::format("  local     {:>9}/Mtok\n", usd(e.usd_per_mtok));
  out += fmt::format("  cloud API {:>9}/Mtok   {}\n", usd(e.api_usd_per_mtok),
                     e.usd_per_mtok < e.api_usd_per_mtok ? "local is cheaper per token"
                                                         : "the API is cheaper per token");
  double top = std::max({e.hardware_usd_per_mtok + e.power_usd_per_mtok, e.api_usd_per_mtok, 1e-12});
  out += fmt::format("\n  local  {}\n  API    {}\n", unicode_bar(e.usd_per_mtok, top, 32),
                     unicode_bar(e.api_usd_per_mtok, top, 32));
  out += fmt::format("\n  volume: {:.1f} M tokens per month ({} tok/s x {:.0f}% of {:.1f} hours)\n",
                     e.tokens_per_month / 1e6, format_rate(in.decode_tok_s), in.utilization * 100,
                     kSecondsPerMonth / 3600);
  if (e.breakeven_months) {
    out += fmt::format("  break-even after {:.1f} months: the API would cost {}/month, local power {}/month{}\n",
                       *e.breakeven_months, usd(e.api_usd_per_month), usd(e.power_usd_per_month),
                       e.breakeven_within_life ? "" : fmt::format(" (beyond the {:g}-year life)", in.years));
  } else {
    out += fmt::format("  no break-even: local power alone ({}/month) costs more than the API ({}/month)\n",
                       usd(e.power_usd_per_month), usd(e.api_usd_per_month));
  }
  out += "  counts generated (output) tokens only; idle power, the host PC and prompt tokens are not included.\n";
  return out;
}

}  // namespace

std::string render_cost(const CostReport& report, Format format) {
  return format == Format::json ? json_text(cost_json(report)) : cost_text(report);
}

svg::BarChart cost_chart(const CostReport& r) {
  const Scenario& s = r.resolved.scenario;
  const CostEstimate& e = r.estimate;
  svg::BarChart chart;
  chart.title = "Cost per million generated tokens";
  if (!r.runs) {
    chart.subtitle = fmt::format("{} does not fit on {}: no local cost", s.model->name, hardware_label(s));
    chart.value_label = "US dollars per million tokens";
    chart.bars = {{"cloud API", r.inputs.api_usd_per_mtok, fmt::format("${:.3g}", r.inputs.api_usd_per_mtok), 1}};
    chart.group_names = {"local", "cloud API"};
    return chart;
  }
  chart.subtitle = fmt::format("{} ({}) on {} at {} tok/s, {:g} years, {:.0f}% utilisation", s.model->name,
                               s.quant->name, hardware_label(s), svg::format_value(r.inputs.decode_tok_s),
                               r.inputs.years, r.inputs.utilization * 100);
  chart.value_label = "US dollars per million tokens";
  chart.group_names = {"local", "cloud API"};
  auto dollars = [](double v) { return fmt::format("${:.3g}", v); };
  chart.bars = {{"local: hardware", e.hardware_usd_per_mtok, dollars(e.hardware_usd_per_mtok), 0},
                {"local: power", e.power_usd_per_mtok, dollars(e.power_usd_per_mtok), 0},
                {"local: total", e.usd_per_mtok, dollars(e.usd_per_mtok), 0},
                {"cloud API", e.api_usd_per_mtok, dollars(e.api_usd_per_mtok), 1}};
  chart.footnote = e.breakeven_months ? fmt::format("break-even after {:.1f} months", *e.breakeven_months)
                                      : std::string("no break-even: power alone costs more than the API");
  return chart;
}

}  // namespace llmfit

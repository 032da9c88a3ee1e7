// recommend: a buyer's shortlists (report/plan.hpp).
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

/// Runs at all, with a serving speed (the users' closed loop).
bool serves(const Recommendation& r) { return runs(r.prediction) && r.serving.in_range; }

json recommend_row(const RecommendResult& result, const RecommendOptions& o, const Recommendation& r, int rank) {
  const Scenario& s = r.resolved.scenario;
  const Prediction& p = r.prediction;
  json row = scenario_json(s);
  row["rank"] = rank;
  row["name"] = s.hardware->name;
  row["form_factor"] = std::string(to_string(s.hardware->form_factor));
  row["memory_gib"] = r.memory_gib;
  row["price_scope"] = std::string(to_string(r.price_scope));
  row["price_usd"] = r.price_usd;
  row["devices_price_usd"] = r.devices_price_usd;
  row["host"] = r.host != nullptr ? json(r.host->id) : json(nullptr);
  row["host_price_usd"] = r.price_scope == PriceScope::system && r.host != nullptr ? json(r.host_price_usd) : json(nullptr);
  row["budget_usd"] = o.budget_usd;
  row["users"] = o.users;
  row["meets_all"] = r.meets_all;
  row["fits"] = p.fit.fits;
  row["verdict"] = std::string(to_string(p.fit.verdict));
  const bool ok = serves(r);
  row["per_user_decode_tok_s"] = ok ? number(r.serving.per_user_tok_s) : json(nullptr);
  row["aggregate_decode_tok_s"] = ok ? number(r.serving.aggregate_tok_s) : json(nullptr);
  row[std::string(kMeasuredRunsField)] = r.resolved.efficiency->fitted_runs;
  row["total_gb"] = number(gb(p.fit.total_bytes));
  row["available_gb"] = number(gb(p.fit.available_bytes));
  row["yardstick_model"] = result.yardstick->id;
  row["assumptions"] = r.resolved.assumptions;
  row["reasons"] = r.reasons;
  row["concerns"] = r.concerns;
  return row;
}

/// One array: the whole computers ranked, then the graphics cards alone ranked among themselves; `rank`
/// counts within each `price_scope`.
json recommend_json(const RecommendResult& result, const RecommendOptions& o) {
  json doc = json::array();
  for (const auto* list : {&result.shortlist, &result.cards_only}) {
    int rank = 0;
    for (const Recommendation& r : *list) doc.push_back(recommend_row(result, o, r, ++rank));
  }
  return doc;
}

std::string entries_text(const std::vector<Recommendation>& list) {
  double top = 0;
  for (const Recommendation& r : list)
    if (serves(r)) top = std::max(top, r.serving.aggregate_tok_s);
  std::string out;
  int rank = 0;
  for (const Recommendation& r : list) {
    const Scenario& s = r.resolved.scenario;
    out += fmt::format("{}. {}  {}  {}  {}\n", ++rank, r.label, usd(r.price_usd),
                       r.meets_all ? "RECOMMENDED" : "falls short",
                       serves(r) ? unicode_bar(r.serving.aggregate_tok_s, top, 20) + " " +
                                     marked_rate(r.serving.aggregate_tok_s, r.resolved.efficiency->fitted_runs) +
                                     " tok/s total"
                               : std::string());
    out += fmt::format("   {} · {:g} GiB · {} {}\n", s.hardware->name, r.memory_gib, to_string(s.backend), s.quant->name);
    for (const auto& reason : r.reasons) out += "   + " + reason + "\n";
    for (const auto& concern : r.concerns) out += "   - " + concern + "\n";
  }
  return out;
}

std::string recommend_text(const RecommendResult& result, const RecommendOptions& o) {
  std::string out = fmt::format("Budget {} · {} user{} · {} · {}\n", usd(o.budget_usd), o.users, o.users > 1 ? "s" : "",
                                o.model.empty() ? fmt::format("{:g}B-class model", o.model_size_b) : o.model,
                                o.portable ? "portable (laptops only)" : "any form factor");
  out += fmt::format("  measured with {} in {}{}: {}\n", result.yardstick->id, result.quant->name,
                     result.quant_is_default ? " (the model's default; a machine's engine may run its GGUF build)" : "",
                     result.yardstick_reason);
  out += "  " + result.host_pricing + "\n";
  out += fmt::format("  {} configurations within budget considered (each capacity with a price, and 2 to {} cards); {} "
                     "meet every requirement (fits fully, at least {:g} tok/s per user){}\n",
                     result.candidates_considered, o.max_devices_per_box, result.candidates_meeting_all,
                     o.min_tok_s_per_user,
                     result.candidates_dominated > 0
                         ? fmt::format("; {} more left out: another of the same kind is both faster and cheaper",
                                       result.candidates_dominated)
                         : std::string());
  if (result.shortlist.empty() && result.cards_only.empty()) {
    out += "nothing in the catalogue is priced within this budget";
    out += o.portable ? " as a laptop.\n" : ".\n";
  }
  if (!result.shortlist.empty())
    out += "\nWHOLE COMPUTERS" + std::string(o.host_price_usd ? " (graphics cards with their host)" : "") + "\n" +
           entries_text(result.shortlist);
  if (!result.cards_only.empty())
    out += fmt::format("\nGRAPHICS CARDS ALONE (no computer included; compared only with each other: {} prices them "
                       "with one)\n",
                       field("host_price_usd")) +
           entries_text(result.cards_only);
  bool marked = false;
  for (const auto* list : {&result.shortlist, &result.cards_only})
    for (const Recommendation& r : *list) marked = marked || r.resolved.efficiency->fitted_runs == 0;
  if (marked) out += "\n" + no_runs_footnote(true);
  if (!result.skipped.empty()) {
    out += fmt::format("\nnot considered ({}):\n", result.skipped.size());
    for (std::size_t i = 0; i < result.skipped.size() && i < 5; ++i) out += "  " + result.skipped[i] + "\n";
    if (result.skipped.size() > 5) out += fmt::format("  … and {} more\n", result.skipped.size() - 5);
  }
  return out;
}

}  // namespace

std::string render_recommend(const RecommendResult& result, const RecommendOptions& options, Format format) {
  return format == Format::json ? json_text(recommend_json(result, options)) : recommend_text(result, options);
}

svg::BarChart recommend_chart(const RecommendResult& result, const RecommendOptions& o) {
  svg::BarChart chart;
  chart.title = fmt::format("Shortlist for {}, {} user{}", usd(o.budget_usd), o.users, o.users > 1 ? "s" : "");
  chart.subtitle = fmt::format("{} in {}: aggregate decode speed for {} concurrent users", result.yardstick->id,
                               result.quant->name, o.users);
  chart.value_label = "aggregate decode speed (tokens/s)";
  chart.group_names = {"whole computer, meets every requirement", "whole computer, falls short",
                       "graphics cards alone (no computer)"};
  for (const auto* list : {&result.shortlist, &result.cards_only})
    for (const Recommendation& r : *list) {
      const bool ok = serves(r);
      const int group = r.price_scope == PriceScope::cards_only ? 2 : r.meets_all ? 0 : 1;
      chart.bars.push_back({fmt::format("{} ({})", r.label, usd(r.price_usd)),
                            ok ? r.serving.aggregate_tok_s : 0,
                            ok ? svg::format_value(r.serving.aggregate_tok_s) + " tok/s" : "does not fit",
                            group});
    }
  return chart;
}

}  // namespace llmfit

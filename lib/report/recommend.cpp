// recommend: a buyer's shortlist (report/plan.hpp).
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

json recommend_json(const RecommendResult& result, const RecommendOptions& o) {
  json doc = json::array();
  int rank = 0;
  for (const Recommendation& r : result.shortlist) {
    const Scenario& s = r.resolved.scenario;
    const Prediction& p = r.prediction;
    json row = scenario_json(s);
    row["rank"] = ++rank;
    row["name"] = s.hardware->name;
    row["form_factor"] = std::string(to_string(s.hardware->form_factor));
    row["price_usd"] = r.price_usd;
    row["budget_usd"] = o.budget_usd;
    row["users"] = o.users;
    row["meets_all"] = r.meets_all;
    row["fits"] = p.fit.fits;
    row["verdict"] = std::string(to_string(p.fit.verdict));
    const bool ok = runs(p);
    row["per_user_decode_tok_s"] = ok ? number(p.decode_tok_s) : json(nullptr);
    row["aggregate_decode_tok_s"] = ok ? number(p.aggregate_decode_tok_s) : json(nullptr);
    row["total_gb"] = number(gb(p.fit.total_bytes));
    row["available_gb"] = number(gb(p.fit.available_bytes));
    row["yardstick_model"] = result.yardstick->id;
    row["reasons"] = r.reasons;
    row["concerns"] = r.concerns;
    doc.push_back(row);
  }
  return doc;
}

std::string recommend_text(const RecommendResult& result, const RecommendOptions& o) {
  std::string out = fmt::format("Budget {} · {} user{} · {} · {}\n", usd(o.budget_usd), o.users, o.users > 1 ? "s" : "",
                                o.model.empty() ? fmt::format("{:g}B-class model", o.model_size_b) : o.model,
                                o.portable ? "portable (laptops only)" : "any form factor");
  out += fmt::format("  measured with {} in {}: {}\n", result.yardstick->id, result.quant->name, result.yardstick_reason);
  out += fmt::format("  {} configurations within budget considered; {} meet every requirement (fits fully, at least "
                     "{:g} tok/s per user){}\n",
                     result.candidates_considered, result.candidates_meeting_all, o.min_tok_s_per_user,
                     result.candidates_dominated > 0
                         ? fmt::format("; {} more left out: another is both faster and cheaper",
                                       result.candidates_dominated)
                         : std::string());
  if (result.shortlist.empty()) {
    out += "nothing in the catalogue is priced within this budget";
    out += o.portable ? " as a laptop.\n" : ".\n";
    return out;
  }
  double top = 0;
  for (const Recommendation& r : result.shortlist)
    if (runs(r.prediction)) top = std::max(top, r.prediction.aggregate_decode_tok_s);
  int rank = 0;
  out += "  (each entry at its catalogue default memory and price; larger-memory variants cost more)\n\n";
  for (const Recommendation& r : result.shortlist) {
    const Prediction& p = r.prediction;
    out += fmt::format("{}. {}  {}  {}  {}\n", ++rank, r.label, usd(r.price_usd),
                       r.meets_all ? "RECOMMENDED" : "falls short",
                       runs(p) ? unicode_bar(p.aggregate_decode_tok_s, top, 20) + " " +
                                     format_rate(p.aggregate_decode_tok_s) + " tok/s total"
                               : std::string());
    out += "   " + r.resolved.scenario.hardware->name + "\n";
    for (const auto& reason : r.reasons) out += "   + " + reason + "\n";
    for (const auto& concern : r.concerns) out += "   - " + concern + "\n";
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
  chart.group_names = {"meets every requirement", "falls short"};
  for (const Recommendation& r : result.shortlist) {
    const bool ok = runs(r.prediction);
    chart.bars.push_back({fmt::format("{} ({})", r.label, usd(r.price_usd)), ok ? r.prediction.aggregate_decode_tok_s : 0,
                          ok ? svg::format_value(r.prediction.aggregate_decode_tok_s) + " tok/s" : "does not fit",
                          r.meets_all ? 0 : 1});
  }
  return chart;
}

}  // namespace llmfit

// compare: one model ranked across machines (report/plan.hpp).
#include <fmt/format.h>

#include <algorithm>

#include "common.hpp"
#include "llmfit/errors.hpp"
#include "llmfit/report/format.hpp"
#include "llmfit/report/plan.hpp"

namespace llmfit {
namespace {

using namespace report;

/// A row with its place in the ranking.
struct Ranked {
  int rank = 0;
  const CompareRow* row = nullptr;
};

/// The first `top` rows (0 = all) with their ranks.
std::vector<Ranked> ranked(const std::vector<CompareRow>& rows, std::size_t top = 0) {
  std::vector<Ranked> out;
  for (std::size_t i = 0; i < rows.size() && (top == 0 || i < top); ++i) out.push_back({static_cast<int>(i) + 1, &rows[i]});
  return out;
}

const Prediction& prediction(const Ranked& r) { return r.row->prediction; }

/// Every field of a compare row: JSON and CSV in this order, text and markdown in kReadable's.
const Columns<Ranked>& compare_columns() {
  static const Columns<Ranked> columns = [] {
    Columns<Ranked> c = {
        {"rank", [](const Ranked& r) { return json(r.rank); }, "#", [](const Ranked& r) { return std::to_string(r.rank); },
         true},
        {"hardware", [](const Ranked& r) { return json(r.row->resolved.scenario.hardware->id); }},
        {"count", [](const Ranked& r) { return json(r.row->resolved.scenario.device_count); }},
        {"verdict", [](const Ranked& r) { return json(std::string(to_string(prediction(r).fit.verdict))); }, "verdict",
         [](const Ranked& r) { return verdict_text(prediction(r)); }},
        {"fits", [](const Ranked& r) { return json(prediction(r).fit.fits); }},
        {"decode_tok_s",
         [](const Ranked& r) { return prediction(r).in_range ? number(prediction(r).decode_tok_s) : json(nullptr); },
         "decode tok/s",
         [](const Ranked& r) {
           const Prediction& p = prediction(r);
           const int measured = r.row->resolved.efficiency->fitted_runs;
           return !p.in_range ? std::string("-") : runs(p) ? marked_rate(p.decode_tok_s, measured)
                                                           : fmt::format("({})", marked_rate(p.decode_tok_s, measured));
         },
         true},
        {kMeasuredRunsField, [](const Ranked& r) { return json(r.row->resolved.efficiency->fitted_runs); }},
        {"prefill_tok_s",
         [](const Ranked& r) { return prediction(r).in_range ? number(prediction(r).prefill_tok_s) : json(nullptr); },
         "prefill tok/s",
         [](const Ranked& r) { return prediction(r).in_range ? format_rate(prediction(r).prefill_tok_s) : "-"; }, true},
        {"ttft_s", [](const Ranked& r) { return prediction(r).in_range ? number(prediction(r).ttft_s) : json(nullptr); },
         "first token",
         [](const Ranked& r) { return prediction(r).in_range ? format_duration(prediction(r).ttft_s) : "-"; }, true},
        {"headroom_gb", [](const Ranked& r) { return number(gb(r.row->headroom_bytes)); }, "headroom",
         [](const Ranked& r) { return signed_gb(r.row->headroom_bytes); }, true},
        {"margin_gb", [](const Ranked& r) { return number(gb(prediction(r).fit.margin_bytes)); }},
        {"max_context", [](const Ranked& r) { return json(prediction(r).fit.max_context); }},
        {"price_usd", [](const Ranked& r) { return positive(r.row->price_usd); }, "price",
         [](const Ranked& r) { return r.row->price_usd > 0 ? usd(r.row->price_usd) : "-"; }, true},
        {"power_w", [](const Ranked& r) { return positive(r.row->power_w); }},
        {"tok_s_per_usd", [](const Ranked& r) { return positive(r.row->tok_s_per_usd); }, "tok/s per $1k",
         [](const Ranked& r) { return r.row->tok_s_per_usd > 0 ? format_rate(r.row->tok_s_per_usd * 1000) : "-"; },
         true},
        {"tok_s_per_watt", [](const Ranked& r) { return positive(r.row->tok_s_per_watt); }, "tok/s per W",
         [](const Ranked& r) { return r.row->tok_s_per_watt > 0 ? format_rate(r.row->tok_s_per_watt) : "-"; }, true},
        {"name", [](const Ranked& r) { return json(r.row->resolved.scenario.hardware->name); }},
        {"offload", [](const Ranked& r) { return json(std::string(to_string(prediction(r).fit.offload))); }},
        {"in_range", [](const Ranked& r) { return json(prediction(r).in_range); }},
        {"total_gb", [](const Ranked& r) { return number(gb(prediction(r).fit.total_bytes)); }},
        {"available_gb", [](const Ranked& r) { return number(gb(prediction(r).fit.available_bytes)); }},
        {"bandwidth_gb_s", [](const Ranked& r) { return json(r.row->resolved.scenario.hardware->bandwidth_gb_s); }},
    };
    // The scenario's own fields (label is the readable hardware name: "rtx-3090:2").
    Columns<Ranked> scenario;
    add_scenario_columns(scenario, [](const Ranked& r) -> const Scenario& { return r.row->resolved.scenario; });
    for (auto& column : scenario) {
      if (column.key == "hardware" || column.key == "count") continue;
      if (column.key == "label") {
        column.heading = "hardware";
        column.text = [](const Ranked& r) { return r.row->label; };
      }
      c.push_back(std::move(column));
    }
    return c;
  }();
  return columns;
}

constexpr std::string_view kHeadings[] = {"#",           "hardware", "verdict", "decode tok/s",  "prefill tok/s",
                                          "first token", "headroom", "price",   "tok/s per $1k", "tok/s per W"};
const std::vector<std::string_view> kReadable(std::begin(kHeadings), std::end(kHeadings));

std::string compare_heading(const std::vector<CompareRow>& rows) {
  if (rows.empty()) return "no hardware to compare";
  return scenario_heading(rows.front().resolved.scenario);
}

std::string compare_text(const std::vector<CompareRow>& rows, const std::vector<std::string>& skipped,
                         std::size_t top_rows) {
  std::string out = compare_heading(rows) + "\n\n";
  const std::vector<Ranked> shown = ranked(rows, top_rows);
  double top = 0;
  for (const Ranked& r : shown)
    if (runs(r.row->prediction)) top = std::max(top, r.row->prediction.decode_tok_s);
  TextTable t = readable_table(compare_columns(), shown, kReadable);
  // The bar chart sits beside the decode column.
  std::vector<std::string> bars;
  for (const Ranked& r : shown)
    bars.push_back(runs(r.row->prediction) ? unicode_bar(r.row->prediction.decode_tok_s, top, kBarWidth) : "");
  t.insert_column(4, "", bars);
  out += render_aligned(t);
  std::size_t not_fitting = 0;
  for (const Ranked& r : shown) not_fitting += r.row->prediction.fit.verdict == FitVerdict::does_not_fit ? 1 : 0;
  // Every machine compared is counted, however many are shown.
  out += fmt::format("\n{} machines ranked{}: fits fully, then with CPU offload, then not at all; by decode speed.\n",
                     rows.size(),
                     shown.size() < rows.size() ? fmt::format(" (the first {} shown, {})", shown.size(), field("top"))
                                                : std::string());
  bool marked = false;
  for (const Ranked& r : shown) marked = marked || r.row->resolved.efficiency->fitted_runs == 0;
  out += no_runs_footnote(marked);
  if (not_fitting > 0)
    out += "(speed) in parentheses: what it would reach with enough memory; it does not fit as configured.\n";
  out += "headroom = usable memory minus weights, KV cache and overheads; it fits when the headroom keeps the safety "
         "margin (" + (rows.empty() ? std::string("none") : describe_fit_margin(rows.front().resolved.scenario.margin)) +
         "); price = catalogue price x devices (graphics cards alone); tok/s per W uses the catalogue power (tdp_w).\n";
  std::vector<std::string> notes;  // each once, however many rows share it
  for (const CompareRow& r : rows)
    for (const std::string& warning : r.resolved.warnings)
      if (std::find(notes.begin(), notes.end(), warning) == notes.end()) notes.push_back(warning);
  for (const auto& note : notes) out += "note: " + note + "\n";
  for (const auto& s : skipped) out += "skipped " + s + "\n";
  return out;
}

}  // namespace

std::string render_compare(const std::vector<CompareRow>& rows, const std::vector<std::string>& skipped,
                           Format format, std::size_t top) {
  switch (format) {
    case Format::json: return json_text(rows_json(compare_columns(), ranked(rows, top)));
    case Format::csv: return render_csv(machine_table(compare_columns(), ranked(rows, top)));
    case Format::markdown:
      return "**" + compare_heading(rows) + "**\n\n" +
             render_markdown(readable_table(compare_columns(), ranked(rows, top), kReadable));
    case Format::text: break;
  }
  return compare_text(rows, skipped, top);
}

svg::BarChart compare_chart(const std::vector<CompareRow>& rows, std::size_t top) {
  svg::BarChart chart;
  chart.title = rows.empty() ? "llmfit compare" : "Decode speed: " + rows.front().resolved.scenario.model->name + " (" +
                                                       rows.front().resolved.scenario.quant->name + ")";
  chart.subtitle = compare_heading(rows);
  chart.value_label = "decode speed (tokens/s, one sequence)";
  chart.group_names = {"fits in memory", "runs with CPU offload", "does not fit (speed if it did)"};
  for (const Ranked& ranked_row : ranked(rows, top)) {
    const CompareRow& r = *ranked_row.row;
    const Prediction& p = r.prediction;
    svg::Bar bar;
    bar.label = r.label;
    bar.value = p.in_range ? p.decode_tok_s : 0;
    bar.value_text = p.in_range ? svg::format_value(p.decode_tok_s) + " tok/s" : "out of range";
    bar.group = p.fit.verdict == FitVerdict::fits ? 0 : p.fit.verdict == FitVerdict::partial_offload ? 1 : 2;
    chart.bars.push_back(bar);
  }
  chart.footnote = fmt::format("llmfit compare: {} machines ranked{}, fits first, then by speed", rows.size(),
                               chart.bars.size() < rows.size() ? fmt::format(" (the first {} shown)", chart.bars.size())
                                                               : std::string());
  return chart;
}

}  // namespace llmfit

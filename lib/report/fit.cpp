// fit: which models fit on one machine (report/plan.hpp).
#include <fmt/format.h>

#include <algorithm>

#include "common.hpp"
#include "llmfit/errors.hpp"
#include "llmfit/report/format.hpp"
#include "llmfit/report/plan.hpp"

namespace llmfit {
namespace {

using namespace report;

/// One quantisation tried for a model.
struct CandidateLine {
  const ModelFit* fit = nullptr;
  const QuantCandidate* candidate = nullptr;
};

/// Why a candidate does not count: "CPU offload, too slow, below the quality floor".
std::string candidate_verdict(const QuantCandidate& c) {
  std::string text = verdict_text(c.prediction);
  if (!c.prediction.fit.fits && c.prediction.fit.total_bytes <= c.prediction.fit.available_bytes)
    text += " (no room for the safety margin)";
  if (!c.meets_speed) text += ", too slow";
  if (!c.meets_quality) text += ", below the quality floor";
  return text;
}

/// Every field of a quantisation tried: the `candidates` of a model's JSON, and `--all-quants`.
const Columns<CandidateLine>& candidate_columns() {
  static const Columns<CandidateLine> columns = {
      {"", nullptr, "model", [](const CandidateLine& l) { return l.fit->model->id; }},
      {"quant", [](const CandidateLine& l) { return json(l.candidate->quant->id); }, "quant",
       [](const CandidateLine& l) { return l.candidate->quant->id; }},
      {"fits", [](const CandidateLine& l) { return json(l.candidate->prediction.fit.fits); }},
      {"verdict", [](const CandidateLine& l) { return json(std::string(to_string(l.candidate->prediction.fit.verdict))); },
       "verdict",
       [](const CandidateLine& l) { return candidate_verdict(*l.candidate); }},
      {"meets_speed", [](const CandidateLine& l) { return json(l.candidate->meets_speed); }},
      {"meets_quality", [](const CandidateLine& l) { return json(l.candidate->meets_quality); }},
      {"quality_ppl_increase_pct", [](const CandidateLine& l) { return json(l.candidate->quant->quality_ppl_increase_pct); },
       "ppl +%", [](const CandidateLine& l) { return fmt::format("{:.2f}", l.candidate->quant->quality_ppl_increase_pct); },
       true},
      {"decode_tok_s",
       [](const CandidateLine& l) {
         return l.candidate->prediction.in_range ? number(l.candidate->prediction.decode_tok_s) : json(nullptr);
       },
       "decode tok/s",
       [](const CandidateLine& l) {
         return l.candidate->prediction.in_range
                    ? marked_rate(l.candidate->prediction.decode_tok_s, l.candidate->measured_runs)
                    : "-";
       },
       true},
      {kMeasuredRunsField, [](const CandidateLine& l) { return json(l.candidate->measured_runs); }},
      {"max_context", [](const CandidateLine& l) { return json(l.candidate->prediction.fit.max_context); },
       "max context", [](const CandidateLine& l) { return with_thousands(l.candidate->prediction.fit.max_context); },
       true},
      {"total_gb", [](const CandidateLine& l) { return number(gb(l.candidate->prediction.fit.total_bytes)); }, "needs",
       [](const CandidateLine& l) { return format_gb(l.candidate->prediction.fit.total_bytes); }, true},
  };
  return columns;
}
constexpr std::string_view kCandidateHeadings[] = {"model",       "quant", "verdict", "decode tok/s",
                                                   "max context", "needs", "ppl +%"};
const std::vector<std::string_view> kCandidateReadable(std::begin(kCandidateHeadings), std::end(kCandidateHeadings));

/// A model that fits, with its best quantisation.
struct ModelLine {
  const ModelFit* fit = nullptr;
  const FitSearchResult* result = nullptr;
  double min_decode_tok_s = 0;
  [[nodiscard]] const QuantCandidate& best() const { return fit->best_candidate(); }
  [[nodiscard]] const Prediction& prediction() const { return best().prediction; }
  [[nodiscard]] const ModelSpec& model() const { return *fit->model; }
};

/// The models shown: the first `top` (0 = all) of those that fit.
std::vector<ModelLine> model_lines(const FitSearchResult& result, double min_decode_tok_s, std::size_t top) {
  std::vector<ModelLine> lines;
  for (const ModelFit& f : result.models) {
    if (top > 0 && lines.size() == top) break;
    lines.push_back({&f, &result, min_decode_tok_s});
  }
  return lines;
}

/// The other qualifying quantisations, least quality loss first: the three next-best and how many more.
std::string also_fits(const ModelLine& l) {
  std::vector<const QuantCandidate*> others;
  for (const QuantCandidate& c : l.fit->candidates)
    if (&c != &l.best() && c.qualifies()) others.push_back(&c);
  std::stable_sort(others.begin(), others.end(), [](const QuantCandidate* a, const QuantCandidate* b) {
    return a->quant->quality_ppl_increase_pct < b->quant->quality_ppl_increase_pct;
  });
  std::string also;
  for (std::size_t i = 0; i < others.size() && i < 3; ++i) {
    if (!also.empty()) also += ' ';
    also += others[i]->quant->id;
  }
  if (others.size() > 3) also += fmt::format(" +{}", others.size() - 3);
  return also.empty() ? "-" : also;
}

/// Every field of a model that fits: JSON and CSV in this order, text and markdown in kModelReadable's.
const Columns<ModelLine>& model_columns() {
  static const Columns<ModelLine> columns = {
      {"model", [](const ModelLine& l) { return json(l.model().id); }, "model",
       [](const ModelLine& l) { return l.model().id; }},
      {"params_b", [](const ModelLine& l) { return json(l.model().params_b); }, "params",
       [](const ModelLine& l) {
         return l.model().is_moe() ? fmt::format("{:g}B ({:g}B act.)", l.model().params_b, l.model().active_params_b)
                                   : fmt::format("{:g}B", l.model().params_b);
       },
       true},
      {"quant", [](const ModelLine& l) { return json(l.best().quant->id); }, "best quant",
       [](const ModelLine& l) { return l.best().quant->name; }},
      {"quality_ppl_increase_pct", [](const ModelLine& l) { return json(l.best().quant->quality_ppl_increase_pct); },
       "ppl +%", [](const ModelLine& l) { return fmt::format("{:.2f}", l.best().quant->quality_ppl_increase_pct); },
       true},
      {"context", [](const ModelLine& l) { return json(l.fit->context_tokens); }},
      {"max_context", [](const ModelLine& l) { return json(l.prediction().fit.max_context); }, "max context",
       [](const ModelLine& l) { return with_thousands(l.prediction().fit.max_context); }, true},
      {"decode_tok_s", [](const ModelLine& l) { return number(l.prediction().decode_tok_s); }, "decode tok/s",
       [](const ModelLine& l) { return marked_rate(l.prediction().decode_tok_s, l.best().measured_runs); }, true},
      {kMeasuredRunsField, [](const ModelLine& l) { return json(l.best().measured_runs); }},
      {"prefill_tok_s", [](const ModelLine& l) { return number(l.prediction().prefill_tok_s); }},
      {"weights_gb", [](const ModelLine& l) { return number(gb(l.prediction().fit.weights_bytes)); }, "weights",
       [](const ModelLine& l) { return format_gb(l.prediction().fit.weights_bytes); }, true},
      {"headroom_gb",
       [](const ModelLine& l) { return number(gb(l.prediction().fit.available_bytes - l.prediction().fit.total_bytes)); },
       "headroom",
       [](const ModelLine& l) { return signed_gb(l.prediction().fit.available_bytes - l.prediction().fit.total_bytes); },
       true},
      {"model_name", [](const ModelLine& l) { return json(l.model().name); }},
      {"active_params_b", [](const ModelLine& l) { return json(l.model().active_params_b); }},
      {"hardware", [](const ModelLine& l) { return json(l.result->hardware_label); }},
      {"quant_name", [](const ModelLine& l) { return json(l.best().quant->name); }},
      {"backend", [](const ModelLine& l) { return json(std::string(to_string(l.best().backend))); }},
      {"model_max_context", [](const ModelLine& l) { return json(l.model().max_context); }},
      {"ttft_s", [](const ModelLine& l) { return number(l.prediction().ttft_s); }},
      {"total_gb", [](const ModelLine& l) { return number(gb(l.prediction().fit.total_bytes)); }},
      {"min_decode_tok_s", [](const ModelLine& l) { return json(l.min_decode_tok_s); }},
      {"fitting_quants",
       [](const ModelLine& l) {
         json ids = json::array();
         for (const QuantCandidate& c : l.fit->candidates)
           if (c.qualifies()) ids.push_back(c.quant->id);
         return ids;
       },
       "also fits", also_fits},
      {"candidates",
       [](const ModelLine& l) {
         std::vector<CandidateLine> tried;
         for (const QuantCandidate& c : l.fit->candidates) tried.push_back({l.fit, &c});
         return rows_json(candidate_columns(), tried);
       },
       {}, {}, false, false},
  };
  return columns;
}
constexpr std::string_view kModelHeadings[] = {"model",       "params",  "best quant", "ppl +%",   "decode tok/s",
                                               "max context", "weights", "headroom",   "also fits"};
const std::vector<std::string_view> kModelReadable(std::begin(kModelHeadings), std::end(kModelHeadings));

/// "19 models fit (the first 5 shown)": every model that fits is counted, whatever is shown.
std::string fit_count(const FitSearchResult& result, std::size_t shown) {
  const std::size_t fit = result.models.size();
  return fmt::format("{} model{} fit{}", fit, fit == 1 ? "" : "s",
                     shown < fit ? fmt::format(" (the first {} shown, {})", shown, field("top")) : std::string());
}

std::string fit_search_text(const FitSearchResult& result, FitSort sort, double min_decode_tok_s,
                            bool show_all_quants, std::size_t top) {
  const std::vector<ModelLine> lines = model_lines(result, min_decode_tok_s, top);
  std::string out = fmt::format("Models that fit on {}: the best quantisation of each, sorted by {}\n",
                                result.hardware_label, to_string(sort));
  out += fmt::format("  context {}; best = the fastest of the quantisations within {:g} points of the smallest quality loss\n"
                     "  (perplexity increase) that fit fully with the safety margin kept ({}){}; quality floor: at most "
                     "+{:g}% perplexity ({})\n\n",
                     result.requested_context > 0 ? with_thousands(result.requested_context) + " tokens"
                                                  : "8,192 tokens (or the model's maximum)",
                     result.quality_tolerance_pct, describe_fit_margin(result.margin),
                     min_decode_tok_s > 0 ? fmt::format(" and decode at least {:g} tok/s", min_decode_tok_s) : "",
                     result.max_ppl_increase_pct, field("max_ppl_increase_pct"));
  if (result.models.empty()) {
    out += "nothing fits with these requirements.\n";
  } else {
    TextTable t = readable_table(model_columns(), lines, kModelReadable);
    double top_speed = 0;
    for (const ModelLine& l : lines) top_speed = std::max(top_speed, l.prediction().decode_tok_s);
    std::vector<std::string> bars;
    for (const ModelLine& l : lines) bars.push_back(unicode_bar(l.prediction().decode_tok_s, top_speed, 16));
    t.insert_column(5, "", bars);
    out += render_aligned(t);
  }
  if (show_all_quants) {
    out += "\nEvery quantisation tried:\n";
    std::vector<CandidateLine> tried;
    for (const auto* list : {&result.models, &result.rejected})
      for (const ModelFit& f : *list)
        for (const QuantCandidate& c : f.candidates) tried.push_back({&f, &c});
    out += render_aligned(readable_table(candidate_columns(), tried, kCandidateReadable));
  }
  bool marked = false;
  for (const ModelLine& l : lines) marked = marked || l.best().measured_runs == 0;
  if (show_all_quants)
    for (const auto* list : {&result.models, &result.rejected})
      for (const ModelFit& f : *list)
        for (const QuantCandidate& c : f.candidates) marked = marked || c.measured_runs == 0;
  out += "\n" + no_runs_footnote(marked);
  out += fmt::format("{}; {} have no quantisation that fits fully{} within the quality floor",
                     fit_count(result, lines.size()), result.rejected.size(),
                     min_decode_tok_s > 0 ? ", decodes fast enough" : "");
  if (!result.skipped.empty())
    out += fmt::format("; {} skipped (context limit below the request, or what the engine cannot run here)",
                       result.skipped.size());
  out += ".\nppl +% = perplexity increase of the quantisation over 16-bit weights (quant table); max context = the\n"
         "largest KV cache that still fits with that quantisation.\n";
  return out;
}

}  // namespace

std::string render_fit_search(const FitSearchResult& result, FitSort sort, double min_decode_tok_s,
                              bool show_all_quants, std::size_t top, Format format) {
  const std::vector<ModelLine> lines = model_lines(result, min_decode_tok_s, top);
  switch (format) {
    case Format::json: return json_text(rows_json(model_columns(), lines));
    case Format::csv: return render_csv(machine_table(model_columns(), lines));
    case Format::markdown: return render_markdown(readable_table(model_columns(), lines, kModelReadable));
    case Format::text: break;
  }
  return fit_search_text(result, sort, min_decode_tok_s, show_all_quants, top);
}

svg::BarChart fit_search_chart(const FitSearchResult& result, std::size_t top) {
  svg::BarChart chart;
  chart.title = "What fits on " + result.hardware_label;
  chart.subtitle = "best quantisation per model (smallest quality loss that fits), predicted decode speed";
  chart.value_label = "decode speed (tokens/s, one sequence)";
  for (const ModelLine& l : model_lines(result, 0, top)) {
    const ModelFit& f = *l.fit;
    const QuantCandidate& best = f.best_candidate();
    svg::Bar bar;
    bar.label = f.model->id + " " + best.quant->name;
    bar.value = best.prediction.decode_tok_s;
    bar.value_text = svg::format_value(bar.value) + " tok/s";
    chart.bars.push_back(bar);
  }
  chart.footnote = "llmfit fit: " + fit_count(result, chart.bars.size());
  return chart;
}

}  // namespace llmfit

#include "llmfit/report/plan.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "llmfit/report/card.hpp"
#include "llmfit/report/catalog.hpp"
#include "llmfit/report/format.hpp"
#include "llmfit/errors.hpp"
#include "llmfit/units.hpp"

namespace llmfit {
namespace {

using nlohmann::json;

constexpr int kBarWidth = 24;

double gb(double bytes) { return bytes / units::kBytesPerGB; }

json number(double value) { return std::isfinite(value) ? json(value) : json(nullptr); }
json positive(double value) { return std::isfinite(value) && value > 0 ? json(value) : json(nullptr); }

std::size_t display_width(const std::string& text) {
  std::size_t width = 0;
  for (unsigned char c : text)
    if ((c & 0xC0) != 0x80) ++width;
  return width;
}

std::string usd(double value) {
  if (!std::isfinite(value)) return "-";
  if (value >= 100) return "$" + with_thousands(static_cast<std::int64_t>(std::llround(value)));
  return fmt::format("${:.2f}", value);
}

std::string signed_gb(double bytes) {
  const std::string magnitude = format_gb(std::abs(bytes));
  return (bytes < 0 ? "-" : "+") + magnitude;
}

std::string verdict_text(const Prediction& p) {
  if (!p.in_range) return "out of range";
  switch (p.fit.verdict) {
    case FitVerdict::fits: return "fits";
    case FitVerdict::partial_offload: return p.fit.offload == OffloadKind::experts ? "expert offload" : "CPU offload";
    case FitVerdict::does_not_fit: return "no fit";
  }
  return "?";
}

/// Like format_duration, with more digits below 10 ms (stage and link times).
std::string precise_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "out of range";
  if (seconds < 1e-3) return fmt::format("{:.0f} µs", seconds * 1e6);
  if (seconds < 0.01) return fmt::format("{:.2f} ms", seconds * 1e3);
  if (seconds < 0.1) return fmt::format("{:.1f} ms", seconds * 1e3);
  return format_duration(seconds);
}

bool runs(const Prediction& p) { return p.in_range && p.fit.verdict != FitVerdict::does_not_fit; }

std::string devices_name(const Scenario& s) {
  return s.device_count > 1 ? fmt::format("{} x {}", s.device_count, s.hardware->name) : s.hardware->name;
}

std::string scenario_heading(const Scenario& s) {
  return fmt::format("{} ({}) · {} · KV {} · context {} · {}-token prompt · batch {}", s.model->name, s.quant->name,
                     to_string(s.backend), to_string(s.kv_type), with_thousands(s.context_tokens),
                     with_thousands(s.prompt_tokens), s.batch);
}

json scenario_json(const Scenario& s) {
  return {{"hardware", s.hardware->id},
          {"count", s.device_count},
          {"label", hardware_label(s)},
          {"model", s.model->id},
          {"quant", s.quant->id},
          {"backend", std::string(to_string(s.backend))},
          {"kv_type", std::string(to_string(s.kv_type))},
          {"context", s.context_tokens},
          {"prompt_tokens", s.prompt_tokens},
          {"batch", s.batch}};
}

std::string csv_cell(const std::string& cell) {
  if (cell.find_first_of(",\"\n\r") == std::string::npos) return cell;
  std::string out = "\"";
  for (char c : cell) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string markdown_cell(const std::string& cell) {
  std::string out;
  for (char c : cell) {
    if (c == '|') out += "\\|";
    else if (c == '\n' || c == '\r') out += ' ';
    else out += c;
  }
  return out;
}

std::string raw(double value) {
  if (!std::isfinite(value)) return "";
  return fmt::format("{}", value);
}

std::string raw_positive(double value) { return std::isfinite(value) && value > 0 ? fmt::format("{}", value) : ""; }

}  // namespace

// ------------------------------------------------------------------------------------------ tables

std::string render_aligned(const TextTable& t) {
  std::vector<std::size_t> widths(t.headers.size(), 0);
  auto measure = [&widths](const std::vector<std::string>& row) {
    for (std::size_t c = 0; c < row.size() && c < widths.size(); ++c) widths[c] = std::max(widths[c], display_width(row[c]));
  };
  measure(t.headers);
  for (const auto& row : t.rows) measure(row);
  auto line = [&](const std::vector<std::string>& row) {
    std::string out = " ";
    for (std::size_t c = 0; c < widths.size(); ++c) {
      const std::string cell = c < row.size() ? row[c] : "";
      const std::size_t pad = widths[c] - std::min(widths[c], display_width(cell));
      const bool right = c < t.right_aligned.size() && t.right_aligned[c];
      if (c > 0) out += "  ";
      if (right) out += std::string(pad, ' ') + cell;
      else out += cell + (c + 1 < widths.size() ? std::string(pad, ' ') : "");
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out + "\n";
  };
  std::string out = line(t.headers);
  for (const auto& row : t.rows) out += line(row);
  return out;
}

std::string render_csv(const TextTable& t) {
  auto line = [](const std::vector<std::string>& row) {
    std::string out;
    for (std::size_t c = 0; c < row.size(); ++c) {
      if (c > 0) out += ',';
      out += csv_cell(row[c]);
    }
    return out + "\r\n";
  };
  std::string out = line(t.headers);
  for (const auto& row : t.rows) out += line(row);
  return out;
}

std::string render_markdown(const TextTable& t) {
  std::string out = "|";
  for (const auto& h : t.headers) {
    out += ' ';
    out += markdown_cell(h);
    out += " |";
  }
  out += "\n|";
  for (std::size_t c = 0; c < t.headers.size(); ++c)
    out += (c < t.right_aligned.size() && t.right_aligned[c]) ? "---:|" : "---|";
  out += "\n";
  for (const auto& row : t.rows) {
    out += "|";
    for (std::size_t c = 0; c < t.headers.size(); ++c) {
      out += ' ';
      out += markdown_cell(c < row.size() ? row[c] : "");
      out += " |";
    }
    out += "\n";
  }
  return out;
}

// ----------------------------------------------------------------------------------------- compare

std::string compare_heading(const std::vector<CompareRow>& rows) {
  if (rows.empty()) return "no hardware to compare";
  return scenario_heading(rows.front().resolved.scenario);
}

json compare_to_json(const std::vector<CompareRow>& rows) {
  json doc = json::array();
  int rank = 0;
  for (const CompareRow& r : rows) {
    const Scenario& s = r.resolved.scenario;
    const Prediction& p = r.prediction;
    json row = scenario_json(s);
    row["rank"] = ++rank;
    row["name"] = s.hardware->name;
    row["fits"] = p.fit.fits;
    row["verdict"] = std::string(to_string(p.fit.verdict));
    row["offload"] = std::string(to_string(p.fit.offload));
    row["in_range"] = p.in_range;
    row["decode_tok_s"] = p.in_range ? number(p.decode_tok_s) : json(nullptr);
    row["prefill_tok_s"] = p.in_range ? number(p.prefill_tok_s) : json(nullptr);
    row["ttft_s"] = p.in_range ? number(p.ttft_s) : json(nullptr);
    row["headroom_gb"] = number(gb(r.headroom_bytes));
    row["total_gb"] = number(gb(p.fit.total_bytes));
    row["available_gb"] = number(gb(p.fit.available_bytes));
    row["max_context"] = p.fit.max_context;
    row["bandwidth_gb_s"] = s.hardware->bandwidth_gb_s;
    row["price_usd"] = positive(r.price_usd);
    row["power_w"] = positive(r.power_w);
    row["tok_s_per_usd"] = positive(r.tok_s_per_usd);
    row["tok_s_per_watt"] = positive(r.tok_s_per_watt);
    doc.push_back(row);
  }
  return doc;
}

TextTable compare_table(const std::vector<CompareRow>& rows, bool as_raw) {
  TextTable t;
  if (as_raw) {
    t.headers = {"rank", "hardware", "count", "verdict", "fits", "decode_tok_s", "prefill_tok_s", "ttft_s",
                 "headroom_gb", "max_context", "price_usd", "power_w", "tok_s_per_usd", "tok_s_per_watt"};
  } else {
    t.headers = {"#", "hardware", "verdict", "decode tok/s", "prefill tok/s", "first token", "headroom",
                 "price", "tok/s per $1k", "tok/s per W"};
    t.right_aligned = {true, false, false, true, true, true, true, true, true, true};
  }
  int rank = 0;
  for (const CompareRow& r : rows) {
    const Prediction& p = r.prediction;
    ++rank;
    if (as_raw) {
      t.rows.push_back({std::to_string(rank), r.resolved.scenario.hardware->id,
                        std::to_string(r.resolved.scenario.device_count), std::string(to_string(p.fit.verdict)),
                        p.fit.fits ? "true" : "false", p.in_range ? raw(p.decode_tok_s) : "",
                        p.in_range ? raw(p.prefill_tok_s) : "", p.in_range ? raw(p.ttft_s) : "",
                        raw(gb(r.headroom_bytes)), std::to_string(p.fit.max_context), raw_positive(r.price_usd),
                        raw_positive(r.power_w), raw_positive(r.tok_s_per_usd), raw_positive(r.tok_s_per_watt)});
      continue;
    }
    const std::string decode = !p.in_range ? "-" : runs(p) ? format_rate(p.decode_tok_s)
                                                           : "(" + format_rate(p.decode_tok_s) + ")";
    t.rows.push_back({std::to_string(rank), r.label, verdict_text(p), decode,
                      p.in_range ? format_rate(p.prefill_tok_s) : "-", p.in_range ? format_duration(p.ttft_s) : "-",
                      signed_gb(r.headroom_bytes), r.price_usd > 0 ? usd(r.price_usd) : "-",
                      r.tok_s_per_usd > 0 ? format_rate(r.tok_s_per_usd * 1000) : "-",
                      r.tok_s_per_watt > 0 ? format_rate(r.tok_s_per_watt) : "-"});
  }
  return t;
}

std::string render_compare_text(const std::vector<CompareRow>& rows, const std::vector<std::string>& skipped) {
  std::string out = compare_heading(rows) + "\n\n";
  double top = 0;
  for (const CompareRow& r : rows)
    if (runs(r.prediction)) top = std::max(top, r.prediction.decode_tok_s);
  TextTable t = compare_table(rows, false);
  // The bar chart sits beside the decode column.
  t.headers.insert(t.headers.begin() + 4, "");
  t.right_aligned.insert(t.right_aligned.begin() + 4, false);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const Prediction& p = rows[i].prediction;
    t.rows[i].insert(t.rows[i].begin() + 4, runs(p) ? unicode_bar(p.decode_tok_s, top, kBarWidth) : "");
  }
  out += render_aligned(t);
  std::size_t not_fitting = 0;
  for (const CompareRow& r : rows) not_fitting += r.prediction.fit.verdict == FitVerdict::does_not_fit ? 1 : 0;
  out += fmt::format("\n{} machines ranked: fits fully, then with CPU offload, then not at all; by decode speed.\n",
                     rows.size());
  if (not_fitting > 0)
    out += "(speed) in parentheses: what it would reach with enough memory; it does not fit as configured.\n";
  out += "headroom = usable memory minus weights, KV cache and overheads; price = catalogue price x devices "
         "(graphics cards alone); tok/s per W uses the catalogue power (tdp_w).\n";
  for (const auto& s : skipped) out += "skipped " + s + "\n";
  return out;
}

svg::BarChart compare_chart(const std::vector<CompareRow>& rows) {
  svg::BarChart chart;
  chart.title = rows.empty() ? "llmfit compare" : "Decode speed: " + rows.front().resolved.scenario.model->name + " (" +
                                                       rows.front().resolved.scenario.quant->name + ")";
  chart.subtitle = compare_heading(rows);
  chart.value_label = "decode speed (tokens/s, one sequence)";
  chart.group_names = {"fits in memory", "runs with CPU offload", "does not fit (speed if it did)"};
  for (const CompareRow& r : rows) {
    const Prediction& p = r.prediction;
    svg::Bar bar;
    bar.label = r.label;
    bar.value = p.in_range ? p.decode_tok_s : 0;
    bar.value_text = p.in_range ? svg::format_value(p.decode_tok_s) + " tok/s" : "out of range";
    bar.group = p.fit.verdict == FitVerdict::fits ? 0 : p.fit.verdict == FitVerdict::partial_offload ? 1 : 2;
    chart.bars.push_back(bar);
  }
  chart.footnote = "llmfit compare: memory-bandwidth decode model; ranked fits first, then by speed";
  return chart;
}

// --------------------------------------------------------------------------------------------- fit

json fit_search_to_json(const FitSearchResult& result, double min_decode_tok_s) {
  json doc = json::array();
  for (const ModelFit& f : result.models) {
    const QuantCandidate& best = f.best_candidate();
    const Prediction& p = best.prediction;
    json fitting = json::array();
    json candidates = json::array();
    for (const QuantCandidate& c : f.candidates) {
      const bool qualifies = c.prediction.in_range && c.prediction.fit.fits && c.meets_speed;
      if (qualifies) fitting.push_back(c.quant->id);
      candidates.push_back({{"quant", c.quant->id},
                            {"fits", c.prediction.fit.fits},
                            {"verdict", std::string(to_string(c.prediction.fit.verdict))},
                            {"meets_speed", c.meets_speed},
                            {"quality_ppl_increase_pct", c.quant->quality_ppl_increase_pct},
                            {"decode_tok_s", c.prediction.in_range ? number(c.prediction.decode_tok_s) : json(nullptr)},
                            {"max_context", c.prediction.fit.max_context},
                            {"total_gb", number(gb(c.prediction.fit.total_bytes))}});
    }
    doc.push_back({{"model", f.model->id},
                   {"model_name", f.model->name},
                   {"params_b", f.model->params_b},
                   {"active_params_b", f.model->active_params_b},
                   {"hardware", result.hardware_label},
                   {"quant", best.quant->id},
                   {"quant_name", best.quant->name},
                   {"backend", std::string(to_string(best.backend))},
                   {"quality_ppl_increase_pct", best.quant->quality_ppl_increase_pct},
                   {"context", f.context_tokens},
                   {"max_context", p.fit.max_context},
                   {"model_max_context", f.model->max_context},
                   {"decode_tok_s", number(p.decode_tok_s)},
                   {"prefill_tok_s", number(p.prefill_tok_s)},
                   {"ttft_s", number(p.ttft_s)},
                   {"weights_gb", number(gb(p.fit.weights_bytes))},
                   {"total_gb", number(gb(p.fit.total_bytes))},
                   {"headroom_gb", number(gb(p.fit.available_bytes - p.fit.total_bytes))},
                   {"min_decode_tok_s", min_decode_tok_s},
                   {"fitting_quants", fitting},
                   {"candidates", candidates}});
  }
  return doc;
}

TextTable fit_search_table(const FitSearchResult& result, bool as_raw) {
  TextTable t;
  if (as_raw) {
    t.headers = {"model", "params_b", "quant", "quality_ppl_increase_pct", "context", "max_context", "decode_tok_s",
                 "prefill_tok_s", "weights_gb", "headroom_gb"};
  } else {
    t.headers = {"model", "params", "best quant", "ppl +%", "decode tok/s", "max context", "weights", "headroom",
                 "also fits"};
    t.right_aligned = {false, true, false, true, true, true, true, true, false};
  }
  for (const ModelFit& f : result.models) {
    const QuantCandidate& best = f.best_candidate();
    const Prediction& p = best.prediction;
    if (as_raw) {
      t.rows.push_back({f.model->id, raw(f.model->params_b), best.quant->id, raw(best.quant->quality_ppl_increase_pct),
                        std::to_string(f.context_tokens), std::to_string(p.fit.max_context), raw(p.decode_tok_s),
                        raw(p.prefill_tok_s), raw(gb(p.fit.weights_bytes)),
                        raw(gb(p.fit.available_bytes - p.fit.total_bytes))});
      continue;
    }
    // The next-best alternatives: other qualifying quantisations, least quality loss first.
    std::vector<const QuantCandidate*> others;
    for (const QuantCandidate& c : f.candidates)
      if (&c != &best && c.prediction.in_range && c.prediction.fit.fits && c.meets_speed) others.push_back(&c);
    std::stable_sort(others.begin(), others.end(), [](const QuantCandidate* a, const QuantCandidate* b) {
      return a->quant->quality_ppl_increase_pct < b->quant->quality_ppl_increase_pct;
    });
    std::string also;
    for (std::size_t i = 0; i < others.size() && i < 3; ++i) {
      if (!also.empty()) also += ' ';
      also += others[i]->quant->id;
    }
    if (others.size() > 3) also += fmt::format(" +{}", others.size() - 3);
    const std::string params = f.model->is_moe() ? fmt::format("{:g}B ({:g}B act.)", f.model->params_b,
                                                               f.model->active_params_b)
                                                 : fmt::format("{:g}B", f.model->params_b);
    t.rows.push_back({f.model->id, params, best.quant->name, fmt::format("{:.2f}", best.quant->quality_ppl_increase_pct),
                      format_rate(p.decode_tok_s), with_thousands(p.fit.max_context), format_gb(p.fit.weights_bytes),
                      signed_gb(p.fit.available_bytes - p.fit.total_bytes), also.empty() ? "-" : also});
  }
  return t;
}

std::string render_fit_search_text(const FitSearchResult& result, FitSort sort, double min_decode_tok_s,
                                   bool show_all_quants) {
  std::string out = fmt::format("Models that fit on {}: the best quantisation of each, sorted by {}\n",
                                result.hardware_label, to_string(sort));
  out += fmt::format("  context {}; best = the fastest of the quantisations within {:g} points of the smallest quality loss\n"
                     "  (perplexity increase) that fit fully{}\n\n",
                     result.requested_context > 0 ? with_thousands(result.requested_context) + " tokens"
                                                  : "8,192 tokens (or the model's maximum)",
                     result.quality_tolerance_pct, min_decode_tok_s > 0 ? fmt::format(" and decodes at least {:g} tok/s", min_decode_tok_s) : "");
  if (result.models.empty()) {
    out += "nothing fits with these requirements.\n";
  } else {
    TextTable t = fit_search_table(result, false);
    double top = 0;
    for (const ModelFit& f : result.models) top = std::max(top, f.best_candidate().prediction.decode_tok_s);
    t.headers.insert(t.headers.begin() + 5, "");
    t.right_aligned.insert(t.right_aligned.begin() + 5, false);
    for (std::size_t i = 0; i < result.models.size(); ++i)
      t.rows[i].insert(t.rows[i].begin() + 5,
                       unicode_bar(result.models[i].best_candidate().prediction.decode_tok_s, top, 16));
    out += render_aligned(t);
  }
  if (show_all_quants) {
    out += "\nEvery quantisation tried:\n";
    TextTable all;
    all.headers = {"model", "quant", "verdict", "decode tok/s", "max context", "needs", "ppl +%"};
    all.right_aligned = {false, false, false, true, true, true, true};
    auto add = [&all](const ModelFit& f) {
      for (const QuantCandidate& c : f.candidates)
        all.rows.push_back({f.model->id, c.quant->id, verdict_text(c.prediction) + (c.meets_speed ? "" : ", too slow"),
                            c.prediction.in_range ? format_rate(c.prediction.decode_tok_s) : "-",
                            with_thousands(c.prediction.fit.max_context), format_gb(c.prediction.fit.total_bytes),
                            fmt::format("{:.2f}", c.quant->quality_ppl_increase_pct)});
    };
    for (const ModelFit& f : result.models) add(f);
    for (const ModelFit& f : result.rejected) add(f);
    out += render_aligned(all);
  }
  out += fmt::format("\n{} models fit; {} do not fit fully{}", result.models.size(), result.rejected.size(),
                     min_decode_tok_s > 0 ? " or are too slow" : "");
  if (!result.skipped.empty()) out += fmt::format("; {} skipped (context limit below the request)", result.skipped.size());
  out += ".\nppl +% = perplexity increase of the quantisation over 16-bit weights (quant table); max context = the\n"
         "largest KV cache that still fits with that quantisation.\n";
  return out;
}

svg::BarChart fit_search_chart(const FitSearchResult& result) {
  svg::BarChart chart;
  chart.title = "What fits on " + result.hardware_label;
  chart.subtitle = "best quantisation per model (smallest quality loss that fits), predicted decode speed";
  chart.value_label = "decode speed (tokens/s, one sequence)";
  for (const ModelFit& f : result.models) {
    const QuantCandidate& best = f.best_candidate();
    svg::Bar bar;
    bar.label = f.model->id + " " + best.quant->name;
    bar.value = best.prediction.decode_tok_s;
    bar.value_text = svg::format_value(bar.value) + " tok/s";
    chart.bars.push_back(bar);
  }
  chart.footnote = fmt::format("llmfit fit: {} models fit", result.models.size());
  return chart;
}

// ------------------------------------------------------------------------------------------- scale

json scale_to_json(const ScaleReport& report) {
  const Scenario& s = report.resolved.scenario;
  json doc = scenario_json(s);
  json context = json::array();
  for (std::size_t i = 0; i < report.context.size(); ++i) {
    const ContextPoint& point = report.context[i];
    json entry = {{"context", point.context}, {"decode_tok_s", number(point.decode_tok_s)},
                  {"ttft_s", number(point.ttft_s)}, {"fits", point.fits}};
    if (i < report.context_verdicts.size()) entry["verdict"] = std::string(to_string(report.context_verdicts[i]));
    context.push_back(entry);
  }
  doc["context_scaling"] = context;
  if (report.batch_sweep) {
    json batch = json::array();
    json compute_bound_batch = nullptr;
    for (const BatchPoint& point : report.batch) {
      batch.push_back({{"batch", point.batch},
                       {"per_sequence_tok_s", number(point.per_sequence_tok_s)},
                       {"aggregate_tok_s", number(point.aggregate_tok_s)},
                       {"compute_bound", point.compute_bound},
                       {"fits", point.fits},
                       {"total_gb", number(gb(point.total_bytes))}});
      if (point.compute_bound && compute_bound_batch.is_null()) compute_bound_batch = point.batch;
    }
    doc["batch_sweep"] = batch;
    doc["compute_bound_batch"] = compute_bound_batch;
    doc["largest_batch_that_fits"] = report.largest_batch_that_fits;
  } else {
    doc["batch_sweep"] = nullptr;
  }
  return doc;
}

TextTable scale_table(const ScaleReport& report, bool as_raw) {
  TextTable t;
  if (report.batch_sweep) {
    t.headers = as_raw ? std::vector<std::string>{"batch", "per_sequence_tok_s", "aggregate_tok_s", "compute_bound",
                                                  "fits", "total_gb"}
                       : std::vector<std::string>{"users", "each tok/s", "aggregate tok/s", "memory", "notes"};
    t.right_aligned = {true, true, true, true, false};
    for (const BatchPoint& p : report.batch) {
      if (as_raw) {
        t.rows.push_back({std::to_string(p.batch), raw(p.per_sequence_tok_s), raw(p.aggregate_tok_s),
                          p.compute_bound ? "true" : "false", p.fits ? "true" : "false", raw(gb(p.total_bytes))});
      } else {
        std::string notes = p.compute_bound ? "compute-bound" : "bandwidth-bound";
        if (!p.fits) notes += ", KV cache does not fit";
        t.rows.push_back({std::to_string(p.batch), format_rate(p.per_sequence_tok_s), format_rate(p.aggregate_tok_s),
                          format_gb(p.total_bytes), notes});
      }
    }
    return t;
  }
  t.headers = as_raw ? std::vector<std::string>{"context", "decode_tok_s", "ttft_s", "fits"}
                     : std::vector<std::string>{"context", "decode tok/s", "first token", "notes"};
  t.right_aligned = {true, true, true, false};
  for (std::size_t i = 0; i < report.context.size(); ++i) {
    const ContextPoint& p = report.context[i];
    if (as_raw) {
      t.rows.push_back({std::to_string(p.context), raw(p.decode_tok_s), raw(p.ttft_s), p.fits ? "true" : "false"});
      continue;
    }
    std::string note = p.fits ? "" : "KV cache does not fit";
    if (!p.fits && i < report.context_verdicts.size())
      note = report.context_verdicts[i] == FitVerdict::partial_offload
                 ? "runs with CPU offload"
                 : "does not fit (speed if it did)";
    t.rows.push_back({with_thousands(p.context), format_rate(p.decode_tok_s), format_duration(p.ttft_s), note});
  }
  return t;
}

std::string render_scale_text(const ScaleReport& report) {
  const Scenario& s = report.resolved.scenario;
  std::string out = fmt::format("{} on {}\n  {}\n\n", s.model->name, devices_name(s), scenario_heading(s));
  {
    ScaleReport context_only = report;
    context_only.batch_sweep = false;
    TextTable t = scale_table(context_only, false);
    double top = 0;
    for (const ContextPoint& p : report.context) top = std::max(top, p.decode_tok_s);
    t.headers.insert(t.headers.begin() + 2, "");
    t.right_aligned.insert(t.right_aligned.begin() + 2, false);
    for (std::size_t i = 0; i < report.context.size(); ++i)
      t.rows[i].insert(t.rows[i].begin() + 2, unicode_bar(report.context[i].decode_tok_s, top, kBarWidth));
    out += "CONTEXT: decode speed with the KV cache filled to the context; first token = prefill of a prompt that long\n";
    out += render_aligned(t);
  }
  if (report.batch_sweep) {
    TextTable t = scale_table(report, false);
    double top = 0;
    for (const BatchPoint& p : report.batch) top = std::max(top, p.aggregate_tok_s);
    t.headers.insert(t.headers.begin() + 3, "");
    t.right_aligned.insert(t.right_aligned.begin() + 3, false);
    for (std::size_t i = 0; i < report.batch.size(); ++i)
      t.rows[i].insert(t.rows[i].begin() + 3, unicode_bar(report.batch[i].aggregate_tok_s, top, kBarWidth));
    out += fmt::format("\nCONCURRENT USERS: each with a {}-token KV cache, decoding after a {}-token prompt\n",
                       with_thousands(s.context_tokens), with_thousands(s.prompt_tokens));
    out += render_aligned(t);
    int compute_bound = 0;
    for (const BatchPoint& p : report.batch)
      if (p.compute_bound && compute_bound == 0) compute_bound = p.batch;
    if (compute_bound > 0)
      out += fmt::format("compute-bound from {} users: beyond that, more users share the same FLOPs.\n", compute_bound);
    else if (!report.batch.empty() && report.batch.back().fits)
      out += "still bandwidth-bound at the largest batch tried (" + field("max_batch") + " to go further).\n";
    out += fmt::format("largest number of users whose KV caches fit: {}\n", report.largest_batch_that_fits);
  }
  return out;
}

svg::LineChart scale_chart(const ScaleReport& report) {
  const Scenario& s = report.resolved.scenario;
  svg::LineChart chart;
  chart.subtitle = fmt::format("{} ({}) on {} · {}", s.model->name, s.quant->name, devices_name(s), to_string(s.backend));
  if (report.batch_sweep) {
    chart.title = "Decode speed over concurrent users";
    chart.x = {"concurrent sequences (batch)", svg::AxisScale::log2};
    chart.y = {"decode speed (tokens/s)", svg::AxisScale::linear};
    svg::Series aggregate{"aggregate tok/s", {}, false, false};
    svg::Series each{"tok/s per user", {}, false, true};
    for (const BatchPoint& p : report.batch) {
      aggregate.points.push_back({static_cast<double>(p.batch), p.aggregate_tok_s, !p.fits});
      each.points.push_back({static_cast<double>(p.batch), p.per_sequence_tok_s, !p.fits});
    }
    chart.series = {aggregate, each};
    chart.footnote = fmt::format("each user holds a {}-token KV cache; hollow markers: the KV caches do not fit",
                                 with_thousands(s.context_tokens));
    return chart;
  }
  chart.title = "Decode speed and time to first token over context length";
  chart.x = {"context (tokens)", svg::AxisScale::log2};
  chart.y = {"decode speed (tokens/s)", svg::AxisScale::linear};
  chart.y_right = {"time to first token (s)", svg::AxisScale::log10};
  svg::Series decode{"decode tok/s", {}, false, false};
  svg::Series ttft{"time to first token, s", {}, true, true};
  for (const ContextPoint& p : report.context) {
    decode.points.push_back({static_cast<double>(p.context), p.decode_tok_s, !p.fits});
    ttft.points.push_back({static_cast<double>(p.context), p.ttft_s, !p.fits});
  }
  chart.series = {decode, ttft};
  chart.footnote = "prompt = context; hollow markers: the KV cache of that context does not fit on the accelerator";
  return chart;
}

// ----------------------------------------------------------------------------------------- cluster

json cluster_to_json(const ClusterPlan& plan, const std::vector<ResolvedQuery>& nodes) {
  const Scenario& s = nodes.front().scenario;
  json stages = json::array();
  for (const ClusterStage& st : plan.stages)
    stages.push_back({{"node", st.node},
                      {"hardware", st.hardware_id},
                      {"memory_gib", st.memory_gib},
                      {"first_layer", st.layer_count > 0 ? json(st.first_layer) : json(nullptr)},
                      {"last_layer", st.layer_count > 0 ? json(st.first_layer + st.layer_count - 1) : json(nullptr)},
                      {"layers", st.layer_count},
                      {"ring_position", st.ring_position >= 0 ? json(st.ring_position) : json(nullptr)},
                      {"available_gb", gb(st.available_bytes)},
                      {"weights_gb", gb(st.weights_bytes)},
                      {"kv_cache_gb", gb(st.kv_cache_bytes)},
                      {"fixed_gb", gb(st.fixed_bytes)},
                      {"required_gb", gb(st.required_bytes)},
                      {"fits", st.fits},
                      {"seconds_per_token", number(st.seconds_per_token)},
                      {"backend", std::string(to_string(st.backend))}});
  const TensorParallelEstimate& tp = plan.tensor_parallel;
  json tensor = {{"applicable", tp.applicable},
                 {"reason", tp.reason},
                 {"fits", tp.fits},
                 {"allreduces_per_layer", 2},
                 {"per_node_required_gb", tp.applicable ? number(gb(tp.per_node_required_bytes)) : json(nullptr)},
                 {"allreduce_seconds_per_token", tp.applicable ? number(tp.allreduce_seconds_per_token) : json(nullptr)},
                 {"compute_seconds_per_token", tp.applicable ? number(tp.compute_seconds_per_token) : json(nullptr)},
                 {"seconds_per_token", tp.applicable ? number(tp.seconds_per_token) : json(nullptr)},
                 {"decode_tok_s", tp.applicable ? number(tp.decode_tok_s) : json(nullptr)},
                 {"faster_than_pipeline", tp.applicable && tp.decode_tok_s > plan.decode_tok_s}};
  return {{"model", s.model->id},
          {"quant", s.quant->id},
          {"kv_type", std::string(to_string(s.kv_type))},
          {"context", s.context_tokens},
          {"prompt_tokens", s.prompt_tokens},
          {"machines", plan.stages.size()},
          {"link", {{"id", plan.link.id}, {"name", plan.link.name}, {"latency_us", plan.link.latency_us},
                    {"bandwidth_gb_s", plan.link.bandwidth_gb_s}, {"source", plan.link.source}}},
          {"fits", plan.fits},
          {"total_memory_gb", gb(plan.total_memory_bytes)},
          {"installed_memory_gb", gb(plan.installed_memory_bytes)},
          {"required_gb", gb(plan.required_bytes)},
          {"hops", plan.hops},
          {"activation_bytes", plan.activation_bytes},
          {"hop_seconds", plan.hop_seconds},
          {"seconds_per_token", number(plan.seconds_per_token)},
          {"decode_tok_s", number(plan.decode_tok_s)},
          {"stages", stages},
          {"tensor_parallel", tensor}};
}

std::string render_cluster_text(const ClusterPlan& plan, const std::vector<ResolvedQuery>& nodes) {
  const Scenario& s = nodes.front().scenario;
  std::string out = fmt::format("{} ({}) on {} separate machines, linked by {} ({:g} µs, {:g} GB/s)\n", s.model->name,
                                s.quant->name, plan.stages.size(), plan.link.id, plan.link.latency_us,
                                plan.link.bandwidth_gb_s);
  out += fmt::format("  KV {} · context {} · decode after a {}-token prompt · batch 1\n\n", to_string(s.kv_type),
                     with_thousands(s.context_tokens), with_thousands(s.prompt_tokens));
  out += fmt::format("{}: needs {}, pooled {} usable of {} installed\n",
                     plan.fits ? "FITS" : "DOES NOT FIT", format_gb(plan.required_bytes),
                     format_gb(plan.total_memory_bytes), format_gb(plan.installed_memory_bytes));
  out += "PIPELINE (exo-style layer split, in proportion to each machine's usable memory)\n";
  TextTable t;
  t.headers = {"#", "hardware", "memory", "layers", "needs", "usable", "fits", "time/token"};
  t.right_aligned = {true, false, true, false, true, true, false, true};
  for (const ClusterStage& st : plan.stages) {
    const std::string layers = st.layer_count > 0 ? fmt::format("{}-{} ({})", st.first_layer,
                                                                st.first_layer + st.layer_count - 1, st.layer_count)
                                                  : "none";
    t.rows.push_back({std::to_string(st.node + 1), st.hardware_id, fmt::format("{:g} GiB", st.memory_gib), layers,
                      st.layer_count > 0 ? format_gb(st.required_bytes) : "-", format_gb(st.available_bytes),
                      st.fits ? "yes" : "NO", st.layer_count > 0 ? precise_duration(st.seconds_per_token) : "-"});
  }
  out += render_aligned(t);
  double stages = 0;
  for (const ClusterStage& st : plan.stages) stages += st.seconds_per_token;
  out += fmt::format("per token: stages {} + {} hops x {} (latency + {:g}-byte hidden state) = {} -> {} tok/s\n",
                     precise_duration(stages), plan.hops, precise_duration(plan.hop_seconds), plan.activation_bytes,
                     precise_duration(plan.seconds_per_token), format_rate(plan.decode_tok_s));
  const TensorParallelEstimate& tp = plan.tensor_parallel;
  out += "\nTENSOR PARALLEL (every machine holds 1/N of every layer)\n";
  if (!tp.applicable) {
    out += "  not applicable: " + tp.reason + "\n";
  } else {
    out += fmt::format("  2 all-reduces of the hidden state per layer (Megatron-LM, Shoeybi et al. 2019), ring over {} "
                       "machines: {} per token\n",
                       plan.stages.size(), precise_duration(tp.allreduce_seconds_per_token));
    out += fmt::format("  slowest machine reading its shard: {}; total {} -> {} tok/s ({} the pipeline)\n",
                       precise_duration(tp.compute_seconds_per_token), precise_duration(tp.seconds_per_token),
                       format_rate(tp.decode_tok_s), tp.decode_tok_s > plan.decode_tok_s ? "faster than" : "slower than");
    out += fmt::format("  memory per machine: {} ({})\n", format_gb(tp.per_node_required_bytes),
                       tp.fits ? "fits on every machine" : "does NOT fit on every machine");
  }
  out += "\nlink: " + plan.link.name + " — " + plan.link.source + "\n";
  return out;
}

svg::BarChart cluster_chart(const ClusterPlan& plan, const std::vector<ResolvedQuery>& nodes) {
  const Scenario& s = nodes.front().scenario;
  svg::BarChart chart;
  chart.title = fmt::format("Time per token: {} on {} machines", s.model->name, plan.stages.size());
  chart.subtitle = fmt::format("pipeline split by memory over {}: {} tok/s{}", plan.link.id,
                               svg::format_value(plan.decode_tok_s), plan.fits ? "" : " (does not fit)");
  chart.value_label = "time per decoded token (ms)";
  chart.group_names = {"machine (its layers)", "links", "total per token"};
  for (const ClusterStage& st : plan.stages) {
    if (st.layer_count == 0) continue;
    svg::Bar bar;
    bar.label = fmt::format("{} {} (layers {}-{})", st.node + 1, st.hardware_id, st.first_layer,
                            st.first_layer + st.layer_count - 1);
    bar.value = st.seconds_per_token * 1e3;
    bar.value_text = svg::format_value(bar.value) + " ms" + (st.fits ? "" : " (does not fit)");
    chart.bars.push_back(bar);
  }
  if (plan.hops > 0)
    chart.bars.push_back({fmt::format("{} hops over {}", plan.hops, plan.link.id), plan.hops * plan.hop_seconds * 1e3,
                          svg::format_value(plan.hops * plan.hop_seconds * 1e3) + " ms", 1});
  chart.bars.push_back({"pipeline, per token", plan.seconds_per_token * 1e3,
                        svg::format_value(plan.seconds_per_token * 1e3) + " ms (" +
                            svg::format_value(plan.decode_tok_s) + " tok/s)",
                        2});
  if (plan.tensor_parallel.applicable)
    chart.bars.push_back({"tensor parallel, per token", plan.tensor_parallel.seconds_per_token * 1e3,
                          svg::format_value(plan.tensor_parallel.seconds_per_token * 1e3) + " ms (" +
                              svg::format_value(plan.tensor_parallel.decode_tok_s) + " tok/s)",
                          2});
  chart.footnote = fmt::format("link {}: latency {:g} us, {:g} GB/s; tensor parallel: 2 all-reduces per layer (Megatron-LM)",
                               plan.link.id, plan.link.latency_us, plan.link.bandwidth_gb_s);
  return chart;
}

// -------------------------------------------------------------------------------------------- cost

json cost_to_json(const CostReport& r) {
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

std::string render_cost_text(const CostReport& r) {
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

// --------------------------------------------------------------------------------------- recommend

json recommend_to_json(const RecommendResult& result, const RecommendOptions& o) {
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

std::string render_recommend_text(const RecommendResult& result, const RecommendOptions& o) {
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

// ------------------------------------------------------------------------------------------- check

json check_to_json(const ClaimCheck& c, const ResolvedQuery& resolved) {
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

std::string render_check_text(const ClaimCheck& c, const ResolvedQuery& resolved) {
  const Scenario& s = resolved.scenario;
  const double bandwidth = s.hardware->bandwidth_gb_s * std::max(1, s.device_count);
  std::string out = fmt::format("Claim: {} tok/s for {} ({}) on {}\n\n", svg::format_value(c.claimed_tok_s),
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
  out += fmt::format("  bandwidth ceiling {:>12} tok/s = {:g} GB/s peak / {} read per token (batch 1, no overheads)\n",
                     svg::format_value(c.bandwidth_ceiling_tok_s), bandwidth, format_gb(c.bytes_per_token));
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

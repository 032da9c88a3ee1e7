// scale: speed over context lengths and concurrent users (report/plan.hpp).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <optional>

#include "common.hpp"
#include "llmfit/errors.hpp"
#include "llmfit/report/format.hpp"
#include "llmfit/report/plan.hpp"

namespace llmfit {
namespace {

using namespace report;

/// A point of the context sweep, and what the scenario's own prompt and context are.
struct ContextLine {
  const ContextPoint* point = nullptr;
  const Scenario* scenario = nullptr;
  [[nodiscard]] bool runs() const { return point->verdict != FitVerdict::does_not_fit; }
};

std::vector<ContextLine> context_lines(const ScaleReport& report) {
  std::vector<ContextLine> lines;
  for (const ContextPoint& point : report.context) lines.push_back({&point, &report.resolved.scenario});
  return lines;
}

/// "your prompt", "your context": the rows of the scenario's own lengths.
std::string own_lengths(const ContextLine& l) {
  std::string own;
  if (l.point->context == l.scenario->prompt_tokens) own = "your prompt";
  if (l.point->context == l.scenario->context_tokens) own += own.empty() ? "your context" : " and context";
  return own;
}

const Columns<ContextLine>& context_columns() {
  static const Columns<ContextLine> columns = {
      {"context", [](const ContextLine& l) { return json(l.point->context); }, "prompt",
       [](const ContextLine& l) { return with_thousands(l.point->context); }, true},
      {"kv_cache_tokens", [](const ContextLine& l) { return json(l.point->kv_tokens); }, "KV cache",
       [](const ContextLine& l) { return with_thousands(l.point->kv_tokens); }, true},
      // Not running is no speed: null (an empty CSV cell), never 0.
      {"decode_tok_s", [](const ContextLine& l) { return l.runs() ? number(l.point->decode_tok_s) : json(nullptr); },
       "decode tok/s", [](const ContextLine& l) { return l.runs() ? format_rate(l.point->decode_tok_s) : "-"; }, true},
      {"ttft_s", [](const ContextLine& l) { return l.runs() ? number(l.point->ttft_s) : json(nullptr); },
       "first token", [](const ContextLine& l) { return l.runs() ? format_duration(l.point->ttft_s) : "-"; }, true},
      {"fits", [](const ContextLine& l) { return json(l.point->fits); }},
      {"verdict", [](const ContextLine& l) { return json(std::string(to_string(l.point->verdict))); }, "notes",
       [](const ContextLine& l) -> std::string {
         std::string note = l.point->fits ? "" : l.runs() ? "runs with CPU offload" : "does not fit";
         const std::string own = own_lengths(l);
         if (!own.empty()) note += note.empty() ? "← " + own : "  ← " + own;
         return note;
       }},
  };
  return columns;
}
constexpr std::string_view kContextHeadings[] = {"prompt", "KV cache", "decode tok/s", "first token", "notes"};
const std::vector<std::string_view> kContextReadable(std::begin(kContextHeadings), std::end(kContextHeadings));

bool runs(const BatchPoint& p) { return p.verdict != FitVerdict::does_not_fit; }

const Columns<BatchPoint>& batch_columns() {
  static const Columns<BatchPoint> columns = {
      {"batch", [](const BatchPoint& p) { return json(p.batch); }, "users",
       [](const BatchPoint& p) { return std::to_string(p.batch); }, true},
      // A batch that does not run at all has no speed: null, never a number it would reach with more memory.
      {"per_sequence_tok_s", [](const BatchPoint& p) { return runs(p) ? number(p.per_sequence_tok_s) : json(nullptr); },
       "each tok/s", [](const BatchPoint& p) { return runs(p) ? format_rate(p.per_sequence_tok_s) : "-"; }, true},
      {"aggregate_tok_s", [](const BatchPoint& p) { return runs(p) ? number(p.aggregate_tok_s) : json(nullptr); },
       "aggregate tok/s", [](const BatchPoint& p) { return runs(p) ? format_rate(p.aggregate_tok_s) : "-"; }, true},
      {"ttft_s", [](const BatchPoint& p) { return runs(p) ? number(p.ttft_s) : json(nullptr); }, "first token",
       [](const BatchPoint& p) { return runs(p) ? format_duration(p.ttft_s) : "-"; }, true},
      {"kv_cache_gb", [](const BatchPoint& p) { return number(gb(p.kv_cache_bytes)); }, "KV cache",
       [](const BatchPoint& p) { return format_gb(p.kv_cache_bytes); }, true},
      {"compute_bound", [](const BatchPoint& p) { return json(p.compute_bound); }, "notes",
       [](const BatchPoint& p) {
         if (!runs(p)) return std::string("does not fit");
         std::string notes = p.compute_bound ? "compute-bound" : "bandwidth-bound";
         if (!p.fits) notes += ", KV caches need CPU offload";
         return notes;
       }},
      {"fits", [](const BatchPoint& p) { return json(p.fits); }},
      {"verdict", [](const BatchPoint& p) { return json(std::string(to_string(p.verdict))); }},
      {"total_gb", [](const BatchPoint& p) { return number(gb(p.total_bytes)); }, "memory",
       [](const BatchPoint& p) { return format_gb(p.total_bytes); }, true},
  };
  return columns;
}
constexpr std::string_view kBatchHeadings[] = {"users", "each tok/s", "aggregate tok/s", "first token", "KV cache",
                                               "memory", "notes"};
const std::vector<std::string_view> kBatchReadable(std::begin(kBatchHeadings), std::end(kBatchHeadings));

json scale_json(const ScaleReport& report) {
  json doc = scenario_json(report.resolved.scenario);
  doc["context_scaling"] = rows_json(context_columns(), context_lines(report));
  doc["max_context"] = report.max_context;
  doc["max_context_with_offload"] = report.max_context_with_offload;
  if (!report.batch_sweep) {
    doc["batch_sweep"] = nullptr;
    return doc;
  }
  doc["batch_sweep"] = rows_json(batch_columns(), report.batch);
  doc["prompt_tokens_per_output_token"] = report.prompt_tokens_per_output_token;
  const double gen = output_tokens_per_request(report.resolved.scenario, report.prompt_tokens_per_output_token);
  doc["output_tokens_per_request"] = std::isinf(gen) ? json(nullptr) : number(gen);
  json compute_bound_batch = nullptr;
  for (const BatchPoint& point : report.batch)
    // Compute-bound counts where the batch fits whole: an offloaded batch is limited by its memory first.
    if (point.compute_bound && point.fits && compute_bound_batch.is_null()) compute_bound_batch = point.batch;
  doc["compute_bound_batch"] = compute_bound_batch;
  doc["largest_batch_that_fits"] = report.largest_batch_that_fits;
  return doc;
}

std::string scale_text(const ScaleReport& report) {
  const Scenario& s = report.resolved.scenario;
  std::string out = fmt::format("{} on {}\n  {}\n\n", s.model->name, devices_name(s), scenario_heading(s));
  {
    TextTable t = readable_table(context_columns(), context_lines(report), kContextReadable);
    double top = 0;
    for (const ContextPoint& p : report.context) top = std::max(top, p.decode_tok_s);
    std::vector<std::string> bars;
    for (const ContextPoint& p : report.context) bars.push_back(unicode_bar(p.decode_tok_s, top, kBarWidth));
    t.insert_column(3, "", bars);
    out += fmt::format("CONTEXT: decode after a prompt this long, first token = its prefill + one decode step; KV cache "
                       "of {} tokens, or the prompt when longer\n",
                       with_thousands(s.context_tokens));
    out += render_aligned(t);
    out += context_limits(s, report.max_context, report.max_context_with_offload) + "\n";
  }
  if (report.batch_sweep) {
    TextTable t = readable_table(batch_columns(), report.batch, kBatchReadable);
    double top = 0;
    for (const BatchPoint& p : report.batch)
      if (runs(p)) top = std::max(top, p.aggregate_tok_s);
    std::vector<std::string> bars;
    for (const BatchPoint& p : report.batch) bars.push_back(runs(p) ? unicode_bar(p.aggregate_tok_s, top, kBarWidth) : "");
    t.insert_column(3, "", bars);
    const double gen = output_tokens_per_request(s, report.prompt_tokens_per_output_token);
    out += fmt::format("\nCONCURRENT USERS in a closed loop: each with a {}-token KV cache sends a {}-token prompt, reads "
                       "{} generated tokens ({:g} prompt tokens per generated token, {}) and sends the next; each "
                       "user's speed and the aggregate count the others' prefills; first token = its prefill + one "
                       "step of the batch (+ the queue beyond the engine's batch)\n",
                       with_thousands(s.context_tokens), with_thousands(s.prompt_tokens),
                       std::isinf(gen) ? std::string("endless") : fmt::format("{:.0f}", gen),
                       report.prompt_tokens_per_output_token, field("prompt_tokens_per_output_token"));
    out += render_aligned(t);
    int compute_bound = 0;
    for (const BatchPoint& p : report.batch)
      if (p.compute_bound && p.fits && compute_bound == 0) compute_bound = p.batch;
    if (compute_bound > 0)
      out += fmt::format("compute-bound from {} users: each further user adds its FLOPs to every step, so aggregate "
                         "speed approaches the compute roof while each user's slows.\n",
                         compute_bound);
    else if (!report.batch.empty() && report.batch.back().fits)
      out += "still bandwidth-bound at the largest batch tried (" + field("max_batch") + " to go further).\n";
    if (!report.batch.empty() && !report.batch.back().fits)
      out += fmt::format("stops fitting at {} users: their KV caches no longer fit beside the weights.\n",
                         report.batch.back().batch);
    out += fmt::format("largest number of users whose KV caches fit fully on the accelerator: {}\n",
                       report.largest_batch_that_fits);
  }
  return out;
}

}  // namespace

std::string render_scale(const ScaleReport& report, Format format) {
  switch (format) {
    case Format::json: return json_text(scale_json(report));
    case Format::csv:  // the batch sweep when there is one, else the context sweep
      return report.batch_sweep ? render_csv(machine_table(batch_columns(), report.batch))
                                : render_csv(machine_table(context_columns(), context_lines(report)));
    case Format::markdown:
      return report.batch_sweep ? render_markdown(readable_table(batch_columns(), report.batch, kBatchReadable))
                                : render_markdown(readable_table(context_columns(), context_lines(report),
                                                                 kContextReadable));
    case Format::text: break;
  }
  return scale_text(report);
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
      aggregate.points.push_back({static_cast<double>(p.batch), runs(p) ? p.aggregate_tok_s : svg::kNoValue, !p.fits});
      each.points.push_back({static_cast<double>(p.batch), runs(p) ? p.per_sequence_tok_s : svg::kNoValue, !p.fits});
    }
    chart.series = {aggregate, each};
    chart.footnote = fmt::format("each user holds a {}-token KV cache; hollow markers: CPU offload; gaps: does not fit",
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
    // A length that does not run has no speed: a gap in the line, not a drop to 0.
    const bool runs = p.verdict != FitVerdict::does_not_fit;
    decode.points.push_back({static_cast<double>(p.context), runs ? p.decode_tok_s : svg::kNoValue, !p.fits});
    ttft.points.push_back({static_cast<double>(p.context), runs ? p.ttft_s : svg::kNoValue, !p.fits});
  }
  chart.series = {decode, ttft};
  chart.footnote = fmt::format("x = prompt length (KV cache {} tokens, or the prompt when longer); hollow markers: CPU "
                               "offload; gaps: does not fit",
                               with_thousands(s.context_tokens));
  return chart;
}

}  // namespace llmfit

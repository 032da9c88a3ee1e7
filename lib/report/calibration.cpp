// Calibration and validation reports: text for people, JSON for programs.
#include "llmfit/report/calibration.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "llmfit/errors.hpp"
#include "llmfit/report/format.hpp"
#include "table.hpp"

namespace llmfit {
namespace {

constexpr std::size_t kSkippedShown = 25;

std::string run_where(const MeasuredRun& run) { return fmt::format("{}:{}", run.file, run.index); }

std::string run_what(const RunCase& c) {
  const MeasuredRun& r = *c.run;
  std::string hw = c.hardware->id + (c.device_count > 1 ? fmt::format(" x{}", c.device_count) : "");
  return fmt::format("{} · {}-{} · {}{}", hw, c.model->id, r.quant_id, to_string(r.backend),
                     r.era.empty() ? "" : " · " + r.era);
}

std::string run_shape(const MeasuredRun& r) {
  return r.test == RunTest::decode ? fmt::format("tg{} @ d{}", r.n_gen, r.n_depth)
                                   : fmt::format("pp{} @ d{}", r.n_prompt, r.n_depth);
}

std::string summary_line(const char* test, const char* what, const ErrorSummary& s, const char* explain) {
  if (s.n == 0) return fmt::format("  {:<8} {:<8} {:>6}   {:>7}  {:>10}   {}\n", test, what, 0, "-", "-", explain);
  return fmt::format("  {:<8} {:<8} {:>6}   {:>6.1f}%  {:>9.1f}%   {}\n", test, what, s.n, s.mape_pct, s.median_ape_pct,
                     explain);
}

std::string estimate_value(const ConstantEstimate& e) {
  if (e.is_efficiency) {
    const std::string value = fmt::format("{:.1f}%", 100 * e.value);
    return e.standard_error > 0 ? fmt::format("{} ± {:.1f}%", value, 100 * e.standard_error) : value;
  }
  const std::string value = fmt::format("{:.1f}{}", e.value, e.unit == "us" ? " µs" : "");
  return e.standard_error > 0 ? fmt::format("{} ± {:.1f}", value, e.standard_error) : value;
}

nlohmann::json summary_json(const ErrorSummary& s) {
  nlohmann::json j;
  j["n"] = s.n;
  j["mape_pct"] = s.n > 0 ? nlohmann::json(s.mape_pct) : nlohmann::json(nullptr);
  j["median_ape_pct"] = s.n > 0 ? nlohmann::json(s.median_ape_pct) : nlohmann::json(nullptr);
  return j;
}

using report::Columns;
using report::json;

/// Every field of a fitted constant in the report.
const Columns<ConstantEstimate>& estimate_columns() {
  static const Columns<ConstantEstimate> columns = {
      {"name", [](const ConstantEstimate& e) { return json(e.name); }},
      {"label", [](const ConstantEstimate& e) { return json(e.label); }},
      {"value", [](const ConstantEstimate& e) { return json(e.value); }},
      {"unit", [](const ConstantEstimate& e) { return json(e.unit); }},
      {"standard_error", [](const ConstantEstimate& e) { return json(e.standard_error); }},
      {"fitted", [](const ConstantEstimate& e) { return json(e.fitted); }},
      {"data_share", [](const ConstantEstimate& e) { return json(e.data_share); }},
      {"status", [](const ConstantEstimate& e) { return json(e.status); }},
  };
  return columns;
}

json estimates_json(const std::vector<ConstantEstimate>& list) { return report::rows_json(estimate_columns(), list); }

/// A run with its prediction.
struct RunLine {
  const RunCase* c = nullptr;
  RunError e;
  [[nodiscard]] const MeasuredRun& run() const { return *c->run; }
};

/// Every field of a run in the calibration and validation JSON.
const Columns<RunLine>& run_columns() {
  static const Columns<RunLine> columns = {
      {"file", [](const RunLine& l) { return json(l.run().file); }},
      {"index", [](const RunLine& l) { return json(l.run().index); }},
      {"hardware", [](const RunLine& l) { return json(l.c->hardware->id); }},
      {"devices", [](const RunLine& l) { return json(l.c->device_count); }},
      {"model", [](const RunLine& l) { return json(l.c->model->id); }},
      {"quant", [](const RunLine& l) { return json(l.run().quant_id); }},
      {"backend", [](const RunLine& l) { return json(std::string(to_string(l.run().backend))); }},
      {"api", [](const RunLine& l) { return json(std::string(to_string(l.run().api))); }},
      {"era", [](const RunLine& l) { return json(l.run().era); }},
      {"test", [](const RunLine& l) { return json(std::string(to_string(l.run().test))); }},
      {"n_prompt", [](const RunLine& l) { return json(l.run().n_prompt); }},
      {"n_gen", [](const RunLine& l) { return json(l.run().n_gen); }},
      {"n_depth", [](const RunLine& l) { return json(l.run().n_depth); }},
      {"batch", [](const RunLine& l) { return json(l.run().batch); }},
      {"predicted", [](const RunLine& l) { return json(l.e.predicted_tok_s); }},
      {"measured", [](const RunLine& l) { return json(l.e.measured_tok_s); }},
      {"error_pct", [](const RunLine& l) { return json(l.e.ape_pct); }},
      {"offloaded", [](const RunLine& l) { return json(l.c->offloaded); }},
  };
  return columns;
}

json run_json(const RunCase& c, const RunError& e) { return report::row_json(run_columns(), RunLine{&c, e}); }

/// The skipped records, streamed one at a time (report::json_text_to).
report::StreamedArray skipped_json(const std::vector<SkippedRun>& skipped) {
  return {"skipped", [&skipped](const auto& emit) {
            for (const auto& s : skipped) emit({{"file", s.file}, {"index", s.index}, {"reason", s.reason}});
          }};
}

std::string skipped_text(const std::vector<SkippedRun>& skipped) {
  if (skipped.empty()) return "";
  std::string out = fmt::format("\nSKIPPED {} record(s), not in any figure above (file:index: reason)\n", skipped.size());
  for (std::size_t i = 0; i < skipped.size() && i < kSkippedShown; ++i)
    out += fmt::format("  {}:{}: {}\n", skipped[i].file, skipped[i].index, skipped[i].reason);
  if (skipped.size() > kSkippedShown)
    out += fmt::format("  … {} more ({} json lists them all)\n", skipped.size() - kSkippedShown, field("format"));
  return out;
}


std::string calibration_text(const CalibrationReport& report, const std::vector<RunCase>& cases,
                                    const std::vector<SkippedRun>& skipped) {
  std::string out = fmt::format("Calibration from {} runs ({} decode, {} prefill) on {} chips", report.decode_runs + report.prefill_runs,
                                report.decode_runs, report.prefill_runs, report.hardware_count);
  if (!skipped.empty()) out += fmt::format("; {} skipped", skipped.size());
  if (report.offloaded_runs > 0) out += fmt::format("; {} offloaded (not fitted)", report.offloaded_runs);
  out += "\n\nACCURACY (error of tokens/s)      n     MAPE   median APE\n";
  const char* before_says = report.cross_validation_unit == "model" ? "the profile it starts from" : "literature defaults";
  out += summary_line("decode", "before", report.decode_before, before_says);
  out += summary_line("", "after", report.decode_after, "fitted, in sample");
  const bool by_model = report.cross_validation_unit == "model";
  const char* cv_name = by_model ? "LOMO-CV" : "LOHO-CV";
  const char* cv_says = by_model ? "each model predicted from the chip's other models" : "each chip predicted from the others' runs";
  out += summary_line("", cv_name, report.decode_cv, cv_says);
  out += summary_line("prefill", "before", report.prefill_before, before_says);
  out += summary_line("", "after", report.prefill_after, "fitted, in sample");
  out += summary_line("", cv_name, report.prefill_cv, cv_says);
  if (report.batched_after.n > 0) {  // batch > 1 apart: the decode lines above are batch 1
    out += summary_line("batched", "before", report.batched_before, before_says);
    out += summary_line("", "after", report.batched_after, "fitted, in sample");
    out += summary_line("", cv_name, report.batched_cv, cv_says);
  }
  if (report.cv_unpredicted > 0)
    out += fmt::format("  ({} held-out runs had no other runs of their engine and test; not in LOHO-CV)\n",
                       report.cv_unpredicted);

  out += "\nCONSTANTS (value ± standard error; efficiencies are shares of peak bandwidth or tensor FLOPs)\n";
  for (const GroupFit& g : report.groups) {
    out += fmt::format("{}   ({} decode, {} prefill runs; {} chips)\n", g.label, g.decode_runs, g.prefill_runs,
                       g.hardware_count);
    auto lines = [&](const char* test, const std::vector<ConstantEstimate>& list, double condition) {
      bool first = true;
      for (const auto& e : list) {
        out += fmt::format("  {:<8} {:<46} {:>18}   {}\n", first ? test : "", e.label, estimate_value(e), e.status);
        first = false;
      }
      if (condition > 0) out += fmt::format("  {:<8} condition number of the fitted columns: {:.3g}\n", "", condition);
    };
    lines("decode", g.decode, g.decode_condition_number);
    lines("prefill", g.prefill, g.prefill_condition_number);
  }
  out += "  Kernel families without runs keep their literature efficiency relative to the fitted level.\n";

  if (!report.worst.empty()) {
    out += "\nWORST RUNS after calibration\n";
    for (const RunError& e : report.worst) {
      const RunCase& c = cases[e.case_index];
      out += fmt::format("  {:>5.1f}%  measured {:>8} predicted {:>8} tok/s  {} {}  {}\n", e.ape_pct,
                         format_rate(e.measured_tok_s), format_rate(e.predicted_tok_s), run_shape(*c.run), run_what(c),
                         run_where(*c.run));
    }
  }
  if (!report.notes.empty()) {
    out += "\nNOTES\n";
    for (const auto& note : report.notes) out += "  " + note + "\n";
  }
  out += skipped_text(skipped);
  return out;
}

/// The calibration report as JSON, its runs and skipped records streamed to `sink`.
void calibration_json_to(const CalibrationReport& report, const std::vector<RunCase>& cases,
                         const std::vector<SkippedRun>& skipped, const std::function<void(std::string_view)>& sink) {
  nlohmann::json j;
  j["n"] = report.decode_runs + report.prefill_runs;
  j["decode_runs"] = report.decode_runs;
  j["prefill_runs"] = report.prefill_runs;
  j["hardware_count"] = report.hardware_count;
  j["offloaded_runs"] = report.offloaded_runs;
  j["skipped_runs"] = skipped.size();
  j["decode"] = {{"before", summary_json(report.decode_before)},
                 {"after", summary_json(report.decode_after)},
                 {"cross_validated", summary_json(report.decode_cv)}};
  j["prefill"] = {{"before", summary_json(report.prefill_before)},
                  {"after", summary_json(report.prefill_after)},
                  {"cross_validated", summary_json(report.prefill_cv)}};
  j["batched_decode"] = {{"before", summary_json(report.batched_before)},
                         {"after", summary_json(report.batched_after)},
                         {"cross_validated", summary_json(report.batched_cv)}};
  j["decode_mape"] = report.decode_after.n > 0 ? nlohmann::json(report.decode_after.mape_pct) : nlohmann::json(nullptr);
  j["prefill_mape"] = report.prefill_after.n > 0 ? nlohmann::json(report.prefill_after.mape_pct) : nlohmann::json(nullptr);
  j["decode_cv_mape"] = report.decode_cv.n > 0 ? nlohmann::json(report.decode_cv.mape_pct) : nlohmann::json(nullptr);
  j["prefill_cv_mape"] = report.prefill_cv.n > 0 ? nlohmann::json(report.prefill_cv.mape_pct) : nlohmann::json(nullptr);
  j["cv_unpredicted"] = report.cv_unpredicted;
  nlohmann::json groups = nlohmann::json::array();
  for (const GroupFit& g : report.groups) {
    nlohmann::json gj;
    gj["label"] = g.label;
    gj["backend"] = std::string(to_string(g.backend));
    gj["api"] = g.api ? nlohmann::json(std::string(to_string(*g.api))) : nlohmann::json(nullptr);
    gj["hardware_class"] = g.hardware_class ? nlohmann::json(std::string(to_string(*g.hardware_class))) : nlohmann::json(nullptr);
    gj["era"] = g.era;
    gj["decode_runs"] = g.decode_runs;
    gj["prefill_runs"] = g.prefill_runs;
    gj["hardware_count"] = g.hardware_count;
    gj["decode"] = estimates_json(g.decode);
    gj["prefill"] = estimates_json(g.prefill);
    groups.push_back(gj);
  }
  j["groups"] = groups;
  nlohmann::json worst = nlohmann::json::array();
  for (const RunError& e : report.worst) worst.push_back(run_json(cases[e.case_index], e));
  j["worst"] = worst;
  const report::StreamedArray runs{"runs", [&](const auto& emit) {
                                      for (std::size_t i = 0; i < cases.size(); ++i) {
                                        if (i >= report.predicted_after.size() || report.predicted_after[i] <= 0) continue;
                                        RunError e{i, report.predicted_after[i], cases[i].run->tok_s, 0};
                                        e.ape_pct = 100.0 * std::abs(e.predicted_tok_s - e.measured_tok_s) / e.measured_tok_s;
                                        nlohmann::json rj = run_json(cases[i], e);
                                        rj["predicted_before"] = report.predicted_before[i];
                                        rj["predicted_cv"] = report.predicted_cv[i] > 0 ? nlohmann::json(report.predicted_cv[i])
                                                                                        : nlohmann::json(nullptr);
                                        emit(rj);
                                      }
                                    }};
  j["notes"] = report.notes;
  report::json_text_to(j, {runs, skipped_json(skipped)}, sink);
}

void validation_text(const ValidationReport& report, const std::vector<RunCase>& cases,
                     const std::vector<SkippedRun>& skipped, const std::string& profile_name,
                     const std::function<void(std::string_view)>& sink) {
  constexpr std::size_t kBlockBytes = 1 << 16;
  std::string out = fmt::format("Validation of {} runs against profile '{}'\n", report.runs.size(), profile_name);
  out += fmt::format("  {:>9} {:>9} {:>7}  {:<14} {}\n", "measured", "predicted", "error", "test", "run");
  for (const RunError& e : report.runs) {
    const RunCase& c = cases[e.case_index];
    out += fmt::format("  {:>9} {:>9} {:>6.1f}%  {:<14} {}{}  {}\n", format_rate(e.measured_tok_s),
                       format_rate(e.predicted_tok_s), e.ape_pct, run_shape(*c.run), run_what(c),
                       c.offloaded ? " (offloaded)" : "", run_where(*c.run));
    if (out.size() >= kBlockBytes) {
      sink(out);
      out.clear();
    }
  }
  out += "\nSUMMARY (error of tokens/s)      n     MAPE   median APE\n";
  out += summary_line("decode", "", report.decode, "");
  out += summary_line("prefill", "", report.prefill, "");
  if (report.batched_decode.n > 0) out += summary_line("batched", "", report.batched_decode, "decode of batch > 1");
  out += skipped_text(skipped);
  sink(out);
}

/// The validation report as JSON, its runs and skipped records streamed to `sink`.
void validation_json_to(const ValidationReport& report, const std::vector<RunCase>& cases,
                        const std::vector<SkippedRun>& skipped, const std::string& profile_name,
                        const std::function<void(std::string_view)>& sink) {
  nlohmann::json j;
  j["profile"] = profile_name;
  j["n"] = report.runs.size();
  j["decode_n"] = report.decode.n;
  j["prefill_n"] = report.prefill.n;
  j["decode_mape"] = report.decode.n > 0 ? nlohmann::json(report.decode.mape_pct) : nlohmann::json(nullptr);
  j["prefill_mape"] = report.prefill.n > 0 ? nlohmann::json(report.prefill.mape_pct) : nlohmann::json(nullptr);
  j["decode_median_ape"] = report.decode.n > 0 ? nlohmann::json(report.decode.median_ape_pct) : nlohmann::json(nullptr);
  j["prefill_median_ape"] = report.prefill.n > 0 ? nlohmann::json(report.prefill.median_ape_pct) : nlohmann::json(nullptr);
  j["batched_decode_n"] = report.batched_decode.n;
  j["batched_decode_mape"] =
      report.batched_decode.n > 0 ? nlohmann::json(report.batched_decode.mape_pct) : nlohmann::json(nullptr);
  const report::StreamedArray runs{"runs", [&](const auto& emit) {
                                      for (const RunError& e : report.runs) emit(run_json(cases[e.case_index], e));
                                    }};
  j["skipped_runs"] = skipped.size();
  report::json_text_to(j, {runs, skipped_json(skipped)}, sink);
}

}  // namespace

void render_calibration_to(const CalibrationReport& report, const std::vector<RunCase>& cases,
                           const std::vector<SkippedRun>& skipped, Format format,
                           const std::function<void(std::string_view)>& sink) {
  if (format == Format::json) return calibration_json_to(report, cases, skipped, sink);
  sink(calibration_text(report, cases, skipped));
}

std::string render_calibration(const CalibrationReport& report, const std::vector<RunCase>& cases,
                               const std::vector<SkippedRun>& skipped, Format format) {
  std::string out;
  render_calibration_to(report, cases, skipped, format, [&](std::string_view block) { out += block; });
  return out;
}

void render_validation_to(const ValidationReport& report, const std::vector<RunCase>& cases,
                          const std::vector<SkippedRun>& skipped, const std::string& profile_name, Format format,
                          const std::function<void(std::string_view)>& sink) {
  if (format == Format::json) return validation_json_to(report, cases, skipped, profile_name, sink);
  validation_text(report, cases, skipped, profile_name, sink);
}

std::string render_validation(const ValidationReport& report, const std::vector<RunCase>& cases,
                              const std::vector<SkippedRun>& skipped, const std::string& profile_name, Format format) {
  std::string out;
  render_validation_to(report, cases, skipped, profile_name, format, [&](std::string_view block) { out += block; });
  return out;
}

}  // namespace llmfit

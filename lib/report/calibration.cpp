// Calibration and validation reports: text for people, JSON for programs.
#include "llmfit/report/calibration.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
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
  if (e.unit == "cycles") {  // fractions of a cycle per weight: three significant digits
    const std::string value = fmt::format("{:.3g}", e.value);
    return e.standard_error > 0 ? fmt::format("{} ± {:.2g}", value, e.standard_error) : value;
  }
  const std::string value = fmt::format("{:.1f}{}", e.value, e.unit == "us" ? " µs" : e.unit == "GB/s" ? " GB/s" : "");
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

/// "llama.cpp · cuda · nvidia-consumer": the group a profile entry is for.
std::string entry_label(const ProfileEntry& e) {
  std::string label(to_string(e.backend));
  if (e.api) label += " · " + std::string(to_string(*e.api));
  if (e.hardware_class) label += " · " + std::string(to_string(*e.hardware_class));
  return label;
}

/// "LOHO-CV" …: the scheme's short name.
std::string cv_short_name(const std::string& unit) {
  if (unit == "class") return "LOCO-CV";
  if (unit.empty()) return "CV";
  return fmt::format("LO{}O-CV", static_cast<char>(std::toupper(static_cast<unsigned char>(unit.front()))));
}

std::string cv_explanation(const std::string& unit, bool one_chip) {
  if (unit == "model")
    return one_chip ? "each model predicted from the chip's other models" : "each model predicted from the other models' runs";
  if (unit == "source") return "each publication predicted from the others' runs";
  if (unit == "class") return "each engine · API · class predicted without its runs";
  return "each chip predicted from the others' runs";
}

/// The cross-validated error per engine × API and per class, in the report's scheme.
std::string cv_groups_text(const CalibrationReport& report) {
  if (report.cv_groups.empty()) return "";
  std::string out =
      fmt::format("\nBY GROUP, {} (signed: + = predicted too fast)\n", cv_short_name(report.cross_validation_unit));
  out += fmt::format("  {:<40} {:<8} {:>5} {:>6} {:>6} {:>8} {:>8} {:>8} {:>7} {:>8}\n", "engine · API [· class]", "test",
                     "runs", "chips", "folds", "MAPE", "median", "signed", "configs", "MAPE");
  for (const GroupError& g : report.cv_groups)
    out += fmt::format("  {:<40} {:<8} {:>5} {:>6} {:>6} {:>7.1f}% {:>7.1f}% {:>+7.1f}% {:>7.0f} {:>7.1f}%\n",
                       g.hardware_class ? "  " + g.label : g.label, test_name(g), g.n, g.chips, g.folds, g.mape_pct,
                       g.median_ape_pct, g.signed_pct, g.configurations, g.configuration_mape_pct);
  out += "  configs: repeated configurations (same chip, model, quantisation, engine, test, tokens and run conditions;\n"
         "  another build) counted once, as the fit weighs them; MAPE beside it is over those.\n";
  return out;
}

/// The ranges the profile gives predictions, and where each comes from.
std::string uncertainty_text(const CalibrationReport& report) {
  std::string out = "\nUNCERTAINTY of predictions with this profile (± decode / prefill: where it comes from)\n";
  // A GPU generation's entry carries its class's range: listed once, under the class, when the class has an entry.
  const auto shown_by_its_class = [&](const ProfileEntry& e) {
    return !e.gpu_family.empty() &&
           std::any_of(report.profile.entries.begin(), report.profile.entries.end(), [&](const ProfileEntry& c) {
             return c.gpu_family.empty() && c.era.empty() && c.backend == e.backend && c.api == e.api &&
                    c.hardware_class == e.hardware_class;
           });
  };
  for (const ProfileEntry& e : report.profile.entries) {
    if (!e.era.empty() || !e.uncertainty.known || e.fitted_runs == 0 || shown_by_its_class(e)) continue;
    out += fmt::format("  {:<40} ±{:.0f}% / ±{:.0f}%: {}\n", entry_label(e), 100 * e.uncertainty.decode_relative_error,
                       100 * e.uncertainty.prefill_relative_error, e.uncertainty.basis);
  }
  for (const ProfileEntry& e : report.profile.entries) {
    if (!e.era.empty() || !e.uncertainty.known || e.fitted_runs > 0 || shown_by_its_class(e)) continue;
    out += fmt::format("  {:<40} ±{:.0f}% / ±{:.0f}%: {}\n", entry_label(e), 100 * e.uncertainty.decode_relative_error,
                       100 * e.uncertainty.prefill_relative_error, e.note);
  }
  const EfficiencyUncertainty& none = report.profile.unmeasured;
  if (none.known)
    out += fmt::format("  {:<40} ±{:.0f}% / ±{:.0f}%: {}\n", "groups without runs (any)",
                       100 * none.decode_relative_error, 100 * none.prefill_relative_error, none.basis);
  return out;
}

std::string calibration_text(const CalibrationReport& report, const std::vector<RunCase>& cases,
                                    const std::vector<SkippedRun>& skipped) {
  std::string out = fmt::format("Calibration from {} runs ({} decode, {} prefill) on {} chips", report.decode_runs + report.prefill_runs,
                                report.decode_runs, report.prefill_runs, report.hardware_count);
  if (!skipped.empty()) out += fmt::format("; {} skipped", skipped.size());
  if (report.offloaded_runs > 0) out += fmt::format("; {} offloaded (not fitted)", report.offloaded_runs);
  out += "\n\nACCURACY (error of tokens/s)      n     MAPE   median APE\n";
  const char* before_says = report.layered ? "the profile it starts from" : "literature defaults";
  out += summary_line("decode", "before", report.decode_before, before_says);
  out += summary_line("", "after", report.decode_after, "fitted, in sample");
  const std::string cv_name = cv_short_name(report.cross_validation_unit);
  const std::string cv_says = cv_explanation(report.cross_validation_unit, report.layered);
  out += summary_line("", cv_name.c_str(), report.decode_cv, cv_says.c_str());
  out += summary_line("prefill", "before", report.prefill_before, before_says);
  out += summary_line("", "after", report.prefill_after, "fitted, in sample");
  out += summary_line("", cv_name.c_str(), report.prefill_cv, cv_says.c_str());
  if (report.batched_after.n > 0) {  // batch > 1 apart: the decode lines above are batch 1
    out += summary_line("batched", "before", report.batched_before, before_says);
    out += summary_line("", "after", report.batched_after, "fitted, in sample");
    out += summary_line("", cv_name.c_str(), report.batched_cv, cv_says.c_str());
  }
  if (report.cv_unpredicted > 0)
    out += fmt::format("  ({} held-out runs had no other runs of their engine and test; not in {})\n",
                       report.cv_unpredicted, cv_name);
  if (report.decode_headline.n > 0 || report.prefill_headline.n > 0) {
    std::string one_chip;
    for (const std::string& g : report.headline_one_chip_groups) one_chip += (one_chip.empty() ? "" : ", ") + g;
    out += fmt::format("HEADLINE (cross-validated, repeated configurations counted once: {:.0f} decode and {:.0f} prefill "
                       "configurations)\n",
                       report.decode_headline_configurations, report.prefill_headline_configurations);
    out += summary_line("decode", "LOHO+", report.decode_headline, "");
    out += summary_line("prefill", "LOHO+", report.prefill_headline, "");
    out += fmt::format("  leave-one-hardware-out where an engine · API has runs on two or more chips; leave-one-model-out "
                       "where it has one ({}), since holding that chip out holds out the whole group\n",
                       one_chip.empty() ? "none" : one_chip);
  }
  out += cv_groups_text(report);
  out += uncertainty_text(report);

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
  if (report.decode_headline.n > 0 || report.prefill_headline.n > 0)
    j["headline"] = {{"decode", summary_json(report.decode_headline)},
                     {"prefill", summary_json(report.prefill_headline)},
                     {"decode_configurations", report.decode_headline_configurations},
                     {"prefill_configurations", report.prefill_headline_configurations},
                     {"one_chip_groups_leave_one_model_out", report.headline_one_chip_groups}};
  j["cross_validation"] = report.cross_validation_unit;
  nlohmann::json cv_groups = nlohmann::json::array();
  for (const GroupError& g : report.cv_groups)
    cv_groups.push_back({{"group", g.label},
                         {"backend", std::string(to_string(g.backend))},
                         {"api", std::string(to_string(g.api))},
                         {"hardware_class", g.hardware_class ? nlohmann::json(std::string(to_string(*g.hardware_class)))
                                                             : nlohmann::json(nullptr)},
                         {"test", std::string(test_name(g))},
                         {"n", g.n},
                         {"chips", g.chips},
                         {"folds", g.folds},
                         {"mape_pct", g.mape_pct},
                         {"median_ape_pct", g.median_ape_pct},
                         {"signed_pct", g.signed_pct},
                         {"configurations", g.configurations},
                         {"configuration_mape_pct", g.configuration_mape_pct}});
  j["cv_groups"] = cv_groups;
  nlohmann::json uncertainty = nlohmann::json::array();
  for (const ProfileEntry& e : report.profile.entries)
    if (e.era.empty() && e.uncertainty.known && e.fitted_runs > 0)
      uncertainty.push_back({{"group", entry_label(e)},
                             {"decode_relative_error", e.uncertainty.decode_relative_error},
                             {"prefill_relative_error", e.uncertainty.prefill_relative_error},
                             {"basis", e.uncertainty.basis}});
  j["uncertainty"] = uncertainty;
  const EfficiencyUncertainty& none = report.profile.unmeasured;
  j["unmeasured"] = none.known ? nlohmann::json{{"decode_relative_error", none.decode_relative_error},
                                                {"prefill_relative_error", none.prefill_relative_error},
                                                {"basis", none.basis}}
                               : nlohmann::json(nullptr);
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

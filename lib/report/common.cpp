// What the presentation of the planning tools shares (common.hpp).
#include "common.hpp"

#include <fmt/format.h>

#include <cmath>

#include "llmfit/report/format.hpp"
#include "llmfit/text.hpp"

namespace llmfit::report {

std::string usd(double value) {
  if (!std::isfinite(value)) return "-";
  if (value >= 100) return fmt::format("${}", with_thousands(static_cast<std::int64_t>(std::llround(value))));
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

std::string precise_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "out of range";
  if (seconds < 1e-3) return fmt::format("{:.0f} µs", seconds * 1e6);
  if (seconds < 0.01) return fmt::format("{:.2f} ms", seconds * 1e3);
  if (seconds < 0.1) return fmt::format("{:.1f} ms", seconds * 1e3);
  return format_duration(seconds);
}

std::string marked_rate(double tok_s, int measured_runs) {
  return format_rate(tok_s) + (measured_runs > 0 ? "" : std::string(kNoRunsMark));
}

std::string no_runs_footnote(bool any_marked) {
  if (!any_marked) return "";
  return std::string(kNoRunsMark) +
         " no measured runs for this engine · device API · hardware class: constants borrowed from related groups (or "
         "literature ones), a wider error (a "
         "single prediction's card says how wide; " + std::string(kMeasuredRunsField) + " = 0 in JSON and CSV).\n";
}

bool runs(const Prediction& p) { return p.in_range && p.fit.verdict != FitVerdict::does_not_fit; }

std::string devices_name(const Scenario& s) {
  return s.device_count > 1 ? fmt::format("{} x {}", s.device_count, s.hardware->name) : s.hardware->name;
}

std::string context_limits(const Scenario& s, std::int64_t on_accelerator, std::int64_t with_offload) {
  const std::int64_t model_max = s.model->max_context;
  auto tokens = [model_max](std::int64_t n) {
    return with_thousands(n) + " tokens" + (n >= model_max ? " (the model's maximum)" : "");
  };
  const bool cpu = s.hardware->kind == HardwareKind::cpu;
  const std::string where = cpu ? "in RAM" : "fully on the accelerator";
  std::string out = "largest context that fits: ";
  out += on_accelerator > 0 ? tokens(on_accelerator) + " " + where
                            : "none " + where + " (weights and buffers exceed usable memory less the margin)";
  if (cpu) return out;
  if (!s.allow_offload) return out + "; CPU offload not considered";
  if (with_offload > on_accelerator) return out + "; " + tokens(with_offload) + " with CPU offload";
  if (on_accelerator < model_max) return out + (on_accelerator > 0 ? "; no more with CPU offload" : "; none with CPU offload either");
  return out;
}

std::string scenario_heading(const Scenario& s) {
  return fmt::format("{} ({}) · {} · KV {} · context {} · {}-token prompt · batch {}", s.model->name, s.quant->name,
                     to_string(s.backend), to_string(s.kv_type), with_thousands(s.context_tokens),
                     with_thousands(s.prompt_tokens), s.batch);
}

const Columns<Scenario>& scenario_columns() {
  static const Columns<Scenario> columns = {
      {"hardware", [](const Scenario& s) { return json(s.hardware->id); }},
      {"count", [](const Scenario& s) { return json(s.device_count); }},
      {"label", [](const Scenario& s) { return json(hardware_label(s)); }},
      {"model", [](const Scenario& s) { return json(s.model->id); }},
      {"quant", [](const Scenario& s) { return json(s.quant->id); }},
      {"backend", [](const Scenario& s) { return json(std::string(to_string(s.backend))); }},
      {"kv_type", [](const Scenario& s) { return json(std::string(to_string(s.kv_type))); }},
      {"context", [](const Scenario& s) { return json(s.context_tokens); }},
      {"prompt_tokens", [](const Scenario& s) { return json(s.prompt_tokens); }},
      {"batch", [](const Scenario& s) { return json(s.batch); }},
  };
  return columns;
}

json scenario_json(const Scenario& s) { return row_json(scenario_columns(), s); }

}  // namespace llmfit::report

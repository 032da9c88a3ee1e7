#include "llmfit/report/card.hpp"

#include <fmt/format.h>

#include <cmath>
#include <cstdint>

#include "llmfit/report/format.hpp"
#include "common.hpp"
#include "llmfit/errors.hpp"
#include "llmfit/units.hpp"
#include "table.hpp"

namespace llmfit {
namespace {

double gb(double bytes) { return bytes / units::kBytesPerGB; }

std::string verdict_line(const Answer& a) {
  const MemoryFit& fit = a.prediction.fit;
  const ModelSpec& m = *a.resolved.scenario.model;
  const HardwareSpec& hw = *a.resolved.scenario.hardware;
  const char* where = hw.kind == HardwareKind::cpu ? "in RAM" : "on the accelerator";
  switch (fit.verdict) {
    case FitVerdict::fits:
      return fmt::format("FITS {} ({} free, of which {} is the safety margin)", where,
                         format_gb(fit.available_bytes - fit.total_bytes), format_gb(fit.margin_bytes));
    case FitVerdict::partial_offload:
      if (fit.offload == OffloadKind::experts)
        return fmt::format("FITS WITH EXPERT OFFLOAD: routed experts of {} of {} MoE layers ({}) in host RAM",
                           fit.cpu_layers, m.moe_layers(), format_gb(fit.offloaded_bytes));
      return fmt::format("FITS WITH CPU OFFLOAD: {} of {} layers on the accelerator, {} on the CPU ({})",
                         fit.gpu_layers, m.layers, fit.cpu_layers, format_gb(fit.offloaded_bytes));
    case FitVerdict::does_not_fit:
      return fmt::format("DOES NOT FIT: needs {} + {} safety margin, {} usable{}", format_gb(fit.total_bytes),
                         format_gb(fit.margin_bytes), format_gb(fit.available_bytes),
                         fit.host_available_bytes > 0 ? fmt::format(" (+{} host RAM for offload)",
                                                                    format_gb(fit.host_available_bytes))
                                                      : std::string());
  }
  return "";
}

std::string usable_note(const Answer& a) {
  const MemoryFit& fit = a.prediction.fit;
  const HardwareSpec& hw = *a.resolved.scenario.hardware;
  const int devices = a.resolved.scenario.device_count;
  if (hw.kind == HardwareKind::unified) {
    const double share = fit.device_memory_bytes > 0 ? fit.available_bytes / fit.device_memory_bytes : 0;
    if (fit.unified_rule_applied)
      return fmt::format("macOS lets the GPU wire {:.0f}% of {} by default; the OS keeps {}", share * 100,
                         format_gb(fit.device_memory_bytes), format_gb(fit.os_reserved_bytes));
    return fmt::format("GPU may use {:.0f}% of {} unified memory; the OS keeps {}", share * 100,
                       format_gb(fit.device_memory_bytes), format_gb(fit.os_reserved_bytes));
  }
  if (hw.kind == HardwareKind::cpu)
    return fmt::format("of {} RAM; the OS keeps {}", format_gb(fit.device_memory_bytes),
                       format_gb(fit.os_reserved_bytes));
  if (devices > 1) return fmt::format("{} devices x {} VRAM, layer split", devices,
                                      format_gb(fit.device_memory_bytes / devices));
  return fmt::format("{} VRAM", format_gb(fit.device_memory_bytes));
}


std::string card_text(const Answer& a) {
  const Scenario& s = a.resolved.scenario;
  const Prediction& p = a.prediction;
  const MemoryFit& fit = p.fit;
  const HardwareSpec& hw = *s.hardware;
  const ModelSpec& m = *s.model;
  const QuantSpec& q = *s.quant;
  const EfficiencyConstants& k = a.resolved.efficiency->constants;
  std::string out;
  auto line = [&out](const std::string& text) { out += text + "\n"; };

  const std::string devices = s.device_count > 1 ? fmt::format("{} x ", s.device_count) : "";
  line(fmt::format("{} ({}) on {}{}", m.name, q.name, devices, hw.name));
  line(fmt::format("  {} · {} · {:g} GB/s · {} · KV {} · context {} tokens", to_string(s.backend),
                   to_string(s.api), hw.bandwidth_gb_s, fmt::format("{:g} GiB", s.memory_gib > 0 ? s.memory_gib
                                                                                          : hw.default_memory_gib),
                   to_string(s.kv_type), with_thousands(s.context_tokens)));
  if (m.is_moe())
    line(fmt::format("  MoE: {} of {} experts per token, {:.1f} B of {:.1f} B parameters active", m.moe.experts_per_token,
                     m.moe.experts, m.active_params_b, m.params_b));
  for (const std::string* reading : {&a.resolved.hardware_reading, &a.resolved.model_reading})
    if (!reading->empty()) line("  name " + *reading);
  line("");

  line(verdict_line(a));
  line(fmt::format("  weights           {:>9}   {:.2f} bits/weight avg", format_gb(fit.weights_bytes),
                   fit.weights_bytes * 8 / (m.params_b * 1e9)));
  line(fmt::format("  KV cache          {:>9}   {} tokens x {} sequence{}, {}", format_gb(fit.kv_cache_bytes),
                   with_thousands(s.context_tokens), s.batch, s.batch > 1 ? "s" : "", to_string(s.kv_type)));
  line(fmt::format("  compute buffers   {:>9}", format_gb(fit.compute_buffer_bytes)));
  line(fmt::format("  runtime overhead  {:>9}", format_gb(fit.runtime_overhead_bytes)));
  line(fmt::format("  total             {:>9}   of {} usable ({})", format_gb(fit.total_bytes),
                   format_gb(fit.available_bytes), usable_note(a)));
  line(fmt::format("  safety margin     {:>9}   kept free by every verdict ({}; {} to change)",
                   format_gb(fit.margin_bytes), describe_fit_margin(s.margin), field("fit_margin")));
  line("  " + report::context_limits(s, fit.max_context, a.max_context_with_offload));
  line("");

  if (!p.in_range) {
    line("SPEED  out of range: the inputs are outside what the model can predict");
  } else {
    const bool not_fit = fit.verdict == FitVerdict::does_not_fit;
    line(fmt::format("SPEED{}", not_fit ? "  (if it had enough memory)" : ""));
    std::string range;
    if (a.decode_high_tok_s > 0)
      range = fmt::format("  ({}-{} {})", format_rate(a.decode_low_tok_s), format_rate(a.decode_high_tok_s),
                          a.uncertainty.measured_runs > 0 ? "calibrated range" : "range without measured runs");
    line(fmt::format("  decode        {:>8} tok/s   after a {}-token prompt{}{}", format_rate(p.decode_tok_s),
                     with_thousands(s.prompt_tokens), s.batch > 1 ? ", each sequence" : "", range));
    if (s.batch > 1)
      line(fmt::format("  aggregate     {:>8} tok/s   {} concurrent sequences", format_rate(p.aggregate_decode_tok_s),
                       s.batch));
    // The context asked about, when it is longer than the prompt: decode slows as the KV cache fills.
    if (s.context_tokens > s.prompt_tokens) {
      const ContextPoint& full = a.full_context;
      if (full.verdict == FitVerdict::does_not_fit)
        line(fmt::format("  full context  {:>8}         a {}-token prompt does not fit", "-",
                         with_thousands(s.context_tokens)));
      else
        line(fmt::format("  full context  {:>8} tok/s   after a {}-token prompt (the context filled); first token "
                         "{}",
                         format_rate(full.decode_tok_s), with_thousands(s.context_tokens),
                         format_duration(full.ttft_s)));
    }
    std::string prefill_range;
    if (a.prefill_high_tok_s > 0)
      prefill_range = fmt::format("  ({}-{})", format_rate(a.prefill_low_tok_s), format_rate(a.prefill_high_tok_s));
    line(fmt::format("  prefill       {:>8} tok/s   {}-token prompt{}", format_rate(p.prefill_tok_s),
                     with_thousands(s.prompt_tokens), prefill_range));
    line(fmt::format("  first token   {:>8}", format_duration(p.ttft_s)));
    if (p.thermal_data && p.sustained_decode_tok_s < p.decode_tok_s)
      line(fmt::format("  sustained     {:>8} tok/s   {} ({:.0f}% once throttled, {})",
                       format_rate(p.sustained_decode_tok_s),
                       p.throttle_onset_s > 0 ? "after ~" + format_duration(p.throttle_onset_s) + " of load"
                                              : std::string("under sustained load"),
                       hw.sustained_fraction * 100, to_string(hw.form_factor)));
    else if (p.thermal_data)
      line(fmt::format("  sustained     {:>8} tok/s   no throttling expected ({})", format_rate(p.sustained_decode_tok_s),
                       to_string(hw.form_factor)));
    else
      line(fmt::format("  sustained     {:>8} tok/s   no thermal data for this chip: peak shown",
                       format_rate(p.sustained_decode_tok_s)));
    const double per_token = 1.0 / p.decode_tok_s;
    const std::string roofline = p.decode_seconds_host > 0
                                     ? fmt::format("{} per token, each share at its memory's peak bandwidth",
                                                   format_gb(p.bytes_per_token))
                                     : fmt::format("peak bandwidth / {} per token", format_gb(p.bytes_per_token));
    // Like with like: the ceiling is for all the batch's sequences together, so is the speed it is compared with.
    line(fmt::format("  ceiling       {:>8} tok/s   {}{}; reached {:.0f}%", format_rate(p.decode_ceiling_tok_s),
                     roofline, s.batch > 1 ? fmt::format(", all {} sequences", s.batch) : std::string(),
                     100 * p.aggregate_decode_tok_s / p.decode_ceiling_tok_s));
    line(fmt::format("  one token:    weights {} · KV {} · fixed per-layer/token cost {}{}",
                     format_duration(p.decode_seconds_weights), format_duration(p.decode_seconds_kv),
                     format_duration(p.decode_seconds_overhead),
                     p.decode_seconds_host > 0 ? fmt::format(" · host {}", format_duration(p.decode_seconds_host))
                                               : std::string()));
    (void)per_token;
  }
  line("");

  if (!a.context_scaling.empty() && p.in_range) {
    double top = 0;
    for (const auto& point : a.context_scaling) top = std::max(top, point.decode_tok_s);
    line(fmt::format("PROMPT      decode tok/s                          first token   (KV cache {} tokens, or the "
                     "prompt when longer)",
                     with_thousands(s.context_tokens)));
    for (const auto& point : a.context_scaling) {
      std::string own;
      if (point.context == s.prompt_tokens) own = "your prompt";
      if (point.context == s.context_tokens) own += own.empty() ? "your context" : " and context";
      if (!own.empty()) own = "  ← " + own;
      if (point.verdict == FitVerdict::does_not_fit) {
        line(fmt::format("  {:>9}  {:>8}  {:<24}  {:>9}  does not fit{}", with_thousands(point.context), "-", "", "-",
                         own));
        continue;
      }
      line(fmt::format("  {:>9}  {:>8}  {:<24}  {:>9}{}{}", with_thousands(point.context),
                       format_rate(point.decode_tok_s), unicode_bar(point.decode_tok_s, top, 24),
                       format_duration(point.ttft_s), point.fits ? "" : "  partial offload", own));
    }
    line("");
  }

  // The constant that prices this scenario's prompt GEMMs, as prefill_seconds picks it.
  const PrefillGemmRate gemm = prefill_gemm_rate(s, k);
  const std::string prefill_rate =
      gemm.units == PrefillGemmUnits::cpu_cores
          ? fmt::format("{:.3g} cycles of a 128-bit SIMD unit per weight and prompt token in prefill", gemm.value)
      : gemm.units == PrefillGemmUnits::vector_fp32
          ? fmt::format("{:.0f}% of the vector FP32 peak in prefill", gemm.value * 100)
      : gemm.units == PrefillGemmUnits::matrix_float
          ? fmt::format("{:.0f}% of peak FLOPs in prefill (float weights)", gemm.value * 100)
          : fmt::format("{:.0f}% of peak FLOPs in prefill", gemm.value * 100);
  // The weights stream at the chip's share times the kernel's (each may pass 1 alone; their product cannot):
  // the line states the product as a share of peak and the two factors after it.
  const double kernel_share = k.kernel(q.kernel);
  line(fmt::format("assumptions: efficiency {} ({}): weights stream at {:.0f}% of peak bandwidth (chip {:.2f} x {} "
                   "kernel {:.2f}), {:.0f} µs per layer per token, {}",
                   a.resolved.efficiency->fitted_runs > 0 ? "fitted" : "defaults",
                   a.resolved.efficiency->fitted_runs > 0
                       ? fmt::format("{} runs", a.resolved.efficiency->fitted_runs)
                       : a.resolved.efficiency->note,
                   k.weight_bandwidth_efficiency * kernel_share * 100, k.weight_bandwidth_efficiency,
                   to_string(q.kernel), kernel_share, k.layer_overhead_us, prefill_rate));
  line("  - uncertainty: " + a.uncertainty.basis);
  for (const auto& note : a.resolved.assumptions) line("  - " + note);
  for (const auto& warning : a.resolved.warnings) line("warning: " + warning);
  line(fmt::format("sources: {} · {}", hw.source, m.source));
  return out;
}

nlohmann::json answer_json(const Answer& a) {
  const Scenario& s = a.resolved.scenario;
  const Prediction& p = a.prediction;
  const MemoryFit& fit = p.fit;
  using nlohmann::json;
  // Out-of-range numbers are null, never inf or nan.
  auto num = [&p](double v) -> json { return (p.in_range && std::isfinite(v)) ? json(v) : json(nullptr); };
  json doc;
  doc["hardware"] = {{"id", s.hardware->id},
                     {"name", s.hardware->name},
                     {"count", s.device_count},
                     {"bandwidth_gb_s", s.hardware->bandwidth_gb_s},
                     {"memory_gb", fit.device_memory_bytes / units::kBytesPerGB}};
  doc["model"] = {{"id", s.model->id}, {"name", s.model->name}, {"params_b", s.model->params_b},
                  {"active_params_b", s.model->active_params_b}};
  doc["quant"] = s.quant->id;
  doc["backend"] = std::string(to_string(s.backend));
  doc["api"] = std::string(to_string(s.api));
  doc["kv_type"] = std::string(to_string(s.kv_type));
  doc["context"] = s.context_tokens;
  doc["prompt_tokens"] = s.prompt_tokens;
  doc["batch"] = s.batch;
  if (s.host != nullptr) doc["host"] = s.host->id;
  doc["fit"] = {{"fits", fit.fits},
                {"verdict", std::string(to_string(fit.verdict))},
                {"offload", std::string(to_string(fit.offload))},
                {"gpu_layers", fit.gpu_layers},
                {"cpu_layers", fit.cpu_layers},
                {"offloaded_gb", gb(fit.offloaded_bytes)},
                {"weights_gb", gb(fit.weights_bytes)},
                {"kv_cache_gb", gb(fit.kv_cache_bytes)},
                {"overhead_gb", gb(fit.compute_buffer_bytes + fit.runtime_overhead_bytes)},
                {"compute_buffer_gb", gb(fit.compute_buffer_bytes)},
                {"runtime_overhead_gb", gb(fit.runtime_overhead_bytes)},
                {"total_gb", gb(fit.total_bytes)},
                {"available_gb", gb(fit.available_bytes)},
                {"device_memory_gb", gb(fit.device_memory_bytes)},
                {"os_reserved_gb", gb(fit.os_reserved_bytes)},
                {"host_available_gb", gb(fit.host_available_bytes)},
                {"headroom_gb", gb(fit.available_bytes - fit.total_bytes)},
                {"margin_gb", gb(fit.margin_bytes)},
                {"max_context", fit.max_context},
                {"max_context_with_offload", a.max_context_with_offload}};
  doc["in_range"] = p.in_range;
  doc["decode_tok_s"] = num(p.decode_tok_s);
  doc["aggregate_decode_tok_s"] = num(p.aggregate_decode_tok_s);
  doc["prefill_tok_s"] = num(p.prefill_tok_s);
  doc["ttft_s"] = num(p.ttft_s);
  doc["sustained_decode_tok_s"] = num(p.sustained_decode_tok_s);
  doc["throttle_onset_s"] = p.thermal_data ? num(p.throttle_onset_s) : json(nullptr);
  doc["decode_ceiling_tok_s"] = num(p.decode_ceiling_tok_s);
  doc["bytes_per_token_gb"] = num(gb(p.bytes_per_token));
  if (a.decode_high_tok_s > 0) {
    doc["decode_range_tok_s"] = {a.decode_low_tok_s, a.decode_high_tok_s};
    doc["prefill_range_tok_s"] = {a.prefill_low_tok_s, a.prefill_high_tok_s};
  }
  doc[std::string(kMeasuredRunsField)] = a.uncertainty.measured_runs;
  doc["uncertainty"] = {{"known", a.uncertainty.known},
                        {"decode_relative_error", a.uncertainty.known ? json(a.uncertainty.decode_relative_error) : json(nullptr)},
                        {"prefill_relative_error", a.uncertainty.known ? json(a.uncertainty.prefill_relative_error) : json(nullptr)},
                        {"basis", a.uncertainty.basis}};
  auto point_json = [&num](const ContextPoint& point) {
    return json{{"context", point.context},
                {"kv_cache_tokens", point.kv_tokens},
                {"decode_tok_s", point.decode_tok_s > 0 ? num(point.decode_tok_s) : json(nullptr)},
                {"ttft_s", point.ttft_s > 0 ? num(point.ttft_s) : json(nullptr)},
                {"fits", point.fits},
                {"verdict", std::string(to_string(point.verdict))}};
  };
  json scaling = json::array();
  for (const auto& point : a.context_scaling) scaling.push_back(point_json(point));
  doc["context_scaling"] = scaling;
  doc["full_context"] = point_json(a.full_context);
  const EfficiencyConstants& k = a.resolved.efficiency->constants;
  doc["efficiency"] = {{"source", a.resolved.efficiency->fitted_runs > 0 ? "calibrated" : "default"},
                       {"fitted_runs", a.resolved.efficiency->fitted_runs},
                       {"weight_bandwidth_efficiency", k.weight_bandwidth_efficiency},
                       {"kernel_efficiency", k.kernel(s.quant->kernel)},
                       {"kv_bandwidth_efficiency", k.kv_bandwidth_efficiency},
                       {"layer_overhead_us", k.layer_overhead_us},
                       {"expert_overhead_us", k.expert_overhead_us},
                       {"token_overhead_us", k.token_overhead_us},
                       {"compute_efficiency", k.compute_efficiency}};
  // How the names typed were read (null: the name was the catalogue id).
  auto reading = [](const std::string& text) { return text.empty() ? json(nullptr) : json(text); };
  doc["name_readings"] = {{"hardware", reading(a.resolved.hardware_reading)},
                          {"model", reading(a.resolved.model_reading)}};
  doc["assumptions"] = a.resolved.assumptions;
  doc["warnings"] = a.resolved.warnings;
  return doc;
}

}  // namespace

std::string render_answer(const Answer& answer, Format format) {
  return format == Format::json ? report::json_text(answer_json(answer)) : card_text(answer);
}

}  // namespace llmfit

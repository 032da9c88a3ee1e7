#include "flags.hpp"

#include <array>
#include <utility>

#include "llmfit/errors.hpp"

namespace llmfit::cli {
namespace {

// Field (a member of Query, FitSearchOptions, CostInputs, RecommendOptions, RunDefaults, LinkSpec …) →
// option. A field that several option structs share (model, hardware) is one option everywhere.
constexpr std::array<std::pair<std::string_view, std::string_view>, 46> kFlags{{
    {"hardware", "--hw"},
    {"model", "--model"},
    {"quant", "--quant"},
    {"backend", "--backend"},
    {"api", "--api"},
    {"host", "--host"},
    {"kv_type", "--kv-type"},
    {"context_tokens", "--context"},
    {"prompt_tokens", "--prompt-tokens"},
    {"batch", "--batch"},
    {"memory_gib", "--memory"},
    {"gpu_memory_fraction", "--gpu-memory-fraction"},
    {"host_memory_gib", "--host-memory"},
    {"gpu_memory_utilization", "--gpu-memory-utilization"},
    {"allow_offload", "--no-offload"},
    {"fit_margin", "--margin"},
    {"format", "--format"},
    {"all", "--all"},
    {"threads", "--threads"},
    {"min_decode_tok_s", "--min-tok-s"},
    {"max_ppl_increase_pct", "--quality-tolerance"},
    {"max_batch", "--max-batch"},
    {"link", "--link"},
    {"link_latency_us", "--link-latency-us"},
    {"link_bandwidth_gb_s", "--link-bandwidth-gb-s"},
    {"price_usd", "--price-usd"},
    {"power_w", "--watts"},
    {"years", "--years"},
    {"utilization", "--utilization"},
    {"power_price_usd_per_kwh", "--power-price"},
    {"api_usd_per_mtok", "--api-price-per-mtok"},
    {"idle_w", "--idle-watts"},
    {"prompt_tokens_per_output_token", "--prompt-ratio"},
    {"rent_usd_per_hour", "--rent-usd-per-hour"},
    {"host_price_usd", "--host-usd"},
    {"budget_usd", "--budget"},
    {"users", "--users"},
    {"model_size_b", "--model-size"},
    {"min_tok_s_per_user", "--min-tok-s"},
    {"max_devices_per_box", "--max-gpus"},
    {"top", "--top"},
    {"claimed_tok_s", "--claimed-tok-s"},
    {"calibration_profile", "--calibration"},
    {"bandwidth_gb_s", "--bandwidth-gb-s"},
    {"weight_bandwidth_efficiency", "--weight-bandwidth-efficiency"},
    {"cross_validation_unit", "--cv"},
}};

}  // namespace

std::string flag_for(std::string_view field) {
  for (const auto& [name, flag] : kFlags)
    if (name == field) return std::string(flag);
  return std::string(field);
}

std::string spelled(std::string_view text) { return render_fields(text, flag_for); }

}  // namespace llmfit::cli

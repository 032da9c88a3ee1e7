// Measured runs (runs.hpp): what a run measured, and the names that public benchmark tables and tools
// use for chips and models, mapped to catalogue ids by the one resolver (resolve_names.hpp); this file
// holds only the mappings that are not names of an entry, each with the reason it is right.
#include <algorithm>
#include <array>
#include <cmath>

#include <fmt/format.h>
#include <string>

#include "llmfit/runs.hpp"

namespace llmfit {
namespace {

constexpr std::array<SlugMapping, 2> kModelSlugs{{
    // LLaMA 1 has exactly the architecture of Llama 2 at 7B and 13B (Touvron et al. 2023b, table 1:
    // same layers, width, FFN and 32,000-token vocabulary; Llama 2 only doubles the context to 4,096),
    // so weight bytes, KV bytes and FLOPs per token are the same.
    {"llama-7b", "llama-2-7b", "LLaMA 1 7B: same architecture as Llama 2 7B"},
    {"llama-13b", "llama-2-13b", "LLaMA 1 13B: same architecture as Llama 2 13B"},
}};

const SlugMapping* find_slug(std::span<const SlugMapping> table, std::string_view slug) {
  const std::string lower = to_lower(slug);
  for (const auto& entry : table)
    if (entry.slug == lower) return &entry;
  return nullptr;
}

}  // namespace

std::string_view to_string(RunTest test) noexcept { return test == RunTest::decode ? "decode" : "prefill"; }

std::optional<std::string> measured_rate_problem(RunTest test, double tok_s) {
  const double high = test == RunTest::decode ? limits::kMaxDecodeTokS : limits::kMaxPrefillTokS;
  if (std::isfinite(tok_s) && tok_s >= limits::kMinMeasuredTokS && tok_s <= high) return std::nullopt;
  return fmt::format("a {} rate must be from {:g} to {:g} tokens/s, not {:g}", to_string(test),
                     limits::kMinMeasuredTokS, high, tok_s);
}

std::optional<std::string> batched_run_problem(const MeasuredRun& run) {
  if (run.batch < 1 || run.batch > limits::kMaxRunBatch)
    return fmt::format("batch: must be a whole number of sequences from 1 to {}, not {}", limits::kMaxRunBatch, run.batch);
  if (run.per_user_decode_tok_s != 0) {
    if (run.test != RunTest::decode) return std::string("per_user_decode_tok_s: only a decode measurement has one");
    if (const auto problem = measured_rate_problem(RunTest::decode, run.per_user_decode_tok_s))
      return "per_user_decode_tok_s: " + *problem;
  }
  if (run.rate_includes_prefill && run.test != RunTest::decode)
    return std::string("rate_includes_prefill: applies to a decode rate only");
  const auto latency = [](const LatencyMs& l, const char* name) -> std::optional<std::string> {
    const std::pair<const char*, double> figures[] = {{"mean", l.mean}, {"median", l.median}, {"p99", l.p99}};
    for (const auto& [stat, ms] : figures)
      if (!std::isfinite(ms) || ms < 0 || ms > limits::kMaxLatencyMs)
        return fmt::format("{}_{}_ms: must be above 0 and at most {:g} ms, not {:g}", stat, name, limits::kMaxLatencyMs, ms);
    if (l.median > 0 && l.p99 > 0 && l.p99 < l.median)
      return fmt::format("p99_{}_ms: {:g} is below the median {:g}", name, l.p99, l.median);
    return std::nullopt;
  };
  if (auto problem = latency(run.ttft_ms, "ttft")) return problem;
  if (auto problem = latency(run.tpot_ms, "tpot")) return problem;
  if (!std::isfinite(run.requests_per_s) || run.requests_per_s < 0 || run.requests_per_s > limits::kMaxRequestsPerS)
    return fmt::format("requests_per_s: must be above 0 and at most {:g}, not {:g}", limits::kMaxRequestsPerS,
                       run.requests_per_s);
  if (!(run.success_rate > 0 && run.success_rate <= 1))
    return fmt::format("success_rate: must be above 0 and at most 1 (the share of requests that completed), not {:g}",
                       run.success_rate);
  return std::nullopt;
}

double MeasuredRun::mean_depth_tokens() const noexcept {
  return test == RunTest::decode ? static_cast<double>(n_depth) + static_cast<double>(n_gen) / 2.0
                                 : static_cast<double>(n_depth);
}

std::span<const SlugMapping> model_slug_table() noexcept { return kModelSlugs; }

HardwareSlugMatch map_hardware_slug(std::string_view slug, const Catalog& catalog) {
  const HardwareLookup lookup = catalog.look_up_hardware(slug);
  if (lookup.status != NameStatus::found) return {};
  return {lookup.choice.hardware, lookup.choice.count};
}

const ModelSpec* map_model_slug(std::string_view slug, const Catalog& catalog) {
  if (const SlugMapping* entry = find_slug(kModelSlugs, slug)) return catalog.find_model(entry->catalogue_id);
  const ModelLookup lookup = catalog.look_up_model(slug);
  return lookup.status == NameStatus::found ? lookup.choice.model : nullptr;
}

}  // namespace llmfit

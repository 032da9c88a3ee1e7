// Measured runs (runs.hpp): what a run measured, and the names that public benchmark tables and tools
// use for chips and models, mapped to catalogue ids.
// Most public hardware slugs (m2-max-38c, h100-80gb, a100-80gb-sxm, …) are catalogue aliases already;
// this table holds the names that are not, each with the reason the mapping is right.
#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>

#include <fmt/format.h>
#include <string>

#include "llmfit/runs.hpp"

namespace llmfit {
namespace {

constexpr std::array<SlugMapping, 7> kHardwareSlugs{{
    // llama-bench `gpu_info` device names, normalised (lowercase, vendor words dropped, '-' joined).
    {"h100-80gb-hbm3", "h100-sxm", "CUDA device name of the SXM5 board (the PCIe board has HBM2e)"},
    {"a100-sxm4-40gb", "a100-40gb", "CUDA device name of the 40 GB SXM4 board"},
    {"a100-pcie-80gb", "a100-80gb-pcie", "CUDA device name variant of the 80 GB PCIe board"},
    {"rtx-6000-ada-generation", "rtx-6000-ada", "CUDA device name"},
    {"rtx-5000-ada-generation", "rtx-5000-ada", "CUDA device name"},
    {"rtx-4000-ada-generation", "rtx-4000-ada", "CUDA device name"},
    {"rtx-pro-6000-blackwell-workstation-edition", "rtx-pro-6000", "CUDA device name"},
}};

constexpr std::array<SlugMapping, 6> kModelSlugs{{
    // LLaMA 1 has exactly the architecture of Llama 2 at 7B and 13B (Touvron et al. 2023b, table 1:
    // same layers, width, FFN and 32,000-token vocabulary; Llama 2 only doubles the context to 4,096),
    // so weight bytes, KV bytes and FLOPs per token are the same.
    {"llama-7b", "llama-2-7b", "LLaMA 1 7B: same architecture as Llama 2 7B"},
    {"llama-13b", "llama-2-13b", "LLaMA 1 13B: same architecture as Llama 2 13B"},
    // Ollama library names ("llama3.1:8b") become "llama3.1-8b" and are catalogue aliases; these are
    // the spellings that are not.
    {"llama3-8b-instruct", "llama-3-8b", "Ollama tag spelling"},
    {"llama3-70b-instruct", "llama-3-70b", "Ollama tag spelling"},
    {"llama3.1-8b-instruct", "llama-3.1-8b", "Ollama tag spelling"},
    {"llama3.1-70b-instruct", "llama-3.1-70b", "Ollama tag spelling"},
}};

const SlugMapping* find_slug(std::span<const SlugMapping> table, std::string_view slug) {
  const std::string lower = to_lower(slug);
  for (const auto& entry : table)
    if (entry.slug == lower) return &entry;
  return nullptr;
}

/// "-x4" at the end: four devices. Returns 0 when there is no such suffix.
int device_suffix(std::string_view slug, std::string_view& base) {
  const auto dash = slug.rfind("-x");
  if (dash == std::string_view::npos || dash + 2 >= slug.size()) return 0;
  const std::string_view digits = slug.substr(dash + 2);
  int count = 0;
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), count);
  if (error != std::errc() || end != digits.data() + digits.size() || count < 1 || count > 64) return 0;
  base = slug.substr(0, dash);
  return count;
}

}  // namespace

std::string_view to_string(RunTest test) noexcept { return test == RunTest::decode ? "decode" : "prefill"; }

std::optional<std::string> measured_rate_problem(RunTest test, double tok_s) {
  const double high = test == RunTest::decode ? limits::kMaxDecodeTokS : limits::kMaxPrefillTokS;
  if (std::isfinite(tok_s) && tok_s >= limits::kMinMeasuredTokS && tok_s <= high) return std::nullopt;
  return fmt::format("a {} rate must be from {:g} to {:g} tokens/s, not {:g}", to_string(test),
                     limits::kMinMeasuredTokS, high, tok_s);
}

double MeasuredRun::mean_depth_tokens() const noexcept {
  return test == RunTest::decode ? static_cast<double>(n_depth) + static_cast<double>(n_gen) / 2.0
                                 : static_cast<double>(n_depth);
}

std::span<const SlugMapping> hardware_slug_table() noexcept { return kHardwareSlugs; }
std::span<const SlugMapping> model_slug_table() noexcept { return kModelSlugs; }

HardwareSlugMatch map_hardware_slug(std::string_view slug, const Catalog& catalog) {
  HardwareSlugMatch match;
  std::string_view base = slug;
  int count = 1;
  if (const auto colon = slug.find(':'); colon != std::string_view::npos) {
    const std::string_view digits = slug.substr(colon + 1);
    const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), count);
    if (error != std::errc() || end != digits.data() + digits.size() || count < 1 || count > 64) return match;
    base = slug.substr(0, colon);
  }
  auto lookup = [&](std::string_view name) -> const HardwareSpec* {
    if (const SlugMapping* entry = find_slug(kHardwareSlugs, name)) return catalog.find_hardware(entry->catalogue_id);
    return catalog.find_hardware(name);
  };
  const HardwareSpec* hardware = lookup(base);
  if (hardware == nullptr && count == 1) {
    // `-xN` only when the whole slug is not itself a name (no catalogue id ends in -x<digits> today).
    std::string_view stripped;
    if (const int n = device_suffix(base, stripped); n > 0) {
      hardware = lookup(stripped);
      count = n;
    }
  }
  if (hardware == nullptr) return match;
  if (count > 1 && hardware->kind != HardwareKind::gpu) return match;
  match.hardware = hardware;
  match.device_count = count;
  return match;
}

const ModelSpec* map_model_slug(std::string_view slug, const Catalog& catalog) {
  if (const SlugMapping* entry = find_slug(kModelSlugs, slug)) return catalog.find_model(entry->catalogue_id);
  return catalog.find_model(slug);
}

}  // namespace llmfit

#pragma once
/// From names (as typed on a command line) to a resolved scenario and a full answer.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "llmfit/catalog.hpp"
#include "llmfit/efficiency.hpp"
#include "llmfit/predict.hpp"

namespace llmfit {

/// The context when none is given (or the model's maximum when that is smaller), and the prompt.
inline constexpr std::int64_t kDefaultContextTokens = 8192;
inline constexpr std::int64_t kDefaultPromptTokens = 512;

/// What the user asked, by name. Empty names and absent values take defaults; a value that is given is
/// used or refused, never taken as "not given" (a context of 0 is an error, not the default).
struct Query {
  std::string hardware;  // id[:count][@GiB] or a name people write ("RTX 4090"): Catalog::resolve_hardware
  std::string model;     // model[-quant], an Ollama tag, a Hugging Face repo, a file name: Catalog::resolve_model
  std::string backend;   // llama.cpp | mlx | ollama | vllm | transformers; empty = by quant format
  std::string api;       // cuda | metal | vulkan | rocm | sycl | cpu; empty = the chip's first
  std::string host;      // cpu entry for offload; empty = the chip's default host
  std::string kv_type = "f16";
  std::optional<std::int64_t> context_tokens;  // absent: min(8192, model max), widened to a longer prompt
  std::optional<std::int64_t> prompt_tokens;   // absent: min(512, context)
  int batch = 1;
  std::optional<double> memory_gib;           // absent: the chip's default capacity
  std::optional<double> gpu_memory_fraction;  // absent: the macOS rule or the catalogue's
  std::optional<double> host_memory_gib;      // absent: the host entry's default
  std::optional<double> gpu_memory_utilization;  // vLLM: share of each GPU it allocates; absent: 0.9 (engines.hpp)
  bool allow_offload = true;
  std::string fit_margin;  // "5%" (of usable memory) or "1.5" (GB); empty = the default (fit_margin.hpp)
};

/// A safety margin as typed: "8%" (a share of usable memory), "1.5" or "1.5GB" (10^9 bytes), "0" (none); empty
/// = kDefaultFitMargin. Anything else is an InputError naming «fit_margin».
[[nodiscard]] FitMargin parse_fit_margin(std::string_view text);
/// "5% of usable memory or 0.5 GB, whichever is larger", "1.5 GB", "none".
[[nodiscard]] std::string describe_fit_margin(const FitMargin& margin);

/// `query` less the settings that do not apply to `hardware` (a graphics card's host and host RAM on a chip
/// that offloads within its own memory; the unified-memory share elsewhere), with a note for each in
/// `notes`: for a command that asks one question of several machines. One machine refuses them.
[[nodiscard]] Query applicable_to(const Query& query, const HardwareSpec& hardware, std::vector<std::string>& notes);

/// A resolved scenario with the choices made on the user's behalf, spelt out.
struct ResolvedQuery {
  Scenario scenario;
  const ProfileEntry* efficiency = nullptr;
  std::vector<std::string> assumptions;  // "backend llama.cpp (GGUF quantisation)", …
  std::vector<std::string> warnings;
  /// How the names typed were read, when they were not ids ("'RTX 4090' read as rtx-4090 (…)"): hardware, model.
  std::string hardware_reading;
  std::string model_reading;
};

/// Resolves names against the catalogue. Throws InputError (one line, with "did you mean").
[[nodiscard]] ResolvedQuery resolve_query(const Catalog& catalog, const Query& query,
                                          const EfficiencyProfile& profile);

/// A full answer: prediction, context scaling and the notes that explain it.
struct Answer {
  ResolvedQuery resolved;
  Prediction prediction;
  std::vector<ContextPoint> context_scaling;
  ContextPoint full_context;                  // the speed with the prompt filling the whole context
  std::int64_t max_context_with_offload = 0;  // largest context that runs at all (max_context_with_offload)
  PredictionUncertainty uncertainty;  // how sure, and where the figure comes from
  double decode_low_tok_s = 0;  // uncertainty range from the calibration (0 = none)
  double decode_high_tok_s = 0;
  double prefill_low_tok_s = 0;
  double prefill_high_tok_s = 0;
};

[[nodiscard]] Answer answer_query(const Catalog& catalog, const Query& query, const EfficiencyProfile& profile);

/// "rtx-3090", "rtx-3090:2", "m3-ultra@512": how a scenario's hardware is named in tables and JSON, in the
/// grammar the resolver reads (the capacity only when it is not the entry's default).
[[nodiscard]] std::string hardware_label(const Scenario& scenario);
[[nodiscard]] std::string hardware_label(const HardwareSpec& hardware, int count, double memory_gib);
/// Catalogue price of one device with `memory_gib` (0 or the default: price_usd; another capacity: its
/// memory_prices_usd entry); 0 when that capacity has no known price.
[[nodiscard]] double device_price_usd(const HardwareSpec& hardware, double memory_gib) noexcept;
/// Catalogue price of the scenario's devices (count x device_price_usd at its capacity); 0 when unknown.
[[nodiscard]] double scenario_price_usd(const Scenario& scenario) noexcept;
/// Catalogue power of the scenario's devices (count x tdp_w); 0 when not given.
[[nodiscard]] double scenario_power_w(const Scenario& scenario) noexcept;


}  // namespace llmfit

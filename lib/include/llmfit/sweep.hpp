#pragma once
/// Sweeps: every hardware × model × quantisation × context of a catalogue in one call, on all cores.
/// Each point is predict() of one scenario; the work is split statically by index, so the results
/// do not depend on the number of threads.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "llmfit/catalog.hpp"
#include "llmfit/efficiency.hpp"
#include "llmfit/model_terms.hpp"
#include "llmfit/predict.hpp"

namespace llmfit {

/// 16 context lengths from 512 to 262,144 tokens in half-octave steps past 4k (every common
/// maximum context of the shipped models is one of them).
[[nodiscard]] std::vector<std::int64_t> default_sweep_contexts();

struct SweepOptions {
  Backend backend = Backend::llama_cpp;  // quantisations swept: those this engine loads (backend_supports)
  KvCacheType kv_type = KvCacheType::f16;
  int batch = 1;
  /// Each point allocates this much KV cache and prefills a prompt this long, then decodes.
  std::vector<std::int64_t> contexts = default_sweep_contexts();
  /// The catalogue entries swept, by id, in this order; empty = every one (hardware: every one the engine
  /// runs on; quantisations: every one it loads).
  std::vector<std::string> hardware_ids;
  std::vector<std::string> model_ids;
  std::vector<std::string> quant_ids;
};

/// One point of a sweep, 24 bytes and no heap, so millions fit in one allocation.
struct SweepPoint {
  float decode_tok_s = 0;        // per sequence, after `context` tokens of prompt (as if it fit when it does not)
  float prefill_tok_s = 0;       // over a `context`-token prompt
  float ttft_s = 0;              // prefill of that prompt plus the first decoded token
  float total_gb = 0;            // memory the configuration needs at this context, 10^9 bytes
  std::int32_t max_context = 0;  // largest context that fits fully on the accelerator (0: none)
  std::uint8_t verdict_code = static_cast<std::uint8_t>(FitVerdict::does_not_fit);
  std::uint8_t offload_code = static_cast<std::uint8_t>(OffloadKind::none);
  bool in_range = false;   // false: inputs outside the model's range, speeds are 0
  bool evaluated = false;  // false: nothing computed, because the engine has no kernels for the quantisation
                           //   on this chip (backend_can_run) or the context exceeds the model's maximum

  [[nodiscard]] FitVerdict verdict() const noexcept { return static_cast<FitVerdict>(verdict_code); }
  [[nodiscard]] OffloadKind offload() const noexcept { return static_cast<OffloadKind>(offload_code); }
};
static_assert(sizeof(SweepPoint) == 24);

/// Everything a sweep needs, resolved once: the axes, each chip's engine set-up, and the terms of
/// every (model, quantisation).
struct SweepPlan {
  struct HardwareSetup {
    const HardwareSpec* host = nullptr;  // runs offloaded layers (GPUs)
    DeviceApi api = DeviceApi::cpu;
    const EfficiencyConstants* constants = nullptr;  // owned by the profile
  };

  SweepOptions options;
  std::vector<const HardwareSpec*> hardware;
  std::vector<const ModelSpec*> models;
  std::vector<const QuantSpec*> quants;
  std::vector<HardwareSetup> setups;   // one per hardware
  std::vector<ModelQuantTerms> terms;  // [model][quant]

  /// Points: hardware × models × quants × contexts.
  [[nodiscard]] std::size_t size() const noexcept {
    return hardware.size() * models.size() * quants.size() * options.contexts.size();
  }
  /// Position of a point in the results: [hardware][model][quant][context], row-major.
  [[nodiscard]] std::size_t index(std::size_t hardware_index, std::size_t model_index, std::size_t quant_index,
                                  std::size_t context_index) const noexcept {
    return ((hardware_index * models.size() + model_index) * quants.size() + quant_index) * options.contexts.size() +
           context_index;
  }
  /// Points of one hardware entry: models × quants × contexts.
  [[nodiscard]] std::size_t points_per_hardware() const noexcept {
    return models.size() * quants.size() * options.contexts.size();
  }
  /// Whether a point is predicted: the engine has kernels for the quantisation on this chip
  /// (backend_can_run, the rule every command applies) and the context is within the model's maximum.
  /// The others stay SweepPoint{} (evaluated = false) and are not written.
  [[nodiscard]] bool evaluates(std::size_t hardware_index, std::size_t model_index, std::size_t quant_index,
                               std::size_t context_index) const noexcept;
  /// The points evaluates() admits, counted without predicting any.
  [[nodiscard]] std::size_t evaluated_size() const noexcept;
  /// The scenario of a point, as predict() sees it.
  [[nodiscard]] Scenario scenario(std::size_t hardware_index, std::size_t model_index, std::size_t quant_index,
                                  std::size_t context_index) const noexcept;
};

/// Resolves the axes of a sweep over `catalog`: every hardware entry (Apple only for MLX), every model,
/// every quantisation `options.backend` loads, or the entries the options name. Throws InputError for bad
/// options (contexts, batch; an id not in the catalogue, named twice, or that the engine cannot run).
/// The plan points into `catalog` and `profile`, which must outlive it.
[[nodiscard]] SweepPlan plan_sweep(const Catalog& catalog, const EfficiencyProfile& profile, SweepOptions options);

/// Threads a sweep of `points` uses for `requested` threads: 0 = every core when the sweep is large
/// enough to repay starting threads, else one; never more threads than hardware × model blocks.
[[nodiscard]] unsigned sweep_threads(std::size_t points, unsigned requested) noexcept;

/// Evaluates every point of `plan` into `out` (size plan.size()), on `threads` threads (0 = automatic).
/// No allocation besides the threads themselves. Returns the number of threads used.
unsigned run_sweep(const SweepPlan& plan, std::span<SweepPoint> out, unsigned threads = 0);
/// Evaluates the points of the hardware entries [hardware_first, hardware_last) into `out` (size
/// (hardware_last − hardware_first) × points_per_hardware(), in the plan's order): a sweep streamed a
/// block of chips at a time holds one block, not millions of points. Returns the number of threads used.
unsigned run_sweep(const SweepPlan& plan, std::size_t hardware_first, std::size_t hardware_last,
                   std::span<SweepPoint> out, unsigned threads = 0);
/// The same into a new vector (one allocation).
[[nodiscard]] std::vector<SweepPoint> run_sweep(const SweepPlan& plan, unsigned threads = 0);

}  // namespace llmfit

#pragma once
/// Measured runs: what a benchmark measured, mapped to catalogue ids, and the names public tables use
/// for chips and models. The readers of run files are llmfit/io/runs.hpp.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "llmfit/catalog.hpp"
#include "llmfit/efficiency.hpp"
#include "llmfit/predict.hpp"
#include "llmfit/text.hpp"

namespace llmfit {

/// What a run measured: decode (tokens generated one at a time) or prefill (a prompt in batches).
enum class RunTest { decode, prefill };
[[nodiscard]] std::string_view to_string(RunTest test) noexcept;

/// Latencies a serving benchmark reports, in milliseconds; 0 = not stated.
struct LatencyMs {
  double mean = 0;
  double median = 0;
  double p99 = 0;
  [[nodiscard]] bool stated() const noexcept { return mean > 0 || median > 0 || p99 > 0; }
};

/// One measurement, mapped to catalogue ids.
/// Decode: n_gen tokens generated after n_depth tokens already in the KV cache, so the run reads the KV
/// cache of n_depth .. n_depth + n_gen tokens (mean depth n_depth + n_gen / 2).
/// Prefill: n_prompt tokens processed after n_depth tokens already cached.
/// Batched (batch > 1): `batch` sequences at once, each with those token counts; tok_s is the aggregate
/// over all of them (docs/runs-schema.md, "Batched and concurrent runs").
struct MeasuredRun {
  SharedText hardware_id;  // catalogue id
  int device_count = 1;     // identical devices, layer split
  SharedText model_id;     // catalogue id
  SharedText quant_id;     // catalogue id
  Backend backend = Backend::llama_cpp;
  DeviceApi api = DeviceApi::cuda;
  RunTest test = RunTest::decode;
  std::int64_t n_prompt = 0;
  std::int64_t n_gen = 0;
  std::int64_t n_depth = 0;
  double tok_s = 0;          // measured tokens per second
  double stddev_tok_s = 0;   // 0 = not stated
  double weight_bytes = 0;   // bytes of weights as the file states them (llama-bench model_size); 0 = catalogue
  double params = 0;         // parameters as the file states them (model_n_params); 0 = not stated
  KvCacheType kv_type = KvCacheType::f16;
  std::optional<bool> flash_attn;
  int n_ubatch = 0;   // prefill micro-batch tokens (llama-bench n_ubatch); 0 = not stated (engine default)
  int n_threads = 0;  // CPU threads (llama-bench n_threads); 0 = not stated (all cores)
  std::optional<VulkanDriver> vulkan_driver;  // Vulkan runs: the driver, when stated
  SharedText build;   // engine build (commit or number), when stated
  SharedText era;     // year of the engine build the run was measured with ("2024"); empty = unknown
  SharedText source;  // where the measurement was published
  SharedText note;    // anything a reader of the run should know
  // Batched and concurrent runs (llama-batched-bench, vllm bench serve); at batch 1 all keep their defaults.
  int batch = 1;                       // concurrent sequences (parallel slots, vLLM max_concurrency)
  bool shared_prompt = false;          // the sequences share one prompt, prefilled once (batched-bench -pps)
  bool identical_tokens = false;       // every sequence decodes the same token each step (llama-batched-bench)
  bool rate_includes_prefill = false;  // decode tok_s = output tokens / whole benchmark time (vllm bench serve)
  double per_user_decode_tok_s = 0;    // decode tok/s one sequence saw, as stated; 0 = not stated
  LatencyMs ttft_ms;                   // time to first token under this load (closed loop of `batch` users)
  LatencyMs tpot_ms;                   // time per output token after the first
  double requests_per_s = 0;           // completed requests per second; 0 = not stated
  double success_rate = 1;             // share of the requests that completed; 1 when not stated
  SharedText file;    // file it was read from
  std::size_t index = 0;  // record number in that file (0-based; CSV: data row; JSON lines: line)

  /// Mean number of tokens in the KV cache while the measured tokens were processed.
  [[nodiscard]] double mean_depth_tokens() const noexcept;
  /// Context the engine allocated for the test (n_depth + n_prompt + n_gen).
  [[nodiscard]] std::int64_t context_tokens() const noexcept { return n_depth + n_prompt + n_gen; }
};

namespace limits {
/// Measured rates a run may state. Beyond them a figure is a unit or transcription error, not a
/// measurement (no engine decodes 10⁶ tokens/s for one sequence, or prefills 10⁸), and relative errors
/// against it would print as inf or 300-digit percentages.
inline constexpr double kMinMeasuredTokS = 0.01;
inline constexpr double kMaxDecodeTokS = 1e6;
inline constexpr double kMaxPrefillTokS = 1e8;
/// Concurrent sequences a run may state (llama-batched-bench's -npl, vLLM's --max-concurrency).
inline constexpr int kMaxRunBatch = 65536;
/// A serving latency (TTFT, TPOT): above 0, at most a day.
inline constexpr double kMaxLatencyMs = 86'400'000;
/// Completed requests per second.
inline constexpr double kMaxRequestsPerS = 1e6;
}  // namespace limits

/// Why `tok_s` cannot be a measured `test` rate ("must be from 0.01 to 1e+06 tokens/s, not 1e-308"), or none.
[[nodiscard]] std::optional<std::string> measured_rate_problem(RunTest test, double tok_s);

/// Why the batched and serving figures of a run are inconsistent or out of range ("p99_ttft_ms: 12 is below
/// the median 40"), naming the field as the run schema does; none when they are usable. Readers and
/// calibration use it, so a run built in code is held to the same rules as one read from a file.
[[nodiscard]] std::optional<std::string> batched_run_problem(const MeasuredRun& run);

/// A record that was not used, and why.
struct SkippedRun {
  SharedText file;
  std::size_t index = 0;
  std::string reason;
};

// ---------------------------------------------------------------------------------------------
// Names used by public tables, mapped to catalogue ids: the resolver (Catalog::look_up_hardware,
// look_up_model; resolve_names.hpp), and the mappings that are not names of an entry.

/// A public-table slug and the catalogue entry it means.
struct SlugMapping {
  std::string_view slug;
  std::string_view catalogue_id;
  std::string_view note;
};
/// Model slugs of the public tables that name no catalogue entry but one of the same shape (LLaMA 1).
[[nodiscard]] std::span<const SlugMapping> model_slug_table() noexcept;

/// A hardware slug resolved to a catalogue entry and a device count.
struct HardwareSlugMatch {
  const HardwareSpec* hardware = nullptr;
  int device_count = 1;
};
/// Any name the resolver reads (`rtx-4090-x2`, `rtx-4090:2`, "NVIDIA GeForce RTX 4090"). Null hardware
/// when the name means no one catalogue entry (unknown or ambiguous).
[[nodiscard]] HardwareSlugMatch map_hardware_slug(std::string_view slug, const Catalog& catalog);
/// A model slug from the table, or any name the resolver reads (its quantisation ignored). Null when
/// unknown or ambiguous.
[[nodiscard]] const ModelSpec* map_model_slug(std::string_view slug, const Catalog& catalog);

}  // namespace llmfit

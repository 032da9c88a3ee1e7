#pragma once
/// The performance model: pure functions over plain structs, no I/O. Formulas and their sources are
/// in docs/model.md; each function names what it models.
#include <cstdint>
#include <vector>

#include "llmfit/efficiency.hpp"
#include "llmfit/specs.hpp"

namespace llmfit {

enum class KvCacheType { f32, f16, bf16, q8_0, q4_0 };
template <>
struct NameTable<KvCacheType> {  // in the order choices are offered: the default first
  static constexpr std::array<std::pair<KvCacheType, std::string_view>, 5> entries{{{KvCacheType::f16, "f16"},
                                                                                   {KvCacheType::bf16, "bf16"},
                                                                                   {KvCacheType::q8_0, "q8_0"},
                                                                                   {KvCacheType::q4_0, "q4_0"},
                                                                                   {KvCacheType::f32, "f32"}}};
};
[[nodiscard]] constexpr std::string_view to_string(KvCacheType type) noexcept { return enum_name(type); }
[[nodiscard]] inline std::optional<KvCacheType> parse_kv_cache_type(std::string_view text) noexcept {
  return parse_enum_name<KvCacheType>(text);
}
/// parse_kv_cache_type, or InputError "«kv_type»: unknown cache type 'x'; choose one of f16, …".
[[nodiscard]] KvCacheType kv_cache_type_or_throw(std::string_view text);
/// The Vulkan driver a run used (llama-bench's device name says "RADV"; the R9700 toolboxes name it). ggml-vulkan
/// decides per driver which matrix and flash-attention shaders a device runs (docs/model.md, "The Vulkan driver").
/// anv: Mesa's driver for Intel GPUs (Linux); intel-proprietary: Intel's own (Windows).
enum class VulkanDriver { radv, amdvlk, amd_proprietary, anv, intel_proprietary };
template <>
struct NameTable<VulkanDriver> {
  static constexpr std::array<std::pair<VulkanDriver, std::string_view>, 5> entries{
      {{VulkanDriver::radv, "radv"},
       {VulkanDriver::amdvlk, "amdvlk"},
       {VulkanDriver::amd_proprietary, "amd-proprietary"},
       {VulkanDriver::anv, "anv"},
       {VulkanDriver::intel_proprietary, "intel-proprietary"}}};
};
[[nodiscard]] constexpr std::string_view to_string(VulkanDriver driver) noexcept { return enum_name(driver); }
[[nodiscard]] inline std::optional<VulkanDriver> parse_vulkan_driver(std::string_view text) noexcept {
  return parse_enum_name<VulkanDriver>(text);
}
/// Bytes per cached element: ggml block sizes (q8_0: 34 B per 32, q4_0: 18 B per 32).
[[nodiscard]] double kv_bytes_per_element(KvCacheType type) noexcept;

/// Parameter counts derived from the architecture shape (docs/catalogue-schema.md).
struct ParamBreakdown {
  double embedding = 0;          // token embedding matrix
  double output = 0;             // output head (shares storage with the embedding when tied)
  double per_layer_embedding = 0;  // per-layer embedding table (Gemma 3n): row lookups, like the embedding
  double attention = 0;          // all layers (sparse-attention indexers included)
  double dense_ffn = 0;          // all dense FFN layers, plus MoE shared experts, routers, per-layer-input projections
  double routed_experts = 0;     // all routed experts of all MoE layers
  double active_routed_experts = 0;  // routed experts one token uses
  int moe_layers = 0;

  [[nodiscard]] double total() const noexcept {
    return embedding + output + per_layer_embedding + attention + dense_ffn + routed_experts;
  }
  /// Parameters a token uses: the per-layer table is left out like the rows of the embedding it does not look up,
  /// the embedding itself kept as published active counts do (see the catalogue notes).
  [[nodiscard]] double active() const noexcept {
    return embedding + output + attention + dense_ffn + active_routed_experts;
  }
};
[[nodiscard]] ParamBreakdown shape_params(const ModelSpec& model) noexcept;

/// Memory a "fits" verdict keeps free: the larger of a share of usable memory and a fixed amount. The
/// estimate of weights, KV cache and buffers is not exact (allocator granularity, driver and framework
/// allocations it does not count), so a fit with a few MB to spare is not one. llama.cpp's own automatic
/// fitting keeps 1 GiB per device free by default (`--fit-target`, tools/fit-params/README.md).
struct FitMargin {
  double share_of_usable = 0.05;
  double bytes = 0.5e9;
  bool operator==(const FitMargin&) const = default;
};
/// The default: 5 % of usable memory or 0.5 GB, whichever is larger.
inline constexpr FitMargin kDefaultFitMargin{};
/// None: what a runner that loaded the model did (measured runs), not a plan.
inline constexpr FitMargin kNoFitMargin{0, 0};
/// Bytes `margin` keeps free of `available_bytes`.
[[nodiscard]] double fit_margin_bytes(const FitMargin& margin, double available_bytes) noexcept;

/// What one configuration asks of the model.
struct Scenario {
  const HardwareSpec* hardware = nullptr;
  int device_count = 1;                  // identical devices in one box, layer split (llama.cpp default)
  const HardwareSpec* host = nullptr;    // CPU/RAM that runs offloaded layers; null = none
  const ModelSpec* model = nullptr;
  const QuantSpec* quant = nullptr;
  Backend backend = Backend::llama_cpp;
  DeviceApi api = DeviceApi::cuda;
  KvCacheType kv_type = KvCacheType::f16;
  std::int64_t context_tokens = 8192;    // KV cache size allocated (the fit question)
  std::int64_t prompt_tokens = 512;      // prompt for prefill / TTFT; decode is reported after it
  int batch = 1;                         // concurrent sequences
  double memory_gib = 0;                 // per device; 0 = catalogue default
  double gpu_memory_fraction = 0;        // unified memory share usable by the GPU; 0 = rule
  double gpu_memory_utilization = 0;     // share of that the engine allocates (vLLM); 0 = the engine's default
  double host_memory_gib = 0;            // 0 = host's default
  bool allow_offload = true;             // allow CPU layers / experts when the accelerator is full
  FitMargin margin = kDefaultFitMargin;  // kept free by every verdict and layer split
  // Run conditions (measured runs state them; predictions use the engine's current defaults).
  int micro_batch_tokens = 0;            // prefill micro-batch (llama.cpp n_ubatch); 0 = the profile's
  bool flash_attention = true;           // fused attention (llama.cpp -fa auto by default since Aug 2025, PR #15434)
  int cpu_threads = 0;                   // CPU backend threads (llama.cpp -t); 0 = the chip's cpu_cores
  bool identical_batch_tokens = false;   // every sequence decodes the same token (llama-batched-bench): one routing
  int engine_year = 0;                   // year of the engine build a measured run used (its era); 0 = current
  int engine_build = 0;                  // llama.cpp build number (b4384) a measured run states; 0 = not stated
  std::optional<VulkanDriver> vulkan_driver{};  // the Vulkan driver a measured run used; none = not stated
};

/// Distinct routed experts one MoE layer reads in a decode step of `batch` independent tokens: the union under the
/// routers' skew (expected_distinct_experts of expert_routing.hpp at kExpertPopularityExponent) — k at batch 1,
/// fewer than uniform routing's E·(1 − (1 − k/E)^B), toward E as the batch grows. 0 for a dense model.
[[nodiscard]] double expected_distinct_experts(const ModelSpec& model, int batch) noexcept;
/// Distinct routed experts one MoE layer reads in a decode step of the scenario: expected_distinct_experts at
/// its batch, or one token's k when every sequence decodes the same token (identical_batch_tokens).
[[nodiscard]] double step_distinct_experts(const Scenario& scenario) noexcept;

/// Weight bytes of the model in a quantisation.
struct WeightBytes {
  double stored = 0;           // all weights held in memory
  double per_token = 0;        // read for one decode token (active experts, output head)
  double routed_experts = 0;   // stored bytes of routed experts (candidates for expert offload)
  double active_routed = 0;    // per-token bytes of routed experts
  double per_layer = 0;        // stored bytes of one repeating layer (average)
  double non_layer = 0;        // embedding + output head
  double embedding = 0;        // the token embedding as stored (the shared matrix when tied)
  double output_head = 0;      // output head bytes one token reads (the embedding when tied)
  double active_params = 0;    // parameters one token multiplies (FLOPs = 2 x this)
  double active_routed_params = 0;  // of which in routed experts (MoE)
};
[[nodiscard]] WeightBytes weight_bytes(const ModelSpec& model, const QuantSpec& quant) noexcept;

/// What one sequence caches and reads per token of context (docs/model.md, "KV cache"), in cache elements.
struct KvLayout {
  // Held in memory: the layers with a cache of their own (kv_shared_layers hold none).
  double full_elements_per_token = 0;     // all full-attention layers: K and V, or the MLA latent, plus indexer keys
  double sliding_elements_per_token = 0;  // all sliding-window layers: K and V
  double sliding_window_tokens = 0;
  double recurrent_state_bytes = 0;       // f32 state of all recurrent layers (any cache type)
  // Read per decode token: every attention layer reads a cache, its own or a shared one.
  double full_read_elements_per_token = 0;     // K and V (or the latent) of all full-attention layers
  double indexer_read_elements_per_token = 0;  // indexer keys: scored for every cached token
  double sliding_read_elements_per_token = 0;
  double attention_topk_tokens = 0;            // sparse attention: tokens a query reads; 0 = all
};
[[nodiscard]] KvLayout kv_layout(const ModelSpec& model) noexcept;

/// KV cache (and recurrent state) bytes held for one sequence at a context length.
[[nodiscard]] inline double kv_cache_bytes(const KvLayout& kv, double element_bytes, double context_tokens) noexcept {
  if (!(context_tokens > 0)) return 0;
  const double window =  // std::min(context, window) without <algorithm>
      kv.sliding_window_tokens < context_tokens ? kv.sliding_window_tokens : context_tokens;
  return element_bytes * (kv.full_elements_per_token * context_tokens + kv.sliding_elements_per_token * window) +
         kv.recurrent_state_bytes;
}
[[nodiscard]] double kv_cache_bytes(const ModelSpec& model, KvCacheType type, double context_tokens) noexcept;
/// Fixed-size f32 state of all recurrent layers (Gated DeltaNet, Mamba-2, short convolution) for one
/// sequence, whatever the context and the KV cache type (llama.cpp keeps recurrent state in f32).
[[nodiscard]] double recurrent_state_bytes(const ModelSpec& model) noexcept;
/// FLOPs per token of the recurrent layers' state updates and reads, beyond their weights' 2 per parameter
/// (independent of the context: these layers are linear in the tokens).
[[nodiscard]] double recurrent_state_flops_per_token(const ModelSpec& model) noexcept;

/// KV (and recurrent state) bytes one decode token reads at a depth: layers sharing a cache read it too, and a
/// sparse-attention layer reads its top-k tokens plus the indexer keys of all of them.
[[nodiscard]] inline double kv_read_bytes(const KvLayout& kv, double element_bytes, double depth_tokens) noexcept {
  if (!(depth_tokens > 0)) return 0;
  const double window = kv.sliding_window_tokens < depth_tokens ? kv.sliding_window_tokens : depth_tokens;
  const double attended = kv.attention_topk_tokens > 0 && kv.attention_topk_tokens < depth_tokens
                              ? kv.attention_topk_tokens
                              : depth_tokens;
  return element_bytes * (kv.full_read_elements_per_token * attended +
                          kv.indexer_read_elements_per_token * depth_tokens +
                          kv.sliding_read_elements_per_token * window) +
         kv.recurrent_state_bytes;
}
[[nodiscard]] double kv_read_bytes(const ModelSpec& model, KvCacheType type, double depth_tokens) noexcept;

enum class FitVerdict { fits, partial_offload, does_not_fit };
[[nodiscard]] std::string_view to_string(FitVerdict verdict) noexcept;
enum class OffloadKind { none, layers, experts };
[[nodiscard]] std::string_view to_string(OffloadKind kind) noexcept;

struct MemoryFit {
  FitVerdict verdict = FitVerdict::does_not_fit;
  bool fits = false;               // fully on the accelerator
  double weights_bytes = 0;
  double kv_cache_bytes = 0;       // at context_tokens, times batch
  double compute_buffer_bytes = 0;
  double runtime_overhead_bytes = 0;
  double total_bytes = 0;          // sum of the above
  double device_memory_bytes = 0;  // installed on the accelerator(s)
  double available_bytes = 0;      // usable by the accelerator(s)
  double os_reserved_bytes = 0;    // unified memory the OS keeps
  double host_available_bytes = 0; // host RAM usable for offload (0 = none)
  double margin_bytes = 0;         // of available_bytes, kept free (Scenario::margin): fits = total + margin <= available
  OffloadKind offload = OffloadKind::none;
  int gpu_layers = 0;              // layers on the accelerator
  int cpu_layers = 0;              // layers offloaded to the host
  double offloaded_bytes = 0;      // weights held by the host
  std::int64_t max_context = 0;    // largest context that fits fully on the accelerator, margin kept (0: none)
  bool unified_rule_applied = false;  // available came from the macOS wired-memory rule
  bool operator==(const MemoryFit&) const = default;
};

struct Prediction {
  MemoryFit fit;
  double decode_tok_s = 0;             // per sequence, after prompt_tokens of context
  double aggregate_decode_tok_s = 0;   // batch * decode_tok_s
  double prefill_tok_s = 0;            // over prompt_tokens
  double ttft_s = 0;                   // prefill of the prompt plus the first decoded token
  double sustained_decode_tok_s = 0;   // after thermal throttling (= decode when none)
  double throttle_onset_s = 0;         // 0 = no throttling expected / unknown
  bool thermal_data = false;
  double decode_ceiling_tok_s = 0;     // bandwidth roofline: peak BW / bytes per token, no overheads
  double bytes_per_token = 0;          // weights + KV read per decode token (per sequence)
  double decode_seconds_weights = 0;   // time split of one decode token
  double decode_seconds_kv = 0;
  double decode_seconds_overhead = 0;
  double decode_seconds_host = 0;      // offloaded part on the host
  double decode_seconds_compute = 0;   // batched decode: the further sequences' FLOPs (0 at batch 1)
  bool compute_bound_decode = false;
  bool in_range = true;                // false: inputs outside the model's range, numbers not trusted
  bool operator==(const Prediction&) const = default;
};

/// Peak usable memory and other device-level quantities of a scenario.
[[nodiscard]] MemoryFit fit_memory(const Scenario& scenario, const EfficiencyConstants& constants) noexcept;
/// Seconds per decode token with `depth_tokens` already in the KV cache.
[[nodiscard]] double decode_seconds_per_token(const Scenario& scenario, const MemoryFit& fit,
                                              const EfficiencyConstants& constants, double depth_tokens,
                                              Prediction* breakdown = nullptr) noexcept;
/// Does the scenario's prefill attention, with flash attention on, run ggml-cuda's tile kernel on the chip's
/// vector ALUs (at fp32_tflops, vector_flash_attention_compute_efficiency) instead of its MMA kernel on the
/// matrix units? llama.cpp and Ollama on ROCm (HIP) or CUDA, for chips whose entry states fp32_tflops and whose
/// matrix engines the API reaches (else every FLOP runs at vector_compute_efficiency); on AMD's RDNA WMMA when the model's
/// attention is not grouped (heads / KV heads < 2) or its head dimension exceeds 128 (MLA's 576 included); on
/// CDNA's MFMA (HBM parts) when it exceeds 256; on RDNA for every shape in builds before 2026 (engine_year), which
/// had no MMA flash attention for RDNA (PR #18481 added it for RDNA4 in January 2026). NVIDIA from Turing runs the
/// MMA kernel for every head size. ggml-org/llama.cpp, ggml/src/ggml-cuda/fattn.cu,
/// ggml_cuda_get_best_fattn_kernel (docs/model.md). On SYCL every shape in builds before 2027 (engine_year 1-2026):
/// ggml-sycl's flash attention had only its vec and tile kernels until its XMX ones (llama.cpp PRs #25222 and
/// #25025, July 2026; ggml/src/ggml-sycl/fattn.cpp, ggml_sycl_get_best_fattn_kernel).
[[nodiscard]] bool flash_attention_on_vector_units(const Scenario& scenario) noexcept;
/// Which units run a prompt's weight GEMMs, and so which fitted constant prices them (docs/model.md).
enum class PrefillGemmUnits {
  cpu_cores,         // the CPU backend: core cycles per weight and token (cpu_prefill_cycles of the cost family)
  vector_fp32,       // the vector ALUs at fp32_tflops (vector_only_apis; BF16 on Vulkan off NVIDIA)
  matrix_float,      // the matrix engines, float weights through the vendor's BLAS (float_compute_efficiency)
  matrix_quantised,  // the matrix engines, quantised weights through the engine's kernels (compute_efficiency)
};
struct PrefillGemmRate {
  PrefillGemmUnits units = PrefillGemmUnits::matrix_quantised;
  double value = 0;  // the units' share of their peak; on CPU cores the cycles per weight and token
};
/// Whether ggml-cpu repacks a format's weights into interleaved row tiles on a chip's instruction set, so that
/// decode runs the tiles' GEMV instead of the plain blocks' vec_dot (ggml-org/llama.cpp, ggml/src/ggml-cpu/repack.cpp,
/// ggml_repack_get_optimal_repack_type; ggml-cpu-aarch64.cpp in the 2024 builds): Q4_0 as q4_0_8x8 on AVX2 (and
/// AVX-512, which implies it) and q4_0_4x4 / 4x8 on NEON with dotprod (i8mm); IQ4_NL as iq4_nl_4x4 on NEON with
/// dotprod. A chip that states no instruction set repacks nothing. Only in builds that repack at load: from
/// ggml-org/llama.cpp PR #10446 (merged 2024-12-07; online repacking on x86, IQ4_NL tiles) — a 2024 run repacks
/// when it states build b4384 or later (the earliest build in the shipped runs after the merge), a run of 2025 on
/// or of the current engine (engine_year 0) always; earlier runs read the plain blocks.
[[nodiscard]] bool cpu_repacked_at_decode(const QuantSpec& quant, const HardwareSpec& hardware, int engine_year = 0,
                                          int engine_build = 0) noexcept;

/// The ggml-cpu kernel a prompt's weights of one format take on a chip's instruction set (HardwareSpec::cpu_isa) and
/// its cost relative to the cycles of the kernel family it pays (docs/model.md, "CPU prefill kernels per instruction
/// set"). A chip that states no instruction set pays its format's cost family (cpu_cost_family) at factor 1.
struct CpuPrefillCost {
  QuantKernel family = QuantKernel::legacy;  // whose cpu_prefill_cycles it pays
  double factor = 1;                         // times those cycles
};
[[nodiscard]] CpuPrefillCost cpu_prefill_cost(const QuantSpec& quant, const HardwareSpec& hardware) noexcept;
/// Instructions a CPU core spends per int8 dot product of four byte pairs into an int32 lane in the legacy blocks'
/// kernels (ggml-cpu mul_sum_i8_pairs / tinyBLAS updot): one with x86 VNNI (vpdpbusd) or ARM dotprod (sdot), two on
/// AVX2 without VNNI (vpmaddubsw + vpmaddwd). 1 when the chip states no instruction set.
[[nodiscard]] double cpu_int8_dot_instructions(const HardwareSpec& hardware) noexcept;
/// One rule for prefill_seconds and the assumptions an answer prints.
[[nodiscard]] PrefillGemmRate prefill_gemm_rate(const Scenario& scenario, const EfficiencyConstants& constants) noexcept;
/// Speed-up over one device of a layer split's per-layer prompt work: `micro_batches` micro-batches through
/// `devices` devices that each hold an equal share of the layers, at most `in_flight` micro-batches queued ahead on
/// a device (llama.cpp: the scheduler's GGML_SCHED_MAX_COPIES input copies). One micro-batch: 1 (the devices run
/// it in turn); a deep window and many micro-batches: up to `devices`. docs/model.md, "Layer-split pipeline".
[[nodiscard]] double layer_split_pipeline_speedup(int devices, double micro_batches, int in_flight) noexcept;
/// Seconds to prefill `tokens` prompt tokens after `depth_tokens` already cached.
[[nodiscard]] double prefill_seconds(const Scenario& scenario, const MemoryFit& fit,
                                     const EfficiencyConstants& constants, double tokens,
                                     double depth_tokens) noexcept;
/// Fit, decode, prefill, TTFT and sustained speed for one scenario.
[[nodiscard]] Prediction predict(const Scenario& scenario, const EfficiencyConstants& constants) noexcept;

/// A closed loop of concurrent users (as serving benchmarks run: `vllm bench serve --max-concurrency`,
/// llama-server slots): each sends a prompt of `prompt_tokens`, reads `gen_tokens` output tokens, and sends the
/// next. The engine batches up to its scheduler's limit (engines.hpp, scheduled_sequences); the rest queue.
/// docs/model.md, "Concurrent users".
struct ServingLoad {
  int users = 1;                 // concurrent users (the scenario's batch)
  int batch = 1;                 // sequences decoded together: users, at most the engine's scheduler limit
  double step_s = 0;             // one decode step of the whole batch
  double prefill_s = 0;          // one request's prefill
  double per_user_tok_s = 0;     // one user's decode rate (1 / time per output token), others' prefills included
  double aggregate_tok_s = 0;    // output tokens per second over all users, prefill time included
  double requests_per_s = 0;     // completed requests per second
  double ttft_s = 0;             // time to first token under this load (own prefill, one step, queueing)
  double kv_cache_bytes = 0;     // KV cache of the batch at the scenario's context
  double total_bytes = 0;        // memory the batch needs
  bool compute_bound = false;    // the step is set by FLOPs, not memory traffic
  bool fits = false;             // fully on the accelerator
  FitVerdict verdict = FitVerdict::does_not_fit;
  bool in_range = true;
};
/// The closed loop of `scenario.batch` users with `scenario.prompt_tokens` prompts and `gen_tokens` outputs.
/// `gen_tokens` may be infinite (requests that never end: no prefill counted, no queue served). Decode steps
/// run at the mean depth of a request's generation, within the scenario's context.
[[nodiscard]] ServingLoad serve_closed_loop(const Scenario& scenario, const EfficiencyConstants& constants,
                                            double gen_tokens) noexcept;

/// Prompt tokens per generated token when none is stated: the 3:1 input:output blend Artificial Analysis
/// prices hosted models with (https://artificialanalysis.ai/methodology, "blended price"). The request of
/// every serving answer (`scale --batch-sweep`, `recommend --users`, `cost`): a `prompt_tokens` prompt and
/// prompt / ratio generated tokens.
inline constexpr double kDefaultPromptTokensPerOutputToken = 3;
/// The largest prompt-to-output ratio a serving question may state (0 counts no prompts).
inline constexpr double kMaxPromptTokensPerOutputToken = 1e4;
/// Refuses a ratio outside 0 … kMaxPromptTokensPerOutputToken (or not a number), naming the field
/// `prompt_tokens_per_output_token` (`--prompt-ratio` on the command line).
void check_prompt_tokens_per_output_token(double prompt_tokens_per_output_token);
/// Generated tokens per request of a closed loop whose requests bring `prompt_tokens_per_output_token`
/// prompt tokens per generated token: prompt / ratio (infinite for a ratio of 0: prompts not counted).
[[nodiscard]] double output_tokens_per_request(const Scenario& scenario,
                                               double prompt_tokens_per_output_token) noexcept;
/// The serving answer of every command (scale --batch-sweep, recommend --users, cost): the closed loop of
/// `scenario.batch` users, each request a `scenario.prompt_tokens` prompt with prompt / ratio output tokens.
[[nodiscard]] ServingLoad serve_users(const Scenario& scenario, const EfficiencyConstants& constants,
                                      double prompt_tokens_per_output_token = kDefaultPromptTokensPerOutputToken) noexcept;

/// The speed at one prompt length, by the one definition every output uses: predict() of the scenario with
/// that prompt, in the scenario's KV cache (widened to the prompt when the prompt is longer).
struct ContextPoint {
  std::int64_t context = 0;    // prompt length: the depth decode starts at and the prefill TTFT counts
  std::int64_t kv_tokens = 0;  // KV cache allocated: max(scenario context, context)
  double decode_tok_s = 0;     // per sequence; 0 when it does not fit at all
  double ttft_s = 0;           // prefill of the prompt plus the first decoded token; 0 when it does not fit
  bool fits = false;           // fully on the accelerator
  FitVerdict verdict = FitVerdict::does_not_fit;
};
/// `scenario` with a `prompt`-token prompt, its context widened to hold it.
[[nodiscard]] Scenario at_prompt(const Scenario& scenario, std::int64_t prompt) noexcept;
/// The speed at one prompt length (ContextPoint); predict(at_prompt(scenario, prompt)).
[[nodiscard]] ContextPoint speed_at_prompt(const Scenario& scenario, const EfficiencyConstants& constants,
                                           std::int64_t prompt);
/// The speed over prompt lengths: the ladder of 512, 1k, 2k, … up to the model's maximum, with the
/// scenario's own prompt and context among them.
[[nodiscard]] std::vector<ContextPoint> context_scaling(const Scenario& scenario,
                                                        const EfficiencyConstants& constants);
/// The default context ladder: powers of two from 512 to max_context (and max_context itself).
[[nodiscard]] std::vector<std::int64_t> context_ladder(std::int64_t max_context);
/// The largest context that runs at all (fully, or with CPU offload when the scenario allows it), margin
/// kept; 0 when none does. MemoryFit::max_context is the largest fully on the accelerator.
[[nodiscard]] std::int64_t max_context_with_offload(const Scenario& scenario, const EfficiencyConstants& constants);

/// Usable share of unified memory for the GPU: macOS lets Metal wire about 2/3 of RAM up to 36 GiB
/// and 3/4 above (recommendedMaxWorkingSetSize); other unified chips use their catalogue fraction.
[[nodiscard]] double unified_gpu_fraction(const HardwareSpec& hardware, double memory_gib) noexcept;

}  // namespace llmfit

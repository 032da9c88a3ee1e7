#pragma once
/// The inference engines and the only copy of their rules: what each loads, where it runs, which one
/// a scenario gets by default, which device API it drives, and why it cannot run a combination.
/// Every command, the sweep, the run readers and the calibration ask these functions.
#include <array>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "llmfit/names.hpp"
#include "llmfit/specs.hpp"

namespace llmfit {

enum class Backend { llama_cpp, mlx, ollama, vllm, transformers };
template <>
struct NameTable<Backend> {
  static constexpr std::array<std::pair<Backend, std::string_view>, 5> entries{{{Backend::llama_cpp, "llama.cpp"},
                                                                               {Backend::mlx, "mlx"},
                                                                               {Backend::ollama, "ollama"},
                                                                               {Backend::vllm, "vllm"},
                                                                               {Backend::transformers, "transformers"}}};
};
[[nodiscard]] constexpr std::string_view to_string(Backend backend) noexcept { return enum_name(backend); }
/// An engine's name, or a spelling people use for it (llamacpp, llama-cpp, mlx-lm, hf, huggingface).
[[nodiscard]] std::optional<Backend> parse_backend(std::string_view text) noexcept;
/// parse_backend, or InputError "«backend»: unknown engine 'x' (did you mean 'y'?); choose one of …".
[[nodiscard]] Backend backend_or_throw(std::string_view text);

/// Can this engine load weights in this format? llama.cpp and Ollama: GGUF (ternary TQ types: llama.cpp
/// only); MLX: MLX quantisations and 16-bit safetensors; vLLM: safetensors and GGUF but TQ; transformers:
/// safetensors but NVFP4.
[[nodiscard]] bool backend_supports(Backend backend, const QuantSpec& quant) noexcept;
/// Can the engine run on this hardware at all? MLX needs Apple Silicon (Metal); vLLM needs a CUDA or
/// ROCm GPU (it has no Metal backend, and the catalogue's cpu entries are for llama.cpp-style engines).
[[nodiscard]] bool backend_runs_on(Backend backend, const HardwareSpec& hardware) noexcept;
/// Both, and the format's kernels exist on the hardware: NVFP4 needs CUDA, ternary TQ types a CPU host.
[[nodiscard]] bool backend_can_run(Backend backend, const QuantSpec& quant, const HardwareSpec& hardware) noexcept;

/// The engine a scenario gets when none is named: from the weights' format (GGUF → llama.cpp, MLX →
/// mlx, safetensors → vLLM, or mlx for 16-bit weights on Apple Silicon).
[[nodiscard]] Backend default_backend(const QuantSpec& quant, const HardwareSpec& hardware) noexcept;
/// The engine that runs `quant` on `hardware`: `named`, else the default one.
[[nodiscard]] Backend chosen_backend(std::optional<Backend> named, const QuantSpec& quant,
                                     const HardwareSpec& hardware) noexcept;
/// The device API an engine drives on a chip when none is named: Metal for MLX, else the chip's first.
[[nodiscard]] DeviceApi default_api(Backend backend, const HardwareSpec& hardware) noexcept;
/// Does the engine drive this device API? vLLM: CUDA and ROCm; MLX: Metal; llama.cpp, Ollama and
/// transformers: any the chip has.
[[nodiscard]] bool backend_drives(Backend backend, DeviceApi api) noexcept;

/// Can the engine keep part of a model in host memory when the accelerator is full? llama.cpp and Ollama
/// (-ngl, --n-cpu-moe), transformers (accelerate's device map) and MLX (unified memory the GPU may not
/// wire) can; vLLM cannot (it holds every weight on the GPUs).
[[nodiscard]] bool backend_offloads(Backend backend) noexcept;
/// Does the engine split a model over the GPUs of one box by tensor parallelism (every matrix and the KV heads
/// divided over them, all streaming at once: vLLM's --tensor-parallel-size) rather than by layers (each device
/// its own layers in turn: llama.cpp's default --split-mode layer, Ollama, transformers' device map)?
[[nodiscard]] bool splits_by_tensor(Backend backend) noexcept;
/// Does a layer split over several devices pipeline a prompt's micro-batches (one device on the next micro-batch
/// while the next device runs this one: llama.cpp's scheduler with more than one copy of its inputs)? llama.cpp
/// enables it only when every device's backend offers async compute and events (llama_context's
/// `pipeline_parallel`, src/llama-context.cpp); ggml-vulkan has offered events since llama.cpp PR #18047 (21 Dec
/// 2025; ggml-org/ggml 2ac2227a, src/ggml-vulkan/ggml-vulkan.cpp, `ggml_backend_vk_event_record`), so Vulkan builds
/// of 2025 and before (engine_year 1-2025) run the devices' layers in turn, micro-batch after micro-batch. Vulkan
/// builds of 2026 and current ones (engine_year 0) pipeline, as the other llama.cpp backends do. Engines that split
/// by tensor (splits_by_tensor) have no pipeline: false.
[[nodiscard]] bool pipelines_layer_split(Backend backend, DeviceApi api, int engine_year) noexcept;
/// Do the engine's CUDA prefill GEMMs of quantised weights run at the consumer SM's rate per SM and clock, whatever
/// the datasheet peak? llama.cpp and Ollama (MMQ's warp-level mma.sync tiles; docs/model.md "Prefill on CUDA: the
/// SM roof"). Float weights, vLLM and transformers run the vendors' GEMM libraries.
[[nodiscard]] bool prefill_runs_at_sm_rate(Backend backend) noexcept;
/// The most rows (tokens sharing one weight matrix in a decode step) the engine's matrix-vector kernels take;
/// past it the step runs its matrix-matrix kernels (docs/model.md, "Batched decode"): llama.cpp and Ollama on
/// CUDA (MMVQ up to MMVQ_MAX_BATCH_SIZE = 8 rows, ggml-cuda/mmvq.cuh; MMQ beyond, ggml_cuda_should_use_mmq) and
/// on Metal (mul_mv / mul_mv_ext up to ne11_mm_min = 8 rows, mul_mm above, ggml-metal-ops.cpp; builds before 2025
/// ran mul_mm from 2 rows: ne11_mm_min = 1 in ggml-metal.m until the small-batch kernels of llama.cpp PR #10581,
/// Dec 2024). engine_year: the build's year (0: unknown, taken as current). 0: one kernel family at every batch
/// (no switch modelled: the other engines and APIs).
[[nodiscard]] int batched_matvec_max_rows(Backend backend, DeviceApi api, int engine_year) noexcept;
/// The same for the routed experts' product (MoE, mul_mat_id), which llama.cpp dispatches on the step's tokens
/// with its own limits: on CUDA, builds before 2026 (engine_year 1-2025) ran one token through the vector kernel
/// and two or more through MMQ (ggml_cuda_mul_mat_id, `ne2 == 1`, ggml-cuda.cu at ggml 82b8e269, the sync of
/// llama.cpp b6918's month); since llama/18958 (Feb 2026) MMVQ takes up to MMVQ_MAX_BATCH_SIZE = 8 tokens
/// (get_mmvq_mmid_max_batch, mmvq.cu), which current builds (engine_year 0) get. On Metal mul_mv_id takes fewer
/// than ne21_mm_id_min = 32 tokens and mul_mm_id the rest (ggml_metal_op_mul_mat_id, ggml-metal-ops.cpp). 0: no
/// switch (as batched_matvec_max_rows).
[[nodiscard]] int batched_expert_matvec_max_rows(Backend backend, DeviceApi api, int engine_year) noexcept;
/// Whether the engine launches a batched decode step's kernels one by one while a single-token step replays them
/// as one CUDA graph: llama.cpp's CUDA backend from CUDA graphs (PR #6766, May 2024) until llama/19645 (17 Feb
/// 2026) turned graphs off for any step with more than one token (ggml_cuda_graph_check_compability /
/// check_node_graph_compatibility: an ADD whose second operand has more than one row, the residual adds of every
/// model, and MUL_MAT_ID with more than one token; ggml-cuda.cu at ggml 82b8e269 and 23c1635e). engine_year: the
/// build's year, 2024 and 2025 (0, current builds, capture batched steps too).
[[nodiscard]] bool batched_steps_launch_without_graphs(Backend backend, DeviceApi api, int engine_year) noexcept;
/// What llama.cpp's graph of a Gated DeltaNet token mixer (Qwen3-Next, Qwen3.5: linear_attention_layers) costs beyond
/// an ordinary attention mixer's, in the builds that composed the gated delta rule from generic ops: those of 2025
/// (engine_year 1-2025; src/models/qwen3next.cpp of llama.cpp PR #16095, merged Nov 2025). Later builds run the rule
/// as one fused op (GGML_OP_GATED_DELTA_NET, src/models/delta-net-base.cpp): no extra kernels there, and engines
/// other than llama.cpp are not modelled (zero). Counts from the graph code, docs/model.md "Gated DeltaNet layers in
/// llama.cpp builds of 2025".
struct DeltaNetGraphCost {
  /// Extra kernels of one layer's mixer at a step of `step_tokens` tokens per sequence, in units of a whole ordinary
  /// layer's kernels: the unit the per-layer fixed costs (layer_overhead_us, prefill_layer_overhead_us) are fitted in.
  double extra_layers = 0;
  /// Extra passes (reads or writes) over the layer's recurrent state matrix per decode step, beyond the one read
  /// kv_read_bytes counts.
  double extra_state_passes = 0;
};
[[nodiscard]] DeltaNetGraphCost delta_net_graph_cost(Backend backend, int engine_year, double step_tokens) noexcept;
/// The most sequences the engine decodes at once, or 0 for no fixed limit. llama.cpp (and Ollama, built on it)
/// refuses more than LLAMA_MAX_SEQ = 256 parallel sequences (src/llama-cparams.h; "n_seq_max must be <= 256").
[[nodiscard]] int sequence_limit(Backend backend) noexcept;
/// Throws InputError naming the field `name` («batch», «max_batch») when `sequences` is below 1 or above the
/// engine's sequence_limit.
void require_sequences(Backend backend, int sequences, std::string_view name);
/// The sequences the engine's scheduler batches by default; requests beyond them wait in its queue. vLLM's
/// max_num_seqs: 1024 on a GPU of 70 GiB or more that is not an A100, else 256 (vllm/engine/arg_utils.py,
/// get_batch_defaults); other engines batch every sequence up to their limit (0: no limit).
[[nodiscard]] int scheduled_sequences(Backend backend, const HardwareSpec& hardware, double memory_gib) noexcept;
/// Share of each GPU's memory the engine allocates for weights, activations and its KV cache: vLLM's
/// gpu_memory_utilization, 0.9 by default (docs.vllm.ai, engine arguments), which sizes the paged KV cache and
/// so the concurrency that fits; 1 for engines that allocate as they go.
[[nodiscard]] double default_memory_utilization(Backend backend) noexcept;
/// Why the engine cannot split `model` over `devices` identical GPUs in one box, or "" when it can.
/// llama.cpp, Ollama and transformers split by layers; vLLM by tensor parallelism, so the attention heads
/// must divide over the GPUs, and the KV heads too (or the GPUs over the KV heads, which it replicates).
[[nodiscard]] std::string multi_device_problem(Backend backend, const ModelSpec& model, int devices);

/// What the default engine depends on beyond the weights' format.
struct EngineSituation {
  const HardwareSpec* hardware = nullptr;
  const ModelSpec* model = nullptr;
  int devices = 1;               // identical GPUs in one box
  int concurrent_sequences = 1;  // more than one: serving several users
  std::optional<DeviceApi> api;  // a device API that was named
};

/// The engine a scenario gets when none is named, the weights it runs and why.
struct EngineChoice {
  Backend backend = Backend::llama_cpp;
  const QuantSpec* quant = nullptr;
  std::string reason;  // for the assumptions: "llama.cpp: the engine for GGUF weights"
};

/// Does `engine` hold the whole model on the accelerator with `quant`? (scenario.cpp asks the memory model.)
using FitsFully = std::function<bool(Backend engine, const QuantSpec& quant)>;

/// The engine a person with this machine and these weights would run, when none is named:
/// - GGUF weights: llama.cpp; MLX weights: mlx; 16-bit safetensors on Apple Silicon: mlx.
/// - The model's default release in safetensors (gpt-oss's MXFP4) with a GGUF build of it (`gguf_build`,
///   null when the quantisation was named or there is none): one sequence runs the GGUF build in
///   llama.cpp (what single users run: llama.cpp, Ollama, LM Studio; on a DGX Spark it also decodes
///   gpt-oss-120b faster than vLLM); several sequences run the release in vLLM, unless vLLM cannot run
///   here (no CUDA, ROCm or SYCL; another device API named), cannot split the model over the GPUs, or would need
///   offload, which it does not do: then the GGUF build in llama.cpp.
/// - Other safetensors weights: vLLM (the caller refuses what it cannot do, naming why).
[[nodiscard]] EngineChoice default_engine(const EngineSituation& situation, const QuantSpec& weights,
                                          const QuantSpec* gguf_build, const FitsFully& fits_fully);

/// Throws InputError when the engine cannot load `quant` ("«backend» vllm cannot load MLX 4-bit (mlx
/// format); use …").
void require_loads(Backend backend, const QuantSpec& quant);
/// Throws InputError when the engine does not run on `hardware`. `defaulted_for` is the quantisation
/// whose format chose the engine, or null when the engine was named.
void require_runs_on(Backend backend, const HardwareSpec& hardware, const QuantSpec* defaulted_for);

/// A quantisation that the engine loads, for a message: "a GGUF quantisation such as -q4_k_m".
[[nodiscard]] std::string_view quant_suggestion(Backend backend) noexcept;

/// Whether the engine's prompt graph reserves one row of logits per micro-batch token (llama.cpp and
/// Ollama: llama-context.cpp sched_reserve reserves n_outputs = n_tokens) rather than one per sequence
/// (vLLM, transformers and MLX compute logits only for each sequence's last token).
[[nodiscard]] bool reserves_logits_per_token(Backend backend) noexcept;

}  // namespace llmfit

// The engines' rules (engines.hpp).
#include "llmfit/engines.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "llmfit/errors.hpp"

namespace llmfit {

std::optional<Backend> parse_backend(std::string_view text) noexcept {
  const std::string lower = to_lower(text);
  if (lower == "llamacpp" || lower == "llama-cpp" || lower == "llama_cpp") return Backend::llama_cpp;
  if (lower == "mlx-lm" || lower == "mlx_lm") return Backend::mlx;
  if (lower == "hf" || lower == "huggingface") return Backend::transformers;
  return parse_enum_name<Backend>(lower);
}

Backend backend_or_throw(std::string_view text) {
  if (const auto backend = parse_backend(text)) return *backend;
  throw InputError(field("backend") + ": unknown engine '" + std::string(text.substr(0, 60)) + "'" +
                   did_you_mean(closest_matches(text, enum_names<Backend>(), 1)) + "; choose one of " +
                   enum_choices<Backend>());
}

bool backend_supports(Backend backend, const QuantSpec& quant) noexcept {
  // Ternary TQ1_0/TQ2_0 kernels are llama.cpp's own (ggml-quants, llama.cpp #8151); vLLM's GGUF loader and
  // Ollama are not modelled with them.
  const bool ternary = quant.kernel == QuantKernel::ternary;
  switch (backend) {
    case Backend::llama_cpp: return quant.format == QuantFormat::gguf;
    case Backend::ollama: return quant.format == QuantFormat::gguf && !ternary;
    case Backend::mlx:
      return quant.format == QuantFormat::mlx ||
             (quant.format == QuantFormat::safetensors && quant.kernel == QuantKernel::float_);
    case Backend::vllm:
      return quant.format == QuantFormat::safetensors || (quant.format == QuantFormat::gguf && !ternary);
    case Backend::transformers:
      // transformers' NVFP4 kernel needs a Blackwell GPU (compute capability >= 10.0), which the catalogue does
      // not record (huggingface.co/docs/transformers/quantization/nvfp4).
      return quant.format == QuantFormat::safetensors && quant.kernel != QuantKernel::nvfp4;
  }
  return false;
}

bool backend_runs_on(Backend backend, const HardwareSpec& hardware) noexcept {
  const bool apple = hardware.vendor == "apple";
  switch (backend) {
    case Backend::mlx: return apple;
    case Backend::vllm:
      return !apple && hardware.kind != HardwareKind::cpu &&
             std::any_of(hardware.apis.begin(), hardware.apis.end(),
                         [](DeviceApi api) { return backend_drives(Backend::vllm, api); });
    case Backend::llama_cpp:
    case Backend::ollama:
    case Backend::transformers: return true;
  }
  return false;
}

bool backend_can_run(Backend backend, const QuantSpec& quant, const HardwareSpec& hardware) noexcept {
  if (!backend_supports(backend, quant) || !backend_runs_on(backend, hardware)) return false;
  switch (quant.kernel) {
    // NVFP4 runs through CUDA only: natively (W4A4) on Blackwell, weight-only through vLLM's FP4 Marlin kernel
    // on earlier NVIDIA GPUs (llm-compressor's NVFP4 example: "< SM100 ... only weight-only quantization").
    case QuantKernel::nvfp4:
      return std::find(hardware.apis.begin(), hardware.apis.end(), DeviceApi::cuda) != hardware.apis.end();
    // TQ1_0 has CPU kernels only (no CUDA, Metal or Vulkan mat-vec): on a GPU llama.cpp would run those
    // matmuls on the host, which the accelerator model does not describe.
    case QuantKernel::ternary: return hardware.kind == HardwareKind::cpu;
    default: return true;
  }
}

Backend default_backend(const QuantSpec& quant, const HardwareSpec& hardware) noexcept {
  switch (quant.format) {
    case QuantFormat::mlx: return Backend::mlx;
    case QuantFormat::gguf: return Backend::llama_cpp;
    case QuantFormat::safetensors:
      return hardware.vendor == "apple" && quant.kernel == QuantKernel::float_ ? Backend::mlx : Backend::vllm;
  }
  return Backend::llama_cpp;
}

Backend chosen_backend(std::optional<Backend> named, const QuantSpec& quant, const HardwareSpec& hardware) noexcept {
  return named ? *named : default_backend(quant, hardware);
}

DeviceApi default_api(Backend backend, const HardwareSpec& hardware) noexcept {
  if (backend == Backend::mlx) return DeviceApi::metal;
  return hardware.apis.empty() ? DeviceApi::cpu : hardware.apis.front();
}

bool backend_drives(Backend backend, DeviceApi api) noexcept {
  switch (backend) {
    // CUDA, ROCm, and SYCL through its Intel XPU backend (docs.vllm.ai, GPU installation: Intel XPU).
    case Backend::vllm: return api == DeviceApi::cuda || api == DeviceApi::rocm || api == DeviceApi::sycl;
    case Backend::mlx: return api == DeviceApi::metal;
    case Backend::llama_cpp:
    case Backend::ollama:
    case Backend::transformers: return true;
  }
  return false;
}

bool backend_offloads(Backend backend) noexcept { return backend != Backend::vllm; }

bool splits_by_tensor(Backend backend) noexcept { return backend == Backend::vllm; }

bool pipelines_layer_split(Backend backend, DeviceApi api, int engine_year) noexcept {
  if (splits_by_tensor(backend)) return false;
  constexpr int kFirstYearOfVulkanEvents = 2026;  // llama.cpp PR #18047, 21 Dec 2025: a few 2025 builds had them
  const bool llama_kernels = backend == Backend::llama_cpp || backend == Backend::ollama;
  return !(llama_kernels && api == DeviceApi::vulkan && engine_year > 0 && engine_year < kFirstYearOfVulkanEvents);
}

bool prefill_runs_at_sm_rate(Backend backend) noexcept {
  return backend == Backend::llama_cpp || backend == Backend::ollama;
}

int batched_matvec_max_rows(Backend backend, DeviceApi api, int engine_year) noexcept {
  const bool llama_kernels = backend == Backend::llama_cpp || backend == Backend::ollama;
  if (!llama_kernels || (api != DeviceApi::cuda && api != DeviceApi::metal)) return 0;
  constexpr int kFirstYearOfMetalSmallBatchKernels = 2025;  // llama.cpp PR #10581 (Dec 2024): ne11_mm_min 1 -> 8
  if (api == DeviceApi::metal && engine_year > 0 && engine_year < kFirstYearOfMetalSmallBatchKernels) return 1;
  return 8;
}

int batched_expert_matvec_max_rows(Backend backend, DeviceApi api, int engine_year) noexcept {
  if (backend != Backend::llama_cpp && backend != Backend::ollama) return 0;
  constexpr int kFirstYearOfMmvqForExperts = 2026;  // llama/18958, 3 Feb 2026
  constexpr int kMetalExpertMatrixMinTokens = 32;   // ne21_mm_id_min
  if (api == DeviceApi::cuda) return engine_year > 0 && engine_year < kFirstYearOfMmvqForExperts ? 1 : 8;
  if (api == DeviceApi::metal) return kMetalExpertMatrixMinTokens - 1;
  return 0;
}

bool batched_steps_launch_without_graphs(Backend backend, DeviceApi api, int engine_year) noexcept {
  if ((backend != Backend::llama_cpp && backend != Backend::ollama) || api != DeviceApi::cuda) return false;
  constexpr int kFirstYearOfCudaGraphs = 2024;            // llama.cpp PR #6766 (May 2024): single-token steps
  constexpr int kFirstYearOfBatchedCudaGraphs = 2026;     // llama/19645 (17 Feb 2026): every batch size
  return engine_year >= kFirstYearOfCudaGraphs && engine_year < kFirstYearOfBatchedCudaGraphs;
}

DeltaNetGraphCost delta_net_graph_cost(Backend backend, int engine_year, double step_tokens) noexcept {
  constexpr int kFirstYearOfFusedDeltaNet = 2026;  // GGML_OP_GATED_DELTA_NET (delta-net-base.cpp, 2026 builds)
  if (backend != Backend::llama_cpp || engine_year <= 0 || engine_year >= kFirstYearOfFusedDeltaNet) return {};
  // Kernels (graph nodes that launch work; views, reshapes, permutes and transposes launch none), counted in
  // llama.cpp's graph code. An ordinary layer (llm_build_llama with flash attention): attention norm (rms_norm,
  // mul), q, k, v, rope × 2, K and V copies into the cache, flash attention and its output copy, wo, residual add,
  // FFN norm (2), gate, up, silu, mul, down, residual add: 21. Its attention mixer, the part a DeltaNet mixer
  // replaces: q, k, v, rope × 2, two cache copies, flash attention and its copy, wo: 10.
  constexpr double kLayerKernels = 21;
  constexpr double kAttentionMixerKernels = 10;
  // qwen3next.cpp (PR #16095), build_layer_attn_linear around the delta rule: ssm_in and beta/alpha projections (2),
  // beta and alpha conts (2), alpha bias add, softplus, gate mul (3), q/k/v flattening conts (3), conv state read
  // (build_rs, 1), two concats of q, k, v (2), concat with the conv state (1), conv state write (1), ssm_conv, its
  // transpose cont, silu, cont back (4), q/k/v/beta cont_4d (4), recurrent state read (build_rs, 1), q and k
  // repeats to the value heads (2), output cont and state write (2), output and z cont_2d (2), gated norm
  // (rms_norm, mul, silu, mul: 4), ssm_out and its cont (2): 37.
  constexpr double kMixerKernels = 37;
  // build_delta_net_autoregressive (one token): l2 norms of q and k (2), scale, sigmoid, exp (3), state × decay,
  // state × k, cont, sum_rows, sub, × beta, repeat of k, × delta, add, state × q, cont, sum_rows, concat: 18.
  constexpr double kDecodeRuleKernels = 18;
  // build_delta_net_chunking: 44 kernels once (l2 norms, scale, sigmoid, 5 permute conts, 5 pads, the cumsum and decay
  // mask, k·k_betaᵀ, solve_tri and the masks around it, the within-chunk products) and 33 more per 64-token chunk
  // of the loop that carries the state from chunk to chunk (7 chunk conts, 5 mul_mats, the decay exps, subs, muls
  // and adds, the output concat).
  constexpr double kPrefillRuleKernels = 44;
  constexpr double kPrefillKernelsPerChunk = 33;
  constexpr double kChunkTokens = 64;  // CHUNK_SIZE
  // The decode rule passes over the S × S state matrix 24 times (the state read and write copies, × decay, × k,
  // the transposing cont and its sum, the repeated k, × delta, the add, × q, its cont and sum, the concat of output
  // and state, and its copy back): 23 beyond the read counted with the cache.
  constexpr double kDecodeStatePasses = 24;
  const bool one_token = !(step_tokens > 1);
  const double rule = one_token ? kDecodeRuleKernels
                                : kPrefillRuleKernels + kPrefillKernelsPerChunk * std::ceil(step_tokens / kChunkTokens);
  return {(kMixerKernels + rule - kAttentionMixerKernels) / kLayerKernels, one_token ? kDecodeStatePasses - 1 : 0.0};
}

int sequence_limit(Backend backend) noexcept {
  return backend == Backend::llama_cpp || backend == Backend::ollama ? 256 : 0;
}

void require_sequences(Backend backend, int sequences, std::string_view name) {
  if (sequences < 1) throw InputError(fmt::format("{}: {} sequences; at least 1", field(name), sequences));
  if (const int limit = sequence_limit(backend); limit > 0 && sequences > limit)
    throw InputError(fmt::format("{}: {} sequences is above {}'s limit of {} parallel sequences (LLAMA_MAX_SEQ)",
                                 field(name), sequences, to_string(backend), limit));
}

int scheduled_sequences(Backend backend, const HardwareSpec& hardware, double memory_gib) noexcept {
  if (backend != Backend::vllm) return sequence_limit(backend);
  const bool a100 = hardware.id.find("a100") != std::string::npos;
  return memory_gib >= 70 && !a100 ? 1024 : 256;
}

double default_memory_utilization(Backend backend) noexcept { return backend == Backend::vllm ? 0.9 : 1.0; }

std::string multi_device_problem(Backend backend, const ModelSpec& model, int devices) {
  if (devices <= 1 || backend != Backend::vllm) return {};
  // vLLM's QKVParallelLinear (vllm/model_executor/layers/linear.py) divides the query heads by the
  // tensor-parallel size, and the KV heads too, or replicates them when there are more GPUs than KV heads.
  const int heads = model.attention_heads;
  const int kv = model.kv_heads;
  if (heads % devices != 0)
    return fmt::format("vLLM splits a model over GPUs by tensor parallelism, and {}'s {} attention heads do not "
                       "divide over {} GPUs",
                       model.id, heads, devices);
  if (kv > 0 && (devices >= kv ? devices % kv != 0 : kv % devices != 0))
    return fmt::format("vLLM splits a model over GPUs by tensor parallelism, and {}'s {} KV heads do not divide over "
                       "{} GPUs",
                       model.id, kv, devices);
  return {};
}

EngineChoice default_engine(const EngineSituation& situation, const QuantSpec& weights, const QuantSpec* gguf_build,
                            const FitsFully& fits_fully) {
  const HardwareSpec& hw = *situation.hardware;
  const Backend by_format = default_backend(weights, hw);
  if (weights.format != QuantFormat::safetensors || by_format != Backend::vllm)
    return {by_format, &weights,
            fmt::format("the engine for {} weights",
                        weights.format == QuantFormat::safetensors ? "16-bit safetensors on Apple Silicon"
                                                                   : std::string(to_string(weights.format)))};
  if (gguf_build == nullptr)
    return {Backend::vllm, &weights, fmt::format("the engine that serves {} safetensors weights", weights.name)};

  if (situation.concurrent_sequences <= 1)
    return {Backend::llama_cpp, gguf_build,
            fmt::format("one user: the GGUF build, as single users run it (llama.cpp, Ollama, LM Studio); vLLM "
                        "serves the safetensors release to several ({} above 1)",
                        field("batch"))};
  std::string problem;
  if (!backend_runs_on(Backend::vllm, hw)) {
    problem = fmt::format("vLLM does not run on {}", hw.id);
  } else if (situation.api && !backend_drives(Backend::vllm, *situation.api)) {
    problem = fmt::format("vLLM does not drive {}", to_string(*situation.api));
  } else if (std::string split = multi_device_problem(Backend::vllm, *situation.model, situation.devices);
             !split.empty()) {
    problem = std::move(split);
  } else if (fits_fully && !fits_fully(Backend::vllm, weights)) {
    problem = "vLLM does not offload to the CPU, and the release does not fit in the accelerator's memory";
  }
  if (problem.empty())
    return {Backend::vllm, &weights,
            fmt::format("it serves the {} release to {} concurrent sequences", weights.name,
                        situation.concurrent_sequences)};
  return {Backend::llama_cpp, gguf_build, problem + ": the GGUF build instead"};
}

std::string_view quant_suggestion(Backend backend) noexcept {
  switch (backend) {
    case Backend::mlx: return "an MLX quantisation such as -mlx-4bit";
    case Backend::llama_cpp:
    case Backend::ollama: return "a GGUF quantisation such as -q4_k_m";
    case Backend::vllm: return "a safetensors quantisation such as -awq-4bit, -fp8 or -bf16";
    case Backend::transformers: return "a safetensors quantisation such as -awq-4bit";
  }
  return "another quantisation";
}

void require_loads(Backend backend, const QuantSpec& quant) {
  if (backend_supports(backend, quant)) return;
  throw InputError(fmt::format("{} {} cannot load {} ({} format); use {}", field("backend"), to_string(backend),
                               quant.name, to_string(quant.format), quant_suggestion(backend)));
}

void require_runs_on(Backend backend, const HardwareSpec& hw, const QuantSpec* defaulted_for) {
  if (backend_runs_on(backend, hw)) return;
  const bool apple = hw.vendor == "apple";
  if (backend == Backend::mlx)
    throw InputError(
        fmt::format("{} mlx runs on Apple Silicon only; '{}' is {} hardware", field("backend"), hw.id, hw.vendor));
  throw InputError(fmt::format(
      "{}vLLM runs on CUDA, ROCm and SYCL GPUs only and '{}' is {}; use llama.cpp with a GGUF quantisation "
      "(-q4_k_m){}",
      defaulted_for != nullptr ? fmt::format("{} weights default to vLLM, but ", defaulted_for->name)
                               : field("backend") + " vllm: ",
      hw.id,
      apple                              ? "Apple Silicon (Metal)"
      : hw.kind == HardwareKind::cpu     ? "a CPU entry"
                                         : "a GPU with none of them",
      apple ? std::string(" or mlx with an MLX one (-mlx-4bit)") : " or " + field("backend") + " transformers"));
}

bool reserves_logits_per_token(Backend backend) noexcept {
  return backend == Backend::llama_cpp || backend == Backend::ollama;
}

}  // namespace llmfit

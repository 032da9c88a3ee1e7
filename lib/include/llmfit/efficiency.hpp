#pragma once
/// The few efficiency constants that turn datasheet figures into real speed, per engine (engines.hpp),
/// device API, hardware class and engine era.
#include <algorithm>
#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "llmfit/engines.hpp"
#include "llmfit/specs.hpp"

namespace llmfit {

inline constexpr std::array<QuantKernel, 11> kAllQuantKernels = {
    QuantKernel::legacy, QuantKernel::k_quant, QuantKernel::i_quant, QuantKernel::float_, QuantKernel::mlx,
    QuantKernel::fp8,    QuantKernel::mxfp4,   QuantKernel::awq,     QuantKernel::gptq,   QuantKernel::nvfp4,
    QuantKernel::ternary};

/// The constants of the speed model for one engine on one class of hardware.
/// Decode: seconds per token = weight_bytes / (weight_bw_eff * kernel_eff * BW)
///                           + kv_bytes / (kv_bw_eff * BW) + layers * layer_overhead
///                           + moe_layers * experts_per_token * expert_overhead + token_overhead.
/// A batch of B sequences reads the weights once per step and adds (B − 1) sequences' compute at
/// batch_compute_efficiency, or batch_gemm_compute_efficiency past the engine's matrix-vector kernels
/// (docs/model.md, "Batched decode").
struct EfficiencyConstants {
  double weight_bandwidth_efficiency = 0.75;  // achieved share of peak bandwidth streaming weights
  /// Relative bandwidth efficiency of each quantisation kernel family (index: QuantKernel).
  std::array<double, kAllQuantKernels.size()> kernel_efficiency = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
  double kv_bandwidth_efficiency = 0.6;  // reading the KV cache (attention kernels)
  double layer_overhead_us = 30;         // fixed time per layer per token: launches, synchronisation
  double expert_overhead_us = 0;         // per active routed expert per MoE layer per token
  double token_overhead_us = 200;        // per token: sampling, graph set-up, host round trip
  /// Tensor parallelism (vLLM over several GPUs): latency of one all-reduce of a step's activations. Each layer
  /// runs two (after attention and after the MLP: Megatron-LM, Shoeybi et al. 2019, arXiv:1909.08053 §3).
  double tp_allreduce_us = 0;
  double compute_efficiency = 0.5;       // prefill: achieved share of the tensor peak on weight GEMMs
  /// Batched decode: share of the tensor peak each further sequence's FLOPs (2 per active weight, plus
  /// attention) run at in the batched matrix-vector / small-GEMM kernels, dequantisation included. The first
  /// sequence's compute hides under the weight stream (it is in the bandwidth efficiency), so batch 1 never
  /// reads this constant.
  double batch_compute_efficiency = 0.1;
  /// ... the same once a weight matrix sees more rows than the engine's matrix-vector kernels take
  /// (batched_matvec_max_rows, engines.hpp): llama.cpp's MMQ tiles on CUDA, mul_mm on Metal. Engines with one
  /// kernel family at every batch never read it.
  double batch_gemm_compute_efficiency = 0.3;
  /// Batched decode of an MoE model once its routed experts' product runs in the engine's expert tiles
  /// (batched_expert_matvec_max_rows, engines.hpp: llama.cpp's MMQ with expert ids on CUDA, mul_mm_id on Metal):
  /// the share of peak bandwidth those tiles stream the routed experts' weights at, in place of the weight
  /// stream's share (few tokens per expert fill few tiles). Engines without the switch never read it.
  double expert_gemm_bandwidth_efficiency = 0.3;
  /// Batched decode past the engine's matrix-vector rows (batched_matvec_max_rows): the share of peak bandwidth the
  /// matrix-matrix tiles (MMQ, mul_mm) stream the weights at, in place of the kernel family's decode share (the
  /// tiles stage each weight block through shared memory and wait on it; the routed experts in their own tiles keep
  /// expert_gemm_bandwidth_efficiency). Engines without the switch and steps below it never read it.
  double batch_gemm_bandwidth_efficiency = 0.75;
  /// Batched decode on an engine that replays a single-token step as one CUDA graph but launches a batched
  /// step's kernels one by one (batched_steps_launch_without_graphs, engines.hpp): the extra cost per layer per
  /// step. Not fitted (the batched runs of one chip cannot tell it from the per-sequence shares): the difference
  /// of the fitted per-layer costs of llama.cpp CUDA builds without graphs and with them (docs/calibration.md).
  double graphless_layer_overhead_us = 0;
  /// Prefill attention (QK^T, softmax, ·V over the cached context): achieved share of the tensor peak.
  /// Without flash attention the score matrix goes through memory, so it runs far below the GEMMs.
  double attention_compute_efficiency = 0.5;
  /// The same with flash attention (a run condition: llama-bench `fa`): the fused kernel keeps the score
  /// matrix on chip, so attention runs near the GEMM rate instead of through memory.
  double flash_attention_compute_efficiency = 0.5;
  /// The same when ggml-cuda's flash attention runs its tile kernel on the vector ALUs rather than its MMA kernel
  /// on the matrix units, or ggml-sycl's its vec and tile kernels before it had XMX ones
  /// (flash_attention_on_vector_units, predict.hpp): achieved share of the vector FP32 peak (fp32_tflops).
  double vector_flash_attention_compute_efficiency = 0.5;
  double prefill_layer_overhead_us = 100;  // per layer per micro-batch during prefill
  /// Prefill of quantised weights: bytes moved per micro-batch to dequantise them for the GEMM, in stored
  /// weight bytes per pass (llama.cpp's cuBLAS path before MMQ, mid-2024: read q, write and read F16, about
  /// (q + 4)/q ≈ 8 for 4-bit). 0 = kernels read quantised weights in place (MMQ, MLX, Marlin).
  double prefill_dequant_passes = 0;
  /// CPU backends: core cycles (at 128-bit SIMD) to dequantise and multiply one weight in decode, on top of
  /// streaming it (a per-core compute roof: time = weights · cycles / (threads · clock · simd_bits/128)).
  double cpu_cycles_per_weight = 0;
  /// ... of a format ggml-cpu repacks into interleaved row tiles on the chip's instruction set (predict.hpp,
  /// cpu_repacked_at_decode: Q4_0 on AVX2 and on NEON with dotprod, IQ4_NL on NEON with dotprod). Its decode runs
  /// the tiles' GEMV: one activation block, one scale conversion and one horizontal sum serve 4-8 weight rows, where
  /// the plain blocks' vec_dot pays them per row and block of 32. Replaces cpu_cycles(legacy) for those formats.
  double cpu_repacked_cycles_per_weight = 0;
  /// ... and per multiply-accumulate of decode attention over the KV cache (QKᵀ and ·V; CPU attention runs
  /// far below the weights' GEMV rate).
  double cpu_attention_cycles_per_mac = 0;
  /// ... the same with flash attention on (a run condition: llama-bench `fa`). llama.cpp's CPU flash-attention
  /// kernel walks the cache one row at a time per head, which at decode runs slower than the two GEMVs (and
  /// streams the cache once per query head: predict.cpp, cpu_kv_streams).
  double cpu_flash_attention_cycles_per_mac = 0;
  /// CPU backends, prefill: core cycles (128-bit SIMD) per multiply-add of attention over the cache and the prompt,
  /// without flash attention (the KQ and KQV products as matrix products over the micro-batch, and the separate
  /// softmax pass over every score). Replaces the attention shares of the tensor peak on CPU cores, which are the
  /// GPUs' and must not be what a CPU without depth runs borrows.
  double cpu_prefill_attention_cycles_per_mac = 0;
  /// ... with flash attention on: llama.cpp's CPU kernel runs one query row at a time over the whole cache
  /// (ggml_compute_forward_flash_attn_ext_f16), the decode kernel once per prompt token and head.
  double cpu_prefill_flash_attention_cycles_per_mac = 0;
  /// CPU backends: the bandwidth one thread streams (GB/s), what its core keeps in flight over the memory
  /// latency (Little's law); few threads (llama-bench `n_threads`) cannot reach the chip's bandwidth.
  /// 0 = no per-thread limit.
  double cpu_thread_bandwidth_gb_s = 0;
  double host_bandwidth_efficiency = 0.6;  // CPU-offloaded layers or experts, share of host BW
  double runtime_overhead_gib = 0.35;      // engine context, allocator slack (per device)
  /// Prefill GEMMs of float weights (F16, BF16, F32): achieved share of the tensor peak. Quantised weights go
  /// through their own kernels (llama.cpp's MMQ); float ones through the API's BLAS, which on RDNA has no BF16
  /// matrix-core path in llama.cpp (ROCm or Vulkan) and falls far below the quantised rate.
  double float_compute_efficiency = 0.5;
  /// ... of the routed experts of an MoE model with float experts. llama.cpp's mul_mat_id has a fused kernel
  /// for quantised experts (MMQ with expert ids) but, for float ones beyond a few tokens, copies the expert ids
  /// to the host and runs one BLAS GEMM per expert over its ubatch·k/E routed rows (ggml-cuda.cu,
  /// ggml_cuda_mul_mat_id; docs/model.md): small GEMMs far below the dense float rate.
  double float_expert_compute_efficiency = 0.5;
  /// Prefill on the vector ALUs, not the matrix engines (GEMMs of vector_only_apis and of BF16 on Vulkan off
  /// NVIDIA; attention on Vulkan off NVIDIA: predict.cpp): achieved share of the vector FP32 peak (fp32_tflops),
  /// whatever the weight type. llama.cpp's shaders there are the same FP32 kernels.
  double vector_compute_efficiency = 0.5;
  /// Quantised weight GEMMs of llama.cpp's Vulkan backend on AMD's RDNA and Intel's Xe2, which track the vector FP32
  /// peak rather than the matrix figure (integer-dot MMQ without cooperative matrices, dequantise-to-coopmat with them:
  /// predict.cpp, vulkan_quantised_gemms_track_vector_peak): achieved share of fp32_tflops. May pass 100 % (int8
  /// dot products run at several times the FP32 rate).
  double vector_quantised_compute_efficiency = 0.5;
  /// Decode attention on the vector ALUs (flash attention on Vulkan off NVIDIA: ggml-vulkan runs one query row on
  /// its scalar shader, predict.cpp): achieved share of the vector FP32 peak (fp32_tflops) of the attention FLOPs
  /// over the cached context, a compute cost beside streaming the KV cache.
  double vector_decode_attention_efficiency = 0.5;
  /// Prompt attention on ggml-vulkan's scalar flash-attention shader (FA_SCALAR), which an AMD GPU runs for prompts
  /// where its driver gives ggml no cooperative matrices (AMDVLK on RDNA 4: predict.cpp,
  /// vulkan_prompt_flash_attention_scalar): achieved share of the vector FP32 peak (fp32_tflops). Without runs of
  /// that path it is the decode shader's share (vector_decode_attention_efficiency: the same shader, one row) for
  /// each of a prompt block's rows, at most the coopmat path's (scalar_flash_attention_share_from_decode).
  double scalar_flash_attention_compute_efficiency = 0.5;
  /// Decode of BF16 routed experts on Vulkan, which ggml-vulkan multiplies in its matrix-matrix matmul_id shader
  /// (no matrix-vector path for BF16 experts: predict.cpp): achieved share of peak bandwidth streaming them.
  double matmul_id_decode_bandwidth_efficiency = 0.5;
  /// Decode of the K-quant super-blocks below 4 bits (Q2_K, Q3_K) on a GPU: vector-ALU operations per weight their
  /// matrix-vector kernels spend unpacking it that do not hide under the weight stream (predict.cpp,
  /// low_bit_kquant_unpack_on_vector_units), at the vector FP32 peak (fp32_tflops). 0 = the unpack hides, as the
  /// other formats' does.
  double low_bit_kquant_unpack_ops_per_weight = 0;
  /// Decode on an Intel GPU through ggml-vulkan's integer-dot matrix-vector shaders (MMVQ), which it runs there in
  /// one-subgroup workgroups of one row (predict.cpp, vulkan_intel_integer_dot_matvec): cost per layer per token,
  /// beyond the weight stream. 0 = none (every other chip, API and format).
  double mmvq_layer_overhead_us = 0;
  int micro_batch_tokens = 512;            // prefill micro-batch (llama.cpp n_ubatch)
  /// CPU backends: cycles per decoded weight of each quantisation kernel family relative to
  /// cpu_cycles_per_weight (index: QuantKernel). Q8_0 and repacked Q4_0 are integer dot products; K- and
  /// I-quants unpack sub-block scales or look up a codebook first; F16/BF16 convert unless the ISA has it.
  std::array<double, kAllQuantKernels.size()> cpu_kernel_cycles = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
  /// CPU backends, prefill: core cycles (128-bit SIMD) per weight and prompt token of each kernel family. The
  /// formats without a GEMM kernel (K- and I-quants) dot each weight row with each token in turn, unpacking
  /// it every time; the others run near the FP32 FMA peak (2 FLOP per weight at 16 FLOP per cycle = 0.125).
  /// Replaces compute_efficiency for the weights of a run on CPU cores.
  std::array<double, kAllQuantKernels.size()> cpu_prefill_cycles = {0.25, 0.25, 0.25, 0.25, 0.25, 0.25,
                                                                    0.25, 0.25, 0.25, 0.25, 0.25};

  [[nodiscard]] double kernel(QuantKernel k) const noexcept {
    return kernel_efficiency[static_cast<std::size_t>(k)];
  }
  /// Core cycles (128-bit SIMD) to dequantise and multiply one weight of kernel family k on a CPU backend.
  [[nodiscard]] double cpu_cycles(QuantKernel k) const noexcept {
    return cpu_cycles_per_weight * cpu_kernel_cycles[static_cast<std::size_t>(k)];
  }
};

/// The kernel family whose CPU cost (cpu_kernel_cycles, cpu_prefill_cycles) a format pays on CPU cores. The
/// I-quants are two kinds of kernel there: below 4 bits (IQ1-IQ3) each index picks an 8-weight vector from a
/// lattice codebook of 256-2048 entries (ggml-common.h iq2xxs_grid … iq3s_grid), a table gather per 8 weights;
/// at 4 bits (IQ4_NL, IQ4_XS) it picks one of 16 values (kvalues_iq4nl), which one register shuffle decodes as
/// a plain 4-bit block is. So IQ4_NL (blocks of 32 with one scale, as Q4_0) costs as the legacy blocks, IQ4_XS
/// (super-blocks of 256 with 6-bit sub-block scales, as Q4_K) as the K-quants; every other format as its kernel.
/// The bits are the base block's (block_bytes, block_weights) where stated: a file's tensor mix moves its
/// average, not the kernel its blocks take.
[[nodiscard]] constexpr QuantKernel cpu_cost_family(const QuantSpec& q) noexcept {
  const bool block_known = q.block_bytes > 0 && q.block_weights > 0;
  const double block_bits = block_known ? 8.0 * q.block_bytes / q.block_weights : q.bits_per_weight;
  if (q.kernel != QuantKernel::i_quant || block_bits < 4) return q.kernel;
  return q.block_weights == 32 ? QuantKernel::legacy : QuantKernel::k_quant;
}

/// The constants as profiles name them, with the range a profile may set: one list for the profile reader
/// and writer and the generator of the compiled-in profile. kernel_efficiency, cpu_kernel_cycles and
/// cpu_prefill_cycles (one value per kernel family, by its name) and micro_batch_tokens (a whole number) are the constants outside it.
/// Query rows one workgroup of ggml-vulkan's scalar flash-attention shader (FA_SCALAR) holds for a prompt, against
/// one at decode: get_fa_tuning_params_scalar gives block_rows 1 for one row and 8 past 8 rows for head sizes up to
/// 128 on a discrete AMD card (ggml-org/ggml @ d99724f, src/ggml-vulkan/ggml-vulkan.cpp). Each workgroup walks its
/// KV head's context once whatever its rows, so the K and V loads, their conversion and the softmax's per-column
/// work are shared by the rows, and the shader's FLOPs per walked element grow with them.
inline constexpr double kVulkanScalarPromptBlockRows = 8;

/// The share of the vector FP32 peak prompts reach on Vulkan's scalar flash-attention shader where no prompt of that
/// path was measured: the decode shader's share (one row a workgroup: vector_decode_attention_efficiency) for each
/// of the prompt block's rows, at most the flash-attention shaders' share of the vector peak
/// (vector_flash_attention_compute_efficiency).
[[nodiscard]] constexpr double scalar_flash_attention_share_from_decode(double vector_decode_attention_efficiency,
                                                                        double vector_flash_attention_efficiency) noexcept {
  return std::min(vector_decode_attention_efficiency * kVulkanScalarPromptBlockRows, vector_flash_attention_efficiency);
}

struct ConstantField {
  std::string_view name;
  double EfficiencyConstants::*member;
  double low;
  double high;
};
// Sized by its initialiser (std::to_array): adding a field never needs a count edited elsewhere.
inline constexpr auto kConstantFields = std::to_array<ConstantField>({
    {"weight_bandwidth_efficiency", &EfficiencyConstants::weight_bandwidth_efficiency, 0.01, 1.5},
    {"kv_bandwidth_efficiency", &EfficiencyConstants::kv_bandwidth_efficiency, 0.01, 1.5},
    {"layer_overhead_us", &EfficiencyConstants::layer_overhead_us, 0, 1e5},
    {"expert_overhead_us", &EfficiencyConstants::expert_overhead_us, 0, 1e5},
    {"token_overhead_us", &EfficiencyConstants::token_overhead_us, 0, 1e7},
    {"tp_allreduce_us", &EfficiencyConstants::tp_allreduce_us, 0, 1e5},
    {"compute_efficiency", &EfficiencyConstants::compute_efficiency, 0.001, 1.5},
    {"batch_compute_efficiency", &EfficiencyConstants::batch_compute_efficiency, 0.001, 1.5},
    {"batch_gemm_compute_efficiency", &EfficiencyConstants::batch_gemm_compute_efficiency, 0.001, 1.5},
    {"expert_gemm_bandwidth_efficiency", &EfficiencyConstants::expert_gemm_bandwidth_efficiency, 0.01, 1.5},
    {"batch_gemm_bandwidth_efficiency", &EfficiencyConstants::batch_gemm_bandwidth_efficiency, 0.01, 1.5},
    {"graphless_layer_overhead_us", &EfficiencyConstants::graphless_layer_overhead_us, 0, 1e5},
    {"attention_compute_efficiency", &EfficiencyConstants::attention_compute_efficiency, 0.001, 1.5},
    {"flash_attention_compute_efficiency", &EfficiencyConstants::flash_attention_compute_efficiency, 0.001, 1.5},
    {"cpu_cycles_per_weight", &EfficiencyConstants::cpu_cycles_per_weight, 0, 1000},
    {"cpu_repacked_cycles_per_weight", &EfficiencyConstants::cpu_repacked_cycles_per_weight, 0, 1000},
    {"cpu_attention_cycles_per_mac", &EfficiencyConstants::cpu_attention_cycles_per_mac, 0, 1000},
    {"cpu_flash_attention_cycles_per_mac", &EfficiencyConstants::cpu_flash_attention_cycles_per_mac, 0, 1000},
    {"cpu_thread_bandwidth_gb_s", &EfficiencyConstants::cpu_thread_bandwidth_gb_s, 0, 1e4},
    {"cpu_prefill_attention_cycles_per_mac", &EfficiencyConstants::cpu_prefill_attention_cycles_per_mac, 0, 1000},
    {"cpu_prefill_flash_attention_cycles_per_mac", &EfficiencyConstants::cpu_prefill_flash_attention_cycles_per_mac,
     0, 1000},
    {"prefill_layer_overhead_us", &EfficiencyConstants::prefill_layer_overhead_us, 0, 1e6},
    {"prefill_dequant_passes", &EfficiencyConstants::prefill_dequant_passes, 0, 100},
    {"host_bandwidth_efficiency", &EfficiencyConstants::host_bandwidth_efficiency, 0.01, 1.5},
    {"runtime_overhead_gib", &EfficiencyConstants::runtime_overhead_gib, 0, 1000},
    {"float_compute_efficiency", &EfficiencyConstants::float_compute_efficiency, 0.001, 1.5},
    {"float_expert_compute_efficiency", &EfficiencyConstants::float_expert_compute_efficiency, 0.001, 1.5},
    {"vector_compute_efficiency", &EfficiencyConstants::vector_compute_efficiency, 0.001, 1.5},
    {"vector_quantised_compute_efficiency", &EfficiencyConstants::vector_quantised_compute_efficiency, 0.001, 1.5},
    {"vector_flash_attention_compute_efficiency", &EfficiencyConstants::vector_flash_attention_compute_efficiency,
     0.001, 1.5},
    {"vector_decode_attention_efficiency", &EfficiencyConstants::vector_decode_attention_efficiency, 0.001, 1.5},
    {"scalar_flash_attention_compute_efficiency", &EfficiencyConstants::scalar_flash_attention_compute_efficiency,
     0.001, 1.5},
    {"matmul_id_decode_bandwidth_efficiency", &EfficiencyConstants::matmul_id_decode_bandwidth_efficiency, 0.01, 1.5},
    {"low_bit_kquant_unpack_ops_per_weight", &EfficiencyConstants::low_bit_kquant_unpack_ops_per_weight, 0, 1e4},
    {"mmvq_layer_overhead_us", &EfficiencyConstants::mmvq_layer_overhead_us, 0, 1e5},
});
inline constexpr std::pair<double, double> kKernelEfficiencyRange{0.01, 2};
inline constexpr std::pair<double, double> kCpuKernelCyclesRange{0, 100};  // also cpu_prefill_cycles
inline constexpr std::pair<int, int> kMicroBatchTokensRange{1, 1 << 20};

/// Relative standard errors from a calibration fit, used to draw uncertainty ranges.
struct EfficiencyUncertainty {
  bool known = false;
  double decode_relative_error = 0;   // cross-validated typical relative error of decode tok/s
  double prefill_relative_error = 0;  // same for prefill
  /// Where the figures come from, in words: "leave-one-hardware-out, 432 decode and 340 prefill runs on 16
  /// chips". Empty in profiles written before it was kept.
  std::string basis;
};

/// One profile entry: constants for a backend, optionally narrowed to a device API and a hardware
/// class. Lookup takes the most specific entry that matches.
struct ProfileEntry {
  Backend backend = Backend::llama_cpp;
  std::optional<DeviceApi> api;
  std::optional<HardwareClass> hardware_class;
  EfficiencyConstants constants;
  EfficiencyUncertainty uncertainty;
  int fitted_runs = 0;  // 0 = literature default
  std::string note;
  std::string era;  // engine era these constants describe ("2024"); empty = current engines
  /// GPU generation these constants describe (HardwareSpec::gpu_family, "apple7"), below the hardware class: fitted
  /// from that generation's runs, shrunk toward the class. Empty = every chip of the class.
  std::string gpu_family;
};

struct EfficiencyProfile {
  std::string name;
  std::string source;
  std::vector<ProfileEntry> entries;
  /// How far predictions miss a group the profile has no runs for (literature constants): the
  /// leave-one-class-out error of the fit that made the profile. Unknown for the literature defaults.
  EfficiencyUncertainty unmeasured;

  /// The most specific current (untagged) entry for (backend, api, class) and, when the chip states one, its GPU
  /// generation (HardwareSpec::gpu_family; a generation without an entry gets the class's); falls back to the
  /// literature defaults.
  [[nodiscard]] const ProfileEntry& lookup(Backend backend, DeviceApi api, HardwareClass hw_class,
                                           std::string_view gpu_family = {}) const;
  /// The entry predictions on `hardware` use: its class and its GPU generation.
  [[nodiscard]] const ProfileEntry& lookup(Backend backend, DeviceApi api, const HardwareSpec& hardware) const {
    return lookup(backend, api, hardware_class(hardware), hardware.gpu_family);
  }
  /// As lookup, but prefers an entry fitted to runs of an older engine era (measured runs say which
  /// era they come from); an empty era, or one without an entry, is the current entry.
  [[nodiscard]] const ProfileEntry& lookup_era(Backend backend, DeviceApi api, HardwareClass hw_class,
                                               std::string_view era, std::string_view gpu_family = {}) const;
};

/// The one field name, in every tool's JSON and CSV rows, of the runs a prediction's efficiency constants were
/// fitted to: 0 marks a row that rests on no measured runs (literature constants).
inline constexpr std::string_view kMeasuredRunsField = "measured_runs";

/// How sure a prediction made with a profile entry is, and why, for people and programs alike.
struct PredictionUncertainty {
  int measured_runs = 0;  // runs the entry's constants were fitted to; 0 = literature constants
  bool known = false;     // a range can be drawn
  double decode_relative_error = 0;
  double prefill_relative_error = 0;
  /// "leave-one-hardware-out, …" or "no measured runs for llama.cpp · vulkan · nvidia-consumer: literature
  /// constants, typically ±45 % decode, ±120 % prefill (leave-one-class-out)".
  std::string basis;
};
/// The uncertainty of predictions with `entry` (the one `profile.lookup` chose for the group given): the
/// entry's own cross-validated figure when it rests on runs, else the profile's figure for groups without runs.
[[nodiscard]] PredictionUncertainty prediction_uncertainty(const EfficiencyProfile& profile, const ProfileEntry& entry,
                                                           Backend backend, DeviceApi api, HardwareClass hw_class);

/// Literature-based defaults, one entry per backend (see docs/model.md for the sources).
[[nodiscard]] const EfficiencyProfile& default_efficiency_profile();

}  // namespace llmfit

#include "llmfit/efficiency.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>

namespace llmfit {
namespace {

std::size_t kernel_index(QuantKernel kernel) { return static_cast<std::size_t>(kernel); }

// Literature-based starting points, replaced by fitted values where a calibration profile has data
// (docs/model.md lists the measurements each number comes from).
EfficiencyConstants llama_cpp_defaults() {
  EfficiencyConstants k;
  // llama.cpp matrix-vector kernels reach 75-90 % of peak DRAM bandwidth on large models
  // (llama.cpp discussions #4167 and #15013: Llama 2 7B Q4_0 tg128 against the chips' peak bandwidth).
  k.weight_bandwidth_efficiency = 0.82;
  k.kernel_efficiency[kernel_index(QuantKernel::legacy)] = 1.0;
  k.kernel_efficiency[kernel_index(QuantKernel::k_quant)] = 0.90;  // super-block dequantisation costs
  k.kernel_efficiency[kernel_index(QuantKernel::i_quant)] = 0.80;  // codebook lookups
  k.kernel_efficiency[kernel_index(QuantKernel::float_)] = 0.95;
  k.kernel_efficiency[kernel_index(QuantKernel::mxfp4)] = 0.90;
  // TQ1_0/TQ2_0 on the CPU (llama.cpp #8151, TriLM 3.9B tg128, 12 threads): bytes read per second are
  // 35.6 GiB/s (TQ1_0) and 36.6 GiB/s (TQ2_0) against 38.1 GiB/s for Q4_0 on the same machine.
  k.kernel_efficiency[kernel_index(QuantKernel::ternary)] = 0.93;
  k.kv_bandwidth_efficiency = 0.55;
  k.layer_overhead_us = 30;  // CUDA graphs era; 1B vs 8B on H100 is ~3.5x, not 8x
  k.expert_overhead_us = 4;
  k.token_overhead_us = 150;
  k.compute_efficiency = 0.45;
  // Batched decode in the matrix-vector kernels (MMVQ, Metal's mul_mv_ext: up to 8 rows): a tenth of the tensor
  // peak, the prior issue 21's H200 figure gave the whole curve before the kernel switch was modelled (Llama
  // 3.1 8B Q4_K_M at ~4,300 tok/s aggregate with 64 sequences, not the ~13,000 the bandwidth alone allows).
  k.batch_compute_efficiency = 0.1;
  // Past 8 rows the MMQ tiles (CUDA) and mul_mm (Metal) take the batch. The same H200 figure is at B = 64, in
  // this regime: its prior is the tenth that reproduces it.
  k.batch_gemm_compute_efficiency = 0.1;
  // MoE steps whose routed experts run in MMQ's expert tiles (2025 CUDA builds: from 2 tokens): no literature
  // figure; the weight stream's share, as for the dense tiles below. (It was a third while the DGX Spark's random
  // token runs were read as one token's experts; with the union a batch reads, their fit puts it at its bound:
  // docs/calibration.md, "Distinct experts of a batch".)
  k.expert_gemm_bandwidth_efficiency = k.weight_bandwidth_efficiency;
  // The dense weights in the matrix-matrix tiles at batched decode: no literature figure; the weight stream's share.
  k.batch_gemm_bandwidth_efficiency = k.weight_bandwidth_efficiency;
  k.attention_compute_efficiency = k.compute_efficiency;
  k.flash_attention_compute_efficiency = k.compute_efficiency;  // fused: attention near the GEMM rate
  k.vector_flash_attention_compute_efficiency = k.compute_efficiency;  // ... of the vector peak on the tile kernel
  k.float_compute_efficiency = k.compute_efficiency;
  k.float_expert_compute_efficiency = k.float_compute_efficiency;
  k.vector_compute_efficiency = k.compute_efficiency;
  k.vector_quantised_compute_efficiency = k.compute_efficiency;
  // Decode attention on the vector ALUs (Vulkan off NVIDIA): no literature figure; the GEMM share, of the vector peak.
  k.vector_decode_attention_efficiency = k.compute_efficiency;
  // Prompts on the scalar flash-attention shader (Vulkan without cooperative matrices): the decode shader's share per
  // row of the prompt's block, at most the flash-attention shaders' share on the vector ALUs (calibrate.cpp,
  // constants_of).
  k.scalar_flash_attention_compute_efficiency =
      scalar_flash_attention_share_from_decode(k.vector_decode_attention_efficiency,
                                               k.vector_flash_attention_compute_efficiency);
  // BF16 experts through the matrix-matrix shader at decode (Vulkan): no literature figure; the weights' share.
  k.matmul_id_decode_bandwidth_efficiency = k.weight_bandwidth_efficiency;
  // The sub-4-bit K-quants' unpack at decode on a GPU (predict.cpp, low_bit_kquant_unpack_on_vector_units), counted
  // from the kernels (ggml-org/ggml @ d99724f; their Q3_K code as in the R9700's b7423 build, ggml @ 879109af): for
  // 16 weights ggml-vulkan's integer-dot Q3_K (mul_mat_vecq_funcs.glsl, repack4 and get_d_scale) makes 16 two-byte
  // loads, shifts and masks the low bits and the high bit of every pair (6 operations a pair), subtracts 4 from each
  // byte and assembles a split 6-bit scale (~70 integer operations), where Q4_K's makes 4 four-byte loads with a shift
  // and a mask each and one scale (~20); ggml-cuda's vec_dot_q3_K_q8_1 likewise (a scale, the low and high bits and a
  // byte-wise subtraction for every 4 weights, ~4 operations a weight more than Q4_K's). So ~4 integer operations per
  // weight beyond what hides; on the GPUs whose fp32_tflops counts two FLOPs an FMA and a second FP32 issue integer
  // work does not get (RDNA 3/4's dual issue) one integer operation per lane takes 4 of the peak's FLOPs: 16 (not
  // applied on NVIDIA, where no run measures it: predict.cpp, low_bit_kquant_unpack_on_vector_units). The literature
  // value a chip held out of the only GPU runs with Q3_K (the R9700's) falls back on (docs/calibration.md, "Q3_K held
  // out").
  k.low_bit_kquant_unpack_ops_per_weight = 16;
  // Intel GPUs under Mesa on ggml-vulkan's integer-dot matrix-vector shaders (predict.cpp,
  // vulkan_intel_integer_dot_matvec): an A770 at b8191 decodes Llama 3 8B Q4_K_M at 32 tok/s under Mesa and 52 under
  // Intel's Windows driver (376 µs a layer more), gpt-oss 20B MXFP4 at 36 and 62 (485 µs), Llama 2 7B Q4_0, which
  // takes the float shader on both, at 44 and 56 (153 µs): 223-332 µs a layer for the integer-dot path beyond that
  // (ggml-org/llama.cpp PR #19988, savvadesogle's comment of 2026-03-03).
  k.mmvq_layer_overhead_us = 280;
  k.prefill_layer_overhead_us = 60;
  // CPU prefill at the same share of the FP32 FMA peak: 2 FLOP per weight at 16 FLOP per cycle and SIMD unit.
  k.cpu_prefill_cycles.fill(0.125 / k.compute_efficiency);
  // CPU decode attention beyond streaming the cache, counted on the reference core (two 128-bit FMA pipes, two
  // loads and one store a clock; ggml-org/ggml eb22d6d7, src/ggml-cpu/ops.cpp). Without flash attention the KQ and
  // KQV products are dot products that load both operands: two loads per 4 lanes, 0.25 clock per multiply-add.
  // The flash-attention kernel takes one cache position at a time per head: the K·q dot (32 clocks for a 128-wide
  // head), the V row added into the accumulator (ggml_vec_mad_f16 converts the F16 row and accumulator in and out:
  // 3 conversions per 4 lanes, ~96 clocks; a Q8_0 row dequantised and added in F32 about the same) and the online
  // softmax's scalar expf, max and sum (~30): ~155 clocks for 256 multiply-adds, 0.6 a multiply-add. The 7950X's
  // depth sweep fits 0.40 and 0.65 (docs/calibration.md, "CPU attention at depth").
  k.cpu_attention_cycles_per_mac = 0.25;
  k.cpu_flash_attention_cycles_per_mac = 0.6;
  // CPU prefill attention, counted on the same reference core. With flash attention it is the decode kernel once per
  // prompt token and head: ggml_compute_forward_flash_attn_ext_f16 parallelises over query rows ("parallelize by q
  // rows"), each row converts its q and walks every cache position with the K·q dot, the online softmax and the V
  // row added into its accumulator (ggml-org/ggml eb22d6d7, src/ggml-cpu/ops.cpp): the decode count, 0.6. Without
  // it the KQ and KQV products are matrix products over the micro-batch (mul_mat: each K and V row loaded once for
  // a tile of query rows, 0.125 a multiply-add at the FP32 FMA peak, as the weights' literature), then soft_max
  // takes every score in a separate pass with a scalar expf (~30 clocks per cache position and head, 256
  // multiply-adds: 0.12): 0.25.
  k.cpu_prefill_attention_cycles_per_mac = 0.25;
  k.cpu_prefill_flash_attention_cycles_per_mac = 0.6;
  k.host_bandwidth_efficiency = 0.6;
  k.runtime_overhead_gib = 0.35;
  // A batched CUDA step of the 2024-2025 builds launches every kernel from the host (no CUDA graph; engines.hpp,
  // batched_steps_launch_without_graphs): what a layer cost a token before graphs beyond what it costs with them.
  // The batch-1 fit of llama.cpp CUDA builds puts the per-layer cost at 92.5 µs in 2023 (no graphs; 68 runs on 9
  // chips) and 52.4 µs in 2025 (graphs; 100 runs on 10 chips): 40 µs (docs/calibration.md).
  k.graphless_layer_overhead_us = 40;
  k.micro_batch_tokens = 512;
  return k;
}

EfficiencyConstants llama_cpp_apple() {
  EfficiencyConstants k = llama_cpp_defaults();
  // Metal's Q3_K matrix-vector kernel is not counted and no Apple run has Q2_K/Q3_K on the GPU: no unpack cost.
  k.low_bit_kquant_unpack_ops_per_weight = 0;
  k.weight_bandwidth_efficiency = 0.78;
  // Metal pays ~180 µs per layer per token: the Apple fit of llama.cpp #4167 (Llama 2 7B at F16, Q8_0
  // and Q4_0 on 28 chips) puts a ~5.8 ms fixed cost under every 32-layer token.
  k.layer_overhead_us = 180;
  // Metal's mul_mat_id runs one small matrix-vector product per active expert. No public Apple MoE run
  // has llama-bench detail; set so that Qwen3-Coder-30B-A3B Q4_K_M with Ollama lands on the 48.8 tok/s
  // measured on an M2 Max (seed document 001), given the fitted per-layer cost above.
  k.expert_overhead_us = 12;
  k.compute_efficiency = 0.55;
  // Past the matrix-vector rows a batched step runs mul_mm, the tiles of prefill's GEMMs, on padded 32-token tiles
  // (predict.cpp, metal_matmul_tile_tokens): the prefill GEMMs' share is their prior.
  k.batch_gemm_compute_efficiency = k.compute_efficiency;
  k.attention_compute_efficiency = k.compute_efficiency;
  k.flash_attention_compute_efficiency = k.compute_efficiency;  // fused: attention near the GEMM rate
  k.vector_flash_attention_compute_efficiency = k.compute_efficiency;  // ... of the vector peak on the tile kernel
  k.float_compute_efficiency = k.compute_efficiency;
  k.float_expert_compute_efficiency = k.float_compute_efficiency;
  k.vector_compute_efficiency = k.compute_efficiency;
  k.vector_quantised_compute_efficiency = k.compute_efficiency;
  k.runtime_overhead_gib = 0.15;
  return k;
}

EfficiencyConstants ollama_defaults(EfficiencyConstants k) {
  k.token_overhead_us += 300;  // HTTP streaming and Go runtime around llama.cpp
  k.runtime_overhead_gib += 0.2;
  return k;
}

EfficiencyConstants mlx_defaults() {
  EfficiencyConstants k;
  // MLX reads weights closer to peak on Apple GPUs (fused quantised matvec) and launches fewer kernels
  // (lazy graph); measured decode is 20-50 % above llama.cpp on the same Mac (seed documents 000, 003).
  k.weight_bandwidth_efficiency = 0.86;
  k.kernel_efficiency[kernel_index(QuantKernel::mlx)] = 1.0;
  k.kernel_efficiency[kernel_index(QuantKernel::float_)] = 0.95;
  k.kv_bandwidth_efficiency = 0.6;
  k.layer_overhead_us = 25;
  k.expert_overhead_us = 8;
  k.token_overhead_us = 300;
  k.compute_efficiency = 0.45;
  k.batch_compute_efficiency = 0.1;  // no public batched MLX run: llama.cpp's prior
  k.attention_compute_efficiency = k.compute_efficiency;
  k.flash_attention_compute_efficiency = k.compute_efficiency;  // fused: attention near the GEMM rate
  k.vector_flash_attention_compute_efficiency = k.compute_efficiency;  // ... of the vector peak on the tile kernel
  k.float_compute_efficiency = k.compute_efficiency;
  k.float_expert_compute_efficiency = k.float_compute_efficiency;
  k.vector_compute_efficiency = k.compute_efficiency;
  k.vector_quantised_compute_efficiency = k.compute_efficiency;
  k.prefill_layer_overhead_us = 60;
  k.runtime_overhead_gib = 0.2;
  k.micro_batch_tokens = 2048;
  return k;
}

EfficiencyConstants vllm_defaults() {
  EfficiencyConstants k;
  // vLLM with CUDA graphs and Marlin/FP8 kernels; gpu_memory_utilization 0.9 reserves the rest.
  k.weight_bandwidth_efficiency = 0.85;
  k.kernel_efficiency[kernel_index(QuantKernel::float_)] = 1.0;
  k.kernel_efficiency[kernel_index(QuantKernel::fp8)] = 0.95;
  k.kernel_efficiency[kernel_index(QuantKernel::awq)] = 0.9;
  k.kernel_efficiency[kernel_index(QuantKernel::gptq)] = 0.9;
  k.kernel_efficiency[kernel_index(QuantKernel::mxfp4)] = 0.9;
  k.kernel_efficiency[kernel_index(QuantKernel::nvfp4)] = 0.9;  // same FP4 Marlin / CUTLASS paths as MXFP4
  k.kv_bandwidth_efficiency = 0.7;
  k.layer_overhead_us = 15;
  k.expert_overhead_us = 3;
  k.token_overhead_us = 400;
  k.compute_efficiency = 0.6;
  // Batched decode runs as one GEMM over the batch's tokens (Marlin, cuBLAS, CUTLASS MoE): a prior of a third of
  // the tensor peak, replaced by the fit to the wave2 concurrency runs (docs/calibration.md).
  k.batch_compute_efficiency = 0.3;
  // A small-message all-reduce over PCIe or xGMI takes tens of µs (NCCL/RCCL latency floor; vLLM's custom
  // all-reduce exists to cut it on NVLink): a prior of 30 µs, fitted from multi-GPU runs.
  k.tp_allreduce_us = 30;
  k.attention_compute_efficiency = k.compute_efficiency;
  k.flash_attention_compute_efficiency = k.compute_efficiency;  // fused: attention near the GEMM rate
  k.vector_flash_attention_compute_efficiency = k.compute_efficiency;  // ... of the vector peak on the tile kernel
  k.float_compute_efficiency = k.compute_efficiency;
  k.float_expert_compute_efficiency = k.float_compute_efficiency;
  k.vector_compute_efficiency = k.compute_efficiency;
  k.vector_quantised_compute_efficiency = k.compute_efficiency;
  k.prefill_layer_overhead_us = 30;
  k.runtime_overhead_gib = 2.0;  // CUDA graphs, activations, sampler (vLLM startup log)
  k.micro_batch_tokens = 8192;
  return k;
}

EfficiencyConstants transformers_defaults() {
  EfficiencyConstants k;
  // Eager PyTorch: one Python dispatch per op dominates small models.
  k.weight_bandwidth_efficiency = 0.7;
  k.kernel_efficiency[kernel_index(QuantKernel::awq)] = 0.8;
  k.kernel_efficiency[kernel_index(QuantKernel::gptq)] = 0.8;
  k.kernel_efficiency[kernel_index(QuantKernel::fp8)] = 0.8;
  k.kv_bandwidth_efficiency = 0.5;
  k.layer_overhead_us = 150;
  k.expert_overhead_us = 40;
  k.token_overhead_us = 2000;
  k.compute_efficiency = 0.35;
  k.batch_compute_efficiency = 0.1;  // eager PyTorch: no public batched run; llama.cpp's prior
  k.attention_compute_efficiency = k.compute_efficiency;
  k.flash_attention_compute_efficiency = k.compute_efficiency;  // fused: attention near the GEMM rate
  k.vector_flash_attention_compute_efficiency = k.compute_efficiency;  // ... of the vector peak on the tile kernel
  k.float_compute_efficiency = k.compute_efficiency;
  k.float_expert_compute_efficiency = k.float_compute_efficiency;
  k.vector_compute_efficiency = k.compute_efficiency;
  k.vector_quantised_compute_efficiency = k.compute_efficiency;
  k.prefill_layer_overhead_us = 200;
  k.runtime_overhead_gib = 1.0;
  k.micro_batch_tokens = 8192;
  return k;
}

EfficiencyProfile make_defaults() {
  EfficiencyProfile profile;
  profile.name = "literature-defaults";
  profile.source = "docs/model.md";
  auto add = [&](Backend backend, std::optional<DeviceApi> api, std::optional<HardwareClass> hw_class,
                 EfficiencyConstants constants, std::string note) {
    ProfileEntry entry;
    entry.backend = backend;
    entry.api = api;
    entry.hardware_class = hw_class;
    entry.constants = constants;
    entry.note = std::move(note);
    profile.entries.push_back(std::move(entry));
  };
  add(Backend::llama_cpp, std::nullopt, std::nullopt, llama_cpp_defaults(), "literature default");
  add(Backend::llama_cpp, std::nullopt, HardwareClass::apple, llama_cpp_apple(), "literature default");
  add(Backend::ollama, std::nullopt, std::nullopt, ollama_defaults(llama_cpp_defaults()), "literature default");
  add(Backend::ollama, std::nullopt, HardwareClass::apple, ollama_defaults(llama_cpp_apple()),
      "literature default");
  add(Backend::mlx, std::nullopt, std::nullopt, mlx_defaults(), "literature default");
  add(Backend::vllm, std::nullopt, std::nullopt, vllm_defaults(), "literature default");
  add(Backend::transformers, std::nullopt, std::nullopt, transformers_defaults(), "literature default");
  return profile;
}

int specificity(const ProfileEntry& entry) {
  return (entry.api ? 1 : 0) + (entry.hardware_class ? 2 : 0) + (entry.gpu_family.empty() ? 0 : 4);
}

/// An entry for a GPU generation serves only chips of that generation.
bool serves_family(const ProfileEntry& entry, std::string_view gpu_family) {
  return entry.gpu_family.empty() || entry.gpu_family == gpu_family;
}

}  // namespace

const ProfileEntry& EfficiencyProfile::lookup(Backend backend, DeviceApi api, HardwareClass hw_class,
                                              std::string_view gpu_family) const {
  const ProfileEntry* best = nullptr;
  int best_score = -1;
  for (const auto& entry : entries) {
    if (entry.backend != backend || !entry.era.empty() || !serves_family(entry, gpu_family)) continue;
    if (entry.api && *entry.api != api) continue;
    if (entry.hardware_class && *entry.hardware_class != hw_class) continue;
    const int score = specificity(entry);
    if (score > best_score) {
      best = &entry;
      best_score = score;
    }
  }
  if (best != nullptr) return *best;
  if (this != &default_efficiency_profile())
    return default_efficiency_profile().lookup(backend, api, hw_class, gpu_family);
  return entries.front();
}

const ProfileEntry& EfficiencyProfile::lookup_era(Backend backend, DeviceApi api, HardwareClass hw_class,
                                                  std::string_view era, std::string_view gpu_family) const {
  const ProfileEntry* best = nullptr;
  int best_score = -1;
  if (!era.empty()) {
    for (const auto& entry : entries) {
      if (entry.backend != backend || entry.era != era || !serves_family(entry, gpu_family)) continue;
      if (entry.api && *entry.api != api) continue;
      if (entry.hardware_class && *entry.hardware_class != hw_class) continue;
      if (const int score = specificity(entry); score > best_score) {
        best = &entry;
        best_score = score;
      }
    }
  }
  return best != nullptr ? *best : lookup(backend, api, hw_class, gpu_family);
}

PredictionUncertainty prediction_uncertainty(const EfficiencyProfile& profile, const ProfileEntry& entry,
                                             Backend backend, DeviceApi api, HardwareClass hw_class) {
  PredictionUncertainty u;
  u.measured_runs = entry.fitted_runs;
  if (entry.fitted_runs > 0) {
    u.known = entry.uncertainty.known;
    u.decode_relative_error = entry.uncertainty.decode_relative_error;
    u.prefill_relative_error = entry.uncertainty.prefill_relative_error;
    u.basis = !entry.uncertainty.basis.empty() ? entry.uncertainty.basis
              : entry.uncertainty.known        ? "cross-validated error of the calibration"
                                               : "fitted, error not stated by the profile";
    return u;
  }
  const std::string group = fmt::format("{} · {} · {}", to_string(backend), to_string(api), to_string(hw_class));
  if (entry.uncertainty.known) {  // an entry without runs of its own, its constants borrowed from related groups
    u.known = true;
    u.decode_relative_error = entry.uncertainty.decode_relative_error;
    u.prefill_relative_error = entry.uncertainty.prefill_relative_error;
    u.basis = fmt::format("no measured runs for {}: typically ±{:.0f} % decode, ±{:.0f} % prefill; {}", group,
                          100 * u.decode_relative_error, 100 * u.prefill_relative_error, entry.uncertainty.basis);
    return u;
  }
  const EfficiencyUncertainty& none = profile.unmeasured;
  u.known = none.known;
  u.decode_relative_error = none.decode_relative_error;
  u.prefill_relative_error = none.prefill_relative_error;
  u.basis = none.known ? fmt::format("no measured runs for {}: literature constants, typically ±{:.0f} % decode, ±{:.0f} % "
                                     "prefill ({})",
                                     group, 100 * none.decode_relative_error, 100 * none.prefill_relative_error,
                                     none.basis.empty() ? "leave-one-class-out" : none.basis)
                       : fmt::format("no measured runs for {}: literature constants, error unknown", group);
  return u;
}

const EfficiencyProfile& default_efficiency_profile() {
  static const EfficiencyProfile profile = make_defaults();
  return profile;
}

}  // namespace llmfit

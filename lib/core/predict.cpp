#include "llmfit/predict.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "llmfit/engines.hpp"
#include "llmfit/expert_routing.hpp"
#include "llmfit/errors.hpp"
#include "llmfit/model_terms.hpp"
#include "llmfit/units.hpp"

namespace llmfit {
namespace {

constexpr double kMicro = units::kSecondsPerMicrosecond;
// Offloaded prefill on a discrete GPU: llama.cpp copies host-resident weights over PCIe for each
// micro-batch (PCIe 4.0 x16 ≈ 25 GB/s achieved of 32 GB/s).
constexpr double kPcieBytesPerSecond = 25e9;
// Latency of handing activations from one device or stage to the next (layer split), per token.
// Measured: RTX 4090 x2 / x4 add 0.2-0.35 ms per hop to Llama 3 8B tg (XiongjieDai table, 2024).
constexpr double kDeviceHopSeconds = 250e-6;
// Tokens llama.cpp hands to the scheduler at once (n_batch default); pipelining spans one such batch.
constexpr double kLogicalBatchTokens = 2048;
// Micro-batches a layer split keeps in flight: ggml's scheduler holds GGML_SCHED_MAX_COPIES (4) copies of every
// split's inputs and, before it overwrites copy c with micro-batch u, waits on the event recorded when that device
// finished micro-batch u − 4 (ggml_backend_sched_compute_splits, ggerganov/llama.cpp 0054f368 ggml-backend.c: the
// pipeline-parallelism change, PR #6017; `sched->n_copies = parallel ? GGML_SCHED_MAX_COPIES : 1`).
constexpr int kSchedMaxCopies = 4;
// Share of its FP16 peak a unified chip's CPU cores reach when they run offloaded layers.
constexpr double kUnifiedCpuComputeShare = 0.15;

/// Prefill micro-batch: the run's (llama-bench n_ubatch) when stated, else the engine's from the profile.
int micro_batch_tokens(const Scenario& s, const EfficiencyConstants& k) {
  return s.micro_batch_tokens > 0 ? s.micro_batch_tokens : k.micro_batch_tokens;
}

// One SIMD unit: two 128-bit FMA pipes, 2 × 4 FP32 lanes × 2 FLOP = 16 FP32 FLOP per clock.
constexpr double kFlopPerClockPerUnit = 16;

/// A core's SIMD throughput in units of two 128-bit FMA pipes (16 FP32 FLOP per clock). A CPU entry's
/// fp16_tflops is its FP32 FMA peak (cores x FLOP per clock x clock), which says how wide the cores
/// execute: Zen 4 takes AVX-512 instructions but runs them on 256-bit units (2 units, not 4). Other entries
/// (a unified chip's figure is its GPU's) go by the vector width.
double simd_units_per_core(const HardwareSpec& hw) {
  if (hw.kind == HardwareKind::cpu && hw.fp16_tflops > 0 && hw.cpu_cores > 0 && hw.cpu_clock_ghz > 0)
    return hw.fp16_tflops * units::kFlopsPerTflop / (hw.cpu_cores * hw.cpu_clock_ghz * 1e9 * kFlopPerClockPerUnit);
  // A unified entry's peak is its GPU's: its cores' width and FMA pipes (two unless stated; an Apple P-core has four).
  const double pipes = hw.cpu_fma_pipes > 0 ? hw.cpu_fma_pipes : 2.0;
  return (hw.cpu_simd_bits > 0 ? hw.cpu_simd_bits / 128.0 : 1.0) * pipes / 2.0;
}

/// The CPU backend on a chip that states its CPU cores and clock (a cpu or unified entry).
bool runs_on_cpu_cores(const Scenario& s) {
  const HardwareSpec& hw = *s.hardware;
  return s.api == DeviceApi::cpu && hw.kind != HardwareKind::gpu && hw.cpu_cores > 0 && hw.cpu_clock_ghz > 0;
}

/// The threads a CPU backend run computes and streams on: the run's (llama.cpp -t) up to the cores (SMT
/// siblings share a core's SIMD units and its cache-miss buffers), else all cores.
int cpu_threads_used(const Scenario& s) {
  const HardwareSpec& hw = *s.hardware;
  return s.cpu_threads > 0 ? std::min(s.cpu_threads, hw.cpu_cores) : hw.cpu_cores;
}

/// SIMD throughput of the cores a CPU backend run computes on, in 128-bit-SIMD core cycles per second: the
/// run's threads (llama.cpp -t) up to the cores (SMT siblings share a core's SIMD units), else all cores.
double cpu_simd_cycles_per_second(const Scenario& s) {
  const HardwareSpec& hw = *s.hardware;
  return cpu_threads_used(s) * hw.cpu_clock_ghz * 1e9 * simd_units_per_core(hw);
}

}  // namespace

double cpu_int8_dot_instructions(const HardwareSpec& hw) noexcept {
  const bool x86 = has_cpu_isa(hw, "avx2") || has_cpu_isa(hw, "avx512");
  const bool vnni = has_cpu_isa(hw, "avx512_vnni") || has_cpu_isa(hw, "avx_vnni");
  return x86 && !vnni ? 2.0 : 1.0;
}

CpuPrefillCost cpu_prefill_cost(const QuantSpec& q, const HardwareSpec& hw) noexcept {
  const QuantKernel family = cpu_cost_family(q);
  const bool x86 = has_cpu_isa(hw, "avx2") || has_cpu_isa(hw, "avx512");
  const bool arm = has_cpu_isa(hw, "neon");
  const bool arm_dot = arm && has_cpu_isa(hw, "dotprod");
  if (family != QuantKernel::legacy || !(x86 || arm)) return {family, 1.0};
  // The blocks of 32 with an int8 GEMM kernel (ggml-org/llama.cpp 02e86cfd, ggml/src/ggml-cpu/llamafile/sgemm.cpp,
  // llamafile_sgemm: tinyBLAS_Q0_AVX takes Q8_0, Q4_0, Q5_0 and IQ4_NL on AVX/AVX2/AVX-512, tinyBLAS_Q0_ARM only
  // Q8_0 and Q4_0 with dotprod; ggml-cpu repack.cpp repacks Q4_0 and IQ4_NL into 4-row tiles on ARM with dotprod)
  // tile the product: each unpacked weight block serves several tokens. The others (Q4_1, Q5_1; Q5_0 on ARM) dot
  // each weight row with each token's row in turn, unpacking the row every time, as the K-quants do: their cycles.
  const std::string& id = q.id;
  const bool tiled = (x86 || arm_dot) && (id == "q4_0" || id == "q8_0" || (id == "q5_0" && x86) || id == "iq4_nl");
  if (!tiled) return {QuantKernel::k_quant, 1.0};
  return {QuantKernel::legacy, cpu_int8_dot_instructions(hw)};
}

bool cpu_repacked_at_decode(const QuantSpec& q, const HardwareSpec& hw, int engine_year, int engine_build) noexcept {
  constexpr int kFirstYearRepacking = 2025;   // every build of the year repacks (PR #10446, 2024-12-07)
  constexpr int kFirstBuildRepacking = 4384;  // the earliest stated build after it among the shipped runs
  const bool repacks = engine_year == 0 || engine_year >= kFirstYearRepacking || engine_build >= kFirstBuildRepacking;
  if (!repacks) return false;
  const bool x86 = has_cpu_isa(hw, "avx2") || has_cpu_isa(hw, "avx512");
  const bool arm_dot = has_cpu_isa(hw, "neon") && has_cpu_isa(hw, "dotprod");
  return (q.id == "q4_0" && (x86 || arm_dot)) || (q.id == "iq4_nl" && arm_dot);
}

namespace {

/// CPU backends run out of compute before bandwidth: each decoded weight costs the cycles of its kernel
/// family (`cpu_cycles_per_weight` × `cpu_kernel_cycles`) at 128-bit SIMD (dequantise, multiply) beyond
/// streaming it, over the threads the run used (at most the cores: SMT siblings share a core's SIMD
/// units). 0 when the chip states no CPU figures.
double cpu_dequant_seconds(const Scenario& s, const EfficiencyConstants& k, double weights, double attention_macs) {
  if (!runs_on_cpu_cores(s)) return 0.0;
  const double attention_cycles =
      s.flash_attention ? k.cpu_flash_attention_cycles_per_mac : k.cpu_attention_cycles_per_mac;
  // The legacy blocks' dots are int8 dot products: two instructions each on AVX2 without VNNI (the K-quants' dots
  // take vpmaddubsw + vpmaddwd with VNNI too: their fitted cycles hold it).
  const QuantKernel family = cpu_cost_family(*s.quant);
  const double dot = family == QuantKernel::legacy ? cpu_int8_dot_instructions(*s.hardware) : 1.0;
  // A repacked format runs the row tiles' GEMV (cpu_repacked_at_decode), its own cycles; the other legacy blocks
  // dot one row and block of 32 at a time.
  const bool repacked = cpu_repacked_at_decode(*s.quant, *s.hardware, s.engine_year, s.engine_build);
  const double per_weight = repacked ? k.cpu_repacked_cycles_per_weight : k.cpu_cycles(family);
  const double cycles = weights * per_weight * dot + attention_macs * attention_cycles;
  if (!(cycles > 0)) return 0.0;
  return cycles / cpu_simd_cycles_per_second(s);
}

/// A thread streams at most what its core keeps in flight over the memory latency (Little's law: outstanding
/// cache-line misses x 64 B / latency), `cpu_thread_bandwidth_gb_s`; the chip's bandwidth is reached only by
/// enough threads. The two limits add as inverse bandwidths (1/BW_eff = 1/(η·BW) + 1/(threads·b)), which
/// keeps the calibration linear. 0 when the chip states no CPU figures or the profile sets no limit.
double cpu_thread_stream_seconds(const Scenario& s, const EfficiencyConstants& k, double bytes) {
  if (!runs_on_cpu_cores(s) || !(k.cpu_thread_bandwidth_gb_s > 0) || !(bytes > 0)) return 0.0;
  return bytes / (cpu_threads_used(s) * k.cpu_thread_bandwidth_gb_s * units::kBytesPerGB);
}

/// The share of the weight stream a quantisation's kernels reach relative to the engine's (kernel_efficiency).
/// On CPU cores every format streams as the plain blocks do (the legacy family's share): what a kernel family
/// costs there is cycles (cpu_dequant_seconds), so its files are not also charged a bandwidth share of their
/// own (that would count the cost twice, and fit a 2-thread run's compute as a low share of the bandwidth
/// that an all-core run of another chip then inherits).
double kernel_stream_share(const Scenario& s, const EfficiencyConstants& k) {
  return k.kernel(runs_on_cpu_cores(s) ? QuantKernel::legacy : s.quant->kernel);
}

/// Bytes each attention score moves through memory in a CPU prompt without flash attention: the f32 KQ product
/// written (4), read and written again by soft_max (8), read and converted to F16 for the KQV product, whose V is
/// F16 (4 + 2), and read by it (2). The score matrix (prompt tokens x cache x heads, a GB a layer at 16k) leaves
/// the caches (ggml-cpu ggml_compute_forward_mul_mat, ggml_compute_forward_soft_max; ggml-org/llama.cpp 02e86cfd).
constexpr double kCpuBytesPerAttentionScore = 20;

/// Seconds of a CPU prompt's attention over `macs` multiply-adds (docs/model.md, "CPU prefill attention"). With flash
/// attention ggml-cpu runs its one-row kernel per prompt token and head: per cache position a K·q dot of one head,
/// a scalar online-softmax step (expf) and a V row added into the accumulator, work bound by the scalar steps and
/// the per-position call, so its cycles are core clocks, not SIMD-unit cycles (a core twice as wide runs it no
/// faster). Without it, the KQ and KQV matrix products run on the SIMD units and the score matrix streams through
/// memory (kCpuBytesPerAttentionScore), priced at the chip's peak bandwidth (a floor: the fit's cycles take the rest,
/// and a share of peak fitted for the weights would enter the prompt's fit through this term).
double cpu_prefill_attention_seconds(const Scenario& s, const EfficiencyConstants& k, double macs) {
  if (!(macs > 0)) return 0.0;
  if (s.flash_attention)
    return macs * k.cpu_prefill_flash_attention_cycles_per_mac /
           (cpu_threads_used(s) * s.hardware->cpu_clock_ghz * 1e9);
  const ModelSpec& m = *s.model;
  const double head_dim = std::max(1.0, static_cast<double>(m.head_dim));
  const double scores = macs / (2.0 * head_dim);
  const double bw = s.hardware->bandwidth_gb_s * units::kBytesPerGB;
  return macs * k.cpu_prefill_attention_cycles_per_mac / cpu_simd_cycles_per_second(s) +
         scores * kCpuBytesPerAttentionScore / bw;
}

/// The first llama.cpp year whose CPU flash attention splits a decode step over the KV cache (every thread a
/// range of cache rows, all query heads over it): ggml-org/llama.cpp #19209 (ggml-cpu: "FA split across kv for
/// faster TG", Feb 2026; ggml-org/ggml 218a0057, src/ggml-cpu/ops.cpp, `use_split_kv_path`).
constexpr int kFirstYearOfCpuSplitKvFlashAttention = 2026;

/// How many times a decode step on CPU cores streams the KV cache. llama.cpp's CPU flash-attention kernel
/// (`ggml_compute_forward_flash_attn_ext_f16`) walks one query row at a time over every cache position, reading the
/// K and V rows of that head's KV group: each query head streams its group's cache again, n_head / n_head_kv times
/// a token (ggml-org/ggml eb22d6d7, April 2025). The split-KV path of 2026 builds gives every thread a range of
/// rows that all heads then re-read from its L2, for F16/F32 caches (of at least 512 rows: a shallower cache's
/// re-reads stay in L2 anyway); a quantised cache still takes the one-row kernel. Without flash attention the KQ
/// and KQV matrix-vector products (`mul_mat`, blocks of 16 rows by 16 heads) reuse each K and V row for the heads
/// of its group: once. A factor per build and cache type, not per depth, so a deeper cache never decodes faster.
double cpu_kv_streams(const Scenario& s, const ModelSpec& m) {
  if (!s.flash_attention) return 1.0;
  const bool split_kv = (s.engine_year == 0 || s.engine_year >= kFirstYearOfCpuSplitKvFlashAttention) &&
                        (s.kv_type == KvCacheType::f16 || s.kv_type == KvCacheType::f32);
  if (split_kv) return 1.0;
  // MLA caches one latent row for every head.
  const double heads = m.attention_heads;
  const double kv_heads = m.mla.kv_lora_rank > 0 ? 1.0 : std::max(1, m.kv_heads);
  return heads > kv_heads ? heads / kv_heads : 1.0;
}

double clamp_non_negative(double x) { return std::isfinite(x) && x > 0 ? x : 0.0; }

/// OS share of a CPU-only machine's RAM: at least 2 GiB, or 10 %.
double cpu_os_reserve_bytes(double ram_bytes) {
  return std::max(2.0 * units::kBytesPerGiB, 0.10 * ram_bytes);
}

/// Usable tensor peak in FLOP/s. llama.cpp's GEMMs accumulate in FP16 (cuBLAS CUBLAS_COMPUTE_16F) or run
/// on int8 tensor cores (MMQ), so the peak is the FP16-accumulate rate: int8_tops / 2 where that exceeds
/// the FP32-accumulate fp16_tflops figure (GeForce cards run FP32 accumulation at half rate).
double tensor_peak_flops(const HardwareSpec& hw) {
  return std::max(hw.fp16_tflops, hw.int8_tops / 2.0) * units::kFlopsPerTflop;
}

/// Usable peak FLOP/s of the processor that runs the model: the tensor peak, or for the CPU backend on a
/// unified chip the CPU cores' share of it (the catalogue's figure is the GPU's). Decode on the CPU backend
/// counts its multiply-adds in the per-weight cycles (cpu_dequant_seconds); this is its large-batch bound.
double compute_peak_flops(const Scenario& s) {
  const HardwareSpec& hw = *s.hardware;
  if (s.api == DeviceApi::cpu && hw.kind == HardwareKind::unified)
    return hw.fp16_tflops * units::kFlopsPerTflop * kUnifiedCpuComputeShare;
  return tensor_peak_flops(hw);
}

// FLOP per SM and clock of the warp-level tensor instructions (mma.sync) on consumer Ampere, Ada and Blackwell
// SMs: 4 tensor cores x 128 dense FP16 FMA (NVIDIA GA102 whitepaper, "Third-generation tensor cores"); GA100's
// and GH100's tensor cores are 2x and 4x as wide per SM (GA100 and GH100 whitepapers).
constexpr double kSmRoofFlopPerClock = 1024;

/// The roof of quantised-weight prefill GEMMs of an engine whose CUDA kernels run at the SM's rate
/// (prefill_runs_at_sm_rate): SMs x clock x kSmRoofFlopPerClock, when the catalogue states both. llama.cpp's MMQ is bound by feeding the tensor cores
/// (shared-memory loads, unpacking in the CUDA cores), the same per SM and clock on every NVIDIA part since
/// Volta, so an A100 or H100 prefills like a consumer card of its SMs and clock (2025 pp512: about 500 FLOP
/// per SM and clock on an RTX 3090, 4090, 5090, A100 and H100 alike). Infinite (no roof) otherwise.
double sm_roof_flops(const Scenario& s) {
  const HardwareSpec& hw = *s.hardware;
  if (s.api != DeviceApi::cuda || !prefill_runs_at_sm_rate(s.backend) || hw.gpu_cores <= 0 || !(hw.gpu_clock_ghz > 0))
    return std::numeric_limits<double>::infinity();
  return hw.gpu_cores * hw.gpu_clock_ghz * 1e9 * kSmRoofFlopPerClock;
}

// Energy one SM draws per clock cycle running llama.cpp's prefill kernels on its tensor cores, in whole-board watts
// over SMs x clock (issue 20, docs/model.md "the power roof"). Chosen by the leave-one-hardware-out error of the
// CUDA prefill runs over 0-2.2 nJ (docs/calibration.md): flat from 1.2 to 1.5, worse outside; at 1.3 nJ a watt
// keeps 0.77 GHz of SMs (an RTX 4090's 128 SMs at 2.52 GHz need 420 W).
constexpr double kPrefillJoulesPerSmCycle = 1.3e-9;

/// The power roof of prefill on CUDA for engines whose kernels run at the SM's rate: a board held to its power
/// limit (tdp_w) runs its SMs at no more than tdp_w / (SMs x energy per SM cycle) cycles per second in all, so
/// at most tdp_w / energy x kSmRoofFlopPerClock FLOP/s. Infinite when the entry states no power limit.
double power_roof_flops(const Scenario& s) {
  const HardwareSpec& hw = *s.hardware;
  if (s.api != DeviceApi::cuda || !prefill_runs_at_sm_rate(s.backend) || !(hw.tdp_w > 0))
    return std::numeric_limits<double>::infinity();
  return hw.tdp_w / kPrefillJoulesPerSmCycle * kSmRoofFlopPerClock;
}

// Bytes one AMD compute unit streams per clock cycle through ggml-cuda's matrix-vector kernels under HIP (MMVQ for
// quantised weights, the float kernels for F16/BF16): what the waves a CU holds keep in flight over the memory
// latency (Little's law), a property of the kernels and the CU, not of the memory behind it. Chosen by the
// leave-one-hardware-out error of the llama.cpp ROCm decode runs over 4-7 B (docs/calibration.md, "ROCm: the
// matrix-vector stream per compute unit"): flat from 5 to 6, worse outside. Only the Instinct MI50 among the
// measured chips needs more (9.9 B per CU and cycle for its 1 TB/s); the RDNA chips need 2.2-4.0.
constexpr double kHipMatvecBytesPerCuCycle = 5.5;

/// The roof of the weight stream of llama.cpp's (and Ollama's) decode on ROCm: CUs x clock x
/// kHipMatvecBytesPerCuCycle, when the catalogue states both (gpu_cores, gpu_clock_ghz). ggml-cuda's mat-vec kernels
/// give each weight row one thread block (one wave32 on RDNA, two wave64s on GCN and CDNA: mmvq.cu, calc_nwarps and
/// calc_rows_per_block, ggml-org/llama.cpp @ 000f4625), so the bytes in flight grow with the CUs and not with the
/// memory: a part that pairs HBM with few, slowly clocked CUs (Vega 20, CDNA) streams below its datasheet
/// bandwidth at every weight format alike. Infinite (no roof) on other APIs and engines.
double hip_matvec_stream_roof(const Scenario& s) {
  const HardwareSpec& hw = *s.hardware;
  const bool llama_kernels = s.backend == Backend::llama_cpp || s.backend == Backend::ollama;
  if (s.api != DeviceApi::rocm || !llama_kernels || hw.gpu_cores <= 0 || !(hw.gpu_clock_ghz > 0))
    return std::numeric_limits<double>::infinity();
  return hw.gpu_cores * hw.gpu_clock_ghz * 1e9 * kHipMatvecBytesPerCuCycle;
}

/// A GPU's matrix multiplications run on its vector ALUs, at its FP32 peak, instead of on the matrix engines
/// fp16_tflops counts, on the device APIs its catalogue entry lists in vector_only_apis (docs/model.md, "Matrix
/// engines the device API reaches"; ggml-vulkan.cpp, ggml_vk_khr_cooperative_matrix_support: on Intel only Xe2
/// gets cooperative matrices). Needs the entry's fp32_tflops; without it the tensor peak stays.
bool matmul_on_vector_units(const Scenario& s) {
  const HardwareSpec& hw = *s.hardware;
  if (!(hw.fp32_tflops > 0) || s.api == DeviceApi::cpu) return false;
  return std::find(hw.vector_only_apis.begin(), hw.vector_only_apis.end(), s.api) != hw.vector_only_apis.end();
}

// ggml-cuda's flash-attention kernel choice on AMD (fattn.cu, ggml_cuda_get_best_fattn_kernel, ggml-org/llama.cpp
// @ 00a2d60): the MMA kernel on RDNA's WMMA needs grouped-query heads and a head dimension of at most 128; on
// CDNA's MFMA a head dimension of at most 256 (a prompt's micro-batch always clears its row thresholds).
constexpr int kWmmaFlashAttentionMaxHeadDim = 128;
constexpr int kMfmaFlashAttentionMaxHeadDim = 256;
constexpr double kMinGroupedQueryRatio = 2;
// The first year whose builds run the MMA kernel on RDNA's WMMA: ggml-org/llama.cpp PR #18481 ("HIP: add
// fattn-mma-f16 for RDNA4", opened 2025-12-30, merged January 2026); before it every RDNA flash attention ran the
// tile kernel (or rocWMMA's, GGML_HIP_ROCWMMA_FATTN, which the R9700's b7423 toolboxes measure at the same speed).
constexpr int kFirstYearOfRdnaMmaFlashAttention = 2026;
// The first year whose ggml-sycl builds run flash attention on Intel's XMX engines: llama.cpp PR #25222 (oneDNN
// SDPA, 2026-07-15) and #25025 (oneMKL GEMMs for prompts, 2026-07-31). Before them ggml_sycl_get_best_fattn_kernel
// chose only its vec and tile kernels ("Todo: Use the XMX kernel if possible"; ggml-org/ggml @ ac6f7b4,
// src/ggml-sycl/fattn.cpp), FMA loops on the vector ALUs. The year is the engine's era, so 2026 counts as before:
// the measured 2026 builds (b8833, b9039: April-May 2026) predate the XMX kernels; current builds (engine_year 0)
// have them.
constexpr int kFirstYearOfSyclXmxFlashAttention = 2027;

// The CDNA Instincts' matrix peak is 4-8x their vector FP32 one (MI100 8x: 184.6 / 23.1); a packed-FP16 peak is 2x.
constexpr double kMaxPackedFp16OverFp32 = 3;

/// AMD's HBM parts without matrix cores, the GCN 5 Instincts (Vega 20, gfx906: MI50, MI60): their fp16_tflops is the
/// packed-FP16 vector rate, twice fp32_tflops, where every CDNA Instinct's matrix figure is 4-8x it (MFMA arrived
/// with gfx908). Their ISA has no BF16 arithmetic either (ROCm's BF16 GEMM kernels start with gfx908:
/// ROCm/Tensile PR #669, "BF16 kernels for gfx908"; on older GPUs rocBLAS emulates BF16, ROCm/tensorflow-upstream
/// PR #1395). Needs the entry's fp32_tflops.
bool amd_gcn_without_matrix_cores(const HardwareSpec& hw) {
  return hw.vendor == "amd" && hw.memory_type.rfind("hbm", 0) == 0 && hw.fp32_tflops > 0 &&
         hw.fp16_tflops < kMaxPackedFp16OverFp32 * hw.fp32_tflops;
}

}  // namespace

bool flash_attention_on_vector_units(const Scenario& s) noexcept {
  if (!s.flash_attention || s.hardware == nullptr || s.model == nullptr) return false;
  const bool sycl = s.api == DeviceApi::sycl;
  if ((s.api != DeviceApi::rocm && s.api != DeviceApi::cuda && !sycl) || !prefill_runs_at_sm_rate(s.backend)) return false;
  const HardwareSpec& hw = *s.hardware;
  if (!(hw.fp32_tflops > 0)) return false;
  if (matmul_on_vector_units(s)) return false;  // no matrix engines: every shader FLOP at vector_compute_efficiency
  if (sycl) return s.engine_year > 0 && s.engine_year < kFirstYearOfSyclXmxFlashAttention;
  if (s.api == DeviceApi::cuda) return false;  // Turing and later: the MMA kernel for every head size
  const ModelSpec& m = *s.model;
  if (m.full_attention_layers() + m.attention.sliding_window_layers <= 0) return false;
  // MLA runs flash attention on the latent: K is kv_lora_rank + rope wide, shared by every head.
  const bool mla = m.mla.kv_lora_rank > 0;
  const int head_dim = mla ? m.mla.kv_lora_rank + m.mla.qk_rope_head_dim : m.attention.global_head_dim_or(m.head_dim);
  const double grouped = mla ? m.attention_heads : static_cast<double>(m.attention_heads) / std::max(1, m.kv_heads);
  // Vega 20 has neither MMA kernel: its tile kernel multiplies in packed FP16 (half2), the peak fp16_tflops states,
  // so its flash attention keeps the share of that peak (amd_gcn_without_matrix_cores).
  if (amd_gcn_without_matrix_cores(hw)) return false;
  const bool cdna = hw.memory_type.rfind("hbm", 0) == 0;  // AMD's other HBM parts are the CDNA (MFMA) Instincts
  if (cdna) return head_dim > kMfmaFlashAttentionMaxHeadDim;
  if (s.engine_year > 0 && s.engine_year < kFirstYearOfRdnaMmaFlashAttention) return true;
  return grouped < kMinGroupedQueryRatio || head_dim > kWmmaFlashAttentionMaxHeadDim;
}

namespace {

/// Vulkan on a chip off NVIDIA whose entry states its vector FP32 peak: the scope of both vector-unit rules below.
bool vulkan_off_nvidia_with_vector_peak(const Scenario& s) {
  const HardwareSpec& hw = *s.hardware;
  if (s.api != DeviceApi::vulkan || !(hw.fp32_tflops > 0)) return false;
  const HardwareClass c = hardware_class(hw);
  return c != HardwareClass::nvidia_consumer && c != HardwareClass::nvidia_datacenter;
}

std::optional<bool> vulkan_amd_cooperative_matrices(const Scenario& s);

/// Whether ggml-vulkan builds its BF16 matmul pipelines on cooperative matrices for an AMD GPU under the run's
/// driver: it does where the driver offers bfloat16 cooperative-matrix shapes (`coopmat_bf16_support`, from
/// VK_KHR_shader_bfloat16 and a BFLOAT16 x BFLOAT16 -> FLOAT32 subgroup shape; ggml-org/ggml @ d99724f,
/// src/ggml-vulkan/ggml-vulkan.cpp, ggml_vk_get_device and ggml_vk_load_shaders). RADV offers them by default from
/// GFX12, RDNA 4, only: radv_bfloat16_enabled keeps GFX11-11.5 (RDNA 3 and Strix Halo's RDNA 3.5) behind
/// RADV_EXPERIMENTAL_BFLOAT16 for precision issues, and the bfloat16 shapes of
/// radv_GetPhysicalDeviceCooperativeMatrixPropertiesKHR follow it (Mesa, src/amd/vulkan/radv_physical_device.c).
/// A driver that gives the chip no cooperative matrices at all (AMD's own on RDNA 4: vulkan_amd_cooperative_matrices)
/// has none for BF16 either. True only where both are known (the run states its driver, the entry its RDNA
/// generation); AMD's own drivers on RDNA 3 are not known here, so they keep the measured vector rule.
bool vulkan_amd_bf16_cooperative_matrices(const Scenario& s) {
  const auto coopmat = vulkan_amd_cooperative_matrices(s);
  constexpr int kRdna4 = 4;
  return coopmat && *coopmat && *s.vulkan_driver == VulkanDriver::radv && s.hardware->rdna_generation >= kRdna4;
}

/// BF16 weights on Vulkan off NVIDIA multiply on the vector ALUs: ggml-vulkan builds its BF16 matmul pipelines
/// on cooperative matrices only when the driver offers bfloat16 matrix shapes (`coopmat_bf16_support`, from
/// VK_KHR_shader_bfloat16; NVIDIA's cooperative_matrix2 path has its own), else it runs the scalar FP32 shader
/// (ggml-org/llama.cpp @ 000651c, ggml/src/ggml-vulkan/ggml-vulkan.cpp, ggml_vk_load_shaders and
/// ggml_vk_get_device). Measured: the Arc Pro B70 and the R9700 reach about half their vector FP32 peak on BF16
/// and under a seventh of their matrix peak (docs/model.md). Needs the entry's fp32_tflops. Not where the run's
/// driver gives an AMD chip bfloat16 cooperative matrices (vulkan_amd_bf16_cooperative_matrices: RADV on RDNA 4).
bool bf16_matmul_on_vector_units(const Scenario& s) {
  return s.quant != nullptr && s.quant->id == "bf16" && vulkan_off_nvidia_with_vector_peak(s) &&
         !vulkan_amd_bf16_cooperative_matrices(s);
}

/// BF16 weights on ROCm on a GPU without BF16 arithmetic (amd_gcn_without_matrix_cores: the MI50, MI60) multiply as
/// FP32 on the vector ALUs: llama.cpp hands float GEMMs to hipBLAS (ggml_cuda_op_mul_mat_cublas), whose BF16 kernels
/// widen to FP32 where the ISA has no BF16 instructions. Measured: the MI50 prefills Ministral 3 8B / 14B and Qwen3.5
/// 9B in BF16 at 3.5-4.2 TFLOP/s, about 30 % of its 13.3 FP32 TFLOPS and 15 % of its packed-FP16 peak, where its
/// quantised prompts (MMQ, int8 dot products) reach 16.6 (Llama 2 7B Q4_0) (docs/calibration.md).
bool rocm_bf16_on_fp32_units(const Scenario& s) {
  return s.api == DeviceApi::rocm && s.quant != nullptr && s.quant->id == "bf16" &&
         amd_gcn_without_matrix_cores(*s.hardware);
}

/// Quantised weight GEMMs on Vulkan on AMD's RDNA and Intel's Xe2 track the vector FP32 peak, not the matrix figure
/// fp16_tflops counts (ggml-org/ggml @ d99724f, src/ggml-vulkan/ggml-vulkan.cpp). ggml_vk_load_shaders builds the
/// integer-dot MMQ pipelines (pipeline_dequant_mul_mat_mat_q8_1) only on devices without cooperative matrices, so
/// ggml_vk_mul_mat_q_f16 takes MMQ (int8 dot products on the vector ALUs) where the driver has no
/// VK_KHR_cooperative_matrix (RDNA2; AMD's own drivers on every RDNA but RDNA3,
/// ggml_vk_khr_cooperative_matrix_support) and otherwise dequantises each weight tile into shared memory for the
/// coopmat shader (RADV on RDNA3/4; Intel's Xe2, the one Intel architecture that function lets have cooperative
/// matrices, @ ac6f7b4 as @ d99724f). Measured, both paths reach about the same share of the vector peak: Llama 2 7B
/// Q4_0 at 512 tokens runs 31.9 TFLOP/s on the R9700 under RADV (67 % of its 47.8 vector TFLOPS, 17 % of its 191
/// WMMA ones), 41.6 under AMDVLK's MMQ (87 %), and 18.1 on Strix Halo under RADV (61 % of 29.7, 30 % of its 59.4
/// WMMA): the RDNA4 card's doubled WMMA rate does not show. The Arc Pro B70's XMX engines do not show either: its
/// quantised 512-token prompts run at 4-18 % of its 183.5 XMX TFLOPS, 0.3-1.4x its 22.9 vector ones, MoE lowest
/// (docs/calibration.md).
/// Intel chips before Xe2 have no cooperative matrices on Vulkan (vector_only_apis: every GEMM on the vector ALUs
/// already). Their share of this peak is a constant of its own, vector_quantised_compute_efficiency (a share of the
/// vector peak must not enter the matrix-peak shares of CUDA, ROCm and SYCL). Needs the entry's fp32_tflops.
bool vulkan_quantised_gemms_track_vector_peak(const Scenario& s) {
  const HardwareClass c = hardware_class(*s.hardware);
  return s.api == DeviceApi::vulkan && s.quant != nullptr && s.quant->kernel != QuantKernel::float_ &&
         (c == HardwareClass::amd || c == HardwareClass::intel) && s.hardware->fp32_tflops > 0;
}

/// Prefill attention on Vulkan off NVIDIA scales with the vector FP32 peak, not the matrix figure: measured flash
/// attention at 16-64k depth reaches 11-19 % of fp32_tflops on the R9700, Strix Halo and Arc Pro B70 alike,
/// against 1.4-7.7 % of their matrix peaks (docs/calibration.md). ggml-vulkan has a scalar flash-attention path
/// (FA_SCALAR) beside its cooperative-matrix ones (ggml-vulkan.cpp @ 000651c, ggml_vk_flash_attn); which one a
/// device runs is tuned per vendor, so this rule is the measured one. Needs the entry's fp32_tflops.
bool vulkan_attention_on_vector_units(const Scenario& s) { return vulkan_off_nvidia_with_vector_peak(s); }

/// Whether ggml-vulkan gives an AMD GPU cooperative matrices (its WMMA units) under the run's driver: known when the
/// run states the driver (vulkan_driver) and the catalogue the chip's RDNA generation, else none (the measured rules
/// of this file, which pool the drivers). ggml_vk_khr_cooperative_matrix_support (ggml-org/ggml @ d99724f,
/// src/ggml-vulkan/ggml-vulkan.cpp) allows them under AMD's own drivers (AMDVLK, the proprietary one) only on the
/// architecture it calls RDNA3, and under any other driver wherever the driver offers VK_KHR_cooperative_matrix,
/// which RADV does from RDNA 3 (no WMMA before it). Measured on the R9700 (RDNA 4), AMDVLK takes the paths without
/// them: its quantised prompts run 1.15-1.35x faster than RADV's (integer-dot MMQ against the dequantising coopmat
/// shader) and its prompts at 16-32k depth 1.6-2.8x slower (docs/calibration.md).
std::optional<bool> vulkan_amd_cooperative_matrices(const Scenario& s) {
  const HardwareSpec& hw = *s.hardware;
  if (s.api != DeviceApi::vulkan || !s.vulkan_driver || hw.rdna_generation <= 0 ||
      hardware_class(hw) != HardwareClass::amd)
    return std::nullopt;
  constexpr int kRdna3 = 3;
  if (*s.vulkan_driver == VulkanDriver::radv) return hw.rdna_generation >= kRdna3;
  return hw.rdna_generation == kRdna3;
}

/// Prompt attention with flash attention on ggml-vulkan's scalar shader: get_fa_tuning_params takes FA_COOPMAT1 for
/// more than one row only where the device has cooperative matrices (`coopmat1_fa_support` = coopmat_support and
/// full subgroups), else FA_SCALAR, the shader decode always runs (ggml-org/ggml @ d99724f). Where the run's driver
/// and the chip say there are none (vulkan_amd_cooperative_matrices), its FLOPs run at the scalar shader's share of
/// the vector peak (scalar_flash_attention_compute_efficiency) instead of the share the coopmat path measured.
bool vulkan_prompt_flash_attention_scalar(const Scenario& s) {
  const auto coopmat = vulkan_amd_cooperative_matrices(s);
  return s.flash_attention && coopmat && !*coopmat;
}

/// A grouped-query model's decode step on an AMD GPU with cooperative matrices skips the scalar shader below:
/// ggml_vk_flash_attn folds the query heads that share a KV head into the rows of one workgroup (N = gqa_ratio)
/// when that ratio is at most its row limit, and more than one row on a device with `coopmat1_fa_support` takes
/// the cooperative-matrix shader (FA_COOPMAT1), whose FLOPs hide under the KV stream as they do on CUDA
/// (ggml-org/ggml @ 05a170a9, 2025-12-14: the limit is get_fa_scalar_num_large_rows, 8 rows for head sizes that
/// are multiples of 16 below 192, 4 for the others below, 2 from 192; from @ 541c0510, January 2026, min(the
/// coopmat1 block's 16 rows, 32): 16). A larger ratio, or MHA, leaves one row per workgroup: the scalar shader.
/// A run or scenario that states no driver is taken as RADV, the Mesa driver Linux distributions ship (prefill
/// takes the coopmat path then too: vulkan_prompt_flash_attention_scalar); the catalogue must state the chip's
/// RDNA generation. Measured on the R9700 (b7423, RDNA 4, one build): at 32k depth Qwen3-Coder-30B-A3B Q4_K_M
/// (ratio 8) decodes at 45.5 tok/s under RADV (cooperative matrices), 26.5 under AMDVLK (none), alike at depth 0
/// (105, 113) (docs/calibration.md, "Grouped-query decode on Vulkan's coopmat flash-attention shader").
bool vulkan_decode_attention_on_coopmat(const Scenario& s) {
  Scenario driver = s;
  if (!driver.vulkan_driver) driver.vulkan_driver = VulkanDriver::radv;
  const auto coopmat = vulkan_amd_cooperative_matrices(driver);
  if (!coopmat || !*coopmat || s.model == nullptr) return false;
  const ModelSpec& m = *s.model;
  const int kv_heads = m.attention.global_kv_heads_or(m.kv_heads);
  const int head_dim = m.attention.global_head_dim_or(m.head_dim);
  if (kv_heads <= 0 || m.attention_heads <= kv_heads || m.attention_heads % kv_heads != 0) return false;
  const int ratio = m.attention_heads / kv_heads;
  constexpr int kCoopmatRowsYear = 2026;
  const int max_rows = s.engine_year == 0 || s.engine_year >= kCoopmatRowsYear ? 16
                       : head_dim >= 192                                      ? 2
                       : (head_dim & 8) != 0                                  ? 4
                                                                              : 8;
  return ratio <= max_rows;
}

/// The K and V bytes a prompt's flash attention on ggml-vulkan's shaders reads: for more than 8 query rows
/// ggml_vk_flash_attn dispatches one workgroup per block of Br query rows and per query head (workgroups_x = Tr row
/// blocks, workgroups_y = the query heads; the grouped-query fold that lets the heads of one KV head share a workgroup
/// is only for N <= 8, decode), and each workgroup walks the whole context of its KV head (ggml-org/ggml @ d99724f,
/// src/ggml-vulkan/ggml-vulkan.cpp, ggml_vk_flash_attn). So the cache is read tokens / Br times per query head, not
/// per KV head: Br = 16 on the coopmat shader (get_fa_tuning_params_coopmat1: 16-row blocks), 8 on the scalar one
/// (get_fa_tuning_params_scalar: block_rows 8 past 8 rows for head sizes up to 128 on a discrete AMD card). At
/// 16 FLOPs a byte (f16 K and V) a chip whose vector peak per byte of bandwidth is higher is bound by the stream: Strix
/// Halo (29.7 TFLOPS, 256 GB/s) prefills Llama 2 7B at 64k depth at 2.9 TFLOP/s of attention.
double vulkan_prompt_flash_attention_kv_bytes(const Scenario& s, double tokens, double depth, bool scalar_shader) {
  constexpr double kCoopmatBlockRows = 16;
  const ModelSpec& m = *s.model;
  const auto& a = m.attention;
  const double context = depth + tokens / 2.0;
  // K and V elements one query head reads per attended token: an MLA layer's latent and RoPE key as K and the
  // latent as V (llama.cpp's absorbed form: every query head attends the one cached latent), else a head's K and V.
  const bool mla = m.mla.kv_lora_rank > 0;
  const double full_dims = mla ? 2.0 * m.mla.kv_lora_rank + m.mla.qk_rope_head_dim
                               : 2.0 * a.global_head_dim_or(m.head_dim);
  const double full_attended = a.indexer_topk > 0 ? std::min<double>(context, a.indexer_topk) : context;
  const double sliding_attended = std::min<double>(context, a.sliding_window);
  const double per_query_head = m.full_attention_layers() * full_attended * full_dims +
                                a.sliding_window_layers * sliding_attended * 2.0 * m.head_dim;
  const double block_rows = scalar_shader ? kVulkanScalarPromptBlockRows : kCoopmatBlockRows;
  return tokens / block_rows * m.attention_heads * per_query_head * kv_bytes_per_element(s.kv_type);
}

/// Decode attention with flash attention on Vulkan off NVIDIA is a compute cost on the vector ALUs beside the KV
/// stream: ggml-vulkan runs one query row on its scalar flash-attention shader whatever the device offers
/// (get_fa_tuning_params: "scalar is faster than coopmat when N==1"), and on Intel with subgroup operations off
/// (get_fa_tuning_params_scalar: disable_subgroups) (ggml-org/ggml @ d99724f, src/ggml-vulkan/ggml-vulkan.cpp,
/// the llama.cpp sources). Measured: the Arc Pro B70's decode at 16k depth costs 3-5 ms per GFLOP of attention
/// whatever its KV bytes (GQA models at 4-8 FLOP per cached byte as Llama 2's MHA at 1), a few per cent of its
/// vector peak (docs/calibration.md). Needs the entry's fp32_tflops.
bool vulkan_decode_attention_on_vector_units(const Scenario& s) {
  return s.flash_attention && vulkan_off_nvidia_with_vector_peak(s) && !vulkan_decode_attention_on_coopmat(s);
}

// Bytes of KV cache one AMD compute unit streams per clock cycle through ggml-vulkan's cooperative-matrix
// flash-attention shader at one token (vulkan_decode_attention_on_coopmat). The shader multiplies whole 16-row
// coopmat tiles whatever the rows the grouped heads fill (4-8 of 16 for the measured models), so its work per cached
// byte is fixed and its stream is held by the CUs, not by the memory. Chosen by the leave-one-hardware-out error of
// llama.cpp · vulkan · amd decode (docs/calibration.md, "Vulkan: the coopmat decode shader's KV stream per compute
// unit"): 20.2 % without, 18.3 % flat from 1.5 to 2.0, 19.6 % at 3.
constexpr double kVulkanCoopmatDecodeKvBytesPerCuCycle = 2.0;

/// The roof of the KV stream of a decode step on Vulkan's coopmat flash-attention shader (grouped-query heads on an
/// AMD GPU with cooperative matrices: vulkan_decode_attention_on_coopmat): CUs x clock x
/// kVulkanCoopmatDecodeKvBytesPerCuCycle, when the catalogue states both (gpu_cores, gpu_clock_ghz); the share of
/// peak (kv_bandwidth_efficiency) then applies to the lower of it and the bandwidth. Measured (b7423 and b9187):
/// the R9700 (64 CUs, 645 GB/s) streams its GQA models' cache at 200-340 GB/s under RADV at 16-32k depth, its MHA
/// Llama 2 (scalar shader) at 550-565 GB/s; the Strix Halo (40 CUs, 256 GB/s) its GQA cache at 230 GB/s, near
/// its bandwidth. Infinite (no roof) elsewhere.
double vulkan_coopmat_decode_kv_roof(const Scenario& s) {
  const HardwareSpec& hw = *s.hardware;
  if (!s.flash_attention || hw.gpu_cores <= 0 || !(hw.gpu_clock_ghz > 0) || !vulkan_off_nvidia_with_vector_peak(s) ||
      !vulkan_decode_attention_on_coopmat(s))
    return std::numeric_limits<double>::infinity();
  return hw.gpu_cores * hw.gpu_clock_ghz * 1e9 * kVulkanCoopmatDecodeKvBytesPerCuCycle;
}

/// BF16 routed experts decode through ggml-vulkan's matrix-matrix matmul_id shader, not a matrix-vector one:
/// ggml_vk_use_mul_mat_vec_id takes F32, F16 and quantised expert weights only (ggml-org/ggml @ d99724f,
/// src/ggml-vulkan/ggml-vulkan.cpp; unchanged since November 2025, llama.cpp PR #16868, and #18918 of January 2026
/// only widened the token count), on every vendor. The tiled shader streams the experts' rows for one token at a
/// share of the bandwidth of its own (matmul_id_decode_bandwidth_efficiency). Measured: Strix Halo decodes
/// Qwen3.6-35B-A3B at 10.7 tok/s in BF16 against 46 in Q8_0 (docs/calibration.md).
bool bf16_experts_decode_through_matmul_id(const Scenario& s) {
  return s.api == DeviceApi::vulkan && s.quant != nullptr && s.quant->id == "bf16" && s.model != nullptr &&
         s.model->is_moe();
}

/// An Intel GPU on ggml-vulkan multiplies a token's quantised weights in the integer-dot matrix-vector shaders (MMVQ:
/// the activations quantised to Q8_1 in a pass of their own, then mul_mat_vec*_q8_1), and runs them there in
/// workgroups of one subgroup at its smallest size (16 lanes on Xe2) with one row of a K-quant each
/// (ggml_vk_get_dequantize_mul_mat_vec(_id) forces DMMV_WG_SIZE_SUBGROUP for Q8_1 on Intel; ggml_vk_load_shaders,
/// rm_kq_int = 1). ggml_vk_should_use_mmvq takes that path on Intel for matrices of 2048 columns or more in every
/// format with an integer-dot shader but Q4_0 and Q5_1 (tuned on an A770 under Linux), and Q3_K and Q6_K only on
/// Xe2 from June 2026 (llama.cpp PR #23056, b9452); the rest (F16, BF16, Q4_0, most i-quants) take the float shaders
/// (ggml-org/ggml @ ac6f7b4, the Arc Pro B70 runs' b9039, and @ d99724f). It arrived with llama.cpp PR #16900
/// (29 November 2025, between b7189 and b7209: issue #17628 measured an A770's Q4_K_M decode fall 53 -> 42 tok/s)
/// and was turned off on Intel's Windows driver in March 2026 (PR #20672). What it costs there is Mesa's (ANV): a
/// time per layer, not a share of the bandwidth. On the B70 (Mesa) the Vulkan decode of every MMVQ model (dense
/// Q4_K_M, MoE Q4_K_M, MXFP4) sits 0.4-0.7 ms a layer above its bytes at the BF16 rows' rate, the BF16 and Q4_0 rows
/// 0.1 ms: a 2 GB MoE token and a 16 GB dense one pay the same per layer. An A770 on one build (b8191, PR #19988)
/// decodes 1.6-1.7x slower under Mesa than under Intel's Windows driver in MMVQ formats (Llama 3 8B Q4_K_M, gpt-oss
/// 20B), 1.3x in Q4_0 (docs/calibration.md, "Intel on Vulkan: Mesa's integer-dot shaders cost a time per layer").
/// Intel's Windows driver is the stated exception; a run that states no driver is taken as Mesa's, the driver every
/// Linux system loads for Intel GPUs. mmvq_layer_overhead_us.
bool vulkan_intel_integer_dot_matvec(const Scenario& s) {
  if (s.api != DeviceApi::vulkan || s.quant == nullptr || hardware_class(*s.hardware) != HardwareClass::intel ||
      s.vulkan_driver == VulkanDriver::intel_proprietary)
    return false;
  constexpr int kFirstYear = 2026;    // every 2026 build has it
  constexpr int kFirstBuild = 7209;   // PR #16900: after b7189, by b7209 (issue #17628)
  if (s.engine_year != 0 && s.engine_year < kFirstYear && s.engine_build < kFirstBuild) return false;
  const std::string& id = s.quant->id;
  switch (s.quant->kernel) {
    case QuantKernel::legacy: return id == "q8_0" || id == "q4_1" || id == "q5_0";
    case QuantKernel::mxfp4: return s.quant->format == QuantFormat::gguf;
    case QuantKernel::i_quant: return id == "iq1_s" || id == "iq1_m";
    case QuantKernel::k_quant: {
      const bool q3_or_q6 = id == "q6_k" || id.rfind("q3_k", 0) == 0;
      if (!q3_or_q6) return true;
      constexpr int kFirstBuildQ3Q6 = 9452;  // PR #23056: Q3_K and Q6_K on MMVQ on Xe2
      const bool xe2 = !matmul_on_vector_units(s);  // on Intel only Xe2 reaches cooperative matrices on Vulkan
      return xe2 && ((s.engine_year == 0 && s.engine_build == 0) || s.engine_build >= kFirstBuildQ3Q6);
    }
    default: return false;
  }
}

/// The K-quant super-blocks below 4 bits (Q3_K: 110 bytes per 256 weights, Q2_K: 84) cost their matrix-vector kernels
/// more vector-ALU work per weight than the others, beyond what hides under the weight stream. Q3_K keeps each weight's
/// two low bits in qs and its high bit in hmask, and each 16 weights' 6-bit scale in two bytes at different offsets:
/// ggml-cuda's kernel (also ROCm's, through HIP) assembles the scale and subtracts the high bit for every 4 weights
/// and takes 1 int of quants per thread and step where Q4_K and Q5_K take 2 (vecdotq.cuh, vec_dot_q3_K_q8_1_impl_mmvq,
/// VDR_Q3_K_Q8_1_MMVQ 1 against VDR_Q4_K_Q8_1_MMVQ 2, as VDR_Q2_K_Q8_1_MMVQ 1); ggml-vulkan's integer-dot path, which
/// an AMD RDNA GPU takes for them from 2048 columns, reads a Q3_K block 2 bytes at a time (its 110 bytes are not
/// 4-byte aligned), and its float path caches each superblock's scales in shared memory behind a workgroup barrier
/// (mul_mat_vecq_funcs.glsl, mul_mat_vec_q3_k.comp, ggml_vk_should_use_mmvq, which on NVIDIA and Intel's Xe2 always
/// sends Q2_K and Q3_K to the integer-dot kernel; ggml-org/ggml @ d99724f, src/ggml-cuda and src/ggml-vulkan). Hence
/// an ALU time per weight at the vector peak (low_bit_kquant_unpack_ops_per_weight / fp32_tflops) added to the
/// stream. Measured on the R9700, the only GPU with such runs: Gemma 3 4B and Devstral 2 123B in Q3_K_S decode
/// 15-25 % slower than the other K-quants' share of its bandwidth predicts, on ROCm and Vulkan alike
/// (docs/model.md, "Q3_K at decode"). Q2_K has no GPU runs: it follows Q3_K by its kernels. Off CPU cores (which
/// price every format's cycles: cpu_dequant_seconds); needs the entry's fp32_tflops. Not on NVIDIA, whose entries
/// state fp32_tflops for Vulkan's prompt unpack (vulkan_dequant_on_vector_units) and where no run measures a low-bit
/// decode: Turing issues integer operations on INT32 lanes beside its FP32 ones, so its FP32 peak need not bound them.
bool low_bit_kquant_unpack_on_vector_units(const Scenario& s) {
  if (s.quant == nullptr || runs_on_cpu_cores(s) || !(s.hardware->fp32_tflops > 0)) return false;
  const HardwareClass c = hardware_class(*s.hardware);
  if (c == HardwareClass::nvidia_consumer || c == HardwareClass::nvidia_datacenter) return false;
  const QuantSpec& q = *s.quant;
  return q.kernel == QuantKernel::k_quant && q.block_weights == 256 && q.block_bytes > 0 &&
         8.0 * q.block_bytes / q.block_weights < 4.0;
}

/// The routed experts of a prompt go through one GEMM per expert over its routed rows (ubatch·k/E), at
/// float_expert_compute_efficiency, instead of one fused kernel with the expert ids: float experts on the matrix
/// engines (ggml-cuda's mul_mat_id: no fused kernel for float weights beyond a few tokens; docs/model.md), and on
/// SYCL experts of every type: ggml_sycl_mul_mat_id, for more than one token, copies the expert ids to the host,
/// waits for the queue, and calls ggml_sycl_mul_mat once per expert with rows (ggml-org/ggml @ d99724f and before
/// llama.cpp PR #23142, src/ggml-sycl/ggml-sycl.cpp; PR #23142 of May 2026 sorted the rows once, the loop stays).
bool routed_experts_one_gemm_each(const Scenario& s, bool vector_gemms) {
  if (s.model == nullptr || !s.model->is_moe() || vector_gemms) return false;
  return s.quant->kernel == QuantKernel::float_ || s.api == DeviceApi::sycl;
}

/// vLLM's GEMMs on ROCm on the AMD Instincts before gfx90a that have matrix cores (gfx908, the MI100: the HBM2
/// Instincts whose entry states a vector figure; gfx906 has no matrix cores and its fp16_tflops is already its
/// vector rate) run at the vector FP32 peak: upstream vLLM's ROCm-tuned paths are gated to gfx90a, gfx942 and
/// gfx950 (vllm/platforms/rocm.py, on_gfx9), its default W4A16 kernel is tuned for gfx942 and dequantises in its
/// K loop (vllm/model_executor/kernels/linear/mixed_precision/triton_w4a16.py @ 055e47c), and the MI100 box
/// prefills GPTQ at 8-11 % of its matrix peak, 67-84 % of its vector FP32 one (docs/calibration.md, "vLLM on
/// gfx908"). Prefill's GEMMs and the batched step's further sequences. Needs the entry's fp32_tflops.
bool vllm_gemms_on_vector_units(const Scenario& s) {
  const HardwareSpec& hw = *s.hardware;
  return s.backend == Backend::vllm && s.api == DeviceApi::rocm && hw.vendor == "amd" && hw.memory_type == "hbm2" &&
         hw.fp32_tflops > 0 && !amd_gcn_without_matrix_cores(hw);
}

/// The weight GEMMs of this scenario run on the vector ALUs (at fp32_tflops, share vector_compute_efficiency)
/// rather than the matrix engines: the API cannot reach them (vector_only_apis), the weight type has no
/// matrix path on it (BF16 on Vulkan off NVIDIA; BF16 on ROCm on gfx906, rocm_bf16_on_fp32_units) or the engine's
/// kernels do not reach them on this chip (vLLM on gfx908). One rule for the peak and the constant.
bool weight_gemms_on_vector_units(const Scenario& s) {
  return matmul_on_vector_units(s) || bf16_matmul_on_vector_units(s) || vllm_gemms_on_vector_units(s) ||
         rocm_bf16_on_fp32_units(s);
}

/// ggml-vulkan's tiled matmul_id shader computes whole tiles of a micro-batch's tokens per routed expert: it picks
/// its tile by the micro-batch's token count (ggml_vk_guess_matmul_id_pipeline: the small tile up to 32 tokens, the
/// medium up to 64, else the large, BN = 32 / 64 / 128 tokens wide: s/m/l_wg_denoms outside coopmat2), dispatches
/// ceil(tokens / BN) tiles per expert and returns early only from the tiles past the expert's routed rows
/// (mul_mm.comp, MUL_MAT_ID: `ic * BN >= data_expert_count[expert_idx]`; ggml-org/ggml @ d99724f,
/// src/ggml-vulkan/ggml-vulkan.cpp and vulkan-shaders/mul_mm.comp). An expert with r < BN routed rows thus costs a
/// BN-row GEMM. Where the shader multiplies with FMAs on the vector ALUs (no cooperative matrix for the weight
/// type: BF16 without bfloat16 cooperative matrices, an API without matrix engines), the padded rows cost what real
/// ones do; the routed experts' FLOPs scale by padded over routed rows. 1 for a dense model or another path.
constexpr double kMatmulIdSmallTileTokens = 32;
constexpr double kMatmulIdMediumTileTokens = 64;
constexpr double kMatmulIdLargeTileTokens = 128;

/// The experts a prefill micro-batch of one prompt hits: uniform routing (popularity exponent 0), with which the
/// prefill expert terms (ROCm's MMQ passes, Vulkan's matmul_id tiles) were fitted. The routers' skew
/// (kExpertPopularityExponent), applied here too, moved the prefill HEADLINE from 20.4 to 20.5 % (docs/calibration.md,
/// "Distinct experts of a batch"); a batch of independent sequences' decode tokens takes it (expected_distinct_experts).
double micro_batch_distinct_experts(const ModelSpec& m, double micro_batch_tokens) {
  return expected_distinct_experts(m.moe.experts, m.moe.experts_per_token, std::round(micro_batch_tokens), 0.0);
}

double vulkan_expert_tile_padding(const Scenario& s, double micro_batch_tokens) {
  if (s.api != DeviceApi::vulkan || s.model == nullptr || !s.model->is_moe() || !weight_gemms_on_vector_units(s) ||
      !(micro_batch_tokens >= 1))
    return 1.0;
  const ModelSpec& m = *s.model;
  const double tile = micro_batch_tokens <= kMatmulIdSmallTileTokens    ? kMatmulIdSmallTileTokens
                      : micro_batch_tokens <= kMatmulIdMediumTileTokens ? kMatmulIdMediumTileTokens
                                                                        : kMatmulIdLargeTileTokens;
  const double routed_rows = micro_batch_tokens * m.moe.experts_per_token;
  const double hit = micro_batch_distinct_experts(m, micro_batch_tokens);
  if (!(hit > 0)) return 1.0;
  const double rows_per_expert = routed_rows / hit;
  return std::max(1.0, hit * tile * std::ceil(rows_per_expert / tile) / routed_rows);
}

/// ggml-cuda's MMQ kernel on ROCm tiles a prompt's quantised GEMMs by J tokens (its mmq_x): each tile of J columns of
/// the micro-batch reads and unpacks the weight rows it multiplies, so a matrix's weights are read once per column
/// tile. J is the smallest multiple of 8 up to the largest tile that needs the fewest tiles for the micro-batch's token
/// count (ggml-org/ggml @ d99724f, src/ggml-cuda/mmq.cuh, mul_mat_q_switch_J), 128 tokens on matrix engines (WMMA,
/// MFMA) and 64 with int8 dot products only (mmq_get_mmq_x_max_host; the GCN Instincts). For MUL_MAT_ID
/// (ggml_cuda_mul_mat_q: mmq_args.ncols_max = ne12) J is sized by the whole micro-batch too, and each routed expert
/// runs ceil(rows / J) tiles, returning early only from tiles past its routed rows (mul_mat_q_process_tile:
/// `jt*J >= col_diff`). Hence three rules for ROCm's quantised prompts, no constant fitted (docs/model.md, "MMQ's
/// column tiles on ROCm"): the weight passes per micro-batch (prefill_dequant_passes, stated for a 512-token
/// micro-batch) scale with its column tiles (mmq_column_tile_passes); a routed expert's weights are read once per
/// tile of its own rows, by the experts the micro-batch hits (mmq_expert_pass_share); and its FLOPs are those of
/// whole tiles (mmq_expert_tile_padding). CUDA runs the same kernel; no CUDA run here has a micro-batch other than 512
/// tokens or a quantised MoE prompt to test it, so it keeps the plain passes.
constexpr int kMmqTileStepTokens = 8;
constexpr int kMmqMaxTileTokens = 128;
constexpr int kMmqDp4aMaxTileTokens = 64;
constexpr double kDequantPassesReferenceTokens = 512;  // the micro-batch prefill_dequant_passes is stated for

bool rocm_mmq_tiles(const Scenario& s) {
  return s.api == DeviceApi::rocm && prefill_runs_at_sm_rate(s.backend) && s.quant != nullptr &&
         s.quant->kernel != QuantKernel::float_;
}

/// MMQ's tile width J for a micro-batch of this many tokens.
double mmq_tile_tokens(const Scenario& s, double micro_batch_tokens) {
  const int max_tile = amd_gcn_without_matrix_cores(*s.hardware) ? kMmqDp4aMaxTileTokens : kMmqMaxTileTokens;
  double tile = kMmqTileStepTokens;
  double fewest = std::numeric_limits<double>::infinity();
  for (int j = kMmqTileStepTokens; j <= max_tile; j += kMmqTileStepTokens) {
    const double tiles = std::ceil(micro_batch_tokens / j);
    if (tiles < fewest) {
      fewest = tiles;
      tile = j;
    }
  }
  return tile;
}

/// Weight passes of a micro-batch over those of a 512-token one: its column tiles over theirs. 1 off ROCm's MMQ.
double mmq_column_tile_passes(const Scenario& s, double micro_batch_tokens) {
  if (!rocm_mmq_tiles(s) || !(micro_batch_tokens >= 1)) return 1.0;
  return std::ceil(micro_batch_tokens / mmq_tile_tokens(s, micro_batch_tokens)) /
         std::ceil(kDequantPassesReferenceTokens / mmq_tile_tokens(s, kDequantPassesReferenceTokens));
}

/// Routed rows per hit expert and the experts a micro-batch hits (micro_batch_distinct_experts).
struct ExpertRows {
  double hit = 0;
  double rows = 0;
};

ExpertRows expert_rows(const ModelSpec& m, double micro_batch_tokens) {
  const double hit = m.is_moe() ? micro_batch_distinct_experts(m, micro_batch_tokens) : 0.0;
  return {hit, hit > 0 ? micro_batch_tokens * m.moe.experts_per_token / hit : 0.0};
}

/// The routed experts' weight passes over the dense weights' (both per stored byte): the hit experts' tiles of their own
/// rows over every expert's share of the micro-batch's tiles. 1 for a dense model or off ROCm's MMQ.
double mmq_expert_pass_share(const Scenario& s, double micro_batch_tokens) {
  if (!rocm_mmq_tiles(s) || s.model == nullptr || !s.model->is_moe() || !(micro_batch_tokens >= 1)) return 1.0;
  const ModelSpec& m = *s.model;
  const double tile = mmq_tile_tokens(s, micro_batch_tokens);
  const ExpertRows e = expert_rows(m, micro_batch_tokens);
  if (!(e.hit > 0)) return 1.0;
  return e.hit * std::ceil(e.rows / tile) / (m.moe.experts * std::ceil(micro_batch_tokens / tile));
}

/// The routed experts' FLOPs in whole MMQ tiles over their routed rows' FLOPs. 1 for a dense model or off ROCm's MMQ.
double mmq_expert_tile_padding(const Scenario& s, double micro_batch_tokens) {
  if (!rocm_mmq_tiles(s) || s.model == nullptr || !s.model->is_moe() || !(micro_batch_tokens >= 1)) return 1.0;
  const double tile = mmq_tile_tokens(s, micro_batch_tokens);
  const ExpertRows e = expert_rows(*s.model, micro_batch_tokens);
  if (!(e.rows > 0)) return 1.0;
  return std::max(1.0, tile * std::ceil(e.rows / tile) / e.rows);
}

/// ggml-sycl's prompt GEMMs of quantised weights stage the weights in FP16 in device memory: a micro-batch of more
/// than MMQ_MAX_BATCH_SIZE (32) tokens leaves the MMQ kernels (SYCL_USE_XMX, defined unless GGML_SYCL_FORCE_MMQ), and
/// ggml_sycl_op_mul_mat_sycl converts the whole weight matrix to FP16 (to_fp16_sycl into a pool buffer) before the
/// oneDNN (or oneMKL) GEMM reads it (ggml-org/ggml @ fb23d349, May 2026, and @ d99724f, src/ggml-sycl/ggml-sycl.cpp and
/// common.hpp; GGML_SYCL_F16=ON, the build the B70 toolboxes use: kyuz0/intel-b70-ai-toolboxes, Dockerfile.sycl). So
/// every weight a prompt's GEMM multiplies is written as 2 bytes and read back as 2 by the GEMM, once per micro-batch:
/// kSyclFp16StagingBytesPerWeight bytes of DRAM traffic beyond the quantised stream, at the weight stream's share of
/// the bandwidth. Routed experts run one GEMM each (routed_experts_one_gemm_each); an expert with no more routed
/// rows than the MMQ limit stays on MMQ and stages nothing. BF16 and F16 weights go to the GEMM as they are.
constexpr double kSyclFp16StagingBytesPerWeight = 4;
constexpr double kSyclMmqMaxBatchTokens = 32;

bool sycl_prompt_gemms_stage_fp16(const Scenario& s, double micro_batch_tokens) {
  return s.api == DeviceApi::sycl && prefill_runs_at_sm_rate(s.backend) && s.quant != nullptr &&
         s.quant->kernel != QuantKernel::float_ && micro_batch_tokens > kSyclMmqMaxBatchTokens;
}

/// ggml-vulkan has no dequantisation kernel before its prompt GEMMs: ggml_vk_mul_mat_q_f16 dequantises the
/// weights apart only for a type without a matmul pipeline or a non-contiguous tensor (`qx_needs_dequant`), and
/// otherwise its coopmat, scalar and MMQ shaders unpack each weight tile into shared memory as they go, on the
/// vector ALUs (ggml-org/ggml @ d99724f, src/ggml-vulkan/ggml-vulkan.cpp). So a dequantisation pass over the weights
/// (prefill_dequant_passes) costs vector FP32 operations there, not a DRAM stream, and operations per weight, not per
/// stored byte: each weight a tile holds is unpacked once however many bits it is stored in (Q8_0 converts a byte and
/// scales it where Q4_K unpacks a nibble, its sub-block scale and minimum). kVulkanDequantFlopPerWeight operations per
/// weight at fp32_tflops. The figure converts units, not a fit: 100 operations per byte of a 4.5-bit weight (Q4_0,
/// Q4_K), about the FP32-FLOP-to-byte balance of the Vulkan GPUs the passes are fitted on (R9700 74, Strix Halo 116,
/// Arc Pro B70 38), so a pass keeps the scale of the DRAM passes of the other APIs that the fit shrinks it toward; the
/// passes stay fitted per engine era. Priced per stored byte instead (as before issue 20's third Vulkan pass), Q8_0
/// prompts were predicted 13-15 % slower than measured on Strix Halo where Q4_K_M ones were 12-23 % faster.
/// Needs the entry's fp32_tflops (else the DRAM stream stays). NVIDIA alike: from Turing on its driver offers
/// VK_KHR_cooperative_matrix with FP16-accumulate shapes, so ggml_vk_get_mul_mat_mat_pipeline takes the dequantising
/// coopmat shader (or coopmat2's) at f16acc and never MMQ, whose pipelines it builds only without cooperative
/// matrices (ggml-org/ggml @ 400b9294, Dec 2025): the unpack runs at the vector peak there too, which on Turing (64
/// FP32 lanes per SM) is a quarter of its FP32-accumulate tensor rate and on Ampere and Ada (128) half
/// (docs/calibration.md, "Vulkan on NVIDIA: the weight tiles unpacked at the vector peak").
constexpr double kVulkanDequantReferenceBitsPerWeight = 4.5;
constexpr double kVulkanDequantFlopPerWeight = 100 * kVulkanDequantReferenceBitsPerWeight / 8;

bool vulkan_dequant_on_vector_units(const Scenario& s) {
  return s.api == DeviceApi::vulkan && s.hardware->fp32_tflops > 0;
}

double vulkan_dequant_seconds_per_byte(const Scenario& s) {
  const double bytes_per_weight = s.quant->bits_per_weight / 8;
  return kVulkanDequantFlopPerWeight / bytes_per_weight / (s.hardware->fp32_tflops * units::kFlopsPerTflop);
}

/// Tokens one threadgroup of ggml-metal's mul_mm computes: 64 weight rows by 32 tokens, dispatched as
/// ceil(tokens / 32) column tiles however few tokens fill the last (ggml-metal.m at ggml dd92cfd4, Oct 2023:
/// `dispatchThreadgroups:MTLSizeMake((ne11 + 31)/32, (ne01 + 63)/64, ne12)`; ggml-metal-device.cpp at d99724f:
/// nr1 = 32 outside the tensor-API path of Apple10 GPUs). A batch of B tokens past the matrix-vector rows costs
/// the multiply-adds of this many.
constexpr double kMetalMatmulTileTokens = 32;

double metal_matmul_tile_tokens(int batch) {
  return kMetalMatmulTileTokens * std::ceil(static_cast<double>(batch) / kMetalMatmulTileTokens);
}

// Dense FLOP per SM and clock of the widest warp-synchronous tensor instruction (mma.sync), the only kind ggml-cuda's
// MMQ issues (ggml-cuda/mma.cuh: `mma.sync.aligned.m16n8k32.row.col.s32.s8.s8.s32`; no wgmma or tcgen05 in ggml-cuda
// at ggml-org/llama.cpp b6918): GA100's 4 tensor cores x 256 dense FP16 FMA (NVIDIA A100 whitepaper, "Third-generation
// tensor cores": 2x GA102's 1024). GH100's datasheet rate (4096, H100 whitepaper table 3) is reached through its
// asynchronous warpgroup wgmma; warp-level mma.sync is reported at about half of it on Hopper (Hopper
// micro-benchmarks, Luo et al., arXiv 2402.13499; wmma measured at ~50 % of H100's FP16 peak), GA100's rate. A
// hardware figure, not fitted (docs/calibration.md, "The MMQ tiles at the SM's warp-level MMA rate").
constexpr double kWarpMmaFlopPerSmClock = 2048;

/// The rate llama.cpp's batched MMQ tiles (past the matrix-vector rows) multiply quantised weights at on CUDA: SMs x
/// clock x the SM's warp-level MMA rate, the catalogue's tensor peak per SM and clock capped at
/// kWarpMmaFlopPerSmClock, so a consumer part (1024 per SM and clock) keeps its datasheet peak, an A100 its own, and an
/// H100 or H200 runs at half of its wgmma datasheet figure. Each chip gets it from its own SMs and clock, not from
/// the SM count of the chip the batched share was fitted on. Infinite (no cap) where sm_roof_flops is.
double mmq_tile_roof_flops(const Scenario& s) {
  if (!std::isfinite(sm_roof_flops(s))) return std::numeric_limits<double>::infinity();
  const HardwareSpec& hw = *s.hardware;
  return hw.gpu_cores * hw.gpu_clock_ghz * 1e9 * kWarpMmaFlopPerSmClock;
}

/// The peak the batched decode step's further sequences compute at: the vector FP32 peak where vLLM's GEMMs run
/// on the vector ALUs (the same kernels as its prefill); quantised weights in an engine whose CUDA kernels run at
/// the SM's rate: in the matrix-vector kernels (MMVQ: dp4a on the CUDA cores, `tiles` false) held to the same SM roof
/// as its prefill GEMMs (sm_roof_flops), in the MMQ tiles to the SM's warp-level MMA rate (mmq_tile_roof_flops); else
/// compute_peak_flops.
double batched_step_peak_flops(const Scenario& s, bool tiles) {
  if (vllm_gemms_on_vector_units(s)) return s.hardware->fp32_tflops * units::kFlopsPerTflop;
  if (s.quant != nullptr && s.quant->kernel != QuantKernel::float_)
    return std::min(compute_peak_flops(s), tiles ? mmq_tile_roof_flops(s) : sm_roof_flops(s));
  return compute_peak_flops(s);
}

/// Prefill's peak: on the CPU backend of a CPU entry the FP32 FMA peak of the cores the run uses (16 FLOP per
/// clock and SIMD unit; the entry's fp16_tflops when every core runs), so a prompt on 8 threads of 16 cores
/// runs at half of it; else compute_peak_flops. A unified chip keeps its share of the GPU figure: its
/// catalogue states the CPU's vector width, not its pipes (an Apple P-core has four 128-bit FMA pipes), and
/// its measured int8 prefill (M2 Max Q4_0, 8 threads: 1.8 TFLOP/s) exceeds what the width alone allows.
double prefill_peak_flops(const Scenario& s) {
  if (runs_on_cpu_cores(s) && s.hardware->kind == HardwareKind::cpu)
    return cpu_simd_cycles_per_second(s) * kFlopPerClockPerUnit;
  if (matmul_on_vector_units(s)) return s.hardware->fp32_tflops * units::kFlopsPerTflop;
  return compute_peak_flops(s);
}

/// Token mixing beyond the weights, per token (Chinchilla, Hoffmann et al. 2022, App. F: 2 FLOPs per
/// parameter per token are counted apart; QK^T and attention·V each 2·context·head_dim per head), plus
/// the recurrent layers' state updates, which do not grow with the context. A sparse-attention layer attends
/// to its top-k tokens and scores every token with its indexer (2·indexer_heads·indexer_head_dim each).
double attention_flops_per_token(const ModelSpec& m, double context) {
  const auto& a = m.attention;
  const double heads = m.attention_heads;
  const double full_head_dim = m.mla.kv_lora_rank > 0 ? m.head_dim : a.global_head_dim_or(m.head_dim);
  const double attended = a.indexer_topk > 0 ? std::min<double>(context, a.indexer_topk) : context;
  const double window = a.sliding_window;
  return 4.0 * heads * (m.full_attention_layers() * full_head_dim * attended +
                        a.sliding_window_layers * static_cast<double>(m.head_dim) * std::min(context, window)) +
         2.0 * m.full_attention_layers() * static_cast<double>(a.indexer_heads) * a.indexer_head_dim * context +
         recurrent_state_flops_per_token(m);
}


struct Placement {
  double device_fraction = 1;         // share of repeating layers on the accelerator
  double host_routed_fraction = 0;    // share of routed experts held by the host (expert offload)
};

Placement placement_of(const ModelSpec& m, const MemoryFit& fit) {
  Placement p;
  if (fit.offload == OffloadKind::layers && m.layers > 0)
    p.device_fraction = static_cast<double>(fit.gpu_layers) / m.layers;
  if (fit.offload == OffloadKind::experts && m.is_moe()) {
    const int moe_layers = m.moe_layers();
    p.host_routed_fraction = moe_layers > 0 ? static_cast<double>(fit.cpu_layers) / moe_layers : 0;
  }
  return p;
}

double host_bandwidth(const Scenario& s, const EfficiencyConstants& k) {
  const HardwareSpec& hw = *s.hardware;
  if (hw.kind == HardwareKind::gpu && s.host != nullptr)
    return s.host->bandwidth_gb_s * units::kBytesPerGB * k.host_bandwidth_efficiency;
  return hw.bandwidth_gb_s * units::kBytesPerGB * k.host_bandwidth_efficiency;
}

/// Terms prepared for another model or quantisation than the scenario's must not be used.
bool terms_belong_to(const ModelQuantTerms& terms, const Scenario& s) {
  return terms.model == s.model && terms.quant == s.quant;
}

}  // namespace

double expected_distinct_experts(int experts, int experts_per_token, double batch, double popularity_exponent) noexcept {
  if (experts <= 0 || experts_per_token <= 0) return 0.0;
  const int k = std::min(experts_per_token, experts);
  if (batch <= 1) return k * std::max(0.0, batch);  // one token reads its k experts (none for no token)
  // The r-th most popular expert is chosen by a token with probability q_r = min(1, c·r^−s), c such that the q_r
  // sum to k (a token picks k distinct experts). The capped ones are a prefix (the weights fall with r): raise the
  // prefix until the rest fits under 1.
  const double s = std::max(0.0, popularity_exponent);
  auto weight = [s](int rank) { return s == 0 ? 1.0 : std::pow(static_cast<double>(rank), -s); };
  double tail = 0;  // Σ of the weights past the capped prefix
  for (int r = 1; r <= experts; ++r) tail += weight(r);
  int capped = 0;
  double c = k / tail;
  while (capped < k && c * weight(capped + 1) > 1.0) {
    tail -= weight(capped + 1);
    ++capped;
    c = (k - capped) / tail;
  }
  // An expert is missed by all B tokens with probability (1 − q_r)^B.
  double distinct = capped;
  for (int r = capped + 1; r <= experts; ++r) distinct += 1.0 - std::pow(1.0 - std::min(1.0, c * weight(r)), batch);
  return distinct;
}

double expected_distinct_experts(const ModelSpec& m, int batch) noexcept {
  if (!m.is_moe()) return 0.0;
  return expected_distinct_experts(m.moe.experts, m.moe.experts_per_token, std::max(1, batch),
                                   kExpertPopularityExponent);
}

double step_distinct_experts(const Scenario& s) noexcept {
  if (s.model == nullptr) return 0.0;
  return expected_distinct_experts(*s.model, s.identical_batch_tokens ? 1 : std::max(1, s.batch));
}

KvCacheType kv_cache_type_or_throw(std::string_view text) {
  if (const auto type = parse_kv_cache_type(text)) return *type;
  throw InputError(field("kv_type") + ": unknown cache type '" + std::string(text.substr(0, 40)) +
                   "'; choose one of " + enum_choices<KvCacheType>());
}

double kv_bytes_per_element(KvCacheType type) noexcept {
  switch (type) {
    case KvCacheType::f32: return 4.0;
    case KvCacheType::f16:
    case KvCacheType::bf16: return 2.0;
    case KvCacheType::q8_0: return 34.0 / 32.0;  // ggml block_q8_0: 32 int8 + f16 scale
    case KvCacheType::q4_0: return 18.0 / 32.0;  // ggml block_q4_0: 32 nibbles + f16 scale
  }
  return 2.0;
}

std::string_view to_string(FitVerdict verdict) noexcept {
  switch (verdict) {
    case FitVerdict::fits: return "fits";
    case FitVerdict::partial_offload: return "partial_offload";
    case FitVerdict::does_not_fit: return "does_not_fit";
  }
  return "?";
}

std::string_view to_string(OffloadKind kind) noexcept {
  switch (kind) {
    case OffloadKind::none: return "none";
    case OffloadKind::layers: return "layers";
    case OffloadKind::experts: return "experts";
  }
  return "?";
}

ParamBreakdown shape_params(const ModelSpec& m) noexcept {
  ParamBreakdown p;
  const double hidden = m.hidden_size;
  const double vocab_hidden = static_cast<double>(m.vocab_size) * hidden;
  p.embedding = vocab_hidden;
  p.output = m.tied_embeddings ? 0.0 : vocab_hidden;
  const auto& a = m.attention;

  double full_layer = 0;     // one full-attention layer
  double sliding_layer = 0;  // one sliding-window layer
  if (m.mla.kv_lora_rank > 0) {
    // DeepSeek-V2 MLA projections (DeepSeek-V2 paper, sec. 2.1.2).
    const double heads = m.attention_heads;
    const double qk_head = m.mla.qk_nope_head_dim + m.mla.qk_rope_head_dim;
    const double q = m.mla.q_lora_rank > 0
                         ? hidden * m.mla.q_lora_rank + static_cast<double>(m.mla.q_lora_rank) * heads * qk_head
                         : hidden * heads * qk_head;
    const double kv_a = hidden * (m.mla.kv_lora_rank + m.mla.qk_rope_head_dim);
    const double kv_b = static_cast<double>(m.mla.kv_lora_rank) * heads * (m.mla.qk_nope_head_dim + m.mla.v_head_dim);
    const double o = heads * m.mla.v_head_dim * hidden;
    full_layer = sliding_layer = q + kv_a + kv_b + o;
  } else {
    // Q (and its output gate), K, V, O: hidden·heads·head_dim·(2 or 3) + 2·hidden·kv_heads·head_dim.
    auto layer = [&](double head_dim, double kv_heads, bool value_is_key) {
      const double q_width = m.attention_heads * head_dim;
      return hidden * q_width * (a.output_gate ? 3.0 : 2.0) + (value_is_key ? 1.0 : 2.0) * hidden * kv_heads * head_dim;
    };
    sliding_layer = layer(m.head_dim, m.kv_heads, false);
    full_layer = layer(a.global_head_dim_or(m.head_dim), a.global_kv_heads_or(m.kv_heads), a.global_value_is_key);
  }
  if (a.indexer_heads > 0) {
    // DSA lightning indexer: query from the query latent (or the hidden state), one key, per-head weights.
    const double query_in = m.mla.q_lora_rank > 0 ? m.mla.q_lora_rank : hidden;
    full_layer += query_in * a.indexer_heads * a.indexer_head_dim + hidden * a.indexer_head_dim + hidden * a.indexer_heads;
  }
  // Gated DeltaNet (Qwen3-Next): in_proj_qkvz, in_proj_ba, out_proj and the causal conv.
  const double key_width = static_cast<double>(a.linear_key_heads) * a.linear_key_head_dim;
  const double value_width = static_cast<double>(a.linear_value_heads) * a.linear_value_head_dim;
  const double linear_layer = hidden * (2 * key_width + 2 * value_width) + 2 * hidden * a.linear_value_heads +
                              value_width * hidden + a.linear_conv_kernel * (2 * key_width + value_width);
  // Mamba-2 (Dao & Gu 2024, sec. 7; transformers Mamba2Mixer): in_proj to z, x, B, C and dt; the causal
  // conv (weights and bias) over x, B and C; dt_bias, A_log and D per head; the gated norm; out_proj.
  const double inner = static_cast<double>(a.mamba_heads) * a.mamba_head_dim;
  const double conv_width = inner + 2.0 * a.mamba_groups * a.mamba_state_size;
  const double mamba_layer = hidden * (inner + conv_width + a.mamba_heads) + inner * hidden +
                             (a.mamba_conv_kernel + 1) * conv_width + 3.0 * a.mamba_heads + inner;
  // LFM2 gated short convolution: in_proj to B, C and x, a depthwise conv over hidden, out_proj.
  const double short_conv_layer = 4.0 * hidden * hidden + a.short_conv_kernel * hidden;
  p.attention = m.full_attention_layers() * full_layer + a.sliding_window_layers * sliding_layer +
                a.linear_attention_layers * linear_layer + a.mamba_layers * mamba_layer +
                a.short_conv_layers * short_conv_layer;

  // Per-layer embeddings (Gemma 3n): a table of per_layer_vocab × layers × size, looked up per token, plus the
  // projection of the hidden state to every layer's slice and each layer's gate and projection back.
  const double per_layer_size = m.per_layer_embedding_size;
  const double per_layer_vocab = m.per_layer_vocab_size;
  p.per_layer_embedding = per_layer_vocab * m.layers * per_layer_size;
  const double per_layer_projections = 3.0 * hidden * m.layers * per_layer_size;

  const double ffn = m.ffn_matrices() * hidden;  // gate (when gated), up, down
  if (m.is_moe()) {
    p.moe_layers = m.moe_layers();
    // LatentMoE: the routed experts work in a narrower width, with a projection down and one back up.
    const double expert_width = m.moe.latent_size > 0 ? m.moe.latent_size : hidden;
    const double expert = m.ffn_matrices() * expert_width * m.moe.expert_intermediate_size;
    const double latent_projections = m.moe.latent_size > 0 ? 2.0 * hidden * m.moe.latent_size : 0.0;
    const double shared_inter = m.moe.shared_expert_intermediate_size > 0 ? m.moe.shared_expert_intermediate_size
                                                                         : m.moe.expert_intermediate_size;
    p.dense_ffn = m.moe.dense_layers * ffn * m.intermediate_size +
                  p.moe_layers * (m.moe.shared_experts * ffn * shared_inter + hidden * m.moe.experts + latent_projections);
    p.routed_experts = p.moe_layers * m.moe.experts * expert;
    p.active_routed_experts = p.moe_layers * m.moe.experts_per_token * expert;
  } else {
    p.dense_ffn = m.ffn_layers() * ffn * m.intermediate_size;
  }
  p.dense_ffn += per_layer_projections;
  return p;
}

namespace {

/// Exact sums from a model file's tensor table (the file's own quantisation).
WeightBytes file_weight_bytes(const ModelSpec& m) noexcept {
  const FileWeights& f = m.file_weights;
  const double active_expert_share =
      m.is_moe() ? static_cast<double>(m.moe.experts_per_token) / m.moe.experts : 0.0;
  const bool tied = !(f.output_params > 0);
  WeightBytes w;
  w.embedding = f.embedding_bytes + f.lookup_bytes;
  w.output_head = tied ? f.embedding_bytes : f.output_bytes;
  w.non_layer = f.embedding_bytes + f.output_bytes + f.lookup_bytes;
  w.routed_experts = f.routed_expert_bytes;
  w.active_routed = f.routed_expert_bytes * active_expert_share;
  w.stored = f.total_bytes();
  w.per_token = f.layer_bytes + w.active_routed + w.output_head + f.other_bytes;
  w.per_layer = m.layers > 0 ? (f.layer_bytes + f.routed_expert_bytes) / m.layers : 0;
  w.active_routed_params = f.routed_expert_params * active_expert_share;
  w.active_params = f.layer_params + f.routed_expert_params * active_expert_share +
                    (tied ? f.embedding_params : f.output_params) + f.other_params;
  return w;
}

}  // namespace

WeightBytes weight_bytes(const ModelSpec& m, const QuantSpec& q) noexcept {
  if (m.file_weights.present() && m.file_weights.quant_id == q.id) return file_weight_bytes(m);
  const ParamBreakdown shape = shape_params(m);
  // Anchor to the published total: the shape gives the split, the model card the sum.
  const double body_shape = shape.attention + shape.dense_ffn + shape.routed_experts;
  const double body_published = m.params_b * 1e9 - shape.embedding - shape.output - shape.per_layer_embedding;
  double scale = body_shape > 0 ? body_published / body_shape : 1.0;
  if (!std::isfinite(scale) || scale < 0.5 || scale > 2.0) scale = 1.0;
  const double dense_params = (shape.attention + shape.dense_ffn) * scale;
  const double routed_params = shape.routed_experts * scale;
  const double active_routed_params = shape.active_routed_experts * scale;
  const double vocab_hidden = static_cast<double>(m.vocab_size) * m.hidden_size;

  WeightBytes w;
  const double bits = q.bits_per_weight;
  const double expert_bits = q.expert_bits();
  // Tied embeddings: llama.cpp stores the shared matrix once, at the output tensor's type.
  const double non_layer_bits = m.tied_embeddings ? vocab_hidden * q.output_bits()
                                                  : vocab_hidden * (q.embedding_bits() + q.output_bits());
  // The per-layer embedding table is stored like the token embedding and, like it, only looked up.
  const double per_layer_table = shape.per_layer_embedding * q.embedding_bits() / 8.0;
  w.non_layer = non_layer_bits / 8.0 + per_layer_table;
  w.embedding = vocab_hidden * (m.tied_embeddings ? q.output_bits() : q.embedding_bits()) / 8.0 + per_layer_table;
  w.output_head = vocab_hidden * q.output_bits() / 8.0;
  w.routed_experts = routed_params * expert_bits / 8.0;
  w.stored = dense_params * bits / 8.0 + w.routed_experts + w.non_layer;
  w.active_routed = active_routed_params * expert_bits / 8.0;
  // Decode reads every active weight once plus the output head; the embedding is one row lookup.
  w.per_token = dense_params * bits / 8.0 + w.active_routed + w.output_head;
  w.per_layer = m.layers > 0 ? (w.stored - w.non_layer) / m.layers : 0;
  w.active_params = dense_params + active_routed_params + vocab_hidden;
  w.active_routed_params = active_routed_params;
  return w;
}

KvLayout kv_layout(const ModelSpec& m) noexcept {
  KvLayout kv;
  const auto& a = m.attention;
  // Per token and layer: K and V (GQA: kv_heads·head_dim each), or the MLA latent plus the RoPE key.
  const bool mla = m.mla.kv_lora_rank > 0;
  const double sliding_elements = mla ? static_cast<double>(m.mla.kv_lora_rank + m.mla.qk_rope_head_dim)
                                      : 2.0 * m.kv_heads * static_cast<double>(m.head_dim);
  const double full_elements =
      mla ? sliding_elements
          : 2.0 * a.global_kv_heads_or(m.kv_heads) * static_cast<double>(a.global_head_dim_or(m.head_dim));
  const double indexer_elements = a.indexer_heads > 0 ? static_cast<double>(a.indexer_head_dim) : 0.0;
  const int full_layers = std::max(0, m.full_attention_layers());
  const int sliding_layers = std::max(0, a.sliding_window_layers);
  // Layers sharing an earlier layer's KV (the last kv_shared_layers) hold none; the repeating local:global
  // pattern splits them between the two kinds in proportion (Gemma 3n E2B: 20 of 30 cache, 4 full + 16 sliding).
  const int attention_layers = full_layers + sliding_layers;
  const int caching = std::clamp(attention_layers - a.kv_shared_layers, 0, attention_layers);
  const int full_caching =
      attention_layers > 0 ? static_cast<int>(std::lround(static_cast<double>(full_layers) * caching / attention_layers))
                           : 0;
  const int sliding_caching = caching - full_caching;
  kv.full_elements_per_token = full_caching * (full_elements + indexer_elements);
  kv.sliding_elements_per_token = sliding_caching * sliding_elements;
  kv.sliding_window_tokens = a.sliding_window;
  kv.full_read_elements_per_token = full_layers * full_elements;
  kv.indexer_read_elements_per_token = full_layers * indexer_elements;
  kv.sliding_read_elements_per_token = sliding_layers * sliding_elements;
  kv.attention_topk_tokens = a.indexer_heads > 0 ? a.indexer_topk : 0;
  kv.recurrent_state_bytes = recurrent_state_bytes(m);  // fixed, whatever the context
  return kv;
}

double kv_cache_bytes(const ModelSpec& m, KvCacheType type, double context) noexcept {
  return kv_cache_bytes(kv_layout(m), kv_bytes_per_element(type), context);
}

double kv_read_bytes(const ModelSpec& m, KvCacheType type, double depth) noexcept {
  return kv_read_bytes(kv_layout(m), kv_bytes_per_element(type), depth);
}

namespace {
/// f32 bytes of the Gated DeltaNet state matrices of all linear-attention layers (value_heads × key_dim × value_dim
/// each, llama.cpp n_embd_s), without their conv windows.
double delta_net_state_matrix_bytes(const ModelSpec& m) noexcept {
  const auto& a = m.attention;
  return 4.0 * a.linear_attention_layers * static_cast<double>(a.linear_value_heads) * a.linear_key_head_dim *
         a.linear_value_head_dim;
}
}  // namespace

double recurrent_state_bytes(const ModelSpec& m) noexcept {
  const auto& a = m.attention;
  // Each recurrent layer keeps its state matrix and the last kernel - 1 inputs of its causal conv, in f32
  // (llama.cpp n_embd_s and n_embd_r).
  // Gated DeltaNet: value_heads × key_dim × value_dim; the conv sees q, k and v.
  const double key_width = static_cast<double>(a.linear_key_heads) * a.linear_key_head_dim;
  const double value_width = static_cast<double>(a.linear_value_heads) * a.linear_value_head_dim;
  const double linear_conv = std::max(0, a.linear_conv_kernel - 1) * (2 * key_width + value_width);
  // Mamba-2: heads × head_dim × state_size (Dao & Gu 2024, eq. 1 per head); the conv sees x, B and C.
  const double inner = static_cast<double>(a.mamba_heads) * a.mamba_head_dim;
  const double mamba = inner * a.mamba_state_size +
                       std::max(0, a.mamba_conv_kernel - 1) * (inner + 2.0 * a.mamba_groups * a.mamba_state_size);
  // Short convolution: no state matrix, only the conv window over hidden_size.
  const double short_conv = std::max(0, a.short_conv_kernel - 1) * static_cast<double>(m.hidden_size);
  return delta_net_state_matrix_bytes(m) +
         4.0 * (a.linear_attention_layers * linear_conv + a.mamba_layers * mamba + a.short_conv_layers * short_conv);
}

double recurrent_state_flops_per_token(const ModelSpec& m) noexcept {
  const auto& a = m.attention;
  // Per state element and token, in the recurrent form: Mamba-2 h = a·h + x·Bᵀ, y = h·C (decay 1, rank-1
  // update 2, read 2: 5; Dao & Gu 2024, eq. 1); Gated DeltaNet S = α·S·(I − β·k·kᵀ) + β·v·kᵀ, o = S·q (decay
  // 1, S·k 2, rank-1 update 2, read 2: 7; the gated delta rule of Yang et al. 2024). Short convolutions
  // have no state matrix: their work is the 2 FLOPs per weight counted with the parameters.
  const double linear = static_cast<double>(a.linear_value_heads) * a.linear_key_head_dim * a.linear_value_head_dim;
  const double mamba = static_cast<double>(a.mamba_heads) * a.mamba_head_dim * a.mamba_state_size;
  return 7.0 * a.linear_attention_layers * linear + 5.0 * a.mamba_layers * mamba;
}

double unified_gpu_fraction(const HardwareSpec& hw, double memory_gib) noexcept {
  if (hw.gpu_memory_fraction > 0) return hw.gpu_memory_fraction;
  if (hw.vendor == "apple") {
    // macOS default Metal working set (recommendedMaxWorkingSetSize / iogpu.wired_limit_mb):
    // about 2/3 of RAM up to 36 GiB, 3/4 above (llama.cpp discussion #2182, Apple developer forums).
    return memory_gib <= 36.0 ? 2.0 / 3.0 : 0.75;
  }
  return 0.9;
}

double fit_margin_bytes(const FitMargin& margin, double available_bytes) noexcept {
  const double share = std::isfinite(margin.share_of_usable) ? std::max(0.0, margin.share_of_usable) : 0.0;
  const double bytes = std::isfinite(margin.bytes) ? std::max(0.0, margin.bytes) : 0.0;
  return std::max(share * std::max(0.0, available_bytes), bytes);
}

MemoryFit fit_memory(const Scenario& s, const EfficiencyConstants& k) noexcept {
  return fit_memory(s, k, prepare_model_quant(*s.model, *s.quant));
}

MemoryFit fit_memory(const Scenario& s, const EfficiencyConstants& k, const ModelQuantTerms& terms) noexcept {
  if (!terms_belong_to(terms, s)) return fit_memory(s, k);
  MemoryFit fit;
  const HardwareSpec& hw = *s.hardware;
  const ModelSpec& m = *s.model;
  const int devices = std::max(1, s.device_count);
  const int batch = std::max(1, s.batch);
  const double memory_gib = s.memory_gib > 0 ? s.memory_gib : hw.default_memory_gib;
  fit.device_memory_bytes = devices * units::gib_to_bytes(memory_gib);

  switch (hw.kind) {
    case HardwareKind::gpu:
      fit.available_bytes = fit.device_memory_bytes;
      break;
    case HardwareKind::unified: {
      const double fraction = s.gpu_memory_fraction > 0 ? s.gpu_memory_fraction
                                                        : unified_gpu_fraction(hw, memory_gib);
      fit.unified_rule_applied = s.gpu_memory_fraction <= 0 && hw.gpu_memory_fraction <= 0;
      fit.available_bytes = fit.device_memory_bytes * fraction;
      fit.os_reserved_bytes = fit.device_memory_bytes - fit.available_bytes;
      break;
    }
    case HardwareKind::cpu:
      fit.os_reserved_bytes = cpu_os_reserve_bytes(fit.device_memory_bytes);
      fit.available_bytes = std::max(0.0, fit.device_memory_bytes - fit.os_reserved_bytes);
      break;
  }

  // An engine that allocates a fixed share of the GPU up front (vLLM's gpu_memory_utilization) plans in that
  // share: its paged KV cache gets what the weights and activations leave of it.
  const double utilization =
      s.gpu_memory_utilization > 0 ? s.gpu_memory_utilization : default_memory_utilization(s.backend);
  if (utilization < 1.0 && hw.kind != HardwareKind::cpu) {
    fit.available_bytes *= utilization;
  }

  const WeightBytes& w = terms.weights;
  fit.weights_bytes = w.stored;
  fit.kv_cache_bytes = batch * kv_cache_bytes(terms, s.kv_type, static_cast<double>(s.context_tokens));
  // Compute buffer with flash attention: f32 logits plus one layer's activations per micro-batch token
  // (llama.cpp prints ~0.3 GB "compute buffer size" for Llama 3 8B at n_ubatch 512).
  const double ffn_width = std::max<double>(m.intermediate_size,
                                            static_cast<double>(m.moe.expert_intermediate_size) *
                                                std::max(1, m.moe.experts_per_token));
  const double ubatch = std::max(1, micro_batch_tokens(s, k));
  // Logits rows: per micro-batch token or per sequence, as the engine reserves them (engines.hpp).
  const double logits_rows = reserves_logits_per_token(s.backend) ? ubatch : batch;
  fit.compute_buffer_bytes = 4.0 * (logits_rows * m.vocab_size + ubatch * (4.0 * m.hidden_size + 2.0 * ffn_width));
  fit.runtime_overhead_bytes = devices * units::gib_to_bytes(k.runtime_overhead_gib);
  const double fixed_bytes = fit.compute_buffer_bytes + fit.runtime_overhead_bytes;
  fit.total_bytes = fit.weights_bytes + fit.kv_cache_bytes + fixed_bytes;
  fit.gpu_layers = m.layers;

  // What the verdicts and the layer split may use: usable memory less the safety margin.
  fit.margin_bytes = fit_margin_bytes(s.margin, fit.available_bytes);
  const double plan_bytes = fit.available_bytes - fit.margin_bytes;

  // Largest context that fits fully.
  fit.max_context =
      detail::max_context_closed_form(terms, s.kv_type, batch, fit.weights_bytes, fixed_bytes, plan_bytes);

  if (fit.total_bytes <= plan_bytes) {
    fit.fits = true;
    fit.verdict = FitVerdict::fits;
    return fit;
  }
  fit.verdict = FitVerdict::does_not_fit;
  fit.gpu_layers = 0;
  if (!s.allow_offload || hw.kind == HardwareKind::cpu) return fit;

  // Room on the host for offloaded weights.
  if (hw.kind == HardwareKind::gpu) {
    if (s.host == nullptr) return fit;
    const double host_gib = s.host_memory_gib > 0 ? s.host_memory_gib : s.host->default_memory_gib;
    const double host_bytes = units::gib_to_bytes(host_gib);
    fit.host_available_bytes = std::max(0.0, host_bytes - cpu_os_reserve_bytes(host_bytes));
  } else {
    // Unified: the CPU may map what the GPU may not wire, less what the OS itself needs.
    fit.host_available_bytes = std::max(0.0, fit.device_memory_bytes - fit.available_bytes -
                                                 cpu_os_reserve_bytes(fit.device_memory_bytes));
  }

  const double overflow = fit.total_bytes - plan_bytes;
  // Expert offload (llama.cpp --n-cpu-moe): routed experts of some MoE layers stay in host RAM,
  // attention and shared weights stay on the accelerator. Preferred: the host reads only active experts.
  if (m.is_moe() && w.routed_experts > 0) {
    const int moe_layers = m.moe_layers();
    const double routed_per_layer = w.routed_experts / moe_layers;
    // Compared in double before the int conversion: the ratio can exceed any int (or be NaN).
    const double layers_needed = std::ceil(overflow / routed_per_layer);
    const int cpu_moe_layers = layers_needed <= moe_layers ? static_cast<int>(layers_needed) : moe_layers + 1;
    const double offloaded = cpu_moe_layers * routed_per_layer;
    if (cpu_moe_layers <= moe_layers && offloaded <= fit.host_available_bytes) {
      fit.verdict = FitVerdict::partial_offload;
      fit.offload = OffloadKind::experts;
      fit.cpu_layers = cpu_moe_layers;
      fit.gpu_layers = m.layers;
      fit.offloaded_bytes = offloaded;
      return fit;
    }
  }
  // Layer offload (llama.cpp -ngl): whole layers with their KV move to the host.
  const double per_layer = w.per_layer + fit.kv_cache_bytes / m.layers;
  const double room = plan_bytes - w.non_layer - fixed_bytes;
  const double layers_that_fit = room > 0 ? std::floor(room / per_layer) : 0.0;
  const int gpu_layers = layers_that_fit >= m.layers ? m.layers : layers_that_fit > 0 ? static_cast<int>(layers_that_fit) : 0;
  const double offloaded = (m.layers - gpu_layers) * per_layer;
  if (gpu_layers > 0 && offloaded <= fit.host_available_bytes) {
    fit.verdict = FitVerdict::partial_offload;
    fit.offload = OffloadKind::layers;
    fit.gpu_layers = gpu_layers;
    fit.cpu_layers = m.layers - gpu_layers;
    fit.offloaded_bytes = offloaded;
  }
  return fit;
}

double decode_seconds_per_token(const Scenario& s, const MemoryFit& fit, const EfficiencyConstants& k,
                                double depth, Prediction* out) noexcept {
  return decode_seconds_per_token(s, prepare_model_quant(*s.model, *s.quant), fit, k, depth, out);
}

double decode_seconds_per_token(const Scenario& s, const ModelQuantTerms& terms, const MemoryFit& fit,
                                const EfficiencyConstants& k, double depth, Prediction* out) noexcept {
  if (!terms_belong_to(terms, s)) return decode_seconds_per_token(s, fit, k, depth, out);
  const HardwareSpec& hw = *s.hardware;
  const ModelSpec& m = *s.model;
  const int batch = std::max(1, s.batch);
  const WeightBytes& w = terms.weights;

  // Weights one decode step reads: a batch touches more distinct experts than one token.
  const double experts_touched = step_distinct_experts(s);
  const double touched = m.is_moe() ? experts_touched / m.moe.experts : 1.0;
  const double routed_read = m.is_moe() ? w.routed_experts * touched : 0.0;
  const double weights_read = w.per_token - w.active_routed + routed_read;
  // llama.cpp builds that compose the gated delta rule from generic ops pass over each DeltaNet state matrix many
  // times a step (delta_net_graph_cost), not once: those passes are read as the cache is.
  const DeltaNetGraphCost delta_net = delta_net_graph_cost(s.backend, s.engine_year, 1);
  const double kv_read = batch * (kv_read_bytes(terms, s.kv_type, depth) +
                                  delta_net.extra_state_passes * delta_net_state_matrix_bytes(m));

  const Placement place = placement_of(m, fit);
  const double layer_share = place.device_fraction;
  // The non-layer part of a token's reads is the output head only (the embedding is a row lookup);
  // subtracting all of w.non_layer would take the embedding out of the layers' share.
  const double head_read = w.output_head;
  double device_weights = (weights_read - head_read) * layer_share + head_read;
  double host_weights = (weights_read - head_read) * (1.0 - layer_share);
  if (place.host_routed_fraction > 0) {
    device_weights -= routed_read * place.host_routed_fraction;
    host_weights += routed_read * place.host_routed_fraction;
  }
  const double device_kv = kv_read * layer_share;
  const double host_kv = kv_read * (1.0 - layer_share);

  // Tensor parallelism (vLLM) splits every matrix and the KV heads over the GPUs, which stream their shares at
  // once; a layer split streams them in turn (one device's bandwidth).
  const int devices = std::max(1, s.device_count);
  const double parallel_devices = splits_by_tensor(s.backend) ? devices : 1.0;
  const double bw = hw.bandwidth_gb_s * units::kBytesPerGB * parallel_devices;
  // The matrix-vector kernels' weight stream, held to the CUs' roof on ROCm (hip_matvec_stream_roof); the shares of
  // peak are then shares of the lower of the two.
  const double matvec_bw = std::min(bw, hip_matvec_stream_roof(s) * parallel_devices);
  const double weight_bw = matvec_bw * k.weight_bandwidth_efficiency * kernel_stream_share(s, k);
  // Routed experts streamed by a tiled kernel at that kernel's own share of the bandwidth: an MoE step whose
  // experts run in the engine's expert tiles (batched_expert_matvec_max_rows), or BF16 experts on Vulkan (the
  // matrix-matrix matmul_id shader at every batch). The rest of the weights as before.
  const int expert_matvec_rows = batched_expert_matvec_max_rows(s.backend, s.api, s.engine_year);
  const bool expert_tiles = m.is_moe() && expert_matvec_rows > 0 && batch > expert_matvec_rows;
  const double routed_tile_efficiency = expert_tiles ? k.expert_gemm_bandwidth_efficiency
                                        : bf16_experts_decode_through_matmul_id(s) ? k.matmul_id_decode_bandwidth_efficiency
                                                                                   : 0.0;
  const double device_routed = routed_tile_efficiency > 0
                                   ? routed_read * std::max(0.0, layer_share - place.host_routed_fraction)
                                   : 0.0;
  // Past the matrix-vector rows (batched_matvec_max_rows: B tokens, the rows every dense matrix sees) the
  // matrix-matrix tiles stream the rest of the weights at their own share (batch_gemm_bandwidth_efficiency).
  const int matvec_rows = batched_matvec_max_rows(s.backend, s.api, s.engine_year);
  const bool matrix_matrix = matvec_rows > 0 && batch > matvec_rows;
  const double dense_weight_bw = matrix_matrix ? bw * k.batch_gemm_bandwidth_efficiency : weight_bw;
  const double t_weights = (device_weights - device_routed) / dense_weight_bw +
                           (device_routed > 0 ? device_routed / (bw * routed_tile_efficiency) : 0.0);
  // On CPU cores the cache streams through the same cores and loads as the weights, at their share of the bandwidth
  // (one stream share, as for the kernel families: kernel_stream_share), as often as the attention kernel reads it.
  const bool cpu_cores = runs_on_cpu_cores(s);
  const double device_kv_streamed = cpu_cores ? device_kv * cpu_kv_streams(s, m) : device_kv;
  // Vulkan's coopmat flash-attention shader streams the cache no faster than its CUs (vulkan_coopmat_decode_kv_roof).
  const double kv_bw = std::min(bw, vulkan_coopmat_decode_kv_roof(s));
  const double t_kv = cpu_cores ? device_kv_streamed / weight_bw : device_kv / (kv_bw * k.kv_bandwidth_efficiency);
  // Batched decode (docs/model.md): one step reads the weights once for all B sequences; each sequence beyond
  // the first adds its FLOPs (2 per active parameter plus attention) at the batched kernels' share of the tensor
  // peak. The first sequence's compute overlaps the weight stream (its cost is in the bandwidth efficiency).
  const double active_params = w.active_params;
  const double token_flops = (2.0 * active_params + attention_flops_per_token(m, depth)) * layer_share;
  // The routed experts' share of them, priced by the experts' own kernel regime.
  const double expert_flops = 2.0 * w.active_routed_params * layer_share;
  // Which kernels run them depends on the step's rows (batched_matvec_max_rows): B tokens, which is also what
  // llama.cpp's routed-expert product dispatches on (mul_mat_id: n_tokens). Matrix-vector kernels at
  // batch_compute_efficiency; past their limit the matrix-matrix tiles (llama.cpp's MMQ, Metal's mul_mm) at
  // batch_gemm_compute_efficiency. Both are shares of the same peak, so a profile with one share for every batch
  // predicts exactly as before.
  // Each at the peak of its kernel family (batched_step_peak_flops): MMVQ's dp4a per SM, MMQ's tensor MMA per SM.
  const double step_peak = batched_step_peak_flops(s, false);
  const double batch_rate = (matrix_matrix ? k.batch_gemm_compute_efficiency : k.batch_compute_efficiency) *
                            batched_step_peak_flops(s, matrix_matrix);
  const double expert_rate = (expert_tiles ? k.batch_gemm_compute_efficiency : k.batch_compute_efficiency) *
                             batched_step_peak_flops(s, expert_tiles);
  // Metal's mul_mm computes whole tiles of kMetalMatmulTileTokens tokens (metal_matmul_tile_tokens): past the
  // matrix-vector rows a step multiplies every dense weight matrix by the padded tile, the first sequence's
  // columns included (they no longer ride a matrix-vector kernel's weight stream). The routed experts and the
  // attention keep the per-sequence count.
  const double dense_weight_flops = 2.0 * (active_params - w.active_routed_params) * layer_share;
  const double metal_tile_flops =
      matrix_matrix && s.api == DeviceApi::metal ? metal_matmul_tile_tokens(batch) * dense_weight_flops : 0.0;
  const double per_sequence_flops = token_flops - expert_flops - (metal_tile_flops > 0 ? dense_weight_flops : 0.0);
  const double t_compute = ((batch - 1) * (per_sequence_flops / batch_rate + expert_flops / expert_rate) +
                            metal_tile_flops / batch_rate) /
                           parallel_devices;
  // All B sequences' FLOPs at the prefill GEMMs' share of the peak bound the step from below (the roof a
  // compute-poor chip, a CPU backend, reaches even at batch 1).
  const double roof_share = vllm_gemms_on_vector_units(s) ? k.vector_compute_efficiency : k.compute_efficiency;
  const double t_roof = batch * token_flops / (step_peak * roof_share * devices);
  const double attention_macs = batch * attention_flops_per_token(m, depth) / 2 * layer_share;
  // Flash attention's decode shader on the vector ALUs (Vulkan off NVIDIA): its FLOPs at their own share of the vector
  // peak, after the KV stream (one device's peak: a layer split runs its devices' layers in turn).
  const double t_attention = vulkan_decode_attention_on_vector_units(s)
                                 ? batch * attention_flops_per_token(m, depth) * layer_share /
                                       (k.vector_decode_attention_efficiency * hw.fp32_tflops * units::kFlopsPerTflop)
                                 : 0.0;
  // The sub-4-bit K-quants' unpack on the vector ALUs (low_bit_kquant_unpack_on_vector_units): once per step, as the
  // weights are read once for all the step's sequences; one device's peak (a layer split runs its layers in turn).
  // Offloaded layers are unpacked at no faster a rate by the host's cores (the host stream prices only their bytes),
  // so every active weight counts: moving layers off the GPU never makes a step faster.
  const double t_unpack = low_bit_kquant_unpack_on_vector_units(s) && k.low_bit_kquant_unpack_ops_per_weight > 0
                              ? active_params * k.low_bit_kquant_unpack_ops_per_weight /
                                    (hw.fp32_tflops * units::kFlopsPerTflop * parallel_devices)
                              : 0.0;
  const double t_device = std::max(t_weights + t_unpack + t_kv + t_attention + t_compute, t_roof) +
                          cpu_dequant_seconds(s, k, active_params * layer_share, attention_macs) +
                          cpu_thread_stream_seconds(s, k, device_weights + device_kv_streamed);

  const double t_host = (host_weights + host_kv) > 0 ? (host_weights + host_kv) / host_bandwidth(s, k) : 0.0;

  const int moe_layers = m.moe_layers();
  // A layer split hands activations from device to device; tensor parallelism runs two all-reduces per layer
  // (Megatron-LM), latency-bound at decode's few rows.
  const int hops = (splits_by_tensor(s.backend) ? 0 : devices - 1) + (fit.offload != OffloadKind::none ? 1 : 0);
  const double allreduces = splits_by_tensor(s.backend) && devices > 1 ? 2.0 * m.layers : 0.0;
  // A batched step of the 2024-2025 llama.cpp CUDA builds launches its kernels one by one, where a single-token
  // step replays them as one CUDA graph (batched_steps_launch_without_graphs): each layer pays the launches again.
  const bool graphless = batch > 1 && batched_steps_launch_without_graphs(s.backend, s.api, s.engine_year);
  const double graphless_us = graphless ? m.layers * k.graphless_layer_overhead_us : 0.0;
  // A DeltaNet layer's extra kernels (delta_net_graph_cost) pay the per-layer fixed cost in proportion.
  const double delta_net_layers = m.attention.linear_attention_layers * delta_net.extra_layers;
  const double mmvq_us = vulkan_intel_integer_dot_matvec(s) ? m.layers * k.mmvq_layer_overhead_us : 0.0;
  const double t_overhead = (graphless_us + mmvq_us + (m.layers + delta_net_layers) * k.layer_overhead_us +
                             moe_layers * experts_touched * k.expert_overhead_us +
                             k.token_overhead_us +
                             allreduces * k.tp_allreduce_us) * kMicro +
                            hops * kDeviceHopSeconds;

  if (out != nullptr) {
    out->decode_seconds_weights = t_weights + t_unpack;
    out->decode_seconds_kv = t_kv + t_attention;
    out->decode_seconds_overhead = t_overhead;
    out->decode_seconds_host = t_host;
    out->compute_bound_decode = t_compute > t_weights + t_kv || t_roof > t_weights + t_kv + t_compute;
    out->decode_seconds_compute = t_compute;
    out->bytes_per_token = (weights_read + kv_read) / batch;
    // Roofline: every byte read at the peak bandwidth of the memory that holds it (offloaded layers
    // at the host's), no overheads. Device bandwidth alone would put a slow GPU's ceiling below what
    // a fast host achieves for it.
    const double host_peak = (hw.kind == HardwareKind::gpu && s.host != nullptr ? s.host->bandwidth_gb_s
                                                                                  : hw.bandwidth_gb_s) *
                             units::kBytesPerGB;
    const double roofline_seconds = (device_weights + device_kv) / bw + (host_weights + host_kv) / host_peak;
    out->decode_ceiling_tok_s = batch / roofline_seconds;
  }
  return t_device + t_host + t_overhead;
}

double layer_split_pipeline_speedup(int devices, double micro_batches, int in_flight) noexcept {
  const double n = std::max(1, devices);
  const double window = std::max(1, in_flight);
  const double m = std::ceil(micro_batches);
  if (n <= 1 || !(m > 1)) return 1.0;
  // Stage time: one device's share of a micro-batch (each device holds 1/N of the layers). The host queues
  // micro-batch u device by device, and before it queues u on device d it waits for d to finish u − window (the
  // scheduler's input copies); a device starts u when it has finished u − 1 and device d − 1 has handed u on.
  // Micro-batch u then enters the first device at S(u) = max(S(u−1) + 1, S(u−window−1) + N), S(0) = 0: the
  // micro-batches go in groups of window + 1, one group every max(window + 1, N) stage times, and the last leaves
  // the last device N stage times after it entered.
  const double group = window + 1;
  const double last = m - 1;
  const double makespan = std::floor(last / group) * std::max(group, n) + std::fmod(last, group) + n;
  return m * n / makespan;  // one device alone: N stage times per micro-batch
}

PrefillGemmRate prefill_gemm_rate(const Scenario& s, const EfficiencyConstants& k) noexcept {
  if (runs_on_cpu_cores(s)) {
    const CpuPrefillCost cost = cpu_prefill_cost(*s.quant, *s.hardware);
    return {PrefillGemmUnits::cpu_cores, cost.factor * k.cpu_prefill_cycles[static_cast<std::size_t>(cost.family)]};
  }
  // GEMMs on the vector ALUs run at their own share of the vector FP32 peak, whatever the weight type; on the
  // matrix engines quantised and float weights have their own.
  if (weight_gemms_on_vector_units(s)) return {PrefillGemmUnits::vector_fp32, k.vector_compute_efficiency};
  // Quantised weights on Vulkan on AMD and Intel: their own share of the vector FP32 peak they track, not the
  // matrix figure; BF16 on AMD's bfloat16 cooperative matrices runs the same coopmat shader without the unpack.
  if (vulkan_quantised_gemms_track_vector_peak(s) || vulkan_amd_bf16_cooperative_matrices(s))
    return {PrefillGemmUnits::vector_fp32, k.vector_quantised_compute_efficiency};
  if (s.quant->kernel == QuantKernel::float_) return {PrefillGemmUnits::matrix_float, k.float_compute_efficiency};
  return {PrefillGemmUnits::matrix_quantised, k.compute_efficiency};
}

double prefill_seconds(const Scenario& s, const MemoryFit& fit, const EfficiencyConstants& k, double tokens,
                       double depth) noexcept {
  if (!(tokens > 0)) return 0;
  return prefill_seconds(s, prepare_model_quant(*s.model, *s.quant), fit, k, tokens, depth);
}

double prefill_seconds(const Scenario& s, const ModelQuantTerms& terms, const MemoryFit& fit,
                       const EfficiencyConstants& k, double tokens, double depth) noexcept {
  if (!(tokens > 0)) return 0;
  if (!terms_belong_to(terms, s)) return prefill_seconds(s, fit, k, tokens, depth);
  const HardwareSpec& hw = *s.hardware;
  const ModelSpec& m = *s.model;
  const QuantSpec& q = *s.quant;
  const WeightBytes& w = terms.weights;
  const int devices = std::max(1, s.device_count);
  const double ubatch = std::max(1, micro_batch_tokens(s, k));
  const double micro_batches = std::ceil(tokens / ubatch);

  const double active_params = w.active_params;
  // Attention over depth..depth+tokens: the mean context of a prompt token is depth + tokens/2.
  const double weight_flops = tokens * 2.0 * active_params;
  const double attention_flops = tokens * attention_flops_per_token(m, depth + tokens / 2.0);
  const double flops = weight_flops + attention_flops;
  const Placement place = placement_of(m, fit);
  const double share = place.device_fraction;
  // Tensor parallelism (vLLM) has every GPU work on every micro-batch: no bubble. A layer split pipelines its
  // micro-batches across the devices, at most kSchedMaxCopies in flight (layer_split_pipeline_speedup); one whose
  // engine does not pipeline (pipelines_layer_split: Vulkan builds before events) runs its devices in turn: no
  // speed-up over one.
  // llama.cpp pipelines the micro-batches of one logical batch (n_batch, default 2048 tokens); the last batch may
  // be partial.
  const double per_batch = std::max(1.0, std::floor(kLogicalBatchTokens / ubatch));
  const double full_batches = std::floor(micro_batches / per_batch);
  const double rest = micro_batches - full_batches * per_batch;
  const auto batch_stage_times = [&](double b) {
    return b > 0 ? b * devices / layer_split_pipeline_speedup(devices, b, kSchedMaxCopies) : 0.0;
  };
  const double stage_times = full_batches * batch_stage_times(per_batch) + batch_stage_times(rest);
  const double parallel = splits_by_tensor(s.backend) ? devices
                          : !pipelines_layer_split(s.backend, s.api, s.engine_year)
                              ? 1.0
                              : micro_batches * devices / stage_times;
  const double peak = std::min(prefill_peak_flops(s), power_roof_flops(s)) * parallel;
  // A discrete GPU computes every layer (host-held weights come over PCIe, t_host below); only a
  // unified chip's CPU cores compute their own share.
  const double compute_share = hw.kind == HardwareKind::gpu ? 1.0 : share;
  const double attention_efficiency =
      s.flash_attention ? k.flash_attention_compute_efficiency : k.attention_compute_efficiency;
  // On CPU cores the weights cost their kernel family's cycles per weight and token (docs/model.md).
  const bool float_weights = q.kernel == QuantKernel::float_;
  const PrefillGemmRate gemm_rate = prefill_gemm_rate(s, k);
  const bool vector_gemms = gemm_rate.units == PrefillGemmUnits::vector_fp32;
  // Quantised weights run the engine's own kernels (MMQ), held to the SM roof; float ones the vendor's BLAS.
  const double gemm_peak = vector_gemms    ? s.hardware->fp32_tflops * units::kFlopsPerTflop * parallel
                           : float_weights ? peak
                                           : std::min(peak, sm_roof_flops(s) * parallel);
  // Float routed experts (and every routed expert on SYCL) go through one GEMM per expert (no fused mul_mat_id
  // kernel): their own share of the matrix peak. On the vector ALUs every GEMM, experts included (ggml-vulkan's
  // fused matmul_id shaders), runs at the vector share: a share of the vector peak must not enter the matrix-peak
  // expert share's fit.
  const double expert_flops =
      routed_experts_one_gemm_each(s, vector_gemms) ? tokens * 2.0 * w.active_routed_params : 0.0;
  // Routed experts on Vulkan's FMA matmul_id tiles also compute the rows that pad each expert to a whole tile.
  const double padded_expert_flops =
      tokens * 2.0 * w.active_routed_params * (vulkan_expert_tile_padding(s, tokens / micro_batches) * mmq_expert_tile_padding(s, tokens / micro_batches) - 1.0);
  const double t_weight_compute =
      gemm_rate.units == PrefillGemmUnits::cpu_cores
          ? tokens * active_params * gemm_rate.value / (cpu_simd_cycles_per_second(s) * parallel)
          : ((weight_flops - expert_flops + padded_expert_flops) / gemm_rate.value +
                              expert_flops / k.float_expert_compute_efficiency) / gemm_peak;
  // Attention on the vector ALUs runs at the vector share of the vector peak, like every shader FLOP there: a share
  // of the vector peak must not enter the engine's attention shares of the matrix peak (ROCm, CUDA). ggml-cuda's
  // flash attention on its tile kernel (a chip with matrix engines, a head shape its MMA kernel does not take) has
  // a share of its own.
  // Flash attention on Vulkan off NVIDIA is ggml-vulkan's flash-attention shader on the vector ALUs: the share of the
  // other flash-attention kernels there (the B70's 16k-depth prompts: ~11 % of its vector peak, where its BF16 GEMMs
  // reach ~55 %), not the GEMMs' vector_compute_efficiency.
  const bool vulkan_flash_attention =
      s.flash_attention && !matmul_on_vector_units(s) && vulkan_attention_on_vector_units(s);
  const bool vector_attention =
      !vulkan_flash_attention && (matmul_on_vector_units(s) || vulkan_attention_on_vector_units(s));
  // Without cooperative matrices under the run's driver, ggml-vulkan's scalar flash-attention shader.
  const bool scalar_attention = vulkan_flash_attention && vulkan_prompt_flash_attention_scalar(s);
  const bool tile_attention = vulkan_flash_attention || (!vector_attention && flash_attention_on_vector_units(s));
  const double vector_peak = s.hardware->fp32_tflops * units::kFlopsPerTflop * parallel;
  // On CPU cores attention costs core cycles per multiply-add, as the weights do (docs/model.md, "CPU prefill
  // attention"): flash attention is the one-row decode kernel per prompt token and head, without it matrix
  // products and a softmax pass.
  const double attention_time =
      gemm_rate.units == PrefillGemmUnits::cpu_cores
          ? cpu_prefill_attention_seconds(s, k, attention_flops / 2) / parallel
      : vector_attention ? attention_flops / (k.vector_compute_efficiency * vector_peak)
      : scalar_attention ? attention_flops / (k.scalar_flash_attention_compute_efficiency * vector_peak)
      : tile_attention   ? attention_flops / (k.vector_flash_attention_compute_efficiency * vector_peak)
                         : attention_flops / attention_efficiency / peak;
  // ggml-vulkan's prompt flash attention also streams the context's K and V once per block of query rows of each
  // query head (vulkan_prompt_flash_attention_kv_bytes): a roof at the KV-cache share of the bandwidth.
  const double kv_stream_time =
      vulkan_flash_attention
          ? vulkan_prompt_flash_attention_kv_bytes(s, tokens, depth, scalar_attention) /
                (hw.bandwidth_gb_s * units::kBytesPerGB * k.kv_bandwidth_efficiency * parallel)
          : 0.0;
  const double t_compute = (t_weight_compute + std::max(attention_time, kv_stream_time)) * compute_share;
  // Each micro-batch streams the stored weights once (every expert is hit by a 512-token batch).
  const double bw = hw.bandwidth_gb_s * units::kBytesPerGB * k.weight_bandwidth_efficiency * kernel_stream_share(s, k);
  const double t_memory = micro_batches * (w.stored * share) / (bw * parallel);
  double t_host = 0;
  if (share < 1.0 || place.host_routed_fraction > 0) {
    const double host_bytes = w.stored * (1.0 - share) + w.routed_experts * place.host_routed_fraction;
    if (hw.kind == HardwareKind::gpu) {
      t_host = micro_batches * host_bytes / kPcieBytesPerSecond;
    } else {
      const double cpu_peak = hw.fp16_tflops * units::kFlopsPerTflop * kUnifiedCpuComputeShare;
      t_host = flops * (1.0 - share) / cpu_peak + micro_batches * host_bytes / host_bandwidth(s, k);
    }
  }
  // Dequantising for the GEMM is a separate kernel before it: its traffic adds to the time. On Vulkan the GEMM
  // shaders unpack the weight tiles themselves, on the vector ALUs (vulkan_dequant_seconds_per_byte).
  const double dequant_seconds_per_byte =
      vulkan_dequant_on_vector_units(s) ? vulkan_dequant_seconds_per_byte(s)
                                        : 1.0 / (hw.bandwidth_gb_s * units::kBytesPerGB);
  // On ROCm's MMQ the routed experts' weights pass once per tile of their own rows (mmq_expert_pass_share).
  const double micro_batch = tokens / micro_batches;
  const double passed_bytes = w.stored - w.routed_experts * (1.0 - mmq_expert_pass_share(s, micro_batch));
  // BF16 on ggml-vulkan's coopmat shader stages its weight tiles through shared memory like the quantised ones, on
  // the vector ALUs, per weight (vulkan_amd_bf16_cooperative_matrices); other float weights have no such pass.
  const double t_dequant = q.kernel == QuantKernel::float_ && !vulkan_amd_bf16_cooperative_matrices(s) ? 0.0
                           : micro_batches * (passed_bytes * share) * k.prefill_dequant_passes *
                                 mmq_column_tile_passes(s, micro_batch) * dequant_seconds_per_byte / parallel;
  // On SYCL the prompt GEMMs' weights are staged in FP16 in device memory (sycl_prompt_gemms_stage_fp16): the layers'
  // dense weights (the output head multiplies one row in llama-bench) and the hit experts with more than MMQ's rows.
  double t_staging = 0;
  if (sycl_prompt_gemms_stage_fp16(s, micro_batch)) {
    const double head_params = static_cast<double>(m.vocab_size) * m.hidden_size;
    const double dense_params = std::max(0.0, active_params - w.active_routed_params - head_params);
    double expert_params = 0;
    if (m.is_moe()) {
      const ExpertRows e = expert_rows(m, micro_batch);
      if (e.rows > kSyclMmqMaxBatchTokens)
        expert_params = w.active_routed_params / m.moe.experts_per_token * e.hit;
    }
    t_staging = micro_batches * (dense_params + expert_params) * share * kSyclFp16StagingBytesPerWeight /
                (bw * parallel);
  }
  // A DeltaNet layer's chunked prefill launches many more kernels than an attention layer (delta_net_graph_cost:
  // per 64-token chunk of the micro-batch in 2025 builds); they pay the per-layer fixed cost in proportion.
  const double delta_net_layers =
      m.attention.linear_attention_layers * delta_net_graph_cost(s.backend, s.engine_year, micro_batch).extra_layers;
  const double t_overhead =
      micro_batches * (m.layers + delta_net_layers) * k.prefill_layer_overhead_us * kMicro / parallel;
  return std::max(t_compute, t_memory) + t_dequant + t_staging + t_host + t_overhead;
}

Prediction predict(const Scenario& s, const EfficiencyConstants& k) noexcept {
  if (s.hardware == nullptr || s.model == nullptr || s.quant == nullptr) {
    Prediction p;
    p.in_range = false;
    return p;
  }
  return predict(s, k, prepare_model_quant(*s.model, *s.quant));
}

Prediction predict(const Scenario& s, const EfficiencyConstants& k, const ModelQuantTerms& terms) noexcept {
  if (s.hardware == nullptr || s.model == nullptr || s.quant == nullptr || !terms_belong_to(terms, s))
    return predict(s, k);
  Prediction p;
  p.fit = fit_memory(s, k, terms);
  if (p.fit.verdict == FitVerdict::does_not_fit) {
    // Speeds are still worth showing (what it would be with enough memory), computed as if it fit.
    MemoryFit as_if = p.fit;
    as_if.offload = OffloadKind::none;
    as_if.gpu_layers = s.model->layers;
    as_if.cpu_layers = 0;
    p.fit.gpu_layers = 0;
    const double t = decode_seconds_per_token(s, terms, as_if, k, static_cast<double>(s.prompt_tokens), &p);
    p.decode_tok_s = 1.0 / t;
    p.prefill_tok_s = s.prompt_tokens / prefill_seconds(s, terms, as_if, k, static_cast<double>(s.prompt_tokens), 0);
    p.ttft_s = static_cast<double>(s.prompt_tokens) / p.prefill_tok_s + t;
  } else {
    const double t = decode_seconds_per_token(s, terms, p.fit, k, static_cast<double>(s.prompt_tokens), &p);
    const double t_prefill = prefill_seconds(s, terms, p.fit, k, static_cast<double>(s.prompt_tokens), 0);
    p.decode_tok_s = 1.0 / t;
    p.prefill_tok_s = static_cast<double>(s.prompt_tokens) / t_prefill;
    p.ttft_s = t_prefill + t;
  }
  p.aggregate_decode_tok_s = p.decode_tok_s * std::max(1, s.batch);
  p.thermal_data = s.hardware->has_thermal_data;
  p.sustained_decode_tok_s = p.decode_tok_s * (p.thermal_data ? s.hardware->sustained_fraction : 1.0);
  p.throttle_onset_s = p.thermal_data ? s.hardware->throttle_onset_s : 0.0;

  for (double v : {p.decode_tok_s, p.prefill_tok_s, p.ttft_s, p.sustained_decode_tok_s, p.decode_ceiling_tok_s,
                   p.fit.total_bytes, p.fit.available_bytes, p.fit.device_memory_bytes}) {
    if (!std::isfinite(v) || v < 0) p.in_range = false;
  }
  if (!(p.decode_tok_s > 0) || !(p.prefill_tok_s > 0)) p.in_range = false;
  if (!p.in_range) {
    p.decode_tok_s = p.prefill_tok_s = p.ttft_s = p.sustained_decode_tok_s = p.aggregate_decode_tok_s = 0;
    p.decode_ceiling_tok_s = 0;
  }
  return p;
}

ServingLoad serve_closed_loop(const Scenario& s, const EfficiencyConstants& k, double gen_tokens) noexcept {
  if (s.hardware == nullptr || s.model == nullptr || s.quant == nullptr) return ServingLoad{};
  return serve_closed_loop(s, k, prepare_model_quant(*s.model, *s.quant), gen_tokens);
}

ServingLoad serve_closed_loop(const Scenario& s, const EfficiencyConstants& k, const ModelQuantTerms& terms,
                              double gen_tokens) noexcept {
  ServingLoad load;
  if (s.hardware == nullptr || s.model == nullptr || s.quant == nullptr) return load;
  if (!terms_belong_to(terms, s)) return serve_closed_loop(s, k, gen_tokens);
  load.users = std::max(1, s.batch);
  const int scheduled = scheduled_sequences(s.backend, *s.hardware,
                                            s.memory_gib > 0 ? s.memory_gib : s.hardware->default_memory_gib);
  load.batch = scheduled > 0 ? std::min(load.users, scheduled) : load.users;
  Scenario batched = s;
  batched.batch = load.batch;
  MemoryFit fit = fit_memory(batched, k, terms);
  load.fits = fit.fits;
  load.verdict = fit.verdict;
  load.kv_cache_bytes = fit.kv_cache_bytes;
  load.total_bytes = fit.total_bytes;
  if (fit.verdict == FitVerdict::does_not_fit) {  // what it would be with the memory (as predict() does)
    fit.offload = OffloadKind::none;
    fit.gpu_layers = s.model->layers;
    fit.cpu_layers = 0;
  }
  const double prompt = static_cast<double>(std::max<std::int64_t>(0, s.prompt_tokens));
  const double gen = std::isnan(gen_tokens) ? 1.0 : std::max(1.0, gen_tokens);
  // Decode steps run at the mean depth of a request's generation; a request ends where its KV cache does.
  const double context = static_cast<double>(std::max(s.context_tokens, s.prompt_tokens));
  const double depth = prompt + std::min(gen, std::max(0.0, context - prompt)) / 2.0;
  Prediction breakdown;
  load.step_s = decode_seconds_per_token(batched, terms, fit, k, depth, &breakdown);
  load.compute_bound = breakdown.compute_bound_decode;
  load.prefill_s = prefill_seconds(batched, terms, fit, k, prompt, 0);
  // One request's cycle: its prefill, then `gen` steps, each slowed by the other requests' prefills, one per
  // request per cycle (continuous batching mixes them into the steps: vLLM's chunked prefill, llama-server's
  // slots). So N requests take N·t_prefill + G·t_step per cycle; per output token, N·t_prefill/G + t_step.
  const double n = load.batch;
  const double prefill_per_output = std::isinf(gen) ? 0.0 : load.prefill_s / gen;
  load.aggregate_tok_s = n / (n * prefill_per_output + load.step_s);
  load.per_user_tok_s = 1.0 / (load.step_s + (n - 1.0) * prefill_per_output);
  load.requests_per_s = std::isinf(gen) ? 0.0 : load.aggregate_tok_s / gen;
  // The first token comes out of a step of the running batch after its own prefill; requests beyond the
  // scheduler's batch wait their turn in its queue (a closed loop: each slot frees once per cycle; requests
  // that never end free none, and the wait is not counted).
  const double queued = load.users - n;
  load.ttft_s = load.prefill_s + load.step_s +
                (queued > 0 && load.requests_per_s > 0 ? queued / load.requests_per_s : 0.0);
  for (double v : {load.step_s, load.prefill_s, load.aggregate_tok_s, load.per_user_tok_s, load.ttft_s})
    if (!std::isfinite(v) || v < 0) load.in_range = false;
  if (!load.in_range) load.aggregate_tok_s = load.per_user_tok_s = load.ttft_s = load.requests_per_s = 0;
  return load;
}

void check_prompt_tokens_per_output_token(double ratio) {
  if (!(ratio >= 0 && ratio <= kMaxPromptTokensPerOutputToken))
    throw InputError(fmt::format("{}: {} is out of range (0 to {:g})", field("prompt_tokens_per_output_token"), ratio,
                                 kMaxPromptTokensPerOutputToken));
}

double output_tokens_per_request(const Scenario& s, double prompt_tokens_per_output_token) noexcept {
  const double prompt = static_cast<double>(std::max<std::int64_t>(1, s.prompt_tokens));
  if (!(prompt_tokens_per_output_token > 0)) return std::numeric_limits<double>::infinity();
  return prompt / prompt_tokens_per_output_token;
}

ServingLoad serve_users(const Scenario& s, const EfficiencyConstants& k, double prompt_tokens_per_output_token) noexcept {
  return serve_closed_loop(s, k, output_tokens_per_request(s, prompt_tokens_per_output_token));
}

std::vector<std::int64_t> context_ladder(std::int64_t max_context) {
  std::vector<std::int64_t> ladder;
  if (max_context <= 0) return ladder;
  // Bounded so that doubling cannot overflow whatever max_context a caller passes.
  for (std::int64_t c = 512; c < max_context && c <= std::numeric_limits<std::int64_t>::max() / 2; c *= 2)
    ladder.push_back(c);
  ladder.push_back(max_context);
  return ladder;
}

Scenario at_prompt(const Scenario& s, std::int64_t prompt) noexcept {
  Scenario at = s;
  at.prompt_tokens = prompt;
  at.context_tokens = std::max(s.context_tokens, prompt);
  return at;
}

namespace {

ContextPoint point_of(const Scenario& at, const EfficiencyConstants& k, const ModelQuantTerms& terms) {
  const Prediction p = predict(at, k, terms);
  ContextPoint point;
  point.context = at.prompt_tokens;
  point.kv_tokens = at.context_tokens;
  point.fits = p.fit.fits;
  point.verdict = p.fit.verdict;
  if (p.in_range && p.fit.verdict != FitVerdict::does_not_fit) {
    point.decode_tok_s = clamp_non_negative(p.decode_tok_s);
    point.ttft_s = clamp_non_negative(p.ttft_s);
  }
  return point;
}

}  // namespace

ContextPoint speed_at_prompt(const Scenario& s, const EfficiencyConstants& k, std::int64_t prompt) {
  if (s.hardware == nullptr || s.model == nullptr || s.quant == nullptr) return {};
  return point_of(at_prompt(s, prompt), k, prepare_model_quant(*s.model, *s.quant));
}

std::vector<ContextPoint> context_scaling(const Scenario& s, const EfficiencyConstants& k) {
  std::vector<ContextPoint> points;
  if (s.hardware == nullptr || s.model == nullptr || s.quant == nullptr) return points;
  const ModelQuantTerms terms = prepare_model_quant(*s.model, *s.quant);
  std::vector<std::int64_t> lengths = context_ladder(s.model->max_context);
  for (const std::int64_t own : {s.prompt_tokens, s.context_tokens})
    if (own >= 1 && own <= s.model->max_context) lengths.push_back(own);
  std::sort(lengths.begin(), lengths.end());
  lengths.erase(std::unique(lengths.begin(), lengths.end()), lengths.end());
  for (const std::int64_t length : lengths) points.push_back(point_of(at_prompt(s, length), k, terms));
  return points;
}

std::int64_t max_context_with_offload(const Scenario& s, const EfficiencyConstants& k) {
  if (s.hardware == nullptr || s.model == nullptr || s.quant == nullptr || s.model->max_context < 1) return 0;
  const ModelQuantTerms terms = prepare_model_quant(*s.model, *s.quant);
  auto runs_at = [&](std::int64_t context) {
    Scenario at = s;
    at.context_tokens = context;
    at.prompt_tokens = std::min(s.prompt_tokens, context);
    return fit_memory(at, k, terms).verdict != FitVerdict::does_not_fit;
  };
  // More context never frees memory: bisect for the last length that runs.
  if (!runs_at(1)) return 0;
  std::int64_t low = 1;
  std::int64_t high = s.model->max_context;
  if (runs_at(high)) return high;
  while (high - low > 1) {
    const std::int64_t mid = low + (high - low) / 2;
    (runs_at(mid) ? low : high) = mid;
  }
  return low;
}

}  // namespace llmfit

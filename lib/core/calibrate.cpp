// Calibration maths: design matrix from the library's own speed model, robust (Huber, IRLS) weighted
// least squares in relative error, hierarchical shrinkage (backend → API × hardware class → era),
// rank checks, standard errors and leave-one-hardware-out cross-validation. No I/O.
#include "llmfit/calibrate.hpp"

#include <Eigen/Dense>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <numeric>
#include <set>
#include <sstream>
#include <stdexcept>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

#include "llmfit/errors.hpp"
#include "llmfit/units.hpp"

namespace llmfit {
namespace {

using Eigen::MatrixXd;
using Eigen::VectorXd;

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr int kKernels = static_cast<int>(kAllQuantKernels.size());

// Parameter layout. Decode: one inverse bandwidth efficiency per kernel family, then KV and the fixed costs.
constexpr int kKv = kKernels;
constexpr int kLayer = kKernels + 1;
constexpr int kExpert = kKernels + 2;
constexpr int kToken = kKernels + 3;
constexpr int kCpuAttention = kKernels + 4;  // CPU backends: core cycles per decode attention multiply-add
constexpr int kCpuFlashAttention = kKernels + 5;  // ... with flash attention on
// CPU backends: core cycles per decoded weight (the compute roof), one column per kernel family.
constexpr int kCpuCycles = kKernels + 6;
constexpr int kBatchCompute = kCpuCycles + kKernels;  // batched decode: inverse share of the tensor peak per further sequence
// ... past the engine's matrix-vector kernels (batched_matvec_max_rows): its matrix-matrix tiles.
constexpr int kBatchGemm = kBatchCompute + 1;
constexpr int kAllReduce = kBatchGemm + 1;  // tensor parallelism: one all-reduce's latency (two per layer)
// CPU backends: inverse of the bandwidth one thread streams (GB/s per thread; Little's law: the misses a core
// keeps in flight over the memory latency), so few threads cannot reach the chip's bandwidth.
constexpr int kCpuThreadBandwidth = kAllReduce + 1;
// Inverse share of the vector FP32 peak of decode attention on the vector ALUs (flash attention's scalar shader on
// Vulkan off NVIDIA: vector_decode_attention_efficiency).
constexpr int kVectorDecodeAttention = kCpuThreadBandwidth + 1;
// Inverse share of peak bandwidth of BF16 routed experts at decode on Vulkan (the matrix-matrix matmul_id shader:
// matmul_id_decode_bandwidth_efficiency).
constexpr int kMatmulIdStream = kVectorDecodeAttention + 1;
// Batched MoE decode: inverse share of the bandwidth the engine's expert tiles stream the routed experts at.
constexpr int kExpertGemmBandwidth = kMatmulIdStream + 1;
// Batched decode past the matrix-vector rows: inverse share of the bandwidth the matrix-matrix tiles stream weights at.
constexpr int kBatchGemmBandwidth = kExpertGemmBandwidth + 1;
// Vector-ALU operations per weight of the sub-4-bit K-quants' unpack at decode on a GPU
// (low_bit_kquant_unpack_ops_per_weight): a cost of their kernels, fitted per engine × API × era.
constexpr int kLowBitUnpack = kBatchGemmBandwidth + 1;
// CPU backends: core cycles per decoded weight of a format ggml-cpu repacks into row tiles on the chip
// (cpu_repacked_cycles_per_weight; predict.hpp, cpu_repacked_at_decode).
constexpr int kCpuRepacked = kLowBitUnpack + 1;
// Per-layer cost of Intel's integer-dot matrix-vector shaders on Vulkan (mmvq_layer_overhead_us): the chip family's
// and its driver's, fitted per class.
constexpr int kMmvqLayer = kCpuRepacked + 1;
constexpr int kDecodeParams = kMmvqLayer + 1;
/// Which columns a backend's runs have data for: the bandwidth column of each kernel family, then its CPU
/// cycles column (index kKernels + family), then its CPU prefill cycles column (2 kKernels + family).
/// Last: whether they have runs of a repacked format (kCpuRepacked).
using KernelData = std::array<bool, 3 * kAllQuantKernels.size() + 1>;
constexpr std::size_t kRepackedData = 3 * kAllQuantKernels.size();
// Prefill: inverse compute efficiencies of weight GEMMs and attention, then the per-layer cost.
constexpr int kCompute = 0;
constexpr int kAttention = 1;
constexpr int kPrefillLayer = 2;
constexpr int kDequant = 3;  // weight passes per micro-batch to dequantise for the GEMM
constexpr int kFlashAttention = 4;  // inverse compute efficiency of attention with flash attention on
constexpr int kFloatCompute = 5;  // inverse compute efficiency of the weight GEMMs with float weights
constexpr int kFloatExpertCompute = 6;  // ... of the routed experts when they are float (one GEMM per expert)
constexpr int kVectorCompute = 7;  // inverse share of the vector FP32 peak of prefill work on the vector ALUs
// CPU backends: core cycles per weight and prompt token, one column per kernel family (replaces the GEMM
// efficiencies on CPU cores).
constexpr int kCpuPrefillCycles = 8;
// Inverse share of the vector FP32 peak of flash attention on ggml-cuda's tile kernel (flash_attention_on_vector_units).
constexpr int kVectorFlashAttention = kCpuPrefillCycles + kKernels;
// Inverse share of the vector FP32 peak of Vulkan's quantised GEMMs on AMD (vector_quantised_compute_efficiency).
constexpr int kVectorQuantCompute = kVectorFlashAttention + 1;
// CPU backends: core cycles per prefill attention multiply-add, without and with flash attention (replace the
// attention shares of the tensor peak on CPU cores).
constexpr int kCpuPrefillAttention = kVectorQuantCompute + 1;
constexpr int kCpuPrefillFlashAttention = kCpuPrefillAttention + 1;
// Inverse share of the vector FP32 peak of prompts on ggml-vulkan's scalar flash-attention shader
// (scalar_flash_attention_compute_efficiency).
constexpr int kScalarFlashAttention = kCpuPrefillFlashAttention + 1;
constexpr int kPrefillParams = kScalarFlashAttention + 1;
constexpr int kTests = 2;  // index 0 decode, 1 prefill

int test_index(RunTest test) { return test == RunTest::decode ? 0 : 1; }
bool is_cpu_cycles(int test, int j) {
  const int first = test == 0 ? kCpuCycles : kCpuPrefillCycles;
  return j >= first && j < first + kKernels;
}
/// The kernel family of a CPU cycles column.
int cycles_family(int test, int j) { return j - (test == 0 ? kCpuCycles : kCpuPrefillCycles); }
/// Index of a CPU cycles column in KernelData.
std::size_t cycles_data_index(int test, int j) {
  return static_cast<std::size_t>((test == 0 ? 1 : 2) * kKernels + cycles_family(test, j));
}
std::string_view kernel_name(int family) { return to_string(kAllQuantKernels[static_cast<std::size_t>(family)]); }
/// Errors are summarised apart for batch-1 decode (0), prefill (1) and batched or serving decode (2).
constexpr std::size_t kErrorBuckets = 3;
std::size_t error_bucket(const RunCase& c) {
  return c.run->test == RunTest::prefill ? 1 : c.run->batch > 1 ? 2 : 0;
}
int param_count(int test) { return test == 0 ? kDecodeParams : kPrefillParams; }

// Bounds in coefficient units: an efficiency e ∈ [0.01, 1] is θ = 1/e ∈ [1, 100]; costs ∈ [0, 1e5] µs.
bool is_efficiency_param(int test, int j) {
  return test == 0 ? j <= kKv || j == kBatchCompute || j == kBatchGemm || j == kVectorDecodeAttention ||
                         j == kMatmulIdStream || j == kExpertGemmBandwidth || j == kBatchGemmBandwidth
                   : j == kCompute || j == kAttention || j == kFlashAttention || j == kFloatCompute ||
                         j == kFloatExpertCompute || j == kVectorCompute || j == kVectorFlashAttention ||
                         j == kVectorQuantCompute || j == kScalarFlashAttention;
}
/// Bandwidth efficiencies cannot exceed 100 % of peak; compute efficiencies are shares of the FP16-accumulate
/// tensor peak, which int8 kernels (MMQ) may beat, so they may reach 150 %.
bool is_bandwidth_param(int test, int j) {
  return test == 0 && (j <= kKv || j == kMatmulIdStream || j == kExpertGemmBandwidth || j == kBatchGemmBandwidth);
}
/// Shares of a peak no kernel of that kind can beat: the bandwidth ones, and in prefill the float-weight GEMMs
/// (BF16/F16 against the FP16 tensor peak), attention, and the vector ALUs' work (against fp32_tflops). Only the
/// quantised GEMMs (int8 MMQ against the FP16-accumulate peak) and the batched shares may pass 100 %.
bool is_at_most_peak_param(int test, int j) {
  // The batched tiles' per-sequence share (kBatchGemm) runs the same tiles as prefill's GEMMs, at most the peak.
  return is_bandwidth_param(test, j) || (test == 0 && j == kBatchGemm) ||
         (test == 1 && (j == kAttention || j == kFlashAttention || j == kFloatCompute || j == kFloatExpertCompute ||
                        j == kVectorCompute || j == kVectorFlashAttention || j == kScalarFlashAttention));
}
/// The largest share of a peak the quantised GEMMs and batched shares may reach (int8 MMQ beats the FP16 peak).
constexpr double kMaxShareOfPeakPastThePeak = 1.5;
double lower_bound(int test, int j) {
  return is_at_most_peak_param(test, j) ? 1.0 : is_efficiency_param(test, j) ? 1.0 / kMaxShareOfPeakPastThePeak : 0.0;
}
/// Columns that describe the engine (its kernels' fixed costs, attention algorithm, dequantisation) rather
/// than the chip: fitted per engine × device API × era and shared by every chip that software runs on. The
/// rest (shares of peak bandwidth and FLOPs, and the CPU cycles per weight of each kernel family, which
/// follow the instruction set: NEON dot products on Apple cores, AVX2/AVX-512 on x86) belong to the class.
bool is_software_param(int test, int j) {
  if (test == 0)
    return j == kLayer || j == kExpert || j == kToken || j == kCpuAttention || j == kCpuFlashAttention ||
           j == kLowBitUnpack;
  return j == kAttention || j == kFlashAttention || j == kPrefillLayer || j == kDequant || j == kVectorFlashAttention ||
         j == kCpuPrefillAttention || j == kCpuPrefillFlashAttention;
}

/// Columns a GPU generation refits below its hardware class (decode): the fixed costs per layer and per token and
/// the kernel families' shares of peak bandwidth. On the #4167 Apple table the marginal cost of a byte is 88-98 %
/// of peak on every generation; what differs is the fixed time per token (M1 6.3-7.5 ms, M2 4.4-5.5, M3 4.3-7.1, M4
/// 4.3-4.9) and, on XiongjieDai's M1 Max, K-quant decode (the dequantisation ALU rate): docs/calibration.md.
bool is_generation_param(int test, int j) {
  return test == 0 ? (j < kKernels || j == kLayer || j == kToken) : (j == kCompute || j == kFloatCompute);
}

double upper_bound(int test, int j) { return is_efficiency_param(test, j) || (test == 1 && j == kDequant) ? 100.0 : 1e5; }
std::string param_unit(int test, int j) {
  return is_efficiency_param(test, j)   ? "share of peak"
         : test == 1 && j == kDequant   ? "passes"
         : is_cpu_cycles(test, j) || (test == 0 && (j == kCpuAttention || j == kCpuFlashAttention || j == kCpuRepacked)) ||
                 (test == 1 && (j == kCpuPrefillAttention || j == kCpuPrefillFlashAttention))
             ? "cycles"
         : test == 0 && j == kCpuThreadBandwidth                                                  ? "GB/s"
         : test == 0 && j == kLowBitUnpack                                                        ? "ops"
                                        : "us";
}

std::string param_name(int test, int j) {
  if (is_cpu_cycles(test, j) && test == 1) return "cpu_prefill_cycles." + std::string(kernel_name(cycles_family(test, j)));
  if (test == 1)
    return j == kCompute          ? "compute_efficiency"
           : j == kAttention      ? "attention_compute_efficiency"
           : j == kFlashAttention ? "flash_attention_compute_efficiency"
           : j == kDequant        ? "prefill_dequant_passes"
           : j == kFloatCompute   ? "float_compute_efficiency"
           : j == kFloatExpertCompute ? "float_expert_compute_efficiency"
           : j == kVectorCompute  ? "vector_compute_efficiency"
           : j == kVectorFlashAttention ? "vector_flash_attention_compute_efficiency"
           : j == kVectorQuantCompute ? "vector_quantised_compute_efficiency"
           : j == kCpuPrefillAttention ? "cpu_prefill_attention_cycles_per_mac"
           : j == kCpuPrefillFlashAttention ? "cpu_prefill_flash_attention_cycles_per_mac"
           : j == kScalarFlashAttention ? "scalar_flash_attention_compute_efficiency"
                                  : "prefill_layer_overhead_us";
  if (j < kKernels) return "kernel_efficiency." + std::string(to_string(kAllQuantKernels[static_cast<std::size_t>(j)]));
  if (is_cpu_cycles(test, j)) return "cpu_cycles_per_weight." + std::string(kernel_name(cycles_family(test, j)));
  switch (j) {
    case kKv: return "kv_bandwidth_efficiency";
    case kLayer: return "layer_overhead_us";
    case kExpert: return "expert_overhead_us";
    case kCpuAttention: return "cpu_attention_cycles_per_mac";
    case kCpuFlashAttention: return "cpu_flash_attention_cycles_per_mac";
    case kBatchCompute: return "batch_compute_efficiency";
    case kBatchGemm: return "batch_gemm_compute_efficiency";
    case kAllReduce: return "tp_allreduce_us";
    case kCpuThreadBandwidth: return "cpu_thread_bandwidth_gb_s";
    case kVectorDecodeAttention: return "vector_decode_attention_efficiency";
    case kMatmulIdStream: return "matmul_id_decode_bandwidth_efficiency";
    case kExpertGemmBandwidth: return "expert_gemm_bandwidth_efficiency";
    case kBatchGemmBandwidth: return "batch_gemm_bandwidth_efficiency";
    case kLowBitUnpack: return "low_bit_kquant_unpack_ops_per_weight";
    case kCpuRepacked: return "cpu_repacked_cycles_per_weight";
    case kMmvqLayer: return "mmvq_layer_overhead_us";
    default: return "token_overhead_us";
  }
}

std::string param_label(int test, int j) {
  if (is_cpu_cycles(test, j) && test == 1)
    return "CPU core cycles per weight and prompt token, " + std::string(kernel_name(cycles_family(test, j))) +
           " kernels (128-bit SIMD)";
  if (test == 1)
    return j == kCompute          ? "prefill weight-GEMM share of tensor peak"
           : j == kAttention      ? "prefill attention share of tensor peak (no flash attention)"
           : j == kFlashAttention ? "prefill attention share of tensor peak (flash attention)"
           : j == kDequant        ? "dequantisation passes per micro-batch"
           : j == kFloatCompute   ? "prefill float-weight (F16/BF16) GEMM share of tensor peak"
           : j == kFloatExpertCompute ? "prefill float routed-expert GEMM (MoE, one per expert) share of tensor peak"
           : j == kVectorCompute  ? "prefill share of vector FP32 peak (GEMMs and attention on the vector ALUs)"
           : j == kVectorFlashAttention ? "prefill attention share of vector FP32 peak (flash attention, tile kernel)"
           : j == kVectorQuantCompute ? "prefill quantised-GEMM share of vector FP32 peak (Vulkan on AMD)"
           : j == kCpuPrefillAttention ? "CPU core cycles per prefill attention multiply-add (128-bit SIMD)"
           : j == kCpuPrefillFlashAttention ? "CPU core cycles per prefill attention multiply-add, flash attention"
           : j == kScalarFlashAttention ? "prefill attention share of vector FP32 peak (Vulkan's scalar flash-attention shader)"
                                  : "prefill cost per layer per micro-batch (µs)";
  if (j < kKernels)
    return "weight bandwidth efficiency, " + std::string(to_string(kAllQuantKernels[static_cast<std::size_t>(j)])) +
           " kernels";
  if (is_cpu_cycles(test, j))
    return "CPU core cycles per decoded weight, " + std::string(kernel_name(cycles_family(test, j))) +
           " kernels (128-bit SIMD)";
  switch (j) {
    case kKv: return "KV-cache bandwidth efficiency";
    case kLayer: return "cost per layer per token (µs)";
    case kExpert: return "cost per active expert per MoE layer (µs)";
    case kCpuAttention: return "CPU core cycles per decode attention multiply-add (128-bit SIMD)";
    case kCpuFlashAttention: return "CPU core cycles per decode attention multiply-add, flash attention";
    case kBatchCompute: return "batched decode share of tensor peak (each further sequence)";
    case kBatchGemm: return "batched decode share of tensor peak past the matrix-vector kernels";
    case kAllReduce: return "tensor-parallel all-reduce, two per layer (µs)";
    case kCpuThreadBandwidth: return "CPU bandwidth one thread streams (GB/s; 0 = no per-thread limit)";
    case kVectorDecodeAttention: return "decode attention share of vector FP32 peak (flash attention, scalar shader)";
    case kMatmulIdStream: return "BF16 expert bandwidth efficiency at decode (matrix-matrix matmul_id shader)";
    case kExpertGemmBandwidth: return "batched MoE decode: routed-expert bandwidth efficiency in the expert tiles";
    case kBatchGemmBandwidth: return "batched decode: weight bandwidth efficiency past the matrix-vector kernels";
    case kLowBitUnpack: return "Q2_K/Q3_K unpack, vector-ALU operations per weight beyond the stream";
    case kCpuRepacked: return "CPU core cycles per decoded weight, repacked row tiles (128-bit SIMD)";
    case kMmvqLayer: return "cost per layer per token, Intel's integer-dot matrix-vector shaders on Vulkan (µs)";
    default: return "cost per token (µs)";
  }
}

// ------------------------------------------------------------------------------------------------
// Constants ↔ coefficients

VectorXd theta_of(int test, const EfficiencyConstants& k) {
  VectorXd th(param_count(test));
  if (test == 0) {
    for (int j = 0; j < kKernels; ++j)
      th[j] = 1.0 / (k.weight_bandwidth_efficiency * k.kernel_efficiency[static_cast<std::size_t>(j)]);
    th[kKv] = 1.0 / k.kv_bandwidth_efficiency;
    th[kLayer] = k.layer_overhead_us;
    th[kExpert] = k.expert_overhead_us;
    th[kToken] = k.token_overhead_us;
    for (int j = 0; j < kKernels; ++j) th[kCpuCycles + j] = k.cpu_cycles(kAllQuantKernels[static_cast<std::size_t>(j)]);
    th[kCpuAttention] = k.cpu_attention_cycles_per_mac;
    th[kCpuFlashAttention] = k.cpu_flash_attention_cycles_per_mac;
    th[kBatchCompute] = 1.0 / k.batch_compute_efficiency;
    th[kBatchGemm] = 1.0 / k.batch_gemm_compute_efficiency;
    th[kAllReduce] = k.tp_allreduce_us;
    th[kCpuThreadBandwidth] = k.cpu_thread_bandwidth_gb_s > 0 ? 1.0 / k.cpu_thread_bandwidth_gb_s : 0.0;
    th[kVectorDecodeAttention] = 1.0 / k.vector_decode_attention_efficiency;
    th[kMatmulIdStream] = 1.0 / k.matmul_id_decode_bandwidth_efficiency;
    th[kExpertGemmBandwidth] = 1.0 / k.expert_gemm_bandwidth_efficiency;
    th[kBatchGemmBandwidth] = 1.0 / k.batch_gemm_bandwidth_efficiency;
    th[kLowBitUnpack] = k.low_bit_kquant_unpack_ops_per_weight;
    th[kCpuRepacked] = k.cpu_repacked_cycles_per_weight;
    th[kMmvqLayer] = k.mmvq_layer_overhead_us;
  } else {
    th[kCompute] = 1.0 / k.compute_efficiency;
    th[kAttention] = 1.0 / k.attention_compute_efficiency;
    th[kFlashAttention] = 1.0 / k.flash_attention_compute_efficiency;
    th[kPrefillLayer] = k.prefill_layer_overhead_us;
    th[kDequant] = k.prefill_dequant_passes;
    th[kFloatCompute] = 1.0 / k.float_compute_efficiency;
    th[kFloatExpertCompute] = 1.0 / k.float_expert_compute_efficiency;
    th[kVectorCompute] = 1.0 / k.vector_compute_efficiency;
    th[kVectorFlashAttention] = 1.0 / k.vector_flash_attention_compute_efficiency;
    th[kVectorQuantCompute] = 1.0 / k.vector_quantised_compute_efficiency;
    for (int j = 0; j < kKernels; ++j) th[kCpuPrefillCycles + j] = k.cpu_prefill_cycles[static_cast<std::size_t>(j)];
    th[kCpuPrefillAttention] = k.cpu_prefill_attention_cycles_per_mac;
    th[kCpuPrefillFlashAttention] = k.cpu_prefill_flash_attention_cycles_per_mac;
    th[kScalarFlashAttention] = 1.0 / k.scalar_flash_attention_compute_efficiency;
  }
  return th;
}

/// Fitted coefficients written into a copy of `base`. Kernel families with runs get their fitted
/// product weight_bandwidth_efficiency × kernel_efficiency; the common factor is the geometric mean of the
/// fitted products over their literature relative efficiencies, so families without runs keep their
/// literature efficiency relative to the fitted level. CPU cycles per weight likewise: families with CPU
/// runs get their fitted cycles, the others the pooled level (the fitted families' mean) times their
/// relative cost in `base`. Without float-weight prefill runs (`float_gemm_fitted` bit 0 clear) their GEMMs keep
/// the quantised ones' rate; without float-expert MoE prefill runs (bit 1 clear) the experts keep the dense
/// float rate; without runs of flash attention on the tile kernel (bit 3 clear) it runs at the fitted flash
/// attention share, of the vector peak.
EfficiencyConstants constants_of(EfficiencyConstants base, const VectorXd& decode, const VectorXd& prefill,
                                 const KernelData& kernel_has_data, int float_gemm_fitted) {
  double log_sum = 0;
  int fitted = 0;
  for (int j = 0; j < kKernels; ++j) {
    if (!kernel_has_data[static_cast<std::size_t>(j)]) continue;
    log_sum += std::log((1.0 / decode[j]) / base.kernel_efficiency[static_cast<std::size_t>(j)]);
    ++fitted;
  }
  if (fitted > 0) {
    const double level = std::exp(log_sum / fitted);
    for (int j = 0; j < kKernels; ++j) {
      double& relative = base.kernel_efficiency[static_cast<std::size_t>(j)];
      if (kernel_has_data[static_cast<std::size_t>(j)]) {
        relative = (1.0 / decode[j]) / level;
      } else {
        // A level above 1 (the fitted families beat their literature ratios) must not carry a family without
        // runs past the peak bandwidth: no kernel streams weights faster than the memory.
        relative = std::min(relative, 1.0 / level);
      }
    }
    base.weight_bandwidth_efficiency = level;
  }
  base.kv_bandwidth_efficiency = 1.0 / decode[kKv];
  base.layer_overhead_us = decode[kLayer];
  base.expert_overhead_us = decode[kExpert];
  base.token_overhead_us = decode[kToken];
  double cycles_sum = 0, relative_sum = 0;
  for (int j = 0; j < kKernels; ++j) {
    if (!kernel_has_data[cycles_data_index(0, kCpuCycles + j)]) continue;
    cycles_sum += decode[kCpuCycles + j];
    relative_sum += base.cpu_kernel_cycles[static_cast<std::size_t>(j)];
  }
  if (relative_sum > 0) {
    const double level = cycles_sum / relative_sum;
    for (int j = 0; j < kKernels; ++j)
      if (kernel_has_data[static_cast<std::size_t>(kKernels + j)] && level > 0)
        base.cpu_kernel_cycles[static_cast<std::size_t>(j)] = decode[kCpuCycles + j] / level;
    base.cpu_cycles_per_weight = level;
  }
  // Without runs of a repacked format, its tiles cost what the plain blocks' vec_dot does (the state before
  // online repacking; on some x86 cores the tiles' GEMV was no faster: ggml-org/llama.cpp PR #9921), not 0.
  base.cpu_repacked_cycles_per_weight =
      kernel_has_data[kRepackedData] ? decode[kCpuRepacked] : base.cpu_cycles(QuantKernel::legacy);
  base.cpu_attention_cycles_per_mac = decode[kCpuAttention];
  base.cpu_flash_attention_cycles_per_mac = decode[kCpuFlashAttention];
  base.batch_compute_efficiency = 1.0 / decode[kBatchCompute];
  base.batch_gemm_compute_efficiency = 1.0 / decode[kBatchGemm];
  base.tp_allreduce_us = decode[kAllReduce];
  base.cpu_thread_bandwidth_gb_s = decode[kCpuThreadBandwidth] > 0 ? 1.0 / decode[kCpuThreadBandwidth] : 0.0;
  base.vector_decode_attention_efficiency = 1.0 / decode[kVectorDecodeAttention];
  base.matmul_id_decode_bandwidth_efficiency = 1.0 / decode[kMatmulIdStream];
  base.expert_gemm_bandwidth_efficiency = 1.0 / decode[kExpertGemmBandwidth];
  base.batch_gemm_bandwidth_efficiency = 1.0 / decode[kBatchGemmBandwidth];
  base.low_bit_kquant_unpack_ops_per_weight = decode[kLowBitUnpack];
  base.mmvq_layer_overhead_us = decode[kMmvqLayer];
  base.compute_efficiency = 1.0 / prefill[kCompute];
  base.attention_compute_efficiency = 1.0 / prefill[kAttention];
  base.flash_attention_compute_efficiency = 1.0 / prefill[kFlashAttention];
  // Without runs of the tile kernel (bit 3 clear) it runs at the share the MMA kernel's runs measured, of the vector
  // peak, not the literature's GEMM rate: a class held out whole must not borrow 45 % of its vector peak.
  base.vector_flash_attention_compute_efficiency =
      (float_gemm_fitted & 8) != 0 ? 1.0 / prefill[kVectorFlashAttention] : base.flash_attention_compute_efficiency;
  base.prefill_layer_overhead_us = prefill[kPrefillLayer];
  base.prefill_dequant_passes = prefill[kDequant];
  base.cpu_prefill_attention_cycles_per_mac = prefill[kCpuPrefillAttention];
  base.cpu_prefill_flash_attention_cycles_per_mac = prefill[kCpuPrefillFlashAttention];
  // CPU prefill cycles: families with runs their fitted value, the others the fitted families' mean.
  double prefill_sum = 0;
  int prefill_fitted = 0;
  for (int j = 0; j < kKernels; ++j)
    if (kernel_has_data[static_cast<std::size_t>(2 * kKernels + j)]) {
      prefill_sum += prefill[kCpuPrefillCycles + j];
      ++prefill_fitted;
    }
  for (int j = 0; j < kKernels; ++j)
    base.cpu_prefill_cycles[static_cast<std::size_t>(j)] =
        kernel_has_data[static_cast<std::size_t>(2 * kKernels + j)] ? prefill[kCpuPrefillCycles + j]
        : prefill_fitted > 0                                         ? prefill_sum / prefill_fitted
                                                                     : prefill[kCpuPrefillCycles + j];
  // Float GEMMs without runs of their own take the quantised GEMMs' share, up to the float peak itself: int8 MMQ
  // may pass the FP16-accumulate peak, a BF16 GEMM cannot (is_at_most_peak_param).
  base.float_compute_efficiency =
      (float_gemm_fitted & 1) != 0 ? 1.0 / prefill[kFloatCompute] : std::min(1.0, base.compute_efficiency);
  base.float_expert_compute_efficiency =
      (float_gemm_fitted & 2) != 0 ? 1.0 / prefill[kFloatExpertCompute] : base.float_compute_efficiency;
  // Without runs on the vector ALUs (bit 2 clear) their GEMMs keep the base's share (the literature: the
  // quantised GEMMs' share, now of the vector peak).
  if ((float_gemm_fitted & 4) != 0) base.vector_compute_efficiency = 1.0 / prefill[kVectorCompute];
  base.vector_compute_efficiency = std::min(1.0, base.vector_compute_efficiency);
  // Without Vulkan quantised runs on AMD (bit 4 clear) they keep the base's share (the literature: the quantised
  // GEMMs' share, of the vector peak).
  if ((float_gemm_fitted & 16) != 0) base.vector_quantised_compute_efficiency = 1.0 / prefill[kVectorQuantCompute];
  // Without prompts on Vulkan's scalar flash-attention shader (bit 5 clear) they run at the share its decode runs
  // measured (the same shader at one row) for each row of a prompt's block, at most the coopmat path's share: a class whose decode runs leave that
  // share undetermined (at its bound) predicts these prompts as a run that does not state its driver.
  base.scalar_flash_attention_compute_efficiency =
      (float_gemm_fitted & 32) != 0
          ? 1.0 / prefill[kScalarFlashAttention]
          : scalar_flash_attention_share_from_decode(base.vector_decode_attention_efficiency,
                                                     base.vector_flash_attention_compute_efficiency);
  return base;
}

// ------------------------------------------------------------------------------------------------
// Design rows, measured by probing the speed model: every coefficient set to zero time (infinite
// efficiency, zero cost) except one, set to 1.

struct Probe {
  std::array<double, kDecodeParams> decode{};
  std::array<double, kPrefillParams> prefill{};
  double offset = 0;  // time the fitted terms do not cover (device hops, host part)
};

EfficiencyConstants zero_time(EfficiencyConstants k) {
  k.weight_bandwidth_efficiency = kInf;
  k.kernel_efficiency.fill(1.0);
  k.kv_bandwidth_efficiency = kInf;
  k.layer_overhead_us = 0;
  k.expert_overhead_us = 0;
  k.token_overhead_us = 0;
  k.tp_allreduce_us = 0;
  k.cpu_cycles_per_weight = 0;
  k.cpu_kernel_cycles.fill(1.0);
  k.cpu_attention_cycles_per_mac = 0;
  k.cpu_flash_attention_cycles_per_mac = 0;
  k.cpu_thread_bandwidth_gb_s = 0;  // no per-thread limit
  k.compute_efficiency = kInf;
  k.batch_compute_efficiency = kInf;
  k.batch_gemm_compute_efficiency = kInf;
  k.expert_gemm_bandwidth_efficiency = kInf;
  k.batch_gemm_bandwidth_efficiency = kInf;
  k.attention_compute_efficiency = kInf;
  k.flash_attention_compute_efficiency = kInf;
  k.vector_flash_attention_compute_efficiency = kInf;
  k.prefill_layer_overhead_us = 0;
  k.prefill_dequant_passes = 0;
  k.cpu_prefill_cycles.fill(0.0);
  k.cpu_prefill_attention_cycles_per_mac = 0;
  k.cpu_prefill_flash_attention_cycles_per_mac = 0;
  k.float_compute_efficiency = kInf;
  k.float_expert_compute_efficiency = kInf;
  k.vector_compute_efficiency = kInf;
  k.vector_quantised_compute_efficiency = kInf;
  k.vector_decode_attention_efficiency = kInf;
  k.scalar_flash_attention_compute_efficiency = kInf;
  k.matmul_id_decode_bandwidth_efficiency = kInf;
  k.low_bit_kquant_unpack_ops_per_weight = 0;
  k.cpu_repacked_cycles_per_weight = 0;
  k.mmvq_layer_overhead_us = 0;
  return k;
}

/// A column of the design matrix: the time one unit of a coefficient adds to the time with every
/// coefficient at zero (`offset`); an efficiency of 1 is a coefficient of 1.
template <typename Time>
double unit_column(Time time, const EfficiencyConstants& zero, double offset, double EfficiencyConstants::*member) {
  EfficiencyConstants k = zero;
  k.*member = 1;
  return time(k) - offset;
}

/// A decode rate stated over a whole serving benchmark (rate_includes_prefill) also paid for each request's
/// prefill: B requests' prefills per G output tokens of each, B·t_prefill(prompt)/G per step (the closed loop
/// of serve_closed_loop, predict.hpp). The prompt is what the request brought before decoding (n_depth).
double serving_prefill_seconds(const RunCase& c, const EfficiencyConstants& k) {
  const MeasuredRun& run = *c.run;
  if (run.test != RunTest::decode || !run.rate_includes_prefill || run.n_depth <= 0 || run.n_gen <= 0) return 0.0;
  Scenario s = c.scenario();
  s.prompt_tokens = std::max<std::int64_t>(1, run.n_depth);
  const double t = prefill_seconds(s, c.placement(), k, static_cast<double>(run.n_depth), 0);
  return std::max(1, run.batch) * t / static_cast<double>(run.n_gen);
}

/// `serving`: the prefill constants a serving rate's prefill part is computed with (the prior's when null).
Probe probe_case(const RunCase& c, const EfficiencyConstants& prior, const EfficiencyConstants* serving = nullptr) {
  Probe p;
  const Scenario s = c.scenario();
  const MemoryFit fit = c.placement();
  const MeasuredRun& run = *c.run;
  const EfficiencyConstants zero = zero_time(prior);
  if (run.test == RunTest::decode) {
    const double depth = run.mean_depth_tokens();
    // A serving rate (output tokens over the whole benchmark) includes each request's prefill: at the prior's
    // prefill constants, a fixed part of the time here (the decode fit does not move it).
    const double prefill_part = serving_prefill_seconds(c, serving != nullptr ? *serving : prior);
    auto time = [&](const EfficiencyConstants& k) { return decode_seconds_per_token(s, fit, k, depth) + prefill_part; };
    p.offset = time(zero);
    auto column = [&](double EfficiencyConstants::*member) { return unit_column(time, zero, p.offset, member); };
    // A run whose stream does not follow its kernel family's share (CPU cores stream every format as the legacy
    // blocks: predict.cpp, kernel_stream_share) informs the legacy column; probed, not a rule repeated here.
    EfficiencyConstants halved = zero;
    halved.weight_bandwidth_efficiency = 1;
    halved.kernel_efficiency[static_cast<std::size_t>(c.quant->kernel)] = 0.5;
    const double stream = column(&EfficiencyConstants::weight_bandwidth_efficiency);
    const bool own_share = std::abs(time(halved) - p.offset - stream) > 1e-9 * stream;
    p.decode[static_cast<std::size_t>(own_share ? c.quant->kernel : QuantKernel::legacy)] = stream;
    p.decode[kKv] = column(&EfficiencyConstants::kv_bandwidth_efficiency);
    p.decode[kLayer] = column(&EfficiencyConstants::layer_overhead_us);
    p.decode[kExpert] = column(&EfficiencyConstants::expert_overhead_us);
    p.decode[kToken] = column(&EfficiencyConstants::token_overhead_us);
    p.decode[static_cast<std::size_t>(kCpuCycles) + static_cast<std::size_t>(cpu_cost_family(*c.quant))] =
        column(&EfficiencyConstants::cpu_cycles_per_weight);
    // A run on an empty cache attends only to its own few generated tokens (tg128: 64 on average), a cost far
    // below what it can measure: it does not inform the CPU attention cycles, which otherwise take whatever
    // per-token residual its chip has at a thousandfold (one such run set 14.7 cycles per multiply-add for a
    // fold without depth runs). Runs at depth determine them.
    if (run.n_depth > 0) {
      p.decode[kCpuAttention] = column(&EfficiencyConstants::cpu_attention_cycles_per_mac);
      p.decode[kCpuFlashAttention] = column(&EfficiencyConstants::cpu_flash_attention_cycles_per_mac);
    }
    p.decode[kBatchCompute] = column(&EfficiencyConstants::batch_compute_efficiency);
    p.decode[kBatchGemm] = column(&EfficiencyConstants::batch_gemm_compute_efficiency);
    p.decode[kAllReduce] = column(&EfficiencyConstants::tp_allreduce_us);
    p.decode[kCpuThreadBandwidth] = column(&EfficiencyConstants::cpu_thread_bandwidth_gb_s);
    p.decode[kVectorDecodeAttention] = column(&EfficiencyConstants::vector_decode_attention_efficiency);
    p.decode[kMatmulIdStream] = column(&EfficiencyConstants::matmul_id_decode_bandwidth_efficiency);
    p.decode[kExpertGemmBandwidth] = column(&EfficiencyConstants::expert_gemm_bandwidth_efficiency);
    p.decode[kBatchGemmBandwidth] = column(&EfficiencyConstants::batch_gemm_bandwidth_efficiency);
    p.decode[kLowBitUnpack] = column(&EfficiencyConstants::low_bit_kquant_unpack_ops_per_weight);
    p.decode[kCpuRepacked] = column(&EfficiencyConstants::cpu_repacked_cycles_per_weight);
    p.decode[kMmvqLayer] = column(&EfficiencyConstants::mmvq_layer_overhead_us);
  } else {
    const double tokens = static_cast<double>(run.n_prompt);
    const double depth = static_cast<double>(run.n_depth);
    auto time = [&](const EfficiencyConstants& k) { return prefill_seconds(s, fit, k, tokens, depth); };
    // A prompt on an empty cache attends to half of itself: on CPU cores a few % of its time, too little to measure
    // the attention cycles, which would take whatever residual its chip has (the 2024 8B pp512 rows set 1.5 cycles
    // a multiply-add). Its attention is priced at the prior's cycles, in the offset; runs at depth determine them.
    EfficiencyConstants base = zero;
    if (run.n_depth <= 0) {
      base.cpu_prefill_attention_cycles_per_mac = prior.cpu_prefill_attention_cycles_per_mac;
      base.cpu_prefill_flash_attention_cycles_per_mac = prior.cpu_prefill_flash_attention_cycles_per_mac;
    }
    p.offset = time(base);
    auto column = [&](double EfficiencyConstants::*member) { return unit_column(time, base, p.offset, member); };
    p.prefill[kCompute] = column(&EfficiencyConstants::compute_efficiency);
    p.prefill[kAttention] = column(&EfficiencyConstants::attention_compute_efficiency);
    p.prefill[kPrefillLayer] = column(&EfficiencyConstants::prefill_layer_overhead_us);
    p.prefill[kDequant] = column(&EfficiencyConstants::prefill_dequant_passes);
    p.prefill[kFlashAttention] = column(&EfficiencyConstants::flash_attention_compute_efficiency);
    {
      EfficiencyConstants k = base;
      const auto family = static_cast<std::size_t>(cpu_prefill_cost(*c.quant, *c.hardware).family);
      k.cpu_prefill_cycles[family] = 1;
      p.prefill[static_cast<std::size_t>(kCpuPrefillCycles) + family] = time(k) - p.offset;
    }
    p.prefill[kFloatCompute] = column(&EfficiencyConstants::float_compute_efficiency);
    p.prefill[kFloatExpertCompute] = column(&EfficiencyConstants::float_expert_compute_efficiency);
    p.prefill[kVectorCompute] = column(&EfficiencyConstants::vector_compute_efficiency);
    p.prefill[kVectorFlashAttention] = column(&EfficiencyConstants::vector_flash_attention_compute_efficiency);
    p.prefill[kVectorQuantCompute] = column(&EfficiencyConstants::vector_quantised_compute_efficiency);
    p.prefill[kScalarFlashAttention] = column(&EfficiencyConstants::scalar_flash_attention_compute_efficiency);
    if (run.n_depth > 0) {
      p.prefill[kCpuPrefillAttention] = column(&EfficiencyConstants::cpu_prefill_attention_cycles_per_mac);
      p.prefill[kCpuPrefillFlashAttention] = column(&EfficiencyConstants::cpu_prefill_flash_attention_cycles_per_mac);
    }
  }
  // Rounding can leave -1e-19 where a term is absent; NaN and infinity stay visible to the caller.
  for (double& x : p.decode) x = x < 0 ? 0.0 : x;
  for (double& x : p.prefill) x = x < 0 ? 0.0 : x;
  return p;
}

const EfficiencyConstants& prior_for(const EfficiencyProfile& before, Backend backend, DeviceApi api,
                                     HardwareClass hw_class) {
  return before.lookup(backend, api, hw_class).constants;
}

/// The backend-wide prior: the entry of `before` with neither API nor class, else the literature one.
const EfficiencyConstants& backend_prior(const EfficiencyProfile& before, Backend backend) {
  for (const auto& profile : {&before, &default_efficiency_profile()})
    for (const auto& entry : profile->entries)
      if (entry.backend == backend && !entry.api && !entry.hardware_class && entry.era.empty()) return entry.constants;
  return default_efficiency_profile().entries.front().constants;
}

// ------------------------------------------------------------------------------------------------
// Data laid out for the solver

struct GroupKey {
  Backend backend;
  DeviceApi api;
  HardwareClass hw_class;
  std::string era;
  bool operator<(const GroupKey& o) const {
    return std::tie(backend, api, hw_class, era) < std::tie(o.backend, o.api, o.hw_class, o.era);
  }
};

/// A GPU generation of a hardware class on an engine · API (HardwareSpec::gpu_family: apple7, apple8 …).
struct GenerationKey {
  Backend backend;
  DeviceApi api;
  HardwareClass hw_class;
  std::string gpu_family;
  bool operator<(const GenerationKey& o) const {
    return std::tie(backend, api, hw_class, gpu_family) < std::tie(o.backend, o.api, o.hw_class, o.gpu_family);
  }
};

/// Columns a run's row can have nonzero: one kernel family's bandwidth, KV, the three fixed costs and the
/// CPU compute roof for weights and attention, the CPU per-thread bandwidth, the batched compute of both kernel
/// families and the all-reduce cost (prefill: 4, attention with or without flash attention).
constexpr int kMaxNonzero = 11;

/// One run's row of the design matrix, sparse: a million runs hold about 100 bytes each, not a dense row.
struct Row {
  std::uint32_t case_index = 0;  // index into the cases (build_data refuses more than 2^32)
  std::int32_t backend = 0;      // index into Data::backends (engine × device kind)
  std::int32_t class_group = 0;  // index into Data::class_groups
  std::int32_t era_group = 0;    // index into Data::era_groups (engine × API × era; era may be empty)
  std::int32_t generation_group = -1;  // index into Data::generation_groups; -1: the chip states no GPU generation
  std::int32_t hardware = 0;     // index into Data::hardware
  std::int32_t fold = 0;         // index into Data::folds (cross-validation unit: the chip, or the model)
  double t = 0;                  // measured seconds
  double offset = 0;
  double weight = 1;             // 1 / runs of the same configuration (repeated builds count once)
  std::array<double, kMaxNonzero> value{};         // the nonzero entries, in column order
  std::array<std::uint8_t, kMaxNonzero> column{};  // their columns
  std::uint8_t nonzero_count = 0;
};

/// `r` with only one level's columns (the software ones, or the hardware ones) kept; the other level's columns
/// enter the offset at `other` (backfitting solves one level with the other held at its current fit).
Row level_row(const Row& r, int test, bool keep_software, const VectorXd& other) {
  Row a = r;
  a.nonzero_count = 0;
  for (std::size_t u = 0; u < r.nonzero_count; ++u) {
    if (is_software_param(test, r.column[u]) == keep_software) {
      a.value[a.nonzero_count] = r.value[u];
      a.column[a.nonzero_count] = r.column[u];
      ++a.nonzero_count;
    } else {
      a.offset += r.value[u] * other[r.column[u]];
    }
  }
  return a;
}

/// The normal equations' sums (X'WX, X'Wy) of one cell added for one level, as level_row does for a row: the
/// level's block into `a` and `rhs`, the other level's columns at `other` moved to the right-hand side.
void add_level_sums(int test, bool keep_software, const MatrixXd& cell_a, const VectorXd& cell_b, const VectorXd& other,
                    MatrixXd& a, VectorXd& rhs) {
  const auto p = static_cast<int>(rhs.size());
  for (int j = 0; j < p; ++j) {
    if (is_software_param(test, j) != keep_software) continue;
    rhs[j] += cell_b[j];
    for (int k = 0; k < p; ++k) {
      if (is_software_param(test, k) == keep_software)
        a(j, k) += cell_a(j, k);
      else
        rhs[j] -= cell_a(j, k) * other[k];
    }
  }
}

/// The kind of device that runs an engine on a device API and hardware class: the CPU backend runs on
/// CPU cores whatever the chip; Apple's GPUs share the SoC's memory; every other API runs on a GPU.
HardwareKind device_kind(DeviceApi api, HardwareClass hw_class) {
  if (api == DeviceApi::cpu || hw_class == HardwareClass::cpu) return HardwareKind::cpu;
  return hw_class == HardwareClass::apple ? HardwareKind::unified : HardwareKind::gpu;
}

/// Which hardware classes a device API drives (for the entries of classes without runs).
bool api_serves_class(DeviceApi api, HardwareClass hw_class) {
  switch (api) {
    case DeviceApi::cuda: return hw_class == HardwareClass::nvidia_consumer || hw_class == HardwareClass::nvidia_datacenter;
    case DeviceApi::metal: return hw_class == HardwareClass::apple;
    case DeviceApi::rocm: return hw_class == HardwareClass::amd;
    case DeviceApi::sycl: return hw_class == HardwareClass::intel;
    case DeviceApi::vulkan: return hw_class != HardwareClass::apple && hw_class != HardwareClass::cpu;
    case DeviceApi::cpu: return hw_class != HardwareClass::nvidia_datacenter;  // chips with CPU cores of their own
  }
  return false;
}

/// The parent of classes without runs: the engine's classes of one device kind pooled, on one device API
/// (api set) or on all of them.
struct ParentKey {
  Backend backend;
  std::optional<DeviceApi> api;
  HardwareKind kind;
  /// Set for the pool of one hardware class over the engine's APIs (the class's own chips on its other APIs).
  std::optional<HardwareClass> hw_class = std::nullopt;
  bool operator==(const ParentKey& o) const {
    return backend == o.backend && api == o.api && kind == o.kind && hw_class == o.hw_class;
  }
};

struct Data {
  /// The top level: engine × device kind (GPU, unified memory, CPU), so that what CPU runs say of attention
  /// or per-layer costs never becomes the prior of a GPU's. backends[i] and kinds[i] name top group i.
  std::vector<Backend> backends;
  std::vector<HardwareKind> kinds;
  std::vector<GroupKey> class_groups;  // era empty
  /// Pooled hardware fits a class without runs borrows: engine × API × device kind, then engine × kind.
  std::vector<ParentKey> parent_groups;
  /// Per class group: its parent groups, the engine's classes of its device kind on its API, on every API, and
  /// its own class on every API.
  std::vector<std::array<int, 3>> class_parents;
  /// Software groups: engine × device API × era. hw_class is the class of the group's first run, used
  /// only for the literature prior of the constants the runs do not determine.
  std::vector<GroupKey> era_groups;
  std::vector<int> era_parent;         // backend index of each era group
  /// GPU generations below the class (engine × API × class × gpu_family) and the class group of each: fitted
  /// after the two crossed levels, shrunk toward their class with its newest era's software.
  std::vector<GenerationKey> generation_groups;
  std::vector<int> generation_class;
  /// Runs of one chip: its GPU generation (its entries are that generation's).
  std::string one_chip_family;
  std::vector<std::string> hardware;
  /// Cross-validation units: chips (leave one hardware out); with runs of one chip, models (leave one
  /// model out), since a chip cannot be held out of its own fit.
  std::vector<std::string> folds;
  bool one_chip = false;
  std::array<std::vector<Row>, kTests> rows;  // decode, prefill
};

/// What makes two runs the same configuration: everything the model sees, not the build or the source.
/// A table that measured one configuration with many near-identical builds (the R9700 toolboxes: five ROCm
/// builds × hipBLASLt on/off) then weighs as much as one run of it, not as its row count. The Vulkan driver is left
/// out like the build: the R9700's AMDVLK and RADV toolboxes measured the same configurations, and counting each
/// driver apart would double that one card's weight.
std::string configuration_key(const RunCase& c) {
  const MeasuredRun& r = *c.run;
  std::string key;
  key.reserve(128);
  auto text = [&](std::string_view part) {
    key += part;
    key += '|';
  };
  auto number = [&](std::int64_t value) {
    std::array<char, 24> digits{};
    const auto end = std::to_chars(digits.data(), digits.data() + digits.size(), value).ptr;
    text(std::string_view(digits.data(), static_cast<std::size_t>(end - digits.data())));
  };
  text(c.hardware->id);
  number(c.device_count);
  text(c.model->id);
  text(r.quant_id.str());
  for (const std::int64_t value : {std::int64_t{static_cast<int>(r.backend)}, std::int64_t{static_cast<int>(r.api)},
                                   std::int64_t{static_cast<int>(r.test)}, r.n_prompt, r.n_gen, r.n_depth,
                                   std::int64_t{r.n_ubatch}, std::int64_t{r.n_threads},
                                   std::int64_t{r.flash_attn ? (*r.flash_attn ? 1 : 0) : -1},
                                   std::int64_t{static_cast<int>(r.kv_type)}})
    number(value);
  text(r.era.str());
  number(r.batch);
  key += r.rate_includes_prefill ? '1' : '0';
  return key;
}

/// `serving`: the profile whose prefill constants price a serving rate's prefill part (the prior's when null).
Data build_data(const std::vector<RunCase>& cases, const std::vector<char>& usable, const EfficiencyProfile& before,
                const EfficiencyProfile* serving = nullptr) {
  if (cases.size() > std::numeric_limits<std::uint32_t>::max())
    throw InputError("calibrate: " + std::to_string(cases.size()) + " runs; at most 2^32 can be fitted at once");
  Data d;
  std::map<std::pair<Backend, HardwareKind>, int> backend_index;
  std::map<GroupKey, int> class_index;
  std::map<GroupKey, int> era_index;
  std::map<GenerationKey, int> generation_index;
  // Keyed by views of the catalogue's ids, which outlive this call.
  std::unordered_map<std::string_view, int> hardware_index;
  std::unordered_map<std::string_view, int> fold_index;
  {
    std::unordered_set<std::string_view> chips;
    for (std::size_t i = 0; i < cases.size(); ++i)
      if (usable[i]) chips.insert(cases[i].hardware->id);
    d.one_chip = chips.size() == 1;
    if (d.one_chip)
      for (std::size_t i = 0; i < cases.size(); ++i)
        if (usable[i]) d.one_chip_family = cases[i].hardware->gpu_family;
  }
  // Reserved exactly: growing by doubling would hold the old and the new rows at once.
  std::array<std::size_t, kTests> rows_of_test{};
  for (std::size_t i = 0; i < cases.size(); ++i)
    if (usable[i]) ++rows_of_test[static_cast<std::size_t>(test_index(cases[i].run->test))];
  for (std::size_t test = 0; test < kTests; ++test) d.rows[test].reserve(rows_of_test[test]);
  // Each usable case's configuration (an index into `repeats`), keyed once.
  std::vector<int> configuration(cases.size(), -1);
  std::vector<int> repeats;
  {
    std::unordered_map<std::string, int> index;
    index.reserve(cases.size());
    for (std::size_t i = 0; i < cases.size(); ++i) {
      if (!usable[i]) continue;
      const auto at = index.try_emplace(configuration_key(cases[i]), static_cast<int>(repeats.size()));
      if (at.second) repeats.push_back(0);
      configuration[i] = at.first->second;
      ++repeats[static_cast<std::size_t>(configuration[i])];
    }
  }
  for (std::size_t i = 0; i < cases.size(); ++i) {
    if (!usable[i]) continue;
    const RunCase& c = cases[i];
    const MeasuredRun& run = *c.run;
    Row row;
    row.case_index = static_cast<std::uint32_t>(i);
    const HardwareKind kind = device_kind(run.api, c.hardware_class);
    const auto b = backend_index.try_emplace({run.backend, kind}, static_cast<int>(d.backends.size()));
    if (b.second) {
      d.backends.push_back(run.backend);
      d.kinds.push_back(kind);
    }
    row.backend = b.first->second;
    const GroupKey class_key{run.backend, run.api, c.hardware_class, ""};
    const auto g = class_index.try_emplace(class_key, static_cast<int>(d.class_groups.size()));
    if (g.second) d.class_groups.push_back(class_key);
    row.class_group = g.first->second;
    // A GPU generation (not the CPU backend: its cores are not the GPU). Runs of one chip are that chip's
    // entries already.
    if (!c.hardware->gpu_family.empty() && kind != HardwareKind::cpu && !d.one_chip) {
      const GenerationKey generation_key{run.backend, run.api, c.hardware_class, c.hardware->gpu_family};
      const auto q = generation_index.try_emplace(generation_key, static_cast<int>(d.generation_groups.size()));
      if (q.second) {
        d.generation_groups.push_back(generation_key);
        d.generation_class.push_back(row.class_group);
      }
      row.generation_group = q.first->second;
    }
    {
      const GroupKey era_key{run.backend, run.api, HardwareClass::cpu, run.era};  // class not part of the key
      const auto e = era_index.try_emplace(era_key, static_cast<int>(d.era_groups.size()));
      if (e.second) {
        d.era_groups.push_back({run.backend, run.api, c.hardware_class, run.era});
        d.era_parent.push_back(row.backend);
      }
      row.era_group = e.first->second;
    }
    const auto h = hardware_index.try_emplace(c.hardware->id, static_cast<int>(d.hardware.size()));
    if (h.second) d.hardware.push_back(c.hardware->id);
    row.hardware = h.first->second;
    const std::string_view fold_name = d.one_chip ? c.model->id : c.hardware->id;
    const auto f = fold_index.try_emplace(fold_name, static_cast<int>(d.folds.size()));
    if (f.second) d.folds.emplace_back(fold_name);
    row.fold = f.first->second;
    row.t = c.measured_seconds();
    row.weight = 1.0 / repeats[static_cast<std::size_t>(configuration[i])];
    const Probe p =
        probe_case(c, prior_for(before, run.backend, run.api, c.hardware_class),
                   serving != nullptr ? &serving->lookup_era(run.backend, run.api, c.hardware_class, run.era,
                                                               c.hardware->gpu_family)
                                             .constants
                                      : nullptr);
    row.offset = p.offset;
    const int test = test_index(run.test);
    for (int j = 0; j < param_count(test); ++j) {
      const double x = test == 0 ? p.decode[static_cast<std::size_t>(j)] : p.prefill[static_cast<std::size_t>(j)];
      if (x == 0) continue;
      // A row wider than kMaxNonzero means a new column was added without widening Row: never drop it silently.
      if (row.nonzero_count == kMaxNonzero)
        throw std::logic_error(fmt::format("calibrate: a {} row has more than {} nonzero columns (widen kMaxNonzero)",
                                           test == 0 ? "decode" : "prefill", kMaxNonzero));
      row.value[row.nonzero_count] = x;
      row.column[row.nonzero_count] = static_cast<std::uint8_t>(j);
      ++row.nonzero_count;
    }
    d.rows[static_cast<std::size_t>(test)].push_back(row);
  }
  for (const GroupKey& key : d.class_groups) {
    const HardwareKind kind = device_kind(key.api, key.hw_class);
    std::array<int, 3> parents{};
    for (std::size_t level = 0; level < parents.size(); ++level) {
      const ParentKey parent{key.backend, level == 0 ? std::optional<DeviceApi>(key.api) : std::nullopt, kind,
                             level == 2 ? std::optional<HardwareClass>(key.hw_class) : std::nullopt};
      const auto at = std::find(d.parent_groups.begin(), d.parent_groups.end(), parent);
      parents[level] = static_cast<int>(at - d.parent_groups.begin());
      if (at == d.parent_groups.end()) d.parent_groups.push_back(parent);
    }
    d.class_parents.push_back(parents);
  }
  return d;
}

/// The top group (engine × device kind) of an engine on an API and class; d.backends.size() when none.
std::size_t top_of(const Data& d, Backend backend, DeviceApi api, HardwareClass hw_class) {
  const HardwareKind kind = device_kind(api, hw_class);
  for (std::size_t b = 0; b < d.backends.size(); ++b)
    if (d.backends[b] == backend && d.kinds[b] == kind) return b;
  return d.backends.size();
}

std::size_t top_kind(const Data& d, Backend backend, HardwareKind kind) {
  for (std::size_t b = 0; b < d.backends.size(); ++b)
    if (d.backends[b] == backend && d.kinds[b] == kind) return b;
  return d.backends.size();
}

int parent_index(const Data& d, const ParentKey& key) {
  const auto at = std::find(d.parent_groups.begin(), d.parent_groups.end(), key);
  return at == d.parent_groups.end() ? -1 : static_cast<int>(at - d.parent_groups.begin());
}

// ------------------------------------------------------------------------------------------------
// One weighted, robust, bounded, shrunk least-squares solve

struct Solution {
  VectorXd theta;
  VectorXd standard_error;
  VectorXd data_share;   // information / (information + prior precision)
  std::vector<char> fixed;
  double sigma = 0;  // robust scale of the relative residuals at the solution (0 = no runs)
  int runs = 0;
  /// Huber weight of each row at the solution, in the order of the rows solved (what cross-validation by
  /// downdating keeps fixed).
  std::vector<float> huber;
};

struct Workspace {
  std::vector<double> residual;
  std::vector<double> huber;
  std::vector<double> scratch;
  std::vector<std::pair<double, double>> weighted;  // (|residual|, configuration weight)
};

/// Median of |residual| over the rows, each counted with its configuration weight (a configuration measured
/// with five builds is one observation of the scale, as in the fit).
double weighted_median_abs(const std::vector<const Row*>& rows, Workspace& ws) {
  const std::size_t n = rows.size();
  ws.scratch.assign(ws.residual.begin(), ws.residual.end());
  for (double& v : ws.scratch) v = std::abs(v);
  if (std::all_of(rows.begin(), rows.end(), [](const Row* r) { return r->weight == 1.0; })) {
    std::nth_element(ws.scratch.begin(), ws.scratch.begin() + static_cast<std::ptrdiff_t>(n / 2), ws.scratch.end());
    return ws.scratch[n / 2];
  }
  std::vector<std::pair<double, double>>& weighted = ws.weighted;
  weighted.resize(n);
  double total = 0;
  for (std::size_t i = 0; i < n; ++i) {
    weighted[i] = {ws.scratch[i], rows[i]->weight};
    total += rows[i]->weight;
  }
  return detail::weighted_median(weighted, total);
}

/// (A + P) θ = b + P m over the free columns, the others held at their value in `theta`; a column that
/// leaves its physical bounds is held at the bound (listed in `active`) and the rest re-solved.
void bounded_solve(int test, const MatrixXd& a, const VectorXd& b, const VectorXd& prior_mean,
                   const MatrixXd& prior_precision, const std::vector<int>& free_columns, VectorXd& theta,
                   std::vector<int>& active, MatrixXd& system) {
  const int p = static_cast<int>(theta.size());
  active.clear();
  const VectorXd pulled = prior_precision * prior_mean;
  std::vector<int> solve_columns;
  std::vector<char> solved_here(static_cast<std::size_t>(p));  // per column: in solve_columns
  for (int pass = 0; pass <= p; ++pass) {
    solve_columns.clear();
    std::fill(solved_here.begin(), solved_here.end(), 0);
    for (int j : free_columns)
      if (std::find(active.begin(), active.end(), j) == active.end()) {
        solve_columns.push_back(j);
        solved_here[static_cast<std::size_t>(j)] = 1;
      }
    const int m = static_cast<int>(solve_columns.size());
    if (m == 0) break;
    // (A + P)_SS θ_S = b_S + (P m)_S − (A + P)_SX θ_X, X = fixed and bound-held columns.
    system.resize(m, m);
    VectorXd rhs(m);
    for (int u = 0; u < m; ++u) {
      const int ju = solve_columns[static_cast<std::size_t>(u)];
      rhs[u] = b[ju] + pulled[ju];
      for (int j = 0; j < p; ++j)
        if (!solved_here[static_cast<std::size_t>(j)]) rhs[u] -= (a(ju, j) + prior_precision(ju, j)) * theta[j];
      for (int v = 0; v < m; ++v) {
        const int jv = solve_columns[static_cast<std::size_t>(v)];
        system(u, v) = a(ju, jv) + prior_precision(ju, jv);
      }
    }
    const VectorXd solved = system.colPivHouseholderQr().solve(rhs);
    int worst = -1;
    double worst_excess = 0;
    for (int u = 0; u < m; ++u) {
      const int j = solve_columns[static_cast<std::size_t>(u)];
      theta[j] = solved[u];
      const double lo = lower_bound(test, j), hi = upper_bound(test, j);
      const double excess = !std::isfinite(solved[u]) ? kInf : std::max(lo - solved[u], solved[u] - hi) / std::max(1e-12, hi - lo);
      if (excess > worst_excess) {
        worst_excess = excess;
        worst = j;
      }
    }
    if (worst < 0) break;
    theta[worst] = std::clamp(std::isfinite(theta[worst]) ? theta[worst] : lower_bound(test, worst),
                              lower_bound(test, worst), upper_bound(test, worst));
    active.push_back(worst);
  }
}

/// Whether a solution has a free column its runs do not determine: a standard error above the value itself and
/// above its distance from `mean` (the parent's value), so the runs tell it neither from zero nor from the parent.
/// Such columns are marked fixed, at `mean`.
bool undetermined_to_parent(const Solution& s, const VectorXd& mean, std::vector<char>& fixed) {
  bool any = false;
  for (Eigen::Index j = 0; j < s.theta.size(); ++j) {
    const auto u = static_cast<std::size_t>(j);
    const double se = s.standard_error[j];
    if (fixed[u] || s.runs == 0 || !(se > std::abs(s.theta[j])) || !(se > std::abs(s.theta[j] - mean[j])) ||
        s.theta[j] == mean[j])
      continue;
    fixed[u] = 1;
    any = true;
  }
  return any;
}

/// Minimises Σ h_i ((x_i·θ + o_i − t_i)/t_i)² + (θ − m)ᵀ P (θ − m) over the free columns, with Huber
/// weights h_i from iteratively reweighted least squares and θ kept within its physical bounds.
Solution solve(int test, const std::vector<const Row*>& rows, const VectorXd& prior_mean, const MatrixXd& prior_precision,
               const std::vector<char>& fixed, const CalibrationOptions& options, Workspace& ws) {
  const int p = param_count(test);
  Solution s;
  s.theta = prior_mean;
  s.fixed = fixed;
  s.runs = static_cast<int>(rows.size());
  s.standard_error = VectorXd::Zero(p);
  s.data_share = VectorXd::Zero(p);
  std::vector<int> free_columns;
  for (int j = 0; j < p; ++j)
    if (!fixed[static_cast<std::size_t>(j)]) free_columns.push_back(j);
  if (free_columns.empty() || rows.empty()) {
    for (int j = 0; j < p; ++j) s.data_share[j] = 0;
    return s;
  }

  const std::size_t n = rows.size();
  ws.residual.assign(n, 0.0);
  ws.huber.assign(n, 1.0);
  MatrixXd a(p, p);
  VectorXd b(p);
  std::vector<int> active;  // free columns held at a bound
  MatrixXd system;
  double sigma2 = 0;
  for (int iteration = 0; iteration < options.max_iterations; ++iteration) {
    a.setZero();
    b.setZero();
    for (std::size_t i = 0; i < n; ++i) {
      const Row& r = *rows[i];
      const double w = r.weight * ws.huber[i] / (r.t * r.t);
      const double target = r.t - r.offset;
      for (std::size_t u = 0; u < r.nonzero_count; ++u) {
        const int ju = r.column[u];
        const double xu = r.value[u];
        b[ju] += w * xu * target;
        for (std::size_t v = 0; v < r.nonzero_count; ++v) a(ju, r.column[v]) += w * xu * r.value[v];
      }
    }
    // Bounded solve: columns that leave their bounds are held at the bound and the rest re-solved.
    const VectorXd previous = s.theta;
    bounded_solve(test, a, b, prior_mean, prior_precision, free_columns, s.theta, active, system);
    // Relative residuals, robust scale (MAD) and Huber weights.
    for (std::size_t i = 0; i < n; ++i) {
      const Row& r = *rows[i];
      double predicted = r.offset;
      for (std::size_t u = 0; u < r.nonzero_count; ++u) predicted += r.value[u] * s.theta[r.column[u]];
      ws.residual[i] = (predicted - r.t) / r.t;
    }
    const double scale = std::max(1.4826 * weighted_median_abs(rows, ws), 0.005);  // floor: 0.5 % measurement noise
    s.sigma = scale;
    const double threshold = options.huber_k * scale;
    double weighted = 0;
    double weight_sum = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const double r = std::abs(ws.residual[i]);
      ws.huber[i] = r <= threshold ? 1.0 : threshold / r;
      weighted += rows[i]->weight * ws.huber[i] * ws.residual[i] * ws.residual[i];
      weight_sum += rows[i]->weight * ws.huber[i];
    }
    const int parameters = static_cast<int>(free_columns.size() - active.size());
    sigma2 = weighted / std::max(1.0, weight_sum - parameters);
    double change = 0;
    for (int j : free_columns) change = std::max(change, std::abs(s.theta[j] - previous[j]) / std::max(1e-9, std::abs(s.theta[j])));
    if (iteration > 0 && change < 1e-7) break;
  }
  s.huber.assign(ws.huber.begin(), ws.huber.end());
  // Standard errors from the final weighted normal matrix (sandwich-free: σ² (A + P)⁻¹).
  std::vector<int> estimated;
  for (int j : free_columns)
    if (std::find(active.begin(), active.end(), j) == active.end()) estimated.push_back(j);
  for (int j = 0; j < p; ++j) {
    const double total = a(j, j) + prior_precision(j, j);
    s.data_share[j] = fixed[static_cast<std::size_t>(j)] || total <= 0 ? 0.0 : a(j, j) / total;
  }
  if (!estimated.empty()) {
    const int m = static_cast<int>(estimated.size());
    MatrixXd system_final(m, m);
    for (int u = 0; u < m; ++u)
      for (int v = 0; v < m; ++v) {
        const int ju = estimated[static_cast<std::size_t>(u)], jv = estimated[static_cast<std::size_t>(v)];
        system_final(u, v) = a(ju, jv) + prior_precision(ju, jv);
      }
    const MatrixXd covariance = sigma2 * system_final.completeOrthogonalDecomposition().pseudoInverse();
    for (int u = 0; u < m; ++u)
      s.standard_error[estimated[static_cast<std::size_t>(u)]] = std::sqrt(std::max(0.0, covariance(u, u)));
  }
  return s;
}

// ------------------------------------------------------------------------------------------------
// Which columns the runs determine (level 0, per backend and test)

struct Determination {
  std::vector<char> determined;       // per column
  std::vector<std::string> why_kept;  // per column, when not determined
  KernelData kernel_has_data{};
  int rank = 0;
  double condition_number = 0;
  bool fittable = false;
  std::string refusal;  // when not fittable
};

/// Which float GEMM columns a prefill determination fitted (constants_of's flags): bit 0 the dense float
/// weights', bit 1 the float routed experts', bit 2 the GEMMs on the vector ALUs', bit 3 flash attention on ggml-cuda's
/// tile kernel, bit 4 Vulkan's quantised GEMMs on AMD (of the vector peak), bit 5 prompts on Vulkan's scalar flash-attention
/// shader.
char float_fitted(const Determination& dt) {
  return static_cast<char>((dt.determined[static_cast<std::size_t>(kFloatCompute)] != 0 ? 1 : 0) |
                           (dt.determined[static_cast<std::size_t>(kFloatExpertCompute)] != 0 ? 2 : 0) |
                           (dt.determined[static_cast<std::size_t>(kVectorCompute)] != 0 ? 4 : 0) |
                           (dt.determined[static_cast<std::size_t>(kVectorFlashAttention)] != 0 ? 8 : 0) |
                           (dt.determined[static_cast<std::size_t>(kVectorQuantCompute)] != 0 ? 16 : 0) |
                           (dt.determined[static_cast<std::size_t>(kScalarFlashAttention)] != 0 ? 32 : 0));
}

/// Adds a row to the configuration-weighted normal matrix (no Huber weights) and the column counts that
/// decide which columns the runs determine.
void add_plain(const Row& r, MatrixXd& a, std::vector<int>& count) {
  const double w = r.weight / (r.t * r.t);
  for (std::size_t u = 0; u < r.nonzero_count; ++u) {
    const int ju = r.column[u];
    ++count[static_cast<std::size_t>(ju)];
    for (std::size_t v = 0; v < r.nonzero_count; ++v) a(ju, r.column[v]) += w * r.value[u] * r.value[v];
  }
}

Determination determine_from(int test, const MatrixXd& a, const std::vector<int>& count, int n, double tolerance);

/// Runs of one software (engine · API · era) with and without tensor-parallel all-reduces.
struct AllReduceRuns {
  int tensor_parallel = 0;
  int single = 0;
};

/// The all-reduce latency (`tp_allreduce_us`, two per layer) and the per-layer cost of the software the runs used
/// (`layer_overhead_us`, fitted per engine · API · era) both scale with the layers: a software whose runs are all
/// tensor parallel over one degree cannot tell them apart, and the split would come from the per-layer cost's
/// shrinkage alone. The column is fitted only where some software has runs with and without the all-reduces;
/// otherwise it keeps its literature prior and the software's per-layer cost takes the rest (docs/calibration.md,
/// "vLLM on ROCm: the per-layer cost is the software's").
void keep_allreduce_unless_separable(Determination& d, const std::map<int, AllReduceRuns>& by_era) {
  auto& determined = d.determined[static_cast<std::size_t>(kAllReduce)];
  if (determined == 0) return;
  for (const auto& [era, runs] : by_era)
    if (runs.tensor_parallel > 0 && runs.single > 0) return;
  determined = 0;
  d.why_kept[static_cast<std::size_t>(kAllReduce)] =
      "collinear with the per-layer cost of its software: no engine · API · era has runs with and without tensor "
      "parallelism";
}

bool has_allreduce(const Row& r) {
  for (std::size_t u = 0; u < r.nonzero_count; ++u)
    if (r.column[u] == kAllReduce) return true;
  return false;
}

Determination determine(int test, const std::vector<const Row*>& rows, double tolerance) {
  const int p = param_count(test);
  MatrixXd a = MatrixXd::Zero(p, p);
  std::vector<int> count(static_cast<std::size_t>(p), 0);
  std::map<int, AllReduceRuns> by_era;
  for (const Row* r : rows) {
    add_plain(*r, a, count);
    auto& era = by_era[r->era_group];
    ++(has_allreduce(*r) ? era.tensor_parallel : era.single);
  }
  Determination d = determine_from(test, a, count, static_cast<int>(rows.size()), tolerance);
  if (test == 0) keep_allreduce_unless_separable(d, by_era);
  return d;
}

/// Which columns the normal matrix `a` of n runs determines (`count`: runs with a nonzero in each column).
Determination determine_from(int test, const MatrixXd& a, const std::vector<int>& count, int n, double tolerance) {
  const int p = param_count(test);
  Determination d;
  d.determined.assign(static_cast<std::size_t>(p), 0);
  d.why_kept.assign(static_cast<std::size_t>(p), "");
  if (test == 0)
    for (int j = 0; j < kKernels; ++j) {
      d.kernel_has_data[static_cast<std::size_t>(j)] = count[static_cast<std::size_t>(j)] > 0;
      d.kernel_has_data[static_cast<std::size_t>(kKernels + j)] = count[static_cast<std::size_t>(kCpuCycles + j)] > 0;
    }
  if (test == 0) d.kernel_has_data[kRepackedData] = count[static_cast<std::size_t>(kCpuRepacked)] > 0;
  if (test == 1)
    for (int j = 0; j < kKernels; ++j)
      d.kernel_has_data[static_cast<std::size_t>(2 * kKernels + j)] = count[static_cast<std::size_t>(kCpuPrefillCycles + j)] > 0;
  // Priority: the bandwidth terms (kernel families with most runs first), then the fixed costs.
  std::vector<int> order;
  if (test == 0) {
    for (int j = 0; j < kKernels; ++j) order.push_back(j);
    std::stable_sort(order.begin(), order.end(),
                     [&](int x, int y) { return count[static_cast<std::size_t>(x)] > count[static_cast<std::size_t>(y)]; });
    order.insert(order.end(), {kKv, kMatmulIdStream, kBatchCompute, kBatchGemm, kExpertGemmBandwidth, kBatchGemmBandwidth,
                               kLayer, kToken,
                               kExpert, kVectorDecodeAttention, kLowBitUnpack, kMmvqLayer});
    for (int j = 0; j < kKernels; ++j) order.push_back(kCpuCycles + j);
    order.insert(order.end(), {kCpuRepacked, kCpuThreadBandwidth, kCpuAttention, kCpuFlashAttention, kAllReduce});
  } else {
    order = {kCompute, kVectorCompute, kVectorQuantCompute};
    for (int j = 0; j < kKernels; ++j) order.push_back(kCpuPrefillCycles + j);
    order.insert(order.end(),
                 {kPrefillLayer, kDequant, kAttention, kFlashAttention, kCpuPrefillAttention, kCpuPrefillFlashAttention,
                  kFloatCompute, kFloatExpertCompute, kVectorFlashAttention, kScalarFlashAttention});
  }
  // Scaled normal matrix: unit diagonal, off-diagonals are cosines between weighted columns.
  VectorXd scale = VectorXd::Zero(p);
  for (int j = 0; j < p; ++j) scale[j] = a(j, j) > 0 ? 1.0 / std::sqrt(a(j, j)) : 0.0;
  const MatrixXd c = scale.asDiagonal() * a * scale.asDiagonal();
  std::vector<int> accepted;
  for (int j : order) {
    if (count[static_cast<std::size_t>(j)] == 0) {
      d.why_kept[static_cast<std::size_t>(j)] = "no runs exercise it";
      continue;
    }
    double unexplained = 1.0;
    int closest = -1;
    if (!accepted.empty()) {
      const int m = static_cast<int>(accepted.size());
      MatrixXd css(m, m);
      VectorXd csj(m);
      double best = -1;
      for (int u = 0; u < m; ++u) {
        csj[u] = c(accepted[static_cast<std::size_t>(u)], j);
        if (std::abs(csj[u]) > best) {
          best = std::abs(csj[u]);
          closest = accepted[static_cast<std::size_t>(u)];
        }
        for (int v = 0; v < m; ++v) css(u, v) = c(accepted[static_cast<std::size_t>(u)], accepted[static_cast<std::size_t>(v)]);
      }
      unexplained = 1.0 - csj.dot(css.colPivHouseholderQr().solve(csj));
    }
    if (unexplained > tolerance) {
      accepted.push_back(j);
      d.determined[static_cast<std::size_t>(j)] = 1;
    } else {
      d.why_kept[static_cast<std::size_t>(j)] =
          "collinear with " + (closest >= 0 ? param_name(test, closest) : std::string("the fitted columns")) +
          " in these runs";
    }
  }
  d.rank = static_cast<int>(accepted.size());
  if (d.rank > 0) {
    const int m = d.rank;
    MatrixXd cs(m, m);
    for (int u = 0; u < m; ++u)
      for (int v = 0; v < m; ++v) cs(u, v) = c(accepted[static_cast<std::size_t>(u)], accepted[static_cast<std::size_t>(v)]);
    const Eigen::SelfAdjointEigenSolver<MatrixXd> eigen(cs, Eigen::EigenvaluesOnly);
    const double smallest = std::max(eigen.eigenvalues().minCoeff(), 1e-300);
    d.condition_number = std::sqrt(eigen.eigenvalues().maxCoeff() / smallest);
  }
  if (n == 0) {
    d.refusal = "no runs";
  } else if (d.rank < 2) {
    d.refusal = "the runs determine " + std::to_string(d.rank) +
                " constant(s); at least a bandwidth (or compute) term and a fixed cost must vary independently";
  } else if (n < d.rank + 2) {
    d.refusal = std::to_string(n) + " runs for " + std::to_string(d.rank) + " constants; need at least " +
                std::to_string(d.rank + 2);
  } else {
    d.fittable = true;
  }
  if (!d.fittable)
    for (int j = 0; j < p; ++j)
      if (d.determined[static_cast<std::size_t>(j)]) {
        d.determined[static_cast<std::size_t>(j)] = 0;
        d.why_kept[static_cast<std::size_t>(j)] = "not fitted: " + d.refusal;
      }
  return d;
}

// ------------------------------------------------------------------------------------------------
// The hierarchy: backend → API × class → era

struct Hierarchy {
  // [test][index]
  std::array<std::vector<Determination>, kTests> determination;  // per backend
  std::array<std::vector<Solution>, kTests> backend_fit;
  std::array<std::vector<Solution>, kTests> class_fit;
  std::array<std::vector<Solution>, kTests> era_fit;
  /// Per parent group (Data::parent_groups): the shares of peak of its classes pooled, with each run's
  /// software constants at its era's fit; what a class without runs of its own gets.
  std::array<std::vector<Solution>, kTests> parent_fit;
  /// Per GPU generation (Data::generation_groups): its constants for the newest era of its engine · API, and the
  /// class's with that era's software (`generation_reference`) it was shrunk toward.
  std::array<std::vector<Solution>, kTests> generation_fit;
  std::array<std::vector<VectorXd>, kTests> generation_reference;
  std::vector<KernelData> kernel_has_data;  // per backend
  std::vector<char> float_gemm_fitted;  // per backend: float-weight prefill GEMMs (bit 0), float experts (bit 1), vector ALUs (bit 2), tile-kernel flash attention (bit 3), Vulkan quantised GEMMs on AMD (bit 4), Vulkan scalar flash attention in prompts (bit 5) determined
  std::vector<char> backend_fitted;  // per backend: some test fitted
};

/// What a backend's determination for one test tells the hierarchy: the kernel families with data (decode's
/// columns, then prefill's), the float GEMM flags (prefill) and whether the backend fitted anything. The full fit
/// and every downdated fold record it alike.
void record_determination(Hierarchy& h, std::size_t b, int test, const Determination& dt) {
  for (std::size_t i = 0; i < dt.kernel_has_data.size(); ++i)
    if (dt.kernel_has_data[i]) h.kernel_has_data[b][i] = true;
  if (test == 1) h.float_gemm_fitted[b] = float_fitted(dt);
  if (dt.fittable) h.backend_fitted[b] = 1;
}

/// Typical size of a coefficient, below which its prior is not tightened further (a cost fitted at 0 µs).
double coefficient_floor(int test, int j) {
  if (is_efficiency_param(test, j)) return 1.0;
  if (test == 0)
    return j == kToken                ? 100.0
           : j == kCpuThreadBandwidth ? 0.01  // s per GB: 100 GB/s per thread
           : is_cpu_cycles(test, j) || j == kCpuAttention || j == kCpuFlashAttention ? 1.0
                                                                                     : 10.0;
  return j == kDequant || is_cpu_cycles(test, j) ? 1.0 : 50.0;                                         // passes; µs per layer per micro-batch
}

/// Prior precision pulling a group toward its parent: each constant is a priori within
/// `relative_spread` of the parent's (a Gaussian prior in relative terms), weighed against the runs on the
/// scale of the parent's relative residuals. A constant the group's runs inform follows its runs; one they
/// do not (KV bandwidth from runs at depth 0, the per-layer/per-token split from models of one depth) stays
/// at the parent's value, and no constant is dragged along with another.
MatrixXd shrinkage_precision(int test, const Solution& parent, double relative_spread) {
  const Eigen::Index p = parent.theta.size();
  MatrixXd precision = MatrixXd::Zero(p, p);
  const double sigma = std::max(parent.sigma, 0.02);
  for (Eigen::Index j = 0; j < p; ++j) {
    const double size = std::max(std::abs(parent.theta[j]), coefficient_floor(test, static_cast<int>(j)));
    precision(j, j) = std::pow(sigma / (relative_spread * size), 2);
  }
  return precision;
}

/// Runs of one machine move the profile's entry for that machine within the entry's own cross-validated error
/// (10 % where it states none): the prior a one-chip fit is shrunk toward.
Solution machine_prior(int test, const EfficiencyProfile& before, const GroupKey& key, std::string_view gpu_family) {
  const ProfileEntry& entry = before.lookup(key.backend, key.api, key.hw_class, gpu_family);
  Solution prior;
  prior.theta = theta_of(test, entry.constants);
  prior.sigma = entry.uncertainty.known
                    ? (test == 0 ? entry.uncertainty.decode_relative_error : entry.uncertainty.prefill_relative_error)
                    : 0.1;
  return prior;
}

int newest_era(const Data& d, const Hierarchy& h, Backend backend, DeviceApi api);
VectorXd combined(int test, const VectorXd& hardware, const VectorXd& software);

/// `r` for its GPU generation's solve: the generation's columns kept, every other column at `other` (its class's
/// shares of peak with its era's software) in the offset. The generation's constants are those of the reference
/// (newest) era, so a run of another era has the generation's columns shifted by its era's difference from the
/// reference's (`reference`): a generation's extra cost per token is the same under every engine era.
Row generation_row(const Row& r, int test, const VectorXd& other, const VectorXd& reference) {
  Row a = r;
  a.nonzero_count = 0;
  for (std::size_t u = 0; u < r.nonzero_count; ++u) {
    const int j = r.column[u];
    if (is_generation_param(test, j)) {
      a.value[a.nonzero_count] = r.value[u];
      a.column[a.nonzero_count] = r.column[u];
      ++a.nonzero_count;
      a.offset += r.value[u] * (other[j] - reference[j]);
    } else {
      a.offset += r.value[u] * other[j];
    }
  }
  return a;
}

/// The normal equations' sums of one cell added for a generation's solve, as generation_row does for a row.
void add_generation_sums(int test, const MatrixXd& cell_a, const VectorXd& cell_b, const VectorXd& other,
                         const VectorXd& reference, MatrixXd& a, VectorXd& rhs) {
  const auto p = static_cast<int>(rhs.size());
  for (int j = 0; j < p; ++j) {
    if (!is_generation_param(test, j)) continue;
    rhs[j] += cell_b[j];
    for (int k = 0; k < p; ++k) {
      if (is_generation_param(test, k)) {
        a(j, k) += cell_a(j, k);
        rhs[j] -= cell_a(j, k) * (other[k] - reference[k]);
      } else {
        rhs[j] -= cell_a(j, k) * other[k];
      }
    }
  }
}

/// The constants a GPU generation is shrunk toward: its class's shares of peak with the newest era's software of
/// its engine · API (the class's own fit where no era has runs), and that prior's precision (the class-level
/// spread around it, on the engine's residual scale).
std::pair<VectorXd, MatrixXd> generation_prior(const Data& d, const Hierarchy& h, int test, std::size_t q,
                                                const CalibrationOptions& options) {
  const auto t = static_cast<std::size_t>(test);
  const GenerationKey& key = d.generation_groups[q];
  const auto g = static_cast<std::size_t>(d.generation_class[q]);
  const int current = newest_era(d, h, key.backend, key.api);
  Solution prior;
  prior.theta = current >= 0 ? combined(test, h.class_fit[t][g].theta, h.era_fit[t][static_cast<std::size_t>(current)].theta)
                             : h.class_fit[t][g].theta;
  prior.sigma = h.backend_fit[t][top_of(d, key.backend, key.api, key.hw_class)].sigma;
  MatrixXd precision = shrinkage_precision(test, prior, options.shrinkage_spread);
  return {std::move(prior.theta), std::move(precision)};
}

/// Alternating fits of the class and software levels; the constants settle to < 0.1 % within these.
constexpr int kBackfittingSweeps = 4;

Hierarchy fit_hierarchy(const Data& d, const std::vector<char>& include_hardware, const EfficiencyProfile& before,
                        const CalibrationOptions& options, Workspace& ws) {
  Hierarchy h;
  const std::size_t backends = d.backends.size();
  h.kernel_has_data.assign(backends, {});
  h.float_gemm_fitted.assign(backends, 0);
  h.backend_fitted.assign(backends, 0);
  for (int test = 0; test < kTests; ++test) {
    const int p = param_count(test);
    const auto& all_rows = d.rows[static_cast<std::size_t>(test)];
    auto rows_where = [&](auto predicate) {
      std::vector<const Row*> out;
      for (const Row& r : all_rows)
        if (include_hardware[static_cast<std::size_t>(r.fold)] && predicate(r)) out.push_back(&r);
      return out;
    };
    auto& det = h.determination[static_cast<std::size_t>(test)];
    auto& level0 = h.backend_fit[static_cast<std::size_t>(test)];
    for (std::size_t b = 0; b < backends; ++b) {
      const auto rows = rows_where([&](const Row& r) { return r.backend == static_cast<int>(b); });
      det.push_back(determine(test, rows, options.collinearity_tolerance));
      const Determination& dt = det.back();
      record_determination(h, b, test, dt);
      std::vector<char> fixed(static_cast<std::size_t>(p));
      for (int j = 0; j < p; ++j) fixed[static_cast<std::size_t>(j)] = !dt.determined[static_cast<std::size_t>(j)];
      if (!d.one_chip || rows.empty()) {
        level0.push_back(solve(test, rows, theta_of(test, backend_prior(before, d.backends[b])), MatrixXd::Zero(p, p),
                               fixed, options, ws));
        continue;
      }
      // Runs of one machine: what they determine moves from the profile's entry for that machine, within the
      // profile's own cross-validated error; the rest stays at the profile's value.
      const Row& first = *rows.front();
      const Solution prior =
          machine_prior(test, before, d.class_groups[static_cast<std::size_t>(first.class_group)], d.one_chip_family);
      level0.push_back(solve(test, rows, prior.theta, shrinkage_precision(test, prior, options.shrinkage_spread), fixed,
                             options, ws));
    }
    // Two crossed levels under the backend, each shrunk toward it: the hardware class (shares of peak) and
    // the software, engine × API × era (costs, attention, dequantisation). A run belongs to one of each, so
    // they are fitted alternately (backfitting): each level with the other's current values moved into the
    // rows' offsets. Columns the backend's runs do not determine keep their literature value.
    auto& level1 = h.class_fit[static_cast<std::size_t>(test)];
    auto& level2 = h.era_fit[static_cast<std::size_t>(test)];
    auto backend_of = [&](const GroupKey& key) { return top_of(d, key.backend, key.api, key.hw_class); };
    auto start = [&](const GroupKey& key) {
      const std::size_t b = backend_of(key);
      VectorXd mean = theta_of(test, prior_for(before, key.backend, key.api, key.hw_class));
      for (int j = 0; j < p; ++j)
        if (det[b].determined[static_cast<std::size_t>(j)]) mean[j] = level0[b].theta[j];
      Solution s0;
      s0.theta = mean;
      s0.standard_error = VectorXd::Zero(p);
      s0.data_share = VectorXd::Zero(p);
      s0.fixed.assign(static_cast<std::size_t>(p), 1);
      return s0;
    };
    level1.clear();
    level2.clear();
    for (const GroupKey& key : d.class_groups) level1.push_back(start(key));
    for (const GroupKey& key : d.era_groups) level2.push_back(start(key));
    std::vector<Row> adjusted;
    std::vector<const Row*> pointers;
    // One level's solve: its rows with the other level's columns moved into the offset.
    auto fit_level = [&](bool software, std::size_t group) {
      const GroupKey& key = software ? d.era_groups[group] : d.class_groups[group];
      const std::size_t b = backend_of(key);
      adjusted.clear();
      for (const Row& r : all_rows) {
        if (!include_hardware[static_cast<std::size_t>(r.fold)]) continue;
        if (software ? r.era_group != static_cast<int>(group) : r.class_group != static_cast<int>(group)) continue;
        const VectorXd& other = software ? level1[static_cast<std::size_t>(r.class_group)].theta
                                         : level2[static_cast<std::size_t>(r.era_group)].theta;
        adjusted.push_back(level_row(r, test, software, other));
      }
      pointers.clear();
      for (const Row& a : adjusted) pointers.push_back(&a);
      const Solution& current = software ? level2[group] : level1[group];
      VectorXd mean = current.theta;
      std::vector<char> fixed(static_cast<std::size_t>(p));
      for (int j = 0; j < p; ++j) {
        fixed[static_cast<std::size_t>(j)] =
            !det[b].determined[static_cast<std::size_t>(j)] || is_software_param(test, j) != software;
        if (!fixed[static_cast<std::size_t>(j)]) mean[j] = level0[b].theta[j];
      }
      const MatrixXd precision = shrinkage_precision(test, level0[b], options.shrinkage_spread);
      Solution solved = solve(test, pointers, mean, precision, fixed, options, ws);
      // A constant the group's runs do not determine (its standard error above its value: the Apple CPUs' per-thread
      // bandwidth came out 1977 ± 49175 GB/s) keeps its parent's value, the others refitted around it.
      if (undetermined_to_parent(solved, mean, fixed)) solved = solve(test, pointers, mean, precision, fixed, options, ws);
      (software ? level2[group] : level1[group]) = std::move(solved);
    };
    for (int sweep = 0; sweep < kBackfittingSweeps; ++sweep) {
      for (std::size_t g = 0; g < d.class_groups.size(); ++g) fit_level(false, g);
      for (std::size_t e = 0; e < d.era_groups.size(); ++e) fit_level(true, e);
    }
    // The parents of classes without runs: the hardware columns over all the runs of their classes, each
    // run's software at its era's final fit (in the offset), shrunk toward the engine's fit.
    auto& level3 = h.parent_fit[static_cast<std::size_t>(test)];
    level3.clear();
    for (std::size_t q = 0; q < d.parent_groups.size(); ++q) {
      const std::size_t b = top_kind(d, d.parent_groups[q].backend, d.parent_groups[q].kind);
      adjusted.clear();
      for (const Row& r : all_rows) {
        if (!include_hardware[static_cast<std::size_t>(r.fold)]) continue;
        const auto& parents = d.class_parents[static_cast<std::size_t>(r.class_group)];
        if (std::find(parents.begin(), parents.end(), static_cast<int>(q)) == parents.end()) continue;
        adjusted.push_back(level_row(r, test, false, level2[static_cast<std::size_t>(r.era_group)].theta));
      }
      pointers.clear();
      for (const Row& a : adjusted) pointers.push_back(&a);
      std::vector<char> fixed(static_cast<std::size_t>(p));
      for (int j = 0; j < p; ++j)
        fixed[static_cast<std::size_t>(j)] = !det[b].determined[static_cast<std::size_t>(j)] || is_software_param(test, j);
      level3.push_back(solve(test, pointers, level0[b].theta,
                             shrinkage_precision(test, level0[b], options.shrinkage_spread), fixed, options, ws));
    }
  }
  // GPU generations below their class: the generation's columns over its own runs, every other column at its
  // class's and era's final fit, shrunk toward the class with the newest era's software (generation_prior).
  for (int test = 0; test < kTests; ++test) {
    const auto t = static_cast<std::size_t>(test);
    const int p = param_count(test);
    h.generation_fit[t].clear();
    h.generation_reference[t].clear();
    std::vector<Row> adjusted;
    std::vector<const Row*> pointers;
    for (std::size_t q = 0; q < d.generation_groups.size(); ++q) {
      const GenerationKey& key = d.generation_groups[q];
      const std::size_t b = top_of(d, key.backend, key.api, key.hw_class);
      auto [reference, precision] = generation_prior(d, h, test, q, options);
      adjusted.clear();
      for (const Row& r : d.rows[t]) {
        if (!include_hardware[static_cast<std::size_t>(r.fold)] || r.generation_group != static_cast<int>(q)) continue;
        adjusted.push_back(generation_row(r, test,
                                          combined(test, h.class_fit[t][static_cast<std::size_t>(r.class_group)].theta,
                                                   h.era_fit[t][static_cast<std::size_t>(r.era_group)].theta),
                                          reference));
      }
      pointers.clear();
      for (const Row& a : adjusted) pointers.push_back(&a);
      std::vector<char> fixed(static_cast<std::size_t>(p));
      for (int j = 0; j < p; ++j)
        fixed[static_cast<std::size_t>(j)] = !h.determination[t][b].determined[static_cast<std::size_t>(j)] ||
                                             !is_generation_param(test, j);
      h.generation_fit[t].push_back(solve(test, pointers, reference, precision, fixed, options, ws));
      h.generation_reference[t].push_back(std::move(reference));
    }
  }
  return h;
}

// ------------------------------------------------------------------------------------------------
// Cross-validation by downdating: the normal equations are sums over runs, so a fit without one fold is
// the full sums minus the fold's. Each cell (a test's runs of one class group and one era group) keeps
// its sums per fold; a fold's fit re-solves the small systems of every level. What is exact: the
// determination of columns, the bounds, the shrinkage and the backfitting sweeps on the downdated sums.
// What is approximated: each row's Huber weights (level 0, class, software) and the engines' robust
// scales (which set the shrinkage precision) stay those of the full fit, i.e. one IRLS step from the full
// fit rather than iterations to the fold's own optimum.

/// One cell's normal equations: with the Huber weights of level 0 (a0, b0), of the class level (a1, b1)
/// and of the software level (a2, b2), and without Huber weights (plain, count: what determines columns).
struct CellSums {
  MatrixXd a0, a1, a2, a3, plain;  // a3, b3: with the GPU generation level's Huber weights
  VectorXd b0, b1, b2, b3;
  std::vector<int> count;
  int runs = 0;

  explicit CellSums(int p)
      : a0(MatrixXd::Zero(p, p)), a1(MatrixXd::Zero(p, p)), a2(MatrixXd::Zero(p, p)), a3(MatrixXd::Zero(p, p)),
        plain(MatrixXd::Zero(p, p)), b0(VectorXd::Zero(p)), b1(VectorXd::Zero(p)), b2(VectorXd::Zero(p)),
        b3(VectorXd::Zero(p)), count(static_cast<std::size_t>(p), 0) {}

  void add(const Row& r, double h0, double h1, double h2, double h3) {
    const double w = r.weight / (r.t * r.t);
    const double target = r.t - r.offset;
    for (std::size_t u = 0; u < r.nonzero_count; ++u) {
      const int ju = r.column[u];
      const double xu = r.value[u];
      b0[ju] += w * h0 * xu * target;
      b1[ju] += w * h1 * xu * target;
      b2[ju] += w * h2 * xu * target;
      b3[ju] += w * h3 * xu * target;
      for (std::size_t v = 0; v < r.nonzero_count; ++v) {
        const double xx = w * xu * r.value[v];
        a0(ju, r.column[v]) += h0 * xx;
        a1(ju, r.column[v]) += h1 * xx;
        a2(ju, r.column[v]) += h2 * xx;
        a3(ju, r.column[v]) += h3 * xx;
      }
    }
    add_plain(r, plain, count);
    ++runs;
  }

  void subtract(const CellSums& o) {
    a0 -= o.a0;
    a1 -= o.a1;
    a2 -= o.a2;
    a3 -= o.a3;
    plain -= o.plain;
    b0 -= o.b0;
    b1 -= o.b1;
    b2 -= o.b2;
    b3 -= o.b3;
    for (std::size_t j = 0; j < count.size(); ++j) count[j] -= o.count[j];
    runs -= o.runs;
  }
};

struct Cell {
  int test = 0;
  int class_group = 0;
  int era_group = 0;
  int backend = 0;
  int generation_group = -1;
};

/// The fits without each fold in turn (index: fold), by downdating the full fit `full`.
std::vector<Hierarchy> downdated_fits(const Data& d, const Hierarchy& full, const EfficiencyProfile& before,
                                      const CalibrationOptions& options) {
  std::vector<Cell> cells;
  std::vector<CellSums> total;
  std::vector<std::vector<std::pair<int, CellSums>>> by_fold(d.folds.size());
  {
    std::map<std::tuple<int, int, int, int>, int> cell_index;
    std::vector<std::map<int, std::size_t>> fold_cell(d.folds.size());
    for (int test = 0; test < kTests; ++test) {
      const auto t = static_cast<std::size_t>(test);
      const int p = param_count(test);
      // Position of each row among the rows of its level-0, class and software solves (their Huber weights).
      std::vector<std::size_t> at0(d.backends.size(), 0), at1(d.class_groups.size(), 0), at2(d.era_groups.size(), 0),
          at3(d.generation_groups.size(), 0);
      auto weight = [](const Solution& s, std::size_t& at) {
        const std::size_t i = at++;
        return i < s.huber.size() ? static_cast<double>(s.huber[i]) : 1.0;
      };
      for (const Row& r : d.rows[t]) {
        const double h0 = weight(full.backend_fit[t][static_cast<std::size_t>(r.backend)], at0[static_cast<std::size_t>(r.backend)]);
        const double h1 = weight(full.class_fit[t][static_cast<std::size_t>(r.class_group)], at1[static_cast<std::size_t>(r.class_group)]);
        const double h2 = weight(full.era_fit[t][static_cast<std::size_t>(r.era_group)], at2[static_cast<std::size_t>(r.era_group)]);
        const double h3 = r.generation_group < 0
                              ? 1.0
                              : weight(full.generation_fit[t][static_cast<std::size_t>(r.generation_group)],
                                       at3[static_cast<std::size_t>(r.generation_group)]);
        const auto [it, added] =
            cell_index.try_emplace({test, r.class_group, r.era_group, r.generation_group}, static_cast<int>(cells.size()));
        if (added) {
          cells.push_back({test, r.class_group, r.era_group, r.backend, r.generation_group});
          total.emplace_back(p);
        }
        const int cell = it->second;
        total[static_cast<std::size_t>(cell)].add(r, h0, h1, h2, h3);
        auto& mine = fold_cell[static_cast<std::size_t>(r.fold)];
        const auto [at, fresh] = mine.try_emplace(cell, by_fold[static_cast<std::size_t>(r.fold)].size());
        if (fresh) by_fold[static_cast<std::size_t>(r.fold)].emplace_back(cell, CellSums(p));
        by_fold[static_cast<std::size_t>(r.fold)][at->second].second.add(r, h0, h1, h2, h3);
      }
    }
  }

  std::vector<Hierarchy> fits(d.folds.size());
  std::vector<int> active;
  MatrixXd system;
  std::vector<const CellSums*> sums(cells.size());
  std::vector<CellSums> downdated;
  for (std::size_t f = 0; f < d.folds.size(); ++f) {
    // The fold's sums: the full sums, less the fold's own in the few cells it has runs in.
    for (std::size_t c = 0; c < cells.size(); ++c) sums[c] = &total[c];
    downdated.clear();
    downdated.reserve(by_fold[f].size());  // no reallocation: `sums` points into it
    for (const auto& [cell, held] : by_fold[f]) {
      downdated.push_back(total[static_cast<std::size_t>(cell)]);
      downdated.back().subtract(held);
      sums[static_cast<std::size_t>(cell)] = &downdated.back();
    }
    Hierarchy& h = fits[f];
    h.kernel_has_data.assign(d.backends.size(), {});
    h.float_gemm_fitted.assign(d.backends.size(), 0);
    h.backend_fitted.assign(d.backends.size(), 0);
    for (int test = 0; test < kTests; ++test) {
      const auto t = static_cast<std::size_t>(test);
      const int p = param_count(test);
      auto& det = h.determination[t];
      auto& level0 = h.backend_fit[t];
      for (std::size_t b = 0; b < d.backends.size(); ++b) {
        MatrixXd a = MatrixXd::Zero(p, p), plain = MatrixXd::Zero(p, p);
        VectorXd rhs = VectorXd::Zero(p);
        std::vector<int> count(static_cast<std::size_t>(p), 0);
        int runs = 0;
        int first_class = -1;  // the class group of the backend's first run (one chip: its profile entry)
        std::map<int, AllReduceRuns> by_era;
        for (std::size_t c = 0; c < cells.size(); ++c) {
          if (cells[c].test != test || cells[c].backend != static_cast<int>(b) || sums[c]->runs == 0) continue;
          a += sums[c]->a0;
          rhs += sums[c]->b0;
          plain += sums[c]->plain;
          for (int j = 0; j < p; ++j) count[static_cast<std::size_t>(j)] += sums[c]->count[static_cast<std::size_t>(j)];
          runs += sums[c]->runs;
          if (first_class < 0 || cells[c].class_group < first_class) first_class = cells[c].class_group;
          if (test == 0) {
            const int tensor_parallel = sums[c]->count[static_cast<std::size_t>(kAllReduce)];
            by_era[cells[c].era_group].tensor_parallel += tensor_parallel;
            by_era[cells[c].era_group].single += sums[c]->runs - tensor_parallel;
          }
        }
        det.push_back(determine_from(test, plain, count, runs, options.collinearity_tolerance));
        if (test == 0) keep_allreduce_unless_separable(det.back(), by_era);
        const Determination& dt = det.back();
        record_determination(h, b, test, dt);
        Solution s;
        s.theta = theta_of(test, backend_prior(before, d.backends[b]));
        MatrixXd precision = MatrixXd::Zero(p, p);
        if (d.one_chip && runs > 0) {  // as fit_hierarchy: shrunk toward the profile's entry for the machine
          const Solution prior =
              machine_prior(test, before, d.class_groups[static_cast<std::size_t>(first_class)], d.one_chip_family);
          s.theta = prior.theta;
          precision = shrinkage_precision(test, prior, options.shrinkage_spread);
        }
        std::vector<int> free_columns;
        for (int j = 0; j < p; ++j)
          if (dt.determined[static_cast<std::size_t>(j)]) free_columns.push_back(j);
        const VectorXd mean = s.theta;
        if (runs > 0) bounded_solve(test, a, rhs, mean, precision, free_columns, s.theta, active, system);
        s.sigma = full.backend_fit[t][b].sigma;
        s.runs = runs;
        level0.push_back(std::move(s));
      }
      // The two crossed levels, backfitted on the downdated sums as fit_hierarchy does on the rows.
      auto backend_of = [&](const GroupKey& key) { return top_of(d, key.backend, key.api, key.hw_class); };
      auto start = [&](const GroupKey& key) {
        const std::size_t b = backend_of(key);
        Solution s0;
        s0.theta = theta_of(test, prior_for(before, key.backend, key.api, key.hw_class));
        for (int j = 0; j < p; ++j)
          if (det[b].determined[static_cast<std::size_t>(j)]) s0.theta[j] = level0[b].theta[j];
        return s0;
      };
      auto& level1 = h.class_fit[t];
      auto& level2 = h.era_fit[t];
      for (const GroupKey& key : d.class_groups) level1.push_back(start(key));
      for (const GroupKey& key : d.era_groups) level2.push_back(start(key));
      // One level's downdated sums solved, shrunk toward the engine's fit; without runs, its prior mean.
      auto solve_sums = [&](const MatrixXd& a, const VectorXd& rhs, const VectorXd& mean, std::size_t b,
                            const std::vector<int>& free_columns, int runs) {
        Solution s;
        s.theta = mean;
        s.runs = runs;
        if (runs > 0)
          bounded_solve(test, a, rhs, mean, shrinkage_precision(test, level0[b], options.shrinkage_spread), free_columns,
                        s.theta, active, system);
        return s;
      };
      auto fit_level = [&](bool software, std::size_t group) {
        const GroupKey& key = software ? d.era_groups[group] : d.class_groups[group];
        const std::size_t b = backend_of(key);
        Solution& current = software ? level2[group] : level1[group];
        VectorXd mean = current.theta;
        std::vector<int> free_columns;
        for (int j = 0; j < p; ++j)
          if (det[b].determined[static_cast<std::size_t>(j)] && is_software_param(test, j) == software) {
            free_columns.push_back(j);
            mean[j] = level0[b].theta[j];
          }
        MatrixXd a = MatrixXd::Zero(p, p);
        VectorXd rhs = VectorXd::Zero(p);
        int runs = 0;
        for (std::size_t c = 0; c < cells.size(); ++c) {
          const Cell& cell = cells[c];
          if (cell.test != test || (software ? cell.era_group : cell.class_group) != static_cast<int>(group) ||
              sums[c]->runs == 0)
            continue;
          const MatrixXd& ac = software ? sums[c]->a2 : sums[c]->a1;
          const VectorXd& bc = software ? sums[c]->b2 : sums[c]->b1;
          // The other level's columns at its current values: moved into the offset.
          const VectorXd& other = software ? level1[static_cast<std::size_t>(cell.class_group)].theta
                                           : level2[static_cast<std::size_t>(cell.era_group)].theta;
          add_level_sums(test, software, ac, bc, other, a, rhs);
          runs += sums[c]->runs;
        }
        current = solve_sums(a, rhs, mean, b, free_columns, runs);
      };
      for (int sweep = 0; sweep < kBackfittingSweeps; ++sweep) {
        for (std::size_t g = 0; g < d.class_groups.size(); ++g) fit_level(false, g);
        for (std::size_t e = 0; e < d.era_groups.size(); ++e) fit_level(true, e);
      }
      // The parents of classes without runs, as fit_hierarchy: their classes' cells with the class level's
      // Huber weights, each cell's software at its era's fit.
      auto& level3 = h.parent_fit[t];
      for (std::size_t q = 0; q < d.parent_groups.size(); ++q) {
        const std::size_t b = top_kind(d, d.parent_groups[q].backend, d.parent_groups[q].kind);
        const VectorXd mean = level0[b].theta;
        std::vector<int> free_columns;
        for (int j = 0; j < p; ++j)
          if (det[b].determined[static_cast<std::size_t>(j)] && !is_software_param(test, j)) free_columns.push_back(j);
        MatrixXd a = MatrixXd::Zero(p, p);
        VectorXd rhs = VectorXd::Zero(p);
        int runs = 0;
        for (std::size_t c = 0; c < cells.size(); ++c) {
          const Cell& cell = cells[c];
          const auto& parents = d.class_parents[static_cast<std::size_t>(cell.class_group)];
          if (cell.test != test || std::find(parents.begin(), parents.end(), static_cast<int>(q)) == parents.end() ||
              sums[c]->runs == 0)
            continue;
          add_level_sums(test, false, sums[c]->a1, sums[c]->b1, level2[static_cast<std::size_t>(cell.era_group)].theta, a,
                         rhs);
          runs += sums[c]->runs;
        }
        level3.push_back(solve_sums(a, rhs, mean, b, free_columns, runs));
      }
    }
    // GPU generations, as fit_hierarchy: their cells with the generation level's Huber weights, each cell's other
    // columns at its class's and era's fit.
    for (int test = 0; test < kTests; ++test) {
      const auto t = static_cast<std::size_t>(test);
      const int p = param_count(test);
      for (std::size_t q = 0; q < d.generation_groups.size(); ++q) {
        const GenerationKey& key = d.generation_groups[q];
        const std::size_t b = top_of(d, key.backend, key.api, key.hw_class);
        auto [reference, precision] = generation_prior(d, h, test, q, options);
        std::vector<int> free_columns;
        for (int j = 0; j < p; ++j)
          if (h.determination[t][b].determined[static_cast<std::size_t>(j)] && is_generation_param(test, j))
            free_columns.push_back(j);
        MatrixXd a = MatrixXd::Zero(p, p);
        VectorXd rhs = VectorXd::Zero(p);
        int runs = 0;
        for (std::size_t c = 0; c < cells.size(); ++c) {
          const Cell& cell = cells[c];
          if (cell.test != test || cell.generation_group != static_cast<int>(q) || sums[c]->runs == 0) continue;
          add_generation_sums(test, sums[c]->a3, sums[c]->b3,
                              combined(test, h.class_fit[t][static_cast<std::size_t>(cell.class_group)].theta,
                                       h.era_fit[t][static_cast<std::size_t>(cell.era_group)].theta),
                              reference, a, rhs);
          runs += sums[c]->runs;
        }
        Solution s;
        s.theta = reference;
        s.runs = runs;
        if (runs > 0) bounded_solve(test, a, rhs, reference, precision, free_columns, s.theta, active, system);
        h.generation_fit[t].push_back(std::move(s));
        h.generation_reference[t].push_back(std::move(reference));
      }
    }
  }
  return fits;
}

/// The software a class's current (untagged) entry uses: the newest era with runs of the same engine and
/// device API, on any chip (an H100 gets the 2025 CUDA costs measured on consumer cards).
int newest_era(const Data& d, const Hierarchy& h, Backend backend, DeviceApi api) {
  int best = -1;
  for (std::size_t e = 0; e < d.era_groups.size(); ++e) {
    if (d.era_groups[e].backend != backend || d.era_groups[e].api != api) continue;
    if (h.era_fit[0][e].runs + h.era_fit[1][e].runs == 0) continue;
    if (best < 0 || d.era_groups[e].era > d.era_groups[static_cast<std::size_t>(best)].era) best = static_cast<int>(e);
  }
  return best;
}

std::string group_label(Backend backend, std::optional<DeviceApi> api, std::optional<HardwareClass> hw_class,
                        const std::string& era) {
  std::string label(to_string(backend));
  if (api) label += " · " + std::string(to_string(*api));
  if (hw_class) label += " · " + std::string(to_string(*hw_class));
  if (!api && !hw_class) label += " · all hardware pooled (the classes' shrinkage target)";
  if (!era.empty()) label += " · era " + era;
  return label;
}

/// A class's hardware columns with an era's software columns.
VectorXd combined(int test, const VectorXd& hardware, const VectorXd& software) {
  VectorXd theta = hardware;
  for (int j = 0; j < theta.size(); ++j)
    if (is_software_param(test, j)) theta[j] = software[j];
  return theta;
}

/// Per device API and hardware class, the engine whose runs measure its GPU generations best: the one with the
/// most runs on chips that state a generation (llama.cpp on Metal).
std::map<std::pair<DeviceApi, HardwareClass>, Backend> generation_reference_engines(const Data& d) {
  std::map<std::tuple<DeviceApi, HardwareClass, Backend>, std::size_t> runs;
  for (const auto& rows : d.rows)
    for (const Row& r : rows) {
      if (r.generation_group < 0) continue;
      const GenerationKey& key = d.generation_groups[static_cast<std::size_t>(r.generation_group)];
      ++runs[{key.api, key.hw_class, key.backend}];
    }
  std::map<std::pair<DeviceApi, HardwareClass>, Backend> best;
  std::map<std::pair<DeviceApi, HardwareClass>, std::size_t> most;
  for (const auto& [key, n] : runs) {
    const std::pair<DeviceApi, HardwareClass> where{std::get<0>(key), std::get<1>(key)};
    if (n > most[where]) {
      most[where] = n;
      best[where] = std::get<2>(key);
    }
  }
  return best;
}

/// Whether an engine has runs of its own on a GPU generation of an API and class.
bool has_generation(const Data& d, Backend backend, DeviceApi api, HardwareClass hw_class, std::string_view family) {
  return std::any_of(d.generation_groups.begin(), d.generation_groups.end(), [&](const GenerationKey& k) {
    return k.backend == backend && k.api == api && k.hw_class == hw_class && k.gpu_family == family;
  });
}

/// GPU generations an engine has no runs on, where the API and class's reference engine has (issue 20): the share
/// of peak bandwidth and FLOPs a GPU generation reaches is the hardware's; an engine's kernels' efficiency relative
/// to the chip is the engine's. The engine's entry for generation G is its entry for the generation R it has the
/// most runs on, each share of peak scaled by the reference engine's G-over-R ratio: weight streaming (the level
/// over its kernel families with runs, `weight_bandwidth_efficiency`), quantised GEMMs (`compute_efficiency`) and
/// float GEMMs. Fixed costs and the KV stream stay the engine's R values (software, and not a generation column).
/// MLX, measured on one M3 Ultra (apple9), gets apple7 and apple8 entries from llama.cpp · metal's.
void add_borrowed_generations(EfficiencyProfile& profile, const Data& d, const Hierarchy& h) {
  if (d.one_chip) return;  // runs of one machine move only that machine's entries
  auto find = [&](Backend backend, DeviceApi api, HardwareClass hw_class, std::string_view family) -> const ProfileEntry* {
    for (const ProfileEntry& e : profile.entries)
      if (e.backend == backend && e.api == api && e.hardware_class == hw_class && e.era.empty() && e.gpu_family == family)
        return &e;
    return nullptr;
  };
  const auto references = generation_reference_engines(d);
  std::vector<ProfileEntry> borrowed;
  for (std::size_t g = 0; g < d.class_groups.size(); ++g) {
    const GroupKey& key = d.class_groups[g];
    const auto found = references.find({key.api, key.hw_class});
    if (found == references.end() || found->second == key.backend) continue;
    const Backend reference = found->second;
    // The generation the engine has the most runs on (its fit there is measured) that the reference has too.
    const GenerationKey* own = nullptr;
    int own_runs = 0;
    for (std::size_t q = 0; q < d.generation_groups.size(); ++q) {
      const GenerationKey& k = d.generation_groups[q];
      const int runs = h.generation_fit[0][q].runs + h.generation_fit[1][q].runs;
      if (d.generation_class[q] != static_cast<int>(g) || runs <= own_runs) continue;
      if (find(reference, key.api, key.hw_class, k.gpu_family) == nullptr) continue;
      own = &k;
      own_runs = runs;
    }
    if (own == nullptr) continue;
    const ProfileEntry* engine_own = find(key.backend, key.api, key.hw_class, own->gpu_family);
    const ProfileEntry* reference_own = find(reference, key.api, key.hw_class, own->gpu_family);
    if (engine_own == nullptr || reference_own == nullptr) continue;
    const std::size_t b = top_of(d, key.backend, key.api, key.hw_class);
    double widest = 1;  // the engine's most efficient kernel family with runs, relative to its level
    for (int j = 0; j < kKernels; ++j)
      if (h.kernel_has_data[b][static_cast<std::size_t>(j)])
        widest = std::max(widest, engine_own->constants.kernel_efficiency[static_cast<std::size_t>(j)]);
    for (std::size_t q = 0; q < d.generation_groups.size(); ++q) {
      const GenerationKey& k = d.generation_groups[q];
      if (k.backend != reference || k.api != key.api || k.hw_class != key.hw_class) continue;
      if (has_generation(d, key.backend, key.api, key.hw_class, k.gpu_family)) continue;
      const ProfileEntry* reference_there = find(reference, key.api, key.hw_class, k.gpu_family);
      if (reference_there == nullptr) continue;
      const EfficiencyConstants& there = reference_there->constants;
      const EfficiencyConstants& here = reference_own->constants;
      const double stream = there.weight_bandwidth_efficiency / here.weight_bandwidth_efficiency;
      const double gemm = there.compute_efficiency / here.compute_efficiency;
      const double float_gemm = there.float_compute_efficiency / here.float_compute_efficiency;
      ProfileEntry entry = *engine_own;
      entry.gpu_family = k.gpu_family;
      EfficiencyConstants& c = entry.constants;
      // Within the physical bounds: no kernel streams past the peak bandwidth, no float GEMM past the tensor peak.
      c.weight_bandwidth_efficiency = std::min(c.weight_bandwidth_efficiency * stream, 1.0 / widest);
      c.compute_efficiency = std::min(c.compute_efficiency * gemm, kMaxShareOfPeakPastThePeak);
      c.float_compute_efficiency = std::min(c.float_compute_efficiency * float_gemm, 1.0);
      c.float_expert_compute_efficiency = std::min(c.float_expert_compute_efficiency * float_gemm, 1.0);
      entry.note = fmt::format("borrowed: GPU generation {0}'s shares of peak from {1} · {2} ({0} over {3}: weight "
                               "streaming x{4:.3f}, quantised GEMMs x{5:.3f}, float GEMMs x{6:.3f}; {7} runs of {0}); "
                               "the rest (fixed costs, KV stream, kernel families relative to the level) is the {8} fit "
                               "on {3} ({9} runs)",
                               k.gpu_family, to_string(reference), to_string(key.api), own->gpu_family, stream, gemm,
                               float_gemm, h.generation_fit[0][q].runs + h.generation_fit[1][q].runs,
                               to_string(key.backend), own_runs);
      borrowed.push_back(std::move(entry));
    }
  }
  for (ProfileEntry& e : borrowed) profile.entries.push_back(std::move(e));
}

/// The profile the hierarchy implies: one current entry per engine × API × class with runs, plus entries
/// tagged with older eras; the same for every class the engine's APIs drive that has no runs of its own, from
/// its parent's pooled shares of peak and the API's software constants (the engine-wide fit, which mixes CPU
/// and GPU runs, is only the shrinkage target). Ollama embeds llama.cpp: without Ollama runs, its entries are
/// the llama.cpp ones plus Ollama's literature extras.
EfficiencyProfile build_profile(const Data& d, const Hierarchy& h, const EfficiencyProfile& before,
                                const CalibrationOptions& options) {
  EfficiencyProfile profile;
  profile.name = options.profile_name;
  profile.source = options.profile_source;
  // After a class's entry (its decode coefficients `decode`, the base and flags it was built with): one entry per
  // GPU generation of the class with runs, the class's constants with the generation's columns moved by what the
  // generation's fit adds to the newest era's (so an era-tagged entry keeps its era's software).
  auto add_generations = [&](const ProfileEntry& class_entry, std::size_t g, const VectorXd& decode,
                             const VectorXd& prefill, const EfficiencyConstants& base, std::size_t b) {
    for (std::size_t q = 0; q < d.generation_groups.size(); ++q) {
      if (d.generation_class[q] != static_cast<int>(g) || h.generation_fit[0][q].runs == 0) continue;
      // The class's columns moved by what the generation's own fit adds, for each test it has runs of.
      auto moved = [&](int test, const VectorXd& class_theta) {
        const auto t = static_cast<std::size_t>(test);
        VectorXd theta = class_theta;
        if (h.generation_fit[t][q].runs == 0) return theta;
        for (int j = 0; j < theta.size(); ++j)
          if (is_generation_param(test, j))
            theta[j] = std::clamp(theta[j] + h.generation_fit[t][q].theta[j] - h.generation_reference[t][q][j],
                                  lower_bound(test, j), upper_bound(test, j));
        return theta;
      };
      ProfileEntry entry = class_entry;
      entry.gpu_family = d.generation_groups[q].gpu_family;
      entry.constants =
          constants_of(base, moved(0, decode), moved(1, prefill), h.kernel_has_data[b], h.float_gemm_fitted[b]);
      entry.note = fmt::format("fitted: GPU generation {} ({} decode and {} prefill runs of its own: fixed costs, "
                               "kernel shares of peak bandwidth and GEMM shares of peak FLOPs, shrunk toward the "
                               "class); {}",
                               entry.gpu_family, h.generation_fit[0][q].runs, h.generation_fit[1][q].runs,
                               class_entry.note);
      profile.entries.push_back(std::move(entry));
    }
  };
  for (std::size_t g = 0; g < d.class_groups.size(); ++g) {
    const GroupKey& key = d.class_groups[g];
    const std::size_t b = top_of(d, key.backend, key.api, key.hw_class);
    if (!h.backend_fitted[b]) continue;
    // A class without runs (held out by cross-validation) is given its entry below, as every class the data
    // lack is, so its CV error is what such a class gets.
    if (h.class_fit[0][g].runs + h.class_fit[1][g].runs == 0) continue;
    const EfficiencyConstants& base = prior_for(before, key.backend, key.api, key.hw_class);
    const int current = newest_era(d, h, key.backend, key.api);
    for (std::size_t e = 0; e < d.era_groups.size(); ++e) {
      if (d.era_groups[e].backend != key.backend || d.era_groups[e].api != key.api || static_cast<int>(e) == current ||
          d.era_groups[e].era.empty())
        continue;
      ProfileEntry entry;
      entry.backend = key.backend;
      entry.api = key.api;
      entry.hardware_class = key.hw_class;
      entry.era = d.era_groups[e].era;
      entry.constants = constants_of(base, combined(0, h.class_fit[0][g].theta, h.era_fit[0][e].theta),
                                     combined(1, h.class_fit[1][g].theta, h.era_fit[1][e].theta), h.kernel_has_data[b], h.float_gemm_fitted[b]);
      entry.fitted_runs = h.class_fit[0][g].runs + h.class_fit[1][g].runs;
      entry.note = "fitted: class shares of peak; software constants of engine era " + entry.era;
      profile.entries.push_back(entry);
      add_generations(entry, g, combined(0, h.class_fit[0][g].theta, h.era_fit[0][e].theta),
                      combined(1, h.class_fit[1][g].theta, h.era_fit[1][e].theta), base, b);
    }
    ProfileEntry entry;
    entry.backend = key.backend;
    entry.api = key.api;
    entry.hardware_class = key.hw_class;
    if (current >= 0) {
      const auto e = static_cast<std::size_t>(current);
      entry.constants = constants_of(base, combined(0, h.class_fit[0][g].theta, h.era_fit[0][e].theta),
                                     combined(1, h.class_fit[1][g].theta, h.era_fit[1][e].theta), h.kernel_has_data[b], h.float_gemm_fitted[b]);
      entry.fitted_runs = h.class_fit[0][g].runs + h.class_fit[1][g].runs;
      entry.note = "fitted: class shares of peak; software constants of the newest " +
                   std::string(to_string(key.backend)) + " " + std::string(to_string(key.api)) + " era with runs (" +
                   (d.era_groups[e].era.empty() ? std::string("unstated") : d.era_groups[e].era) + ")";
    } else {
      entry.constants = constants_of(base, h.class_fit[0][g].theta, h.class_fit[1][g].theta, h.kernel_has_data[b], h.float_gemm_fitted[b]);
      entry.fitted_runs = h.class_fit[0][g].runs + h.class_fit[1][g].runs;
      entry.note = "fitted";
    }
    if (d.one_chip) entry.gpu_family = d.one_chip_family;  // one chip's runs: its generation's entry
    profile.entries.push_back(entry);
    if (current >= 0) {
      const auto e = static_cast<std::size_t>(current);
      add_generations(entry, g, combined(0, h.class_fit[0][g].theta, h.era_fit[0][e].theta),
                      combined(1, h.class_fit[1][g].theta, h.era_fit[1][e].theta), base, b);
    } else {
      add_generations(entry, g, h.class_fit[0][g].theta, h.class_fit[1][g].theta, base, b);
    }
  }
  // Classes without runs of their own (on an engine with runs): the engine · API's software constants of the
  // newest era with runs (else the engine's pooled ones) and the shares of peak of the parent, the engine's
  // classes of the same device kind pooled on the same API (else on every API). Not for the runs of one
  // machine, which move only that machine's entries.
  constexpr std::array<DeviceApi, 6> apis{DeviceApi::cuda, DeviceApi::metal, DeviceApi::vulkan,
                                          DeviceApi::rocm, DeviceApi::sycl,  DeviceApi::cpu};
  constexpr std::array<HardwareClass, 6> classes{HardwareClass::apple, HardwareClass::nvidia_consumer,
                                                 HardwareClass::nvidia_datacenter, HardwareClass::amd,
                                                 HardwareClass::intel, HardwareClass::cpu};
  std::vector<Backend> engines;
  for (const Backend backend : d.backends)
    if (std::find(engines.begin(), engines.end(), backend) == engines.end()) engines.push_back(backend);
  for (const Backend backend : engines) {
    if (d.one_chip) break;
    for (const DeviceApi api : apis) {
      if (!backend_drives(backend, api)) continue;
      for (const HardwareClass hw_class : classes) {
        if (!api_serves_class(api, hw_class)) continue;
        const std::size_t b = top_of(d, backend, api, hw_class);
        if (b == d.backends.size() || !h.backend_fitted[b]) continue;  // no runs on this kind of device
        const bool has_runs = std::any_of(d.class_groups.begin(), d.class_groups.end(), [&](const GroupKey& k) {
          const auto g = static_cast<std::size_t>(&k - d.class_groups.data());
          return k.backend == backend && k.api == api && k.hw_class == hw_class &&
                 h.class_fit[0][g].runs + h.class_fit[1][g].runs > 0;
        });
        if (has_runs) continue;
        const HardwareKind kind = device_kind(api, hw_class);
        int parent = -1;
        // The engine's classes of this device kind on this API; where the API has no runs (SYCL held out), this
        // class on the engine's other APIs: a chip family's memory system and the vendor's kernel style show on
        // every API (K-quant decode on Intel: 50-63 % of the legacy share on the Arc Pro B70's SYCL and Vulkan,
        // 53 % on the A770 and Iris Xe's Vulkan; docs/calibration.md); else every class on every API.
        for (const ParentKey& key : {ParentKey{backend, api, kind}, ParentKey{backend, std::nullopt, kind, hw_class},
                                     ParentKey{backend, std::nullopt, kind}}) {
          const int q = parent_index(d, key);
          if (q >= 0 && h.parent_fit[0][static_cast<std::size_t>(q)].runs + h.parent_fit[1][static_cast<std::size_t>(q)].runs > 0) {
            parent = q;
            break;
          }
        }
        if (parent < 0) continue;  // no runs of this engine on this kind of device: the literature constants
        const auto q = static_cast<std::size_t>(parent);
        const ParentKey& pk = d.parent_groups[q];
        const std::string parent_words =
            fmt::format("shares of peak of {}{} {}{} pooled ({} runs)", to_string(backend),
                        pk.api        ? " · " + std::string(to_string(*pk.api))
                        : pk.hw_class ? " · " + std::string(to_string(*pk.hw_class))
                                      : std::string(" (every API)"),
                        pk.kind == HardwareKind::gpu ? "GPUs" : pk.kind == HardwareKind::unified ? "unified-memory chips" : "CPUs",
                        pk.hw_class ? " on its other APIs" : "", h.parent_fit[0][q].runs + h.parent_fit[1][q].runs);
        const EfficiencyConstants& base = prior_for(before, backend, api, hw_class);
        const int current = newest_era(d, h, backend, api);
        auto inherited = [&](int era_group, const std::string& software_words) {
          ProfileEntry entry;
          entry.backend = backend;
          entry.api = api;
          entry.hardware_class = hw_class;
          const auto e = static_cast<std::size_t>(std::max(era_group, 0));
          const VectorXd& decode_software = era_group >= 0 ? h.era_fit[0][e].theta : h.backend_fit[0][b].theta;
          const VectorXd& prefill_software = era_group >= 0 ? h.era_fit[1][e].theta : h.backend_fit[1][b].theta;
          entry.constants = constants_of(base, combined(0, h.parent_fit[0][q].theta, decode_software),
                                         combined(1, h.parent_fit[1][q].theta, prefill_software), h.kernel_has_data[b], h.float_gemm_fitted[b]);
          entry.fitted_runs = 0;  // none of its own
          entry.note = "no runs of its own: " + parent_words + "; " + software_words;
          // No run of the engine on this kind of device states flash attention, but runs of it on another kind do:
          // its share here is the attention share the runs measured without it, not the literature's GEMM rate
          // (every flash-attention share measured so far, R9700 ROCm and Vulkan, CPU cores, is at or below the
          // attention share without it). An engine no run of which states it keeps the literature.
          const Determination& top = h.determination[1][b];
          bool engine_measures_flash = false;
          for (std::size_t other = 0; other < d.backends.size(); ++other)
            if (d.backends[other] == backend &&
                (h.determination[1][other].determined[static_cast<std::size_t>(kFlashAttention)] ||
                 h.determination[1][other].determined[static_cast<std::size_t>(kCpuPrefillFlashAttention)]))
              engine_measures_flash = true;  // a CPU's runs state it in their own cycles column
          if (engine_measures_flash && !top.determined[static_cast<std::size_t>(kFlashAttention)] &&
              top.determined[static_cast<std::size_t>(kAttention)]) {
            entry.constants.flash_attention_compute_efficiency = entry.constants.attention_compute_efficiency;
            entry.note += "; flash attention at the attention share measured without it (no run states it)";
          }
          return entry;
        };
        for (std::size_t e = 0; e < d.era_groups.size(); ++e) {
          if (d.era_groups[e].backend != backend || d.era_groups[e].api != api || static_cast<int>(e) == current ||
              d.era_groups[e].era.empty())
            continue;
          ProfileEntry entry = inherited(static_cast<int>(e), "software constants of engine era " + d.era_groups[e].era);
          entry.era = d.era_groups[e].era;
          profile.entries.push_back(std::move(entry));
        }
        profile.entries.push_back(inherited(
            current, current >= 0 ? fmt::format("software constants of the newest {} {} era with runs ({})", to_string(backend),
                                                to_string(api),
                                                d.era_groups[static_cast<std::size_t>(current)].era.empty()
                                                    ? std::string("unstated")
                                                    : d.era_groups[static_cast<std::size_t>(current)].era)
                                  : fmt::format("no {} {} runs: the engine's pooled software constants", to_string(backend),
                                                to_string(api))));
      }
    }
  }
  add_borrowed_generations(profile, d, h);
  const bool has_ollama = std::find(d.backends.begin(), d.backends.end(), Backend::ollama) != d.backends.end();
  if (!has_ollama) {
    const std::size_t count = profile.entries.size();
    for (std::size_t i = 0; i < count; ++i) {
      const ProfileEntry& source = profile.entries[i];
      if (source.backend != Backend::llama_cpp) continue;
      const DeviceApi api = source.api.value_or(DeviceApi::cuda);
      const HardwareClass hw_class = source.hardware_class.value_or(HardwareClass::nvidia_consumer);
      const EfficiencyConstants& llama = default_efficiency_profile().lookup(Backend::llama_cpp, api, hw_class).constants;
      const EfficiencyConstants& ollama = default_efficiency_profile().lookup(Backend::ollama, api, hw_class).constants;
      ProfileEntry entry = source;
      entry.backend = Backend::ollama;
      entry.constants.token_overhead_us += ollama.token_overhead_us - llama.token_overhead_us;
      entry.constants.runtime_overhead_gib += ollama.runtime_overhead_gib - llama.runtime_overhead_gib;
      entry.note = "derived: the llama.cpp fit (" + source.note + ") plus Ollama's literature extras; no Ollama runs";
      profile.entries.push_back(entry);
    }
  }
  return profile;
}

double ape_pct(double predicted, double measured) {
  if (!(predicted > 0) || !std::isfinite(predicted)) return 100.0;
  return 100.0 * std::abs(predicted - measured) / measured;
}

/// Which columns a group's report shows: all (the backend level), the hardware's or the software's.
enum class Level { backend, hardware, software };

std::vector<ConstantEstimate> estimates(int test, const Solution& s, const Determination& det,
                                        const std::string& parent_label, Level level) {
  const bool is_backend_level = level == Level::backend;
  std::vector<ConstantEstimate> out;
  for (int j = 0; j < param_count(test); ++j) {
    if (level != Level::backend && is_software_param(test, j) != (level == Level::software)) continue;
    if (test == 0 && j < kKernels && !det.kernel_has_data[static_cast<std::size_t>(j)]) continue;
    if (is_cpu_cycles(test, j) && !det.kernel_has_data[cycles_data_index(test, j)]) continue;
    ConstantEstimate e;
    e.name = param_name(test, j);
    e.label = param_label(test, j);
    e.is_efficiency = is_efficiency_param(test, j);
    e.unit = param_unit(test, j);
    const double theta = s.theta[j];
    const bool inverse = e.is_efficiency || (test == 0 && j == kCpuThreadBandwidth);  // θ is 1 / the constant
    e.value = inverse ? (theta > 0 ? 1.0 / theta : 0.0) : theta;
    e.standard_error = inverse ? (theta > 0 ? s.standard_error[j] / (theta * theta) : 0.0) : s.standard_error[j];
    e.fitted = det.determined[static_cast<std::size_t>(j)] != 0;
    e.data_share = s.data_share[j];
    const bool undetermined = s.runs > 0 && s.standard_error[j] > std::abs(theta);
    if (!e.fitted) {
      e.status = "kept at literature value: " + det.why_kept[static_cast<std::size_t>(j)];
    } else if (!is_backend_level && s.runs > 0 && !s.fixed.empty() && s.fixed[static_cast<std::size_t>(j)] != 0) {
      e.status = "kept at " + parent_label + " value: these runs do not determine it (± above the value)";
    } else if (undetermined) {
      e.status = "not determined by these runs (± above the value)";
    } else if (is_backend_level || e.data_share >= 0.5) {
      e.status = "fitted";
    } else if (s.runs == 0) {
      e.status = "no runs here: " + parent_label + " value";
    } else {
      std::ostringstream text;
      text.precision(0);
      text << std::fixed << "shrunk toward " << parent_label << " (" << 100 * e.data_share << " % own data)";
      e.status = text.str();
    }
    if (e.fitted && s.standard_error[j] == 0 && s.runs > 0 &&
        (theta <= lower_bound(test, j) + 1e-12 || theta >= upper_bound(test, j) - 1e-12))
      e.status = !e.is_efficiency && theta >= upper_bound(test, j) - 1e-12
                     ? fmt::format("at the upper limit of the fit ({:g} {})", upper_bound(test, j), e.unit)
                     : "at its physical bound (" +
                 std::string(!e.is_efficiency                                   ? "0"
                             : theta >= upper_bound(test, j) - 1e-12            ? "1 % of peak"
                             : is_at_most_peak_param(test, j)                   ? "100 % of peak"
                                                                                : "150 % of peak") +
                 ")";
    out.push_back(e);
  }
  return out;
}

/// detail::weighted_median by selection: halves the range holding the crossing with nth_element. It sums the
/// weights in another order than the sorted scan, so it answers only where its sums are farther from `half`
/// than the rounding of either order could move them (nullopt otherwise, and for non-finite values).
std::optional<double> weighted_median_by_selection(std::vector<std::pair<double, double>>& weighted, double half) {
  const std::size_t n = weighted.size();
  if (n == 0 || !std::all_of(weighted.begin(), weighted.end(), [](const auto& x) { return std::isfinite(x.first); }))
    return std::nullopt;
  // Invariant: [lo, hi) holds the elements of sorted positions lo..hi-1 and the crossing is among them; `below`
  // is the weight of the positions before lo.
  std::size_t lo = 0, hi = n;
  double below = 0;
  while (hi - lo > 1) {
    const std::size_t mid = lo + (hi - lo) / 2;
    const auto first = weighted.begin() + static_cast<std::ptrdiff_t>(lo);
    const auto middle = weighted.begin() + static_cast<std::ptrdiff_t>(mid);
    std::nth_element(first, middle, weighted.begin() + static_cast<std::ptrdiff_t>(hi));
    double left = 0;
    for (auto it = first; it != middle; ++it) left += it->second;
    if (below + left >= half) {
      hi = mid;
    } else if (below + left + middle->second >= half) {
      below += left;
      lo = mid;
      hi = mid + 1;
    } else {
      below += left + middle->second;
      lo = mid + 1;
    }
  }
  if (hi - lo != 1) return std::nullopt;
  const double through = below + weighted[lo].second;
  // Weights that are multiples of 2^-20 (1, 1/2, 1/4 … of a repeated configuration) sum exactly in any order
  // while the total stays below 2^32: then the comparisons above are the sorted scan's, ties included.
  const bool exact = 2 * half < 4294967296.0 && std::all_of(weighted.begin(), weighted.end(), [](const auto& x) {
                       constexpr double kDyadicUnits = 1048576.0;  // 2^20
                       const double units = x.second * kDyadicUnits;
                       return units == std::floor(units);
                     });
  if (exact) return weighted[lo].first;
  // Otherwise sums of n non-negative terms in any two orders differ by at most about n ulps of the total.
  const double slack = 4.0 * static_cast<double>(n) * std::numeric_limits<double>::epsilon();
  if (!(below < half * (1 - slack)) || !(through >= half * (1 + slack))) return std::nullopt;
  return weighted[lo].first;
}

}  // namespace

// ------------------------------------------------------------------------------------------------

double detail::weighted_median(std::vector<std::pair<double, double>>& pairs, double total) {
  if (pairs.empty()) return 0.0;
  if (const auto selected = weighted_median_by_selection(pairs, 0.5 * total)) return *selected;
  std::sort(pairs.begin(), pairs.end());
  double below = 0;
  for (const auto& [value, weight] : pairs) {
    below += weight;
    if (below >= 0.5 * total) return value;
  }
  return pairs.back().first;
}

std::string_view to_string(CrossValidationUnit unit) noexcept {
  switch (unit) {
    case CrossValidationUnit::hardware: return "hardware";
    case CrossValidationUnit::source: return "source";
    case CrossValidationUnit::model: return "model";
    case CrossValidationUnit::hardware_class: return "class";
  }
  return "hardware";
}

std::optional<CrossValidationUnit> parse_cross_validation_unit(std::string_view name) noexcept {
  for (CrossValidationUnit unit : kAllCrossValidationUnits)
    if (to_string(unit) == name) return unit;
  return std::nullopt;
}

std::string cross_validation_name(CrossValidationUnit unit) {
  return "leave-one-" + std::string(to_string(unit)) + "-out";
}

MemoryFit RunCase::placement() const noexcept {
  MemoryFit fit;
  fit.fits = !offloaded;
  fit.offload = offload;
  fit.gpu_layers = gpu_layers;
  fit.cpu_layers = cpu_layers;
  return fit;
}

/// The llama.cpp build number a run states ("14b699ec b4384", "b4234 3420909d": the word b<digits>); 0 if none.
static int engine_build_of(std::string_view build) noexcept {
  for (std::size_t i = 0; i + 1 < build.size(); ++i) {
    if (build[i] != 'b' || (i > 0 && build[i - 1] != ' ')) continue;
    int n = 0;
    std::size_t j = i + 1;
    for (; j < build.size() && build[j] >= '0' && build[j] <= '9' && n < 1000000; ++j) n = n * 10 + (build[j] - '0');
    if (j > i + 1 && (j == build.size() || build[j] == ' ')) return n;
  }
  return 0;
}

/// The year of a run's era ("2025"), or 0 when it states none or another form: the engine build's year, for the
/// kernel rules that changed with llama.cpp's releases (flash_attention_on_vector_units).
static int engine_year_of(std::string_view era) noexcept {
  if (era.size() < 4) return 0;
  int year = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    if (era[i] < '0' || era[i] > '9') return 0;
    year = year * 10 + (era[i] - '0');
  }
  return year;
}

Scenario RunCase::scenario() const noexcept {
  Scenario s;
  s.hardware = hardware;
  s.device_count = device_count;
  s.model = model;
  s.quant = quant.get();
  s.backend = run->backend;
  s.api = run->api;
  s.kv_type = run->kv_type;
  s.context_tokens = std::max<std::int64_t>(1, run->context_tokens());
  s.prompt_tokens = std::max<std::int64_t>(1, run->n_prompt);
  s.batch = std::max(1, run->batch);
  s.memory_gib = hardware->memory_options_gib.empty()
                     ? 0
                     : *std::max_element(hardware->memory_options_gib.begin(), hardware->memory_options_gib.end());
  s.host = hardware->kind == HardwareKind::gpu ? host : nullptr;
  s.allow_offload = true;
  s.margin = kNoFitMargin;  // where the run's layers were, not a plan: the runner used all it could
  s.micro_batch_tokens = run->n_ubatch;
  // llama-bench left flash attention off unless asked (-fa 1) until its auto mode: a run that does not say
  // is taken as off.
  s.flash_attention = run->flash_attn.value_or(false);
  s.cpu_threads = run->n_threads;
  s.identical_batch_tokens = run->identical_tokens;
  s.engine_year = engine_year_of(run->era);
  s.engine_build = engine_build_of(run->build);
  s.vulkan_driver = run->vulkan_driver;
  return s;
}

double RunCase::measured_seconds() const noexcept {
  // Decode: one step of the batch (tok_s is the batch's aggregate); with the prefill included, the time per
  // output token of one request's cycle.
  return run->test == RunTest::decode ? std::max(1, run->batch) / run->tok_s
                                      : static_cast<double>(run->n_prompt) / run->tok_s;
}

ResolvedRuns resolve_runs(const std::vector<MeasuredRun>& runs, const Catalog& catalog) {
  ResolvedRuns out;
  out.cases.reserve(runs.size());
  std::map<std::pair<const QuantSpec*, double>, std::shared_ptr<const QuantSpec>> rescaled;
  for (const MeasuredRun& run : runs) {
    auto skip = [&](std::string reason) { out.skipped.push_back({run.file, run.index, std::move(reason)}); };
    const HardwareSpec* hw = catalog.find_hardware(run.hardware_id);
    const ModelSpec* model = catalog.find_model(run.model_id);
    const QuantSpec* quant = catalog.find_quant(run.quant_id);
    if (hw == nullptr || model == nullptr || quant == nullptr) {
      skip("hardware, model or quant id not in the catalogue");
      continue;
    }
    if (const auto problem = measured_rate_problem(run.test, run.tok_s)) {
      skip("tok_s: " + *problem);
      continue;
    }
    if (!std::isfinite(run.stddev_tok_s) || run.stddev_tok_s < 0) {
      skip("stddev_tok_s: must be finite and >= 0");
      continue;
    }
    if ((run.test == RunTest::decode && run.n_gen <= 0) || (run.test == RunTest::prefill && run.n_prompt <= 0)) {
      skip("no tokens measured");
      continue;
    }
    if (const auto problem = batched_run_problem(run)) {
      skip(*problem);
      continue;
    }
    // Runs whose requests partly failed state a rate of the ones that finished: kept apart (validate --write-runs
    // still writes them), never fitted.
    const auto keep_apart = [&](std::string reason) {
      skip(std::move(reason));
      out.batched.push_back(&run);
    };
    if (run.success_rate < 1) {
      keep_apart("success_rate: some requests failed, so the throughput understates the engine");
      continue;
    }
    RunCase c;
    c.run = &run;
    c.hardware = hw;
    c.host = hw->kind == HardwareKind::gpu ? catalog.default_host(*hw) : nullptr;
    c.model = model;
    c.quant = std::shared_ptr<const QuantSpec>(std::shared_ptr<const QuantSpec>(), quant);  // not owned
    c.device_count = std::max(1, run.device_count);
    c.hardware_class = hardware_class(*hw);
    if (run.weight_bytes > 0) {
      const double catalogue_bytes = weight_bytes(*model, *quant).stored;
      const double ratio = run.weight_bytes / catalogue_bytes;
      if (!(std::abs(ratio - 1.0) <= 0.25)) {
        std::ostringstream reason;
        reason.precision(3);
        reason << "weight_bytes: the run states " << units::bytes_to_gb(run.weight_bytes) << " GB, the catalogue has "
               << units::bytes_to_gb(catalogue_bytes) << " GB for " << model->id << " " << quant->id
               << "; the mapping is wrong";
        skip(reason.str());
        continue;
      }
      std::shared_ptr<const QuantSpec>& scaled = rescaled[{quant, ratio}];
      if (!scaled) {
        // Numbers only (no other strings): the bits the stated bytes imply; the id names the element type,
        // which picks a kernel path (BF16 on Vulkan: predict.cpp, bf16_matmul_on_vector_units).
        auto copy = std::make_shared<QuantSpec>();
        copy->id = quant->id;
        copy->format = quant->format;
        copy->kernel = quant->kernel;
        copy->block_bytes = quant->block_bytes;  // the format's blocks (cpu_cost_family) stay as they are
        copy->block_weights = quant->block_weights;
        copy->bits_per_weight = quant->bits_per_weight * ratio;
        copy->expert_bits_per_weight = quant->expert_bits_per_weight * ratio;
        copy->embedding_bits_per_weight = quant->embedding_bits_per_weight * ratio;
        copy->output_bits_per_weight = quant->output_bits_per_weight * ratio;
        scaled = std::move(copy);
      }
      c.quant = scaled;
    }
    const EfficiencyConstants& prior = default_efficiency_profile().lookup(run.backend, run.api, c.hardware_class).constants;
    const MemoryFit fit = fit_memory(c.scenario(), prior);
    c.offload = fit.offload;
    c.gpu_layers = fit.gpu_layers;
    c.cpu_layers = fit.cpu_layers;
    c.offloaded = !fit.fits;
    // Physics: nothing beats the peak bandwidth (decode) or the fastest arithmetic (prefill).
    const Probe p = probe_case(c, prior);
    const bool finite = std::isfinite(p.offset) &&
                        std::all_of(p.decode.begin(), p.decode.end(), [](double x) { return std::isfinite(x); }) &&
                        std::all_of(p.prefill.begin(), p.prefill.end(), [](double x) { return std::isfinite(x); });
    if (!finite) {
      skip("the model gives no finite time for this run (catalogue entry '" + hw->id + "' lacks bandwidth or FLOPs?)");
      continue;
    }
    std::ostringstream reason;
    reason.precision(4);
    if (run.test == RunTest::decode) {
      const double floor_s = p.decode[static_cast<std::size_t>(c.quant->kernel)] + p.decode[kKv];
      const double batch = std::max(1, run.batch);
      if (!c.offloaded && floor_s > 0 && run.tok_s > batch / floor_s) {
        reason << "above the bandwidth roofline: measured " << run.tok_s << " tok/s, peak bandwidth allows at most "
               << batch / floor_s << " tok/s";
        skip(reason.str());
        continue;
      }
    } else {
      const double tensor_peak = std::max(hw->fp16_tflops, hw->int8_tops / 2.0);
      const double fastest = std::max(hw->fp16_tflops, hw->int8_tops);
      const double floor_s = (p.prefill[kCompute] + p.prefill[kAttention]) * tensor_peak / fastest;
      if (!c.offloaded && floor_s > 0 && run.tok_s > static_cast<double>(run.n_prompt) / floor_s) {
        reason << "above the compute roofline: measured " << run.tok_s << " tok/s, peak arithmetic allows at most "
               << static_cast<double>(run.n_prompt) / floor_s << " tok/s";
        skip(reason.str());
        continue;
      }
    }
    out.cases.push_back(c);
  }
  return out;
}

double predict_run_tok_s(const RunCase& c, const EfficiencyConstants& k) noexcept {
  const Scenario s = c.scenario();
  if (c.run->test == RunTest::decode) {
    const double t =
        decode_seconds_per_token(s, c.placement(), k, c.run->mean_depth_tokens()) + serving_prefill_seconds(c, k);
    return t > 0 && std::isfinite(t) ? std::max(1, c.run->batch) / t : 0.0;
  }
  const double tokens = static_cast<double>(c.run->n_prompt);
  const double t = prefill_seconds(s, c.placement(), k, tokens, static_cast<double>(c.run->n_depth));
  return t > 0 && std::isfinite(t) ? tokens / t : 0.0;
}

ErrorSummary summarise_errors(std::vector<double> ape) {
  ErrorSummary s;
  s.n = static_cast<int>(ape.size());
  if (ape.empty()) return s;
  s.mape_pct = std::accumulate(ape.begin(), ape.end(), 0.0) / static_cast<double>(ape.size());
  std::sort(ape.begin(), ape.end());
  const std::size_t mid = ape.size() / 2;
  s.median_ape_pct = ape.size() % 2 == 1 ? ape[mid] : 0.5 * (ape[mid - 1] + ape[mid]);
  return s;
}

ValidationReport validate_runs(const std::vector<RunCase>& cases, const EfficiencyProfile& profile) {
  ValidationReport report;
  std::array<std::vector<double>, kErrorBuckets> ape;
  report.runs.reserve(cases.size());
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const RunCase& c = cases[i];
    const ProfileEntry& entry =
        profile.lookup_era(c.run->backend, c.run->api, c.hardware_class, c.run->era, c.hardware->gpu_family);
    RunError e;
    e.case_index = i;
    e.measured_tok_s = c.run->tok_s;
    e.predicted_tok_s = predict_run_tok_s(c, entry.constants);
    e.ape_pct = ape_pct(e.predicted_tok_s, e.measured_tok_s);
    ape[error_bucket(c)].push_back(e.ape_pct);
    report.runs.push_back(e);
  }
  report.decode = summarise_errors(std::move(ape[0]));
  report.prefill = summarise_errors(std::move(ape[1]));
  report.batched_decode = summarise_errors(std::move(ape[2]));
  return report;
}

namespace {

/// Runs that fit on the accelerator (offloaded runs are predicted, not fitted); refuses what determines
/// nothing: fewer than 3 runs, or runs of one chip.
std::vector<char> usable_runs(const std::vector<RunCase>& cases, CalibrationReport& report) {
  std::vector<char> usable(cases.size(), 0);
  std::set<std::string> chips;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    if (cases[i].offloaded) {
      ++report.offloaded_runs;
      continue;
    }
    usable[i] = 1;
    chips.insert(cases[i].hardware->id);
  }
  const int usable_count = static_cast<int>(std::count(usable.begin(), usable.end(), 1));
  if (usable_count < 3)
    throw InputError("calibrate: " + std::to_string(usable_count) +
                     " usable run(s); fitting needs at least 3 (and runs from 2 or more chips)");
  return usable;
}

/// Refuses a fit in which no backend's constants are determined, saying why for each.
void require_something_fitted(const Data& data, const Hierarchy& h) {
  if (std::any_of(h.backend_fitted.begin(), h.backend_fitted.end(), [](char f) { return f != 0; })) return;
  std::string why;
  for (std::size_t b = 0; b < data.backends.size(); ++b)
    for (int test = 0; test < kTests; ++test)
      if (!h.determination[static_cast<std::size_t>(test)][b].refusal.empty())
        why += std::string(why.empty() ? "" : "; ") + std::string(to_string(data.backends[b])) + " " +
               (test == 0 ? "decode" : "prefill") + ": " + h.determination[static_cast<std::size_t>(test)][b].refusal;
  throw InputError("calibrate: the runs determine no constants (" + why + ")");
}

/// The report's groups: backend-wide fits first, then classes, then eras, each with its constants and
/// estimates; notes for backends whose constants stay at literature values.
void report_groups(const Data& data, const Hierarchy& h, const EfficiencyProfile& before, CalibrationReport& report) {
  for (std::size_t b = 0; b < data.backends.size(); ++b) {
    GroupFit g;
    g.backend = data.backends[b];
    g.label = std::string(to_string(g.backend)) + " · " +
              (data.kinds[b] == HardwareKind::gpu       ? "GPUs"
               : data.kinds[b] == HardwareKind::unified ? "unified-memory chips"
                                                        : "CPUs") +
              " pooled (the shrinkage target of their classes and software)";
    g.decode_runs = h.backend_fit[0][b].runs;
    g.prefill_runs = h.backend_fit[1][b].runs;
    std::set<int> hw;
    for (int test = 0; test < kTests; ++test)
      for (const Row& r : data.rows[static_cast<std::size_t>(test)])
        if (r.backend == static_cast<int>(b)) hw.insert(r.hardware);
    g.hardware_count = static_cast<int>(hw.size());
    g.decode = estimates(0, h.backend_fit[0][b], h.determination[0][b], "", Level::backend);
    g.prefill = estimates(1, h.backend_fit[1][b], h.determination[1][b], "", Level::backend);
    g.decode_condition_number = h.determination[0][b].condition_number;
    g.prefill_condition_number = h.determination[1][b].condition_number;
    g.constants = constants_of(backend_prior(before, g.backend), h.backend_fit[0][b].theta, h.backend_fit[1][b].theta,
                               h.kernel_has_data[b], h.float_gemm_fitted[b]);
    report.groups.push_back(g);
    for (int test = 0; test < kTests; ++test)
      if (!h.determination[static_cast<std::size_t>(test)][b].fittable && h.backend_fit[static_cast<std::size_t>(test)][b].runs > 0)
        report.notes.push_back(std::string(to_string(g.backend)) + (test == 0 ? " decode" : " prefill") +
                               " constants kept at literature values: " +
                               h.determination[static_cast<std::size_t>(test)][b].refusal);
  }
  auto add_group = [&](const GroupKey& key, const Solution& decode, const Solution& prefill, const std::string& parent,
                       Level level, auto in_group) {
    const std::size_t b = top_of(data, key.backend, key.api, key.hw_class);
    GroupFit g;
    g.backend = key.backend;
    g.api = key.api;
    if (level == Level::hardware) g.hardware_class = key.hw_class;
    g.era = key.era;
    g.label = level == Level::hardware
                  ? group_label(key.backend, key.api, key.hw_class, "") + " (shares of peak)"
                  : group_label(key.backend, key.api, std::nullopt, key.era.empty() ? "unstated" : key.era) +
                        " (software constants, all chips)";
    g.decode_runs = decode.runs;
    g.prefill_runs = prefill.runs;
    std::set<int> hw;
    for (int test = 0; test < kTests; ++test)
      for (const Row& r : data.rows[static_cast<std::size_t>(test)])
        if (in_group(r)) hw.insert(r.hardware);
    g.hardware_count = static_cast<int>(hw.size());
    g.decode = estimates(0, decode, h.determination[0][b], parent, level);
    g.prefill = estimates(1, prefill, h.determination[1][b], parent, level);
    g.constants = constants_of(prior_for(before, key.backend, key.api, key.hw_class), decode.theta, prefill.theta,
                               h.kernel_has_data[b], h.float_gemm_fitted[b]);
    report.groups.push_back(g);
  };
  for (std::size_t g = 0; g < data.class_groups.size(); ++g)
    add_group(data.class_groups[g], h.class_fit[0][g], h.class_fit[1][g],
              std::string(to_string(data.class_groups[g].backend)) + " pooled", Level::hardware,
              [g](const Row& r) { return r.class_group == static_cast<int>(g); });
  for (std::size_t e = 0; e < data.era_groups.size(); ++e)
    add_group(data.era_groups[e], h.era_fit[0][e], h.era_fit[1][e],
              std::string(to_string(data.era_groups[e].backend)) + " pooled", Level::software,
              [e](const Row& r) { return r.era_group == static_cast<int>(e); });
}

/// Errors before (the given profile) and after (the fit), over the fitted runs, and the worst ten.
void in_sample_errors(const std::vector<RunCase>& cases, const std::vector<char>& usable,
                      const EfficiencyProfile& before, CalibrationReport& report) {
  std::array<std::vector<double>, kErrorBuckets> before_ape, after_ape;
  std::vector<std::uint32_t> fitted;  // case indices (build_data refuses more than 2^32 cases)
  report.predicted_before.assign(cases.size(), 0.0);
  report.predicted_after.assign(cases.size(), 0.0);
  for (std::size_t i = 0; i < cases.size(); ++i) {
    if (!usable[i]) continue;
    const RunCase& c = cases[i];
    const double measured = c.run->tok_s;
    const double predicted_before =
        predict_run_tok_s(c, before.lookup_era(c.run->backend, c.run->api, c.hardware_class, c.run->era,
                                               c.hardware->gpu_family)
                                 .constants);
    const double predicted_after =
        predict_run_tok_s(c, report.profile
                                 .lookup_era(c.run->backend, c.run->api, c.hardware_class, c.run->era,
                                             c.hardware->gpu_family)
                                 .constants);
    report.predicted_before[i] = predicted_before;
    report.predicted_after[i] = predicted_after;
    before_ape[error_bucket(c)].push_back(ape_pct(predicted_before, measured));
    after_ape[error_bucket(c)].push_back(ape_pct(predicted_after, measured));
    fitted.push_back(static_cast<std::uint32_t>(i));
  }
  report.decode_before = summarise_errors(std::move(before_ape[0]));
  report.prefill_before = summarise_errors(std::move(before_ape[1]));
  report.decode_after = summarise_errors(std::move(after_ape[0]));
  report.prefill_after = summarise_errors(std::move(after_ape[1]));
  report.batched_before = summarise_errors(std::move(before_ape[2]));
  report.batched_after = summarise_errors(std::move(after_ape[2]));
  // The worst ten: indices sorted by the error recomputed from the stored prediction (4 bytes a run, not a
  // RunError each); the comparisons are those of sorting whole RunErrors, so ties fall the same way.
  const auto after_error = [&](std::uint32_t i) { return ape_pct(report.predicted_after[i], cases[i].run->tok_s); };
  std::sort(fitted.begin(), fitted.end(), [&](std::uint32_t a, std::uint32_t b) { return after_error(a) > after_error(b); });
  for (std::size_t k = 0; k < fitted.size() && k < 10; ++k) {
    const std::uint32_t i = fitted[k];
    report.worst.push_back({i, report.predicted_after[i], cases[i].run->tok_s, after_error(i)});
  }
}

/// The cross-validation unit a run belongs to under `unit`.
std::string fold_name(const RunCase& c, const Data& d, int class_group, CrossValidationUnit unit) {
  switch (unit) {
    case CrossValidationUnit::hardware: return c.hardware->id;
    case CrossValidationUnit::model: return c.model->id;
    case CrossValidationUnit::hardware_class: return std::to_string(class_group);
    case CrossValidationUnit::source: {
      // The publication: a run's source up to its first space (a URL, without the build or transcription
      // notes after it), else the file it was read from.
      const std::string& source = c.run->source.str();
      const std::string publication = source.substr(0, source.find_first_of(" \t"));
      return publication.empty() ? c.run->file.str() : publication;
    }
  }
  (void)d;
  return c.hardware->id;
}

/// Reassigns every row to its fold under `unit`.
void set_folds(const std::vector<RunCase>& cases, CrossValidationUnit unit, Data& d) {
  std::map<std::string, int> index;
  d.folds.clear();
  for (auto& rows : d.rows)
    for (Row& r : rows) {
      const auto f = index.try_emplace(fold_name(cases[r.case_index], d, r.class_group, unit), static_cast<int>(d.folds.size()));
      if (f.second) d.folds.push_back(f.first->first);
      r.fold = f.first->second;
    }
}

/// Per case (index as in the input): the tokens/s a fit without the case's fold predicts (0 = not predicted).
struct CvPredictions {
  std::vector<double> predicted;
  int unpredicted = 0;  // held-out runs whose engine had no other runs of their test
};

/// Refits without each fold in turn (exactly, or by downdating the full fit's normal equations) and
/// predicts the fold's runs. A held-out run whose engine and test are left with no determined fit is
/// predicted with the literature defaults when `literature_fallback` (what a class without runs gets: the
/// leave-one-class-out figure), else not predicted.
CvPredictions cross_validate(const std::vector<RunCase>& cases, const Data& data, const Hierarchy& full,
                             const EfficiencyProfile& before, const CalibrationOptions& options, bool literature_fallback,
                             Workspace& ws);

/// Mean, median and mean signed error of the predicted runs, per engine × API and per engine × API × class.
std::vector<GroupError> group_errors(const std::vector<RunCase>& cases, const Data& data,
                                     const std::vector<double>& predicted) {
  struct Tally {
    std::vector<double> ape;
    double signed_sum = 0;
    double weight_sum = 0, weighted_ape_sum = 0;
    std::set<int> chips, folds;
  };
  // Key: backend, api, class (-1 = every class), error bucket (decode, prefill, batched decode).
  std::map<std::tuple<int, int, int, int>, Tally> tallies;
  for (int test = 0; test < kTests; ++test)
    for (const Row& r : data.rows[static_cast<std::size_t>(test)]) {
      const double p = predicted[r.case_index];
      if (!(p > 0)) continue;
      const RunCase& c = cases[r.case_index];
      const double measured = c.run->tok_s;
      const int bucket = static_cast<int>(error_bucket(c));
      for (const int hw_class : {-1, static_cast<int>(c.hardware_class)}) {
        Tally& t = tallies[{static_cast<int>(c.run->backend), static_cast<int>(c.run->api), hw_class, bucket}];
        t.ape.push_back(ape_pct(p, measured));
        t.signed_sum += 100.0 * (p - measured) / measured;
        t.weight_sum += r.weight;
        t.weighted_ape_sum += r.weight * t.ape.back();
        t.chips.insert(r.hardware);
        t.folds.insert(r.fold);
      }
    }
  std::vector<GroupError> out;
  for (auto& [key, t] : tallies) {
    const auto& [backend, api, hw_class, bucket] = key;
    GroupError g;
    g.backend = static_cast<Backend>(backend);
    g.api = static_cast<DeviceApi>(api);
    if (hw_class >= 0) g.hardware_class = static_cast<HardwareClass>(hw_class);
    g.test = bucket == 1 ? RunTest::prefill : RunTest::decode;
    g.batched = bucket == 2;
    g.label = std::string(to_string(g.backend)) + " · " + std::string(to_string(g.api)) +
              (g.hardware_class ? " · " + std::string(to_string(*g.hardware_class)) : std::string());
    g.n = static_cast<int>(t.ape.size());
    g.chips = static_cast<int>(t.chips.size());
    g.folds = static_cast<int>(t.folds.size());
    g.signed_pct = t.signed_sum / g.n;
    g.configurations = t.weight_sum;
    g.configuration_mape_pct = t.weight_sum > 0 ? t.weighted_ape_sum / t.weight_sum : 0;
    const ErrorSummary s = summarise_errors(std::move(t.ape));
    g.mape_pct = s.mape_pct;
    g.median_ape_pct = s.median_ape_pct;
    out.push_back(std::move(g));
  }
  return out;
}

CvPredictions cross_validate(const std::vector<RunCase>& cases, const Data& data, const Hierarchy& full,
                             const EfficiencyProfile& before, const CalibrationOptions& options, bool literature_fallback,
                             Workspace& ws) {
  CvPredictions out;
  out.predicted.assign(cases.size(), 0.0);
  std::vector<Hierarchy> downdated;
  if (options.downdate) downdated = downdated_fits(data, full, before, options);
  // Each fold's rows (test, row), in the order of the rows.
  std::vector<std::vector<std::pair<int, const Row*>>> fold_rows(data.folds.size());
  for (int test = 0; test < kTests; ++test)
    for (const Row& r : data.rows[static_cast<std::size_t>(test)])
      fold_rows[static_cast<std::size_t>(r.fold)].emplace_back(test, &r);
  for (std::size_t held = 0; held < data.folds.size(); ++held) {
    Hierarchy refitted;
    if (!options.downdate) {
      std::vector<char> include(data.folds.size(), 1);
      include[held] = 0;
      refitted = fit_hierarchy(data, include, before, options, ws);
    }
    const Hierarchy& fold = options.downdate ? downdated[held] : refitted;
    const EfficiencyProfile fold_profile = build_profile(data, fold, before, options);
    for (const auto& [test, row] : fold_rows[held]) {
      const Row& r = *row;
      const RunCase& c = cases[r.case_index];
      const auto b = static_cast<std::size_t>(r.backend);
      // Without a fit of its engine and test the profile falls back to the literature constants.
      if (!literature_fallback &&
          (!fold.backend_fitted[b] || !fold.determination[static_cast<std::size_t>(test)][b].fittable)) {
        ++out.unpredicted;
        continue;
      }
      out.predicted[r.case_index] = predict_run_tok_s(
          c, fold_profile
                 .lookup_era(c.run->backend, c.run->api, c.hardware_class, c.run->era, c.hardware->gpu_family)
                 .constants);
    }
  }
  return out;
}

const GroupError* find_group(const std::vector<GroupError>& groups, Backend backend, DeviceApi api,
                             std::optional<HardwareClass> hw_class, RunTest test) {
  for (const GroupError& g : groups)
    if (g.backend == backend && g.api == api && g.hardware_class == hw_class && g.test == test && !g.batched) return &g;
  return nullptr;
}

/// The fewest held-out runs a group's own cross-validated figure is drawn from; below it, the pooled one.
constexpr int kMinGroupRuns = 5;

/// Uncertainty ranges on the entries, each saying where it comes from: the leave-one-hardware-out error of
/// the entry's engine × API × class (≥ 5 held-out runs; else the pooled one), and for a class measured on one
/// chip also its leave-one-model-out error on that chip. Groups without runs: the leave-one-class-out error
/// (the median over the held-out classes), kept as the profile's `unmeasured` figure. Without
/// cross-validation: the in-sample error, said so.
void set_uncertainty(const Data& data, const std::vector<GroupError>& loho, const std::vector<GroupError>& lomo,
                     const std::vector<GroupError>& loco, const CalibrationOptions& options, CalibrationReport& report) {
  const bool cv = options.cross_validate;
  // Runs of one chip: the entries' figures are leave-one-model-out (`loho` holds them).
  const char* scheme = data.one_chip ? "leave-one-model-out" : "leave-one-hardware-out";
  const auto references = generation_reference_engines(data);
  for (ProfileEntry& entry : report.profile.entries) {
    if (entry.fitted_runs == 0) continue;  // layered over another profile: its own figure stays
    const bool via_llama = entry.backend == Backend::ollama &&
                           std::none_of(data.backends.begin(), data.backends.end(), [](Backend b) { return b == Backend::ollama; });
    const Backend fitted_backend = via_llama ? Backend::llama_cpp : entry.backend;
    double decode = (cv ? report.decode_cv : report.decode_after).mape_pct;
    double prefill = (cv ? report.prefill_cv : report.prefill_after).mape_pct;
    std::string basis = cv ? std::string(scheme) + ", all runs pooled" : "in sample (not cross-validated)";
    const std::optional<HardwareClass> hw_class = entry.hardware_class;
    std::string own_words;  // an engine measured on one chip: what its own range rests on, in short
    if (cv && entry.api && hw_class) {
      const GroupError* d = find_group(loho, fitted_backend, *entry.api, hw_class, RunTest::decode);
      const GroupError* p = find_group(loho, fitted_backend, *entry.api, hw_class, RunTest::prefill);
      if (d != nullptr && d->n >= kMinGroupRuns) decode = d->mape_pct;
      if (p != nullptr && p->n >= kMinGroupRuns) prefill = p->mape_pct;
      const int runs = (d ? d->n : 0) + (p ? p->n : 0);
      const int chips = std::max(d ? d->chips : 0, p ? p->chips : 0);
      if (runs > 0)
        basis = fmt::format("{}, {} decode and {} prefill runs on {} chip{}", scheme, d ? d->n : 0, p ? p->n : 0, chips,
                            chips == 1 ? "" : "s");
      if (runs == 0 && !data.one_chip) {
        // No other chip of the engine to hold this one out against: its own runs, one model at a time.
        const GroupError* md = find_group(lomo, fitted_backend, *entry.api, hw_class, RunTest::decode);
        const GroupError* mp = find_group(lomo, fitted_backend, *entry.api, hw_class, RunTest::prefill);
        if (md != nullptr && md->n >= kMinGroupRuns) decode = md->mape_pct;
        if (mp != nullptr && mp->n >= kMinGroupRuns) prefill = mp->mape_pct;
        own_words = fmt::format("leave-one-model-out on its one chip, {} decode and {} prefill runs", md ? md->n : 0,
                                mp ? mp->n : 0);
        if (md != nullptr || mp != nullptr)
          basis = fmt::format("one chip measured and no other chip of the engine: leave-one-model-out on it, {} decode "
                              "and {} prefill runs; how far another chip is off is not measured",
                              md ? md->n : 0, mp ? mp->n : 0);
        // Where another engine measured the class's GPU generations, the entries of the generations this engine
        // has no runs on take that engine's shares of peak (below); this entry serves the others.
        const auto reference = references.find({*entry.api, *hw_class});
        if (reference != references.end() && reference->second != fitted_backend)
          basis = fmt::format("one chip measured and no other chip of the engine: leave-one-model-out on it, {} decode "
                              "and {} prefill runs; how far another chip of its GPU generation is off is not measured "
                              "(a generation {} · {} measured has an entry of its own, with that generation's shares "
                              "of peak)",
                              md ? md->n : 0, mp ? mp->n : 0, to_string(reference->second), to_string(*entry.api));
      } else if (chips == 1 && !data.one_chip) {
        // One chip of the class: held out, the class has no runs left and gets the literature constants, which
        // says nothing of another chip with this entry. The range is the measured chip's own leave-one-model-out
        // error; the words give the other figure.
        const GroupError* md = find_group(lomo, fitted_backend, *entry.api, hw_class, RunTest::decode);
        const GroupError* mp = find_group(lomo, fitted_backend, *entry.api, hw_class, RunTest::prefill);
        const double unseen_decode = decode, unseen_prefill = prefill;
        if (md != nullptr && md->n >= kMinGroupRuns) decode = md->mape_pct;
        if (mp != nullptr && mp->n >= kMinGroupRuns) prefill = mp->mape_pct;
        basis = fmt::format("one chip measured: leave-one-model-out on it, {} decode and {} prefill runs; another chip "
                            "of the class is not measured (held out whole, the class gets the constants of a class "
                            "without runs: ±{:.0f} % decode, ±{:.0f} % prefill)",
                            md ? md->n : 0, mp ? mp->n : 0, unseen_decode, unseen_prefill);
      }
      if (via_llama) basis += " (llama.cpp runs; no Ollama runs)";
      // A GPU generation the engine has no runs on (add_borrowed_generations): its shares of peak are the reference
      // engine's for that generation relative to the engine's own. That step misses as the reference engine misses
      // a chip it never saw (its leave-one-hardware-out error), independently of the engine's own error: the two
      // add in quadrature.
      const auto reference = references.find({*entry.api, *hw_class});
      if (!data.one_chip && !entry.gpu_family.empty() && reference != references.end() &&
          reference->second != fitted_backend &&
          !has_generation(data, fitted_backend, *entry.api, *hw_class, entry.gpu_family)) {
        const GroupError* rd = find_group(loho, reference->second, *entry.api, hw_class, RunTest::decode);
        const GroupError* rp = find_group(loho, reference->second, *entry.api, hw_class, RunTest::prefill);
        const double own_decode = decode, own_prefill = prefill;
        if (rd != nullptr && rd->n >= kMinGroupRuns) decode = std::hypot(decode, rd->mape_pct);
        if (rp != nullptr && rp->n >= kMinGroupRuns) prefill = std::hypot(prefill, rp->mape_pct);
        basis = fmt::format("no runs on {0} chips: {1} · {2}'s own fit ({3}: ±{4:.0f} % / ±{5:.0f} %) with {6} · {2}'s "
                            "{0} shares of peak bandwidth and FLOPs relative to the generation {1} was measured on, "
                            "which miss a chip {6} never saw by ±{7:.0f} % / ±{8:.0f} % (leave-one-hardware-out, {9} "
                            "chips); the two added in quadrature",
                            entry.gpu_family, to_string(fitted_backend), to_string(*entry.api),
                            own_words.empty() ? basis : own_words, own_decode,
                            own_prefill, to_string(reference->second), rd ? rd->mape_pct : 0.0,
                            rp ? rp->mape_pct : 0.0, std::max(rd ? rd->chips : 0, rp ? rp->chips : 0));
      }
    }
    entry.uncertainty.known = true;
    entry.uncertainty.decode_relative_error = decode / 100.0;
    entry.uncertainty.prefill_relative_error = prefill / 100.0;
    entry.uncertainty.basis = std::move(basis);
  }
  // Classes without runs: the typical (median) error over the classes held out whole. Held out, a class of an
  // engine with other classes gets its parent's constants (the entries without runs of their own); the only
  // class of an engine gets the literature constants. The profile's `unmeasured` figure pools both.
  std::array<std::vector<double>, kTests> per_class, per_inherited;
  int classes = 0, inherited = 0;
  for (const GroupError& g : loco) {
    if (!g.hardware_class || g.n < kMinGroupRuns) continue;
    const HardwareKind kind = device_kind(g.api, *g.hardware_class);
    const bool has_parent = std::count_if(data.class_groups.begin(), data.class_groups.end(), [&](const GroupKey& k) {
                              return k.backend == g.backend && device_kind(k.api, k.hw_class) == kind;
                            }) > 1;
    const std::size_t test = g.test == RunTest::decode ? 0 : 1;
    per_class[test].push_back(g.mape_pct);
    if (has_parent) per_inherited[test].push_back(g.mape_pct);
    if (test == 0) {
      ++classes;
      if (has_parent) ++inherited;
    }
  }
  if (!per_class[0].empty() && !per_class[1].empty()) {
    report.profile.unmeasured.known = true;
    report.profile.unmeasured.decode_relative_error = summarise_errors(per_class[0]).median_ape_pct / 100.0;
    report.profile.unmeasured.prefill_relative_error = summarise_errors(per_class[1]).median_ape_pct / 100.0;
    report.profile.unmeasured.basis =
        fmt::format("leave-one-class-out: the median error over {} engine · API · class groups, each predicted "
                    "without its runs",
                    classes);
  }
  // Entries without runs of their own: the median over the classes held out that way, else (no class held out
  // had one) the figure for groups without runs.
  const bool borrowed_measured = !per_inherited[0].empty() && !per_inherited[1].empty();
  if (!borrowed_measured && !report.profile.unmeasured.known) return;
  const double decode = borrowed_measured ? summarise_errors(per_inherited[0]).median_ape_pct / 100.0
                                          : report.profile.unmeasured.decode_relative_error;
  const double prefill = borrowed_measured ? summarise_errors(per_inherited[1]).median_ape_pct / 100.0
                                           : report.profile.unmeasured.prefill_relative_error;
  const std::string how =
      borrowed_measured ? fmt::format("leave-one-class-out, the median over {} groups each predicted that way without "
                                      "its runs",
                                      inherited)
                        : "no class here could be held out that way: " + report.profile.unmeasured.basis;
  for (ProfileEntry& entry : report.profile.entries) {
    if (entry.fitted_runs > 0 || entry.uncertainty.known) continue;
    entry.uncertainty.known = true;
    entry.uncertainty.decode_relative_error = decode;
    entry.uncertainty.prefill_relative_error = prefill;
    entry.uncertainty.basis = "constants borrowed from related groups (" + entry.note + "); " + how;
  }
}

/// The headline figure: each engine · API group measured on two or more chips by leave-one-hardware-out, one
/// measured on one chip by leave-one-model-out; runs weighted by their configuration weight (repeats count once).
void headline_errors(const std::vector<RunCase>& cases, const Data& data, const std::vector<double>& loho,
                     const std::vector<double>& lomo, CalibrationReport& report) {
  std::map<std::pair<Backend, DeviceApi>, std::set<int>> chips;
  for (const auto& rows : data.rows)
    for (const Row& r : rows) chips[{cases[r.case_index].run->backend, cases[r.case_index].run->api}].insert(r.hardware);
  for (const auto& [group, set] : chips)
    if (set.size() == 1)
      report.headline_one_chip_groups.push_back(std::string(to_string(group.first)) + " · " +
                                                std::string(to_string(group.second)));
  for (int test = 0; test < kTests; ++test) {
    std::vector<std::pair<double, double>> scored;  // (APE, configuration weight)
    for (const Row& r : data.rows[static_cast<std::size_t>(test)]) {
      const RunCase& c = cases[r.case_index];
      if (error_bucket(c) == 2) continue;  // batched decode has its own line; the headline is batch 1
      const bool one_chip = chips[{c.run->backend, c.run->api}].size() == 1;
      const double p = (one_chip ? lomo : loho)[r.case_index];
      if (!(p > 0)) continue;
      scored.emplace_back(ape_pct(p, c.run->tok_s), r.weight);
    }
    ErrorSummary s;
    double weight = 0, sum = 0;
    for (const auto& [ape, w] : scored) {
      weight += w;
      sum += w * ape;
    }
    s.n = static_cast<int>(scored.size());
    if (weight > 0) {
      s.mape_pct = sum / weight;
      std::sort(scored.begin(), scored.end());
      double below = 0;
      for (const auto& [ape, w] : scored) {
        below += w;
        if (below >= weight / 2) {
          s.median_ape_pct = ape;
          break;
        }
      }
    }
    (test == 0 ? report.decode_headline : report.prefill_headline) = s;
    (test == 0 ? report.decode_headline_configurations : report.prefill_headline_configurations) = weight;
  }
}

/// Runs of one machine: its entries replace the profile's for its engine × API × class; every other entry
/// stays the profile's. The notes say which constants the runs moved (by more than 2 % and more than their
/// standard error would explain by chance).
void layer_over(const EfficiencyProfile& before, const std::string& chip, CalibrationReport& report) {
  const std::size_t fitted_count = report.profile.entries.size();
  for (std::size_t i = 0; i < fitted_count; ++i) {
    ProfileEntry& entry = report.profile.entries[i];
    const ProfileEntry& old = before.lookup_era(entry.backend, entry.api.value_or(DeviceApi::cuda),
                                                entry.hardware_class.value_or(HardwareClass::nvidia_consumer), entry.era,
                                                entry.gpu_family);
    entry.note += "; runs of " + chip + " only, other constants kept at '" + before.name + "'";
    std::ostringstream moved;
    moved.precision(3);
    auto compare = [&](std::string_view name, double was, double now) {
      if (!(std::abs(now - was) > 0.02 * std::max(std::abs(was), 1e-9))) return;
      moved << (moved.tellp() > 0 ? "; " : "") << name << " " << was << " -> " << now;
    };
    for (const ConstantField& f : kConstantFields) compare(f.name, old.constants.*(f.member), entry.constants.*(f.member));
    for (QuantKernel k : kAllQuantKernels)
      compare("bandwidth share of " + std::string(to_string(k)) + " kernels",
              old.constants.weight_bandwidth_efficiency * old.constants.kernel(k),
              entry.constants.weight_bandwidth_efficiency * entry.constants.kernel(k));
    const std::string key = std::string(to_string(entry.backend)) +
                            (entry.api ? " · " + std::string(to_string(*entry.api)) : std::string()) +
                            (entry.hardware_class ? " · " + std::string(to_string(*entry.hardware_class)) : std::string()) +
                            (entry.era.empty() ? std::string() : " · era " + entry.era) +
                            (entry.gpu_family.empty() ? std::string() : " · " + entry.gpu_family);
    report.notes.push_back(moved.tellp() > 0 ? "moved by the runs of " + chip + " (" + key + "): " + moved.str()
                                             : "the runs of " + chip + " moved no constant of " + key + " by 2 % or more");
  }
  for (const ProfileEntry& e : before.entries) {
    const bool replaced = std::any_of(report.profile.entries.begin(), report.profile.entries.begin() + static_cast<std::ptrdiff_t>(fitted_count),
                                      [&](const ProfileEntry& n) {
                                        return n.backend == e.backend && n.api == e.api && n.hardware_class == e.hardware_class &&
                                               n.era == e.era && n.gpu_family == e.gpu_family;
                                      });
    if (!replaced) report.profile.entries.push_back(e);
  }
  report.notes.push_back("runs of one chip (" + chip + "): fitted what they determine, shrunk toward '" + before.name +
                         "', layered over it; cross-validated by leaving one model out");
}

}  // namespace

CalibrationReport calibrate(const std::vector<RunCase>& cases, const EfficiencyProfile& before,
                            const CalibrationOptions& options) {
  CalibrationReport report;
  const std::vector<char> usable = usable_runs(cases, report);
  Data data = build_data(cases, usable, before);
  const CrossValidationUnit unit =
      options.cross_validation_unit.value_or(data.one_chip ? CrossValidationUnit::model : CrossValidationUnit::hardware);
  if (data.one_chip && options.cross_validate &&
      (unit == CrossValidationUnit::hardware || unit == CrossValidationUnit::hardware_class))
    throw InputError("calibrate: all runs are of one chip (" + data.hardware.front() + "): leaving one " +
                     std::string(to_string(unit)) + " out leaves nothing to fit; use " + field("cross_validation_unit") + " model or source");
  report.cross_validation_unit = std::string(to_string(unit));
  Workspace ws;
  Hierarchy h = fit_hierarchy(data, std::vector<char>(data.folds.size(), 1), before, options, ws);
  require_something_fitted(data, h);
  report.profile = build_profile(data, h, before, options);
  // A serving rate pays each request's prefill (serving_prefill_seconds), a fixed part of the decode fit: priced
  // with the fitted prefill constants, as every prediction prices it, not the literature's (vLLM on 4x MI100
  // prefills at a tenth of the tensor peak, not the prior's 45 %). The prefill fit does not depend on the decode
  // runs, so one refit with the fitted profile settles it.
  const bool serving_runs = std::any_of(cases.begin(), cases.end(), [&](const RunCase& c) {
    return usable[static_cast<std::size_t>(&c - cases.data())] && c.run->rate_includes_prefill;
  });
  if (serving_runs) {
    const EfficiencyProfile fitted = report.profile;
    data = build_data(cases, usable, before, &fitted);
    h = fit_hierarchy(data, std::vector<char>(data.folds.size(), 1), before, options, ws);
    report.profile = build_profile(data, h, before, options);
  }
  report.decode_runs = static_cast<int>(data.rows[0].size());
  report.prefill_runs = static_cast<int>(data.rows[1].size());
  report.hardware_count = static_cast<int>(data.hardware.size());
  report_groups(data, h, before, report);
  in_sample_errors(cases, usable, before, report);

  // Cross-validation: the scheme asked for, for the report; leave-one-hardware-out (or -model-out for one
  // chip), -model-out and -class-out for the profile's uncertainty ranges.
  report.predicted_cv.assign(cases.size(), 0.0);
  std::vector<GroupError> loho, lomo, loco;
  if (options.cross_validate) {
    auto run = [&](CrossValidationUnit u) {
      set_folds(cases, u, data);
      CvPredictions cv = cross_validate(cases, data, h, before, options, u == CrossValidationUnit::hardware_class, ws);
      std::vector<GroupError> groups = group_errors(cases, data, cv.predicted);
      return std::make_pair(std::move(cv), std::move(groups));
    };
    // Not a structured binding: clang 14 (the page's Emscripten) cannot capture one in the lambda below.
    auto reported_run = run(unit);
    CvPredictions& reported = reported_run.first;
    const std::vector<GroupError>& reported_groups = reported_run.second;
    report.predicted_cv = std::move(reported.predicted);
    report.cv_unpredicted = reported.unpredicted;
    report.cv_groups = reported_groups;
    std::array<std::vector<double>, kErrorBuckets> cv_ape;
    for (int test = 0; test < kTests; ++test)
      for (const Row& r : data.rows[static_cast<std::size_t>(test)])
        if (report.predicted_cv[r.case_index] > 0)
          cv_ape[error_bucket(cases[r.case_index])].push_back(
              ape_pct(report.predicted_cv[r.case_index], cases[r.case_index].run->tok_s));
    report.decode_cv = summarise_errors(std::move(cv_ape[0]));
    report.prefill_cv = summarise_errors(std::move(cv_ape[1]));
    report.batched_cv = summarise_errors(std::move(cv_ape[2]));
    std::vector<double> loho_predicted, lomo_predicted;
    auto groups_of = [&](CrossValidationUnit u) {
      if (u == unit) {
        if (u == CrossValidationUnit::hardware) loho_predicted = report.predicted_cv;
        if (u == CrossValidationUnit::model) lomo_predicted = report.predicted_cv;
        return reported_groups;
      }
      auto result = run(u);
      if (u == CrossValidationUnit::hardware) loho_predicted = std::move(result.first.predicted);
      if (u == CrossValidationUnit::model) lomo_predicted = std::move(result.first.predicted);
      return std::move(result.second);
    };
    if (data.one_chip) {
      loho = groups_of(CrossValidationUnit::model);
    } else {
      loho = groups_of(CrossValidationUnit::hardware);
      lomo = groups_of(CrossValidationUnit::model);
      loco = groups_of(CrossValidationUnit::hardware_class);
      headline_errors(cases, data, loho_predicted, lomo_predicted, report);
    }
  }
  set_uncertainty(data, loho, lomo, loco, options, report);
  if (data.one_chip) {
    report.layered = true;
    report.profile.unmeasured = before.unmeasured;
    layer_over(before, data.hardware.front(), report);
  }
  if (report.offloaded_runs > 0)
    report.notes.push_back(std::to_string(report.offloaded_runs) +
                           " run(s) do not fit on the accelerator per the catalogue: predicted with offload, not fitted");
  return report;
}

}  // namespace llmfit

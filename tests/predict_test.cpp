// Formulas of the performance model against hand-computed values.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "llmfit/expert_routing.hpp"
#include "llmfit/io.hpp"
#include "llmfit/llmfit.hpp"
#include "llmfit/report.hpp"

namespace llmfit {
namespace {

// A Llama-2-7B-shaped model: the arithmetic below is done by hand on these numbers.
ModelSpec llama2_7b_shape() {
  ModelSpec m;
  m.id = "test-7b";
  m.name = "Test 7B";
  m.family = "test";
  m.layers = 32;
  m.hidden_size = 4096;
  m.intermediate_size = 11008;
  m.attention_heads = 32;
  m.kv_heads = 32;
  m.head_dim = 128;
  m.vocab_size = 32000;
  m.max_context = 4096;
  m.default_quant = "q4_0";
  m.source = "test";
  // 6,738,149,376 parameters (see ShapeParamsOfLlama2); anchor to exactly that.
  m.params_b = 6.738149376;
  m.active_params_b = m.params_b;
  return m;
}

QuantSpec q4_0() {
  QuantSpec q;
  q.id = "q4_0";
  q.name = "Q4_0";
  q.format = QuantFormat::gguf;
  q.kernel = QuantKernel::legacy;
  q.bits_per_weight = 4.5;          // 18 bytes per 32 weights
  q.output_bits_per_weight = 6.5625;  // Q6_K
  q.source = "test";
  return q;
}

HardwareSpec test_gpu(double bandwidth_gb_s, double memory_gib) {
  HardwareSpec h;
  h.id = "test-gpu";
  h.name = "Test GPU";
  h.vendor = "nvidia";
  h.kind = HardwareKind::gpu;
  h.memory_options_gib = {memory_gib};
  h.default_memory_gib = memory_gib;
  h.bandwidth_gb_s = bandwidth_gb_s;
  h.fp16_tflops = 100;
  h.tdp_w = 300;
  h.apis = {DeviceApi::cuda};
  h.source = "test";
  return h;
}

/// An RDNA-like AMD GPU on ROCm and Vulkan: 200 TFLOPS of WMMA (FP16) against 50 of vector FP32.
HardwareSpec test_rdna(double bandwidth_gb_s, double memory_gib) {
  HardwareSpec h = test_gpu(bandwidth_gb_s, memory_gib);
  h.vendor = "amd";
  h.apis = {DeviceApi::rocm, DeviceApi::vulkan};
  h.fp16_tflops = 200;
  h.fp32_tflops = 50;
  return h;
}

// Round numbers so the expected times are easy to write down.
EfficiencyConstants simple_constants() {
  EfficiencyConstants k;
  k.weight_bandwidth_efficiency = 0.5;
  k.kernel_efficiency.fill(1.0);
  k.kv_bandwidth_efficiency = 0.25;
  k.layer_overhead_us = 10;
  k.expert_overhead_us = 0;
  k.token_overhead_us = 100;
  k.compute_efficiency = 0.5;
  k.prefill_layer_overhead_us = 0;
  k.runtime_overhead_gib = 0.5;
  k.micro_batch_tokens = 512;
  return k;
}

TEST(ShapeParams, Llama2SevenB) {
  const ParamBreakdown p = shape_params(llama2_7b_shape());
  EXPECT_DOUBLE_EQ(p.embedding, 131'072'000);  // 32000 × 4096
  EXPECT_DOUBLE_EQ(p.output, 131'072'000);     // untied
  // Per layer: Q and O 2·4096·4096 + K and V 2·4096·(32·128) = 67,108,864; × 32 layers.
  EXPECT_DOUBLE_EQ(p.attention, 2'147'483'648);
  // Gated FFN 3·4096·11008 = 135,266,304 per layer; × 32.
  EXPECT_DOUBLE_EQ(p.dense_ffn, 4'328'521'728);
  EXPECT_DOUBLE_EQ(p.total(), 6'738'149'376);  // Meta publishes 6.74 B
}

TEST(ShapeParams, TiedEmbeddingsCountOnce) {
  ModelSpec m = llama2_7b_shape();
  m.tied_embeddings = true;
  const ParamBreakdown p = shape_params(m);
  EXPECT_DOUBLE_EQ(p.output, 0);
  EXPECT_DOUBLE_EQ(p.total(), 6'738'149'376 - 131'072'000);
}

TEST(ShapeParams, MoeActiveExperts) {
  // Qwen3-30B-A3B shape: 48 layers, 128 experts of width 768, 8 active.
  ModelSpec m = llama2_7b_shape();
  m.layers = 48;
  m.hidden_size = 2048;
  m.moe.experts = 128;
  m.moe.experts_per_token = 8;
  m.moe.expert_intermediate_size = 768;
  const ParamBreakdown p = shape_params(m);
  // One expert: 3·2048·768 = 4,718,592; routed = 48·128·that; active = 48·8·that.
  EXPECT_DOUBLE_EQ(p.routed_experts, 48.0 * 128 * 4'718'592);
  EXPECT_DOUBLE_EQ(p.active_routed_experts, 48.0 * 8 * 4'718'592);
  // Routers: 2048·128 per layer.
  EXPECT_DOUBLE_EQ(p.dense_ffn, 48.0 * 2048 * 128);
}

TEST(KvCache, GqaBytesPerToken) {
  // Llama 3 8B: 32 layers × K,V × 8 kv heads × 128 dims × 2 bytes = 131,072 bytes per token.
  ModelSpec m = llama2_7b_shape();
  m.kv_heads = 8;
  EXPECT_DOUBLE_EQ(kv_cache_bytes(m, KvCacheType::f16, 1), 131'072);
  EXPECT_DOUBLE_EQ(kv_cache_bytes(m, KvCacheType::f16, 8192), 1'073'741'824);  // exactly 1 GiB
  // q8_0 stores 34 bytes per 32 elements: 131,072 / 2 × 34/32 = 69,632 per token.
  EXPECT_DOUBLE_EQ(kv_cache_bytes(m, KvCacheType::q8_0, 1), 69'632);
  EXPECT_DOUBLE_EQ(kv_cache_bytes(m, KvCacheType::q4_0, 1), 36'864);  // 65,536 × 18/32
  EXPECT_DOUBLE_EQ(kv_cache_bytes(m, KvCacheType::f16, 0), 0);
}

TEST(KvCache, SlidingWindowAndLinearLayersAreBounded) {
  ModelSpec m = llama2_7b_shape();
  m.layers = 6;
  m.kv_heads = 1;
  m.head_dim = 256;
  m.attention.sliding_window_layers = 5;
  m.attention.sliding_window = 512;
  // Per layer per token: 2 × 1 × 256 × 2 = 1024 bytes. At 4096: 1 full layer × 4096 + 5 × 512 tokens.
  EXPECT_DOUBLE_EQ(kv_cache_bytes(m, KvCacheType::f16, 4096), 1024.0 * (4096 + 5 * 512));
  // Below the window every layer grows: 6 × 256 tokens.
  EXPECT_DOUBLE_EQ(kv_cache_bytes(m, KvCacheType::f16, 256), 1024.0 * 6 * 256);

  ModelSpec hybrid = llama2_7b_shape();
  hybrid.layers = 4;
  hybrid.kv_heads = 1;
  hybrid.head_dim = 256;
  hybrid.attention.linear_attention_layers = 3;
  hybrid.attention.linear_key_heads = 2;
  hybrid.attention.linear_value_heads = 4;
  hybrid.attention.linear_key_head_dim = 8;
  hybrid.attention.linear_value_head_dim = 16;
  hybrid.attention.linear_conv_kernel = 4;
  // State per linear layer: (4·8·16 + 3·(2·16 + 64)) × 4 bytes = (512 + 288) × 4 = 3200.
  const double state = 3 * 3200.0;
  EXPECT_DOUBLE_EQ(kv_cache_bytes(hybrid, KvCacheType::f16, 1000), 1024.0 * 1000 + state);
  EXPECT_DOUBLE_EQ(kv_cache_bytes(hybrid, KvCacheType::f16, 2000), 1024.0 * 2000 + state);
}

TEST(KvCache, MlaCachesTheLatent) {
  ModelSpec m = llama2_7b_shape();
  m.layers = 61;
  m.mla.kv_lora_rank = 512;
  m.mla.qk_rope_head_dim = 64;
  m.mla.qk_nope_head_dim = 128;
  m.mla.v_head_dim = 128;
  // (512 + 64) × 2 bytes × 61 layers = 70,272 bytes per token.
  EXPECT_DOUBLE_EQ(kv_cache_bytes(m, KvCacheType::f16, 1), 70'272);
}

TEST(WeightBytes, QuantMixFromBitsPerWeight) {
  const WeightBytes w = weight_bytes(llama2_7b_shape(), q4_0());
  // Layers 6,476,005,376 × 4.5 / 8 = 3,642,753,024; embedding 131,072,000 × 4.5/8 = 73,728,000;
  // output 131,072,000 × 6.5625/8 = 107,520,000. Sum 3,824,001,024 (llama.cpp: 3.56 GiB = 3.82 GB).
  EXPECT_NEAR(w.stored, 3'824'001'024, 1);
  // Per token: every layer weight + the output head (the embedding is a row lookup).
  EXPECT_NEAR(w.per_token, 3'642'753'024 + 107'520'000, 1);
  EXPECT_NEAR(w.non_layer, 73'728'000 + 107'520'000, 1);
}

TEST(WeightBytes, MoreBitsNeverSmaller) {
  QuantSpec q = q4_0();
  double previous = 0;
  for (double bits : {2.625, 3.4375, 4.5, 5.5, 6.5625, 8.5, 16.0}) {
    q.bits_per_weight = bits;
    const double stored = weight_bytes(llama2_7b_shape(), q).stored;
    EXPECT_GT(stored, previous) << bits;
    previous = stored;
  }
}

TEST(Decode, SecondsPerTokenByHand) {
  const ModelSpec m = llama2_7b_shape();
  const QuantSpec q = q4_0();
  const HardwareSpec hw = test_gpu(100, 24);
  Scenario s{.hardware = &hw, .model = &m, .quant = &q};
  const EfficiencyConstants k = simple_constants();
  const MemoryFit fit = fit_memory(s, k);
  ASSERT_TRUE(fit.fits);
  // Weights 3,750,273,024 B at 0.5 × 100 GB/s = 0.07500546 s; KV at depth 1000:
  // 524,288 B/token × 1000 at 0.25 × 100 GB/s = 0.02097152 s; overhead 32 × 10 µs + 100 µs = 0.00042 s.
  const double expected = 3'750'273'024 / 50e9 + 524'288'000 / 25e9 + 0.00042;
  EXPECT_NEAR(decode_seconds_per_token(s, fit, k, 1000), expected, 1e-9);
}

TEST(Decode, MultipleDevicesDoNotSpeedUpBatchOneDecode) {
  // Layer split: each device streams its share at its own bandwidth, one after the other.
  const ModelSpec m = llama2_7b_shape();
  const QuantSpec q = q4_0();
  const HardwareSpec hw = test_gpu(100, 24);
  const EfficiencyConstants k = simple_constants();
  Scenario one{.hardware = &hw, .model = &m, .quant = &q};
  Scenario two = one;
  two.device_count = 2;
  const double t1 = decode_seconds_per_token(one, fit_memory(one, k), k, 0);
  const double t2 = decode_seconds_per_token(two, fit_memory(two, k), k, 0);
  EXPECT_NEAR(t2 - t1, 250e-6, 1e-9);  // one extra hop between the devices
  EXPECT_DOUBLE_EQ(fit_memory(two, k).device_memory_bytes, 2 * fit_memory(one, k).device_memory_bytes);
}

// The matrix-vector stream per compute unit (issue 20, docs/model.md): llama.cpp's and Ollama's decode on ROCm
// streams the weights at no more than CUs x clock x a fixed number of bytes per CU and cycle. A part that pairs HBM
// with few, slowly clocked CUs (MI50-like: 60 CUs at 1.725 GHz, 1 TB/s) decodes no faster with twice the bandwidth
// but faster at twice the clock; an R9700-like part (64 CUs at 2.92 GHz, 640 GB/s) keeps its bandwidth's answer, and
// so do Vulkan, vLLM and a chip whose entry states no clock.
TEST(Decode, LlamaCppOnRocmStreamsTheWeightsAtItsComputeUnitsRate) {
  const ModelSpec m = llama2_7b_shape();
  const QuantSpec q = q4_0();
  const EfficiencyConstants k = simple_constants();
  auto amd = [](double bandwidth_gb_s, int cus, double clock_ghz, double flop_per_cu_clock) {
    HardwareSpec h = test_rdna(bandwidth_gb_s, 32);
    h.gpu_cores = cus;
    h.gpu_clock_ghz = clock_ghz;
    h.fp16_tflops = cus * clock_ghz * flop_per_cu_clock / 1e3;
    h.fp32_tflops = h.fp16_tflops / 2;
    return h;
  };
  const HardwareSpec hbm = amd(1024, 60, 1.725, 256);
  const HardwareSpec hbm_twice_bandwidth = amd(2048, 60, 1.725, 256);
  const HardwareSpec hbm_twice_clock = amd(1024, 60, 3.45, 256);
  HardwareSpec hbm_no_clock = hbm;
  hbm_no_clock.gpu_clock_ghz = 0;
  const HardwareSpec rdna = amd(640, 64, 2.92, 1024);
  HardwareSpec rdna_no_clock = rdna;
  rdna_no_clock.gpu_clock_ghz = 0;
  for (const HardwareSpec* hw : {&hbm, &hbm_twice_bandwidth, &hbm_twice_clock, &rdna}) ASSERT_EQ(validate(*hw), "");
  auto weights_s = [&](const HardwareSpec& hw, Backend backend, DeviceApi api) {
    const Scenario s{.hardware = &hw, .model = &m, .quant = &q, .backend = backend, .api = api,
                     .context_tokens = 1024, .prompt_tokens = 512};
    return predict(s, k).decode_seconds_weights;
  };
  const Backend llama = Backend::llama_cpp;
  EXPECT_DOUBLE_EQ(weights_s(hbm_twice_bandwidth, llama, DeviceApi::rocm), weights_s(hbm, llama, DeviceApi::rocm));
  EXPECT_GT(weights_s(hbm, llama, DeviceApi::rocm), 1.2 * weights_s(hbm_no_clock, llama, DeviceApi::rocm));
  EXPECT_LT(weights_s(hbm_twice_clock, llama, DeviceApi::rocm), weights_s(hbm, llama, DeviceApi::rocm));
  EXPECT_DOUBLE_EQ(weights_s(hbm, Backend::ollama, DeviceApi::rocm), weights_s(hbm, llama, DeviceApi::rocm));
  EXPECT_NEAR(weights_s(hbm, llama, DeviceApi::vulkan) / weights_s(hbm_twice_bandwidth, llama, DeviceApi::vulkan), 2.0,
              1e-9);
  EXPECT_DOUBLE_EQ(weights_s(hbm, Backend::vllm, DeviceApi::rocm), weights_s(hbm_no_clock, Backend::vllm, DeviceApi::rocm));
  EXPECT_DOUBLE_EQ(weights_s(rdna, llama, DeviceApi::rocm), weights_s(rdna_no_clock, llama, DeviceApi::rocm));
}

TEST(Prefill, ComputeBoundByHand) {
  const ModelSpec m = llama2_7b_shape();
  const QuantSpec q = q4_0();
  const HardwareSpec hw = test_gpu(1000, 24);
  Scenario s{.hardware = &hw, .model = &m, .quant = &q};
  const EfficiencyConstants k = simple_constants();
  const MemoryFit fit = fit_memory(s, k);
  // 512 tokens: active params = 6,476,005,376 + 131,072,000 (output head) = 6,607,077,376.
  // FLOPs = 512 × (2 × 6,607,077,376 + 4 × 32 heads × 128 × 32 layers × 256 mean context)
  //       = 512 × (13,214,154,752 + 134,217,728) = 6,834,366,709,760.
  // Compute at 0.5 × 100 TFLOPS = 0.136687 s; one micro-batch of weights 3.824 GB at 500 GB/s = 7.6 ms.
  const double expected = 6'834'366'709'760.0 / 50e12;
  EXPECT_NEAR(prefill_seconds(s, fit, k, 512, 0), expected, 1e-9);
}

// The SM roof (issue 20): llama.cpp's CUDA prefill GEMMs of quantised weights run at SMs x clock x 1024 FLOP
// where the tensor cores are wider than a consumer SM's (an A100-like SM, 2048 FLOP per clock: half its datasheet
// peak); on a consumer-like SM (1024 per clock) the roof is the datasheet peak. Attention, float weights, vLLM,
// other APIs and chips without a stated clock keep the datasheet peak.
/// Three 100-TFLOPS cards of 50 SMs: no clock stated (no SM roof), a clock at which the datasheet peak is 2048
/// FLOP per SM and clock (the roof is half the peak), and one at 1024 (the roof is the peak).
struct SmRoofCards {
  HardwareSpec no_clock = test_gpu(1000, 80);
  HardwareSpec wide;
  HardwareSpec consumer;
  SmRoofCards() {
    no_clock.gpu_cores = 50;
    wide = no_clock;
    wide.gpu_clock_ghz = 100e12 / (50 * 2048 * 1e9);
    consumer = no_clock;
    consumer.gpu_clock_ghz = 100e12 / (50 * 1024 * 1e9);
  }
};

// The same weights as F16 (cuBLAS, not llama.cpp's quantised kernels): what the SM-roof rules leave alone.
QuantSpec as_f16(QuantSpec quant) {
  quant.id = "f16";
  quant.kernel = QuantKernel::float_;
  quant.bits_per_weight = 16;
  return quant;
}

// Decode tok/s of a CUDA scenario of `batch` sequences (the batched SM-roof tests' probe).
double cuda_decode_tok_s(const HardwareSpec& hw, const ModelSpec& m, const QuantSpec& quant,
                         const EfficiencyConstants& k, Backend backend, int batch) {
  const Scenario s{.hardware = &hw, .model = &m, .quant = &quant, .backend = backend, .api = DeviceApi::cuda,
                   .context_tokens = 1024, .prompt_tokens = 512, .batch = batch};
  return predict(s, k).decode_tok_s;
}

TEST(Prefill, LlamaCppCudaRunsAtTheSmRoofWhereTensorCoresAreWider) {
  const ModelSpec m = llama2_7b_shape();
  const QuantSpec q = q4_0();
  const EfficiencyConstants k = simple_constants();
  const SmRoofCards cards;
  const HardwareSpec& no_clock = cards.no_clock;
  const HardwareSpec& wide = cards.wide;
  const HardwareSpec& consumer = cards.consumer;
  ASSERT_EQ(validate(wide), "");
  ASSERT_EQ(validate(consumer), "");
  auto seconds = [&](const HardwareSpec& hw, Backend backend, DeviceApi api) {
    const Scenario s{.hardware = &hw, .model = &m, .quant = &q, .backend = backend, .api = api};
    return prefill_seconds(s, fit_memory(s, k), k, 512, 0);
  };
  const double free_s = seconds(no_clock, Backend::llama_cpp, DeviceApi::cuda);
  // Compute-bound: the weight GEMMs (512 x 2 x 6,607,077,376 FLOP at 0.5 x 100 TFLOPS, Prefill.ComputeBoundByHand)
  // take twice as long, attention as before.
  const double weight_gemm_s = 512 * 2 * 6'607'077'376.0 / 50e12;
  EXPECT_NEAR(seconds(wide, Backend::llama_cpp, DeviceApi::cuda), free_s + weight_gemm_s, 1e-9);
  EXPECT_DOUBLE_EQ(seconds(wide, Backend::ollama, DeviceApi::cuda), seconds(wide, Backend::llama_cpp, DeviceApi::cuda));
  EXPECT_DOUBLE_EQ(seconds(consumer, Backend::llama_cpp, DeviceApi::cuda), free_s);
  EXPECT_DOUBLE_EQ(seconds(wide, Backend::llama_cpp, DeviceApi::vulkan), seconds(no_clock, Backend::llama_cpp, DeviceApi::vulkan));
  EXPECT_DOUBLE_EQ(seconds(wide, Backend::vllm, DeviceApi::cuda), seconds(no_clock, Backend::vllm, DeviceApi::cuda));
  const QuantSpec f16 = as_f16(q);
  const Scenario wide_f16{.hardware = &wide, .model = &m, .quant = &f16};
  const Scenario free_f16{.hardware = &no_clock, .model = &m, .quant = &f16};
  EXPECT_DOUBLE_EQ(prefill_seconds(wide_f16, fit_memory(wide_f16, k), k, 512, 0),
                   prefill_seconds(free_f16, fit_memory(free_f16, k), k, 512, 0));
}

// The same SM roof holds the batched decode step's compute (issue 21): llama.cpp's batched steps run its own kernels
// (MMVQ, then MMQ: the kernels of its prefill), so a card whose tensor cores are wider than a consumer SM's decodes a
// large batch of quantised weights no faster than one of its SMs and clock. Batch 1 (bandwidth-bound), float
// weights (cuBLAS), vLLM and a consumer-like SM keep the datasheet peak's answer.
TEST(BatchedDecode, LlamaCppCudaIsHeldToTheSmRoofLikeItsPrefill) {
  const ModelSpec m = llama2_7b_shape();
  const QuantSpec q = q4_0();
  const EfficiencyConstants k = simple_constants();
  const SmRoofCards cards;
  const HardwareSpec& no_clock = cards.no_clock;
  const HardwareSpec& wide = cards.wide;
  const HardwareSpec& consumer = cards.consumer;
  auto decode = [&](const HardwareSpec& hw, const QuantSpec& quant, Backend backend, int batch) {
    return cuda_decode_tok_s(hw, m, quant, k, backend, batch);
  };
  // 8 sequences run in the matrix-vector kernels (MMVQ), held to the SM roof of prefill.
  EXPECT_LT(decode(wide, q, Backend::llama_cpp, 8), 0.9 * decode(no_clock, q, Backend::llama_cpp, 8));
  EXPECT_DOUBLE_EQ(decode(consumer, q, Backend::llama_cpp, 8), decode(no_clock, q, Backend::llama_cpp, 8));
  EXPECT_DOUBLE_EQ(decode(wide, q, Backend::llama_cpp, 1), decode(no_clock, q, Backend::llama_cpp, 1));
  EXPECT_DOUBLE_EQ(decode(wide, q, Backend::vllm, 8), decode(no_clock, q, Backend::vllm, 8));
  const QuantSpec f16 = as_f16(q);
  EXPECT_DOUBLE_EQ(decode(wide, f16, Backend::llama_cpp, 8), decode(no_clock, f16, Backend::llama_cpp, 8));
}

// Past the matrix-vector rows llama.cpp's CUDA MMQ tiles multiply on the tensor cores with warp-level mma.sync: a
// chip's tiles run at its own SMs x clock x its per-SM tensor rate, capped at the widest mma.sync rate (2048 FLOP per
// SM and clock, GA100's). A part whose datasheet rate per SM is within the cap (consumer 1024, A100-like 2048) keeps
// its datasheet peak; one whose datasheet rate is wgmma's (4096 per SM, Hopper) runs at half of it, as fast as a part
// of half the peak at the capped rate. vLLM and float weights keep the datasheet peak.
TEST(BatchedDecode, LlamaCppCudaMmqTilesRunAtTheSmsWarpMmaRate) {
  const ModelSpec m = llama2_7b_shape();
  const QuantSpec q = q4_0();
  const EfficiencyConstants k = simple_constants();
  const SmRoofCards cards;
  const HardwareSpec& no_clock = cards.no_clock;  // 100 TFLOPS, 50 SMs, no clock stated
  const HardwareSpec& wide = cards.wide;          // 2048 FLOP per SM and clock (A100-like)
  const HardwareSpec& consumer = cards.consumer;  // 1024
  HardwareSpec hopper = no_clock;                 // 4096: the datasheet rate is wgmma's
  hopper.gpu_clock_ghz = 100e12 / (50 * 4096 * 1e9);
  HardwareSpec half = hopper;                     // half the peak, at the capped 2048 per SM and clock
  half.fp16_tflops = no_clock.fp16_tflops / 2;
  half.int8_tops = no_clock.int8_tops / 2;
  ASSERT_EQ(validate(hopper), "");
  ASSERT_EQ(validate(half), "");
  auto decode = [&](const HardwareSpec& hw, const QuantSpec& quant, Backend backend, int batch) {
    return cuda_decode_tok_s(hw, m, quant, k, backend, batch);
  };
  EXPECT_DOUBLE_EQ(decode(wide, q, Backend::llama_cpp, 64), decode(no_clock, q, Backend::llama_cpp, 64));
  EXPECT_DOUBLE_EQ(decode(consumer, q, Backend::llama_cpp, 64), decode(no_clock, q, Backend::llama_cpp, 64));
  EXPECT_LT(decode(hopper, q, Backend::llama_cpp, 64), 0.9 * decode(no_clock, q, Backend::llama_cpp, 64));
  EXPECT_NEAR(decode(hopper, q, Backend::llama_cpp, 64), decode(half, q, Backend::llama_cpp, 64),
              1e-9 * decode(half, q, Backend::llama_cpp, 64));
  // The tiles' rate is the chip's own: twice the SMs at the same clock and per-SM rate, twice the tiles' rate.
  HardwareSpec hopper_x2 = hopper;
  hopper_x2.gpu_cores *= 2;
  hopper_x2.fp16_tflops *= 2;
  hopper_x2.int8_tops *= 2;
  EXPECT_GT(decode(hopper_x2, q, Backend::llama_cpp, 64), 1.2 * decode(hopper, q, Backend::llama_cpp, 64));
  EXPECT_DOUBLE_EQ(decode(hopper, q, Backend::vllm, 64), decode(no_clock, q, Backend::vllm, 64));
  const QuantSpec f16 = as_f16(q);
  EXPECT_DOUBLE_EQ(decode(hopper, f16, Backend::llama_cpp, 64), decode(no_clock, f16, Backend::llama_cpp, 64));
}

// The power roof (issue 20, docs/model.md): a board held to its power limit cannot run all its SMs at the clock its
// peak is quoted at through llama.cpp's prefill, so CUDA prefill of llama.cpp and Ollama runs at no more than
// tdp_w / (energy per SM cycle) SM cycles per second. Below the roof the time of the compute-bound part grows as
// the power limit falls (half the watts, twice the time); a limit above the roof, none stated, vLLM or another API
// keep the peak.
TEST(Prefill, LlamaCppCudaIsHeldToThePowerRoof) {
  const ModelSpec m = llama2_7b_shape();
  const QuantSpec q = q4_0();
  const EfficiencyConstants k = simple_constants();
  HardwareSpec free = test_gpu(1000, 80);  // 100 TFLOPS
  free.gpu_cores = 50;
  free.tdp_w = 0;  // no power limit stated
  auto at_watts = [&](double watts) {
    HardwareSpec hw = free;
    hw.tdp_w = watts;
    return hw;
  };
  auto seconds = [&](const HardwareSpec& hw, Backend backend, DeviceApi api) {
    const Scenario s{.hardware = &hw, .model = &m, .quant = &q, .backend = backend, .api = api};
    return prefill_seconds(s, fit_memory(s, k), k, 512, 0);
  };
  const HardwareSpec w5 = at_watts(5), w10 = at_watts(10), w20 = at_watts(20), ample = at_watts(1e6);
  const double t5 = seconds(w5, Backend::llama_cpp, DeviceApi::cuda);
  const double t10 = seconds(w10, Backend::llama_cpp, DeviceApi::cuda);
  const double t20 = seconds(w20, Backend::llama_cpp, DeviceApi::cuda);
  const double t_free = seconds(free, Backend::llama_cpp, DeviceApi::cuda);
  EXPECT_GT(t20, t_free);
  EXPECT_NEAR(t5 - t10, 2 * (t10 - t20), 1e-9 * t5);  // the compute-bound part scales as 1 / watts
  EXPECT_DOUBLE_EQ(seconds(ample, Backend::llama_cpp, DeviceApi::cuda), t_free);
  EXPECT_DOUBLE_EQ(seconds(w5, Backend::ollama, DeviceApi::cuda), t5);
  EXPECT_DOUBLE_EQ(seconds(w5, Backend::vllm, DeviceApi::cuda), seconds(free, Backend::vllm, DeviceApi::cuda));
  EXPECT_DOUBLE_EQ(seconds(w5, Backend::llama_cpp, DeviceApi::vulkan), seconds(free, Backend::llama_cpp, DeviceApi::vulkan));
  // Float weights (cuBLAS) and attention run on the same SMs under the same limit.
  const QuantSpec f16 = as_f16(q);
  const Scenario capped_f16{.hardware = &w5, .model = &m, .quant = &f16};
  const Scenario free_f16{.hardware = &free, .model = &m, .quant = &f16};
  EXPECT_GT(prefill_seconds(capped_f16, fit_memory(capped_f16, k), k, 512, 0),
            1.5 * prefill_seconds(free_f16, fit_memory(free_f16, k), k, 512, 0));
}

// Gated DeltaNet layers in llama.cpp builds of 2025 (issue 20; qwen3next.cpp of PR #16095): the delta rule composed
// from generic ops launches several times an attention layer's kernels and passes over the recurrent state many
// times a decode step; builds with the fused op (2026 on) and models without linear-attention layers are unchanged.
ModelSpec delta_net_hybrid_shape() {
  ModelSpec m = llama2_7b_shape();
  m.attention.linear_attention_layers = 24;  // 3 of every 4 layers, as Qwen3-Next
  m.attention.linear_key_heads = 16;
  m.attention.linear_value_heads = 32;
  m.attention.linear_key_head_dim = 128;
  m.attention.linear_value_head_dim = 128;
  m.attention.linear_conv_kernel = 4;
  return m;
}

TEST(DeltaNet, ComposedRuleOf2025BuildsDecodesSlower) {
  const ModelSpec hybrid = delta_net_hybrid_shape();
  const ModelSpec plain = llama2_7b_shape();
  const QuantSpec q = q4_0();
  const HardwareSpec gpu = test_rdna(640, 32);
  const EfficiencyConstants k = simple_constants();
  auto decode = [&](const ModelSpec& m, Backend backend, int year, Prediction* out) {
    Scenario s{.hardware = &gpu, .model = &m, .quant = &q, .backend = backend, .api = DeviceApi::rocm};
    s.engine_year = year;
    return decode_seconds_per_token(s, fit_memory(s, k), k, 64, out);
  };
  Prediction composed;
  Prediction fused;
  const double t_2025 = decode(hybrid, Backend::llama_cpp, 2025, &composed);
  const double t_2026 = decode(hybrid, Backend::llama_cpp, 2026, &fused);
  // More per-layer fixed cost: each DeltaNet layer costs more than one whole ordinary layer's on top.
  EXPECT_GT(composed.decode_seconds_overhead - fused.decode_seconds_overhead,
            hybrid.attention.linear_attention_layers * k.layer_overhead_us * 1e-6);
  // The recurrent state is read many times, not once: over ten passes of every state matrix.
  const double state_matrices = 4.0 * 24 * 32 * 128 * 128;
  EXPECT_GT(composed.bytes_per_token - fused.bytes_per_token, 10 * state_matrices);
  EXPECT_GT(t_2025, t_2026);
  EXPECT_DOUBLE_EQ(t_2026, decode(hybrid, Backend::llama_cpp, 0, nullptr));  // current builds: fused
  // No linear-attention layers, or another engine: unchanged.
  EXPECT_DOUBLE_EQ(decode(plain, Backend::llama_cpp, 2025, nullptr), decode(plain, Backend::llama_cpp, 2026, nullptr));
  EXPECT_DOUBLE_EQ(decode(hybrid, Backend::vllm, 2025, nullptr), decode(hybrid, Backend::vllm, 2026, nullptr));
}

TEST(DeltaNet, ChunkedPrefillOf2025BuildsPaysPerChunk) {
  const ModelSpec hybrid = delta_net_hybrid_shape();
  const ModelSpec plain = llama2_7b_shape();
  const QuantSpec q = q4_0();
  const HardwareSpec gpu = test_rdna(640, 32);
  EfficiencyConstants k = simple_constants();
  k.prefill_layer_overhead_us = 100;
  auto prefill = [&](const ModelSpec& m, int year, double ubatch, double tokens) {
    Scenario s{.hardware = &gpu, .model = &m, .quant = &q, .backend = Backend::llama_cpp, .api = DeviceApi::rocm};
    s.engine_year = year;
    s.flash_attention = false;  // the era's flash-attention kernel rules out of the comparison
    s.micro_batch_tokens = static_cast<int>(ubatch);
    return prefill_seconds(s, fit_memory(s, k), k, tokens, 0);
  };
  // The chunk loop's kernels grow with the micro-batch's tokens: a 2048-token micro-batch pays more extra time than
  // a 512-token one, where an attention layer's fixed cost is the same for both.
  const double extra_512 = prefill(hybrid, 2025, 512, 512) - prefill(hybrid, 2026, 512, 512);
  const double extra_2048 = prefill(hybrid, 2025, 2048, 2048) - prefill(hybrid, 2026, 2048, 2048);
  EXPECT_GT(extra_512, hybrid.attention.linear_attention_layers * k.prefill_layer_overhead_us * 1e-6);
  EXPECT_GT(extra_2048, 2 * extra_512);
  EXPECT_DOUBLE_EQ(prefill(plain, 2025, 512, 512), prefill(plain, 2026, 512, 512));
}

// Flash attention's kernel on ggml-cuda (issue 20; fattn.cu, ggml_cuda_get_best_fattn_kernel): on AMD's RDNA the
// MMA kernel takes grouped-query attention of head dimension up to 128, every other shape the tile kernel on the
// vector ALUs; CDNA's MFMA head dimensions up to 256; NVIDIA's MMA kernel every shape.
TEST(Prefill, FlashAttentionOnTheTileKernelRunsAtTheVectorPeak) {
  const ModelSpec mha = llama2_7b_shape();  // 32 heads, 32 KV heads: not grouped
  ModelSpec gqa = mha;
  gqa.kv_heads = 8;
  ModelSpec wide_heads = gqa;
  wide_heads.head_dim = 256;
  wide_heads.attention_heads = 16;  // same width: 16 x 256 = 32 x 128
  const QuantSpec q = q4_0();
  HardwareSpec rdna = test_rdna(640, 32);
  rdna.memory_type = "gddr6";
  HardwareSpec cdna = rdna;
  cdna.memory_type = "hbm3";
  auto scenario = [&](const HardwareSpec& hw, const ModelSpec& m, DeviceApi api, bool flash) {
    Scenario s{.hardware = &hw, .model = &m, .quant = &q, .backend = Backend::llama_cpp, .api = api};
    s.flash_attention = flash;
    return s;
  };
  EXPECT_TRUE(flash_attention_on_vector_units(scenario(rdna, mha, DeviceApi::rocm, true)));
  EXPECT_FALSE(flash_attention_on_vector_units(scenario(rdna, gqa, DeviceApi::rocm, true)));
  Scenario build_2025 = scenario(rdna, gqa, DeviceApi::rocm, true);  // before RDNA had the MMA kernel: tile
  build_2025.engine_year = 2025;
  EXPECT_TRUE(flash_attention_on_vector_units(build_2025));
  build_2025.hardware = &cdna;  // CDNA's MFMA path is older
  EXPECT_FALSE(flash_attention_on_vector_units(build_2025));
  EXPECT_TRUE(flash_attention_on_vector_units(scenario(rdna, wide_heads, DeviceApi::rocm, true)));
  EXPECT_FALSE(flash_attention_on_vector_units(scenario(cdna, wide_heads, DeviceApi::rocm, true)));
  EXPECT_FALSE(flash_attention_on_vector_units(scenario(cdna, mha, DeviceApi::rocm, true)));  // MFMA: any grouping
  EXPECT_FALSE(flash_attention_on_vector_units(scenario(rdna, mha, DeviceApi::rocm, false)));   // no flash attention
  EXPECT_FALSE(flash_attention_on_vector_units(scenario(rdna, mha, DeviceApi::vulkan, true)));  // ggml-vulkan's own
  Scenario vllm = scenario(rdna, mha, DeviceApi::rocm, true);
  vllm.backend = Backend::vllm;
  EXPECT_FALSE(flash_attention_on_vector_units(vllm));
  HardwareSpec no_vector_figure = rdna;
  no_vector_figure.fp32_tflops = 0;
  EXPECT_FALSE(flash_attention_on_vector_units(scenario(no_vector_figure, mha, DeviceApi::rocm, true)));
  HardwareSpec nvidia = test_gpu(1000, 80);
  nvidia.fp32_tflops = 50;
  EXPECT_FALSE(flash_attention_on_vector_units(scenario(nvidia, mha, DeviceApi::cuda, true)));
  // An API without matrix engines runs every shader FLOP on the vector ALUs at vector_compute_efficiency
  // (matmul_on_vector_units): not this rule's share.
  HardwareSpec no_matrix_engines = rdna;
  no_matrix_engines.vector_only_apis = {DeviceApi::rocm};
  EXPECT_FALSE(flash_attention_on_vector_units(scenario(no_matrix_engines, mha, DeviceApi::rocm, true)));

  // The tile path times the attention FLOPs at vector_flash_attention_compute_efficiency of fp32_tflops: with both
  // shares equal, the MHA model's attention takes fp16/fp32 = 4x as long as on the matrix units.
  EfficiencyConstants k = simple_constants();
  k.flash_attention_compute_efficiency = k.vector_flash_attention_compute_efficiency = 0.25;
  const double depth = 16384;
  auto attention_seconds = [&](const HardwareSpec& hw) {
    const Scenario s = scenario(hw, mha, DeviceApi::rocm, true);
    EfficiencyConstants no_attention = k;
    no_attention.flash_attention_compute_efficiency = no_attention.vector_flash_attention_compute_efficiency =
        std::numeric_limits<double>::infinity();
    const MemoryFit fit = fit_memory(s, k);
    return prefill_seconds(s, fit, k, 512, depth) - prefill_seconds(s, fit, no_attention, 512, depth);
  };
  const double tile = attention_seconds(rdna);
  const double on_matrix = attention_seconds(no_vector_figure);  // no fp32 figure: the rule cannot apply
  ASSERT_GT(on_matrix, 0);
  EXPECT_NEAR(tile / on_matrix, 200.0 / 50.0, 1e-6);
  // A slower tile kernel (a lower share) makes that prefill slower; the grouped model does not notice.
  EfficiencyConstants slow_tile = k;
  slow_tile.vector_flash_attention_compute_efficiency = 0.05;
  const Scenario mha_s = scenario(rdna, mha, DeviceApi::rocm, true);
  const Scenario gqa_s = scenario(rdna, gqa, DeviceApi::rocm, true);
  EXPECT_GT(prefill_seconds(mha_s, fit_memory(mha_s, k), slow_tile, 512, depth),
            prefill_seconds(mha_s, fit_memory(mha_s, k), k, 512, depth));
  EXPECT_DOUBLE_EQ(prefill_seconds(gqa_s, fit_memory(gqa_s, k), slow_tile, 512, depth),
                   prefill_seconds(gqa_s, fit_memory(gqa_s, k), k, 512, depth));
}

/// An Intel Xe2 card with the Arc Pro B70's figures (XMX FP16 peak, vector FP32 peak, bandwidth), on SYCL and Vulkan.
HardwareSpec arc_pro_b70_like() {
  HardwareSpec arc = test_gpu(608, 32);
  arc.vendor = "intel";
  arc.fp16_tflops = 183.5;
  arc.fp32_tflops = 22.9;
  arc.apis = {DeviceApi::sycl, DeviceApi::vulkan};
  return arc;
}

// Flash attention on ggml-sycl before its XMX kernels (issue 20; llama.cpp PRs #25222 and #25025, July 2026):
// ggml_sycl_get_best_fattn_kernel chose only its vec and tile kernels, FMA loops on the vector ALUs, whatever the
// head shape, so builds of those years time it at vector_flash_attention_compute_efficiency of fp32_tflops. Current
// builds (engine_year 0) and 2027 ones have the XMX kernels; without flash attention, a vector figure, or with
// the entry stating SYCL has no matrix engines (vector_only_apis: every FLOP at the vector share) the rule is off.
TEST(Prefill, SyclFlashAttentionBeforeItsXmxKernelsRunsAtTheVectorPeak) {
  ModelSpec gqa = llama2_7b_shape();
  gqa.kv_heads = 8;  // a shape ggml-cuda's MMA kernel takes on every vendor: only the API decides here
  const QuantSpec q = q4_0();
  const HardwareSpec arc = arc_pro_b70_like();
  auto scenario = [&](const HardwareSpec& hw, DeviceApi api, int year, bool flash) {
    Scenario s{.hardware = &hw, .model = &gqa, .quant = &q, .backend = Backend::llama_cpp, .api = api};
    s.flash_attention = flash;
    s.engine_year = year;
    return s;
  };
  EXPECT_TRUE(flash_attention_on_vector_units(scenario(arc, DeviceApi::sycl, 2026, true)));
  EXPECT_TRUE(flash_attention_on_vector_units(scenario(arc, DeviceApi::sycl, 2025, true)));
  EXPECT_FALSE(flash_attention_on_vector_units(scenario(arc, DeviceApi::sycl, 2027, true)));  // XMX kernels
  EXPECT_FALSE(flash_attention_on_vector_units(scenario(arc, DeviceApi::sycl, 0, true)));     // current build
  EXPECT_FALSE(flash_attention_on_vector_units(scenario(arc, DeviceApi::sycl, 2026, false)));
  EXPECT_FALSE(flash_attention_on_vector_units(scenario(arc, DeviceApi::vulkan, 2026, true)));  // ggml-vulkan's own
  Scenario ollama = scenario(arc, DeviceApi::sycl, 2026, true);
  ollama.backend = Backend::ollama;  // embeds llama.cpp's kernels
  EXPECT_TRUE(flash_attention_on_vector_units(ollama));
  HardwareSpec no_vector_figure = arc;
  no_vector_figure.fp32_tflops = 0;
  EXPECT_FALSE(flash_attention_on_vector_units(scenario(no_vector_figure, DeviceApi::sycl, 2026, true)));
  HardwareSpec no_matrix_engines = arc;
  no_matrix_engines.vector_only_apis = {DeviceApi::sycl};
  EXPECT_FALSE(flash_attention_on_vector_units(scenario(no_matrix_engines, DeviceApi::sycl, 2026, true)));

  // At depth the 2026 build's attention costs fp16/fp32 = 8x the current build's when both shares are equal.
  EfficiencyConstants k = simple_constants();
  k.flash_attention_compute_efficiency = k.vector_flash_attention_compute_efficiency = 0.25;
  EfficiencyConstants no_attention = k;
  no_attention.flash_attention_compute_efficiency = no_attention.vector_flash_attention_compute_efficiency =
      std::numeric_limits<double>::infinity();
  auto attention_seconds = [&](int year) {
    const Scenario s = scenario(arc, DeviceApi::sycl, year, true);
    const MemoryFit fit = fit_memory(s, k);
    return prefill_seconds(s, fit, k, 512, 16384) - prefill_seconds(s, fit, no_attention, 512, 16384);
  };
  ASSERT_GT(attention_seconds(0), 0);
  EXPECT_NEAR(attention_seconds(2026) / attention_seconds(0), 183.5 / 22.9, 1e-6);
}

// Prompt attention on Vulkan off NVIDIA runs on the vector ALUs (vulkan_attention_on_vector_units); with flash
// attention it is ggml-vulkan's flash-attention shader, priced like the other flash-attention kernels on the vector
// ALUs at vector_flash_attention_compute_efficiency, not at the weight GEMMs' vector_compute_efficiency; without flash
// attention the score matrices are ordinary matmuls at the vector share. A chip whose API has no matrix engines
// (vector_only_apis) keeps every FLOP at the vector share.
TEST(Prefill, VulkanFlashAttentionOffNvidiaRunsAtTheVectorFlashAttentionShare) {
  const ModelSpec m = llama2_7b_shape();
  const QuantSpec q = q4_0();
  const HardwareSpec arc = arc_pro_b70_like();
  HardwareSpec no_matrix_engines = arc;
  no_matrix_engines.vector_only_apis = {DeviceApi::vulkan};
  EfficiencyConstants k = simple_constants();
  k.kv_bandwidth_efficiency = 1e9;  // the flash-attention KV stream free (VulkanFlashAttentionStreams... tests it)
  k.vector_compute_efficiency = 0.4;
  k.vector_flash_attention_compute_efficiency = 0.1;
  EfficiencyConstants no_attention = k;
  no_attention.vector_flash_attention_compute_efficiency = std::numeric_limits<double>::infinity();
  EfficiencyConstants slow_gemms = k;
  slow_gemms.vector_compute_efficiency = 0.04;
  auto seconds = [&](const HardwareSpec& hw, bool flash, const EfficiencyConstants& c) {
    Scenario s{.hardware = &hw, .model = &m, .quant = &q, .backend = Backend::llama_cpp, .api = DeviceApi::vulkan};
    s.flash_attention = flash;
    return prefill_seconds(s, fit_memory(s, k), c, 512, 16384);
  };
  // With flash attention the attention time scales as 1 / the flash share, and the vector GEMM share (the
  // quantised weights are on the matrix engines here) does not enter.
  EfficiencyConstants faster_flash = k;
  faster_flash.vector_flash_attention_compute_efficiency = 0.2;
  const double attention = seconds(arc, true, k) - seconds(arc, true, no_attention);
  ASSERT_GT(attention, 0);
  EXPECT_NEAR(attention / (seconds(arc, true, faster_flash) - seconds(arc, true, no_attention)), 2.0, 1e-9);
  EXPECT_DOUBLE_EQ(seconds(arc, true, slow_gemms), seconds(arc, true, k));
  // Without flash attention, or without matrix engines, the vector share prices it and the flash share does not.
  EXPECT_GT(seconds(arc, false, slow_gemms), seconds(arc, false, k));
  EXPECT_DOUBLE_EQ(seconds(arc, false, no_attention), seconds(arc, false, k));
  EXPECT_DOUBLE_EQ(seconds(no_matrix_engines, true, no_attention), seconds(no_matrix_engines, true, k));
}

// The Vulkan driver is a run condition (issue 20): ggml-vulkan gives an AMD GPU cooperative matrices under AMD's own
// drivers only on RDNA 3, under RADV from RDNA 3 on (ggml_vk_khr_cooperative_matrix_support). Without them a prompt's
// flash attention takes the scalar shader (FA_SCALAR), priced at scalar_flash_attention_compute_efficiency of the
// vector peak; with them, or when the run does not say its driver or the catalogue the chip's generation, the
// coopmat path's measured share (vector_flash_attention_compute_efficiency) as before.
TEST(Prefill, VulkanDriverDecidesTheFlashAttentionShaderOnAmd) {
  const ModelSpec m = llama2_7b_shape();
  const QuantSpec q = q4_0();
  HardwareSpec rdna4 = test_rdna(640, 32);
  rdna4.rdna_generation = 4;
  HardwareSpec rdna3 = rdna4;
  rdna3.rdna_generation = 3;
  HardwareSpec unstated = rdna4;
  unstated.rdna_generation = 0;
  EfficiencyConstants k = simple_constants();
  k.kv_bandwidth_efficiency = 1e9;  // the flash-attention KV stream free (VulkanFlashAttentionStreams... tests it)
  k.vector_flash_attention_compute_efficiency = 0.2;
  k.scalar_flash_attention_compute_efficiency = 0.05;
  auto seconds = [&](const HardwareSpec& hw, std::optional<VulkanDriver> driver, double depth, bool flash = true) {
    Scenario s{.hardware = &hw, .model = &m, .quant = &q, .backend = Backend::llama_cpp, .api = DeviceApi::vulkan};
    s.flash_attention = flash;
    s.vulkan_driver = driver;
    return prefill_seconds(s, fit_memory(s, k), k, 2048, depth);
  };
  const double unknown = seconds(rdna4, std::nullopt, 16384);
  // RADV on RDNA 4 and AMDVLK on RDNA 3 have cooperative matrices: the same time as a run without a driver.
  EXPECT_DOUBLE_EQ(seconds(rdna4, VulkanDriver::radv, 16384), unknown);
  EXPECT_DOUBLE_EQ(seconds(rdna3, VulkanDriver::amdvlk, 16384), seconds(rdna3, std::nullopt, 16384));
  EXPECT_DOUBLE_EQ(seconds(unstated, VulkanDriver::amdvlk, 16384), unknown);  // generation not stated
  // AMDVLK (and AMD's proprietary driver) on RDNA 4: the scalar shader, 4x slower attention here (0.05 vs 0.2).
  const double attention_coopmat = unknown - seconds(rdna4, std::nullopt, 0);
  const double attention_scalar = seconds(rdna4, VulkanDriver::amdvlk, 16384) - seconds(rdna4, VulkanDriver::amdvlk, 0);
  ASSERT_GT(attention_coopmat, 0);
  EXPECT_GT(seconds(rdna4, VulkanDriver::amdvlk, 16384), unknown);
  EXPECT_NEAR(attention_scalar / attention_coopmat, 4.0, 1e-6);
  EXPECT_DOUBLE_EQ(seconds(rdna4, VulkanDriver::amd_proprietary, 16384), seconds(rdna4, VulkanDriver::amdvlk, 16384));
  // Without flash attention the driver changes nothing (the score matrices are matmuls at the vector share).
  EXPECT_DOUBLE_EQ(seconds(rdna4, VulkanDriver::amdvlk, 16384, false), seconds(rdna4, std::nullopt, 16384, false));
  // RDNA 2 has no cooperative matrices under RADV either.
  HardwareSpec rdna2 = rdna4;
  rdna2.rdna_generation = 2;
  EXPECT_GT(seconds(rdna2, VulkanDriver::radv, 16384), seconds(rdna2, std::nullopt, 16384));
}

// Decode at depth on Vulkan off NVIDIA (issue 20): ggml_vk_flash_attn folds a grouped-query model's query heads into
// the rows of one workgroup when their ratio is within its row limit (2025 builds: 8 for 128-wide heads, 2 from
// 192; 2026 builds: 16), and more than one row on a device with cooperative matrices takes the coopmat shader, whose
// FLOPs hide under the KV stream. One row (MHA, a larger ratio) or no cooperative matrices (AMDVLK on RDNA 4): the
// scalar shader, priced at vector_decode_attention_efficiency of the vector peak.
TEST(DecodeModel, GroupedQueryDecodeOnVulkanCoopmatHidesItsAttentionFlops) {
  HardwareSpec rdna4 = test_rdna(640, 32);
  rdna4.rdna_generation = 4;
  const QuantSpec q = q4_0();
  EfficiencyConstants k = simple_constants();
  k.vector_decode_attention_efficiency = 0.04;
  EfficiencyConstants slower = k;
  slower.vector_decode_attention_efficiency = 0.02;
  auto gqa = [](int ratio, int head_dim) {
    ModelSpec m = llama2_7b_shape();
    m.head_dim = head_dim;
    m.attention_heads = 4096 / head_dim;
    m.kv_heads = m.attention_heads / ratio;
    return m;
  };
  // Whether the scalar shader's share enters the step at 16k depth.
  auto scalar = [&](const ModelSpec& m, std::optional<VulkanDriver> driver, int year) {
    Scenario s{.hardware = &rdna4, .model = &m, .quant = &q, .backend = Backend::llama_cpp, .api = DeviceApi::vulkan};
    s.flash_attention = true;
    s.vulkan_driver = driver;
    s.engine_year = year;
    const MemoryFit fit = fit_memory(s, k);
    return decode_seconds_per_token(s, fit, slower, 16384) > decode_seconds_per_token(s, fit, k, 16384);
  };
  const ModelSpec ratio8 = gqa(8, 128);
  const ModelSpec ratio16 = gqa(16, 128);
  const ModelSpec wide4 = gqa(4, 256);
  const ModelSpec mha = llama2_7b_shape();
  // RADV on RDNA 4 (cooperative matrices): a ratio of 8 at 128-wide heads rides the coopmat shader in any build.
  EXPECT_FALSE(scalar(ratio8, VulkanDriver::radv, 2025));
  EXPECT_FALSE(scalar(ratio8, VulkanDriver::radv, 2026));
  // 16 query heads a KV head: one row per workgroup in 2025 builds (scalar), folded in 2026 builds.
  EXPECT_TRUE(scalar(ratio16, VulkanDriver::radv, 2025));
  EXPECT_FALSE(scalar(ratio16, VulkanDriver::radv, 2026));
  // 256-wide heads: a 2025 build folds at most 2 rows.
  EXPECT_TRUE(scalar(wide4, VulkanDriver::radv, 2025));
  EXPECT_FALSE(scalar(wide4, VulkanDriver::radv, 2026));
  // MHA is one row whatever the device; AMDVLK on RDNA 4 has no cooperative matrices; a run that does not state its
  // driver is taken as RADV's (Mesa's, the Linux default); a chip whose generation the catalogue does not state keeps
  // the scalar price.
  EXPECT_TRUE(scalar(mha, VulkanDriver::radv, 2026));
  EXPECT_TRUE(scalar(ratio8, VulkanDriver::amdvlk, 2025));
  EXPECT_FALSE(scalar(ratio8, std::nullopt, 2025));
  rdna4.rdna_generation = 0;
  EXPECT_TRUE(scalar(ratio8, std::nullopt, 2025));
  // RDNA 2 has no cooperative matrices under RADV either.
  rdna4.rdna_generation = 2;
  EXPECT_TRUE(scalar(ratio8, VulkanDriver::radv, 2026));
}

// BF16 on Vulkan on AMD has a cooperative-matrix path only where the driver offers bfloat16 cooperative matrices
// (ggml-vulkan's coopmat_bf16_support): RADV does from RDNA 4 (Mesa's radv_bfloat16_enabled keeps RDNA 3/3.5 behind
// an experimental flag), AMD's own drivers on RDNA 4 give no cooperative matrices at all. There BF16 runs the coopmat
// shader the quantised weights run, at its share of the vector peak (vector_quantised_compute_efficiency), without
// the FMA path's whole matmul_id tiles; elsewhere (RADV on RDNA 3, AMDVLK, a run without a driver) the FMA shader at
// vector_compute_efficiency, as before.
TEST(Prefill, VulkanBf16TakesCooperativeMatricesOnlyWhereRadvOffersThem) {
  ModelSpec m = llama2_7b_shape();
  QuantSpec bf16 = q4_0();
  bf16.id = "bf16";
  bf16.kernel = QuantKernel::float_;
  bf16.bits_per_weight = 16;
  bf16.output_bits_per_weight = 16;
  HardwareSpec rdna4 = test_rdna(640, 512);
  rdna4.rdna_generation = 4;
  HardwareSpec rdna3 = rdna4;
  rdna3.rdna_generation = 3;
  EfficiencyConstants k = simple_constants();
  k.kv_bandwidth_efficiency = 1e9;  // the flash-attention KV stream free (VulkanFlashAttentionStreams... tests it)
  k.vector_compute_efficiency = 0.25;
  k.vector_quantised_compute_efficiency = 0.5;
  k.attention_compute_efficiency = k.flash_attention_compute_efficiency =
      k.vector_flash_attention_compute_efficiency = k.scalar_flash_attention_compute_efficiency =
          std::numeric_limits<double>::infinity();  // the weight GEMMs alone
  k.weight_bandwidth_efficiency = 1e9;
  auto seconds = [&](const ModelSpec& model, const HardwareSpec& hw, std::optional<VulkanDriver> driver) {
    Scenario s{.hardware = &hw, .model = &model, .quant = &bf16, .backend = Backend::llama_cpp,
               .api = DeviceApi::vulkan};
    s.vulkan_driver = driver;
    return prefill_seconds(s, fit_memory(s, k), k, 512, 0);
  };
  const double flops = 512 * 2.0 * weight_bytes(m, bf16).active_params;
  const double coopmat = flops / (0.5 * 50e12);
  const double fma = flops / (0.25 * 50e12);
  EXPECT_NEAR(seconds(m, rdna4, VulkanDriver::radv), coopmat, 1e-6 * coopmat);
  EXPECT_NEAR(seconds(m, rdna4, VulkanDriver::amdvlk), fma, 1e-6 * fma);
  EXPECT_NEAR(seconds(m, rdna3, VulkanDriver::radv), fma, 1e-6 * fma);
  EXPECT_NEAR(seconds(m, rdna3, VulkanDriver::amdvlk), fma, 1e-6 * fma);
  EXPECT_NEAR(seconds(m, rdna4, std::nullopt), fma, 1e-6 * fma);
  // A MoE on the coopmat path pays no whole FMA tiles: its routed FLOPs at the coopmat share, unpadded.
  ModelSpec moe = m;
  moe.moe.experts = 256;
  moe.moe.experts_per_token = 8;
  moe.moe.expert_intermediate_size = 512;
  const double moe_flops = 512 * 2.0 * weight_bytes(moe, bf16).active_params;
  EXPECT_NEAR(seconds(moe, rdna4, VulkanDriver::radv), moe_flops / (0.5 * 50e12), 1e-6 * moe_flops / 25e12);
  EXPECT_GT(seconds(moe, rdna3, VulkanDriver::radv), 2 * moe_flops / (0.25 * 50e12));
  // The coopmat shader stages every weight of a tile through shared memory on the vector ALUs: BF16 on it pays the
  // per-weight passes the quantised tiles pay (56.25 vector operations a weight a pass); the FMA path none.
  k.prefill_dequant_passes = 2;
  const double weights = weight_bytes(m, bf16).stored / 2;
  const double staging = 2 * weights * 56.25 / 50e12;
  EXPECT_NEAR(seconds(m, rdna4, VulkanDriver::radv), coopmat + staging, 1e-6 * coopmat);
  EXPECT_NEAR(seconds(m, rdna4, VulkanDriver::amdvlk), fma, 1e-6 * fma);
}

// A prompt's flash attention on ggml-vulkan reads the context's K and V once per block of query rows of each query
// head (no grouped-query fold past 8 rows): 16-row blocks on the coopmat shader, 8 on the scalar one. With the
// attention FLOPs free, a deep prompt on a chip with little bandwidth takes that stream's time at the KV-cache share
// of the bandwidth; grouped-query attention does not shrink it, the scalar shader (AMDVLK on RDNA 4) doubles it, and
// it is a roof, not an addition: with the FLOPs slower than it, the FLOPs' time alone.
TEST(Prefill, VulkanFlashAttentionStreamsTheCachePerQueryRowBlockAndHead) {
  ModelSpec gqa = llama2_7b_shape();
  gqa.kv_heads = 8;
  const QuantSpec q = q4_0();
  HardwareSpec rdna4 = test_rdna(100, 512);
  rdna4.rdna_generation = 4;
  EfficiencyConstants k = simple_constants();
  k.kv_bandwidth_efficiency = 0.5;
  k.vector_flash_attention_compute_efficiency = k.scalar_flash_attention_compute_efficiency = 1e9;  // FLOPs free
  EfficiencyConstants slow_flops = k;
  slow_flops.vector_flash_attention_compute_efficiency = 1e-4;
  auto seconds = [&](const ModelSpec& m, std::optional<VulkanDriver> driver, double depth, const EfficiencyConstants& c,
                     bool flash = true) {
    Scenario s{.hardware = &rdna4, .model = &m, .quant = &q, .backend = Backend::llama_cpp, .api = DeviceApi::vulkan};
    s.flash_attention = flash;
    s.vulkan_driver = driver;
    return prefill_seconds(s, fit_memory(s, k), c, 2048, depth);
  };
  const double depth = 65536;
  const double stream = seconds(gqa, VulkanDriver::radv, depth, k) - seconds(gqa, VulkanDriver::radv, 0, k);
  const double cache_growth =
      kv_read_bytes(gqa, KvCacheType::f16, depth + 1024) - kv_read_bytes(gqa, KvCacheType::f16, 1024);
  const double expected = 2048.0 / 16 * 4 * cache_growth / (100e9 * 0.5);
  EXPECT_NEAR(stream, expected, 0.02 * expected);
  // Four query heads per KV head read it four times: the same stream as the model with a KV head per query head,
  // whose cache is four times larger.
  const ModelSpec mha = llama2_7b_shape();
  EXPECT_NEAR(seconds(mha, VulkanDriver::radv, depth, k) - seconds(mha, VulkanDriver::radv, 0, k), stream,
              0.02 * stream);
  // Linear-attention layers stream nothing (their recurrent state is not the cache), and an MLA layer's every query
  // head reads the one cached latent as K (latent + RoPE key) and V (latent): 32 heads x (2 x 512 + 64) elements.
  ModelSpec hybrid = llama2_7b_shape();
  hybrid.attention.linear_attention_layers = 24;
  hybrid.attention.linear_key_heads = 16;
  hybrid.attention.linear_value_heads = 32;
  hybrid.attention.linear_key_head_dim = hybrid.attention.linear_value_head_dim = 128;
  const double per_layer_mha = stream / 32;
  EXPECT_NEAR(seconds(hybrid, VulkanDriver::radv, depth, k) - seconds(hybrid, VulkanDriver::radv, 0, k),
              8 * per_layer_mha, 0.02 * 8 * per_layer_mha);
  ModelSpec mla = llama2_7b_shape();
  mla.mla.kv_lora_rank = 512;
  mla.mla.qk_rope_head_dim = 64;
  const double mla_stream = 2048.0 / 16 * 32 * 32 * depth * (2 * 512 + 64) * 2 / (100e9 * 0.5);
  EXPECT_NEAR(seconds(mla, VulkanDriver::radv, depth, k) - seconds(mla, VulkanDriver::radv, 0, k), mla_stream,
              0.02 * mla_stream);
  // The scalar shader's 8-row blocks read it twice as often.
  EXPECT_NEAR(seconds(gqa, VulkanDriver::amdvlk, depth, k) - seconds(gqa, VulkanDriver::amdvlk, 0, k), 2 * stream,
              0.02 * 2 * stream);
  // A roof: FLOPs slower than the stream take their own time alone.
  const double flops_time =
      seconds(gqa, VulkanDriver::radv, depth, slow_flops) - seconds(gqa, VulkanDriver::radv, 0, slow_flops);
  EfficiencyConstants no_stream = slow_flops;
  no_stream.kv_bandwidth_efficiency = 1e9;
  EXPECT_GT(flops_time, 10 * stream);
  EXPECT_NEAR(flops_time,
              seconds(gqa, VulkanDriver::radv, depth, no_stream) - seconds(gqa, VulkanDriver::radv, 0, no_stream),
              1e-9 * flops_time);
}

// The coopmat flash-attention shader's KV stream at decode is held by the CUs, not the memory (issue 20): it multiplies
// whole 16-row tiles whatever rows the grouped heads fill, so its work per cached byte is fixed. On that path more
// bandwidth does not speed the cache read once CUs x clock binds, more CUs do; the scalar shader (MHA, AMDVLK on
// RDNA 4), flash attention off, and a chip whose entry states no CUs or clock keep the bandwidth's stream.
TEST(DecodeModel, VulkanCoopmatDecodeStreamsTheCacheAtTheCusRoof) {
  const QuantSpec q = q4_0();
  EfficiencyConstants k = simple_constants();
  k.vector_decode_attention_efficiency = 0.04;
  const ModelSpec ratio8 = [] {
    ModelSpec m = llama2_7b_shape();
    m.kv_heads = m.attention_heads / 8;
    return m;
  }();
  const ModelSpec mha = llama2_7b_shape();
  // The cache's share of a step at 32k depth: its time less the empty cache's.
  auto cache_seconds = [&](const HardwareSpec& hw, const ModelSpec& m, std::optional<VulkanDriver> driver, bool fa) {
    Scenario s{.hardware = &hw, .model = &m, .quant = &q, .backend = Backend::llama_cpp, .api = DeviceApi::vulkan};
    s.flash_attention = fa;
    s.vulkan_driver = driver;
    s.engine_year = 2025;
    const MemoryFit fit = fit_memory(s, k);
    return decode_seconds_per_token(s, fit, k, 32768) - decode_seconds_per_token(s, fit, k, 0);
  };
  HardwareSpec slow = test_rdna(640, 64);
  slow.rdna_generation = 4;
  slow.gpu_cores = 64;
  slow.gpu_clock_ghz = 2.9;
  HardwareSpec fast = slow;  // twice the bandwidth, the same CUs
  fast.bandwidth_gb_s = 1280;
  HardwareSpec wide = fast;  // twice the CUs too
  wide.gpu_cores = 128;
  // RADV's coopmat shader (grouped heads): the CUs bind, so doubling the bandwidth leaves the cache's time; doubling
  // the CUs as well halves it.
  const double coopmat = cache_seconds(slow, ratio8, VulkanDriver::radv, true);
  ASSERT_GT(coopmat, 0);
  EXPECT_NEAR(cache_seconds(fast, ratio8, VulkanDriver::radv, true), coopmat, 1e-9 * coopmat);
  EXPECT_NEAR(cache_seconds(wide, ratio8, VulkanDriver::radv, true), coopmat / 2, 1e-9 * coopmat);
  // The cache read of the coopmat path takes longer than the bandwidth alone would give.
  EXPECT_GT(coopmat, 1.2 * cache_seconds(slow, ratio8, VulkanDriver::radv, false));
  // Elsewhere the bandwidth sets the cache's stream: doubling it halves the cache's time (the scalar shader's FLOPs
  // stay: take them out by comparing the two differences).
  for (const auto& [m, driver] : {std::pair{&mha, VulkanDriver::radv}, std::pair{&ratio8, VulkanDriver::amdvlk}}) {
    const double at_slow = cache_seconds(slow, *m, driver, true);
    const double at_fast = cache_seconds(fast, *m, driver, true);
    const double kv_at_slow = cache_seconds(slow, *m, driver, false);
    EXPECT_NEAR(at_slow - at_fast, kv_at_slow / 2, 1e-9 * at_slow) << (m == &mha ? "mha" : "amdvlk");
  }
  HardwareSpec unstated = fast;
  unstated.gpu_cores = 0;
  HardwareSpec unstated_slow = slow;
  unstated_slow.gpu_cores = 0;
  EXPECT_NEAR(cache_seconds(unstated, ratio8, VulkanDriver::radv, true),
              cache_seconds(unstated_slow, ratio8, VulkanDriver::radv, true) / 2, 1e-9 * coopmat);
}

// A layer split pipelines a prompt's micro-batches over the devices only where the backend offers events (llama.cpp's
// pipeline_parallel); ggml-vulkan has had them since December 2025 (llama.cpp PR #18047): a 2025 Vulkan build runs two
// cards in turn, no faster than one card's work, where a 2026 build and CUDA of any year overlap them.
TEST(Prefill, VulkanLayerSplitPipelinesOnlyWithEvents) {
  const ModelSpec m = llama2_7b_shape();
  const QuantSpec q = q4_0();
  const HardwareSpec hw = test_rdna(640, 32);
  const EfficiencyConstants k = simple_constants();
  auto seconds = [&](DeviceApi api, int devices, int year) {
    Scenario s{.hardware = &hw, .model = &m, .quant = &q, .backend = Backend::llama_cpp, .api = api};
    s.device_count = devices;
    s.engine_year = year;
    return prefill_seconds(s, fit_memory(s, k), k, 2048, 0);
  };
  // Four 512-token micro-batches over two devices: 5 stage times of half the layers, 1.6x one device's speed.
  EXPECT_NEAR(seconds(DeviceApi::vulkan, 1, 2026) / seconds(DeviceApi::vulkan, 2, 2026), 1.6, 1e-9);
  EXPECT_NEAR(seconds(DeviceApi::vulkan, 1, 0) / seconds(DeviceApi::vulkan, 2, 0), 1.6, 1e-9);
  EXPECT_NEAR(seconds(DeviceApi::rocm, 1, 2025) / seconds(DeviceApi::rocm, 2, 2025), 1.6, 1e-9);
  // A 2025 Vulkan build: the devices in turn, the same time as one device.
  EXPECT_NEAR(seconds(DeviceApi::vulkan, 1, 2025) / seconds(DeviceApi::vulkan, 2, 2025), 1.0, 1e-9);
  EXPECT_FALSE(pipelines_layer_split(Backend::llama_cpp, DeviceApi::vulkan, 2025));
  EXPECT_TRUE(pipelines_layer_split(Backend::llama_cpp, DeviceApi::vulkan, 0));
  EXPECT_FALSE(pipelines_layer_split(Backend::vllm, DeviceApi::cuda, 0));
}

// A layer split keeps at most the scheduler's GGML_SCHED_MAX_COPIES (4) input copies in flight: before the host queues
// micro-batch u on a device it waits for that device to finish u − 4 (ggml_backend_sched_compute_splits, PR #6017).
// One micro-batch (llama-bench's pp512 at n_ubatch 512) runs the devices in turn, no faster than one device; eight
// micro-batches (2048 tokens at n_ubatch 256) over eight devices go five at a time, not all eight.
TEST(Prefill, LayerSplitKeepsTheSchedulersCopiesInFlight) {
  const ModelSpec m = llama2_7b_shape();
  const QuantSpec q = q4_0();
  const HardwareSpec hw = test_gpu(1000, 80);
  const EfficiencyConstants k = simple_constants();
  auto seconds = [&](int devices, double tokens, int micro_batch) {
    Scenario s{.hardware = &hw, .model = &m, .quant = &q, .backend = Backend::llama_cpp, .api = DeviceApi::cuda};
    s.device_count = devices;
    s.micro_batch_tokens = micro_batch;
    return prefill_seconds(s, fit_memory(s, k), k, tokens, 0);
  };
  EXPECT_NEAR(seconds(1, 512, 512) / seconds(4, 512, 512), 1.0, 1e-9);
  // Eight micro-batches through eight devices: groups of five, one group every eight stage times, the last out
  // eight stage times after it entered: 18 stage times where one device takes 64 (all eight in flight: 15).
  EXPECT_NEAR(seconds(1, 2048, 256) / seconds(8, 2048, 256), 64.0 / 18.0, 1e-9);
  // Four devices never fill the window: m micro-batches take m + 3 stage times.
  EXPECT_NEAR(seconds(1, 2048, 256) / seconds(4, 2048, 256), 32.0 / 11.0, 1e-9);
  EXPECT_DOUBLE_EQ(layer_split_pipeline_speedup(8, 1, 4), 1.0);
  EXPECT_DOUBLE_EQ(layer_split_pipeline_speedup(8, 16, 4), 128.0 / 32.0);
  EXPECT_DOUBLE_EQ(layer_split_pipeline_speedup(4, 16, 4), 64.0 / 19.0);
  EXPECT_DOUBLE_EQ(layer_split_pipeline_speedup(1'000'000, 3, 4), 3.0 * 1'000'000 / (2 + 1'000'000));
}

// vLLM on ROCm on an Instinct before gfx90a with matrix cores (an HBM2 AMD part stating its vector figure: the MI100,
// gfx908): vLLM's prefill GEMMs and its batched step's further sequences run at the vector FP32 peak, with the vector
// share; llama.cpp on the same chip (MFMA MMQ), vLLM on a later Instinct (HBM2e, gfx90a) and vLLM without a vector
// figure keep the matrix peak.
TEST(Prefill, VllmGemmsOnTheVectorUnitsRunAtTheVectorPeak) {
  const ModelSpec m = llama2_7b_shape();
  const QuantSpec q = q4_0();
  EfficiencyConstants k = simple_constants();
  k.vector_compute_efficiency = k.compute_efficiency;  // one share: the peaks alone differ
  k.batch_compute_efficiency = 0.5;
  HardwareSpec gfx908 = test_gpu(1000, 80);
  gfx908.vendor = "amd";
  gfx908.apis = {DeviceApi::rocm};
  gfx908.fp16_tflops = 200;
  gfx908.memory_type = "hbm2";
  gfx908.fp32_tflops = 25;
  HardwareSpec matrix = gfx908;  // gfx90a and later: HBM2e and newer
  matrix.memory_type = "hbm2e";
  HardwareSpec no_vector_figure = gfx908;
  no_vector_figure.fp32_tflops = 0;
  auto scenario = [&](const HardwareSpec& hw, Backend backend) {
    Scenario s{.hardware = &hw, .model = &m, .quant = &q, .backend = backend, .api = DeviceApi::rocm};
    s.prompt_tokens = 4096;
    return s;
  };
  // Prefill's weight GEMMs alone (no attention, no overheads): their time scales with the peak they run at.
  EfficiencyConstants gemms_only = k;
  gemms_only.attention_compute_efficiency = gemms_only.flash_attention_compute_efficiency =
      std::numeric_limits<double>::infinity();
  gemms_only.weight_bandwidth_efficiency = 1e9;
  gemms_only.prefill_dequant_passes = 0;
  auto gemm_seconds = [&](const HardwareSpec& hw, Backend backend) {
    const Scenario s = scenario(hw, backend);
    return prefill_seconds(s, fit_memory(s, gemms_only), gemms_only, 4096, 0);
  };
  EXPECT_EQ(prefill_gemm_rate(scenario(gfx908, Backend::vllm), k).units, PrefillGemmUnits::vector_fp32);
  EXPECT_NE(prefill_gemm_rate(scenario(gfx908, Backend::llama_cpp), k).units, PrefillGemmUnits::vector_fp32);
  EXPECT_NE(prefill_gemm_rate(scenario(matrix, Backend::vllm), k).units, PrefillGemmUnits::vector_fp32);
  EXPECT_NE(prefill_gemm_rate(scenario(no_vector_figure, Backend::vllm), k).units, PrefillGemmUnits::vector_fp32);
  ASSERT_GT(gemm_seconds(matrix, Backend::vllm), 0);
  EXPECT_NEAR(gemm_seconds(gfx908, Backend::vllm) / gemm_seconds(matrix, Backend::vllm), 200.0 / 25.0, 1e-6);
  EXPECT_DOUBLE_EQ(gemm_seconds(gfx908, Backend::llama_cpp), gemm_seconds(matrix, Backend::llama_cpp));
  // The batched step: B - 1 further sequences' FLOPs at the vector peak, the first one's weight stream unchanged.
  auto step_compute = [&](const HardwareSpec& hw) {
    Scenario s = scenario(hw, Backend::vllm);
    s.batch = 16;
    Prediction p;
    (void)decode_seconds_per_token(s, fit_memory(s, k), k, 0, &p);
    return p.decode_seconds_compute;
  };
  ASSERT_GT(step_compute(matrix), 0);
  EXPECT_NEAR(step_compute(gfx908) / step_compute(matrix), 200.0 / 25.0, 1e-6);
  // Batch 1 has no further sequences: a batch-1 step bound by its weight stream (not the FLOP roof) is unchanged.
  auto batch1 = [&](const HardwareSpec& hw) {
    const Scenario s = scenario(hw, Backend::vllm);
    return decode_seconds_per_token(s, fit_memory(s, k), k, 0);
  };
  EXPECT_DOUBLE_EQ(batch1(gfx908), batch1(matrix));
}

// Quantised prefill on Vulkan on AMD's RDNA (issue 20): ggml-vulkan multiplies quantised weights either in its
// integer-dot MMQ shaders (no cooperative matrices) or by dequantising tiles for the coopmat shader, and both track
// the vector FP32 peak, not the WMMA figure: the weight GEMMs' time scales with fp32_tflops and not at all with
// fp16_tflops, at vector_quantised_compute_efficiency. ROCm on the same chip, float weights on Vulkan (their own
// rules), NVIDIA on Vulkan and an entry without a vector figure keep the matrix peak.
TEST(Prefill, VulkanQuantisedGemmsOnAmdTrackTheVectorPeak) {
  const ModelSpec m = llama2_7b_shape();
  const QuantSpec q = q4_0();
  const QuantSpec f16 = as_f16(q4_0());
  EfficiencyConstants k = simple_constants();
  k.kv_bandwidth_efficiency = 1e9;  // the flash-attention KV stream free (VulkanFlashAttentionStreams... tests it)
  k.vector_quantised_compute_efficiency = 0.25;
  k.attention_compute_efficiency = k.flash_attention_compute_efficiency = k.vector_compute_efficiency =
      k.vector_flash_attention_compute_efficiency = std::numeric_limits<double>::infinity();  // the weight GEMMs alone
  k.weight_bandwidth_efficiency = 1e9;
  k.prefill_dequant_passes = 0;
  HardwareSpec rdna4 = test_rdna(640, 32);
  HardwareSpec more_wmma = rdna4;
  more_wmma.fp16_tflops = 400;
  HardwareSpec more_vector = rdna4;
  more_vector.fp32_tflops = 100;
  HardwareSpec no_vector_figure = rdna4;
  no_vector_figure.fp32_tflops = 0;
  HardwareSpec nvidia = rdna4;
  nvidia.vendor = "nvidia";
  auto scenario = [&](const HardwareSpec& hw, DeviceApi api, const QuantSpec& quant) {
    Scenario s{.hardware = &hw, .model = &m, .quant = &quant, .backend = Backend::llama_cpp, .api = api};
    s.prompt_tokens = 4096;
    return s;
  };
  auto gemm_seconds = [&](const HardwareSpec& hw, DeviceApi api, const EfficiencyConstants& c) {
    const Scenario s = scenario(hw, api, q);
    return prefill_seconds(s, fit_memory(s, c), c, 4096, 0);
  };
  const PrefillGemmRate rate = prefill_gemm_rate(scenario(rdna4, DeviceApi::vulkan, q), k);
  EXPECT_EQ(rate.units, PrefillGemmUnits::vector_fp32);
  EXPECT_DOUBLE_EQ(rate.value, k.vector_quantised_compute_efficiency);
  EXPECT_NE(prefill_gemm_rate(scenario(rdna4, DeviceApi::rocm, q), k).units, PrefillGemmUnits::vector_fp32);
  EXPECT_NE(prefill_gemm_rate(scenario(rdna4, DeviceApi::vulkan, f16), k).units, PrefillGemmUnits::vector_fp32);
  EXPECT_NE(prefill_gemm_rate(scenario(nvidia, DeviceApi::vulkan, q), k).units, PrefillGemmUnits::vector_fp32);
  EXPECT_NE(prefill_gemm_rate(scenario(no_vector_figure, DeviceApi::vulkan, q), k).units,
            PrefillGemmUnits::vector_fp32);
  // 2·N·P FLOPs at 25 % of 50 TFLOPS.
  EXPECT_NEAR(gemm_seconds(rdna4, DeviceApi::vulkan, k),
              4096 * 2.0 * weight_bytes(m, q).active_params / (0.25 * 50e12), 1e-6 * gemm_seconds(rdna4, DeviceApi::vulkan, k));
  EXPECT_DOUBLE_EQ(gemm_seconds(more_wmma, DeviceApi::vulkan, k), gemm_seconds(rdna4, DeviceApi::vulkan, k));
  EXPECT_NEAR(gemm_seconds(rdna4, DeviceApi::vulkan, k) / gemm_seconds(more_vector, DeviceApi::vulkan, k), 2.0, 1e-9);
  EXPECT_LT(gemm_seconds(more_wmma, DeviceApi::rocm, k), gemm_seconds(rdna4, DeviceApi::rocm, k));
  // The share is its own: the matrix-peak quantised share does not move it.
  EfficiencyConstants other_matrix_share = k;
  other_matrix_share.compute_efficiency = 0.1;
  EXPECT_DOUBLE_EQ(gemm_seconds(rdna4, DeviceApi::vulkan, other_matrix_share), gemm_seconds(rdna4, DeviceApi::vulkan, k));
}

// Quantised prefill on Vulkan on Intel's Xe2 (issue 20): Xe2 is the one Intel architecture ggml-vulkan gives
// cooperative matrices, and its quantised prompts take the dequantising coopmat shader as RADV's do, so the weight
// GEMMs track the vector FP32 peak at vector_quantised_compute_efficiency, not the XMX figure. SYCL on the same chip
// (oneDNN on XMX) keeps the matrix peak; an Intel chip without cooperative matrices on Vulkan (vector_only_apis)
// runs every GEMM at the vector GEMMs' own share.
TEST(Prefill, VulkanQuantisedGemmsOnIntelXe2TrackTheVectorPeak) {
  const ModelSpec m = llama2_7b_shape();
  const QuantSpec q = q4_0();
  EfficiencyConstants k = simple_constants();
  k.kv_bandwidth_efficiency = 1e9;  // the flash-attention KV stream free (VulkanFlashAttentionStreams... tests it)
  k.vector_quantised_compute_efficiency = 0.25;
  k.vector_compute_efficiency = 0.125;
  k.attention_compute_efficiency = k.flash_attention_compute_efficiency =
      k.vector_flash_attention_compute_efficiency = std::numeric_limits<double>::infinity();  // the weight GEMMs alone
  k.weight_bandwidth_efficiency = 1e9;
  k.prefill_dequant_passes = 0;
  HardwareSpec xe2 = test_rdna(608, 32);
  xe2.vendor = "intel";
  xe2.apis = {DeviceApi::sycl, DeviceApi::vulkan};
  HardwareSpec more_xmx = xe2;
  more_xmx.fp16_tflops = 400;
  HardwareSpec more_vector = xe2;
  more_vector.fp32_tflops = 100;
  HardwareSpec before_xe2 = xe2;
  before_xe2.vector_only_apis = {DeviceApi::vulkan};
  auto scenario = [&](const HardwareSpec& hw, DeviceApi api) {
    Scenario s{.hardware = &hw, .model = &m, .quant = &q, .backend = Backend::llama_cpp, .api = api};
    s.prompt_tokens = 4096;
    return s;
  };
  auto seconds = [&](const HardwareSpec& hw, DeviceApi api) {
    const Scenario s = scenario(hw, api);
    return prefill_seconds(s, fit_memory(s, k), k, 4096, 0);
  };
  const PrefillGemmRate rate = prefill_gemm_rate(scenario(xe2, DeviceApi::vulkan), k);
  EXPECT_EQ(rate.units, PrefillGemmUnits::vector_fp32);
  EXPECT_DOUBLE_EQ(rate.value, k.vector_quantised_compute_efficiency);
  EXPECT_EQ(prefill_gemm_rate(scenario(xe2, DeviceApi::sycl), k).units, PrefillGemmUnits::matrix_quantised);
  EXPECT_DOUBLE_EQ(prefill_gemm_rate(scenario(before_xe2, DeviceApi::vulkan), k).value, k.vector_compute_efficiency);
  // 2·N·P FLOPs at 25 % of 50 vector TFLOPS, whatever the XMX figure.
  const double expected = 4096 * 2.0 * weight_bytes(m, q).active_params / (0.25 * 50e12);
  EXPECT_NEAR(seconds(xe2, DeviceApi::vulkan), expected, 1e-6 * expected);
  EXPECT_DOUBLE_EQ(seconds(more_xmx, DeviceApi::vulkan), seconds(xe2, DeviceApi::vulkan));
  EXPECT_NEAR(seconds(xe2, DeviceApi::vulkan) / seconds(more_vector, DeviceApi::vulkan), 2.0, 1e-9);
  EXPECT_LT(seconds(more_xmx, DeviceApi::sycl), seconds(xe2, DeviceApi::sycl));
}

// Routed experts on ggml-vulkan's FMA matmul_id tiles (issue 20): the shader computes a whole tile of BN tokens
// (128 past 64 tokens, 64 past 32, else 32) for every expert a micro-batch routes to, however few of its rows the
// expert got. A BF16 MoE on Vulkan on AMD (no bfloat16 cooperative matrices: the vector ALUs) with 256 experts, 8
// per token, routes 16 rows per expert in a 512-token micro-batch: its routed FLOPs cost 128/16 = 8x; in one
// 4096-token micro-batch 128 rows fill the tile exactly. Quantised weights (the coopmat/MMQ paths), ROCm and a
// dense model pay nothing extra.
TEST(Prefill, VulkanBf16ExpertsPayForWholeMatmulIdTiles) {
  ModelSpec m = llama2_7b_shape();
  m.moe.experts = 256;
  m.moe.experts_per_token = 8;
  m.moe.expert_intermediate_size = 512;
  QuantSpec bf16 = q4_0();
  bf16.id = "bf16";
  bf16.kernel = QuantKernel::float_;
  bf16.bits_per_weight = 16;
  bf16.output_bits_per_weight = 16;
  EfficiencyConstants k = simple_constants();
  k.kv_bandwidth_efficiency = 1e9;  // the flash-attention KV stream free (VulkanFlashAttentionStreams... tests it)
  k.vector_compute_efficiency = 0.5;
  k.vector_quantised_compute_efficiency = 0.5;
  k.float_compute_efficiency = k.float_expert_compute_efficiency = 0.5;
  k.attention_compute_efficiency = k.flash_attention_compute_efficiency =
      k.vector_flash_attention_compute_efficiency = std::numeric_limits<double>::infinity();  // the weight GEMMs alone
  k.weight_bandwidth_efficiency = 1e9;
  k.prefill_dequant_passes = 0;
  HardwareSpec rdna = test_rdna(640, 512);
  auto seconds = [&](const ModelSpec& model, const QuantSpec& q, DeviceApi api, int tokens, int ubatch) {
    Scenario s{.hardware = &rdna, .model = &model, .quant = &q, .backend = Backend::llama_cpp, .api = api};
    s.prompt_tokens = tokens;
    s.micro_batch_tokens = ubatch;
    return prefill_seconds(s, fit_memory(s, k), k, tokens, 0);
  };
  const WeightBytes w = weight_bytes(m, bf16);
  ASSERT_GT(w.active_routed_params, 0);
  const double vector_rate = 0.5 * 50e12;
  // 512 tokens in one micro-batch: 16 rows per expert in 128-row tiles.
  const double padded = 512 * 2.0 * (w.active_params + 7 * w.active_routed_params) / vector_rate;
  EXPECT_NEAR(seconds(m, bf16, DeviceApi::vulkan, 512, 512), padded, 1e-6 * padded);
  // 4096 tokens in one micro-batch: 128 rows per expert fill their tile.
  const double full = 4096 * 2.0 * w.active_params / vector_rate;
  EXPECT_NEAR(seconds(m, bf16, DeviceApi::vulkan, 4096, 4096), full, 1e-6 * full);
  // 16 tokens: the small 32-token tile, 0.5 row per expert hit; each hit expert costs 32 rows.
  const double hit = expected_distinct_experts(m.moe.experts, m.moe.experts_per_token, 16, 0.0);  // uniform at prefill
  const double small = 16 * 2.0 * (w.active_params - w.active_routed_params) / vector_rate +
                       hit * 32 * 2.0 * w.active_routed_params / 8 / vector_rate;
  EXPECT_NEAR(seconds(m, bf16, DeviceApi::vulkan, 16, 512), small, 1e-6 * small);
  // Quantised experts (coopmat or MMQ tiles), ROCm and a dense model: the routed FLOPs alone.
  const QuantSpec q = q4_0();
  const double quantised = 512 * 2.0 * weight_bytes(m, q).active_params / vector_rate;
  EXPECT_NEAR(seconds(m, q, DeviceApi::vulkan, 512, 512), quantised, 1e-6 * quantised);
  EXPECT_LT(seconds(m, bf16, DeviceApi::rocm, 512, 512), 512 * 2.0 * w.active_params / (0.5 * 200e12) * 1.000001);
  const ModelSpec dense = llama2_7b_shape();
  const double dense_s = 512 * 2.0 * weight_bytes(dense, bf16).active_params / vector_rate;
  EXPECT_NEAR(seconds(dense, bf16, DeviceApi::vulkan, 512, 512), dense_s, 1e-6 * dense_s);
}

// ggml-cuda's MMQ on ROCm (issue 20) tiles a prompt by J tokens (128 on matrix engines, 64 on int8 dot products only)
// and reads a matrix's weights once per column tile: the weight passes (prefill_dequant_passes, stated for a 512-token
// micro-batch) scale with the micro-batch's column tiles, so a prompt's passes per token stay the same from 128-token
// micro-batches up. A routed expert is read once per tile of its own rows, by the experts a micro-batch hits, and its
// FLOPs are those of whole tiles. CUDA keeps passes per micro-batch and the routed FLOPs alone.
TEST(Prefill, RocmMmqReadsWeightsOncePerColumnTileAndPadsExpertTiles) {
  const ModelSpec dense = llama2_7b_shape();
  const QuantSpec q = q4_0();
  EfficiencyConstants k = simple_constants();
  k.attention_compute_efficiency = k.flash_attention_compute_efficiency = k.vector_flash_attention_compute_efficiency =
      k.vector_quantised_compute_efficiency = std::numeric_limits<double>::infinity();
  k.weight_bandwidth_efficiency = 1e9;  // the weight stream free
  k.prefill_dequant_passes = 2;
  HardwareSpec rdna = test_rdna(500, 512);
  rdna.memory_type = "gddr6";
  auto seconds = [&](const HardwareSpec& hw, const ModelSpec& m, DeviceApi api, int tokens, int ubatch,
                     const EfficiencyConstants& c) {
    Scenario s{.hardware = &hw, .model = &m, .quant = &q, .backend = Backend::llama_cpp, .api = api};
    s.prompt_tokens = tokens;
    s.micro_batch_tokens = ubatch;
    return prefill_seconds(s, fit_memory(s, c), c, tokens, 0);
  };
  // The passes alone (the GEMMs' FLOPs free): 2 passes over the stored bytes per 512-token micro-batch at 500 GB/s.
  EfficiencyConstants passes_only = k;
  passes_only.compute_efficiency = 1e9;
  const double pass = 2 * weight_bytes(dense, q).stored / 500e9;
  EXPECT_NEAR(seconds(rdna, dense, DeviceApi::rocm, 512, 512, passes_only), pass, 1e-3 * pass);
  // 2048 tokens: four 512-token micro-batches or one 2048-token one (16 column tiles of 128 against 4) cost the same.
  EXPECT_NEAR(seconds(rdna, dense, DeviceApi::rocm, 2048, 512, passes_only), 4 * pass, 4e-3 * pass);
  EXPECT_NEAR(seconds(rdna, dense, DeviceApi::rocm, 2048, 2048, passes_only), 4 * pass, 4e-3 * pass);
  // 64-token micro-batches are one 64-token tile each: a quarter of a 512-token micro-batch's passes.
  EXPECT_NEAR(seconds(rdna, dense, DeviceApi::rocm, 512, 64, passes_only), 8 * pass / 4, 2e-3 * pass);
  // CUDA (the same kernel; no CUDA run here tests it) keeps 2 passes per micro-batch, whatever its size.
  EXPECT_NEAR(seconds(rdna, dense, DeviceApi::cuda, 2048, 2048, passes_only), pass, 1e-3 * pass);
  // A GCN Instinct (no matrix cores: 64-token tiles): 2048 tokens in one micro-batch are 32 tiles against 8.
  HardwareSpec gcn = rdna;
  gcn.memory_type = "hbm2";
  gcn.fp16_tflops = 2 * gcn.fp32_tflops;
  const double gcn_pass = 2 * weight_bytes(dense, q).stored / 500e9;
  EXPECT_NEAR(seconds(gcn, dense, DeviceApi::rocm, 2048, 2048, passes_only), 4 * gcn_pass, 4e-3 * gcn_pass);
  EXPECT_NEAR(seconds(gcn, dense, DeviceApi::rocm, 512, 64, passes_only), pass, 1e-3 * pass);

  // An MoE of 256 experts, 8 per token: a 512-token micro-batch routes 16 rows to each expert it hits.
  ModelSpec moe = dense;
  moe.moe.experts = 256;
  moe.moe.experts_per_token = 8;
  moe.moe.expert_intermediate_size = 512;
  const WeightBytes w = weight_bytes(moe, q);
  ASSERT_GT(w.routed_experts, 0);
  const double hit = expected_distinct_experts(moe.moe.experts, moe.moe.experts_per_token, 512, 0.0);  // uniform at prefill
  ASSERT_GT(hit, 250);
  // Its experts' weights pass once per hit expert (one 128-row tile of 16 rows), not 4 times per micro-batch.
  const double moe_pass = 2 * (w.stored - w.routed_experts * (1 - hit / (256.0 * 4))) / 500e9;
  EXPECT_NEAR(seconds(rdna, moe, DeviceApi::rocm, 512, 512, passes_only), moe_pass, 1e-3 * moe_pass);
  EXPECT_NEAR(seconds(rdna, moe, DeviceApi::cuda, 512, 512, passes_only), 2 * w.stored / 500e9, 1e-3 * moe_pass);
  // Its routed FLOPs are whole 128-row tiles: 8x (the passes free).
  EfficiencyConstants flops_only = k;
  flops_only.prefill_dequant_passes = 0;
  const double rate = 0.5 * 200e12;
  const double padded = 512 * 2.0 * (w.active_params + 7 * w.active_routed_params) / rate;
  EXPECT_NEAR(seconds(rdna, moe, DeviceApi::rocm, 512, 512, flops_only), padded, 1e-3 * padded);
  const double routed_only = 512 * 2.0 * w.active_params / rate;
  EXPECT_NEAR(seconds(rdna, moe, DeviceApi::cuda, 512, 512, flops_only), routed_only, 1e-3 * routed_only);
  // A 4096-token micro-batch fills the experts' tiles (128 rows each): no padding.
  const double full = 4096 * 2.0 * w.active_params / rate;
  EXPECT_NEAR(seconds(rdna, moe, DeviceApi::rocm, 4096, 4096, flops_only), full, 1e-3 * full);
}

// ggml-vulkan unpacks quantised weight tiles inside its GEMM shaders, on the vector ALUs (issue 20): a prompt's
// dequantisation passes cost kVulkanDequantFlopPerWeight (56.25: 100 per byte of a 4.5-bit weight) FP32 operations
// per weight at fp32_tflops, so they scale with the vector peak and not with the memory bandwidth, and an 8.5-bit
// weight costs what a 4.5-bit one does (ROCm's, a DRAM stream, costs its bytes); ROCm's (a separate kernel) stream
// from DRAM, and an entry without a vector figure keeps the stream.
TEST(Prefill, VulkanDequantisationPassesRunOnTheVectorAlus) {
  const ModelSpec m = llama2_7b_shape();
  const QuantSpec q = q4_0();
  EfficiencyConstants k = simple_constants();
  k.kv_bandwidth_efficiency = 1e9;  // the flash-attention KV stream free (VulkanFlashAttentionStreams... tests it)
  k.compute_efficiency = k.vector_quantised_compute_efficiency = 1e9;  // the GEMMs' FLOPs free
  k.attention_compute_efficiency = k.flash_attention_compute_efficiency = k.vector_compute_efficiency =
      k.vector_flash_attention_compute_efficiency = std::numeric_limits<double>::infinity();
  k.weight_bandwidth_efficiency = 1e9;  // the weight stream free
  k.prefill_dequant_passes = 2;
  HardwareSpec rdna = test_rdna(500, 64);
  HardwareSpec more_bandwidth = rdna;
  more_bandwidth.bandwidth_gb_s = 1000;
  HardwareSpec more_vector = rdna;
  more_vector.fp32_tflops = 100;
  HardwareSpec no_vector_figure = rdna;
  no_vector_figure.fp32_tflops = 0;
  auto seconds = [&](const HardwareSpec& hw, DeviceApi api) {
    Scenario s{.hardware = &hw, .model = &m, .quant = &q, .backend = Backend::llama_cpp, .api = api};
    s.prompt_tokens = 1024;
    return prefill_seconds(s, fit_memory(s, k), k, 1024, 0);
  };
  const double stored = weight_bytes(m, q).stored;
  // Two 512-token micro-batches, two passes each, 100 FLOP per byte at 50 TFLOPS.
  const double vulkan = 2 * 2 * stored * 100 / 50e12;
  EXPECT_NEAR(seconds(rdna, DeviceApi::vulkan), vulkan, 1e-3 * vulkan);
  EXPECT_NEAR(seconds(more_bandwidth, DeviceApi::vulkan), vulkan, 1e-3 * vulkan);
  EXPECT_NEAR(seconds(more_vector, DeviceApi::vulkan), vulkan / 2, 1e-3 * vulkan);
  const double rocm = 2 * 2 * stored / 500e9;
  EXPECT_NEAR(seconds(rdna, DeviceApi::rocm), rocm, 1e-3 * rocm);
  EXPECT_NEAR(seconds(more_bandwidth, DeviceApi::rocm), rocm / 2, 1e-3 * rocm);
  EXPECT_NEAR(seconds(no_vector_figure, DeviceApi::vulkan), rocm, 1e-3 * rocm);
  // Q8_0-like: the same weights in 8.5 bits per weight, more bytes; on Vulkan the unpack costs per weight.
  QuantSpec q8 = q;
  q8.id = "q8_0";
  q8.bits_per_weight = 8.5;
  q8.block_bytes = 34;
  Scenario s8{.hardware = &rdna, .model = &m, .quant = &q8, .backend = Backend::llama_cpp, .api = DeviceApi::vulkan};
  s8.prompt_tokens = 1024;
  const double stored8 = weight_bytes(m, q8).stored;
  ASSERT_GT(stored8, 1.5 * stored);
  const double vulkan8 = 2 * 2 * stored8 * (100 * 4.5 / 8) / (8.5 / 8) / 50e12;
  EXPECT_NEAR(prefill_seconds(s8, fit_memory(s8, k), k, 1024, 0), vulkan8, 1e-3 * vulkan8);
  s8.api = DeviceApi::rocm;
  EXPECT_NEAR(prefill_seconds(s8, fit_memory(s8, k), k, 1024, 0), 2 * 2 * stored8 / 500e9, 1e-3 * rocm);
}

// Vulkan on NVIDIA (issue 20): ggml-vulkan's cooperative-matrix shaders unpack the quantised weight tiles on the
// vector ALUs on NVIDIA too, so the shipped catalogue states the vector FP32 peak of the NVIDIA chips with Vulkan
// runs, and a prompt's dequantisation passes scale with it: Turing (the RTX 2080 Ti: 64 FP32 lanes per SM, a quarter
// of its FP32-accumulate tensor rate) unpacks 6.1x slower than the RTX 4090 (Ada: 128 lanes per SM, half its tensor
// rate), where its tensor peak is 3.1x and its bandwidth 1.6x lower. Without the vector figure the passes stream
// from DRAM and the two chips differ by their bandwidth only.
TEST(Prefill, VulkanOnNvidiaUnpacksWeightTilesAtTheVectorPeak) {
  const Catalog& cat = Catalog::builtin();
  const ModelSpec& m = *cat.find_model("llama-3-8b");
  const QuantSpec& q = *cat.find_quant("q4_k_m");
  const HardwareSpec& turing = *cat.find_hardware("rtx-2080-ti");
  const HardwareSpec& ada = *cat.find_hardware("rtx-4090");
  EXPECT_GT(turing.fp32_tflops, 0);
  EXPECT_GT(ada.fp32_tflops, 0);
  EXPECT_LT(turing.fp32_tflops / turing.fp16_tflops, ada.fp32_tflops / ada.fp16_tflops);  // Turing: 1/4, Ada: 1/2
  EfficiencyConstants k = simple_constants();
  k.compute_efficiency = k.vector_quantised_compute_efficiency = 1e9;  // the GEMMs' FLOPs free
  k.attention_compute_efficiency = k.flash_attention_compute_efficiency = k.vector_compute_efficiency =
      k.vector_flash_attention_compute_efficiency = std::numeric_limits<double>::infinity();
  k.weight_bandwidth_efficiency = 1e9;  // the weight stream free
  k.prefill_layer_overhead_us = 0;
  k.prefill_dequant_passes = 2;
  auto seconds = [&](const HardwareSpec& hw, DeviceApi api) {
    Scenario s{.hardware = &hw, .model = &m, .quant = &q, .backend = Backend::llama_cpp, .api = api};
    s.prompt_tokens = 512;
    return prefill_seconds(s, fit_memory(s, k), k, 512, 0);
  };
  const double vulkan_ratio = seconds(turing, DeviceApi::vulkan) / seconds(ada, DeviceApi::vulkan);
  EXPECT_NEAR(vulkan_ratio, ada.fp32_tflops / turing.fp32_tflops, 1e-3 * vulkan_ratio);
  EXPECT_GT(vulkan_ratio, ada.fp16_tflops / turing.fp16_tflops);
  // CUDA's dequantisation is a kernel of its own: its passes stream from DRAM, at the bandwidth ratio.
  const double cuda_ratio = seconds(turing, DeviceApi::cuda) / seconds(ada, DeviceApi::cuda);
  EXPECT_NEAR(cuda_ratio, ada.bandwidth_gb_s / turing.bandwidth_gb_s, 1e-3 * cuda_ratio);
  // The vector figure is for Vulkan's prompt unpack: it does not add the sub-4-bit K-quant decode unpack on NVIDIA
  // (measured on AMD only), so a Q3_K decode predicts as it did without the figure, on both APIs.
  EfficiencyConstants unpack = simple_constants();
  unpack.low_bit_kquant_unpack_ops_per_weight = 16;
  const QuantSpec& q3 = *cat.find_quant("q3_k_m");
  HardwareSpec without_vector_figure = turing;
  without_vector_figure.fp32_tflops = 0;
  for (const DeviceApi api : {DeviceApi::cuda, DeviceApi::vulkan}) {
    Scenario s{.hardware = &turing, .model = &m, .quant = &q3, .backend = Backend::llama_cpp, .api = api};
    const double with_figure = predict(s, unpack).decode_tok_s;
    s.hardware = &without_vector_figure;
    EXPECT_DOUBLE_EQ(with_figure, predict(s, unpack).decode_tok_s) << enum_name(api);
  }
}

// Matrix engines the device API cannot reach (issue 20): where the catalogue says an API multiplies on the vector
// ALUs (vector_only_apis), the shipped profile never predicts prefill FLOPs above the vector FP32 peak at the
// highest GEMM share a profile may set, whatever the matrix figure fp16_tflops says, for every such entry.
TEST(Prefill, MatrixEnginesTheApiCannotReachCapPrefillAtTheVectorPeak) {
  const Catalog& cat = Catalog::builtin();
  const ModelSpec& m = *cat.find_model("llama-3-8b");
  double highest_share = 0;
  for (const ConstantField& f : kConstantFields)
    if (f.name == "compute_efficiency" || f.name == "float_compute_efficiency" || f.name == "vector_compute_efficiency")
      highest_share = std::max(highest_share, f.high);
  int checked = 0;
  for (const HardwareSpec& hw : cat.hardware()) {
    for (const DeviceApi api : hw.vector_only_apis) {
      for (const char* quant : {"q4_0", "q4_k_m", "f16"}) {
        const QuantSpec& q = *cat.find_quant(quant);
        Scenario s{.hardware = &hw, .model = &m, .quant = &q};
        s.api = api;
        s.prompt_tokens = 512;
        const EfficiencyConstants& k =
            shipped_efficiency_profile().lookup(Backend::llama_cpp, api, hardware_class(hw)).constants;
        const Prediction p = predict(s, k);
        ASSERT_GT(p.prefill_tok_s, 0) << hw.id;
        const double flops_per_s = p.prefill_tok_s * 2.0 * weight_bytes(m, q).active_params;
        EXPECT_LE(flops_per_s, hw.fp32_tflops * 1e12 * highest_share) << hw.id << " " << enum_name(api) << " " << quant;
        ++checked;
      }
    }
  }
  EXPECT_GE(checked, 12);
}

TEST(Fit, VerdictAtTheEdge) {
  const ModelSpec m = llama2_7b_shape();
  const QuantSpec q = q4_0();
  const EfficiencyConstants k = simple_constants();
  HardwareSpec hw = test_gpu(100, 24);
  Scenario s{.hardware = &hw, .model = &m, .quant = &q, .context_tokens = 4096};
  s.margin = kNoFitMargin;  // the edge itself (the margin has its own test)
  const MemoryFit roomy = fit_memory(s, k);
  const double needed_gib = roomy.total_bytes / units::kBytesPerGiB;
  s.memory_gib = needed_gib * (1 + 1e-12);  // just enough
  EXPECT_TRUE(fit_memory(s, k).fits);
  s.memory_gib = needed_gib * (1 - 1e-9);  // a few bytes short
  const MemoryFit short_fit = fit_memory(s, k);
  EXPECT_FALSE(short_fit.fits);
  EXPECT_EQ(short_fit.verdict, FitVerdict::does_not_fit);  // no host given: nowhere to offload
  EXPECT_LT(short_fit.max_context, 4096);
  EXPECT_GT(short_fit.max_context, 4000);
}

TEST(Fit, PartialOffloadCountsLayers) {
  const ModelSpec m = llama2_7b_shape();
  const QuantSpec q = q4_0();
  const EfficiencyConstants k = simple_constants();
  const HardwareSpec gpu = test_gpu(100, 3);
  HardwareSpec host = test_gpu(50, 32);
  host.kind = HardwareKind::cpu;
  Scenario s{.hardware = &gpu, .host = &host, .model = &m, .quant = &q, .context_tokens = 1024};
  const MemoryFit fit = fit_memory(s, k);
  ASSERT_EQ(fit.verdict, FitVerdict::partial_offload);
  // The default margin: 0.5 GB (5 % of 3 GiB is 0.16 GB).
  EXPECT_DOUBLE_EQ(fit.margin_bytes, 0.5e9);
  EXPECT_EQ(fit.offload, OffloadKind::layers);
  // Room: 3 GiB − non-layer 181,248,000 − compute buffer 512·4·(32000 + 4·4096 + 2·11008) B (llama.cpp:
  // logits for all 512 micro-batch tokens) − 0.5 GiB;
  // per layer 113,836,032 weights + 16,777,216 KV (1024 tokens) = 130,613,248 B.
  const double compute = 512.0 * 4 * (32000 + 4 * 4096 + 2 * 11008);
  const double room = 3 * units::kBytesPerGiB - 181'248'000 - compute - 0.5 * units::kBytesPerGiB - 0.5e9;
  EXPECT_EQ(fit.gpu_layers, static_cast<int>(room / 130'613'248));
  EXPECT_EQ(fit.gpu_layers + fit.cpu_layers, 32);
  const Prediction p = predict(s, k);
  EXPECT_GT(p.decode_seconds_host, 0);
}

TEST(Fit, ComputeBufferLogitsPerMicroBatchTokenOnlyForLlamaCpp) {
  // Llama 2 7B shape: vocab 32,000, hidden 4,096, FFN 11,008; micro-batch 8,192 tokens, 4 sequences.
  const ModelSpec m = llama2_7b_shape();
  const QuantSpec q = q4_0();
  EfficiencyConstants k = simple_constants();
  k.micro_batch_tokens = 8192;
  const HardwareSpec gpu = test_gpu(1000, 80);
  Scenario s{.hardware = &gpu, .model = &m, .quant = &q, .context_tokens = 1024};
  s.batch = 4;
  // Activations per token: 4·(4·4096 + 2·11008) = 4·38,400 = 153,600 B; × 8192 = 1,258,291,200 B.
  // llama.cpp reserves logits for every micro-batch token: 8192·4·32,000 = 1,048,576,000 B.
  EXPECT_DOUBLE_EQ(fit_memory(s, k).compute_buffer_bytes, 1'258'291'200.0 + 1'048'576'000.0);
  s.backend = Backend::ollama;  // the same llama.cpp runtime
  EXPECT_DOUBLE_EQ(fit_memory(s, k).compute_buffer_bytes, 1'258'291'200.0 + 1'048'576'000.0);
  // vLLM: logits only for the last token of each of the 4 sequences: 4·4·32,000 = 512,000 B.
  s.backend = Backend::vllm;
  EXPECT_DOUBLE_EQ(fit_memory(s, k).compute_buffer_bytes, 1'258'291'200.0 + 512'000.0);
  s.backend = Backend::transformers;
  s.batch = 1;  // one sequence: 4·32,000 = 128,000 B
  EXPECT_DOUBLE_EQ(fit_memory(s, k).compute_buffer_bytes, 1'258'291'200.0 + 128'000.0);
}

TEST(Fit, UnifiedMemoryFollowsTheMacosRule) {
  HardwareSpec mac = test_gpu(400, 32);
  mac.vendor = "apple";
  mac.kind = HardwareKind::unified;
  EXPECT_DOUBLE_EQ(unified_gpu_fraction(mac, 32), 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(unified_gpu_fraction(mac, 64), 0.75);
  mac.gpu_memory_fraction = 0.9;
  EXPECT_DOUBLE_EQ(unified_gpu_fraction(mac, 64), 0.9);
}

TEST(Monotonicity, BandwidthContextAndBits) {
  const ModelSpec m = llama2_7b_shape();
  QuantSpec q = q4_0();
  const EfficiencyConstants k = default_efficiency_profile().entries.front().constants;
  double previous = 0;
  for (double bandwidth : {50.0, 100.0, 400.0, 1000.0, 3000.0}) {
    const HardwareSpec hw = test_gpu(bandwidth, 80);
    Scenario s{.hardware = &hw, .model = &m, .quant = &q};
    const double decode = predict(s, k).decode_tok_s;
    EXPECT_GE(decode, previous) << bandwidth;
    previous = decode;
  }
  const HardwareSpec hw = test_gpu(1000, 80);
  Scenario s{.hardware = &hw, .model = &m, .quant = &q};
  const MemoryFit fit = fit_memory(s, k);
  double last = 1e30;
  for (double depth : {0.0, 512.0, 2048.0, 4096.0}) {
    const double speed = 1.0 / decode_seconds_per_token(s, fit, k, depth);
    EXPECT_LE(speed, last) << depth;
    last = speed;
  }
}

TEST(Predict, NeverExceedsTheRoofline) {
  const ModelSpec m = llama2_7b_shape();
  const QuantSpec q = q4_0();
  const HardwareSpec hw = test_gpu(1000, 80);
  Scenario s{.hardware = &hw, .model = &m, .quant = &q};
  const Prediction p = predict(s, default_efficiency_profile().entries.front().constants);
  ASSERT_TRUE(p.in_range);
  EXPECT_LT(p.decode_tok_s, p.decode_ceiling_tok_s);
  EXPECT_NEAR(p.decode_ceiling_tok_s, 1000e9 / p.bytes_per_token, 1e-6);
}

TEST(ContextLadder, PowersOfTwoUpToTheMaximum) {
  EXPECT_EQ(context_ladder(4096), (std::vector<std::int64_t>{512, 1024, 2048, 4096}));
  EXPECT_EQ(context_ladder(5000), (std::vector<std::int64_t>{512, 1024, 2048, 4096, 5000}));
  EXPECT_EQ(context_ladder(300), (std::vector<std::int64_t>{300}));
  EXPECT_TRUE(context_ladder(0).empty());
}

}  // namespace
}  // namespace llmfit

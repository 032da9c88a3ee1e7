// Batched decode and serving (issue 21): the batched-step model, the distinct experts a batch reads, the
// engine's limits and vLLM's KV budget and tensor parallelism. Behaviour, not figures: each test states the
// property the model must keep whatever the fitted constants are.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "llmfit/engines.hpp"
#include "llmfit/expert_routing.hpp"
#include "llmfit/errors.hpp"
#include "llmfit/model_terms.hpp"
#include "llmfit/plan.hpp"
#include "llmfit/profile.hpp"

namespace llmfit {
namespace {

const Catalog& cat() { return Catalog::builtin(); }

ResolvedQuery resolve(const std::string& hardware, const std::string& model, int batch = 1,
                      const std::string& backend = "") {
  Query q;
  q.hardware = hardware;
  q.model = model;
  q.batch = batch;
  q.backend = backend;
  return resolve_query(cat(), q, shipped_efficiency_profile());
}

Scenario at_batch(Scenario s, int batch) {
  s.batch = batch;
  return s;
}

double aggregate_at(Scenario s, const EfficiencyConstants& k, int batch) {
  s.batch = batch;
  return predict(s, k).aggregate_decode_tok_s;
}

TEST(DistinctExperts, OneTokenReadsItsTopKAndALargeBatchReadsThemAll) {
  for (const char* id : {"gpt-oss-120b", "gpt-oss-20b", "qwen3-30b-a3b", "deepseek-v3"}) {
    const ModelSpec* m = cat().find_model(id);
    ASSERT_NE(m, nullptr) << id;
    const double k = m->moe.experts_per_token;
    const double e = m->moe.experts;
    EXPECT_NEAR(expected_distinct_experts(*m, 1), k, 1e-12 * k) << id;
    EXPECT_NEAR(expected_distinct_experts(*m, 1 << 20), e, 1e-9 * e) << id;
    // Grows with the batch, never beyond E nor beyond B·k.
    double previous = 0;
    for (int b = 1; b <= 4096; b *= 2) {
      const double d = expected_distinct_experts(*m, b);
      if (previous < e * (1 - 1e-9)) {  // until it reaches E
        EXPECT_GT(d, previous) << id << " at " << b;
      }
      EXPECT_GE(d, previous) << id << " at " << b;
      EXPECT_LE(d, std::min(e, b * k) + 1e-9) << id << " at " << b;
      previous = d;
    }
  }
  EXPECT_EQ(expected_distinct_experts(*cat().find_model("llama-3.1-8b"), 64), 0.0);  // dense
}

TEST(DistinctExperts, ASkewedRouterTouchesFewerExpertsThanUniformRouting) {
  // Trained routers favour some experts (the r-th most chosen in proportion to r^-s): B independent tokens share
  // their popular experts, so the union is below uniform routing's E·(1 − (1 − k/E)^B), yet above one token's k,
  // within E and B·k, and growing with B. With s = 0 it is uniform routing.
  auto uniform = [](double e, double k, int b) { return e * (1 - std::pow(1 - k / e, b)); };
  for (const char* id : {"gpt-oss-120b", "gpt-oss-20b", "qwen3-30b-a3b", "deepseek-v3", "mixtral-8x7b"}) {
    const ModelSpec* m = cat().find_model(id);
    ASSERT_NE(m, nullptr) << id;
    const int e = m->moe.experts;
    const int k = m->moe.experts_per_token;
    double previous = k;
    for (int b = 2; b <= 256; b *= 2) {
      const double skewed = expected_distinct_experts(*m, b);
      EXPECT_LE(skewed, std::min<double>(e, b * k)) << id << " at " << b;
      EXPECT_NEAR(expected_distinct_experts(e, k, b, 0.0), uniform(e, k, b), 1e-9 * e) << id << " at " << b;
      if (e - uniform(e, k, b) < 1e-6 * e) break;  // uniform routing has touched every expert: nothing to compare
      EXPECT_LT(skewed, uniform(e, k, b)) << id << " at " << b;
      EXPECT_GT(skewed, previous) << id << " at " << b;
      // A more concentrated router touches fewer still.
      EXPECT_LT(expected_distinct_experts(e, k, b, 2 * kExpertPopularityExponent), skewed) << id << " at " << b;
      previous = skewed;
    }
    EXPECT_NEAR(expected_distinct_experts(e, k, 1, 3.0), k, 1e-12 * k) << id;  // any router: one token reads k
  }
  // A router so concentrated that its favourites would be picked with probability above 1 picks them every time:
  // the union is still at most E and B·k, and at least k.
  for (int b : {1, 2, 8, 64}) {
    const double d = expected_distinct_experts(16, 4, b, 4.0);
    EXPECT_GE(d, 4 - 1e-9) << b;
    EXPECT_LE(d, std::min(16.0, 4.0 * b) + 1e-9) << b;
  }
}

TEST(BatchedDecode, BatchOneDoesNotReadTheBatchedConstant) {
  // The first sequence's compute hides under the weight stream: batch 1 is the same whatever the batched
  // kernels' efficiency, so the batch-1 calibration cannot move.
  const ResolvedQuery r = resolve("h200", "llama-3.1-8b-q4_k_m");
  EfficiencyConstants slow = r.efficiency->constants;
  EfficiencyConstants fast = slow;
  slow.batch_compute_efficiency = 0.001;
  fast.batch_compute_efficiency = 1.0;
  const Prediction a = predict(r.scenario, slow);
  const Prediction b = predict(r.scenario, fast);
  EXPECT_EQ(a.decode_tok_s, b.decode_tok_s);
  EXPECT_EQ(a.ttft_s, b.ttft_s);
  EXPECT_EQ(a.decode_seconds_compute, 0.0);
}

TEST(BatchedDecode, AggregateGrowsMonotonicallyTowardTheComputeRoof) {
  // Dense and MoE, quantised and 16-bit, GPU and unified: aggregate tok/s rises with every sequence added within
  // a kernel regime (the step past the engine's matrix-vector rows changes kernels: it may fall there, as Apple's
  // measured curves do, and on Metal each sequence that opens a new 32-token mul_mm tile pays the tile's weights)
  // and stays below the compute roof of the largest batches (one sequence's FLOPs at the matrix-matrix share),
  // approaching it.
  for (const auto& [hw, model] : std::vector<std::pair<std::string, std::string>>{
           {"h200", "llama-3.1-8b-q4_k_m"}, {"dgx-spark", "gpt-oss-120b-mxfp4_moe"}, {"m2-ultra", "qwen3-30b-a3b-q4_k_m"},
           {"rtx-4090", "llama-3.1-8b-f16"}}) {
    ResolvedQuery r = resolve(hw, model);
    r.scenario.context_tokens = 1024;
    r.scenario.prompt_tokens = 512;
    const EfficiencyConstants& k = r.efficiency->constants;
    double previous = 0;
    for (int b = 1; b <= 256; ++b) {
      Scenario at_b = r.scenario;
      at_b.batch = b;
      if (!fit_memory(at_b, k).fits) break;  // beyond, the KV caches push weights off the GPU: memory, not compute
      const double aggregate = aggregate_at(r.scenario, k, b);
      const int matvec_rows = batched_matvec_max_rows(r.scenario.backend, r.scenario.api, r.scenario.engine_year);
      const bool new_metal_tile = r.scenario.api == DeviceApi::metal && b > matvec_rows && (b - 1) % 32 == 0;
      const bool regime_change =
          b == matvec_rows + 1 || new_metal_tile ||
          (r.scenario.model->is_moe() &&
           b == batched_expert_matvec_max_rows(r.scenario.backend, r.scenario.api, r.scenario.engine_year) + 1);
      if (!regime_change) {
        EXPECT_GT(aggregate, previous) << hw << " " << model << " at " << b;
      }
      previous = aggregate;
    }
    // The roof: per further sequence, its FLOPs at the share of the peak the largest batches' kernels reach.
    Scenario at = r.scenario;
    at.batch = 1 << 16;
    Prediction many;
    many.decode_seconds_compute = 0;
    const MemoryFit fit = fit_memory(at, k);
    (void)decode_seconds_per_token(at, fit, k, static_cast<double>(at.prompt_tokens), &many);
    const double roof = (at.batch - 1) / many.decode_seconds_compute;
    EXPECT_LT(previous, roof) << hw << " " << model;
    EXPECT_GT(aggregate_at(r.scenario, k, 1 << 16), 0.5 * roof) << hw << " " << model;
  }
}

TEST(BatchedDecode, AMoeBatchReadsTheUnionOfItsExperts) {
  // gpt-oss-120b: a step of B sequences reads E·(1 − (1 − k/E)^B) experts per layer, far fewer than B · k
  // separate reads, so within the experts' matrix-vector kernel (B ≤ batched_expert_matvec_max_rows) the
  // aggregate beats batch-1 speed. Past it the expert tiles stream at their own measured share (docs/model.md).
  ResolvedQuery r = resolve("dgx-spark", "gpt-oss-120b-mxfp4_moe");
  r.scenario.context_tokens = 1024;
  const EfficiencyConstants& k = r.efficiency->constants;
  const int in_matvec = batched_expert_matvec_max_rows(r.scenario.backend, r.scenario.api, r.scenario.engine_year);
  ASSERT_GE(in_matvec, 2);
  Scenario one = r.scenario;
  Scenario many = r.scenario;
  many.batch = 32;
  Scenario few = r.scenario;
  few.batch = in_matvec;
  const Prediction p1 = predict(one, k);
  const Prediction p32 = predict(many, k);
  const WeightBytes w = weight_bytes(*r.scenario.model, *r.scenario.quant);
  const double distinct = expected_distinct_experts(*r.scenario.model, 32) / r.scenario.model->moe.experts;
  // Bytes per sequence per step: the dense part and the union of experts, shared by the 32.
  const double weights_per_step = w.per_token - w.active_routed + w.routed_experts * distinct;
  EXPECT_NEAR(p32.bytes_per_token * 32, weights_per_step + 32 * (p32.bytes_per_token * 32 - weights_per_step) / 32,
              1e-6 * weights_per_step);
  EXPECT_LT(weights_per_step, 32 * w.per_token);
  EXPECT_GT(predict(few, k).aggregate_decode_tok_s, p1.decode_tok_s);
}

TEST(BatchedDecode, IdenticalTokensRouteLikeOneToken) {
  // llama-batched-bench decodes the same token in every sequence: the batch reads one token's k experts per
  // layer, not the union of B tokens' (a run condition: real serving routes each sequence its own way).
  ResolvedQuery r = resolve("dgx-spark", "gpt-oss-120b-mxfp4_moe", 32);
  r.scenario.context_tokens = 1024;
  const EfficiencyConstants& k = r.efficiency->constants;
  Scenario bench = r.scenario;
  bench.identical_batch_tokens = true;
  const ModelSpec& m = *r.scenario.model;
  EXPECT_DOUBLE_EQ(step_distinct_experts(bench), m.moe.experts_per_token);
  EXPECT_DOUBLE_EQ(step_distinct_experts(r.scenario), expected_distinct_experts(m, 32));
  const Prediction served = predict(r.scenario, k);
  const Prediction benched = predict(bench, k);
  const WeightBytes w = weight_bytes(m, *r.scenario.quant);
  const double routed_step = w.routed_experts * (expected_distinct_experts(m, 32) - m.moe.experts_per_token) /
                             m.moe.experts;
  // The step reads fewer expert bytes by exactly the experts the other tokens would have added.
  EXPECT_NEAR(32 * (served.bytes_per_token - benched.bytes_per_token), routed_step, 1e-6 * routed_step);
  EXPECT_GT(benched.aggregate_decode_tok_s, served.aggregate_decode_tok_s);
  // A dense model and one sequence do not care.
  Scenario one = bench;
  one.batch = 1;
  EXPECT_DOUBLE_EQ(predict(one, k).decode_tok_s, predict(at_batch(r.scenario, 1), k).decode_tok_s);
  ResolvedQuery dense = resolve("dgx-spark", "llama-3.1-8b-q4_k_m", 32);
  Scenario dense_bench = dense.scenario;
  dense_bench.identical_batch_tokens = true;
  EXPECT_DOUBLE_EQ(predict(dense_bench, k).decode_tok_s, predict(dense.scenario, k).decode_tok_s);
}

TEST(BatchedDecode, PastTheMatvecRowsTheMatrixMatrixKernelsTakeTheBatch) {
  // llama.cpp on CUDA and Metal switches kernels once a weight matrix sees more rows than its matrix-vector
  // kernels take (MMVQ / mul_mv_ext, then MMQ / mul_mm): up to the limit the step reads only the matrix-vector
  // share, past it only the matrix-matrix one (a dense model: every matrix sees all B rows).
  for (const auto& [hw, model] : std::vector<std::pair<std::string, std::string>>{
           {"h200", "llama-3.1-8b-q4_k_m"}, {"m2-ultra", "llama-3.1-8b-f16"}}) {
    ResolvedQuery r = resolve(hw, model);
    ASSERT_EQ(r.scenario.backend, Backend::llama_cpp) << hw;
    const int limit = batched_matvec_max_rows(r.scenario.backend, r.scenario.api, r.scenario.engine_year);
    ASSERT_GT(limit, 1) << hw;
    EfficiencyConstants slow_gemm = r.efficiency->constants;
    EfficiencyConstants fast_gemm = slow_gemm;
    slow_gemm.batch_gemm_compute_efficiency = 0.01;
    fast_gemm.batch_gemm_compute_efficiency = 1.0;
    EfficiencyConstants slow_matvec = slow_gemm;
    slow_matvec.batch_compute_efficiency = 0.001;
    for (int b = 2; b <= 4 * limit; ++b) {
      const double slow = aggregate_at(r.scenario, slow_gemm, b);
      const double fast = aggregate_at(r.scenario, fast_gemm, b);
      const double other_matvec = aggregate_at(r.scenario, slow_matvec, b);
      if (b <= limit) {
        EXPECT_EQ(slow, fast) << hw << " at " << b;
        EXPECT_GT(slow, other_matvec) << hw << " at " << b;
      } else {
        EXPECT_GT(fast, slow) << hw << " at " << b;
        EXPECT_EQ(slow, other_matvec) << hw << " at " << b;
      }
    }
  }
}

TEST(BatchedDecode, TheStepTimeChangesSlopeAtTheKernelSwitch) {
  // Up to the matrix-vector rows each further sequence adds its FLOPs to a step whose weights stream at the kernel
  // family's decode share; past them the tiles stream the weights at their own share
  // (batch_gemm_bandwidth_efficiency): the step time jumps at the switch, then grows at the tiles' per-sequence
  // slope. Below the switch, and at batch 1, that share is never read.
  ResolvedQuery r = resolve("dgx-spark", "qwen2.5-coder-7b-q8_0");
  r.scenario.context_tokens = 1024;
  const int limit = batched_matvec_max_rows(r.scenario.backend, r.scenario.api, r.scenario.engine_year);
  ASSERT_EQ(limit, 8);
  EfficiencyConstants k = r.efficiency->constants;
  k.batch_compute_efficiency = k.batch_gemm_compute_efficiency = 0.2;  // one per-sequence cost on both sides
  k.batch_gemm_bandwidth_efficiency = 0.5 * k.weight_bandwidth_efficiency;
  EfficiencyConstants other = k;
  other.batch_gemm_bandwidth_efficiency = k.weight_bandwidth_efficiency;
  auto step = [&](const EfficiencyConstants& c, int b) { return b / aggregate_at(r.scenario, c, b); };
  for (int b = 1; b <= limit; ++b) EXPECT_EQ(step(k, b), step(other, b)) << b;
  for (int b : {limit + 1, 16, 64}) EXPECT_GT(step(k, b), step(other, b)) << b;
  const double below = step(k, limit) - step(k, limit - 1);
  const double across = step(k, limit + 1) - step(k, limit);
  const double above = step(k, limit + 2) - step(k, limit + 1);
  EXPECT_GT(across, 5 * below);
  // The same per-sequence share: the same slope on either side, up to the peaks the two kernel families are held to
  // (MMVQ: the SM roof; MMQ: the SMs' mma.sync rate, here GB10's datasheet peak, 1 % above its SM roof).
  EXPECT_NEAR(above, below, 2e-2 * below);
}

TEST(BatchedDecode, MetalBuildsBefore2025RanTheTilesFromTwoSequences) {
  // ggml-metal chose mul_mm for any src1 of more than ne11_mm_min = 1 row until the small-batch kernels of llama.cpp
  // PR #10581 (Dec 2024) raised it to 8: a 2023 build's batch of 2 already runs at the matrix-matrix shares.
  ResolvedQuery r = resolve("m2-ultra", "llama-2-7b-f16");
  ASSERT_EQ(r.scenario.api, DeviceApi::metal);
  EXPECT_EQ(batched_matvec_max_rows(Backend::llama_cpp, DeviceApi::metal, 2023), 1);
  EXPECT_EQ(batched_matvec_max_rows(Backend::llama_cpp, DeviceApi::metal, 0), 8);
  EXPECT_EQ(batched_matvec_max_rows(Backend::llama_cpp, DeviceApi::cuda, 2023), 8);
  const EfficiencyConstants k = r.efficiency->constants;
  EfficiencyConstants slow_tiles = k;
  slow_tiles.batch_gemm_compute_efficiency = 0.5 * k.batch_gemm_compute_efficiency;
  Scenario built_2023 = r.scenario;
  built_2023.engine_year = 2023;
  EXPECT_EQ(aggregate_at(built_2023, k, 1), aggregate_at(built_2023, slow_tiles, 1));
  for (int b : {2, 4, 8}) {
    EXPECT_GT(aggregate_at(built_2023, k, b), aggregate_at(built_2023, slow_tiles, b)) << b;
    EXPECT_EQ(aggregate_at(r.scenario, k, b), aggregate_at(r.scenario, slow_tiles, b)) << b;  // current: mul_mv_ext
  }
}

TEST(BatchedDecode, EnginesWithOneKernelFamilyNeverReadTheMatrixMatrixShare) {
  // vLLM runs a batch as one GEMM whatever its size, and llama.cpp's other device APIs have no switch modelled:
  // batch_compute_efficiency alone prices every further sequence.
  ResolvedQuery vllm = resolve("h100-sxm", "qwen3.6-27b-gptq-4bit", 1, "vllm");
  ResolvedQuery vulkan = resolve("rtx-4090", "llama-3.1-8b-q4_k_m");
  vulkan.scenario.api = DeviceApi::vulkan;
  for (const ResolvedQuery* r : {&vllm, &vulkan}) {
    EXPECT_EQ(batched_matvec_max_rows(r->scenario.backend, r->scenario.api, r->scenario.engine_year), 0);
    EfficiencyConstants a = r->efficiency->constants;
    EfficiencyConstants b = a;
    a.batch_gemm_compute_efficiency = 0.01;
    b.batch_gemm_compute_efficiency = 1.0;
    for (int batch : {2, 9, 64, 256}) EXPECT_EQ(aggregate_at(r->scenario, a, batch), aggregate_at(r->scenario, b, batch));
  }
}

TEST(BatchedDecode, MoeStepsSwitchKernelsWithTheirTokensLikeDenseOnes) {
  // llama.cpp dispatches its routed-expert product on the step's tokens (mul_mat_id: n_tokens), not on the rows
  // each expert receives: a served gpt-oss-120b batch of 8 stays in the matrix-vector kernels, one of 16 has left
  // them, whichever way its tokens route.
  ResolvedQuery r = resolve("dgx-spark", "gpt-oss-120b-mxfp4_moe");
  r.scenario.context_tokens = 1024;
  const int limit = batched_matvec_max_rows(r.scenario.backend, r.scenario.api, r.scenario.engine_year);
  ASSERT_GT(limit, 1);
  const EfficiencyConstants k = r.efficiency->constants;
  EfficiencyConstants other_matvec = k;
  other_matvec.batch_compute_efficiency *= 0.5;
  EfficiencyConstants other_gemm = k;
  other_gemm.batch_gemm_compute_efficiency *= 0.5;
  for (const bool identical : {false, true}) {
    Scenario s = r.scenario;
    s.identical_batch_tokens = identical;
    EXPECT_EQ(aggregate_at(s, k, limit), aggregate_at(s, other_gemm, limit)) << identical;
    EXPECT_GT(aggregate_at(s, k, limit), aggregate_at(s, other_matvec, limit)) << identical;
    EXPECT_EQ(aggregate_at(s, k, 2 * limit), aggregate_at(s, other_matvec, 2 * limit)) << identical;
    EXPECT_GT(aggregate_at(s, k, 2 * limit), aggregate_at(s, other_gemm, 2 * limit)) << identical;
  }
}

TEST(BatchedDecode, ExpertsOfA2025CudaBuildLeaveTheVectorKernelAtTwoTokens) {
  // ggml-cuda's mul_mat_id ran one token through MMVQ and two or more through MMQ's expert tiles until llama/18958
  // (Feb 2026); current builds keep up to 8 tokens in MMVQ. Only an MoE step in the expert tiles reads their
  // stream share (expert_gemm_bandwidth_efficiency); one token never does, nor does a dense model.
  ResolvedQuery r = resolve("dgx-spark", "gpt-oss-120b-mxfp4_moe");
  ASSERT_EQ(r.scenario.api, DeviceApi::cuda);
  const EfficiencyConstants k = r.efficiency->constants;
  EfficiencyConstants slow_tiles = k;
  slow_tiles.expert_gemm_bandwidth_efficiency = k.expert_gemm_bandwidth_efficiency * 0.5;
  EXPECT_EQ(batched_expert_matvec_max_rows(Backend::llama_cpp, DeviceApi::cuda, 2025), 1);
  EXPECT_EQ(batched_expert_matvec_max_rows(Backend::llama_cpp, DeviceApi::cuda, 0), 8);
  EXPECT_EQ(batched_expert_matvec_max_rows(Backend::vllm, DeviceApi::cuda, 2025), 0);
  for (const bool identical : {false, true}) {
    Scenario built_2025 = r.scenario;
    built_2025.engine_year = 2025;
    built_2025.identical_batch_tokens = identical;
    EXPECT_EQ(aggregate_at(built_2025, k, 1), aggregate_at(built_2025, slow_tiles, 1));
    for (int b : {2, 4, 8, 32}) EXPECT_GT(aggregate_at(built_2025, k, b), aggregate_at(built_2025, slow_tiles, b)) << b;
    Scenario current = built_2025;
    current.engine_year = 0;
    for (int b : {2, 4, 8}) EXPECT_EQ(aggregate_at(current, k, b), aggregate_at(current, slow_tiles, b)) << b;
    EXPECT_GT(aggregate_at(current, k, 9), aggregate_at(current, slow_tiles, 9));
  }
  ResolvedQuery dense = resolve("dgx-spark", "qwen2.5-coder-7b-q8_0");
  dense.scenario.engine_year = 2025;
  for (int b : {2, 16, 64})
    EXPECT_EQ(aggregate_at(dense.scenario, k, b), aggregate_at(dense.scenario, slow_tiles, b)) << b;
}

TEST(BatchedDecode, A2025CudaBuildLaunchesABatchedStepWithoutItsGraph) {
  // llama.cpp's CUDA backend replayed single-token steps as one CUDA graph from May 2024 and turned graphs off for
  // any step with more than one token until llama/19645 (Feb 2026): a batched step of a 2025 build pays its layers'
  // launches again (graphless_layer_overhead_us per layer), one token never does, nor does a current build, Metal
  // or vLLM. Each extra microsecond per layer costs every layer of the model once per step, dense or MoE.
  EXPECT_FALSE(batched_steps_launch_without_graphs(Backend::llama_cpp, DeviceApi::cuda, 2023));
  EXPECT_TRUE(batched_steps_launch_without_graphs(Backend::llama_cpp, DeviceApi::cuda, 2024));
  EXPECT_TRUE(batched_steps_launch_without_graphs(Backend::ollama, DeviceApi::cuda, 2025));
  EXPECT_FALSE(batched_steps_launch_without_graphs(Backend::llama_cpp, DeviceApi::cuda, 0));
  EXPECT_FALSE(batched_steps_launch_without_graphs(Backend::llama_cpp, DeviceApi::metal, 2025));
  EXPECT_FALSE(batched_steps_launch_without_graphs(Backend::vllm, DeviceApi::cuda, 2025));
  for (const char* model : {"qwen2.5-coder-7b-q8_0", "gpt-oss-120b-mxfp4_moe"}) {
    ResolvedQuery r = resolve("dgx-spark", model);
    ASSERT_EQ(r.scenario.api, DeviceApi::cuda);
    const EfficiencyConstants k = r.efficiency->constants;
    EfficiencyConstants launched = k;
    launched.graphless_layer_overhead_us = k.graphless_layer_overhead_us + 100;
    Scenario built_2025 = r.scenario;
    built_2025.engine_year = 2025;
    const double layers = r.scenario.model->layers;
    auto step = [](Scenario s, const EfficiencyConstants& c, int b) {
      s.batch = b;
      return static_cast<double>(b) / predict(s, c).aggregate_decode_tok_s;
    };
    EXPECT_DOUBLE_EQ(step(built_2025, k, 1), step(built_2025, launched, 1)) << model;
    for (int b : {2, 8, 32})
      EXPECT_NEAR(step(built_2025, launched, b) - step(built_2025, k, b), layers * 100e-6, 1e-9) << model << b;
    Scenario current = built_2025;
    current.engine_year = 0;
    for (int b : {2, 32}) EXPECT_DOUBLE_EQ(step(current, k, b), step(current, launched, b)) << model << b;
  }
}

TEST(BatchedDecode, MetalMatrixTilesComputeThirtyTwoTokensHoweverFewFillThem) {
  // ggml-metal's mul_mm dispatches ceil(B / 32) tiles of 32 tokens: past the matrix-vector rows a step pays the
  // dense weights' multiply-adds of a whole tile, so a sequence inside the tile costs only its attention and a
  // sequence that opens a second tile costs another 32 tokens' weights. The added time of a slower tile share
  // (batch_gemm_compute_efficiency) shows it; below the switch it is not read at all.
  ResolvedQuery r = resolve("m2-ultra", "llama-2-7b-f16");
  ASSERT_EQ(r.scenario.api, DeviceApi::metal);
  const int rows = batched_matvec_max_rows(r.scenario.backend, r.scenario.api, r.scenario.engine_year);
  ASSERT_EQ(rows, 8);
  const EfficiencyConstants k = r.efficiency->constants;
  EfficiencyConstants slow = k;
  slow.batch_gemm_compute_efficiency = k.batch_gemm_compute_efficiency * 0.5;
  auto extra = [&](int b) {
    Scenario s = r.scenario;
    s.batch = b;
    return b / predict(s, slow).aggregate_decode_tok_s - b / predict(s, k).aggregate_decode_tok_s;
  };
  EXPECT_DOUBLE_EQ(extra(rows), 0.0);
  const double within_tile = extra(32) - extra(31);
  const double new_tile = extra(33) - extra(32);
  EXPECT_GT(within_tile, 0.0);
  EXPECT_GT(new_tile, 10 * within_tile);
  EXPECT_NEAR(extra(64) - extra(33), 31 * within_tile, 1e-3 * extra(64));
}

TEST(BatchedDecode, MetalExpertsStayInTheVectorKernelBelowThirtyTwoTokens) {
  // ggml-metal runs mul_mat_id through mul_mv_id below ne21_mm_id_min = 32 tokens and mul_mm_id from there, while
  // the dense matrices switch past 8 rows: at 16 sequences the experts still run at the matrix-vector share.
  ResolvedQuery r = resolve("m2-ultra", "gpt-oss-20b-mxfp4_moe");
  ASSERT_EQ(r.scenario.api, DeviceApi::metal);
  const int limit = batched_expert_matvec_max_rows(r.scenario.backend, r.scenario.api, 0);
  ASSERT_EQ(limit, 31);
  ASSERT_LT(batched_matvec_max_rows(r.scenario.backend, r.scenario.api, r.scenario.engine_year), limit);
  const EfficiencyConstants k = r.efficiency->constants;
  EfficiencyConstants slow_tiles = k;
  slow_tiles.expert_gemm_bandwidth_efficiency = k.expert_gemm_bandwidth_efficiency * 0.5;
  EfficiencyConstants slow_matvec = k;
  slow_matvec.batch_compute_efficiency = k.batch_compute_efficiency * 0.5;
  for (int b : {2, 16, limit}) {
    EXPECT_EQ(aggregate_at(r.scenario, k, b), aggregate_at(r.scenario, slow_tiles, b)) << b;
    EXPECT_GT(aggregate_at(r.scenario, k, b), aggregate_at(r.scenario, slow_matvec, b)) << b;  // the experts' FLOPs
  }
  for (int b : {limit + 1, 64}) {
    EXPECT_GT(aggregate_at(r.scenario, k, b), aggregate_at(r.scenario, slow_tiles, b)) << b;
    EXPECT_EQ(aggregate_at(r.scenario, k, b), aggregate_at(r.scenario, slow_matvec, b)) << b;
  }
}

TEST(Serving, ClosedLoopCountsEveryRequestsPrefillAndTheSchedulersQueue) {
  ResolvedQuery r = resolve("h100-sxm", "qwen3.6-27b-gptq-4bit", 1, "vllm");
  r.scenario.prompt_tokens = 1000;
  r.scenario.context_tokens = 2000;
  const EfficiencyConstants& k = r.efficiency->constants;
  for (int users : {1, 8, 64}) {
    Scenario s = r.scenario;
    s.batch = users;
    const ServingLoad load = serve_closed_loop(s, k, 1000);
    ASSERT_TRUE(load.in_range);
    EXPECT_EQ(load.batch, users);
    // N requests per cycle of N prefills and G steps.
    EXPECT_NEAR(load.aggregate_tok_s, users * 1000.0 / (users * load.prefill_s + 1000 * load.step_s),
                1e-9 * load.aggregate_tok_s);
    EXPECT_LE(load.aggregate_tok_s, users / load.step_s);  // the prefills cost output time
    EXPECT_LE(load.per_user_tok_s, 1.0 / load.step_s);
    EXPECT_GE(load.ttft_s, load.prefill_s);
  }
  // Beyond vLLM's scheduler (max_num_seqs 1024 on an 80 GB H100), requests queue: the batch stays at the
  // limit, the throughput stops growing and the first token waits.
  Scenario at_limit = r.scenario;
  at_limit.batch = 1024;
  Scenario beyond = r.scenario;
  beyond.batch = 2048;
  const ServingLoad a = serve_closed_loop(at_limit, k, 1000);
  const ServingLoad b = serve_closed_loop(beyond, k, 1000);
  EXPECT_EQ(b.batch, 1024);
  EXPECT_DOUBLE_EQ(b.aggregate_tok_s, a.aggregate_tok_s);
  EXPECT_GT(b.ttft_s, 2 * a.ttft_s);
}

TEST(Vllm, GpuMemoryUtilizationSizesTheKvBudgetAndTheConcurrencyThatFits) {
  ResolvedQuery r = resolve("h100-sxm", "qwen3.6-27b-gptq-4bit", 1, "vllm");
  r.scenario.context_tokens = 8192;
  const EfficiencyConstants& k = r.efficiency->constants;
  Scenario s = r.scenario;
  const MemoryFit fit = fit_memory(s, k);
  // 0.9 of the GPU by default (vLLM's gpu_memory_utilization).
  EXPECT_NEAR(fit.available_bytes, 0.9 * fit.device_memory_bytes, 1.0);
  const int n = largest_batch_that_fits(s, k);
  ASSERT_GT(n, 1);
  // The concurrency that fits is the KV budget over one sequence's KV cache.
  const double one_kv = kv_cache_bytes(*s.model, s.kv_type, static_cast<double>(s.context_tokens));
  s.batch = 1;
  const MemoryFit base = fit_memory(s, k);
  const double budget = base.available_bytes - base.margin_bytes - (base.total_bytes - base.kv_cache_bytes);
  EXPECT_EQ(n, static_cast<int>(std::floor(budget / one_kv)));
  // Less utilisation, fewer sequences; the whole GPU, more.
  s.gpu_memory_utilization = 0.5;
  EXPECT_LT(largest_batch_that_fits(s, k), n);
  s.gpu_memory_utilization = 1.0;
  EXPECT_GT(largest_batch_that_fits(s, k), n);
  // llama.cpp allocates as it goes: the whole GPU.
  EXPECT_DOUBLE_EQ(default_memory_utilization(Backend::llama_cpp), 1.0);
}

TEST(Vllm, TensorParallelismSplitsTheStreamALayerSplitDoesNot) {
  const ResolvedQuery one = resolve("h100-sxm", "qwen3.6-27b-gptq-4bit", 1, "vllm");
  const ResolvedQuery two = resolve("h100-sxm:2", "qwen3.6-27b-gptq-4bit", 1, "vllm");
  const EfficiencyConstants& k = one.efficiency->constants;
  Prediction p1;
  Prediction p2;
  (void)decode_seconds_per_token(one.scenario, fit_memory(one.scenario, k), k, 512, &p1);
  (void)decode_seconds_per_token(two.scenario, fit_memory(two.scenario, k), k, 512, &p2);
  EXPECT_NEAR(p2.decode_seconds_weights, p1.decode_seconds_weights / 2, 1e-12);
  // Tensor parallelism adds two all-reduces per layer to each step (Megatron-LM); one GPU runs none.
  EfficiencyConstants with_allreduce = k;
  with_allreduce.tp_allreduce_us = 50;
  Prediction a1;
  Prediction a2;
  (void)decode_seconds_per_token(one.scenario, fit_memory(one.scenario, k), with_allreduce, 512, &a1);
  (void)decode_seconds_per_token(two.scenario, fit_memory(two.scenario, k), with_allreduce, 512, &a2);
  EXPECT_NEAR(a1.decode_seconds_overhead - p1.decode_seconds_overhead, 0.0, 1e-15);
  EXPECT_NEAR(a2.decode_seconds_overhead - p2.decode_seconds_overhead,
              2.0 * two.scenario.model->layers * (50.0 - k.tp_allreduce_us) * 1e-6, 1e-12);
  // llama.cpp's layer split streams the halves in turn: the same weight time.
  const ResolvedQuery l1 = resolve("h100-sxm", "llama-3.1-8b-q4_k_m");
  const ResolvedQuery l2 = resolve("h100-sxm:2", "llama-3.1-8b-q4_k_m");
  Prediction q1;
  Prediction q2;
  const EfficiencyConstants& kl = l1.efficiency->constants;
  (void)decode_seconds_per_token(l1.scenario, fit_memory(l1.scenario, kl), kl, 512, &q1);
  (void)decode_seconds_per_token(l2.scenario, fit_memory(l2.scenario, kl), kl, 512, &q2);
  EXPECT_DOUBLE_EQ(q2.decode_seconds_weights, q1.decode_seconds_weights);
}

/// Throws InputError whose message names `field_name` and contains `needle`.
template <typename F>
void expect_input_error(F&& f, const std::string& field_name, const std::string& needle) {
  try {
    f();
    ADD_FAILURE() << "no InputError";
  } catch (const InputError& e) {
    EXPECT_EQ(e.field(), field_name) << e.what();
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(BadInput, BatchesOutsideTheEnginesLimitsNameTheOptionAndTheLimit) {
  expect_input_error([] { (void)resolve("h200", "llama-3.1-8b-q4_k_m", 0); }, "batch", "1 to 4096");
  expect_input_error([] { (void)resolve("h200", "llama-3.1-8b-q4_k_m", 257); }, "batch", "limit of 256");
  expect_input_error([] { (void)resolve("h200", "llama-3.1-8b-q4_k_m", 300, "ollama"); }, "batch", "limit of 256");
  EXPECT_NO_THROW((void)resolve("h200", "qwen3.6-27b-gptq-4bit", 1024, "vllm"));  // vLLM queues, no hard limit
  const ResolvedQuery r = resolve("h200", "llama-3.1-8b-q4_k_m");
  const EfficiencyConstants& k = r.efficiency->constants;
  expect_input_error([&] { (void)batch_sweep(r.scenario, k, 0); }, "max_batch", "at least 1");
  expect_input_error([&] { (void)batch_sweep(r.scenario, k, 512); }, "max_batch", "limit of 256");
}

TEST(BadInput, ATensorParallelDegreeTheHeadsDoNotDivideIntoIsRefused) {
  // Qwen3.6-27B's attention heads do not divide over 5 GPUs: vLLM cannot split it, and the message says which
  // counts would.
  expect_input_error([] { (void)resolve("h100-sxm:5", "qwen3.6-27b-gptq-4bit", 1, "vllm"); }, "hardware",
                     "tensor parallelism");
}

}  // namespace
}  // namespace llmfit

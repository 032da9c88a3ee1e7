// How many distinct routed experts a batch of tokens reads in one MoE layer (docs/model.md, "Distinct experts of a
// batch"). Pure arithmetic: predict.cpp prices a batched decode step's expert reads with it.
#pragma once

namespace llmfit {

/// How unevenly a trained router spreads its tokens over a layer's experts: the r-th most chosen expert is chosen
/// in proportion to r^−s (Zipf's law; 0 = uniform routing). 1.2 puts 90 % of Qwen3-30B-A3B's routing on 61 of its
/// 128 experts, as llama-imatrix's counts put it on 58-65 (docs/model.md, "Distinct experts of a batch").
inline constexpr double kExpertPopularityExponent = 1.2;

/// Expected distinct experts that `batch` independent tokens route to in one layer of E experts, k per token, when
/// the r-th most popular expert is picked by a token with probability q_r = min(1, c·r^−s) (Σ q_r = k): an expert
/// is missed by all B tokens with probability (1 − q_r)^B, so Σ_r 1 − (1 − q_r)^B. k at batch 1, at most E and
/// B·k, never more than uniform routing's E·(1 − (1 − k/E)^B) (s = 0), toward E as the batch grows.
/// expected_distinct_experts(model, batch) (predict.hpp) is this at kExpertPopularityExponent.
[[nodiscard]] double expected_distinct_experts(int experts, int experts_per_token, double batch,
                                               double popularity_exponent) noexcept;

}  // namespace llmfit

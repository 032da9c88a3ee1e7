// Spot checks of catalogue models against figures published outside the catalogue: the parameter counts
// of the model card or the checkpoint's tensor list, and the KV bytes per token and recurrent state per
// sequence worked out by hand from the config.json each entry cites. A figure published as "32B" is only
// known to ±0.5B, so each row carries the half-unit of its last digit.
#include <gtest/gtest.h>

#include <cctype>
#include <cmath>
#include <iterator>
#include <ostream>
#include <string>

#include "llmfit/llmfit.hpp"

namespace llmfit {
namespace {

struct ModelSpot {
  const char* id;
  double total_b;         // published total
  double total_half_ulp;  // its rounding: 0.5 for "32B", 0.05 for "31.6B", ~0 for an exact tensor count
  double active_b;        // published active (MoE); 0: dense
  double active_half_ulp;
  double kv_bytes_per_token;  // f16 K and V of every attention layer
  double state_bytes;         // f32 recurrent state of one sequence
  const char* where;          // where the published counts come from
};

void PrintTo(const ModelSpot& spot, std::ostream* out) { *out << spot.id; }

// Hand arithmetic, per config.json: KV = attention layers × 2 × kv_heads × head_dim × 2 B; state = short-conv
// layers × 2 × hidden × 4 B (LFM2), Mamba-2 layers × (heads × head_dim × d_state + 3 × (heads × head_dim +
// 2 × groups × d_state)) × 4 B.
const ModelSpot kSpots[] = {
    {"lfm2-350m", 0.354483968, 1e-9, 0, 0, 6 * 2 * 8 * 64 * 2, 10 * 2 * 1024 * 4, "LFM2 model card, exact count"},
    {"lfm2-700m", 0.742489344, 1e-9, 0, 0, 6 * 2 * 8 * 64 * 2, 10 * 2 * 1536 * 4, "LFM2 model card, exact count"},
    {"lfm2-1.2b", 1.170340608, 1e-9, 0, 0, 6 * 2 * 8 * 64 * 2, 10 * 2 * 2048 * 4, "LFM2 model card, exact count"},
    {"lfm2-2.6b", 2.569272320, 1e-9, 0, 0, 8 * 2 * 8 * 64 * 2, 22 * 2 * 2048 * 4, "LFM2 model card, exact count"},
    {"lfm2-8b-a1b", 8.3, 0.05, 1.5, 0.05, 6 * 2 * 8 * 64 * 2, 18 * 2 * 2048 * 4, "LFM2-8B-A1B model card"},
    {"lfm2.5-350m", 0.354483968, 1e-9, 0, 0, 6 * 2 * 8 * 64 * 2, 10 * 2 * 1024 * 4, "LFM2-350M's shape"},
    {"lfm2.5-1.2b", 1.17, 0.005, 0, 0, 6 * 2 * 8 * 64 * 2, 10 * 2 * 2048 * 4, "LFM2.5-1.2B-Instruct model card"},
    {"lfm2.5-8b-a1b", 8.3, 0.05, 1.5, 0.05, 6 * 2 * 8 * 64 * 2, 18 * 2 * 2048 * 4, "LFM2.5-8B-A1B card"},
    {"nemotron-3-nano-30b-a3b", 31.6, 0.05, 3.6, 0.05, 6 * 2 * 2 * 128 * 2, 23 * (4096 * 128 + 3 * 6144) * 4.0,
     "NVIDIA model card (3.6B active with embeddings)"},
    {"nemotron-3-super-120b-a12b", 120.6, 0.05, 12.7, 0.05, 8 * 2 * 2 * 128 * 2,
     40 * (8192 * 128 + 3 * 10240) * 4.0, "NVIDIA; BF16 tensors 123,611,012,096 less the 2,942,324,736 MTP"},
    {"granite-4.0-h-small", 32, 0.5, 9, 0.5, 4 * 2 * 8 * 128 * 2, 36 * (8192 * 128 + 3 * 8448) * 4.0,
     "Granite 4.0 model card"},
    {"granite-4.0-h-tiny", 7, 0.5, 1, 0.5, 4 * 2 * 4 * 128 * 2, 36 * (3072 * 128 + 3 * 3328) * 4.0,
     "Granite 4.0 model card"},
    {"granite-4.0-h-micro", 3, 0.5, 0, 0, 4 * 2 * 8 * 64 * 2, 36 * (4096 * 128 + 3 * 4352) * 4.0,
     "Granite 4.0 model card"},
    {"granite-4.0-micro", 3, 0.5, 0, 0, 40 * 2 * 8 * 64 * 2, 0, "Granite 4.0 model card"},
    {"mistral-small-3.1-24b", 23.5724032, 1e-7, 0, 0, 40 * 2 * 8 * 128 * 2, 0, "Mistral Small 3 text tensors"},
    {"mistral-small-3.2-24b", 23.5724032, 1e-7, 0, 0, 40 * 2 * 8 * 128 * 2, 0, "Mistral Small 3 text tensors"},
    {"magistral-small", 23.5724032, 1e-7, 0, 0, 40 * 2 * 8 * 128 * 2, 0, "Mistral Small 3 text tensors"},
    {"devstral-small-2507", 23.5724032, 1e-7, 0, 0, 40 * 2 * 8 * 128 * 2, 0,
     "Devstral-Small-2507 consolidated.safetensors, 23,572,403,200 BF16 weights"},
    {"devstral-small-2", 23.5724032, 1e-7, 0, 0, 40 * 2 * 8 * 128 * 2, 0, "Mistral Small 3 text tensors"},
    {"ministral-3-3b", 3.4, 0.05, 0, 0, 26 * 2 * 8 * 128 * 2, 0, "Ministral 3 model card (language model)"},
    {"ministral-3-8b", 8.4, 0.05, 0, 0, 34 * 2 * 8 * 128 * 2, 0, "Ministral 3 model card (language model)"},
    {"ministral-3-14b", 13.5, 0.05, 0, 0, 40 * 2 * 8 * 128 * 2, 0, "Ministral 3 model card (language model)"},
    {"phi-4-reasoning", 14.6595072, 1e-7, 0, 0, 40 * 2 * 10 * 128 * 2, 0, "Phi-4 tensors, 14,659,507,200"},
    {"phi-4-mini-reasoning", 3.84, 0.005, 0, 0, 32 * 2 * 8 * 128 * 2, 0, "Phi-4-mini model card"},
    {"olmo-2-1b", 1.48, 0.005, 0, 0, 16 * 2 * 16 * 128 * 2, 0, "OLMo 2 model card"},
    {"olmo-2-7b", 7.3, 0.05, 0, 0, 32 * 2 * 32 * 128 * 2, 0, "OLMo 2 model card"},
    {"olmo-2-13b", 13.7, 0.05, 0, 0, 40 * 2 * 40 * 128 * 2, 0, "OLMo 2 model card"},
    {"olmo-2-32b", 32.2, 0.05, 0, 0, 64 * 2 * 8 * 128 * 2, 0, "OLMo 2 model card"},
    {"smollm3-3b", 3.08, 0.005, 0, 0, 36 * 2 * 4 * 128 * 2, 0, "SmolLM3-3B model page"},
    {"seed-oss-36b", 36, 0.5, 0, 0, 64 * 2 * 8 * 128 * 2, 0, "Seed-OSS-36B model card (36B)"},
    {"ernie-4.5-0.3b", 0.36, 0.005, 0, 0, 18 * 2 * 2 * 128 * 2, 0, "ERNIE-4.5-0.3B model card"},
    {"qwen3-4b-instruct-2507", 4.0, 0.05, 0, 0, 36 * 2 * 8 * 128 * 2, 0, "Qwen3-4B-Instruct-2507 model card"},
    {"qwen3-4b-thinking-2507", 4.0, 0.05, 0, 0, 36 * 2 * 8 * 128 * 2, 0, "Qwen3-4B-Thinking-2507 model card"},
    {"qwen3-30b-a3b-instruct-2507", 30.5, 0.05, 3.3, 0.05, 48 * 2 * 4 * 128 * 2, 0,
     "Qwen3-30B-A3B-Instruct-2507 model card"},
    {"qwen3-235b-a22b-instruct-2507", 235, 0.5, 22, 0.5, 94 * 2 * 4 * 128 * 2, 0,
     "Qwen3-235B-A22B-Instruct-2507 model card"},
};
// Issue 19 asks for published figures of at least 30 of the entries it added; every row above is one.
static_assert(std::size(kSpots) >= 30);

class ModelSpotCheck : public testing::TestWithParam<ModelSpot> {};

TEST_P(ModelSpotCheck, CatalogueAgreesWithThePublishedFigures) {
  const ModelSpot& spot = GetParam();
  const ModelSpec* found = Catalog::builtin().find_model(spot.id);
  ASSERT_NE(found, nullptr) << spot.id;
  const ModelSpec& m = *found;
  // The entry records the published count (to its rounding), and its shape holds that many weights
  // (within the 2 % the formula may leave out: norms, biases).
  EXPECT_LE(std::abs(m.params_b - spot.total_b), spot.total_half_ulp * 1.0000001) << spot.where;
  const double shape_b = shape_params(m).total() / 1e9;
  EXPECT_LE(std::abs(shape_b - spot.total_b), spot.total_half_ulp + 0.02 * spot.total_b)
      << "shape " << shape_b << " B; " << spot.where;
  if (spot.active_b > 0) {
    ASSERT_TRUE(m.is_moe());
    EXPECT_LE(std::abs(m.active_params_b - spot.active_b), spot.active_half_ulp * 1.0000001) << spot.where;
  } else {
    EXPECT_FALSE(m.is_moe());
  }
  // KV per token and recurrent state per sequence, as worked out from the config.
  const double one = kv_cache_bytes(m, KvCacheType::f16, 1);
  const double two = kv_cache_bytes(m, KvCacheType::f16, 2);
  EXPECT_DOUBLE_EQ(two - one, spot.kv_bytes_per_token);
  EXPECT_DOUBLE_EQ(recurrent_state_bytes(m), spot.state_bytes);
  EXPECT_DOUBLE_EQ(one - (two - one), spot.state_bytes);
}

INSTANTIATE_TEST_SUITE_P(PublishedFigures, ModelSpotCheck, testing::ValuesIn(kSpots),
                         [](const testing::TestParamInfo<ModelSpot>& info) {
                           std::string name = info.param.id;
                           for (char& c : name)
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return name + "_" + std::to_string(info.index);
                         });

// The state of a recurrent model does not grow with the context; an attention model's KV does.
TEST(ModelSpotCheck, RecurrentStateIsFlatInTheContext) {
  const ModelSpec* nano = Catalog::builtin().find_model("nemotron-3-nano-30b-a3b");
  ASSERT_NE(nano, nullptr);
  const double at_1k = kv_cache_bytes(*nano, KvCacheType::f16, 1024);
  const double at_128k = kv_cache_bytes(*nano, KvCacheType::f16, 131072);
  // Only the 6 attention layers grow: 6 kB per token; the 49.9 MB of Mamba state stays.
  EXPECT_DOUBLE_EQ(at_128k - at_1k, (131072 - 1024) * 6 * 2 * 2 * 128 * 2.0);
  // Quantising the KV cache leaves the f32 state as it is.
  EXPECT_DOUBLE_EQ(kv_cache_bytes(*nano, KvCacheType::q4_0, 1) - 6 * 2 * 2 * 128 * (18.0 / 32.0),
                   recurrent_state_bytes(*nano));
}

}  // namespace
}  // namespace llmfit

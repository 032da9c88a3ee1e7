// Hugging Face config.json → ModelSpec: real config files (tests/data/hf-configs/, provenance in
// SOURCES.md) against the shipped catalogue entry of the same model, then bad input.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <string>

#include "llmfit/io.hpp"
#include "llmfit/catalog.hpp"
#include "llmfit/errors.hpp"
#include "llmfit/io/hf_config.hpp"
#include "llmfit/predict.hpp"

namespace llmfit {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const fs::path kSamples = fs::path(LLMFIT_TEST_DATA) / "hf-configs";

struct Sample {
  const char* file;              // tests/data/hf-configs/<file>.json
  const char* catalogue_id;      // the same model in models-db/
  std::int64_t max_context;      // max_position_embeddings of this file (catalogue may record a YaRN figure)
  const char* quant;             // suggested_quant expected from torch_dtype / quantization_config
  // Active parameters, like for like with the catalogue's published figure: the shape's count must
  // lie in [published - below, published + above]; both 0: within 1 %.
  double active_below_b;
  double active_above_b;
  bool published_active_excludes_input_embedding;
};

void PrintTo(const Sample& sample, std::ostream* out) { *out << sample.file; }

const Sample kAll[] = {
    {"llama-3.1-8b", "llama-3.1-8b", 131072, "bf16", 0, 0, false},
    {"llama-3.2-1b", "llama-3.2-1b", 131072, "bf16", 0, 0, false},
    {"qwen2.5-7b", "qwen2.5-7b", 32768, "bf16", 0, 0, false},
    {"qwen3-8b", "qwen3-8b", 40960, "bf16", 0, 0, false},
    // Qwen model cards truncate to one decimal (Qwen2.5-14B: 14.77B published as 14.7B; Qwen2.5-7B:
    // 7.6156B as 7.61B): "3.3B activated" means [3.3, 3.4). The shape gives 3.353B counting both
    // embedding matrices (attention 0.906 + 8 of 128 experts 1.812 + routers 0.013 + 0.622).
    {"qwen3-30b-a3b", "qwen3-30b-a3b", 40960, "bf16", 0, 0.1, false},
    {"qwen3-30b-a3b-gptq-int4", "qwen3-30b-a3b", 40960, "gptq-4bit", 0, 0.1, false},
    {"mixtral-8x7b", "mixtral-8x7b", 32768, "bf16", 0, 0, false},
    {"gemma-2-9b", "gemma-2-9b", 8192, "bf16", 0, 0, false},
    {"gemma-3-12b", "gemma-3-12b", 131072, "bf16", 0, 0, false},
    {"gemma-3-1b", "gemma-3-1b", 32768, "bf16", 0, 0, false},
    {"mistral-7b-v0.3", "mistral-7b", 32768, "bf16", 0, 0, false},
    {"phi-3.5-mini", "phi-3.5-mini", 131072, "bf16", 0, 0, false},
    // DeepSeek publishes "37B activated" (README_WEIGHTS: 36.6B including the 0.9B output head, i.e.
    // without the input embedding), a figure rounded to the unit: ±0.5 B.
    {"deepseek-v3", "deepseek-v3", 163840, "fp8", 0.5, 0.5, true},
    // gpt-oss model card: 3.61B active, without the input embedding (models-db/gpt-oss.yaml notes).
    {"gpt-oss-20b", "gpt-oss-20b", 131072, "mxfp4", 0, 0, true},
    // ---- issue 19 (tests/data/hf-configs/SOURCES.md). Published active counts are names ("A3B", "3B
    // activated"): [published, published + 1) unless a card gives more digits.
    {"qwen3.6-27b", "qwen3.6-27b", 262144, "bf16", 0, 0, false},
    // Qwen3-Next "3B activated" (the catalogue entry records 3): the shape activates 3.87B with both embeddings.
    {"qwen3-next-80b-a3b", "qwen3-next-80b-a3b", 262144, "bf16", 0, 1, false},
    {"qwen3.5-35b-a3b", "qwen3.5-35b-a3b", 262144, "bf16", 0, 1, false},
    {"glm-4.7-flash", "glm-4.7-flash", 202752, "bf16", 0, 1, false},
    {"glm-4.5-air", "glm-4.5-air", 131072, "bf16", 0, 1, true},
    // Kimi K2 "32B activated" and DeepSeek-V3.2 "37B", rounded to the unit, without the input embedding as V3's.
    {"kimi-k2-instruct", "kimi-k2", 131072, "fp8", 0.5, 0.5, true},
    {"deepseek-v3.2", "deepseek-v3.2", 163840, "fp8", 0.5, 0.5, true},
    {"minimax-m2.7", "minimax-m2", 204800, "fp8", 0, 1, true},
    {"gemma-4-31b", "gemma-4-31b", 262144, "bf16", 0, 0, false},
    {"ernie-4.5-0.3b", "ernie-4.5-0.3b", 131072, "bf16", 0, 0, false},
    {"ernie-4.5-21b-a3b", "ernie-4.5-21b-a3b", 131072, "bf16", 0, 1, false},
    {"seed-oss-36b", "seed-oss-36b", 524288, "bf16", 0, 0, false},
    // Hybrid stacks: short convolutions (LFM2) and Mamba-2 + attention + MoE blocks (Nemotron-H). The
    // LFM2 config gives max_position_embeddings 128000; the catalogue records the card's 32,768.
    {"lfm2-1.2b", "lfm2-1.2b", 128000, "bf16", 0, 0, false},
    // NVIDIA: 3.6B active with the embeddings (3.2B without); the shape gives 3.58B.
    {"nemotron-3-nano-30b-a3b", "nemotron-3-nano-30b-a3b", 262144, "bf16", 0, 0, false},
    {"smollm3-3b", "smollm3-3b", 65536, "bf16", 0, 0, false},
    {"devstral-small-2507", "devstral-small-2507", 131072, "bf16", 0, 0, false},
    // IBM "1B active" for Granite-4.0-H-Tiny: the shape gives 1.31B without the (tied) input embedding.
    {"granite-4.0-h-tiny", "granite-4.0-h-tiny", 131072, "bf16", 0, 0.5, true},
    // Meta "17B active" for Scout: attention 3.02 + one routed and the shared expert 12.08 + both embeddings 2.07.
    {"llama-4-scout", "llama-4-scout", 10485760, "bf16", 0, 1, false},
};

HfConfigModel read_sample(const Sample& sample) {
  return read_hf_config((kSamples / (std::string(sample.file) + ".json")).string());
}

class HfSample : public testing::TestWithParam<Sample> {};

TEST_P(HfSample, MatchesTheCatalogueEntry) {
  const Sample& s = GetParam();
  const HfConfigModel read = read_sample(s);
  const ModelSpec& m = read.model;
  const ModelSpec* entry = Catalog::builtin().find_model(s.catalogue_id);
  ASSERT_NE(entry, nullptr) << s.catalogue_id;
  const ModelSpec& c = *entry;

  EXPECT_EQ(validate(m), "");
  EXPECT_EQ(m.id, s.file);  // the file stem: the parent folder "hf-configs" does not look like a model name
  EXPECT_EQ(m.source, (kSamples / (std::string(s.file) + ".json")).string());
  EXPECT_EQ(read.suggested_quant, s.quant);
  EXPECT_EQ(m.default_quant, s.quant);
  EXPECT_NE(Catalog::builtin().find_quant(read.suggested_quant), nullptr) << read.suggested_quant;

  // The same model, encoded the same way as models-db/.
  EXPECT_EQ(m.layers, c.layers);
  EXPECT_EQ(m.hidden_size, c.hidden_size);
  EXPECT_EQ(m.intermediate_size, c.intermediate_size);
  EXPECT_EQ(m.attention_heads, c.attention_heads);
  EXPECT_EQ(m.kv_heads, c.kv_heads);
  EXPECT_EQ(m.head_dim, c.head_dim);
  EXPECT_EQ(m.vocab_size, c.vocab_size);
  EXPECT_EQ(m.tied_embeddings, c.tied_embeddings);
  EXPECT_EQ(m.max_context, s.max_context);
  EXPECT_EQ(m.moe.experts, c.moe.experts);
  EXPECT_EQ(m.moe.experts_per_token, c.moe.experts_per_token);
  EXPECT_EQ(m.moe.expert_intermediate_size, c.moe.expert_intermediate_size);
  EXPECT_EQ(m.moe.shared_experts, c.moe.shared_experts);
  EXPECT_EQ(m.moe.shared_expert_intermediate_size, c.moe.shared_expert_intermediate_size);
  EXPECT_EQ(m.moe.dense_layers, c.moe.dense_layers);
  EXPECT_EQ(m.attention.sliding_window_layers, c.attention.sliding_window_layers);
  EXPECT_EQ(m.attention.sliding_window, c.attention.sliding_window);
  EXPECT_EQ(m.mla.kv_lora_rank, c.mla.kv_lora_rank);
  EXPECT_EQ(m.mla.q_lora_rank, c.mla.q_lora_rank);
  EXPECT_EQ(m.mla.qk_nope_head_dim, c.mla.qk_nope_head_dim);
  EXPECT_EQ(m.mla.qk_rope_head_dim, c.mla.qk_rope_head_dim);
  EXPECT_EQ(m.mla.v_head_dim, c.mla.v_head_dim);
  EXPECT_EQ(m.moe.latent_size, c.moe.latent_size);
  // Layer layout and the shape of each kind of layer.
  EXPECT_EQ(m.gated_ffn, c.gated_ffn);
  EXPECT_EQ(m.ffn_only_layers, c.ffn_only_layers);
  EXPECT_EQ(m.mixer_only_layers, c.mixer_only_layers);
  const AttentionSpec& a = m.attention;
  const AttentionSpec& ca = c.attention;
  EXPECT_EQ(a.linear_attention_layers, ca.linear_attention_layers);
  EXPECT_EQ(a.linear_key_heads, ca.linear_key_heads);
  EXPECT_EQ(a.linear_value_heads, ca.linear_value_heads);
  EXPECT_EQ(a.linear_key_head_dim, ca.linear_key_head_dim);
  EXPECT_EQ(a.linear_value_head_dim, ca.linear_value_head_dim);
  if (a.linear_attention_layers > 0) {
    EXPECT_EQ(a.linear_conv_kernel, ca.linear_conv_kernel);
  }
  EXPECT_EQ(a.mamba_layers, ca.mamba_layers);
  if (ca.mamba_layers > 0) {
    EXPECT_EQ(a.mamba_heads, ca.mamba_heads);
    EXPECT_EQ(a.mamba_head_dim, ca.mamba_head_dim);
    EXPECT_EQ(a.mamba_state_size, ca.mamba_state_size);
    EXPECT_EQ(a.mamba_groups, ca.mamba_groups);
    EXPECT_EQ(a.mamba_conv_kernel, ca.mamba_conv_kernel);
  }
  EXPECT_EQ(a.short_conv_layers, ca.short_conv_layers);
  if (ca.short_conv_layers > 0) {
    EXPECT_EQ(a.short_conv_kernel, ca.short_conv_kernel);
  }
  EXPECT_EQ(m.full_attention_layers(), c.full_attention_layers());
  EXPECT_EQ(a.output_gate, ca.output_gate);
  EXPECT_EQ(a.global_kv_heads, ca.global_kv_heads);
  EXPECT_EQ(a.global_head_dim, ca.global_head_dim);
  EXPECT_EQ(a.global_value_is_key, ca.global_value_is_key);
  EXPECT_EQ(a.kv_shared_layers, ca.kv_shared_layers);
  EXPECT_EQ(a.indexer_heads, ca.indexer_heads);
  EXPECT_EQ(a.indexer_head_dim, ca.indexer_head_dim);
  EXPECT_EQ(a.indexer_topk, ca.indexer_topk);
  EXPECT_EQ(m.per_layer_embedding_size, c.per_layer_embedding_size);
  EXPECT_EQ(m.per_layer_vocab_size, c.per_layer_vocab_size);
  // The KV cache and recurrent state of one sequence are the catalogue's: inside any window (100 tokens) and
  // past the common ones (4096).
  EXPECT_DOUBLE_EQ(kv_cache_bytes(m, KvCacheType::f16, 100.0), kv_cache_bytes(c, KvCacheType::f16, 100.0));
  EXPECT_DOUBLE_EQ(kv_cache_bytes(m, KvCacheType::f16, 4096), kv_cache_bytes(c, KvCacheType::f16, 4096));

  // Parameters from the shape within 1 % of the published total.
  EXPECT_NEAR(m.params_b, c.params_b, 0.01 * c.params_b) << "shape " << m.params_b << " B vs catalogue " << c.params_b;
  const ParamBreakdown p = shape_params(m);
  EXPECT_DOUBLE_EQ(m.params_b, p.total() / 1e9);
  if (!m.is_moe()) {
    EXPECT_DOUBLE_EQ(m.active_params_b, m.params_b);
    return;
  }
  EXPECT_DOUBLE_EQ(m.active_params_b, p.active() / 1e9);
  // Like with like: where the published active count leaves out the input embedding (a row lookup,
  // not a matmul), so does the comparison.
  const double comparable =
      m.active_params_b - (s.published_active_excludes_input_embedding ? p.embedding / 1e9 : 0.0);
  const bool one_percent = s.active_below_b == 0 && s.active_above_b == 0;
  const double low = c.active_params_b - (one_percent ? 0.01 * c.active_params_b : s.active_below_b);
  const double high = c.active_params_b + (one_percent ? 0.01 * c.active_params_b : s.active_above_b);
  EXPECT_GE(comparable, low) << "shape active " << comparable << " B";
  EXPECT_LT(comparable, high) << "shape active " << comparable << " B";
}

INSTANTIATE_TEST_SUITE_P(RealConfigs, HfSample, testing::ValuesIn(kAll),
                         [](const testing::TestParamInfo<Sample>& info) {
                           std::string name = info.param.file;
                           for (char& c : name)
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return name;
                         });

// Exact shape arithmetic on one dense and one MoE sample, so a change to the reader or the formula
// shows as a number, not only as a drift inside 1 %.
TEST(HfConfig, Llama31EightBCountsEveryMatrix) {
  const ModelSpec m = read_sample(kAll[0]).model;
  // embeddings 2 × 128256 × 4096 = 1,050,673,152
  // attention 32 × (2 × 4096 × 4096 + 2 × 4096 × 1024) = 32 × 41,943,040 = 1,342,177,280
  // FFN 32 × 3 × 4096 × 14336 = 5,637,144,576
  // total 8,029,995,008 = Meta's 8,030,261,248 minus the 65 RMSNorm vectors (65 × 4096 = 266,240)
  EXPECT_DOUBLE_EQ(m.params_b * 1e9, 8'029'995'008.0);
  EXPECT_DOUBLE_EQ(m.active_params_b, m.params_b);
}

TEST(HfConfig, GptOss20bExpertsAndSlidingLayers) {
  const HfConfigModel read = read_sample(kAll[13]);
  const ModelSpec& m = read.model;
  ASSERT_EQ(std::string(kAll[13].file), "gpt-oss-20b");
  // experts 24 × 32 × 3 × 2880 × 2880 = 19,110,297,600; active 24 × 4 × 3 × 2880² = 2,388,787,200
  // attention 24 × (2 × 2880 × 4096 + 2 × 2880 × 512) = 24 × 26,542,080 = 637,009,920
  // routers 24 × 2880 × 32 = 2,211,840; embeddings 2 × 201088 × 2880 = 1,158,266,880
  EXPECT_DOUBLE_EQ(m.params_b * 1e9, 19'110'297'600.0 + 637'009'920.0 + 2'211'840.0 + 1'158'266'880.0);
  EXPECT_DOUBLE_EQ(m.active_params_b * 1e9, 2'388'787'200.0 + 637'009'920.0 + 2'211'840.0 + 1'158'266'880.0);
  // layer_types: 12 sliding_attention of 24, window 128
  EXPECT_EQ(m.attention.sliding_window_layers, 12);
  EXPECT_EQ(m.attention.sliding_window, 128);
}

TEST(HfConfig, NotesSayWhatWasAssumed) {
  auto has_note = [](const HfConfigModel& read, const std::string& text) {
    for (const auto& note : read.notes)
      if (note.find(text) != std::string::npos) return true;
    return false;
  };
  const auto deepseek = read_hf_config((kSamples / "deepseek-v3.json").string());
  EXPECT_TRUE(has_note(deepseek, "1 MTP layer (num_nextn_predict_layers) not counted"));
  EXPECT_TRUE(has_note(deepseek, "3 dense layers"));
  const auto gemma12 = read_hf_config((kSamples / "gemma-3-12b.json").string());
  EXPECT_TRUE(has_note(gemma12, "text_config of a multimodal model"));
  EXPECT_TRUE(has_note(gemma12, "vocab_size absent: 262208"));
  EXPECT_TRUE(has_note(gemma12, "sliding_window 1024 on 40 of 48 layers"));
  const auto qwen = read_hf_config((kSamples / "qwen2.5-7b.json").string());
  EXPECT_TRUE(has_note(qwen, "use_sliding_window false: sliding_window 131072 ignored"));
  const auto phi = read_hf_config((kSamples / "phi-3.5-mini.json").string());
  EXPECT_TRUE(has_note(phi, "sliding_window 262144 >= max_position_embeddings 131072"));
  EXPECT_EQ(phi.model.name, "Phi-3.5-mini-instruct");  // _name_or_path
  for (const auto& note : deepseek.notes) EXPECT_EQ(note.find('\n'), std::string::npos);
}

// Exact counts of the 2026 architectures: gated attention, the DSA indexer, Gemma 4's global layers.
TEST(HfConfig, Qwen36GatedAttentionAndDeltaNetCounts) {
  const ModelSpec m = read_hf_config((kSamples / "qwen3.6-27b.json").string()).model;
  // 16 full layers: q_proj with gate 5120 × 2 × 6144, k/v 5120 × 1024 each, o 6144 × 5120 = 104,857,600 each
  // 48 Gated DeltaNet layers: in_proj_qkv 5120 × 10240, in_proj_z 5120 × 6144, in_proj_b/a 5120 × 48 each,
  //   out_proj 6144 × 5120, conv 4 × 10240 = 115,875,840 each
  // FFN 64 × 3 × 5120 × 17408; embeddings 2 × 248320 × 5120
  const double expected = 16 * 104'857'600.0 + 48 * 115'875'840.0 + 64 * 3 * 5120.0 * 17408 + 2 * 248320.0 * 5120;
  EXPECT_DOUBLE_EQ(m.params_b * 1e9, expected);
  EXPECT_TRUE(m.attention.output_gate);
  EXPECT_EQ(m.attention.linear_attention_layers, 48);
  // KV: 16 layers × 2 × 4 × 256 per token, plus the fixed f32 DeltaNet state (48 × (48 × 128 × 128 + 3 × 10240) × 4).
  EXPECT_DOUBLE_EQ(kv_cache_bytes(m, KvCacheType::f16, 1000.0),
                   16 * 2 * 4 * 256 * 2.0 * 1000 + 48 * (48 * 128 * 128 + 3 * 10240) * 4.0);
}

TEST(HfConfig, DeepseekV32IndexerCountsAndReads) {
  const HfConfigModel read = read_hf_config((kSamples / "deepseek-v3.2.json").string());
  const ModelSpec& m = read.model;
  EXPECT_EQ(m.attention.indexer_heads, 64);
  EXPECT_EQ(m.attention.indexer_head_dim, 128);
  EXPECT_EQ(m.attention.indexer_topk, 2048);
  // Indexer per layer: wq_b 1536 × 64 × 128 + wk 7168 × 128 + weights_proj 7168 × 64 = 13,959,168; 61 layers
  // on top of DeepSeek-V3's 671,025,397,760.
  EXPECT_DOUBLE_EQ(m.params_b * 1e9, 671'025'397'760.0 + 61 * 13'959'168.0);
  // Cache: (512 + 64) latent + 128 indexer key per token and layer. A decode token at depth 100k reads every
  // indexer key but only 2048 latents.
  const double depth = 100'000;
  EXPECT_DOUBLE_EQ(kv_cache_bytes(m, KvCacheType::f16, depth), 61 * (576 + 128) * 2.0 * depth);
  EXPECT_DOUBLE_EQ(kv_read_bytes(m, KvCacheType::f16, depth), 61 * 2.0 * (576 * 2048 + 128 * depth));
  EXPECT_DOUBLE_EQ(kv_read_bytes(m, KvCacheType::f16, 1000.0), kv_cache_bytes(m, KvCacheType::f16, 1000.0));
}

TEST(HfConfig, Gemma4GlobalLayersHaveTheirOwnShape) {
  const ModelSpec m = read_hf_config((kSamples / "gemma-4-31b.json").string()).model;
  EXPECT_EQ(m.attention.sliding_window_layers, 50);
  EXPECT_EQ(m.attention.global_kv_heads, 4);
  EXPECT_EQ(m.attention.global_head_dim, 512);
  EXPECT_TRUE(m.attention.global_value_is_key);
  // Sliding layer: q 5376 × 8192, k and v 5376 × 4096 each, o 8192 × 5376 = 132,120,576
  // Global layer: q 5376 × 16384, k 5376 × 2048 (V = K), o 16384 × 5376 = 187,170,816
  // The tensor list of gemma-4-31B-it holds exactly these q/k/v/o shapes.
  const double expected = 50 * 132'120'576.0 + 10 * 187'170'816.0 + 60 * 3 * 5376.0 * 21504 + 262144.0 * 5376;
  EXPECT_DOUBLE_EQ(m.params_b * 1e9, expected);
  // KV per token: sliding 2 × 16 × 256 (at most 1024 tokens), global 2 × 4 × 512.
  EXPECT_DOUBLE_EQ(kv_cache_bytes(m, KvCacheType::f16, 5000.0), (50 * 8192.0 * 1024 + 10 * 4096.0 * 5000) * 2);
}

TEST(HfConfig, NotesOnTheNewArchitectures) {
  auto has_note = [](const HfConfigModel& read, const std::string& text) {
    for (const auto& note : read.notes)
      if (note.find(text) != std::string::npos) return true;
    return false;
  };
  const auto glm = read_hf_config((kSamples / "glm-4.7-flash.json").string());
  EXPECT_TRUE(has_note(glm, "1 MTP layer (num_nextn_predict_layers) not counted"));
  const auto qwen = read_hf_config((kSamples / "qwen3.5-35b-a3b.json").string());
  EXPECT_TRUE(has_note(qwen, "text_config of a multimodal model"));
  EXPECT_TRUE(has_note(qwen, "30 linear-attention (Gated DeltaNet) layers, 10 full-attention layers"));
  EXPECT_TRUE(has_note(qwen, "1 MTP layer (mtp_num_hidden_layers) not counted"));
  const auto next = read_hf_config((kSamples / "qwen3-next-80b-a3b.json").string());
  EXPECT_EQ(next.model.attention.linear_attention_layers, 36);  // full_attention_interval 4, no layer_types
  const auto ernie = read_hf_config((kSamples / "ernie-4.5-21b-a3b.json").string());
  EXPECT_TRUE(ernie.model.tied_embeddings);  // Ernie4_5_MoeConfig default
  EXPECT_TRUE(has_note(ernie, "tie_word_embeddings absent: true"));
}

// ---------------------------------------------------------------- the rules each architecture follows

json minimal(const std::string& model_type) {
  return json{{"model_type", model_type}, {"hidden_size", 1024},       {"num_hidden_layers", 12},
              {"num_attention_heads", 16}, {"intermediate_size", 4096}, {"vocab_size", 32000},
              {"max_position_embeddings", 8192}};
}

void expect_error_text(const json& config, const std::string& source, const std::string& needle) {
  try {
    (void)model_from_hf_config_text(config.dump(), source, "bad");
    ADD_FAILURE() << "accepted; expected an error containing: " << needle;
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(HfConfig, TiedEmbeddingDefaultsFollowTheArchitecture) {
  // Absent key: Gemma ties (Gemma2Config default true), Llama does not (LlamaConfig default false).
  EXPECT_TRUE(model_from_hf_config_text(minimal("gemma2").dump(), "g.json", "g").model.tied_embeddings);
  EXPECT_FALSE(model_from_hf_config_text(minimal("llama").dump(), "l.json", "l").model.tied_embeddings);
  json tied = minimal("llama");
  tied["tie_word_embeddings"] = true;
  const ModelSpec m = model_from_hf_config_text(tied.dump(), "l.json", "l").model;
  EXPECT_TRUE(m.tied_embeddings);
  // 12 × (2 × 1024 × 1024 + 2 × 1024 × 1024) + 12 × 3 × 1024 × 4096 + 32000 × 1024 (one matrix)
  // = 50,331,648 + 150,994,944 + 32,768,000 = 234,094,592
  EXPECT_DOUBLE_EQ(m.params_b * 1e9, 234'094'592.0);
}

TEST(HfConfig, SlidingWindowRules) {
  json mistral = minimal("mistral");
  mistral["sliding_window"] = 4096;  // Mistral 7B v0.1: every layer
  EXPECT_EQ(model_from_hf_config_text(mistral.dump(), "m.json", "m").model.attention.sliding_window_layers, 12);
  mistral["sliding_window"] = nullptr;  // v0.3
  EXPECT_EQ(model_from_hf_config_text(mistral.dump(), "m.json", "m").model.attention.sliding_window_layers, 0);

  json gemma2 = minimal("gemma2");
  gemma2["num_hidden_layers"] = 13;  // layers 0, 2, …, 12 slide: 7
  EXPECT_EQ(model_from_hf_config_text(gemma2.dump(), "g.json", "g").model.attention.sliding_window_layers, 7);

  json gemma3 = minimal("gemma3_text");
  gemma3["num_hidden_layers"] = 26;
  gemma3["sliding_window_pattern"] = 6;  // global at 5, 11, 17, 23: 22 sliding
  gemma3["sliding_window"] = 512;
  EXPECT_EQ(model_from_hf_config_text(gemma3.dump(), "g.json", "g").model.attention.sliding_window_layers, 22);

  json qwen = minimal("qwen2");
  qwen["sliding_window"] = 4096;
  qwen["use_sliding_window"] = true;
  qwen["max_window_layers"] = 8;  // layers 8..11 slide
  EXPECT_EQ(model_from_hf_config_text(qwen.dump(), "q.json", "q").model.attention.sliding_window_layers, 4);
  qwen["use_sliding_window"] = false;
  EXPECT_EQ(model_from_hf_config_text(qwen.dump(), "q.json", "q").model.attention.sliding_window_layers, 0);

  json typed = minimal("gpt_oss");
  typed["num_local_experts"] = 4;
  typed["num_experts_per_tok"] = 2;
  typed["num_hidden_layers"] = 3;
  typed["layer_types"] = {"full_attention", "sliding_attention", "sliding_attention"};
  EXPECT_EQ(model_from_hf_config_text(typed.dump(), "o.json", "o").model.attention.sliding_window_layers, 2);
  EXPECT_EQ(model_from_hf_config_text(typed.dump(), "o.json", "o").model.attention.sliding_window, 128);  // GptOssConfig default
}

TEST(HfConfig, Qwen3MoeDenseLayersFromMlpOnlyLayers) {
  json moe = minimal("qwen3_moe");
  moe["num_experts"] = 8;
  moe["num_experts_per_tok"] = 2;
  moe["moe_intermediate_size"] = 512;
  moe["mlp_only_layers"] = {0, 5};
  const HfConfigModel read = model_from_hf_config_text(moe.dump(), "q.json", "q");
  EXPECT_EQ(read.model.moe.dense_layers, 2);
  // Counts do not depend on position: 2 dense FFN layers, 10 MoE layers.
  // attention 12 × 4 × 1024² = 50,331,648; dense FFN 2 × 3 × 1024 × 4096 = 25,165,824;
  // routers 10 × 1024 × 8 = 81,920; experts 10 × 8 × 3 × 1024 × 512 = 125,829,120;
  // embeddings 2 × 32000 × 1024 = 65,536,000
  EXPECT_DOUBLE_EQ(read.model.params_b * 1e9, 50'331'648.0 + 25'165'824.0 + 81'920.0 + 125'829'120.0 + 65'536'000.0);
  bool noted = false;
  for (const auto& note : read.notes) noted = noted || note.find("interleaved with the MoE layers") != std::string::npos;
  EXPECT_TRUE(noted);
}

TEST(HfConfig, Llama4InterleavedExpertsAndChunkedAttention) {
  // Llama 4 Maverick's keys (Llama4TextConfig), 8 layers: MoE every 2nd layer, a shared expert of the expert
  // width, dense layers of intermediate_size_mlp; chunked attention on 3 of every 4 layers.
  json text = {{"model_type", "llama4_text"}, {"hidden_size", 512},          {"num_hidden_layers", 8},
               {"num_attention_heads", 8},      {"num_key_value_heads", 2},    {"head_dim", 64},
               {"intermediate_size", 256},      {"intermediate_size_mlp", 1024}, {"num_local_experts", 4},
               {"num_experts_per_tok", 1},      {"interleave_moe_layer_step", 2}, {"vocab_size", 1000},
               {"max_position_embeddings", 1 << 20}, {"attention_chunk_size", 8192}};
  json wrapper = {{"model_type", "llama4"}, {"architectures", {"Llama4ForConditionalGeneration"}}, {"text_config", text}};
  const ModelSpec m = model_from_hf_config_text(wrapper.dump(), "l.json", "l").model;
  EXPECT_EQ(m.moe.experts, 4);
  EXPECT_EQ(m.moe.dense_layers, 4);  // layers 0, 2, 4, 6
  EXPECT_EQ(m.intermediate_size, 1024);
  EXPECT_EQ(m.moe.expert_intermediate_size, 256);
  EXPECT_EQ(m.moe.shared_experts, 1);
  EXPECT_EQ(m.moe.shared_expert_intermediate_size, 256);
  EXPECT_EQ(m.attention.sliding_window_layers, 6);  // layers 3 and 7 global (no_rope_layer_interval 4)
  EXPECT_EQ(m.attention.sliding_window, 8192);
  // 4 dense × 3 × 512 × 1024 + 4 MoE × (4 experts + 1 shared) × 3 × 512 × 256 + routers 4 × 512 × 4
  // + attention 8 × (2 × 512 × 512 + 2 × 512 × 128) + embeddings 2 × 1000 × 512
  EXPECT_DOUBLE_EQ(m.params_b * 1e9, 4 * 3 * 512.0 * 1024 + 4 * 5 * 3 * 512.0 * 256 + 4 * 512.0 * 4 +
                                         8 * (2 * 512.0 * 512 + 2 * 512.0 * 128) + 2 * 1000.0 * 512);
  text["interleave_moe_layer_step"] = 1;  // Scout: every layer MoE, no dense width needed
  text.erase("intermediate_size_mlp");
  wrapper["text_config"] = text;
  EXPECT_EQ(model_from_hf_config_text(wrapper.dump(), "l.json", "l").model.moe.dense_layers, 0);
}

TEST(HfConfig, Gemma3nPerLayerEmbeddingsAndSharedKv) {
  // Gemma 3n E2B's text keys, 10 layers: every 5th global, the last 4 reuse earlier KV, per-layer embeddings.
  json text = {{"model_type", "gemma3n_text"}, {"hidden_size", 256}, {"num_hidden_layers", 10},
               {"num_attention_heads", 4}, {"num_key_value_heads", 1}, {"head_dim", 64}, {"vocab_size", 500},
               {"vocab_size_per_layer_input", 400}, {"hidden_size_per_layer_input", 16}, {"num_kv_shared_layers", 4},
               {"sliding_window", 32}, {"max_position_embeddings", 4096}, {"intermediate_size", json::array()}};
  for (int i = 0; i < 10; ++i) text["intermediate_size"].push_back(1024);
  for (int i = 0; i < 10; ++i) text["layer_types"].push_back((i + 1) % 5 == 0 ? "full_attention" : "sliding_attention");
  const json wrapper = {{"model_type", "gemma3n"}, {"text_config", text}};
  const ModelSpec m = model_from_hf_config_text(wrapper.dump(), "g.json", "g").model;
  EXPECT_TRUE(m.tied_embeddings);
  EXPECT_EQ(m.intermediate_size, 1024);
  EXPECT_EQ(m.attention.sliding_window_layers, 8);
  EXPECT_EQ(m.attention.kv_shared_layers, 4);
  EXPECT_EQ(m.per_layer_embedding_size, 16);
  EXPECT_EQ(m.per_layer_vocab_size, 400);
  const ParamBreakdown p = shape_params(m);
  EXPECT_DOUBLE_EQ(p.per_layer_embedding, 400.0 * 10 * 16);
  EXPECT_DOUBLE_EQ(p.active(), p.total() - p.per_layer_embedding);  // looked up, not multiplied
  // 6 of 10 layers cache KV: 1 global + 5 sliding (in proportion); all 10 read one.
  const double per_layer = 2 * 1 * 64 * 2.0;
  EXPECT_DOUBLE_EQ(kv_cache_bytes(m, KvCacheType::f16, 20.0), 6 * per_layer * 20);
  EXPECT_DOUBLE_EQ(kv_read_bytes(m, KvCacheType::f16, 20.0), 10 * per_layer * 20);
  EXPECT_DOUBLE_EQ(kv_cache_bytes(m, KvCacheType::f16, 100.0), (1 * 100 + 5 * 32) * per_layer);
  // A table row of the per-layer embeddings is read per token, not the table.
  const QuantSpec& q8 = Catalog::builtin().quant_or_throw("q8_0");
  const WeightBytes w = weight_bytes(m, q8);
  // Tied, all Q8_0: stored − read per token is exactly the table (the embedding is read as the output head).
  EXPECT_NEAR(w.stored - w.per_token, p.per_layer_embedding * 8.5 / 8, 1e-6 * w.stored);
  EXPECT_DOUBLE_EQ(w.embedding, (500.0 * 256 + p.per_layer_embedding) * 8.5 / 8);  // stored with the embedding
}

TEST(HfConfig, Gemma4DenseMlpBesideExpertsIsASharedExpert) {
  json text = {{"model_type", "gemma4_text"}, {"hidden_size", 256}, {"num_hidden_layers", 6},
               {"num_attention_heads", 4}, {"num_key_value_heads", 2}, {"num_global_key_value_heads", 1},
               {"head_dim", 64}, {"global_head_dim", 128}, {"attention_k_eq_v", true}, {"intermediate_size", 512},
               {"enable_moe_block", true}, {"num_experts", 8}, {"top_k_experts", 2}, {"moe_intermediate_size", 128},
               {"vocab_size", 1000}, {"max_position_embeddings", 8192}, {"sliding_window", 64}};
  for (int i = 0; i < 6; ++i) text["layer_types"].push_back(i == 5 ? "full_attention" : "sliding_attention");
  const json wrapper = {{"model_type", "gemma4"}, {"text_config", text}};
  const ModelSpec m = model_from_hf_config_text(wrapper.dump(), "g.json", "g").model;
  EXPECT_EQ(m.moe.experts, 8);
  EXPECT_EQ(m.moe.shared_experts, 1);
  EXPECT_EQ(m.moe.shared_expert_intermediate_size, 512);
  EXPECT_EQ(m.moe.dense_layers, 0);
  // 5 sliding: q 256 × 256, k, v 256 × 128, o = 196,608; 1 global: q 256 × 512, k 256 × 128 (V = K), o = 294,912
  const double attention = 5 * 196'608.0 + 294'912.0;
  const double ffn = 6 * (3 * 256.0 * 512 + 8 * 3 * 256.0 * 128 + 256.0 * 8);
  EXPECT_DOUBLE_EQ(m.params_b * 1e9, attention + ffn + 1000.0 * 256);
}

TEST(HfConfig, ErnieMoeLayerRangeAndGlmMoe) {
  json ernie = minimal("ernie4_5_moe");
  ernie["moe_num_experts"] = 8;
  ernie["moe_k"] = 2;
  ernie["moe_intermediate_size"] = 256;
  ernie["moe_num_shared_experts"] = 2;
  ernie["moe_layer_start_index"] = 2;
  ernie["moe_layer_end_index"] = 9;
  ernie["moe_layer_interval"] = 1;
  const ModelSpec e = model_from_hf_config_text(ernie.dump(), "e.json", "e").model;
  EXPECT_EQ(e.moe.dense_layers, 4);  // 0, 1, 10, 11
  EXPECT_EQ(e.moe.shared_experts, 2);
  EXPECT_TRUE(e.tied_embeddings);
  ernie["moe_layer_end_index"] = -1;  // to the last layer
  EXPECT_EQ(model_from_hf_config_text(ernie.dump(), "e.json", "e").model.moe.dense_layers, 2);

  json glm = minimal("glm4_moe");
  glm["n_routed_experts"] = 8;
  glm["num_experts_per_tok"] = 2;
  glm["moe_intermediate_size"] = 256;
  glm["n_shared_experts"] = 1;
  glm["first_k_dense_replace"] = 3;
  glm["head_dim"] = 128;
  const ModelSpec g = model_from_hf_config_text(glm.dump(), "g.json", "g").model;
  EXPECT_EQ(g.moe.dense_layers, 3);
  EXPECT_EQ(g.head_dim, 128);
  EXPECT_EQ(g.mla.kv_lora_rank, 0);  // GLM-4.5 is GQA, not MLA
}

TEST(HfConfig, QwenHybridLayersFromTypesOrInterval) {
  json text = minimal("qwen3_5_text");
  text["linear_num_key_heads"] = 4;
  text["linear_num_value_heads"] = 8;
  text["linear_key_head_dim"] = 32;
  text["linear_value_head_dim"] = 32;
  text["head_dim"] = 64;
  const ModelSpec by_interval = model_from_hf_config_text(text.dump(), "q.json", "q").model;
  EXPECT_EQ(by_interval.attention.linear_attention_layers, 9);  // full_attention_interval 4 (default): 3 full
  EXPECT_TRUE(by_interval.attention.output_gate);               // attn_output_gate default
  for (int i = 0; i < 12; ++i) text["layer_types"].push_back(i % 2 == 0 ? "linear_attention" : "full_attention");
  text["attn_output_gate"] = false;
  const ModelSpec by_types = model_from_hf_config_text(text.dump(), "q.json", "q").model;
  EXPECT_EQ(by_types.attention.linear_attention_layers, 6);
  EXPECT_FALSE(by_types.attention.output_gate);
  text["layer_types"][0] = "mamba";
  expect_error_text(text, "q.json", "layer_types: entry 0: unsupported 'mamba'");
}

TEST(HfConfig, ModelTypeFromArchitecturesWhenAbsent) {
  json config = minimal("llama");
  config.erase("model_type");
  config["architectures"] = {"MistralForCausalLM"};
  EXPECT_EQ(model_from_hf_config_text(config.dump(), "a.json", "a").model.family, "mistral");
}

TEST(HfConfig, QuantisationFromTheConfig) {
  json config = minimal("llama");
  config["torch_dtype"] = "float16";
  EXPECT_EQ(model_from_hf_config_text(config.dump(), "a.json", "a").suggested_quant, "f16");
  config["quantization_config"] = {{"quant_method", "awq"}, {"bits", 4}, {"group_size", 128}};
  EXPECT_EQ(model_from_hf_config_text(config.dump(), "a.json", "a").suggested_quant, "awq-4bit");
  config["quantization_config"] = {{"quant_method", "bitsandbytes"}};
  const HfConfigModel bnb = model_from_hf_config_text(config.dump(), "a.json", "a");
  EXPECT_EQ(bnb.suggested_quant, "f16");  // no catalogue quant: torch_dtype, and a note says so
  ASSERT_FALSE(bnb.notes.empty());
  EXPECT_NE(bnb.notes.back().find("bitsandbytes"), std::string::npos);
  config.erase("quantization_config");
  config["quantization"] = {{"group_size", 64}, {"bits", 4}};  // mlx-lm
  EXPECT_EQ(model_from_hf_config_text(config.dump(), "a.json", "a").suggested_quant, "mlx-4bit");
}

TEST(HfConfig, NameStaysValidUtf8) {
  json config = minimal("llama");
  // 119 ASCII bytes then "é" (2 bytes) straddling the 120-byte cut: the cut drops the whole character.
  config["_name_or_path"] = std::string(119, 'a') + "\xC3\xA9tail";
  const std::string name = model_from_hf_config_text(config.dump(), "n.json", "n").model.name;
  EXPECT_EQ(name, std::string(119, 'a') + "...");
  // A name that is not UTF-8 in the file: the file is refused as JSON, naming it (never a name that breaks
  // the JSON output).
  config["_name_or_path"] = "bad MARK byte";
  std::string text = config.dump();
  text.replace(text.find("MARK"), 4, "\xFF");
  try {
    (void)model_from_hf_config_text(text, "n.json", "fallback-id");
    ADD_FAILURE() << "invalid UTF-8 accepted";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("n.json: not valid JSON", 0), 0u) << e.what();
  }
}

TEST(HfConfig, IdFromThePath) {
  EXPECT_EQ(hf_config_id_from_path("/models/Qwen3-8B/config.json"), "qwen3-8b");
  EXPECT_EQ(hf_config_id_from_path("/cache/models--meta-llama--Llama-3.1-8B/snapshots/"
                                   "0e9e39f249a16976918f6564b8830bc894c89659/config.json"),
            "llama-3.1-8b");
  EXPECT_EQ(hf_config_id_from_path("/tmp/configs/My Model (v2).json"), "my-model-v2");
  EXPECT_EQ(hf_config_id_from_path("config.json"), "config");
}

TEST(HfConfig, ReadsAModelFolder) {
  const fs::path folder = fs::temp_directory_path() / ("llmfit-hf-" + std::to_string(::getpid())) / "Qwen3-8B";
  fs::create_directories(folder);
  fs::copy_file(kSamples / "qwen3-8b.json", folder / "config.json", fs::copy_options::overwrite_existing);
  const HfConfigModel read = read_hf_config(folder.string());  // the folder: its config.json
  EXPECT_EQ(read.model.id, "qwen3-8b");
  EXPECT_EQ(read.model.source, (folder / "config.json").string());
  EXPECT_EQ(read.model.layers, 36);
  fs::remove_all(folder.parent_path());
}

// ---------------------------------------------------------------- bad input: one line naming file and field

void expect_error(const json& config, const std::string& source, const std::string& needle) {
  try {
    (void)model_from_hf_config_text(config.dump(), source, "bad");
    ADD_FAILURE() << "accepted; expected an error containing: " << needle;
  } catch (const InputError& e) {
    const std::string message = e.what();
    EXPECT_EQ(message.rfind(source + ": ", 0), 0u) << message;
    EXPECT_NE(message.find(needle), std::string::npos) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  }
}

// LFM2: 10 short-convolution + 6 attention layers; the FFN is 2/3 of block_ff_dim, rounded up to 256.
TEST(HfConfig, Lfm2ShortConvolutionsCountEveryMatrix) {
  const ModelSpec m = read_hf_config((kSamples / "lfm2-1.2b.json").string()).model;
  EXPECT_EQ(m.attention.short_conv_layers, 10);
  EXPECT_EQ(m.attention.short_conv_kernel, 3);
  EXPECT_EQ(m.full_attention_layers(), 6);
  EXPECT_EQ(m.intermediate_size, 8192);  // block_ff_dim 12288 × 2/3
  EXPECT_TRUE(m.tied_embeddings);
  // embedding 65536 × 2048 = 134,217,728 (tied); conv 10 × (4 × 2048² + 3 × 2048) = 167,833,600;
  // attention 6 × (2 × 2048² + 2 × 2048 × 512) = 62,914,560; FFN 16 × 3 × 2048 × 8192 = 805,306,368.
  // Sum 1,170,272,256 = the card's 1,170,340,608 minus the norms (16 × 2 × 2048 + 6 × 2 × 64 + 2048).
  EXPECT_DOUBLE_EQ(m.params_b * 1e9, 134'217'728.0 + 167'833'600.0 + 62'914'560.0 + 805'306'368.0);
  // State: 10 layers × (3 − 1) × 2048 f32; KV per token: 6 × 2 × 8 × 64 × 2 B (f16).
  EXPECT_DOUBLE_EQ(recurrent_state_bytes(m), 10 * 2 * 2048 * 4.0);
  EXPECT_DOUBLE_EQ(kv_cache_bytes(m, KvCacheType::f16, 100), 100 * 6 * 2 * 8 * 64 * 2.0 + 10 * 2 * 2048 * 4.0);
}

// Nemotron-H: each layer is one block (23 Mamba-2, 6 attention, 23 MoE); FFNs are up and down only.
TEST(HfConfig, NemotronHybridBlocksCountEveryMatrix) {
  const ModelSpec m = read_hf_config((kSamples / "nemotron-3-nano-30b-a3b.json").string()).model;
  EXPECT_EQ(m.attention.mamba_layers, 23);
  EXPECT_EQ(m.full_attention_layers(), 6);
  EXPECT_EQ(m.mixer_only_layers, 29);
  EXPECT_EQ(m.ffn_only_layers, 23);
  EXPECT_EQ(m.moe_layers(), 23);
  EXPECT_FALSE(m.gated_ffn);
  // Mamba-2 per layer, inner 64 × 64 = 4096, conv 4096 + 2 × 8 × 128 = 6144: in_proj 2688 × (4096 + 6144
  // + 64), out_proj 4096 × 2688, conv (4 + 1) × 6144, dt/A/D 3 × 64, norm 4096 = 38,742,208 (× 23).
  // Attention 6 × (2 × 2688 × 4096 + 2 × 2688 × 256) = 140,378,112. Experts 23 × 128 × 2 × 2688 × 1856 =
  // 29,374,808,064 (6 per token: 1,376,944,128); shared experts and routers 23 × (2 × 2688 × 3712 + 2688
  // × 128) = 466,894,848; embeddings 2 × 131072 × 2688 = 704,643,072.
  const double common = 23 * 38'742'208.0 + 140'378'112.0 + 466'894'848.0 + 704'643'072.0;
  EXPECT_DOUBLE_EQ(m.params_b * 1e9, common + 29'374'808'064.0);
  EXPECT_DOUBLE_EQ(m.active_params_b * 1e9, common + 1'376'944'128.0);
  // State 23 × (4096 × 128 + 3 × 6144) × 4 B = 49,930,240; KV 6 × 2 × 2 × 128 × 2 B per token (f16).
  EXPECT_DOUBLE_EQ(recurrent_state_bytes(m), 49'930'240.0);
  EXPECT_DOUBLE_EQ(kv_cache_bytes(m, KvCacheType::q8_0, 10), 10 * 6 * 2 * 2 * 128 * (34.0 / 32.0) + 49'930'240.0);
}

TEST(HfConfig, Lfm2FfnWidthAndLayerKinds) {
  json lfm2 = minimal("lfm2");
  lfm2.erase("intermediate_size");
  lfm2["block_ff_dim"] = 6656;  // LFM2-350M: 6656 × 2/3 = 4437 → 4608
  lfm2["layer_types"] = json::array();
  for (int i = 0; i < 12; ++i) lfm2["layer_types"].push_back(i % 3 == 2 ? "full_attention" : "conv");
  ModelSpec m = model_from_hf_config_text(lfm2.dump(), "l.json", "l").model;
  EXPECT_EQ(m.intermediate_size, 4608);
  EXPECT_EQ(m.attention.short_conv_layers, 8);
  EXPECT_EQ(m.full_attention_layers(), 4);
  lfm2["block_auto_adjust_ff_dim"] = false;  // LFM2-2.6B: the width as given
  EXPECT_EQ(model_from_hf_config_text(lfm2.dump(), "l.json", "l").model.intermediate_size, 6656);
  lfm2["block_auto_adjust_ff_dim"] = true;
  lfm2["block_ffn_dim_multiplier"] = 1.5;  // 4437 × 1.5 = 6655 → 6656
  EXPECT_EQ(model_from_hf_config_text(lfm2.dump(), "l.json", "l").model.intermediate_size, 6656);
  // full_attn_idxs instead of layer_types; repeated indices count once.
  lfm2.erase("layer_types");
  lfm2["full_attn_idxs"] = {2, 5, 5, 8};
  m = model_from_hf_config_text(lfm2.dump(), "l.json", "l").model;
  EXPECT_EQ(m.full_attention_layers(), 3);
  EXPECT_EQ(m.attention.short_conv_layers, 9);
  EXPECT_TRUE(m.tied_embeddings);  // Lfm2Config default; tie_embedding false unties
  lfm2["tie_embedding"] = false;
  EXPECT_FALSE(model_from_hf_config_text(lfm2.dump(), "l.json", "l").model.tied_embeddings);
}

TEST(HfConfig, Lfm2MoeDenseLayersAndExperts) {
  json moe = minimal("lfm2_moe");
  moe["intermediate_size"] = 7168;
  moe["num_experts"] = 32;
  moe["num_experts_per_tok"] = 4;
  moe["moe_intermediate_size"] = 1792;
  moe["num_dense_layers"] = 2;
  moe["full_attn_idxs"] = {2, 6, 10};
  const ModelSpec m = model_from_hf_config_text(moe.dump(), "m.json", "m").model;
  EXPECT_EQ(m.intermediate_size, 7168);  // Lfm2MoeMLP: no 2/3 adjustment
  EXPECT_EQ(m.moe.dense_layers, 2);
  EXPECT_EQ(m.moe_layers(), 10);
  EXPECT_EQ(m.attention.short_conv_layers, 9);
}

TEST(HfConfig, GraniteHybridDenseAndMoe) {
  json granite = minimal("granitemoehybrid");
  granite["layer_types"] = json::array();
  for (int i = 0; i < 12; ++i) granite["layer_types"].push_back(i == 5 ? "attention" : "mamba");
  granite["mamba_n_heads"] = 32;
  granite["mamba_d_head"] = "auto";  // mamba_expand (2) × 1024 / 32 = 64
  granite["mamba_d_state"] = 128;
  granite["mamba_n_groups"] = 1;
  granite["mamba_d_conv"] = 4;
  granite["num_local_experts"] = 0;
  granite["shared_intermediate_size"] = 2048;
  ModelSpec m = model_from_hf_config_text(granite.dump(), "g.json", "g").model;
  EXPECT_EQ(m.attention.mamba_layers, 11);
  EXPECT_EQ(m.attention.mamba_head_dim, 64);
  EXPECT_EQ(m.full_attention_layers(), 1);
  EXPECT_EQ(m.intermediate_size, 2048);  // dense: the shared MLP is the FFN
  EXPECT_FALSE(m.is_moe());
  EXPECT_TRUE(m.gated_ffn);
  granite["num_local_experts"] = 16;
  granite["num_experts_per_tok"] = 4;
  granite["intermediate_size"] = 512;
  m = model_from_hf_config_text(granite.dump(), "g.json", "g").model;
  EXPECT_EQ(m.moe.experts, 16);
  EXPECT_EQ(m.moe.expert_intermediate_size, 512);
  EXPECT_EQ(m.moe.shared_experts, 1);
  EXPECT_EQ(m.moe.shared_expert_intermediate_size, 2048);
  EXPECT_EQ(m.moe_layers(), 12);
  // Mamba-2 state: 11 × (32 × 64 × 128 + 3 × (2048 + 2 × 128)) × 4 B.
  EXPECT_DOUBLE_EQ(recurrent_state_bytes(m), 11 * (32 * 64 * 128 + 3 * (2048 + 256)) * 4.0);
}

TEST(HfConfig, MultimodalMistral3ReadsItsTextConfig) {
  json text = minimal("ministral3");
  text["head_dim"] = 128;
  json config = {{"model_type", "mistral3"}, {"text_config", text}, {"torch_dtype", "bfloat16"}};
  const HfConfigModel read = model_from_hf_config_text(config.dump(), "m.json", "m");
  EXPECT_EQ(read.model.hidden_size, 1024);
  EXPECT_EQ(read.model.head_dim, 128);
  EXPECT_EQ(read.model.family, "mistral3");
  config["text_config"]["model_type"] = "llama";
  expect_error(config, "m.json", "text_config.model_type: expected 'mistral' or 'ministral3'");
  config.erase("text_config");
  expect_error(config, "m.json", "text_config: missing (a multimodal mistral3 config");
}

TEST(HfConfigBadInput, MalformedJsonFile) {
  const fs::path path = fs::temp_directory_path() / ("llmfit-hf-" + std::to_string(::getpid()) + "-truncated.json");
  {
    std::ofstream out(path);
    out << R"({"model_type": "llama", "hidden_size": 4096,)";
  }
  try {
    (void)read_hf_config(path.string());
    ADD_FAILURE() << "a truncated file was accepted";
  } catch (const InputError& e) {
    const std::string message = e.what();
    EXPECT_EQ(message.rfind(path.string() + ": not valid JSON", 0), 0u) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos);
  }
  fs::remove(path);
  EXPECT_THROW((void)read_hf_config((fs::temp_directory_path() / "llmfit-no-such-config.json").string()), InputError);
  EXPECT_THROW((void)model_from_hf_config_text("[1, 2]", "list.json", "x"), InputError);  // not an object
  EXPECT_THROW((void)model_from_hf_config_text(std::string(200, '['), "deep.json", "x"), InputError);
}

TEST(HfConfigBadInput, MissingHiddenSize) {
  json config = minimal("llama");
  config.erase("hidden_size");
  expect_error(config, "/m/config.json", "hidden_size: missing");
}

TEST(HfConfigBadInput, NegativeLayers) {
  json config = minimal("llama");
  config["num_hidden_layers"] = -3;
  expect_error(config, "/m/config.json", "num_hidden_layers: must be a whole number from 1 to 10000, not -3");
}

TEST(HfConfigBadInput, StringWhereANumberIsExpected) {
  json config = minimal("qwen3");
  config["vocab_size"] = "151936";
  expect_error(config, "q.json", "vocab_size: must be a number, not \"151936\"");
  config["vocab_size"] = 151936.5;
  expect_error(config, "q.json", "vocab_size: must be a whole number");
  config["vocab_size"] = 151936;
  config["tie_word_embeddings"] = "yes";
  expect_error(config, "q.json", "tie_word_embeddings: must be true or false");
}

TEST(HfConfigBadInput, UnknownModelTypeSuggestsTheClosest) {
  json config = minimal("qwen3_mo");
  expect_error(config, "x.json", "model_type: unsupported 'qwen3_mo' (did you mean 'qwen3_moe'?); supported: llama,");
  config.erase("model_type");
  expect_error(config, "x.json", "model_type: missing");
}

TEST(HfConfigBadInput, AbsurdSizes) {
  json config = minimal("llama");
  config["hidden_size"] = 1e12;
  expect_error(config, "big.json", "hidden_size: must be a whole number from 1 to 1048576, not 1000000000000.0");
  config["hidden_size"] = 1048576;  // allowed alone, but the whole shape is beyond 100,000 B parameters
  config["num_hidden_layers"] = 10000;
  config["intermediate_size"] = 1048576;
  expect_error(config, "big.json", "billion parameters (limit 100000)");
}

TEST(HfConfigBadInput, InconsistentShapes) {
  json heads = minimal("llama");
  heads["num_key_value_heads"] = 5;
  expect_error(heads, "h.json", "num_key_value_heads: 5 does not divide num_attention_heads 16");
  json experts = minimal("mixtral");
  experts["num_local_experts"] = 8;
  experts["num_experts_per_tok"] = 9;
  expect_error(experts, "e.json", "num_experts_per_tok: must be a whole number from 1 to 8, not 9");
  json types = minimal("gpt_oss");
  types["num_local_experts"] = 4;
  types["num_experts_per_tok"] = 2;
  types["layer_types"] = {"full_attention"};
  expect_error(types, "t.json", "layer_types: has 1 entries for 12 layers");
  json pattern = minimal("nemotron_h");
  pattern["hybrid_override_pattern"] = "M*E";
  expect_error(pattern, "n.json", "hybrid_override_pattern: has 3 characters for 12 layers");
  pattern["hybrid_override_pattern"] = "M*-M*-M*-M*X";
  expect_error(pattern, "n.json", "hybrid_override_pattern: character 11 'X' is not M (Mamba-2)");
  pattern["hybrid_override_pattern"] = "M*-M*-M*-M*-";
  pattern["mamba_num_heads"] = 30;
  pattern["mamba_head_dim"] = 64;
  pattern["ssm_state_size"] = 128;
  pattern["n_groups"] = 8;
  pattern["conv_kernel"] = 4;
  expect_error(pattern, "n.json", "n_groups: 8 does not divide mamba_num_heads 30");
  pattern["mamba_num_heads"] = 32;
  pattern["hybrid_override_pattern"] = "M*M*M*M*M*M*";
  expect_error(pattern, "n.json", "hybrid_override_pattern: has no MLP (-) or MoE (E) layer");
  json kinds = minimal("lfm2");
  kinds["layer_types"] = json::array();
  for (int i = 0; i < 12; ++i) kinds["layer_types"].push_back(i == 3 ? "sliding_attention" : "conv");
  expect_error(kinds, "k.json", "layer_types: entry 3: unsupported 'sliding_attention' (full_attention, conv)");
  json multimodal = minimal("gemma3");
  expect_error(multimodal, "g.json", "text_config: missing");
  multimodal["text_config"] = {{"hidden_size", "wide"}};
  expect_error(multimodal, "g.json", "text_config.hidden_size: must be a number");
  json deepseek = minimal("deepseek_v3");
  expect_error(deepseek, "d.json", "kv_lora_rank: missing");
}

}  // namespace
}  // namespace llmfit

// GGUF model files: header parsing, exact weight bytes from the tensor table, MoE active bytes,
// split files, and malformed or truncated files refused with one line naming the file.
#include <gtest/gtest.h>

#include <filesystem>
#include <optional>
#include <sstream>

#include "gguf_writer.hpp"
#include "llmfit/io.hpp"
#include "llmfit/llmfit.hpp"
#include "llmfit/report.hpp"

namespace llmfit {
namespace {

namespace fs = std::filesystem;
using test::GgufWriter;

/// A temporary folder removed at the end of the test.
struct TempDir {
  fs::path path;
  TempDir() {
    static int counter = 0;
    path = fs::temp_directory_path() / ("llmfit-gguf-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path, ignored);
  }
};

std::vector<std::string> vocabulary(int size) {
  std::vector<std::string> tokens;
  for (int i = 0; i < size; ++i) tokens.push_back(std::to_string(i));
  return tokens;
}

/// file_type 15: LLAMA_FTYPE_MOSTLY_Q4_K_M; nullopt leaves the key out.
void llama_metadata(GgufWriter& w, const std::string& arch = "llama", int layers = 2,
                    std::optional<std::uint32_t> file_type = 15, std::uint32_t context = 2048,
                    bool kv_heads = true) {
  w.string("general.architecture", arch);
  w.string("general.name", "Tiny Llama Test");
  if (file_type) w.u32("general.file_type", *file_type);
  w.u32(arch + ".block_count", static_cast<std::uint32_t>(layers));
  w.u32(arch + ".embedding_length", 256);
  w.u32(arch + ".feed_forward_length", 512);
  w.u32(arch + ".attention.head_count", 4);
  if (kv_heads) w.u32(arch + ".attention.head_count_kv", 2);
  w.u32(arch + ".context_length", context);
  w.string_array("tokenizer.ggml.tokens", vocabulary(1000));
}

/// A real-sized file from its header alone: the data is declared (it sets the file size), never read.
GgufFile parse_header_of(const GgufWriter& w, const std::string& file_name) {
  const std::string header = w.header();
  std::istringstream in(header);
  return parse_gguf(in, header.size() + w.data_bytes(), file_name);
}

/// Attention of one block: 256 hidden, 4 heads of 64, 2 KV heads (K and V 128 wide).
void attention_block(GgufWriter& w, int layer) {
  const std::string b = "blk." + std::to_string(layer) + ".";
  w.tensor(b + "attn_norm.weight", {256}, test::kF32);
  w.tensor(b + "attn_q.weight", {256, 256}, test::kQ4_K);
  w.tensor(b + "attn_k.weight", {256, 128}, test::kQ4_K);
  w.tensor(b + "attn_v.weight", {256, 128}, test::kQ6_K);
  w.tensor(b + "attn_output.weight", {256, 256}, test::kQ4_K);
  w.tensor(b + "ffn_norm.weight", {256}, test::kF32);
}

void dense_ffn(GgufWriter& w, int layer) {
  const std::string b = "blk." + std::to_string(layer) + ".";
  w.tensor(b + "ffn_gate.weight", {256, 512}, test::kQ4_K);
  w.tensor(b + "ffn_up.weight", {256, 512}, test::kQ4_K);
  w.tensor(b + "ffn_down.weight", {512, 256}, test::kQ6_K);
}

/// A 2-layer Llama in Q4_K_M-style types (Q4_K, attn_v / ffn_down / output in Q6_K).
GgufWriter tiny_llama(bool tied = false) {
  GgufWriter w;
  llama_metadata(w);
  w.tensor("token_embd.weight", {256, 1000}, test::kQ4_K);
  for (int layer = 0; layer < 2; ++layer) {
    attention_block(w, layer);
    dense_ffn(w, layer);
  }
  w.tensor("output_norm.weight", {256}, test::kF32);
  if (!tied) w.tensor("output.weight", {256, 1000}, test::kQ6_K);
  return w;
}

// Hand arithmetic for tiny_llama (bytes = elements / block elements × block bytes):
//   token_embd 256×1000 Q4_K: 1000 blocks × 144 = 144,000;  output Q6_K: 1000 × 210 = 210,000
//   one block: norms 2 × 1,024 + q 36,864 + k 18,432 + v (Q6_K) 26,880 + o 36,864
//              + gate 73,728 + up 73,728 + down (Q6_K, 512 blocks) 107,520 = 376,064
//   params of one block: 2×256 + 65,536 + 3×32,768... = 256+65,536+32,768+32,768+65,536+256+3×131,072 = 590,336
constexpr double kBlockBytes = 376'064;
constexpr double kBlockParams = 590'336;
constexpr double kEmbeddingBytes = 144'000;
constexpr double kOutputBytes = 210'000;
constexpr double kOutputNormBytes = 1'024;

std::string write_model(const TempDir& dir, const GgufWriter& w, const std::string& name) {
  const fs::path path = dir.path / name;
  w.write(path);
  return path.string();
}

GgufFile parse_bytes(const std::string& bytes, const std::string& path = "mem.gguf") {
  std::istringstream in(bytes);
  return parse_gguf(in, bytes.size(), path);
}

/// The InputError message of parsing `bytes`, or "" when it parses.
std::string parse_error(const std::string& bytes) {
  try {
    (void)parse_bytes(bytes, "bad.gguf");
  } catch (const InputError& e) {
    return e.what();
  }
  return {};
}

std::string model_error(const GgufWriter& w) {
  try {
    (void)model_from_gguf({parse_bytes(w.bytes(), "bad.gguf")}, Catalog::builtin(), "bad");
  } catch (const InputError& e) {
    return e.what();
  }
  return {};
}

TEST(GgmlTypes, BlockLayoutsMatchGgml) {
  // Q4_K: 2 fp16 scales + 12 packed scale bytes + 128 bytes of nibbles per 256 weights = 4.5 bits.
  ASSERT_NE(ggml_type_traits(12), nullptr);
  EXPECT_EQ(ggml_type_traits(12)->name, "Q4_K");
  EXPECT_DOUBLE_EQ(ggml_type_traits(12)->bytes_per_block * 8.0 / ggml_type_traits(12)->elements_per_block, 4.5);
  EXPECT_EQ(ggml_type_traits(14)->bytes_per_block, 210u);  // Q6_K: 6.5625 bits
  EXPECT_EQ(ggml_type_traits(8)->bytes_per_block, 34u);    // Q8_0: 8.5 bits
  EXPECT_EQ(ggml_type_traits(39)->bytes_per_block, 17u);   // MXFP4: 4.25 bits
  EXPECT_EQ(ggml_type_traits(4), nullptr);                  // removed Q4_2
  EXPECT_EQ(ggml_type_traits(33), nullptr);
  EXPECT_EQ(ggml_type_traits(999), nullptr);
  EXPECT_EQ(gguf_file_type_name(15), "q4_k_m");
  EXPECT_EQ(gguf_file_type_name(38), "mxfp4_moe");
  EXPECT_EQ(gguf_file_type_name(5), "");  // unused value
}

TEST(GgufHeader, ParsesMetadataAndTensorTable) {
  const GgufWriter w = tiny_llama();
  const GgufFile file = parse_bytes(w.bytes());
  EXPECT_EQ(file.version, 3u);
  EXPECT_EQ(file.string_value("general.architecture"), "llama");
  EXPECT_EQ(file.unsigned_value("llama.block_count"), 2u);
  ASSERT_NE(file.array_value("tokenizer.ggml.tokens"), nullptr);
  EXPECT_EQ(file.array_value("tokenizer.ggml.tokens")->length, 1000u);
  ASSERT_EQ(file.tensors.size(), 1u + 2u * 9u + 2u);
  EXPECT_EQ(file.tensors.front().name, "token_embd.weight");
  EXPECT_EQ(file.tensors.front().bytes, 144'000u);
  EXPECT_EQ(file.data_offset % 32, 0u);
  EXPECT_THROW((void)file.unsigned_value("general.architecture"), InputError);  // a string, not a number
}

TEST(GgufHeader, Version2ParsesLikeVersion3) {
  GgufWriter w = tiny_llama();
  w.version = 2;
  const GgufFile file = parse_bytes(w.bytes());
  EXPECT_EQ(file.version, 2u);
  EXPECT_EQ(file.tensors.size(), 21u);
}

TEST(GgufModel, DenseWeightsAreTheSumOfTheTensors) {
  const ModelFileInfo info = model_from_gguf({parse_bytes(tiny_llama().bytes())}, Catalog::builtin(), "tiny");
  const ModelSpec& m = info.model;
  EXPECT_EQ(m.layers, 2);
  EXPECT_EQ(m.hidden_size, 256);
  EXPECT_EQ(m.intermediate_size, 512);
  EXPECT_EQ(m.attention_heads, 4);
  EXPECT_EQ(m.kv_heads, 2);
  EXPECT_EQ(m.head_dim, 64);  // 256 / 4
  EXPECT_EQ(m.vocab_size, 1000);
  EXPECT_EQ(m.max_context, 2048);
  EXPECT_FALSE(m.tied_embeddings);
  EXPECT_FALSE(m.is_moe());
  EXPECT_EQ(m.name, "Tiny Llama Test");
  EXPECT_EQ(info.quant_id, "q4_k_m");  // general.file_type 15, a catalogue entry
  EXPECT_FALSE(info.quant.has_value());

  const FileWeights& f = m.file_weights;
  EXPECT_DOUBLE_EQ(f.layer_bytes, 2 * kBlockBytes);
  EXPECT_DOUBLE_EQ(f.layer_params, 2 * kBlockParams);
  EXPECT_DOUBLE_EQ(f.embedding_bytes, kEmbeddingBytes);
  EXPECT_DOUBLE_EQ(f.output_bytes, kOutputBytes);
  EXPECT_DOUBLE_EQ(f.other_bytes, kOutputNormBytes);
  // params: 2 × 590,336 + 2 × 256,000 (embedding, output) + 256 (output norm) = 1,692,928
  EXPECT_DOUBLE_EQ(m.params_b * 1e9, 1'692'928.0);
  EXPECT_DOUBLE_EQ(m.active_params_b, m.params_b);

  // The performance model reads the file's bytes in the file's quantisation.
  const QuantSpec& q4 = *Catalog::builtin().find_quant("q4_k_m");
  const WeightBytes w = weight_bytes(m, q4);
  EXPECT_DOUBLE_EQ(w.stored, 2 * kBlockBytes + kEmbeddingBytes + kOutputBytes + kOutputNormBytes);  // 1,107,152
  EXPECT_DOUBLE_EQ(w.per_token, 2 * kBlockBytes + kOutputBytes + kOutputNormBytes);  // the embedding is a lookup
  EXPECT_DOUBLE_EQ(w.output_head, kOutputBytes);
  EXPECT_DOUBLE_EQ(w.active_params, 2 * kBlockParams + 256'000 + 256);
  // Another quantisation has no file: the shape estimate, at Q8_0's 8.5 bits, is larger.
  const WeightBytes w8 = weight_bytes(m, *Catalog::builtin().find_quant("q8_0"));
  EXPECT_GT(w8.stored, w.stored * 1.5);
}

TEST(GgufModel, MissingOutputTensorMeansTiedEmbeddings) {
  const ModelFileInfo info = model_from_gguf({parse_bytes(tiny_llama(true).bytes())}, Catalog::builtin(), "tiny");
  EXPECT_TRUE(info.model.tied_embeddings);
  const WeightBytes w = weight_bytes(info.model, *Catalog::builtin().find_quant("q4_k_m"));
  EXPECT_DOUBLE_EQ(w.output_head, kEmbeddingBytes);  // the head reads the shared matrix
  EXPECT_DOUBLE_EQ(w.stored, 2 * kBlockBytes + kEmbeddingBytes + kOutputNormBytes);
  EXPECT_DOUBLE_EQ(w.per_token, 2 * kBlockBytes + kEmbeddingBytes + kOutputNormBytes);
}

/// A 2-layer Qwen3-MoE: 8 experts of width 128, 2 used per token.
GgufWriter tiny_moe() {
  GgufWriter w;
  const std::string a = "qwen3moe";
  llama_metadata(w, a);
  w.u32(a + ".attention.key_length", 64);
  w.u32(a + ".attention.value_length", 64);
  w.u32(a + ".expert_count", 8);
  w.u32(a + ".expert_used_count", 2);
  w.u32(a + ".expert_feed_forward_length", 128);
  w.tensor("token_embd.weight", {256, 1000}, test::kQ4_K);
  for (int layer = 0; layer < 2; ++layer) {
    attention_block(w, layer);
    const std::string b = "blk." + std::to_string(layer) + ".";
    w.tensor(b + "ffn_gate_inp.weight", {256, 8}, test::kF32);
    w.tensor(b + "ffn_gate_exps.weight", {256, 128, 8}, test::kQ4_K);
    w.tensor(b + "ffn_up_exps.weight", {256, 128, 8}, test::kQ4_K);
    w.tensor(b + "ffn_down_exps.weight", {128, 256, 8}, test::kQ8_0);
  }
  w.tensor("output_norm.weight", {256}, test::kF32);
  w.tensor("output.weight", {256, 1000}, test::kQ6_K);
  return w;
}

TEST(GgufModel, MoeActiveBytesComeFromTheExpertTensors) {
  const ModelFileInfo info = model_from_gguf({parse_bytes(tiny_moe().bytes())}, Catalog::builtin(), "tiny-moe");
  const ModelSpec& m = info.model;
  ASSERT_TRUE(m.is_moe());
  EXPECT_EQ(m.moe.experts, 8);
  EXPECT_EQ(m.moe.experts_per_token, 2);
  EXPECT_EQ(m.moe.expert_intermediate_size, 128);
  EXPECT_EQ(m.moe.dense_layers, 0);
  // Routed experts of one block: gate and up 256×128×8 Q4_K = 1,024 blocks × 144 = 147,456 each,
  // down 128×256×8 Q8_0 = 8,192 blocks × 34 = 278,528; 573,440 bytes and 786,432 params per block.
  EXPECT_DOUBLE_EQ(m.file_weights.routed_expert_bytes, 2 * 573'440.0);
  EXPECT_DOUBLE_EQ(m.file_weights.routed_expert_params, 2 * 786'432.0);
  // Rest of a block: attention 120,064 + router 256×8 F32 8,192 + ffn_norm 1,024 = 129,280 bytes.
  EXPECT_DOUBLE_EQ(m.file_weights.layer_bytes, 2 * 129'280.0);
  const WeightBytes w = weight_bytes(m, *Catalog::builtin().find_quant("q4_k_m"));
  // One token reads 2 of 8 experts: 2 × 129,280 + 2 × 573,440 / 4 + output 210,000 + norm 1,024 = 756,304.
  EXPECT_DOUBLE_EQ(w.per_token, 756'304.0);
  EXPECT_DOUBLE_EQ(w.active_routed, 2 * 573'440.0 / 4);
  // Active params: 2 × 199,168 + 2 × 786,432 / 4 + 256,000 + 256 = 1,047,808.
  EXPECT_DOUBLE_EQ(w.active_params, 1'047'808.0);
  EXPECT_NEAR(m.active_params_b * 1e9, m.params_b * 1e9 - 2 * 786'432.0 * 0.75, 1e-3);
}

TEST(GgufModel, SlidingWindowLayersFollowTheArchitecturePattern) {
  GgufWriter w;
  const std::string a = "gemma3";
  llama_metadata(w, a, 12);
  w.u32(a + ".attention.sliding_window", 1024);
  w.tensor("token_embd.weight", {256, 1000}, test::kQ4_K);
  for (int layer = 0; layer < 12; ++layer) {
    attention_block(w, layer);
    dense_ffn(w, layer);
  }
  const ModelFileInfo info = model_from_gguf({parse_bytes(w.bytes())}, Catalog::builtin(), "tiny-gemma");
  // Gemma 3: one global layer in every 6 (layers 5 and 11), the other 10 slide over 1,024 tokens.
  EXPECT_EQ(info.model.attention.sliding_window_layers, 10);
  EXPECT_EQ(info.model.attention.sliding_window, 1024);
  EXPECT_TRUE(info.model.tied_embeddings);

  // An explicit per-layer pattern wins: 3 of 12 sliding.
  GgufWriter explicit_pattern;
  llama_metadata(explicit_pattern, a, 12);
  explicit_pattern.u32(a + ".attention.sliding_window", 512);
  explicit_pattern.bool_array(a + ".attention.sliding_window_pattern",
                              {true, false, false, false, true, false, false, false, true, false, false, false});
  explicit_pattern.tensor("token_embd.weight", {256, 1000}, test::kQ4_K);
  for (int layer = 0; layer < 12; ++layer) {
    attention_block(explicit_pattern, layer);
    dense_ffn(explicit_pattern, layer);
  }
  const ModelFileInfo patterned =
      model_from_gguf({parse_bytes(explicit_pattern.bytes())}, Catalog::builtin(), "tiny-gemma-2");
  EXPECT_EQ(patterned.model.attention.sliding_window_layers, 3);
}

/// Routed experts of one block (8 experts of width 128, 2 per token) and their router.
void expert_ffn(GgufWriter& w, int layer) {
  const std::string b = "blk." + std::to_string(layer) + ".";
  w.tensor(b + "ffn_gate_inp.weight", {256, 8}, test::kF32);
  w.tensor(b + "ffn_gate_exps.weight", {256, 128, 8}, test::kQ4_K);
  w.tensor(b + "ffn_up_exps.weight", {256, 128, 8}, test::kQ4_K);
  w.tensor(b + "ffn_down_exps.weight", {128, 256, 8}, test::kQ8_0);
}

TEST(GgufModel, InterleavedMoeLayersAndChunkedAttention) {
  // Llama 4 Maverick's layout on 8 blocks: experts on odd blocks, a dense FFN on even ones; llama.cpp's llama4
  // attends within 8192-token chunks on 3 of every 4 layers when the file gives no window.
  GgufWriter w;
  const std::string a = "llama4";
  llama_metadata(w, a, 8, 15, 1 << 20);
  w.u32(a + ".expert_count", 8);
  w.u32(a + ".expert_used_count", 2);
  w.tensor("token_embd.weight", {256, 1000}, test::kQ4_K);
  for (int layer = 0; layer < 8; ++layer) {
    attention_block(w, layer);
    if (layer % 2 == 1) expert_ffn(w, layer);
    else dense_ffn(w, layer);
  }
  w.tensor("output.weight", {256, 1000}, test::kQ6_K);
  const ModelFileInfo info = model_from_gguf({parse_bytes(w.bytes())}, Catalog::builtin(), "tiny-llama4");
  EXPECT_EQ(info.model.moe.dense_layers, 4);  // counted, not "the blocks before the first expert" (1)
  EXPECT_EQ(info.model.attention.sliding_window_layers, 6);
  EXPECT_EQ(info.model.attention.sliding_window, 8192);
}

TEST(GgufModel, MultiTokenPredictionBlockIsNotLoaded) {
  // GLM-4.5 files count their MTP block in block_count and name it in nextn_predict_layers; llama.cpp skips it.
  GgufWriter w;
  const std::string a = "glm4moe";
  llama_metadata(w, a, 3);
  w.u32(a + ".nextn_predict_layers", 1);
  w.tensor("token_embd.weight", {256, 1000}, test::kQ4_K);
  for (int layer = 0; layer < 3; ++layer) {
    attention_block(w, layer);
    dense_ffn(w, layer);
  }
  w.tensor("blk.2.nextn.eh_proj.weight", {512, 256}, test::kQ8_0);
  w.tensor("output.weight", {256, 1000}, test::kQ6_K);
  const ModelFileInfo info = model_from_gguf({parse_bytes(w.bytes())}, Catalog::builtin(), "tiny-glm");
  EXPECT_EQ(info.model.layers, 2);
  // Two blocks of attention 120,064 + norms 2,048... as DenseWeightsAreTheSumOfTheTensors, and not the third.
  GgufWriter two;
  llama_metadata(two, a, 2);
  two.tensor("token_embd.weight", {256, 1000}, test::kQ4_K);
  for (int layer = 0; layer < 2; ++layer) {
    attention_block(two, layer);
    dense_ffn(two, layer);
  }
  two.tensor("output.weight", {256, 1000}, test::kQ6_K);
  const ModelFileInfo without = model_from_gguf({parse_bytes(two.bytes())}, Catalog::builtin(), "tiny-glm-2");
  EXPECT_DOUBLE_EQ(info.model.file_weights.total_bytes(), without.model.file_weights.total_bytes());
  bool noted = false;
  for (const auto& note : info.notes) noted = noted || note.find("multi-token-prediction block") != std::string::npos;
  EXPECT_TRUE(noted);
}

TEST(GgufModel, HybridSparseAndPerLayerEmbeddingShapes) {
  // Qwen3-Next / Qwen3.5: one full-attention layer in every 4, Gated DeltaNet shape in ssm.* keys.
  GgufWriter q;
  const std::string a = "qwen35";
  llama_metadata(q, a, 8);
  q.u32(a + ".full_attention_interval", 4);
  q.u32(a + ".ssm.group_count", 4);
  q.u32(a + ".ssm.time_step_rank", 8);
  q.u32(a + ".ssm.state_size", 32);
  q.u32(a + ".ssm.inner_size", 8 * 32);
  q.u32(a + ".ssm.conv_kernel", 4);
  q.tensor("token_embd.weight", {256, 1000}, test::kQ4_K);
  for (int layer = 0; layer < 8; ++layer) {
    if (layer % 4 == 3) {
      attention_block(q, layer);
    } else {  // Gated DeltaNet: qkvz 2 × 128 + 2 × 256 wide, b and a per value head, out, conv over q, k, v
      const std::string b = "blk." + std::to_string(layer) + ".";
      q.tensor(b + "attn_norm.weight", {256}, test::kF32);
      q.tensor(b + "ssm_in.weight", {256, 768}, test::kQ4_K);
      q.tensor(b + "ssm_ba.weight", {256, 16}, test::kF32);
      q.tensor(b + "ssm_out.weight", {256, 256}, test::kQ4_K);
      q.tensor(b + "ssm_conv1d.weight", {4, 512}, test::kF32);
    }
    dense_ffn(q, layer);
  }
  const ModelFileInfo hybrid = model_from_gguf({parse_bytes(q.bytes())}, Catalog::builtin(), "tiny-qwen35");
  const AttentionSpec& h = hybrid.model.attention;
  EXPECT_EQ(h.linear_attention_layers, 6);
  EXPECT_EQ(h.linear_key_heads, 4);
  EXPECT_EQ(h.linear_value_heads, 8);
  EXPECT_EQ(h.linear_key_head_dim, 32);
  EXPECT_EQ(h.linear_value_head_dim, 32);
  // KV: 2 full layers × 2 × 2 × 64 per token (f16) + 6 fixed f32 states of 8 × 32 × 32 + 3 × (2 × 128 + 256).
  EXPECT_DOUBLE_EQ(kv_cache_bytes(hybrid.model, KvCacheType::f16, 10.0),
                   2 * 2 * 2 * 64 * 2.0 * 10 + 6 * (8 * 32 * 32 + 3 * (2 * 128 + 256)) * 4.0);

  // DeepSeek-V3.2: the indexer's key width and top-k from attention.indexer.*.
  GgufWriter d;
  const std::string ds = "deepseek32";
  llama_metadata(d, ds, 2);
  d.u32(ds + ".attention.indexer.head_count", 4);
  d.u32(ds + ".attention.indexer.key_length", 32);
  d.u32(ds + ".attention.indexer.top_k", 64);
  d.tensor("token_embd.weight", {256, 1000}, test::kQ4_K);
  for (int layer = 0; layer < 2; ++layer) {
    attention_block(d, layer);
    dense_ffn(d, layer);
    const std::string b = "blk." + std::to_string(layer) + ".indexer.";
    d.tensor(b + "attn_q_b.weight", {256, 4 * 32}, test::kF32);
    d.tensor(b + "attn_k.weight", {256, 32}, test::kF32);
    d.tensor(b + "proj.weight", {256, 4}, test::kF32);
  }
  const ModelFileInfo sparse = model_from_gguf({parse_bytes(d.bytes())}, Catalog::builtin(), "tiny-dsa");
  EXPECT_EQ(sparse.model.attention.indexer_head_dim, 32);
  EXPECT_EQ(sparse.model.attention.indexer_topk, 64);
  // A decode token at depth 1000 reads 64 tokens of K and V and all 1000 indexer keys.
  EXPECT_DOUBLE_EQ(kv_read_bytes(sparse.model, KvCacheType::f16, 1000.0), 2 * 2.0 * (256 * 64 + 32 * 1000));

  // Gemma 3n: the per-layer embedding table is stored, looked up by the row, never read whole.
  GgufWriter g;
  const std::string gn = "gemma3n";
  llama_metadata(g, gn, 2);
  g.tensor("token_embd.weight", {256, 1000}, test::kQ4_K);
  g.tensor("per_layer_token_embd.weight", {2 * 16, 1000}, test::kQ8_0);
  g.tensor("per_layer_model_proj.weight", {256, 2 * 16}, test::kF32);
  for (int layer = 0; layer < 2; ++layer) {
    attention_block(g, layer);
    dense_ffn(g, layer);
    const std::string b = "blk." + std::to_string(layer) + ".";
    g.tensor(b + "inp_gate.weight", {256, 16}, test::kF32);
    g.tensor(b + "proj.weight", {16, 256}, test::kF32);
  }
  const ModelFileInfo ple = model_from_gguf({parse_bytes(g.bytes())}, Catalog::builtin(), "tiny-gemma3n");
  EXPECT_EQ(ple.model.per_layer_embedding_size, 16);
  EXPECT_EQ(ple.model.per_layer_vocab_size, 1000);
  const FileWeights& f = ple.model.file_weights;
  EXPECT_DOUBLE_EQ(f.lookup_bytes, 32 * 1000 / 32 * 34.0);
  const QuantSpec& file_quant = ple.quant ? *ple.quant : *Catalog::builtin().find_quant(ple.quant_id);
  const WeightBytes bytes = weight_bytes(ple.model, file_quant);
  EXPECT_DOUBLE_EQ(bytes.stored, f.total_bytes());
  EXPECT_DOUBLE_EQ(bytes.per_token, f.layer_bytes + f.embedding_bytes + f.other_bytes);  // tied: the head is the embedding
}

TEST(GgufModel, Gemma4SlidingAndGlobalLayersSplitTheirShapes) {
  // Gemma 4's llama.cpp keys: a KV-head count per layer, key_length for the global layers and key_length_swa
  // for the sliding ones, a per-layer sliding pattern. 6 layers: 5 sliding of 2 KV heads × 64, 1 global of 1 × 128.
  GgufWriter w;
  const std::string a = "gemma4";
  llama_metadata(w, a, 6, 15, 2048, false);
  w.u32_array(a + ".attention.head_count_kv", {2, 2, 2, 2, 2, 1});
  w.u32(a + ".attention.key_length", 128);
  w.u32(a + ".attention.value_length", 128);
  w.u32(a + ".attention.key_length_swa", 64);
  w.u32(a + ".attention.value_length_swa", 64);
  w.u32(a + ".attention.sliding_window", 512);
  w.bool_array(a + ".attention.sliding_window_pattern", {true, true, true, true, true, false});
  w.tensor("token_embd.weight", {256, 1000}, test::kQ4_K);
  for (int layer = 0; layer < 5; ++layer) {
    attention_block(w, layer);
    dense_ffn(w, layer);
  }
  // The global layer: 4 query heads of 128, 1 KV head of 128.
  w.tensor("blk.5.attn_norm.weight", {256}, test::kF32);
  w.tensor("blk.5.attn_q.weight", {256, 512}, test::kQ4_K);
  w.tensor("blk.5.attn_k.weight", {256, 128}, test::kQ4_K);
  w.tensor("blk.5.attn_v.weight", {256, 128}, test::kQ6_K);
  w.tensor("blk.5.attn_output.weight", {512, 256}, test::kQ4_K);
  dense_ffn(w, 5);
  const ModelFileInfo info = model_from_gguf({parse_bytes(w.bytes())}, Catalog::builtin(), "tiny-gemma4");
  const ModelSpec& m = info.model;
  EXPECT_EQ(m.kv_heads, 2);
  EXPECT_EQ(m.head_dim, 64);
  EXPECT_EQ(m.attention.global_kv_heads, 1);
  EXPECT_EQ(m.attention.global_head_dim, 128);
  EXPECT_EQ(m.attention.sliding_window_layers, 5);
  // KV at 1000 tokens: 5 × 2 × 2 × 64 × 512 + 1 × 2 × 1 × 128 × 1000, f16.
  EXPECT_DOUBLE_EQ(kv_cache_bytes(m, KvCacheType::f16, 1000.0), (5 * 256.0 * 512 + 256.0 * 1000) * 2);
  for (const auto& note : info.notes) EXPECT_EQ(note.find("head counts vary"), std::string::npos) << note;
}

TEST(GgufModel, PerLayerHeadCountsTakeTheLargestAndSayWhy) {
  GgufWriter w;
  w.string("general.architecture", "llama");
  w.u32("llama.block_count", 2);
  w.u32("llama.embedding_length", 256);
  w.u32("llama.feed_forward_length", 512);
  w.u32_array("llama.attention.head_count", {4, 4});
  w.u32_array("llama.attention.head_count_kv", {1, 2});
  w.string_array("tokenizer.ggml.tokens", vocabulary(1000));
  w.tensor("token_embd.weight", {256, 1000}, test::kQ8_0);
  for (int layer = 0; layer < 2; ++layer) {
    attention_block(w, layer);
    dense_ffn(w, layer);
  }
  const ModelFileInfo info = model_from_gguf({parse_bytes(w.bytes())}, Catalog::builtin(), "varied");
  EXPECT_EQ(info.model.kv_heads, 2);
  EXPECT_EQ(info.model.max_context, 4096);  // context_length absent: assumed, and noted
  // No general.file_type: named after the dominant block type (Q4_K), defined from the file.
  ASSERT_TRUE(info.quant.has_value());
  EXPECT_EQ(info.quant_id, "q4_k");
  EXPECT_EQ(info.quant->kernel, QuantKernel::k_quant);
  std::string notes;
  for (const auto& note : info.notes) notes += note + "\n";
  EXPECT_NE(notes.find("head counts vary"), std::string::npos) << notes;
  EXPECT_NE(notes.find("4096 tokens assumed"), std::string::npos) << notes;
}

TEST(GgufModel, QuantisationMissingFromTheCatalogueIsMeasured) {
  GgufWriter w;
  const std::string a = "gpt-oss";
  // No general.file_type: named after the tensors holding most block bytes (MXFP4). The catalogue's
  // "mxfp4" is the safetensors release, so the file's quantisation gets its own id.
  llama_metadata(w, a, 2, std::nullopt);
  w.u32(a + ".expert_count", 8);
  w.u32(a + ".expert_used_count", 2);
  w.u32(a + ".attention.sliding_window", 128);
  w.tensor("token_embd.weight", {256, 1000}, test::kBF16);
  for (int layer = 0; layer < 2; ++layer) {
    attention_block(w, layer);
    const std::string b = "blk." + std::to_string(layer) + ".";
    w.tensor(b + "ffn_gate_exps.weight", {256, 128, 8}, test::kMXFP4);
    w.tensor(b + "ffn_up_exps.weight", {256, 128, 8}, test::kMXFP4);
    w.tensor(b + "ffn_down_exps.weight", {128, 256, 8}, test::kMXFP4);
  }
  w.tensor("output.weight", {256, 1000}, test::kBF16);
  const ModelFileInfo info = model_from_gguf({parse_bytes(w.bytes())}, Catalog::builtin(), "tiny-oss");
  ASSERT_TRUE(info.quant.has_value());
  EXPECT_EQ(info.quant_id, "mxfp4-gguf");
  EXPECT_EQ(info.quant->kernel, QuantKernel::mxfp4);
  EXPECT_EQ(info.quant->format, QuantFormat::gguf);
  EXPECT_DOUBLE_EQ(info.quant->expert_bits(), 4.25);         // 17 bytes per 32 weights
  EXPECT_DOUBLE_EQ(info.quant->embedding_bits(), 16.0);      // BF16
  EXPECT_EQ(info.model.moe.expert_intermediate_size, 128);  // from ffn_gate_exps' second dimension
  EXPECT_EQ(info.model.attention.sliding_window_layers, 1);  // every other layer of 2
  // Layered onto the catalogue, the new quantisation and the model resolve and predict.
  Catalog catalog = Catalog::builtin();
  catalog.add_source(info.catalog_data(), "tiny-oss.gguf");
  Query query;
  query.hardware = "rtx-4090";
  query.model = "tiny-oss";
  const Answer answer = answer_query(catalog, query, shipped_efficiency_profile());
  EXPECT_TRUE(answer.prediction.fit.fits);
  EXPECT_DOUBLE_EQ(answer.prediction.fit.weights_bytes, info.model.file_weights.total_bytes());
  EXPECT_GT(answer.prediction.decode_tok_s, 0);
}

// Issue 17 row 15: a declared block count the tensors do not bear out (80 blocks declared, tensors for
// 2, or for blocks 0 and 2 of 3) is refused, not sized as an 80-block model.
TEST(GgufModel, BlockCountTheTensorsDoNotHoldIsRefused) {
  for (const auto& [declared, written] : std::vector<std::pair<int, std::vector<int>>>{{80, {0, 1}}, {3, {0, 2}}}) {
    GgufWriter w;
    llama_metadata(w, "llama", declared);
    w.tensor("token_embd.weight", {256, 1000}, test::kQ4_K);
    for (int layer : written) {
      attention_block(w, layer);
      dense_ffn(w, layer);
    }
    w.tensor("output.weight", {256, 1000}, test::kQ6_K);
    try {
      (void)model_from_gguf({parse_bytes(w.bytes())}, Catalog::builtin(), "tiny");
      ADD_FAILURE() << declared << " blocks declared, " << written.size() << " written: accepted";
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find("block_count: says " + std::to_string(declared) + " blocks"),
                std::string::npos)
          << e.what();
    }
  }
}

TEST(GgufModel, MultiHeadLatentAttentionShape) {
  GgufWriter w;
  const std::string a = "deepseek2";
  llama_metadata(w, a);
  w.u32(a + ".attention.kv_lora_rank", 64);
  w.u32(a + ".attention.q_lora_rank", 96);
  w.u32(a + ".rope.dimension_count", 16);
  w.u32(a + ".attention.key_length", 48);  // 32 nope + 16 rope
  w.u32(a + ".attention.value_length", 32);
  w.tensor("token_embd.weight", {256, 1000}, test::kQ8_0);
  for (int layer = 0; layer < 2; ++layer) {
    // MLA projections of 4 heads (DeepSeek-V2's llama.cpp tensor names): the file must hold the shape
    // its metadata declares, or the reader refuses it.
    const std::string b = "blk." + std::to_string(layer) + ".";
    w.tensor(b + "attn_norm.weight", {256}, test::kF32);
    w.tensor(b + "attn_q_a.weight", {256, 96}, test::kQ8_0);
    w.tensor(b + "attn_q_b.weight", {96, 4 * 48}, test::kQ8_0);
    w.tensor(b + "attn_kv_a_mqa.weight", {256, 64 + 16}, test::kQ8_0);
    w.tensor(b + "attn_kv_b.weight", {64, 4 * (32 + 32)}, test::kQ8_0);
    w.tensor(b + "attn_output.weight", {4 * 32, 256}, test::kQ8_0);
    w.tensor(b + "ffn_norm.weight", {256}, test::kF32);
    dense_ffn(w, layer);
  }
  const ModelFileInfo info = model_from_gguf({parse_bytes(w.bytes())}, Catalog::builtin(), "tiny-mla");
  EXPECT_EQ(info.model.mla.kv_lora_rank, 64);
  EXPECT_EQ(info.model.mla.qk_nope_head_dim, 32);
  EXPECT_EQ(info.model.mla.qk_rope_head_dim, 16);
  EXPECT_EQ(info.model.mla.v_head_dim, 32);
  // The KV cache holds one (64 + 16)-element latent per layer per token: f16, 2 layers = 320 bytes.
  EXPECT_DOUBLE_EQ(kv_cache_bytes(info.model, KvCacheType::f16, 1), 320.0);
}

// Nemotron-H-style blocks (llama.cpp nemotron_h_moe): each block is a Mamba-2 mixer, attention or an MoE
// FFN, read from the tensors it holds; the Mamba-2 shape from ssm.*; LatentMoE from the experts' width.
TEST(GgufModel, HybridMambaMoeBlocksAreCountedByTheirTensors) {
  GgufWriter w;
  const std::string a = "nemotron_h_moe";
  llama_metadata(w, a, 4);
  w.u32(a + ".ssm.conv_kernel", 4);
  w.u32(a + ".ssm.state_size", 16);
  w.u32(a + ".ssm.group_count", 2);
  w.u32(a + ".ssm.inner_size", 512);  // 8 heads × 64
  w.u32(a + ".ssm.time_step_rank", 8);
  w.u32(a + ".expert_count", 8);
  w.u32(a + ".expert_used_count", 2);
  w.tensor("token_embd.weight", {256, 1000}, test::kQ8_0);
  auto moe_block = [&](int layer) {
    const std::string b = "blk." + std::to_string(layer) + ".";
    w.tensor(b + "ffn_norm.weight", {256}, test::kF32);
    w.tensor(b + "ffn_gate_inp.weight", {256, 8}, test::kF32);
    w.tensor(b + "ffn_latent_in.weight", {256, 64}, test::kQ8_0);  // to the 64-wide latent and back
    w.tensor(b + "ffn_latent_out.weight", {64, 256}, test::kQ8_0);
    w.tensor(b + "ffn_up_exps.weight", {64, 128, 8}, test::kQ8_0);  // relu²: no gate
    w.tensor(b + "ffn_down_exps.weight", {128, 64, 8}, test::kQ8_0);
    w.tensor(b + "ffn_up_shexp.weight", {256, 256}, test::kQ8_0);
    w.tensor(b + "ffn_down_shexp.weight", {256, 256}, test::kQ8_0);
  };
  // Block 0: Mamba-2 (in_proj to z, x, B, C, dt: 512 + 576 + 8; conv over x, B, C: 512 + 2 × 2 × 16).
  w.tensor("blk.0.attn_norm.weight", {256}, test::kF32);
  w.tensor("blk.0.ssm_in.weight", {256, 1096}, test::kQ8_0);
  w.tensor("blk.0.ssm_conv1d.weight", {4, 576}, test::kF32);
  w.tensor("blk.0.ssm_conv1d.bias", {576}, test::kF32);
  w.tensor("blk.0.ssm_a", {8}, test::kF32);
  w.tensor("blk.0.ssm_d", {8}, test::kF32);
  w.tensor("blk.0.ssm_dt.bias", {8}, test::kF32);
  w.tensor("blk.0.ssm_norm.weight", {512}, test::kF32);
  w.tensor("blk.0.ssm_out.weight", {512, 256}, test::kQ8_0);
  moe_block(1);
  attention_block(w, 2);  // attention only
  moe_block(3);
  w.tensor("output.weight", {256, 1000}, test::kQ8_0);
  const ModelFileInfo info = model_from_gguf({parse_bytes(w.bytes())}, Catalog::builtin(), "tiny-hybrid");
  const ModelSpec& m = info.model;
  EXPECT_EQ(m.attention.mamba_layers, 1);
  EXPECT_EQ(m.attention.mamba_heads, 8);
  EXPECT_EQ(m.attention.mamba_head_dim, 64);
  EXPECT_EQ(m.attention.mamba_state_size, 16);
  EXPECT_EQ(m.attention.mamba_groups, 2);
  EXPECT_EQ(m.full_attention_layers(), 1);
  EXPECT_EQ(m.mixer_only_layers, 2);
  EXPECT_EQ(m.ffn_only_layers, 2);
  EXPECT_EQ(m.moe_layers(), 2);
  EXPECT_EQ(m.moe.dense_layers, 0);  // the first expert block is 1, but block 0 has no dense FFN
  EXPECT_EQ(m.moe.latent_size, 64);
  EXPECT_EQ(m.moe.shared_experts, 1);
  EXPECT_EQ(m.moe.shared_expert_intermediate_size, 256);
  EXPECT_FALSE(m.gated_ffn);
  // The shape holds what the tensors hold (validate() checks 2 %; the norms are the difference).
  EXPECT_NEAR(shape_params(m).total() / 1e9 / m.params_b, 1.0, 0.002);
  // KV of the one attention layer (2 × 2 heads × 64 × 2 B per token) and the Mamba-2 state
  // (8 × 64 × 16 + 3 × 576) × 4 B.
  EXPECT_DOUBLE_EQ(kv_cache_bytes(m, KvCacheType::f16, 10), 10 * 2 * 2 * 64 * 2.0 + (8 * 64 * 16 + 3 * 576) * 4.0);
}

TEST(GgufModel, Lfm2ShortConvolutionLayers) {
  GgufWriter w;
  const std::string a = "lfm2";
  w.string("general.architecture", a);
  w.u32("general.file_type", 15);
  w.u32(a + ".block_count", 3);
  w.u32(a + ".embedding_length", 256);
  w.u32(a + ".feed_forward_length", 512);
  w.u32(a + ".attention.head_count", 4);
  w.u32_array(a + ".attention.head_count_kv", {0, 0, 2});  // llama.cpp: 0 on the convolution layers
  w.u32(a + ".context_length", 2048);
  w.u32(a + ".shortconv.l_cache", 3);
  w.string_array("tokenizer.ggml.tokens", vocabulary(1000));
  w.tensor("token_embd.weight", {256, 1000}, test::kQ4_K);
  for (int layer = 0; layer < 2; ++layer) {
    const std::string b = "blk." + std::to_string(layer) + ".";
    w.tensor(b + "attn_norm.weight", {256}, test::kF32);
    w.tensor(b + "shortconv.in_proj.weight", {256, 768}, test::kQ4_K);
    w.tensor(b + "shortconv.conv.weight", {3, 256}, test::kF32);
    w.tensor(b + "shortconv.out_proj.weight", {256, 256}, test::kQ4_K);
    dense_ffn(w, layer);
  }
  attention_block(w, 2);
  dense_ffn(w, 2);
  const ModelFileInfo info = model_from_gguf({parse_bytes(w.bytes())}, Catalog::builtin(), "tiny-lfm2");
  const ModelSpec& m = info.model;
  EXPECT_EQ(m.attention.short_conv_layers, 2);
  EXPECT_EQ(m.attention.short_conv_kernel, 3);
  EXPECT_EQ(m.full_attention_layers(), 1);
  EXPECT_EQ(m.kv_heads, 2);
  EXPECT_TRUE(m.gated_ffn);
  EXPECT_TRUE(m.tied_embeddings);
  EXPECT_NEAR(shape_params(m).total() / 1e9 / m.params_b, 1.0, 0.005);
  // One attention layer's KV plus 2 layers × (3 − 1) × 256 f32 of convolution window.
  EXPECT_DOUBLE_EQ(kv_cache_bytes(m, KvCacheType::f16, 10), 10 * 2 * 2 * 64 * 2.0 + 2 * 2 * 256 * 4.0);
}

TEST(GgufModel, SplitFilesAreSummedAcrossParts) {
  TempDir dir;
  const GgufWriter whole = tiny_llama();
  const ModelFileInfo single = read_gguf_model(write_model(dir, whole, "single.gguf"), Catalog::builtin());

  // Three parts as gguf-split writes them: metadata in the first, split.* keys in every part.
  std::vector<GgufWriter> parts(3);
  for (std::uint32_t i = 0; i < 3; ++i) {
    if (i == 0) llama_metadata(parts[i]);
    parts[i].u32("split.no", i);
    parts[i].u32("split.count", 3);
    parts[i].i32("split.tensors.count", 21);
  }
  parts[0].tensor("token_embd.weight", {256, 1000}, test::kQ4_K);
  parts[0].tensor("output_norm.weight", {256}, test::kF32);
  attention_block(parts[1], 0);
  dense_ffn(parts[1], 0);
  attention_block(parts[2], 1);
  dense_ffn(parts[2], 1);
  parts[2].tensor("output.weight", {256, 1000}, test::kQ6_K);
  for (int i = 0; i < 3; ++i) write_model(dir, parts[i], "tiny-0000" + std::to_string(i + 1) + "-of-00003.gguf");

  // Any part may be named.
  const ModelFileInfo split = read_gguf_model((dir.path / "tiny-00002-of-00003.gguf").string(), Catalog::builtin());
  EXPECT_EQ(split.paths.size(), 3u);
  // The split suffix goes; the stem then gets the usual suffix if it reads as a catalogue model.
  EXPECT_EQ(split.model.id, unique_model_id(Catalog::builtin(), "tiny", ".gguf"));
  EXPECT_EQ(split.tensor_count, 21u);
  EXPECT_DOUBLE_EQ(split.model.file_weights.total_bytes(), single.model.file_weights.total_bytes());
  EXPECT_DOUBLE_EQ(split.model.params_b, single.model.params_b);

  fs::remove(dir.path / "tiny-00003-of-00003.gguf");
  try {
    (void)read_gguf_model((dir.path / "tiny-00001-of-00003.gguf").string(), Catalog::builtin());
    ADD_FAILURE() << "a missing part was accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("part 3 of 3 is missing"), std::string::npos) << e.what();
  }
}

TEST(GgufModel, FileNameBecomesAFreeCatalogueId) {
  TempDir dir;
  // "Qwen3-8B-Q4_K_M" reads as the catalogue's qwen3-8b in q4_k_m: the file's model gets ".gguf".
  const ModelFileInfo named = read_gguf_model(write_model(dir, tiny_llama(), "Qwen3-8B-Q4_K_M.gguf"), Catalog::builtin());
  EXPECT_EQ(named.model.id, "qwen3-8b-q4_k_m.gguf");
  const ModelFileInfo plain = read_gguf_model(write_model(dir, tiny_llama(), "My Model (v2).gguf"), Catalog::builtin());
  EXPECT_EQ(plain.model.id, "my-model-v2");
}

TEST(GgufModel, HundredGigabyteModelIsReadFromItsHeaderOnly) {
  // A 4-layer model with 2^14 hidden and 2^16 FFN width in F16: about 100 GB of (sparse) data.
  TempDir dir;
  GgufWriter w;
  w.string("general.architecture", "llama");
  w.u32("general.file_type", 1);
  w.u32("llama.block_count", 4);
  w.u32("llama.embedding_length", 16384);
  w.u32("llama.feed_forward_length", 65536);
  w.u32("llama.attention.head_count", 128);
  w.u32("llama.attention.head_count_kv", 8);
  w.u32("llama.vocab_size", 262144);
  w.tensor("token_embd.weight", {16384, 262144}, test::kF16);
  for (int layer = 0; layer < 4; ++layer) {
    const std::string b = "blk." + std::to_string(layer) + ".";
    w.tensor(b + "attn_q.weight", {16384, 16384}, test::kF16);
    w.tensor(b + "attn_k.weight", {16384, 1024}, test::kF16);
    w.tensor(b + "attn_v.weight", {16384, 1024}, test::kF16);
    w.tensor(b + "attn_output.weight", {16384, 16384}, test::kF16);
    w.tensor(b + "ffn_gate.weight", {16384, 65536}, test::kF16);
    w.tensor(b + "ffn_up.weight", {16384, 65536}, test::kF16);
    w.tensor(b + "ffn_down.weight", {65536, 16384}, test::kF16);
  }
  w.tensor("output.weight", {16384, 262144}, test::kF16);
  const fs::path path = dir.path / "huge.gguf";
  try {
    w.write(path, /*sparse=*/true);
  } catch (const std::exception& e) {
    GTEST_SKIP() << "this filesystem cannot hold a sparse 100 GB file: " << e.what();
  }
  const ModelFileInfo info = read_gguf_model(path.string(), Catalog::builtin());
  // Per layer: q, o 2^28 each, k, v 2^24 each, FFN 3 × 2^30 = 3,791,650,816 params; two 2^32
  // embedding matrices: 4 × 3,791,650,816 + 2 × 4,294,967,296 = 23,756,537,856 params, 2 bytes each.
  EXPECT_DOUBLE_EQ(info.model.params_b * 1e9, 23'756'537'856.0);
  EXPECT_DOUBLE_EQ(info.model.file_weights.total_bytes(), 2 * 23'756'537'856.0);
  EXPECT_GT(info.file_bytes, 47e9);
  EXPECT_EQ(info.quant_id, "f16");
}

/// llama.cpp's rule for the layers Q4_K_M keeps at Q6_K (llama-quant.cpp use_more_bits): the first
/// and last eighth of the layers and every third one between.
bool use_more_bits(int layer, int layers) {
  return layer < layers / 8 || layer >= 7 * layers / 8 || (layer - layers / 8) % 3 == 2;
}

/// The tensor table of Llama 3.1 8B as llama-quantize writes it in Q4_K_M (no tokenizer: vocab_size).
GgufWriter llama_31_8b_q4_k_m() {
  GgufWriter w;
  w.string("general.architecture", "llama");
  w.u32("general.file_type", 15);
  w.u32("llama.block_count", 32);
  w.u32("llama.embedding_length", 4096);
  w.u32("llama.feed_forward_length", 14336);
  w.u32("llama.attention.head_count", 32);
  w.u32("llama.attention.head_count_kv", 8);
  w.u32("llama.context_length", 131072);
  w.u32("llama.vocab_size", 128256);
  w.tensor("token_embd.weight", {4096, 128256}, test::kQ4_K);
  w.tensor("rope_freqs.weight", {64}, test::kF32);
  for (int layer = 0; layer < 32; ++layer) {
    const std::string b = "blk." + std::to_string(layer) + ".";
    const test::TestType more = use_more_bits(layer, 32) ? test::kQ6_K : test::kQ4_K;
    w.tensor(b + "attn_norm.weight", {4096}, test::kF32);
    w.tensor(b + "attn_q.weight", {4096, 4096}, test::kQ4_K);
    w.tensor(b + "attn_k.weight", {4096, 1024}, test::kQ4_K);
    w.tensor(b + "attn_v.weight", {4096, 1024}, more);
    w.tensor(b + "attn_output.weight", {4096, 4096}, test::kQ4_K);
    w.tensor(b + "ffn_norm.weight", {4096}, test::kF32);
    w.tensor(b + "ffn_gate.weight", {4096, 14336}, test::kQ4_K);
    w.tensor(b + "ffn_up.weight", {4096, 14336}, test::kQ4_K);
    w.tensor(b + "ffn_down.weight", {14336, 4096}, more);
  }
  w.tensor("output_norm.weight", {4096}, test::kF32);
  w.tensor("output.weight", {4096, 128256}, test::kQ6_K);
  return w;
}

TEST(GgufModel, Llama31With8bLayoutMatchesThePublishedSizeAndTheCatalogue) {
  const GgufFile file = parse_header_of(llama_31_8b_q4_k_m(), "Llama-3.1-8B-Q4_K_M.gguf");
  const ModelFileInfo info = model_from_gguf({file}, Catalog::builtin(), "llama-3.1-8b-file");
  const ModelSpec& catalogue = *Catalog::builtin().find_model("llama-3.1-8b");
  // Parameters: 8,030,261,248 in the safetensors release (its model card) plus the 64 RoPE factors.
  EXPECT_DOUBLE_EQ(info.model.params_b * 1e9, 8'030'261'312.0);
  EXPECT_NEAR(info.model.params_b, catalogue.params_b, 0.01 * catalogue.params_b);
  // Bytes: 16 of 32 layers keep attn_v and ffn_down at Q6_K; the sum is 4,912,898,304 bytes, 4.8944
  // bits per weight, the whole-file figure llama.cpp's quantize README gives for this model (quants.yaml).
  EXPECT_DOUBLE_EQ(info.model.file_weights.total_bytes(), 4'912'898'304.0);
  EXPECT_NEAR(info.model.file_weights.total_bytes() * 8 / (info.model.params_b * 1e9), 4.8944, 0.0005);
  // The catalogue's bits-per-weight estimate of the same model agrees with the exact sum within 1 %.
  const QuantSpec& q4 = *Catalog::builtin().find_quant("q4_k_m");
  const double estimated = weight_bytes(catalogue, q4).stored;
  EXPECT_NEAR(estimated / info.model.file_weights.total_bytes(), 1.0, 0.01) << estimated;
  // The same model from its Hugging Face config.json: the same shape.
  const HfConfigModel hf = read_hf_config(std::string(LLMFIT_TEST_DATA) + "/hf-configs/llama-3.1-8b.json");
  EXPECT_EQ(hf.model.layers, info.model.layers);
  EXPECT_EQ(hf.model.hidden_size, info.model.hidden_size);
  EXPECT_EQ(hf.model.intermediate_size, info.model.intermediate_size);
  EXPECT_EQ(hf.model.attention_heads, info.model.attention_heads);
  EXPECT_EQ(hf.model.kv_heads, info.model.kv_heads);
  EXPECT_EQ(hf.model.head_dim, info.model.head_dim);
  EXPECT_EQ(hf.model.vocab_size, info.model.vocab_size);
  EXPECT_EQ(hf.model.tied_embeddings, info.model.tied_embeddings);
  // The config's shape leaves out the norms (32 × 2 × 4,096 + 4,096) and the RoPE factors (64).
  EXPECT_DOUBLE_EQ(info.model.params_b * 1e9 - hf.model.params_b * 1e9, 266'240.0 + 64.0);
}

/// The tensor table of ggml-org's gpt-oss-20b-mxfp4.gguf (llama.cpp file type 38, MXFP4 MoE): routed
/// experts in MXFP4, attention, token_embd and output in Q8_0, norms, biases, sinks and the router in F32.
GgufWriter gpt_oss_20b_mxfp4() {
  GgufWriter w;
  const std::string a = "gpt-oss";
  w.string("general.architecture", a);
  w.string("general.name", "Gpt Oss 20b");
  w.u32("general.file_type", 38);
  w.u32(a + ".block_count", 24);
  w.u32(a + ".context_length", 131072);
  w.u32(a + ".embedding_length", 2880);
  w.u32(a + ".feed_forward_length", 2880);
  w.u32(a + ".attention.head_count", 64);
  w.u32(a + ".attention.head_count_kv", 8);
  w.u32(a + ".expert_count", 32);
  w.u32(a + ".expert_used_count", 4);
  w.u32(a + ".attention.key_length", 64);
  w.u32(a + ".attention.value_length", 64);
  w.u32(a + ".attention.sliding_window", 128);
  w.u32(a + ".expert_feed_forward_length", 2880);
  w.u32(a + ".vocab_size", 201088);
  w.tensor("token_embd.weight", {2880, 201088}, test::kQ8_0);
  for (int layer = 0; layer < 24; ++layer) {
    const std::string b = "blk." + std::to_string(layer) + ".";
    w.tensor(b + "attn_norm.weight", {2880}, test::kF32);
    w.tensor(b + "attn_q.weight", {2880, 4096}, test::kQ8_0);
    w.tensor(b + "attn_q.bias", {4096}, test::kF32);
    w.tensor(b + "attn_k.weight", {2880, 512}, test::kQ8_0);
    w.tensor(b + "attn_k.bias", {512}, test::kF32);
    w.tensor(b + "attn_v.weight", {2880, 512}, test::kQ8_0);
    w.tensor(b + "attn_v.bias", {512}, test::kF32);
    w.tensor(b + "attn_output.weight", {4096, 2880}, test::kQ8_0);
    w.tensor(b + "attn_output.bias", {2880}, test::kF32);
    w.tensor(b + "attn_sinks.weight", {64}, test::kF32);
    w.tensor(b + "post_attention_norm.weight", {2880}, test::kF32);
    w.tensor(b + "ffn_gate_inp.weight", {2880, 32}, test::kF32);
    w.tensor(b + "ffn_gate_inp.bias", {32}, test::kF32);
    for (const char* kind : {"gate", "up", "down"}) {
      w.tensor(b + "ffn_" + kind + "_exps.weight", {2880, 2880, 32}, test::kMXFP4);
      w.tensor(b + "ffn_" + kind + "_exps.bias", {2880, 32}, test::kF32);
    }
  }
  w.tensor("output_norm.weight", {2880}, test::kF32);
  w.tensor("output.weight", {2880, 201088}, test::kQ8_0);
  return w;
}

TEST(GgufModel, GptOss20bMatchesLlamaCppsLoaderAndTheCatalogue) {
  const GgufFile file = parse_header_of(gpt_oss_20b_mxfp4(), "gpt-oss-20b-mxfp4.gguf");
  ASSERT_EQ(file.tensors.size(), 459u);  // 289 f32 + 98 q8_0 + 72 mxfp4, as llama.cpp's loader counts them
  const ModelFileInfo info = model_from_gguf({file}, Catalog::builtin(), "gpt-oss-20b-file");
  // llama.cpp's loader on this file (ik_llama.cpp issue 822): "model params = 20.91 B",
  // "file size = 11.27 GiB (4.63 BPW)". Experts 3 × 2880² × 32 × 24 = 19,110,297,600 at 17/32 B; Q8_0
  // 1,795,276,800 at 34/32 B; F32 9,182,784 at 4 B.
  const FileWeights& f = info.model.file_weights;
  EXPECT_DOUBLE_EQ(info.model.params_b * 1e9, 20'914'757'184.0);
  EXPECT_DOUBLE_EQ(f.total_bytes(), 12'096'558'336.0);
  EXPECT_NEAR(f.total_bytes() / (1024.0 * 1024 * 1024), 11.27, 0.005);
  EXPECT_NEAR(f.total_bytes() * 8 / (info.model.params_b * 1e9), 4.63, 0.005);
  EXPECT_DOUBLE_EQ(f.routed_expert_bytes, 19'110'297'600.0 * 17 / 32 + 24 * 3 * 2880 * 32 * 4.0);
  // Active: everything but 28 of the 32 experts (their biases too). OpenAI's model card gives 3.61 B
  // without the input embedding (one row of it is read per token); llmfit counts it, as hf_config does.
  EXPECT_NEAR(info.model.active_params_b - f.embedding_params / 1e9, 3.61, 0.005);
  // The file type names the catalogue's GGUF MXFP4 entry; its nominal bits agree with the exact sum.
  EXPECT_FALSE(info.quant.has_value());
  EXPECT_EQ(info.quant_id, "mxfp4_moe");
  const ModelSpec& catalogue = *Catalog::builtin().find_model("gpt-oss-20b");
  EXPECT_NEAR(info.model.params_b, catalogue.params_b, 0.01 * catalogue.params_b);
  EXPECT_NEAR(info.model.active_params_b - f.embedding_params / 1e9, catalogue.active_params_b,
              0.01 * catalogue.active_params_b);
  const double estimated = weight_bytes(catalogue, *Catalog::builtin().find_quant("mxfp4_moe")).stored;
  EXPECT_NEAR(estimated / f.total_bytes(), 1.0, 0.01) << estimated;
  // It runs where the safetensors release cannot: llama.cpp on Apple Silicon.
  Catalog catalog = Catalog::builtin();
  catalog.add_source(info.catalog_data(), "gpt-oss-20b-mxfp4.gguf");
  Query query;
  query.hardware = "m2-max";
  query.model = "gpt-oss-20b-file";
  const Answer answer = answer_query(catalog, query, shipped_efficiency_profile());
  EXPECT_EQ(answer.resolved.scenario.backend, Backend::llama_cpp);
  EXPECT_DOUBLE_EQ(answer.prediction.fit.weights_bytes, f.total_bytes());
  EXPECT_TRUE(answer.prediction.fit.fits);
}

TEST(GgufErrors, EveryTruncationOfTheHeaderIsRefusedWithOneLine) {
  const std::string bytes = tiny_llama().bytes();
  const std::size_t header = tiny_llama().header().size();
  for (std::size_t length = 0; length < header; length += (length < 512 ? 1 : 97)) {
    const std::string message = parse_error(bytes.substr(0, length));
    ASSERT_FALSE(message.empty()) << "a header cut at " << length << " bytes was accepted";
    EXPECT_EQ(message.rfind("bad.gguf: ", 0), 0u) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos);
  }
  // The header whole but the data cut: a truncated download.
  const std::string message = parse_error(bytes.substr(0, bytes.size() - 100));  // past the padding
  EXPECT_NE(message.find("truncated: tensor 'output.weight'"), std::string::npos) << message;
}

TEST(GgufErrors, MalformedHeadersNameTheProblem) {
  GgufWriter v1 = tiny_llama();
  v1.version = 1;
  EXPECT_NE(parse_error(v1.bytes()).find("GGUF version 1 is not supported"), std::string::npos);
  std::string big_endian = tiny_llama().bytes();
  big_endian[4] = 0;
  big_endian[7] = 3;
  EXPECT_NE(parse_error(big_endian).find("big-endian"), std::string::npos);
  EXPECT_NE(parse_error("GGML" + tiny_llama().bytes().substr(4)).find("not a GGUF file"), std::string::npos);
  EXPECT_NE(parse_error("").find("not a GGUF file"), std::string::npos);

  GgufWriter bad_type;
  bad_type.tensor("x.weight", {32}, test::TestType{4, 32, 18});  // id 4: removed Q4_2
  EXPECT_NE(parse_error(bad_type.bytes()).find("tensor 'x.weight': unknown ggml type 4"), std::string::npos);
  GgufWriter bad_block;
  bad_block.tensor("x.weight", {100, 2}, test::TestType{12, 1, 1});  // Q4_K rows must be 256-multiples
  EXPECT_NE(parse_error(bad_block.bytes()).find("not a multiple of the Q4_K block size 256"), std::string::npos);
  GgufWriter five_dims;
  five_dims.tensor("x.weight", {1, 1, 1, 1, 1}, test::kF32);
  EXPECT_NE(parse_error(five_dims.bytes()).find("5 dimensions"), std::string::npos);
  GgufWriter overflow;
  overflow.tensor("x.weight", {1ull << 40, 1ull << 20}, test::kF32);
  EXPECT_NE(parse_error(overflow.header()).find("more than 2^53 elements"), std::string::npos);

  GgufWriter repeated_key;
  repeated_key.u32("a.b", 1);
  repeated_key.u32("a.b", 2);
  EXPECT_NE(parse_error(repeated_key.bytes()).find("metadata 'a.b': repeated key"), std::string::npos);
  GgufWriter repeated_tensor;
  repeated_tensor.tensor("x", {32}, test::kF32);
  repeated_tensor.tensor("x", {32}, test::kF32);
  EXPECT_NE(parse_error(repeated_tensor.bytes()).find("tensor 'x': repeated name"), std::string::npos);
  GgufWriter alignment;
  alignment.u32("general.alignment", 48);
  EXPECT_NE(parse_error(alignment.bytes()).find("general.alignment"), std::string::npos);

  // Lengths beyond the file: a string of 2^60 bytes, an array of 2^62 elements, 2^40 tensors.
  GgufWriter long_string;
  std::string raw = std::string("\x03\0\0\0\0\0\0\0key\x08\0\0\0", 15) + std::string("\0\0\0\0\0\0\0\x10", 8);
  long_string.raw_metadata(raw, 1);
  EXPECT_NE(parse_error(long_string.bytes()).find("truncated GGUF header"), std::string::npos);
  GgufWriter long_array;
  raw = std::string("\x03\0\0\0\0\0\0\0key\x09\0\0\0\x04\0\0\0", 19) + std::string("\0\0\0\0\0\0\0\x40", 8);
  long_array.raw_metadata(raw, 1);
  EXPECT_NE(parse_error(long_array.bytes()).find("array of 4611686018427387904 elements"), std::string::npos);
  std::string many_tensors = GgufWriter().bytes();
  many_tensors[8 + 5] = 1;  // tensor_count = 2^40
  EXPECT_NE(parse_error(many_tensors).find("tensor count 1099511627776 does not fit"), std::string::npos);
}

TEST(GgufErrors, ModelLevelProblemsNameTheKey) {
  GgufWriter no_arch;
  no_arch.tensor("token_embd.weight", {256, 1000}, test::kQ4_K);
  EXPECT_NE(model_error(no_arch).find("bad.gguf: general.architecture: missing"), std::string::npos);

  GgufWriter no_blocks;
  no_blocks.string("general.architecture", "llama");
  no_blocks.u32("llama.embedding_length", 256);
  EXPECT_NE(model_error(no_blocks).find("bad.gguf: llama.block_count: missing"), std::string::npos);

  GgufWriter negative;
  negative.string("general.architecture", "llama");
  negative.i32("llama.block_count", -2);
  EXPECT_NE(model_error(negative).find("llama.block_count': -2 is negative"), std::string::npos);

  GgufWriter absurd = tiny_llama();
  absurd.u64("llama.embedding_length", 1ull << 40);  // a second key of the same name is refused first
  EXPECT_NE(model_error(absurd).find("repeated key"), std::string::npos);
  GgufWriter huge_width;
  huge_width.string("general.architecture", "llama");
  huge_width.u32("llama.block_count", 2);
  huge_width.u64("llama.embedding_length", 1ull << 40);
  EXPECT_NE(model_error(huge_width).find("llama.embedding_length: 1099511627776 is larger than 1048576"),
            std::string::npos);

  GgufWriter experts_without_tensors = tiny_llama();
  experts_without_tensors.u32("llama.expert_count", 8);
  experts_without_tensors.u32("llama.expert_used_count", 2);
  experts_without_tensors.u32("llama.expert_feed_forward_length", 128);
  EXPECT_NE(model_error(experts_without_tensors).find("llama.expert_count: set, but no ffn_*_exps tensors"),
            std::string::npos);

  GgufWriter no_embedding;
  llama_metadata(no_embedding);
  attention_block(no_embedding, 0);
  dense_ffn(no_embedding, 0);
  EXPECT_NE(model_error(no_embedding).find("token_embd.weight: tensor missing"), std::string::npos);
}

}  // namespace
}  // namespace llmfit

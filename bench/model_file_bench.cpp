// Reading model files: a GGUF header the size of a real 8B model's (its tokenizer is most of it) and a
// Hugging Face config.json. The weights are never read, so the cost is the header, not the file.
#include <benchmark/benchmark.h>

#include <sstream>
#include <utility>
#include <string>

#include "../tests/gguf_writer.hpp"
#include "llmfit/io.hpp"
#include "llmfit/llmfit.hpp"
#include "llmfit/report.hpp"

namespace llmfit {
namespace {

/// Llama 3.1 8B as llama.cpp writes it in Q4_K_M: 128,256 tokens, their types, 280,147 merges, a chat
/// template, 292 tensors (about 7.8 MB of header, as the published file's).
const test::GgufWriter& llama_31_8b_header() {
  static const test::GgufWriter writer = [] {
    test::GgufWriter w;
    w.string("general.architecture", "llama");
    w.string("general.name", "Meta Llama 3.1 8B Instruct");
    w.u32("general.file_type", 15);
    w.u32("llama.block_count", 32);
    w.u32("llama.context_length", 131072);
    w.u32("llama.embedding_length", 4096);
    w.u32("llama.feed_forward_length", 14336);
    w.u32("llama.attention.head_count", 32);
    w.u32("llama.attention.head_count_kv", 8);
    w.string("tokenizer.ggml.model", "gpt2");
    std::vector<std::string> tokens;
    std::vector<std::uint32_t> types;
    for (int i = 0; i < 128256; ++i) {
      std::string token = "tok";  // appended, not `"tok" + ...`: GCC 12 warns (-Wrestrict) on the latter
      token += std::to_string(i);
      tokens.push_back(std::move(token));
      types.push_back(1);
    }
    w.string_array("tokenizer.ggml.tokens", tokens);
    w.u32_array("tokenizer.ggml.token_type", types);
    std::vector<std::string> merges;
    for (int i = 0; i < 280147; ++i) {
      std::string merge = std::to_string(i);
      merge += ' ';
      merge += std::to_string(i + 1);
      merges.push_back(std::move(merge));
    }
    w.string_array("tokenizer.ggml.merges", merges);
    w.string("tokenizer.chat_template", std::string(7000, 'x'));
    w.tensor("token_embd.weight", {4096, 128256}, test::kQ4_K);
    w.tensor("rope_freqs.weight", {64}, test::kF32);
    for (int layer = 0; layer < 32; ++layer) {
      const std::string b = "blk." + std::to_string(layer) + ".";
      w.tensor(b + "attn_norm.weight", {4096}, test::kF32);
      w.tensor(b + "attn_q.weight", {4096, 4096}, test::kQ4_K);
      w.tensor(b + "attn_k.weight", {4096, 1024}, test::kQ4_K);
      w.tensor(b + "attn_v.weight", {4096, 1024}, test::kQ6_K);
      w.tensor(b + "attn_output.weight", {4096, 4096}, test::kQ4_K);
      w.tensor(b + "ffn_norm.weight", {4096}, test::kF32);
      w.tensor(b + "ffn_gate.weight", {4096, 14336}, test::kQ4_K);
      w.tensor(b + "ffn_up.weight", {4096, 14336}, test::kQ4_K);
      w.tensor(b + "ffn_down.weight", {14336, 4096}, test::kQ6_K);
    }
    w.tensor("output_norm.weight", {4096}, test::kF32);
    w.tensor("output.weight", {4096, 128256}, test::kQ6_K);
    return w;
  }();
  return writer;
}

// Header parse and model description from memory (the disk read is the page cache's business).
void BM_GgufHeader_Llama31_8B(benchmark::State& state) {
  const test::GgufWriter& w = llama_31_8b_header();
  const std::string header = w.header();
  const std::uint64_t file_bytes = header.size() + w.data_bytes();
  for (auto _ : state) {
    std::istringstream in(header);
    const GgufFile file = parse_gguf(in, file_bytes, "Llama-3.1-8B-Q4_K_M.gguf");
    benchmark::DoNotOptimize(model_from_gguf({file}, Catalog::builtin(), "llama-3.1-8b-file"));
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * header.size()));
  state.counters["header_mb"] = static_cast<double>(header.size()) / 1e6;
}
BENCHMARK(BM_GgufHeader_Llama31_8B)->Unit(benchmark::kMillisecond);

void BM_HfConfig_DeepSeekV3(benchmark::State& state) {
  const std::string path = std::string(LLMFIT_SOURCE_DIR) + "/tests/data/hf-configs/deepseek-v3.json";
  for (auto _ : state) benchmark::DoNotOptimize(read_hf_config(path));
}
BENCHMARK(BM_HfConfig_DeepSeekV3)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace llmfit

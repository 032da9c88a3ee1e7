// --model-file and --hf-config through the real CLI: every command takes the file's model, the
// weights are the file's bytes, and show model prints what was read.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "cli_support.hpp"
#include "gguf_writer.hpp"

namespace llmfit {
namespace {

namespace fs = std::filesystem;
using test::CommandResult;
using test::run_cli_args;

/// A 4-layer Llama (hidden 512, FFN 1,536, 8 heads, 2 KV heads, vocab 2,048) in Q4_K / Q6_K, written
/// once per test process with zero-filled data.
const fs::path& tiny_model() {
  struct File {
    fs::path path = fs::temp_directory_path() / ("llmfit-cli-" + std::to_string(::getpid())) / "Tiny-Test-Q4_K_M.gguf";
    File() {
      fs::create_directories(path.parent_path());
      test::GgufWriter w;
      w.string("general.architecture", "llama");
      w.string("general.name", "Tiny Test");
      w.u32("general.file_type", 15);
      w.u32("llama.block_count", 4);
      w.u32("llama.embedding_length", 512);
      w.u32("llama.feed_forward_length", 1536);
      w.u32("llama.attention.head_count", 8);
      w.u32("llama.attention.head_count_kv", 2);
      w.u32("llama.context_length", 8192);
      w.u32("llama.vocab_size", 2048);
      w.tensor("token_embd.weight", {512, 2048}, test::kQ4_K);
      for (int layer = 0; layer < 4; ++layer) {
        const std::string b = "blk." + std::to_string(layer) + ".";
        w.tensor(b + "attn_norm.weight", {512}, test::kF32);
        w.tensor(b + "attn_q.weight", {512, 512}, test::kQ4_K);
        w.tensor(b + "attn_k.weight", {512, 128}, test::kQ4_K);
        w.tensor(b + "attn_v.weight", {512, 128}, test::kQ6_K);
        w.tensor(b + "attn_output.weight", {512, 512}, test::kQ4_K);
        w.tensor(b + "ffn_norm.weight", {512}, test::kF32);
        w.tensor(b + "ffn_gate.weight", {512, 1536}, test::kQ4_K);
        w.tensor(b + "ffn_up.weight", {512, 1536}, test::kQ4_K);
        w.tensor(b + "ffn_down.weight", {1536, 512}, test::kQ6_K);
      }
      w.tensor("output_norm.weight", {512}, test::kF32);
      w.tensor("output.weight", {512, 2048}, test::kQ6_K);
      w.write(path);
    }
    ~File() {
      std::error_code ignored;
      fs::remove_all(path.parent_path(), ignored);
    }
  };
  static const File file;
  return file.path;
}

// Weight bytes of tiny_model(), by tensor (elements / block × block bytes):
//   token_embd 512×2048 Q4_K: 4,096 blocks × 144 = 589,824;  output Q6_K: 4,096 × 210 = 860,160
//   one layer: norms 2 × 2,048 + q 147,456 + k 36,864 + v (Q6_K) 53,760 + o 147,456
//              + gate 442,368 + up 442,368 + down (Q6_K) 645,120 = 1,919,488
//   4 layers 7,677,952 + output_norm 2,048: total 9,129,984 bytes
constexpr double kTinyWeightBytes = 9'129'984;

nlohmann::json json_of(const CommandResult& run) {
  EXPECT_EQ(run.exit_code, 0) << run.err;
  return nlohmann::json::parse(run.out);
}

TEST(ModelFileCli, PredictUsesTheFileBytes) {
  const CommandResult run = run_cli_args({"--hw", "rtx-4090", "--model-file", tiny_model().string(), "--format", "json"});
  const nlohmann::json doc = json_of(run);
  EXPECT_EQ(doc["model"]["id"], "tiny-test-q4_k_m");
  EXPECT_DOUBLE_EQ(doc["fit"]["weights_gb"].get<double>(), kTinyWeightBytes / 1e9);
  EXPECT_GT(doc["decode_tok_s"].get<double>(), 0);
  bool says_exact = false;
  for (const auto& line : doc["assumptions"]) says_exact |= line.get<std::string>().find("tensor table") != std::string::npos;
  EXPECT_TRUE(says_exact) << doc["assumptions"].dump();

  // The card says where the weights came from.
  const CommandResult card = run_cli_args({"--hw", "m2-max", "--model-file", tiny_model().string()});
  EXPECT_EQ(card.exit_code, 0) << card.err;
  EXPECT_NE(card.out.find("Tiny Test (Q4_K_M) on Apple M2 Max"), std::string::npos) << card.out;
  EXPECT_NE(card.out.find("the tensor table of"), std::string::npos) << card.out;
}

TEST(ModelFileCli, AnotherQuantisationIsEstimatedAndSaysSo) {
  const nlohmann::json doc = json_of(
      run_cli_args({"--hw", "rtx-4090", "--model-file", tiny_model().string(), "--quant", "q8_0", "--format", "json"}));
  EXPECT_EQ(doc["quant"], "q8_0");
  EXPECT_GT(doc["fit"]["weights_gb"].get<double>(), kTinyWeightBytes / 1e9 * 1.4);  // 8.5 vs about 5 bits
  ASSERT_FALSE(doc["warnings"].empty());
  EXPECT_NE(doc["warnings"][0].get<std::string>().find("not the file's"), std::string::npos);
}

TEST(ModelFileCli, ShowModelPrintsWhatWasRead) {
  const CommandResult text = run_cli_args({"show", "model", "--model-file", tiny_model().string()});
  EXPECT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("GGUF v3, 39 tensors"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("Q4_K"), std::string::npos);
  EXPECT_NE(text.out.find("Q6_K"), std::string::npos);

  const nlohmann::json doc = json_of(run_cli_args({"show", "model", "--model-file", tiny_model().string(), "--format", "json"}));
  EXPECT_EQ(doc["layers"], 4);
  EXPECT_EQ(doc["kv_heads"], 2);
  EXPECT_EQ(doc["file"]["format"], "gguf");
  EXPECT_EQ(doc["file"]["tensor_count"], 39);
  EXPECT_DOUBLE_EQ(doc["file"]["weights"]["total"]["gb"].get<double>(), kTinyWeightBytes / 1e9);
  double by_type = 0;
  for (const auto& type : doc["file"]["tensor_types"]) by_type += type["gb"].get<double>();
  EXPECT_NEAR(by_type, kTinyWeightBytes / 1e9, 1e-12);
}

TEST(ModelFileCli, EveryPlanningCommandTakesTheFileModel) {
  const std::string file = tiny_model().string();
  const nlohmann::json compare =
      json_of(run_cli_args({"compare", "--hw", "rtx-4090,m2-max", "--model-file", file, "--format", "json"}));
  ASSERT_TRUE(compare.is_array()) << compare.dump().substr(0, 300);
  EXPECT_EQ(compare.size(), 2u);
  for (const auto& row : compare) EXPECT_EQ(row["model"], "tiny-test-q4_k_m");
  const nlohmann::json fit = json_of(run_cli_args({"fit", "--hw", "rtx-3060", "--model-file", file, "--format", "json"}));
  ASSERT_TRUE(fit.is_array());
  ASSERT_EQ(fit.size(), 1u) << fit.dump().substr(0, 300);  // only the file's model, in every quantisation
  EXPECT_EQ(fit[0]["model"], "tiny-test-q4_k_m");
  for (const std::vector<std::string>& command :
       {std::vector<std::string>{"scale", "--hw", "m2-max", "--model-file", file},
        // A file's model has no hosted API price: the comparison needs one stated.
        std::vector<std::string>{"cost", "--hw", "rtx-4090", "--model-file", file, "--api-price-per-mtok", "0.1"},
        std::vector<std::string>{"check", "--hw", "rtx-4090", "--model-file", file, "--claimed-tok-s", "100"},
        std::vector<std::string>{"cluster", "--hw", "m4-pro:2", "--model-file", file},
        std::vector<std::string>{"recommend", "--budget", "3000", "--model-file", file}}) {
    const CommandResult run = run_cli_args(command);
    EXPECT_EQ(run.exit_code, 0) << command.front() << ": " << run.err;
    const bool names_it = run.out.find("Tiny Test") != std::string::npos ||  // the card's name, or the id
                          run.out.find("tiny-test-q4_k_m") != std::string::npos;
    EXPECT_TRUE(names_it) << command.front() << ":\n" << run.out.substr(0, 400);
  }
}

TEST(ModelFileCli, HfConfigWithAQuantisationMatchesTheCatalogueModel) {
  // Qwen3-8B from its config.json, in Q4_K_M, against the catalogue's qwen3-8b-q4_k_m: the same shape
  // gives the same answer up to the published-vs-computed parameter count (8.2 vs 8.19 B).
  const std::string config = std::string(LLMFIT_TEST_DATA) + "/hf-configs/qwen3-8b.json";
  const nlohmann::json from_config = json_of(
      run_cli_args({"--hw", "m2-max", "--hf-config", config, "--quant", "q4_k_m", "--format", "json"}));
  const nlohmann::json from_catalogue =
      json_of(run_cli_args({"--hw", "m2-max", "--model", "qwen3-8b-q4_k_m", "--format", "json"}));
  EXPECT_EQ(from_config["model"]["id"], "qwen3-8b-hf");  // the catalogue's id is taken
  const double config_weights = from_config["fit"]["weights_gb"].get<double>();
  const double catalogue_weights = from_catalogue["fit"]["weights_gb"].get<double>();
  EXPECT_NEAR(config_weights / catalogue_weights, 1.0, 0.005);
  EXPECT_DOUBLE_EQ(from_config["fit"]["kv_cache_gb"].get<double>(), from_catalogue["fit"]["kv_cache_gb"].get<double>());
  EXPECT_NEAR(from_config["decode_tok_s"].get<double>() / from_catalogue["decode_tok_s"].get<double>(), 1.0, 0.01);
  // Without --quant the config's own precision (torch_dtype bfloat16).
  const nlohmann::json native = json_of(run_cli_args({"--hw", "m2-max", "--hf-config", config, "--format", "json"}));
  EXPECT_EQ(native["quant"], "bf16");
}

}  // namespace
}  // namespace llmfit

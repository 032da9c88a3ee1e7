// The llmfit binary end to end: the answer card, its JSON, exit codes and errors.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "cli_support.hpp"

namespace llmfit {
namespace {

using test::line_count;
using test::run_cli;

TEST(Cli, AnswerCardForTheReadmeExample) {
  const auto r = run_cli("--hw m2-max --model qwen3-coder-q4");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* text : {"Qwen3-Coder-30B-A3B", "Apple M2 Max", "weights", "KV cache", "usable", "decode",
                           "prefill", "first token", "sustained", "PROMPT", "assumptions"})
    EXPECT_NE(r.out.find(text), std::string::npos) << text << "\n" << r.out;
  EXPECT_TRUE(r.err.empty()) << r.err;
}

TEST(Cli, JsonHasTheDocumentedFields) {
  const auto r = run_cli("--hw m2-max --model qwen3-coder-q4 --format json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto doc = nlohmann::json::parse(r.out);
  EXPECT_EQ(doc["hardware"]["id"], "m2-max");
  EXPECT_EQ(doc["model"]["id"], "qwen3-coder-30b-a3b");
  EXPECT_EQ(doc["quant"], "q4_k_m");
  EXPECT_EQ(doc["backend"], "llama.cpp");
  EXPECT_EQ(doc["context"], 8192);
  for (const char* field : {"fits", "verdict", "weights_gb", "kv_cache_gb", "overhead_gb", "total_gb", "available_gb",
                            "max_context"})
    EXPECT_TRUE(doc["fit"].contains(field)) << field;
  EXPECT_TRUE(doc["fit"]["fits"].is_boolean());
  const std::string verdict = doc["fit"]["verdict"];
  EXPECT_TRUE(verdict == "fits" || verdict == "partial_offload" || verdict == "does_not_fit");
  // total = weights + KV + overhead.
  EXPECT_NEAR(doc["fit"]["total_gb"].get<double>(),
              doc["fit"]["weights_gb"].get<double>() + doc["fit"]["kv_cache_gb"].get<double>() +
                  doc["fit"]["overhead_gb"].get<double>(),
              1e-9);
  // KV of Qwen3-Coder-30B-A3B at 8192 tokens, f16: 48 layers × 2 × 4 heads × 128 × 2 B × 8192 = 0.805 GB.
  EXPECT_NEAR(doc["fit"]["kv_cache_gb"].get<double>(), 48.0 * 2 * 4 * 128 * 2 * 8192 / 1e9, 1e-9);
  // 32 GiB M2 Max: macOS lets the GPU wire 2/3 → 22.9 GB.
  EXPECT_NEAR(doc["fit"]["available_gb"].get<double>(), 32 * 1.073741824 * 2 / 3, 1e-6);
  for (const char* field : {"decode_tok_s", "prefill_tok_s", "ttft_s", "sustained_decode_tok_s"})
    EXPECT_GT(doc[field].get<double>(), 0) << field;
  ASSERT_TRUE(doc["context_scaling"].is_array());
  ASSERT_FALSE(doc["context_scaling"].empty());
  double previous = 1e30;
  bool stopped_fitting = false;
  for (const auto& point : doc["context_scaling"]) {
    EXPECT_TRUE(point.contains("context"));
    if (point["decode_tok_s"].is_null()) {  // this context does not fit, nor will any longer one
      EXPECT_EQ(point["verdict"], "does_not_fit");
      stopped_fitting = true;
      continue;
    }
    EXPECT_FALSE(stopped_fitting) << point.dump();
    EXPECT_LE(point["decode_tok_s"].get<double>(), previous);
    previous = point["decode_tok_s"];
  }
}

TEST(Cli, SanityAnchorQwen3CoderOnM2MaxWithOllama) {
  // Published: Qwen3-Coder 30B-A3B Q4 decodes at 48.8 tok/s on an M2 Max with Ollama (seed document 001,
  // "Memory Bandwidth is the Bottleneck"). The default constants must land within 25 %.
  const auto r = run_cli("--hw m2-max --model qwen3-coder-q4 --backend ollama --format json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const double decode = nlohmann::json::parse(r.out)["decode_tok_s"];
  EXPECT_NEAR(decode, 48.8, 0.25 * 48.8);
}

TEST(Cli, DoesNotFitIsAnAnswerNotAnError) {
  const auto r = run_cli("--hw rtx-4090 --model llama-3.1-405b-q4 --no-offload --format json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto doc = nlohmann::json::parse(r.out);
  EXPECT_EQ(doc["fit"]["verdict"], "does_not_fit");
  EXPECT_FALSE(doc["fit"]["fits"].get<bool>());
  EXPECT_EQ(doc["fit"]["max_context"], 0);
}

TEST(Cli, PartialOffloadOnAGpuUsesTheHost) {
  const auto r = run_cli("--hw rtx-4090 --model llama-3.1-70b-q4 --format json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto doc = nlohmann::json::parse(r.out);
  EXPECT_EQ(doc["fit"]["verdict"], "partial_offload");
  EXPECT_GT(doc["fit"]["cpu_layers"].get<int>(), 0);
  EXPECT_EQ(doc["host"], "ddr5-5600-dual");
}

TEST(Cli, UnknownIdsExitTwoWithOneLineAndSuggestion) {
  const auto r = run_cli("--hw m2-maxx --model qwen3-coder-q4");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(line_count(r.err), 1) << r.err;
  EXPECT_NE(r.err.find("did you mean 'm2-max'"), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty());
  const auto m = run_cli("--hw m2-max --model qwen3-codr-q4");
  EXPECT_EQ(m.exit_code, 2);
  EXPECT_NE(m.err.find("did you mean"), std::string::npos) << m.err;
}

TEST(Cli, BadNumbersExitTwo) {
  for (const char* args : {"--hw m2-max --model qwen3-coder-q4 --context -5",
                           "--hw m2-max --model qwen3-coder-q4 --context 1099511627776",
                           "--hw m2-max --model qwen3-coder-q4 --batch 0",
                           "--hw m2-max --model qwen3-coder-q4 --memory nan",
                           "--hw m2-max --model qwen3-coder-q4 --memory -3",
                           "--hw m2-max --model qwen3-coder-q4 --kv-type q3",
                           "--hw m2-max --model qwen3-coder-q4 --backend mlxx",
                           "--hw rtx-4090 --model qwen3-coder-q4 --backend mlx"}) {
    const auto r = run_cli(args);
    EXPECT_EQ(r.exit_code, 2) << args << "\n" << r.out;
    EXPECT_EQ(line_count(r.err), 1) << args << "\n" << r.err;
  }
}

TEST(Cli, EnginesAndDeviceApisThatCannotRunOnTheHardwareExitTwo) {
  struct Case {
    const char* args;
    const char* needle;
  };
  for (const Case& c : {
           Case{"--hw m2-max --model llama-3.1-8b-bf16 --backend vllm", "vLLM runs on CUDA, ROCm and SYCL GPUs only"},
           Case{"--hw m2-max --model llama-3.1-8b-awq-4bit", "default to vLLM"},  // no flag: still refused
           Case{"--hw ddr5-5600-dual --model llama-3.1-8b-awq-4bit --backend vllm", "--backend transformers"},
           Case{"--hw rtx-4090 --model llama-3.1-8b-q4 --api cpu", "--hw ddr5-5600-dual"},
       }) {
    const auto r = run_cli(c.args);
    EXPECT_EQ(r.exit_code, 2) << c.args << "\n" << r.out;
    EXPECT_EQ(line_count(r.err), 1) << c.args << "\n" << r.err;
    EXPECT_NE(r.err.find(c.needle), std::string::npos) << c.args << "\n" << r.err;
    EXPECT_TRUE(r.out.empty()) << c.args;
  }
  // What the engines do run on is still answered.
  for (const char* args : {"--hw rtx-4090 --model llama-3.1-8b-awq-4bit --backend vllm",
                           "--hw ddr5-5600-dual --model llama-3.1-8b-awq-4bit --backend transformers",
                           "--hw ddr5-5600-dual --model llama-3.1-8b-q4 --api cpu",
                           "--hw m2-max --model llama-3.1-8b-bf16"}) {  // 16-bit safetensors default to mlx
    const auto r = run_cli(args);
    EXPECT_EQ(r.exit_code, 0) << args << "\n" << r.err;
  }
}

TEST(Cli, DefaultWeightsTheEngineCannotRunGiveWayToTheirGgufBuild) {
  struct Case {
    const char* args;
    const char* quant;
    const char* backend;
  };
  // gpt-oss ships MXFP4 safetensors (vLLM: CUDA/ROCm only); Macs, CPUs, a named GGUF engine and one user
  // anywhere run llama.cpp's MXFP4 MoE build of the same weights; several users on a GPU that holds the
  // release run it in vLLM, unless vLLM cannot (offload, tensor parallelism over 3 GPUs). A quantisation
  // the user names is never replaced.
  for (const Case& c : {Case{"--hw m2-max --model gpt-oss-20b", "mxfp4_moe", "llama.cpp"},
                        Case{"--hw ddr5-5600-dual --model gpt-oss-20b", "mxfp4_moe", "llama.cpp"},
                        Case{"--hw rtx-4090 --model gpt-oss-20b --backend ollama", "mxfp4_moe", "ollama"},
                        Case{"--hw h100-sxm --model gpt-oss-20b", "mxfp4_moe", "llama.cpp"},
                        Case{"--hw dgx-spark --model gpt-oss-120b", "mxfp4_moe", "llama.cpp"},
                        Case{"--hw h100-sxm --model gpt-oss-20b --batch 4", "mxfp4", "vllm"},
                        Case{"--hw rtx-4090 --model gpt-oss-120b --batch 4", "mxfp4_moe", "llama.cpp"},
                        Case{"--hw rtx-4090:3 --model gpt-oss-20b --batch 4", "mxfp4_moe", "llama.cpp"},
                        Case{"--hw h100-sxm --model gpt-oss-20b-mxfp4", "mxfp4", "vllm"},
                        Case{"--hw m4-max-40c --model gpt-oss-120b-mxfp4_moe", "mxfp4_moe", "llama.cpp"}}) {
    const auto r = run_cli(std::string(c.args) + " --format json");
    ASSERT_EQ(r.exit_code, 0) << c.args << "\n" << r.err;
    const auto doc = nlohmann::json::parse(r.out);
    EXPECT_EQ(doc["quant"], c.quant) << c.args;
    EXPECT_EQ(doc["backend"], c.backend) << c.args;
    const std::string assumptions = doc["assumptions"].dump();
    const bool replaced = std::string(c.quant) == "mxfp4_moe" && std::string(c.args).find("mxfp4_moe") == std::string::npos;
    EXPECT_EQ(assumptions.find("GGUF build of the model's default") != std::string::npos, replaced)
        << c.args << "\n" << assumptions;
  }
  for (const char* args : {"--hw m2-max --model gpt-oss-20b-mxfp4", "--hw m2-max --model gpt-oss-20b --backend vllm"}) {
    const auto r = run_cli(args);
    EXPECT_EQ(r.exit_code, 2) << args << "\n" << r.out;
    EXPECT_NE(r.err.find("vLLM runs on CUDA, ROCm and SYCL GPUs only"), std::string::npos) << args << "\n" << r.err;
  }
}

TEST(Cli, ListQuantsColumnsLineUp) {
  const auto r = run_cli("list quants");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream lines(r.out);
  std::string header;
  std::getline(lines, header);
  const std::size_t bits_end = header.find("bits") + 4;
  int rows = 0;
  for (std::string line; std::getline(lines, line) && line.rfind("bits:", 0) != 0; ++rows) {
    // Every row's bits figure ends under the header's "bits", whatever the length of its name.
    ASSERT_GE(line.size(), bits_end) << line;
    EXPECT_TRUE(std::isdigit(static_cast<unsigned char>(line[bits_end - 1]))) << line;
    EXPECT_EQ(line[bits_end], ' ') << line;
  }
  EXPECT_GT(rows, 20);
}

TEST(Cli, ListMinMemoryMustBeACapacity) {
  for (const char* args : {"list hardware --min-memory nan", "list hardware --min-memory -1",
                           "list hardware --min-memory inf"}) {
    const auto r = run_cli(args);
    EXPECT_EQ(r.exit_code, 2) << args << "\n" << r.out;
    EXPECT_EQ(line_count(r.err), 1) << args << "\n" << r.err;
    EXPECT_NE(r.err.find("--min-memory"), std::string::npos) << r.err;
  }
  const auto r = run_cli("list hardware --min-memory 100 --format json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(nlohmann::json::parse(r.out).empty());  // h200, b200 and the larger Macs hold 100 GiB or more
}

TEST(Cli, CompareAllIsTheSameOnOneAndTwoThreads) {
  const auto one = run_cli("compare --model qwen3-coder-q4 --all --format json --threads 1");
  const auto two = run_cli("compare --model qwen3-coder-q4 --all --format json --threads 2");
  ASSERT_EQ(one.exit_code, 0) << one.err;
  ASSERT_EQ(two.exit_code, 0) << two.err;
  EXPECT_GE(nlohmann::json::parse(one.out).size(), 64u);  // enough rows for the automatic choice to go parallel
  EXPECT_EQ(one.out, two.out);
  const auto bad = run_cli("compare --model qwen3-coder-q4 --all --threads 5000");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_EQ(line_count(bad.err), 1) << bad.err;
}

TEST(Cli, ListsAndShowAsJson) {
  const auto hw = run_cli("list hardware --vendor apple --format json");
  ASSERT_EQ(hw.exit_code, 0) << hw.err;
  const auto list = nlohmann::json::parse(hw.out);
  ASSERT_GT(list.size(), 10u);
  for (const auto& entry : list) {
    for (const char* field : {"id", "name", "source", "vendor", "bandwidth_gb_s", "memory_gb", "unified", "fp16_tflops"})
      EXPECT_TRUE(entry.contains(field)) << field;
    EXPECT_EQ(entry["vendor"], "apple");
  }
  const auto models = nlohmann::json::parse(run_cli("list models --format json").out);
  for (const auto& entry : models)
    for (const char* field : {"id", "name", "source", "family", "params_b", "active_params_b", "layers", "max_context"})
      EXPECT_TRUE(entry.contains(field)) << field;
  const auto show = run_cli("show model qwen3-coder --format json");
  ASSERT_EQ(show.exit_code, 0) << show.err;
  const auto doc = nlohmann::json::parse(show.out);
  EXPECT_EQ(doc["id"], "qwen3-coder-30b-a3b");
  EXPECT_EQ(doc["layers"], 48);
  EXPECT_FALSE(doc["source"].get<std::string>().empty());
  // A hybrid model: the KV entry of one more token (6 attention layers) apart from the fixed Mamba-2 state.
  const auto nano = nlohmann::json::parse(run_cli("show model nemotron-3-nano-30b-a3b --format json").out);
  EXPECT_DOUBLE_EQ(nano["kv_bytes_per_token"].get<double>(), 6 * 2 * 2 * 128 * 2.0);
  EXPECT_DOUBLE_EQ(nano["recurrent_state_bytes"].get<double>(), 49'930'240.0);
  EXPECT_EQ(nano["mamba_layers"], 23);
  EXPECT_EQ(nano["full_attention_layers"], 6);
  const auto quants = run_cli("list quants");
  EXPECT_EQ(quants.exit_code, 0);
  EXPECT_NE(quants.out.find("q4_k_m"), std::string::npos);
}

// The assumptions line names the constant that priced the prompt's GEMMs, on the units that ran them
// (prefill_gemm_rate): not the quantised matrix share for every scenario.
TEST(Cli, AssumptionsNameThePrefillUnitsThatRanThePrompt) {
  const auto assumptions = [](const std::string& arguments) {
    const auto r = run_cli(arguments);
    EXPECT_EQ(r.exit_code, 0) << arguments << ": " << r.err;
    const auto at = r.out.find("assumptions:");
    return at == std::string::npos ? std::string() : r.out.substr(at, r.out.find('\n', at) - at);
  };
  EXPECT_NE(assumptions("--hw radeon-ai-pro-r9700 --model qwen3-8b-bf16 --api vulkan").find("of the vector FP32 peak in prefill"),
            std::string::npos);
  EXPECT_NE(assumptions("--hw rtx-4090 --model qwen3-8b-bf16").find("of peak FLOPs in prefill (float weights)"),
            std::string::npos);
  const std::string quantised = assumptions("--hw rtx-4090 --model qwen3-8b-q4");
  EXPECT_NE(quantised.find("of peak FLOPs in prefill"), std::string::npos) << quantised;
  EXPECT_EQ(quantised.find("float weights"), std::string::npos) << quantised;
  EXPECT_NE(assumptions("--hw ryzen-9-7950x --model llama-3.1-8b-q4").find("SIMD unit per weight and prompt token"),
            std::string::npos);
}

// The assumptions line states the share of peak bandwidth the weights stream at: the chip's share times the
// kernel's, each of which may pass 1 alone (vLLM's chip share on an H100 fits at 1.11 beside a 0.90 float
// kernel). The stated share is a share of a peak: above 0 and at most 100 % for every engine.
TEST(Cli, AssumptionsStateAWeightShareOfPeakBandwidthNoEngineExceeds) {
  const std::regex stated(R"(weights stream at (\d+)% of peak bandwidth \(chip ([0-9.]+) x [a-z0-9-]+ kernel ([0-9.]+)\))");
  for (const std::string arguments :
       {"--hw h100-sxm --model llama-3.1-8b-bf16 --backend vllm", "--hw h200 --model llama-3.1-8b-q4 --backend vllm",
        "--hw m2-max --model qwen3-coder-q4", "--hw m3-ultra --model qwen3-coder-mlx-4bit --backend mlx",
        "--hw rtx-4090 --model llama-3.1-8b-q4 --backend ollama", "--hw ryzen-9-7950x --model llama-3.1-8b-q4",
        "--hw radeon-ai-pro-r9700 --model qwen3-8b-bf16 --api vulkan"}) {
    const auto r = run_cli(arguments);
    ASSERT_EQ(r.exit_code, 0) << arguments << ": " << r.err;
    std::smatch match;
    ASSERT_TRUE(std::regex_search(r.out, match, stated)) << arguments << "\n" << r.out;
    const int percent = std::stoi(match[1].str());
    EXPECT_GT(percent, 0) << arguments << ": " << match[0].str();
    EXPECT_LE(percent, 100) << arguments << ": " << match[0].str();
    EXPECT_NEAR(percent, std::stod(match[2].str()) * std::stod(match[3].str()) * 100, 1.5) << arguments << ": " << match[0].str();
  }
}

TEST(Cli, UserDatabaseOverridesAndSaysSo) {
  const std::string path = test::scratch_path("cli-test-db.yaml").string();
  {
    std::ofstream out(path);
    out << "schema: 1\nhardware:\n  - id: m2-max\n    name: My Studio\n    vendor: apple\n    kind: unified\n"
           "    memory_gib: [96]\n    bandwidth_gb_s: 400\n    fp16_tflops: 13.6\n    form_factor: desktop\n"
           "    tdp_w: 90\n    price_usd: 0\n    apis: [metal]\n    source: test\n";
  }
  const auto r = run_cli("--db '" + path + "' --hw m2-max --model qwen3-coder-q4 --format json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto doc = nlohmann::json::parse(r.out);
  EXPECT_EQ(doc["hardware"]["name"], "My Studio");
  EXPECT_NEAR(doc["fit"]["available_gb"].get<double>(), 96 * 1.073741824 * 0.75, 1e-6);
  ASSERT_FALSE(doc["warnings"].empty());
  EXPECT_NE(doc["warnings"][0].get<std::string>().find("replaces shipped hardware m2-max"), std::string::npos);
  const auto via_env = test::run_cli_env("LLMFIT_DB_PATH='" + path + "'", "--hw m2-max --model qwen3-coder-q4 --format json");
  ASSERT_EQ(via_env.exit_code, 0) << via_env.err;
  EXPECT_EQ(nlohmann::json::parse(via_env.out)["hardware"]["name"], "My Studio");
  std::filesystem::remove(path);
}

TEST(Cli, OutputFileIsWrittenWholeOrNotAtAll) {
  const auto dir = test::scratch_path("cli-out");
  std::filesystem::create_directories(dir);
  const auto good = dir / "answer.json";
  std::filesystem::remove(good);
  ASSERT_EQ(run_cli("--hw m2-max --model qwen3-coder-q4 --format json -o '" + good.string() + "'").exit_code, 0);
  std::ifstream written(good);
  const auto doc = nlohmann::json::parse(written, nullptr, false);
  EXPECT_FALSE(doc.is_discarded());
  EXPECT_EQ(doc["hardware"]["id"], "m2-max");
  const auto bad = dir / "bad.json";
  std::filesystem::remove(bad);
  EXPECT_EQ(run_cli("--hw nope --model qwen3-coder-q4 -o '" + bad.string() + "'").exit_code, 2);
  EXPECT_FALSE(std::filesystem::exists(bad));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace llmfit

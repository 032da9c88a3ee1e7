// Run ingest: format detection, the four readers on real-shaped sample files, slug mapping, limits.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>
#include <tuple>

#include "cli_support.hpp"
#include "llmfit/io.hpp"
#include "llmfit/errors.hpp"
#include "llmfit/runs.hpp"
#include "text_input.hpp"

namespace llmfit {
namespace {

const std::string kRuns = std::string(LLMFIT_TEST_DATA) + "/runs/";

const Catalog& cat() { return Catalog::builtin(); }

RunSet load(const std::string& name, RunDefaults defaults = {}) { return load_runs_path(kRuns + name, cat(), defaults); }

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// ------------------------------------------------------------------------------------------------ slugs

TEST(SlugTable, EveryEntryNamesACatalogueIdAndShadowsNone) {
  for (const auto& entry : model_slug_table()) {
    EXPECT_NE(cat().find_model(entry.catalogue_id), nullptr) << entry.slug;
    EXPECT_EQ(cat().find_model(entry.slug), nullptr) << entry.slug << " is a catalogue name already";
    EXPECT_FALSE(entry.note.empty()) << entry.slug;
  }
}

TEST(SlugTable, PublicTableSlugsMapToTheRightEntries) {
  struct Case {
    const char* slug;
    const char* id;
    int devices;
  };
  for (const Case& c : {Case{"m2-max-38c", "m2-max", 1}, Case{"rtx-4090-x2", "rtx-4090", 2},
                        Case{"rtx-3090-x6", "rtx-3090", 6}, Case{"h100-80gb", "h100-sxm", 1},
                        Case{"a100-80gb-sxm", "a100-80gb", 1}, Case{"a100-80gb-pcie-x4", "a100-80gb-pcie", 4},
                        Case{"rtx-3090:3", "rtx-3090", 3}, Case{"rtx-6000-ada-generation", "rtx-6000-ada", 1},
                        Case{"h100-80gb-hbm3", "h100-sxm", 1}, Case{"dgx-spark-gb10", "dgx-spark", 1}}) {
    const HardwareSlugMatch match = map_hardware_slug(c.slug, cat());
    ASSERT_NE(match.hardware, nullptr) << c.slug;
    EXPECT_EQ(match.hardware->id, c.id) << c.slug;
    EXPECT_EQ(match.device_count, c.devices) << c.slug;
  }
  EXPECT_EQ(map_hardware_slug("rtx-9999-x2", cat()).hardware, nullptr);
  EXPECT_EQ(map_hardware_slug("m2-max-x2", cat()).hardware, nullptr);  // several Macs are not one box
  EXPECT_EQ(map_hardware_slug("rtx-4090-x0", cat()).hardware, nullptr);

  EXPECT_EQ(map_model_slug("llama-3-8b", cat())->id, "llama-3-8b");
  EXPECT_EQ(map_model_slug("llama-7b", cat())->id, "llama-2-7b");    // LLaMA 1: same architecture
  EXPECT_EQ(map_model_slug("llama-13b", cat())->id, "llama-2-13b");
  EXPECT_EQ(map_model_slug("llama-30b", cat()), nullptr);            // not in the catalogue
}

TEST(SlugTable, EveryHardwareSlugOfTheSharedDataMaps) {
  const std::filesystem::path data(LLMFIT_SHARED_DATA);
  if (!std::filesystem::exists(data)) GTEST_SKIP() << "no ../shared/data here";
  int rows = 0;
  for (const auto& file : std::filesystem::directory_iterator(data)) {
    if (file.path().extension() != ".csv" || file.path().filename() == "hardware_specs.csv") continue;
    std::istringstream lines(read_text(file.path().string()));
    std::string line;
    std::getline(lines, line);
    while (std::getline(lines, line)) {
      const std::string hardware = line.substr(0, line.find(','));
      EXPECT_NE(map_hardware_slug(hardware, cat()).hardware, nullptr) << hardware;
      ++rows;
    }
  }
  EXPECT_GT(rows, 1000);
}

// ------------------------------------------------------------------------------------------------ formats

TEST(RunFormats, DetectsEachFormatAndRefusesOthers) {
  EXPECT_EQ(detect_run_format("[{}]", "a"), RunFormat::llmfit);
  EXPECT_EQ(detect_run_format("\n{\"a\": 1}\n", "a"), RunFormat::llmfit);
  EXPECT_EQ(detect_run_format(read_text(kRuns + "public-table.csv"), "a"), RunFormat::public_csv);
  EXPECT_THROW((void)detect_run_format("", "empty.json"), InputError);
  EXPECT_THROW((void)detect_run_format("model,tokens\nx,1\n", "other.csv"), InputError);
}

TEST(LlamaBench, CurrentSchemaJsonArray) {
  const RunSet set = load("llama-bench-cuda.json");
  ASSERT_EQ(set.runs.size(), 3u);
  EXPECT_TRUE(set.skipped.empty());
  const MeasuredRun& pp = set.runs[0];
  EXPECT_EQ(pp.hardware_id, "rtx-4090");  // gpu_info "NVIDIA GeForce RTX 4090"
  EXPECT_EQ(pp.device_count, 1);
  EXPECT_EQ(pp.model_id, "llama-3.1-8b");  // file name Meta-Llama-3.1-8B-Instruct-Q4_K_M.gguf
  EXPECT_EQ(pp.quant_id, "q4_k_m");        // model_type "llama 8B Q4_K - Medium"
  EXPECT_EQ(pp.api, DeviceApi::cuda);      // backends "CUDA"
  EXPECT_EQ(pp.test, RunTest::prefill);
  EXPECT_EQ(pp.n_prompt, 512);
  EXPECT_DOUBLE_EQ(pp.weight_bytes, 4920734720.0);  // model_size
  EXPECT_DOUBLE_EQ(pp.params, 8030261248.0);
  EXPECT_EQ(pp.era, "2025");  // test_time 2025-06-14
  EXPECT_EQ(pp.build, "0104b15 b6210");
  EXPECT_FALSE(pp.flash_attn.has_value());  // flash_attn -1 = auto
  // avg_ts is the mean of samples_ts: (12110.2 + 12085.7 + 12140.9 + 12066.3 + 12101.8) / 5 = 12100.98
  EXPECT_NEAR(pp.tok_s, 12100.98, 0.01);

  const MeasuredRun& tg = set.runs[1];
  EXPECT_EQ(tg.test, RunTest::decode);
  EXPECT_EQ(tg.n_gen, 128);
  EXPECT_EQ(tg.n_depth, 0);
  EXPECT_DOUBLE_EQ(tg.mean_depth_tokens(), 64.0);  // reads the KV of 0..128 tokens: mean 64
  const MeasuredRun& deep = set.runs[2];
  EXPECT_EQ(deep.n_depth, 4096);
  EXPECT_DOUBLE_EQ(deep.mean_depth_tokens(), 4160.0);  // 4096 + 128 / 2
  EXPECT_EQ(deep.context_tokens(), 4224);
}

TEST(LlamaBench, CurrentSchemaJsonLinesNeedsHwForAnAppleChip) {
  // "Apple M2 Max" does not say whether it is the 30- or the 38-core GPU.
  const RunSet without = load("llama-bench-metal.jsonl");
  EXPECT_TRUE(without.runs.empty());
  ASSERT_EQ(without.skipped.size(), 2u);
  EXPECT_EQ(without.skipped[0].index, 0u);
  EXPECT_NE(without.skipped[0].reason.find("m2-max-30c"), std::string::npos) << without.skipped[0].reason;

  RunDefaults hw;
  hw.hardware = "m2-max";
  const RunSet with = load("llama-bench-metal.jsonl", hw);
  ASSERT_EQ(with.runs.size(), 2u);
  EXPECT_EQ(with.runs[0].hardware_id, "m2-max");
  EXPECT_EQ(with.runs[0].api, DeviceApi::metal);  // backends "Metal,BLAS"
  EXPECT_EQ(with.runs[1].index, 1u);              // line number
  EXPECT_EQ(with.runs[1].test, RunTest::decode);
}

TEST(LlamaBench, Mid2024SchemaWithBackendBooleansAndNoDepth) {
  const RunSet set = load("llama-bench-2024.json");
  ASSERT_EQ(set.runs.size(), 2u) << (set.skipped.empty() ? "" : set.skipped[0].reason);
  for (const auto& run : set.runs) {
    EXPECT_EQ(run.hardware_id, "rtx-3090");
    EXPECT_EQ(run.api, DeviceApi::cuda);  // "cuda": true
    EXPECT_EQ(run.model_id, "llama-2-7b");
    EXPECT_EQ(run.quant_id, "q4_0");
    EXPECT_EQ(run.n_depth, 0);  // no n_depth field: depth 0
    EXPECT_EQ(run.era, "2024");
    ASSERT_TRUE(run.flash_attn.has_value());
    EXPECT_FALSE(*run.flash_attn);
  }
  EXPECT_EQ(set.runs[0].test, RunTest::prefill);
  EXPECT_EQ(set.runs[1].test, RunTest::decode);
}

TEST(LlamaBench, FlagsApplyOnlyToRunsWhoseFileDoesNotNameThem) {
  // The file names its GPU (RTX 4090) and its model (Llama 3.1 8B Q4_K_M): --hw and --model leave them be.
  RunDefaults defaults;
  defaults.hardware = "m2-max";
  defaults.model = "llama-3-8b-q4_k_m";
  const RunSet named = load("llama-bench-cuda.json", defaults);
  ASSERT_EQ(named.runs.size(), 3u);
  for (const MeasuredRun& run : named.runs) {
    EXPECT_EQ(run.hardware_id, "rtx-4090");
    EXPECT_EQ(run.model_id, "llama-3.1-8b");
  }

  // A file name that maps to no catalogue model: --model applies, and must agree with the file.
  const std::string unnamed = R"([
    {"gpu_info": "NVIDIA GeForce RTX 4090", "backends": "CUDA", "model_filename": "/models/my-finetune.gguf",
     "model_type": "llama 8B Q4_K - Medium", "model_n_params": 8030261248, "n_prompt": 0, "n_gen": 128,
     "avg_ts": 150.0}])";
  defaults = {};
  defaults.model = "llama-3-8b-q4_k_m";  // same size as the file's 8.03 B parameters
  const RunSet set = parse_runs(unnamed, "inline.json", cat(), defaults);
  ASSERT_EQ(set.runs.size(), 1u) << (set.skipped.empty() ? "" : set.skipped[0].reason);
  EXPECT_EQ(set.runs[0].model_id, "llama-3-8b");

  defaults.model = "llama-3.1-8b-q8_0";  // model_type says Q4_K - Medium
  const RunSet wrong_quant = parse_runs(unnamed, "inline.json", cat(), defaults);
  EXPECT_TRUE(wrong_quant.runs.empty());
  ASSERT_FALSE(wrong_quant.skipped.empty());
  EXPECT_NE(wrong_quant.skipped[0].reason.find("model_type"), std::string::npos);

  defaults.model = "llama-2-70b-q4_k_m";  // 69 B parameters against the file's 8.03 B
  const RunSet wrong_size = parse_runs(unnamed, "inline.json", cat(), defaults);
  EXPECT_TRUE(wrong_size.runs.empty());
  EXPECT_NE(wrong_size.skipped[0].reason.find("model_n_params"), std::string::npos);

  defaults.model = "llama-3.1-8b";  // no quantisation named
  EXPECT_THROW((void)parse_runs(unnamed, "inline.json", cat(), defaults), InputError);

  // "Apple M2 Max" names the chip but not its GPU size: --hw completes it, and must be that chip.
  RunDefaults other_chip;
  other_chip.hardware = "rtx-4090";
  const RunSet wrong_chip = load("llama-bench-metal.jsonl", other_chip);
  EXPECT_TRUE(wrong_chip.runs.empty());
  ASSERT_FALSE(wrong_chip.skipped.empty());
  EXPECT_NE(wrong_chip.skipped[0].reason.find("names 'Apple M2 Max'"), std::string::npos) << wrong_chip.skipped[0].reason;
}

TEST(Ollama, ModelFlagAppliesOnlyWhenTheTagNamesNone) {
  RunDefaults defaults;
  defaults.hardware = "m2-max";
  defaults.model = "qwen3-8b-q8_0";
  const RunSet tagged = load("ollama-generate.json", defaults);  // tag llama3.1:8b-instruct-q4_K_M
  ASSERT_EQ(tagged.runs.size(), 2u);
  EXPECT_EQ(tagged.runs[0].model_id, "llama-3.1-8b");
  const std::string untagged =
      "{\"model\":\"my-private-model\",\"done\":true,\"prompt_eval_count\":12,\"prompt_eval_duration\":10000000,"
      "\"eval_count\":100,\"eval_duration\":800000000}\n";
  const RunSet set = parse_runs(untagged, "stream.jsonl", cat(), defaults);
  ASSERT_EQ(set.runs.size(), 2u) << (set.skipped.empty() ? "" : set.skipped[0].reason);
  EXPECT_EQ(set.runs[0].model_id, "qwen3-8b");
  EXPECT_EQ(set.runs[0].quant_id, "q8_0");
}

TEST(LlamaBench, GptOssMxfp4MoeIsTheGgufBuild) {
  // llama-bench names llama.cpp's gpt-oss build "MXFP4 MoE": the GGUF entry (Q8_0 attention), which
  // llama.cpp loads, not the safetensors release.
  const std::string text = R"([
    {"gpu_info": "NVIDIA GeForce RTX 4090", "backends": "CUDA", "model_filename": "gpt-oss-20b-mxfp4.gguf",
     "model_type": "gpt-oss 20B MXFP4 MoE", "model_size": 12096558336, "model_n_params": 20914757184,
     "n_prompt": 0, "n_gen": 128, "avg_ts": 250.0}])";
  const RunSet set = parse_runs(text, "inline.json", cat(), {});
  ASSERT_EQ(set.runs.size(), 1u) << (set.skipped.empty() ? "" : set.skipped[0].reason);
  EXPECT_EQ(set.runs[0].model_id, "gpt-oss-20b");
  EXPECT_EQ(set.runs[0].quant_id, "mxfp4_moe");
  EXPECT_EQ(set.runs[0].backend, Backend::llama_cpp);
}

TEST(LlamaBench, CombinedTestsAndRowSplitAreSkippedWithReasons) {
  const std::string text = R"([
    {"gpu_info": "NVIDIA GeForce RTX 4090", "backends": "CUDA", "model_filename": "llama-2-7b.Q4_0.gguf",
     "model_type": "llama 7B Q4_0", "model_n_params": 6738415616, "n_prompt": 512, "n_gen": 128, "avg_ts": 900.0},
    {"gpu_info": "NVIDIA GeForce RTX 4090, NVIDIA GeForce RTX 4090", "backends": "CUDA", "split_mode": "row",
     "model_filename": "llama-2-7b.Q4_0.gguf", "model_type": "llama 7B Q4_0", "model_n_params": 6738415616,
     "n_prompt": 0, "n_gen": 128, "avg_ts": 120.0},
    {"gpu_info": "NVIDIA GeForce RTX 4090, NVIDIA GeForce RTX 4090", "backends": "CUDA", "split_mode": "layer",
     "model_filename": "llama-2-7b.Q4_0.gguf", "model_type": "llama 7B Q4_0", "model_n_params": 6738415616,
     "n_prompt": 0, "n_gen": 128, "avg_ts": 150.0}])";
  const RunSet set = parse_runs(text, "inline.json", cat(), {});
  ASSERT_EQ(set.runs.size(), 1u);
  EXPECT_EQ(set.runs[0].device_count, 2);  // two device names in gpu_info
  EXPECT_EQ(set.runs[0].index, 2u);
  ASSERT_EQ(set.skipped.size(), 2u);
  EXPECT_NE(set.skipped[0].reason.find("combined"), std::string::npos);
  EXPECT_NE(set.skipped[1].reason.find("row split"), std::string::npos);
}

TEST(Ollama, GenerateResponseGivesPrefillAndDecode) {
  RunDefaults defaults;
  defaults.hardware = "m2-max";
  const RunSet set = load("ollama-generate.json", defaults);
  ASSERT_EQ(set.runs.size(), 2u);
  const MeasuredRun& prefill = set.runs[0];
  EXPECT_EQ(prefill.backend, Backend::ollama);
  EXPECT_EQ(prefill.model_id, "llama-3.1-8b");  // tag llama3.1:8b-instruct-q4_K_M
  EXPECT_EQ(prefill.quant_id, "q4_k_m");
  EXPECT_EQ(prefill.api, DeviceApi::metal);  // the chip's API
  EXPECT_EQ(prefill.test, RunTest::prefill);
  EXPECT_EQ(prefill.n_prompt, 26);
  // 26 tokens in 41,582,000 ns: 26 / 0.041582 s = 625.27 tok/s
  EXPECT_NEAR(prefill.tok_s, 625.27, 0.01);
  const MeasuredRun& decode = set.runs[1];
  EXPECT_EQ(decode.test, RunTest::decode);
  EXPECT_EQ(decode.n_gen, 290);
  EXPECT_EQ(decode.n_depth, 26);  // generation follows the prompt
  // 290 tokens in 5,310,251,000 ns: 290 / 5.310251 s = 54.6113 tok/s
  EXPECT_NEAR(decode.tok_s, 54.6113, 0.001);
  EXPECT_EQ(decode.era, "2025");

  const RunSet no_hw = load("ollama-generate.json");
  EXPECT_TRUE(no_hw.runs.empty());
  ASSERT_EQ(no_hw.skipped.size(), 1u);
  // The reason names RunDefaults::hardware, which the command line spells --hw.
  EXPECT_EQ(referenced_fields(no_hw.skipped[0].reason), std::vector<std::string>{"hardware"});
}

TEST(Ollama, StreamChunksWithoutTimingsAreNotRuns) {
  RunDefaults defaults;
  defaults.hardware = "rtx-4090";
  const std::string text =
      "{\"model\":\"llama3.1:8b-instruct-q4_K_M\",\"created_at\":\"2025-01-01T00:00:00Z\",\"response\":\"Hi\",\"done\":false}\n"
      "{\"model\":\"llama3.1:8b-instruct-q4_K_M\",\"created_at\":\"2025-01-01T00:00:01Z\",\"response\":\"\",\"done\":true,"
      "\"prompt_eval_count\":12,\"prompt_eval_duration\":10000000,\"eval_count\":100,\"eval_duration\":800000000}\n";
  const RunSet set = parse_runs(text, "stream.jsonl", cat(), defaults);
  EXPECT_EQ(set.runs.size(), 2u);
  EXPECT_TRUE(set.skipped.empty());
  // 100 tokens in 0.8 s = 125 tok/s
  EXPECT_DOUBLE_EQ(set.runs[1].tok_s, 125.0);
}

TEST(LlmfitSchema, ArrayWithACombinedRecordAndSlugs) {
  const RunSet set = load("llmfit-runs.json");
  ASSERT_EQ(set.runs.size(), 4u);
  // Record 0 holds a prefill and a decode measurement.
  EXPECT_EQ(set.runs[0].test, RunTest::prefill);
  EXPECT_EQ(set.runs[0].n_prompt, 512);
  EXPECT_EQ(set.runs[0].n_depth, 0);
  EXPECT_EQ(set.runs[1].test, RunTest::decode);
  EXPECT_EQ(set.runs[1].index, 0u);
  EXPECT_EQ(set.runs[1].n_depth, 512);  // decoding starts with the 512-token prompt cached
  EXPECT_DOUBLE_EQ(set.runs[1].mean_depth_tokens(), 576.0);  // 512 + 128 / 2
  EXPECT_DOUBLE_EQ(set.runs[1].stddev_tok_s, 0.4);
  // Record 1: "rtx-3090-x2" and "llama-3-70b-q4_k_m" (model with quant in one name).
  EXPECT_EQ(set.runs[2].hardware_id, "rtx-3090");
  EXPECT_EQ(set.runs[2].device_count, 2);
  EXPECT_EQ(set.runs[2].quant_id, "q4_k_m");
  EXPECT_EQ(set.runs[2].api, DeviceApi::cuda);  // not given: the chip's first API
  EXPECT_EQ(set.runs[3].era, "");
}

TEST(LlmfitSchema, JsonLinesReportsEveryBadRecordWithFileIndexAndField) {
  const RunSet set = load("llmfit-runs.jsonl");
  ASSERT_EQ(set.runs.size(), 1u);
  EXPECT_EQ(set.runs[0].device_count, 2);  // "rtx-4090:2"
  ASSERT_EQ(set.skipped.size(), 6u);
  const std::vector<std::pair<std::size_t, std::string>> expected{
      {2, "decode_tok_s: a decode rate must be from 0.01"}, {3, "decode_tok_s: a decode rate must be from 0.01"},
      {4, "decode_tok_s: must be a number"}, {5, "did you mean 'decode_tok_s'"},
      {6, "hardware: 'rtx-9999'"},        {7, "not a JSON object"}};
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(set.skipped[i].file, kRuns + "llmfit-runs.jsonl");
    EXPECT_EQ(set.skipped[i].index, expected[i].first);
    EXPECT_NE(set.skipped[i].reason.find(expected[i].second), std::string::npos) << set.skipped[i].reason;
  }
}

TEST(LlmfitSchema, StrictTurnsTheFirstBadRecordIntoAnError) {
  RunDefaults strict;
  strict.strict = true;
  try {
    (void)load("llmfit-runs.jsonl", strict);
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("llmfit-runs.jsonl: record 2: decode_tok_s"), std::string::npos) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos);
  }
}

TEST(LlmfitSchema, RoundTripsThroughItsWriter) {
  const RunSet original = load("llmfit-runs.json");
  const std::string text = runs_to_json_text(original.runs);
  const RunSet again = parse_runs(text, "again.json", cat(), {});
  ASSERT_EQ(again.runs.size(), original.runs.size());
  for (std::size_t i = 0; i < again.runs.size(); ++i) {
    EXPECT_EQ(again.runs[i].hardware_id, original.runs[i].hardware_id);
    EXPECT_EQ(again.runs[i].device_count, original.runs[i].device_count);
    EXPECT_EQ(again.runs[i].test, original.runs[i].test);
    EXPECT_EQ(again.runs[i].n_prompt, original.runs[i].n_prompt);
    EXPECT_EQ(again.runs[i].n_depth, original.runs[i].n_depth);
    EXPECT_DOUBLE_EQ(again.runs[i].tok_s, original.runs[i].tok_s);
    EXPECT_EQ(again.runs[i].era, original.runs[i].era);
    EXPECT_EQ(again.runs[i].source, original.runs[i].source);
  }
}

TEST(PublicCsv, ReadsRowsAndReportsBlankDepthAndUnknownModels) {
  const RunSet set = load("public-table.csv");
  ASSERT_EQ(set.runs.size(), 4u);
  EXPECT_EQ(set.runs[0].test, RunTest::prefill);
  EXPECT_EQ(set.runs[0].build, "2241453");  // from "(build 2241453; …)"
  EXPECT_EQ(set.runs[0].backend, Backend::llama_cpp);
  EXPECT_EQ(set.runs[2].hardware_id, "rtx-4090");
  EXPECT_EQ(set.runs[2].device_count, 2);
  EXPECT_EQ(set.runs[2].n_gen, 512);
  EXPECT_EQ(set.runs[3].hardware_id, "h100-sxm");
  ASSERT_EQ(set.skipped.size(), 2u);
  EXPECT_EQ(set.skipped[0].index, 3u);
  EXPECT_NE(set.skipped[0].reason.find("n_prompt: blank"), std::string::npos);
  EXPECT_EQ(set.skipped[1].index, 4u);
  EXPECT_NE(set.skipped[1].reason.find("llama-30b"), std::string::npos);
}

// ------------------------------------------------------------------------------------------------ limits

TEST(RunLimits, DeeplyNestedJsonIsRefusedBeforeParsing) {
  const std::string deep = std::string(kMaxRunJsonDepth + 1, '[') + std::string(kMaxRunJsonDepth + 1, ']');
  try {
    (void)parse_runs(deep, "deep.json", cat(), {});
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("nested 33 levels"), std::string::npos) << e.what();
  }
  // Brackets inside strings do not count.
  const std::string quoted = "[{\"hardware\": \"" + std::string(100, '[') + "\"}]";
  EXPECT_NO_THROW((void)parse_runs(quoted, "quoted.json", cat(), {}));
}

TEST(RunLimits, FilesAbove256MiBAreRefusedWithoutReading) {
  const auto path = test::scratch_path("runs-too-large.json");
  {
    std::ofstream out(path);
    out << "[]";
  }
  std::filesystem::resize_file(path, kMaxRunFileBytes + 1);  // sparse: no disk space used
  try {
    (void)load_runs_path(path.string(), cat(), {});
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("larger than 256 MiB"), std::string::npos);
  }
  std::filesystem::remove(path);
}

TEST(RunLimits, MalformedJsonNamesTheFile) {
  try {
    (void)parse_runs("[{\"hardware\": ", "broken.json", cat(), {});
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("broken.json: not valid JSON", 0), 0u) << e.what();
  }
}

}  // namespace
}  // namespace llmfit

// ------------------------------------------------------------------------------------------ streaming

namespace llmfit {
namespace {

/// A pipe whose writer thread sends `text` in writes of the given sizes (cycled), so a reader sees short
/// reads that split records anywhere; path() names its read end as a file (/dev/fd/N), as `<(command)` does.
class PipeFeed {
 public:
  PipeFeed(std::string text, std::vector<std::size_t> chunks) : text_(std::move(text)) {
    previous_sigpipe_ = std::signal(SIGPIPE, SIG_IGN);  // a refused input closes the pipe on its writer
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe");
    read_fd_ = fds[0];
    write_fd_ = fds[1];
    writer_ = std::thread([this, chunks = std::move(chunks)] {
      for (std::size_t at = 0, k = 0; at < text_.size(); ++k) {
        const ssize_t n = ::write(write_fd_, text_.data() + at, std::min(chunks[k % chunks.size()], text_.size() - at));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;  // EPIPE: the reader is gone
        at += static_cast<std::size_t>(n);
        written_ = at;
      }
      ::close(write_fd_);
    });
  }
  PipeFeed(const PipeFeed&) = delete;
  PipeFeed& operator=(const PipeFeed&) = delete;
  ~PipeFeed() { (void)finish(); }

  [[nodiscard]] std::string path() const { return "/dev/fd/" + std::to_string(read_fd_); }
  /// Closes the read end (ending a writer blocked on a full pipe) and returns the bytes written.
  std::size_t finish() {
    if (writer_.joinable()) {
      ::close(read_fd_);
      writer_.join();
      std::signal(SIGPIPE, previous_sigpipe_);
    }
    return written_;
  }

 private:
  std::string text_;
  int read_fd_ = -1;
  int write_fd_ = -1;
  std::atomic<std::size_t> written_{0};
  std::thread writer_;
  void (*previous_sigpipe_)(int) = SIG_DFL;
};

const std::vector<std::size_t> kOddWrites{1, 2, 3, 7, 4096, 65537, 13};  // splits a BOM, lines, records, blocks

/// Everything a reader produced, file names and record numbers included.
std::string describe(const RunSet& set) {
  std::string out = runs_to_json_text(set.runs);
  for (const MeasuredRun& r : set.runs) out += r.file + ":" + std::to_string(r.index) + "\n";
  for (const SkippedRun& s : set.skipped) out += s.file + ":" + std::to_string(s.index) + ": " + s.reason + "\n";
  for (const std::string& f : set.formats) out += f + "\n";
  return out;
}

std::string table_csv(int rows) {
  std::string csv = "\xEF\xBB\xBF\nhardware,hardware_detail,backend,model,quant,test,n_prompt,n_gen,tok_s,source\r\n";
  for (int i = 0; i < rows; ++i)
    csv += std::string(i % 97 == 5 ? "gpu-x" : "rtx-4090") + ",,cuda,llama-3-8b,Q4_K_M,tg,0,128," +
           std::to_string(100 + i % 50) + ".5,https://example.org/r" + std::to_string(i % 13) + (i % 2 ? "\r\n" : "\n") +
           (i % 500 == 0 ? "\n" : "");
  // A row longer than a read block: its source spans blocks.
  csv += "rtx-4090,,cuda,llama-3-8b,Q4_K_M,pp,512,0,9000,https://example.org/" + std::string(150000, 'l');
  return csv;  // no final newline
}

std::string llama_bench_record(int i) {
  return R"({"build_commit": "0104b15", "build_number": )" + std::to_string(i) + R"(, "gpu_info": ")" +
         (i % 89 == 7 ? "NVIDIA GeForce GTX 903" : "NVIDIA GeForce RTX 4090") +
         R"(", "backends": "CUDA", "model_filename": "llama-3-8b-Q4_K_M.gguf", "model_n_params": 8030261248, )" +
         (i % 2 ? R"("n_prompt": 0, "n_gen": 128, "avg_ts": )" + std::to_string(90 + i % 40)
                : R"("n_prompt": 512, "n_gen": 0, "avg_ts": )" + std::to_string(5000 + i % 400)) +
         R"(, "test_time": "2025-08-20T10:00:00Z"})";
}

std::string llama_bench_array(int records) {
  std::string json = "[\n";
  for (int i = 0; i < records; ++i) json += "  " + llama_bench_record(i) + (i + 1 < records ? ",\n" : "\n");
  return json + "]\n";
}

std::string llama_bench_lines(int records) {
  std::string lines;
  for (int i = 0; i < records; ++i) lines += llama_bench_record(i) + (i % 300 == 0 ? "\n\n" : "\n");
  return lines;
}

/// The same runs from the text in memory, the text in a file, and the text through a pipe (written in odd
/// sizes), all read under the same name.
void expect_same_runs_every_way(const std::string& text, const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() / ("llmfit-stream-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / name).string();
  const std::string from_memory = describe(parse_runs(text, path, cat(), {}));
  {
    std::ofstream(path, std::ios::binary) << text;
  }
  const std::string from_file = describe(load_runs_path(path, cat(), {}));
  std::filesystem::remove(path);
  PipeFeed feed(text, kOddWrites);
  std::filesystem::create_symlink(feed.path(), path);  // the pipe under the file's name
  const std::string from_pipe = describe(load_runs_path(path, cat(), {}));
  EXPECT_EQ(feed.finish(), text.size());
  std::filesystem::remove_all(dir);
  EXPECT_EQ(from_file, from_memory) << name;
  EXPECT_EQ(from_pipe, from_memory) << name;
}

TEST(StreamingReader, APipeLargerThanAnyBufferGivesTheRunsOfTheFile) {
  const std::string csv = table_csv(6000);
  const std::string array = llama_bench_array(3000);
  const std::string lines = llama_bench_lines(3000);
  for (const std::string* text : {&csv, &array, &lines}) ASSERT_GT(text->size(), 256u << 10);
  expect_same_runs_every_way(csv, "table.csv");
  expect_same_runs_every_way(array, "bench.json");
  expect_same_runs_every_way(lines, "bench.jsonl");
  // What was read: every row and record, the skipped ones by their number.
  const RunSet table = parse_runs(csv, "table.csv", cat(), {});
  EXPECT_EQ(table.runs.size() + table.skipped.size(), 6001u);
  EXPECT_EQ(table.runs.back().source.size(), 20u + 150000u);  // the row that spans read blocks, whole
  EXPECT_EQ(table.skipped.front().index, 5u);
  const RunSet bench = parse_runs(lines, "bench.jsonl", cat(), {});
  EXPECT_EQ(bench.runs.size() + bench.skipped.size(), 3000u);
  EXPECT_EQ(bench.skipped.front().index, 8u);  // record 7 on line 9: a blank line follows line 1
  EXPECT_EQ(bench.formats.front(), "bench.jsonl: llama-bench (JSON lines)");
}

TEST(StreamingReader, TheCapRefusesAPipeMidStream) {
  std::string text;
  while (text.size() < (3u << 20)) text += "a line of text that is not blank and not short\n";  // 47 bytes
  PipeFeed feed(text, {4096});
  std::size_t lines = 0;
  try {
    io::TextStream in(feed.path(), 1u << 20, "split it");
    for (std::string_view line; in.next_line(line);) ++lines;
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), feed.path() + ": larger than 1 MiB; split it");
  }
  EXPECT_GT(lines, 1000u) << "refused before reading lines: not while streaming";
  EXPECT_LE(lines * 47, 1u << 20) << "read past the cap";
  EXPECT_LT(feed.finish(), text.size()) << "the pipe was read to its end before it was refused";
}

TEST(StreamingReader, LinesAreTheSameWhateverTheReadsSplit) {
  const std::string text = "\xEF\xBB\xBF \n\t\r\n{first\r\n\n" + std::string(200000, 'x') + "\nlast";
  const auto lines_of = [](io::TextStream& in) {
    std::vector<std::string> out{std::string(1, static_cast<char>(in.skip_bom_and_space()))};
    for (std::string_view line; in.next_line(line);) out.emplace_back(line);
    out.push_back(in.line_had_newline() ? "newline" : "no newline");
    return out;
  };
  const std::vector<std::string> expected{"{", "{first\r", "", std::string(200000, 'x'), "last", "no newline"};
  io::TextStream memory(text, "memory");
  EXPECT_EQ(lines_of(memory), expected);
  PipeFeed feed(text, kOddWrites);
  io::TextStream piped(feed.path(), 1u << 20, "too large");
  EXPECT_EQ(lines_of(piped), expected);
  io::TextStream empty(std::string_view(" \n\n\xEF\xBB\xBF"), "spaces");
  EXPECT_EQ(empty.skip_bom_and_space(), 0xEF);  // a BOM only counts at the start
}

TEST(StreamingReader, AMalformedElementMidArrayIsNamedByItsIndexAndLine) {
  std::string array = llama_bench_array(5000);
  // Element 2500 (on line 2502): a rate that is not a number.
  const std::size_t at = array.find(llama_bench_record(2500));
  ASSERT_NE(at, std::string::npos);
  const std::size_t rate = array.find("\"avg_ts\": ", at) + 10;
  array.replace(rate, array.find(',', rate) - rate, "\"fast\"");
  PipeFeed feed(array, kOddWrites);
  const RunSet set = load_runs_path(feed.path(), cat(), {});
  ASSERT_EQ(feed.finish(), array.size());
  EXPECT_EQ(set.runs.size() + set.skipped.size(), 5000u);
  const auto bad = std::find_if(set.skipped.begin(), set.skipped.end(), [](const SkippedRun& s) { return s.index == 2500; });
  ASSERT_NE(bad, set.skipped.end());
  EXPECT_EQ(bad->reason.rfind("avg_ts: must be a number", 0), 0u) << bad->reason;
  RunDefaults strict;
  strict.strict = true;
  try {
    (void)parse_runs(array, "big.json", cat(), strict);
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    // Record 7 (an unknown GPU) comes first in the file.
    EXPECT_EQ(std::string(e.what()).rfind("big.json: record 7: gpu_info:", 0), 0u) << e.what();
  }
  // A syntax error mid-array stops the file there, naming its line; --strict does not hide it behind a
  // record error earlier in the file.
  std::string broken = llama_bench_array(5000);
  broken.insert(broken.find(llama_bench_record(3000)) + 1, "oops ");
  for (const RunDefaults& defaults : {RunDefaults{}, strict}) {
    PipeFeed pipe(broken, kOddWrites);
    try {
      (void)load_runs_path(pipe.path(), cat(), defaults);
      FAIL() << "expected InputError";
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find(": not valid JSON: parse error at line 3002, column"), std::string::npos)
          << e.what();
    }
  }
  // JSON lines: a broken line is a record that is skipped, by its line.
  std::string lines = llama_bench_lines(3000);
  const std::size_t line_at = lines.find(llama_bench_record(2000));
  lines.insert(line_at + 1, "oops ");
  const RunSet from_lines = parse_runs(lines, "big.jsonl", cat(), {});
  const auto broken_line = std::find_if(from_lines.skipped.begin(), from_lines.skipped.end(),
                                        [](const SkippedRun& s) { return s.reason.find("not a JSON object") != std::string::npos; });
  ASSERT_NE(broken_line, from_lines.skipped.end());
  const auto line_number = static_cast<std::size_t>(std::count(lines.begin(), lines.begin() + static_cast<std::ptrdiff_t>(line_at), '\n')) + 1;
  EXPECT_EQ(broken_line->reason, "line " + std::to_string(line_number) + " is not a JSON object");
  EXPECT_EQ(broken_line->index, line_number - 1);
}

TEST(StreamingReader, NestingDeepInABigInputIsMeasuredBeforeItIsParsed) {
  // Past the first read block: 40 levels deep, then more records the parser never sees.
  std::string array = llama_bench_array(2000);
  array.insert(array.find(llama_bench_record(1000)), std::string(40, '[') + std::string(40, ']') + ",\n  ");
  ASSERT_GT(array.find(std::string(40, '[')), 65536u);
  for (int way = 0; way < 2; ++way) {
    PipeFeed feed(array, kOddWrites);
    try {
      (void)(way == 0 ? parse_runs(array, "deep.json", cat(), {}) : load_runs_path(feed.path(), cat(), {}));
      FAIL() << "expected InputError";
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find(": JSON nested 41 levels deep; run files nest at most 32"), std::string::npos)
          << e.what();
    }
  }
}

}  // namespace
}  // namespace llmfit

// ------------------------------------------------------------------------------------------ shared text

namespace llmfit {
namespace {

// Runs read from one file share one copy of each repeated text (file name, source, ids): a million rows
// must not hold a million copies. Held texts are released with their last holder.
TEST(SharedTextSharing, RepeatedRunTextsAreHeldOnceAndReleasedWithTheirLastHolder) {
  const std::string unique = "https://example.org/shared-text-test";  // held by no other run
  const std::size_t before = SharedText::distinct_count();
  {
    std::string csv = "hardware,hardware_detail,backend,model,quant,test,n_prompt,n_gen,tok_s,source\n";
    for (int i = 0; i < 500; ++i) csv += "rtx-4090,,cuda,llama-3-8b,Q4_K_M,tg,0,128," + std::to_string(100 + i % 7) + "," + unique + "\n";
    const RunSet set = parse_runs(csv, "many-rows.csv", cat(), {});
    ASSERT_EQ(set.runs.size(), 500u);
    // The file name, the source and the three ids: a handful of new texts, not 500 × 5.
    EXPECT_LE(SharedText::distinct_count(), before + 5);
    EXPECT_EQ(set.runs.front().source, unique);
    EXPECT_EQ(&set.runs.front().source.str(), &set.runs.back().source.str());
    const MeasuredRun copy = set.runs[7];
    EXPECT_EQ(copy.file, "many-rows.csv");
    EXPECT_EQ("at " + copy.file + ":" + std::to_string(copy.index), "at many-rows.csv:7");
  }
  EXPECT_EQ(SharedText::distinct_count(), before) << "texts outlived every run that held them";
  EXPECT_TRUE(SharedText().empty());
  EXPECT_EQ(SharedText(""), SharedText());
  SharedText a = "x-shared";
  SharedText b = a;
  a = SharedText("y-shared");
  EXPECT_EQ(b, "x-shared");
  EXPECT_EQ(a, "y-shared");
  b = std::move(a);
  EXPECT_EQ(b, "y-shared");
}

}  // namespace
}  // namespace llmfit

namespace llmfit {
namespace {

// ------------------------------------------------------------------------------------------------ text logs

TEST(TextLogs, MlxLmBenchmarkGivesPrefillAndDecodeAfterThePrompt) {
  RunDefaults defaults;
  defaults.hardware = "m2-max";
  defaults.model = "llama-3.1-8b-mlx-4bit";
  const RunSet set = load("mlx-lm-benchmark.txt", defaults);
  ASSERT_EQ(set.runs.size(), 2u) << (set.skipped.empty() ? "" : set.skipped.front().reason);
  EXPECT_EQ(set.runs[0].test, RunTest::prefill);
  EXPECT_EQ(set.runs[0].n_prompt, 512);
  EXPECT_DOUBLE_EQ(set.runs[0].tok_s, 1400.0);
  EXPECT_NEAR(set.runs[0].stddev_tok_s, 1.7678, 1e-3);  // sample deviation of the two trials
  EXPECT_EQ(set.runs[1].test, RunTest::decode);
  EXPECT_EQ(set.runs[1].n_gen, 128);
  EXPECT_EQ(set.runs[1].n_depth, 512);
  EXPECT_DOUBLE_EQ(set.runs[1].tok_s, 62.0);
  EXPECT_EQ(set.runs[1].backend, Backend::mlx);
  EXPECT_EQ(set.runs[1].api, DeviceApi::metal);
  EXPECT_EQ(detect_run_format(read_text(kRuns + "mlx-lm-benchmark.txt"), "a"), RunFormat::mlx_benchmark);
}

TEST(TextLogs, MlxLmBenchmarkWithoutMachineOrModelIsSkippedSayingWhich) {
  RunDefaults no_hw;
  no_hw.model = "llama-3.1-8b-mlx-4bit";
  const RunSet a = load("mlx-lm-benchmark.txt", no_hw);
  ASSERT_EQ(a.skipped.size(), 1u);
  EXPECT_EQ(referenced_fields(a.skipped[0].reason), std::vector<std::string>{"hardware"}) << a.skipped[0].reason;
  RunDefaults no_model;
  no_model.hardware = "m2-max";
  const RunSet b = load("mlx-lm-benchmark.txt", no_model);
  ASSERT_EQ(b.skipped.size(), 1u);
  EXPECT_NE(b.skipped[0].reason.find("model"), std::string::npos) << b.skipped[0].reason;
  const RunSet batched = parse_runs("Timing with prompt_tokens=512, generation_tokens=128, batch_size=8.\n"
                                    "Averages: prompt_tps=1.0, generation_tps=2.0, peak_memory=3.0\n",
                                    "b.txt", cat(), RunDefaults{"m2-max", "llama-3.1-8b-mlx-4bit", false});
  ASSERT_EQ(batched.skipped.size(), 1u);
  EXPECT_NE(batched.skipped[0].reason.find("batch_size"), std::string::npos);
}

// A stated count that is no count (huge, negative, fractional) is refused naming its key, never cast: found by
// fuzz_runs (generation_tokens=888…8 was converted to an integer unchecked).
TEST(TextLogs, MlxLmBenchmarkCountsAreWholeNumbersInRange) {
  for (const char* timing : {"prompt_tokens=512, generation_tokens=1e300, batch_size=1",
                             "prompt_tokens=-5, generation_tokens=128, batch_size=1",
                             "prompt_tokens=512, generation_tokens=12.5, batch_size=1",
                             "prompt_tokens=512, generation_tokens=128, batch_size=9e99"}) {
    const std::string text = std::string("Timing with ") + timing + ".\n" +
                             "Averages: prompt_tps=1.0, generation_tps=2.0, peak_memory=3.0\n";
    const RunSet set = parse_runs(text, "c.txt", cat(), RunDefaults{"m2-max", "llama-3.1-8b-mlx-4bit", false});
    EXPECT_TRUE(set.runs.empty()) << timing;  // nor are the block's averages taken with a stale count
    ASSERT_FALSE(set.skipped.empty()) << timing;
    EXPECT_NE(set.skipped[0].reason.find("not a whole number"), std::string::npos) << set.skipped[0].reason;
  }
}

TEST(TextLogs, OllamaVerboseRatesComeFromCountsAndGoDurations) {
  RunDefaults defaults;
  defaults.hardware = "m2-max";
  defaults.model = "llama-3.1-8b-q4_k_m";
  const RunSet set = load("ollama-verbose.txt", defaults);
  ASSERT_EQ(set.runs.size(), 4u) << (set.skipped.empty() ? "" : set.skipped.front().reason);
  EXPECT_EQ(set.runs[0].test, RunTest::prefill);
  EXPECT_NEAR(set.runs[0].tok_s, 26 / 0.130, 1e-9);
  EXPECT_EQ(set.runs[1].test, RunTest::decode);
  EXPECT_NEAR(set.runs[1].tok_s, 50.0, 1e-9);
  EXPECT_EQ(set.runs[1].n_depth, 26);
  EXPECT_EQ(set.runs[1].backend, Backend::ollama);
  EXPECT_NEAR(set.runs[2].tok_s, 10 / 0.050, 1e-9);
  EXPECT_NEAR(set.runs[3].tok_s, 50.0, 1e-9);
  const RunSet bad = parse_runs("total duration: 1s\neval count: 10 token(s)\neval duration: 3 parsecs\n", "v.txt", cat(),
                                defaults);
  ASSERT_EQ(bad.skipped.size(), 1u);
  EXPECT_NE(bad.skipped[0].reason.find("eval duration"), std::string::npos) << bad.skipped[0].reason;
}

// The Vulkan driver (issue 20): read from llmfit's schema, written back, and refused when it is no driver llmfit knows
// or the run is not a Vulkan run; a record without it states none.
TEST(RunConditions, VulkanDriverIsReadCheckedAndWritten) {
  const std::string text =
      R"([{"hardware": "radeon-ai-pro-r9700", "model": "llama-2-7b", "quant": "q4_0", "backend": "llama.cpp",)"
      R"( "api": "vulkan", "n_prompt": 512, "prefill_tok_s": 3000, "vulkan_driver": "amdvlk"}])";
  const RunSet set = parse_runs(text, "v.json", cat(), {});
  ASSERT_EQ(set.runs.size(), 1u) << (set.skipped.empty() ? "" : set.skipped.front().reason);
  ASSERT_TRUE(set.runs[0].vulkan_driver.has_value());
  EXPECT_EQ(*set.runs[0].vulkan_driver, VulkanDriver::amdvlk);
  const std::string written = runs_to_json_text(set.runs);
  EXPECT_NE(written.find("\"vulkan_driver\":\"amdvlk\""), std::string::npos) << written;
  std::string radv = text;
  radv.replace(radv.find("amdvlk"), 6, "radv");
  EXPECT_EQ(parse_runs(radv, "v.json", cat(), {}).runs.at(0).vulkan_driver, VulkanDriver::radv);
  std::string none = text;
  none.erase(none.find(", \"vulkan_driver\""), std::string(", \"vulkan_driver\": \"amdvlk\"").size());
  const RunSet unstated = parse_runs(none, "v.json", cat(), {});
  ASSERT_EQ(unstated.runs.size(), 1u);
  EXPECT_FALSE(unstated.runs[0].vulkan_driver.has_value());
  EXPECT_EQ(runs_to_json_text(unstated.runs).find("vulkan_driver"), std::string::npos);
  for (const auto& [from, to] : {std::pair<std::string, std::string>{"\"amdvlk\"", "\"mesa\""},
                                 {"\"amdvlk\"", "3"},
                                 {"\"vulkan\"", "\"rocm\""}}) {
    std::string bad = text;
    bad.replace(bad.find(from), from.size(), to);
    const RunSet refused = parse_runs(bad, "v.json", cat(), {});
    ASSERT_EQ(refused.skipped.size(), 1u) << bad;
    EXPECT_EQ(refused.skipped[0].reason.rfind("vulkan_driver", 0), 0u) << refused.skipped[0].reason;
  }
}

TEST(RunConditions, NUbatchAndThreadsAreReadCheckedAndWritten) {
  const std::string text =
      R"([{"hardware": "ryzen-9-7950x", "model": "llama-3.1-8b", "quant": "q4_0", "backend": "llama.cpp", "api": "cpu",)"
      R"( "n_gen": 128, "decode_tok_s": 20, "n_ubatch": 2048, "n_threads": 2, "flash_attn": true}])";
  const RunSet set = parse_runs(text, "c.json", cat(), {});
  ASSERT_EQ(set.runs.size(), 1u) << (set.skipped.empty() ? "" : set.skipped.front().reason);
  EXPECT_EQ(set.runs[0].n_ubatch, 2048);
  EXPECT_EQ(set.runs[0].n_threads, 2);
  const std::string written = runs_to_json_text(set.runs);
  EXPECT_NE(written.find("\"n_ubatch\":2048"), std::string::npos) << written;
  EXPECT_NE(written.find("\"n_threads\":2"), std::string::npos) << written;
  std::string bad = text;
  bad.replace(bad.find("\"n_threads\": 2"), 14, "\"n_threads\": 0.5");
  const RunSet refused = parse_runs(bad, "c.json", cat(), {});
  ASSERT_EQ(refused.skipped.size(), 1u);
  EXPECT_NE(refused.skipped[0].reason.find("n_threads"), std::string::npos) << refused.skipped[0].reason;
}

// ------------------------------------------------------------------------------------------------ batched

TEST(BatchedFields, AreReadPerTestCheckedAndRoundTripThroughTheWriter) {
  const std::string text =
      R"([{"hardware": "h100-sxm", "model": "llama-3.1-8b", "quant": "q4_k_m", "backend": "vllm", "n_prompt": 1000,)"
      R"( "n_gen": 1000, "batch": 64, "prefill_tok_s": 9000, "decode_tok_s": 3100, "rate_includes_prefill": true,)"
      R"( "per_user_decode_tok_s": 52.5, "mean_ttft_ms": 420, "median_ttft_ms": 380, "p99_ttft_ms": 1900,)"
      R"( "mean_tpot_ms": 19.1, "median_tpot_ms": 18.7, "p99_tpot_ms": 30.2, "requests_per_s": 3.1,)"
      R"( "success_rate": 0.98, "shared_prompt": false},)"
      R"( {"hardware": "rtx-4090", "model": "llama-3.1-8b-q4_k_m", "backend": "llama.cpp", "n_gen": 128,)"
      R"( "decode_tok_s": 150},)"
      R"( {"hardware": "rtx-4090", "model": "llama-3.1-8b-q4_k_m", "backend": "llama.cpp", "n_gen": 128,)"
      R"( "decode_tok_s": 900, "batch": 8, "identical_tokens": true}])";
  const RunSet set = parse_runs(text, "b.json", cat(), {});
  ASSERT_EQ(set.runs.size(), 4u) << (set.skipped.empty() ? "" : set.skipped.front().reason);
  const MeasuredRun& prefill = set.runs[0];
  const MeasuredRun& decode = set.runs[1];
  EXPECT_EQ(prefill.test, RunTest::prefill);
  EXPECT_EQ(prefill.batch, 64);
  EXPECT_EQ(prefill.n_prompt, 1000);  // per sequence
  EXPECT_FALSE(prefill.rate_includes_prefill);       // the decode's own figures stay with the decode
  EXPECT_DOUBLE_EQ(prefill.per_user_decode_tok_s, 0);
  EXPECT_DOUBLE_EQ(prefill.ttft_ms.median, 380);
  EXPECT_EQ(decode.test, RunTest::decode);
  EXPECT_EQ(decode.batch, 64);
  EXPECT_EQ(decode.n_depth, 1000);
  EXPECT_TRUE(decode.rate_includes_prefill);
  EXPECT_DOUBLE_EQ(decode.per_user_decode_tok_s, 52.5);
  EXPECT_DOUBLE_EQ(decode.ttft_ms.p99, 1900);
  EXPECT_DOUBLE_EQ(decode.tpot_ms.mean, 19.1);
  EXPECT_DOUBLE_EQ(decode.requests_per_s, 3.1);
  EXPECT_DOUBLE_EQ(decode.success_rate, 0.98);
  // A record that says nothing of batching is a batch-1 run, as before.
  const MeasuredRun& single = set.runs[2];
  EXPECT_EQ(single.batch, 1);
  EXPECT_FALSE(single.ttft_ms.stated());
  EXPECT_DOUBLE_EQ(single.success_rate, 1);
  EXPECT_FALSE(single.identical_tokens);
  // A batch of identical tokens: llama-batched-bench's run condition.
  EXPECT_EQ(set.runs[3].batch, 8);
  EXPECT_TRUE(set.runs[3].identical_tokens);

  const std::string written = runs_to_json_text(set.runs);
  const RunSet again = parse_runs(written, "again.json", cat(), {});
  ASSERT_EQ(again.runs.size(), 4u) << written;
  for (std::size_t i = 0; i < 4; ++i) {
    const MeasuredRun& a = again.runs[i];
    const MeasuredRun& b = set.runs[i];
    EXPECT_EQ(a.batch, b.batch);
    EXPECT_EQ(a.rate_includes_prefill, b.rate_includes_prefill);
    EXPECT_EQ(a.identical_tokens, b.identical_tokens);
    EXPECT_DOUBLE_EQ(a.per_user_decode_tok_s, b.per_user_decode_tok_s);
    EXPECT_DOUBLE_EQ(a.ttft_ms.mean, b.ttft_ms.mean);
    EXPECT_DOUBLE_EQ(a.ttft_ms.p99, b.ttft_ms.p99);
    EXPECT_DOUBLE_EQ(a.tpot_ms.median, b.tpot_ms.median);
    EXPECT_DOUBLE_EQ(a.requests_per_s, b.requests_per_s);
    EXPECT_DOUBLE_EQ(a.success_rate, b.success_rate);
  }
  EXPECT_EQ(written.find("\"batch\":1,"), std::string::npos) << "batch-1 runs are written as before";
}

TEST(BatchedFields, BadValuesAreRefusedNamingTheField) {
  const std::string base =
      R"({"hardware": "rtx-4090", "model": "llama-3.1-8b-q4_k_m", "backend": "llama.cpp", "n_gen": 128, "decode_tok_s": 400)";
  const std::vector<std::pair<std::string, std::string>> cases{
      {R"(, "batch": 0)", "batch: must be a whole number of sequences from 1 to 65536"},
      {R"(, "batch": 2.5)", "batch: must be a whole number"},
      {R"(, "batch": 1e9)", "batch: must be a whole number"},
      {R"(, "batch": "8")", "batch: must be a number"},
      {R"(, "shared_prompt": 1)", "shared_prompt: must be true or false"},
      {R"(, "identical_tokens": "yes")", "identical_tokens: must be true or false"},
      {R"(, "per_user_decode_tok_s": 0)", "per_user_decode_tok_s: must be above 0"},
      {R"(, "per_user_decode_tok_s": 1e300)", "per_user_decode_tok_s: a decode rate must be from"},
      {R"(, "mean_ttft_ms": -3)", "mean_ttft_ms: must be above 0"},
      {R"(, "p99_tpot_ms": 1e12)", "p99_tpot_ms: must be above 0 and at most"},
      {R"(, "median_ttft_ms": 50, "p99_ttft_ms": 40)", "p99_ttft_ms: 40 is below the median 50"},
      {R"(, "requests_per_s": 0)", "requests_per_s: must be above 0"},
      {R"(, "success_rate": 0)", "success_rate: must be above 0 and at most 1"},
      {R"(, "success_rate": 1.5)", "success_rate: must be above 0 and at most 1"},
      {R"(, "batch_size": 4)", "did you mean 'batch'"},
  };
  for (const auto& [extra, reason] : cases) {
    const RunSet set = parse_runs(base + extra + "}\n", "bad.jsonl", cat(), {});
    EXPECT_TRUE(set.runs.empty()) << extra;
    ASSERT_EQ(set.skipped.size(), 1u) << extra;
    EXPECT_EQ(set.skipped[0].file, "bad.jsonl");
    EXPECT_NE(set.skipped[0].reason.find(reason), std::string::npos) << extra << " -> " << set.skipped[0].reason;
  }
  // A prefill-only record cannot carry a decode's figures.
  const RunSet prefill = parse_runs(
      R"({"hardware": "rtx-4090", "model": "llama-3.1-8b-q4_k_m", "backend": "llama.cpp", "n_prompt": 512,)"
      R"( "prefill_tok_s": 9000, "rate_includes_prefill": true})",
      "p.jsonl", cat(), {});
  ASSERT_EQ(prefill.skipped.size(), 1u);
  EXPECT_NE(prefill.skipped[0].reason.find("rate_includes_prefill"), std::string::npos) << prefill.skipped[0].reason;
}

// ------------------------------------------------------------------------------------------------ llama-batched-bench

RunDefaults batched_bench_flags() {
  RunDefaults d;
  d.hardware = "m2-ultra";
  d.model = "llama-2-7b-f16";  // the README's sample: LLaMA 7B F16
  return d;
}

TEST(BatchedBench, ReadmeTableGivesAPrefillAndADecodePerRow) {
  // llama.cpp tools/batched-bench/README.md, "Sample results": 12 rows, PP 128, TG 128/256, B 1-32.
  const RunSet set = load("llama-batched-bench-readme.md", batched_bench_flags());
  ASSERT_TRUE(set.skipped.empty()) << set.skipped.front().reason;
  ASSERT_EQ(set.runs.size(), 24u);
  ASSERT_EQ(set.formats.size(), 1u);
  EXPECT_NE(set.formats[0].find("llama-batched-bench"), std::string::npos) << set.formats[0];
  // Row 4: PP 128, TG 128, B 8: 8 prompts at 1363.27 t/s, then 8 sequences at 139.43 t/s in all.
  const MeasuredRun& prefill = set.runs[6];
  const MeasuredRun& decode = set.runs[7];
  EXPECT_EQ(prefill.index, 3u);
  EXPECT_EQ(prefill.test, RunTest::prefill);
  EXPECT_EQ(prefill.batch, 8);
  EXPECT_EQ(prefill.n_prompt, 128);
  EXPECT_DOUBLE_EQ(prefill.tok_s, 1363.27);
  EXPECT_EQ(decode.test, RunTest::decode);
  EXPECT_EQ(decode.batch, 8);
  EXPECT_EQ(decode.n_gen, 128);
  EXPECT_EQ(decode.n_depth, 128);  // each sequence decodes after its own prompt
  EXPECT_DOUBLE_EQ(decode.tok_s, 139.43);
  EXPECT_FALSE(decode.shared_prompt);
  // The table states no build: read as today's batched-bench, which draws each sequence's tokens at random.
  EXPECT_FALSE(decode.identical_tokens);
  EXPECT_FALSE(set.runs[1].identical_tokens) << "batch 1: one sequence, nothing shared";
  EXPECT_FALSE(decode.rate_includes_prefill);
  EXPECT_EQ(decode.hardware_id, "m2-ultra");
  EXPECT_EQ(decode.model_id, "llama-2-7b");
  EXPECT_EQ(decode.quant_id, "f16");
  EXPECT_EQ(decode.backend, Backend::llama_cpp);
  EXPECT_EQ(decode.api, DeviceApi::metal);
  // B = 1 rows are batch-1 runs like any other.
  EXPECT_EQ(set.runs[0].batch, 1);
  EXPECT_EQ(set.runs[1].batch, 1);
  EXPECT_EQ(set.runs.back().batch, 32);
  EXPECT_EQ(set.runs.back().n_gen, 256);
}

TEST(BatchedBench, WithoutHwOrModelEveryRowIsSkippedSayingWhich) {
  const RunSet set = load("llama-batched-bench-readme.md");
  EXPECT_TRUE(set.runs.empty());
  ASSERT_EQ(set.skipped.size(), 12u);
  EXPECT_NE(set.skipped[0].reason.find("llama-batched-bench does not name the machine"), std::string::npos)
      << set.skipped[0].reason;
  RunDefaults hw_only;
  hw_only.hardware = "m2-ultra";
  const RunSet no_model = load("llama-batched-bench-readme.md", hw_only);
  ASSERT_FALSE(no_model.skipped.empty());
  EXPECT_NE(no_model.skipped[0].reason.find("llama-3.1-8b-q4_k_m"), std::string::npos) << no_model.skipped[0].reason;
}

TEST(BatchedBench, JsonLinesCarryTheSettingsOfEachRow) {
  const RunSet set = load("llama-batched-bench-readme.jsonl", batched_bench_flags());
  ASSERT_TRUE(set.skipped.empty()) << set.skipped.front().reason;
  ASSERT_EQ(set.runs.size(), 4u);
  EXPECT_NE(set.formats[0].find("llama-batched-bench (JSON lines)"), std::string::npos) << set.formats[0];
  const MeasuredRun& prefill = set.runs[2];
  const MeasuredRun& decode = set.runs[3];
  EXPECT_EQ(prefill.batch, 2);
  EXPECT_NEAR(prefill.tok_s, 605.770935, 1e-9);
  EXPECT_EQ(prefill.n_ubatch, 512);
  EXPECT_EQ(prefill.n_threads, 8);
  EXPECT_EQ(decode.batch, 2);
  EXPECT_NEAR(decode.tok_s, 23.050371, 1e-9);
  ASSERT_TRUE(decode.flash_attn.has_value());
  EXPECT_FALSE(*decode.flash_attn);
  EXPECT_EQ(decode.index, 1u);
}

TEST(BatchedBench, IsNotMistakenForLlamaBenchNorTheOtherWay) {
  EXPECT_EQ(detect_run_format(read_text(kRuns + "llama-batched-bench-readme.md"), "a"), RunFormat::llama_batched_bench);
  const std::string settings =
      "\nmain: n_kv_max = 4096, n_batch = 2048, n_ubatch = 512, flash_attn = -1, is_pp_shared = 0, is_tg_separate = 0, "
      "n_gpu_layers = -1, n_threads = 2, n_threads_batch = 2\n\n";
  EXPECT_EQ(detect_run_format(settings, "a"), RunFormat::llama_batched_bench);
  EXPECT_EQ(detect_run_format("build: 7000 (de3ff81) with cc (Debian 12.2.0-14) 12.2.0 for x86_64-linux-gnu\n", "a"),
            RunFormat::llama_batched_bench);
  // llama-bench files are still llama-bench, record by record.
  for (const char* name : {"llama-bench-cuda.json", "llama-bench-metal.jsonl", "llama-bench-2024.json"}) {
    RunDefaults d;
    d.hardware = "m2-max";
    const RunSet set = load(name, d);
    ASSERT_FALSE(set.formats.empty());
    EXPECT_EQ(set.formats[0].find("batched"), std::string::npos) << set.formats[0];
    EXPECT_NE(set.formats[0].find("llama-bench"), std::string::npos) << set.formats[0];
  }
  const RunSet jsonl = load("llama-batched-bench-readme.jsonl", batched_bench_flags());
  EXPECT_EQ(jsonl.formats[0].find("llama-bench +"), std::string::npos) << jsonl.formats[0];
  // A file that looks like neither is refused naming what was expected.
  try {
    (void)parse_runs("build: 7000 (de3ff81) with cc for x86_64\nllama_model_loader: loaded\n", "log.txt", cat(), {});
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("log.txt: no llama-batched-bench table"), std::string::npos) << e.what();
  }
}

TEST(BatchedBench, SharedPromptAndSeparateDecodeAreReadFromTheSettings) {
  const std::string text =
      "main: n_kv_max = 4096, n_batch = 2048, n_ubatch = 256, flash_attn = 1, is_pp_shared = 1, is_tg_separate = 0, "
      "n_gpu_layers = 99, n_threads = 4, n_threads_batch = 8\n\n"
      "|    PP |     TG |    B |   N_KV |   T_PP s | S_PP t/s |   T_TG s | S_TG t/s |      T s |    S t/s |\n"
      "|-------|--------|------|--------|----------|----------|----------|----------|----------|----------|\n"
      "|   512 |    128 |    4 |   1024 |    0.400 |  1280.00 |    4.000 |   128.00 |    4.400 |   232.73 |\n"
      "\nmain: n_kv_max = 4096, n_batch = 2048, n_ubatch = 256, flash_attn = 0, is_pp_shared = 0, is_tg_separate = 1, "
      "n_gpu_layers = 99, n_threads = 4, n_threads_batch = 8\n\n"
      "|    PP |     TG |    B |   N_KV |   T_PP s | S_PP t/s |   T_TG s | S_TG t/s |      T s |    S t/s |\n"
      "|-------|--------|------|--------|----------|----------|----------|----------|----------|----------|\n"
      "|   128 |     64 |    4 |    768 |    0.400 |  1280.00 |    8.000 |    32.00 |    8.400 |    91.43 |\n";
  const RunSet set = parse_runs(text, "pps.txt", cat(), batched_bench_flags());
  ASSERT_TRUE(set.skipped.empty()) << set.skipped.front().reason;
  ASSERT_EQ(set.runs.size(), 4u);
  // One shared 512-token prompt, prefilled once: a batch-1 prefill; then 4 sequences decode on it.
  EXPECT_EQ(set.runs[0].batch, 1);
  EXPECT_EQ(set.runs[0].n_threads, 8);  // prompt batches run on n_threads_batch
  EXPECT_EQ(set.runs[0].n_ubatch, 256);
  EXPECT_EQ(set.runs[1].batch, 4);
  EXPECT_TRUE(set.runs[1].shared_prompt);
  EXPECT_EQ(set.runs[1].n_threads, 4);
  EXPECT_TRUE(*set.runs[1].flash_attn);
  // -tgs: the 4 sequences decoded one after another, each step one token: batch 1.
  EXPECT_EQ(set.runs[2].batch, 4);
  EXPECT_EQ(set.runs[3].batch, 1);
  EXPECT_FALSE(set.runs[3].identical_tokens);
  EXPECT_FALSE(*set.runs[3].flash_attn);
  EXPECT_NE(set.runs[3].note.str().find("one after another"), std::string::npos);
}

TEST(BatchedBench, MalformedRowsAreNamedByRowAndColumn) {
  const std::string header =
      "|    PP |     TG |    B |   N_KV |   T_PP s | S_PP t/s |   T_TG s | S_TG t/s |      T s |    S t/s |\n"
      "|-------|--------|------|--------|----------|----------|----------|----------|----------|----------|\n";
  const std::string good = "|   128 |    128 |    2 |    512 |    0.198 |  1295.19 |    5.029 |    50.90 |    5.227 |    97.95 |\n";
  const std::vector<std::pair<std::string, std::string>> cases{
      {"|   128 |    128 |    2 |    512 |    0.198 |  1295.19 |    5.029 |      abc |    5.227 |    97.95 |\n",
       "S_TG t/s: 'abc' is not a number"},
      {"|   128 |    128 |    2 |    999 |    0.198 |  1295.19 |    5.029 |    50.90 |    5.227 |    97.95 |\n",
       "N_KV: 999 is neither"},
      {"|   128 |    128 |    2 |    512 |    0.198 |  1295.19 |    5.029 |   509.00 |    5.227 |    97.95 |\n",
       "S_TG t/s: 509 t/s over 5.029 s is not the 256 tokens"},
      {"|   128 |    128 |    0 |      0 |    0.198 |  1295.19 |    5.029 |    50.90 |    5.227 |    97.95 |\n", "B: must be"},
      {"|  -128 |    128 |    2 |    512 |    0.198 |  1295.19 |    5.029 |    50.90 |    5.227 |    97.95 |\n",
       "PP: '-128' is not a token count"},
      {"|   128 |    128 |    2 |    512 |    0.198 |  1295.19 |    5.029 |    50.90 |\n", "8 cells, the table header has 10"},
      {"|   128 |    128 |    2 |    512 |    0.000 |      inf |    5.029 |    50.90 |    5.227 |    97.95 |\n",
       "S_PP t/s: 'inf' is not a number"},
      {"|   128 |    128 |    2 |    512 |    0.198 |  1295.19 |    0.000 | 1e300000 |    5.227 |    97.95 |\n",
       "S_TG t/s"},
  };
  for (const auto& [row, reason] : cases) {
    const RunSet set = parse_runs(header + good + row, "bad.md", cat(), batched_bench_flags());
    EXPECT_EQ(set.runs.size(), 2u) << row;
    ASSERT_EQ(set.skipped.size(), 1u) << row;
    EXPECT_EQ(set.skipped[0].index, 1u);
    EXPECT_NE(set.skipped[0].reason.find(reason), std::string::npos) << row << " -> " << set.skipped[0].reason;
    RunDefaults strict = batched_bench_flags();
    strict.strict = true;
    try {
      (void)parse_runs(header + good + row, "bad.md", cat(), strict);
      ADD_FAILURE() << "expected InputError for " << row;
    } catch (const InputError& e) {
      const std::string message = e.what();
      EXPECT_EQ(message.rfind("bad.md: row 2: ", 0), 0u) << message;
      EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    }
  }
  // A header without a column the reader needs, or a broken settings line, is an error of the file.
  EXPECT_THROW((void)parse_runs("|    PP |     TG |    B |   N_KV |   T_PP s | S_PP t/s |   T_TG s | S_TGX |\n", "h.md", cat(),
                                batched_bench_flags()),
               InputError);
  EXPECT_THROW((void)parse_runs("main: n_kv_max = 4096, n_ubatch = 0, is_pp_shared = 0\n" + header + good, "s.md", cat(),
                                batched_bench_flags()),
               InputError);
}

TEST(BatchedBench, BuildsBeforeRandomTokensDecodeTheSameTokenInEverySequence) {
  // llama-batched-bench decoded token 0 in every sequence until llama.cpp PR #15398 (Aug 2025) and random tokens
  // since: the build in the load log decides whether a batch's sequences route alike.
  const std::string table =
      "main: n_kv_max = 4096, n_batch = 2048, n_ubatch = 512, flash_attn = 1, is_pp_shared = 0, is_tg_separate = 0, "
      "n_gpu_layers = -1, n_threads = 20, n_threads_batch = 20\n"
      "|    PP |     TG |    B |   N_KV |   T_PP s | S_PP t/s |   T_TG s | S_TG t/s |      T s |    S t/s |\n"
      "|-------|--------|------|--------|----------|----------|----------|----------|----------|----------|\n"
      "|   512 |     32 |    1 |    544 |    0.200 |  2560.00 |    0.400 |    80.00 |    0.600 |   906.67 |\n"
      "|   512 |     32 |    8 |   4352 |    1.600 |  2560.00 |    1.000 |   256.00 |    2.600 |  1673.85 |\n";
  RunDefaults d;
  d.hardware = "dgx-spark";
  d.model = "gpt-oss-20b-mxfp4_moe";
  auto batched_decode = [&](const std::string& log) {
    const RunSet set = parse_runs(log + table, "bench.txt", cat(), d);
    EXPECT_EQ(set.runs.size(), 4u) << (set.skipped.empty() ? "" : set.skipped.front().reason);
    EXPECT_FALSE(set.runs.at(1).identical_tokens) << "batch 1";
    return set.runs.at(3);
  };
  EXPECT_TRUE(batched_decode("build: 6000 (a1b2c3d) with cc for aarch64-linux-gnu\n").identical_tokens);
  EXPECT_FALSE(batched_decode("build: 6918 (2f68ce7cf) with cc for aarch64-linux-gnu\n").identical_tokens);
  EXPECT_FALSE(batched_decode("").identical_tokens) << "no build stated: today's tool";
}

TEST(BatchedBench, TheLoadLogChecksTheModelFlag) {
  const std::string log =
      "build: 7000 (de3ff81) with cc (Debian 12.2.0-14) 12.2.0 for x86_64-linux-gnu\n"
      "print_info: file type   = Q4_0\n"
      "print_info: model params = 1.10 B\n"
      "main: n_kv_max = 4096, n_batch = 2048, n_ubatch = 512, flash_attn = -1, is_pp_shared = 0, is_tg_separate = 0, "
      "n_gpu_layers = -1, n_threads = 2, n_threads_batch = 2\n"
      "|    PP |     TG |    B |   N_KV |   T_PP s | S_PP t/s |   T_TG s | S_TG t/s |      T s |    S t/s |\n"
      "|-------|--------|------|--------|----------|----------|----------|----------|----------|----------|\n"
      "|   128 |     32 |    2 |    320 |    2.560 |   100.00 |    3.200 |    20.00 |    5.760 |    55.56 |\n";
  RunDefaults d;
  d.hardware = "ryzen-9-7950x";
  d.model = "tinyllama-1.1b-q4_0";
  const RunSet set = parse_runs(log, "log.txt", cat(), d);
  ASSERT_EQ(set.runs.size(), 2u) << (set.skipped.empty() ? "" : set.skipped.front().reason);
  EXPECT_EQ(set.runs[0].build, "7000 (de3ff81)");
  EXPECT_EQ(set.runs[0].api, DeviceApi::cpu);
  EXPECT_FALSE(set.runs[0].flash_attn.has_value());  // -1: auto
  // Newer llama.cpp prefixes its log lines with a timestamp and a level, and prints the build at trace level.
  std::string stamped = log;
  stamped.replace(0, stamped.find(" (de3ff81)"), "0.00.000.120 I common_params_print_info: build 7000");
  stamped.replace(stamped.find("print_info: file type"), 0, "0.00.101.003 I ");
  const RunSet newer = parse_runs("main: n_kv_max = 4096, n_batch = 2048, n_ubatch = 512, flash_attn = -1, is_pp_shared = 0, "
                                  "is_tg_separate = 0, n_gpu_layers = -1, n_threads = 2, n_threads_batch = 2\n" + stamped,
                                  "stamped.txt", cat(), d);
  ASSERT_EQ(newer.runs.size(), 2u) << (newer.skipped.empty() ? "" : newer.skipped.front().reason);
  EXPECT_EQ(newer.runs[0].build, "7000 (de3ff81)");
  d.model = "tinyllama-1.1b-q8_0";
  const RunSet stamped_wrong = parse_runs(stamped, "stamped.txt", cat(), d);
  ASSERT_EQ(stamped_wrong.skipped.size(), 1u);
  EXPECT_NE(stamped_wrong.skipped[0].reason.find("file type: the log says Q4_0"), std::string::npos)
      << stamped_wrong.skipped[0].reason;
  const RunSet wrong_quant = parse_runs(log, "log.txt", cat(), d);
  ASSERT_EQ(wrong_quant.skipped.size(), 1u);
  EXPECT_NE(wrong_quant.skipped[0].reason.find("file type: the log says Q4_0"), std::string::npos)
      << wrong_quant.skipped[0].reason;
  d.model = "llama-3.1-8b-q4_0";
  const RunSet wrong_model = parse_runs(log, "log.txt", cat(), d);
  ASSERT_EQ(wrong_model.skipped.size(), 1u);
  EXPECT_NE(wrong_model.skipped[0].reason.find("model_n_params"), std::string::npos) << wrong_model.skipped[0].reason;
}

TEST(BatchedBench, RealCpuOutputOfANewerBuildWithItsWarningsKept) {
  // llama-batched-bench built from the llama.cpp source node-llama-cpp 3.22.1 ships, run with 2>&1 on this
  // project's shared 2-vCPU VM (tests/data/runs/README.md): TinyLlama 1.1B's shape, random Q4_0 weights
  // (examples/runs/random_weights_gguf.py), PP 64, TG 16, B 1-16. Its first line is a timestamped warning.
  RunDefaults d;
  d.hardware = "epyc-9004-ddr5-12ch";  // any CPU entry: the test reads the format; the VM is no catalogue entry
  d.model = "tinyllama-1.1b-q4_0";
  const RunSet set = load("llama-batched-bench-cpu-tinyllama.txt", d);
  ASSERT_TRUE(set.skipped.empty()) << set.skipped.front().reason;
  ASSERT_EQ(set.runs.size(), 10u);
  EXPECT_NE(set.formats[0].find("llama-batched-bench"), std::string::npos) << set.formats[0];
  std::vector<int> batches;
  for (const MeasuredRun& r : set.runs) {
    EXPECT_EQ(r.api, DeviceApi::cpu);
    EXPECT_EQ(r.n_threads, 2);
    EXPECT_FALSE(r.flash_attn.has_value());  // -1: auto
    if (r.test == RunTest::decode) {
      batches.push_back(r.batch);
      EXPECT_EQ(r.n_gen, 16);
      EXPECT_EQ(r.n_depth, 64);
    } else {
      EXPECT_EQ(r.n_prompt, 64);
      EXPECT_EQ(r.n_ubatch, 512);  // the prefill micro-batch
    }
  }
  EXPECT_EQ(batches, (std::vector<int>{1, 2, 4, 8, 16}));
  EXPECT_DOUBLE_EQ(set.runs.back().tok_s, 12.44);
}

// ------------------------------------------------------------------------------------------------ vllm bench serve

TEST(VllmBenchServe, AClosedLoopResultIsOneBatchedServingRun) {
  RunDefaults d;
  d.hardware = "h100-sxm";
  d.model = "llama-3.1-8b-bf16";  // the repository name states no format: the flag says it
  const RunSet set = load("vllm-bench-serve.json", d);
  ASSERT_EQ(set.runs.size(), 1u) << (set.skipped.empty() ? "" : set.skipped.front().reason);
  EXPECT_NE(set.formats[0].find("vllm bench serve (JSON object)"), std::string::npos) << set.formats[0];
  const MeasuredRun& r = set.runs[0];
  EXPECT_EQ(r.backend, Backend::vllm);
  EXPECT_EQ(r.test, RunTest::decode);
  EXPECT_EQ(r.batch, 16);
  EXPECT_EQ(r.n_depth, 1024);  // 163840 input tokens over 160 requests
  EXPECT_EQ(r.n_gen, 128);
  EXPECT_DOUBLE_EQ(r.tok_s, 1900.0);
  EXPECT_TRUE(r.rate_includes_prefill);
  EXPECT_DOUBLE_EQ(r.ttft_ms.mean, 95.2);
  EXPECT_DOUBLE_EQ(r.ttft_ms.median, 88.4);
  EXPECT_DOUBLE_EQ(r.ttft_ms.p99, 210.7);
  EXPECT_DOUBLE_EQ(r.tpot_ms.median, 7.58);
  EXPECT_DOUBLE_EQ(r.requests_per_s, 14.84);
  EXPECT_DOUBLE_EQ(r.success_rate, 1.0);
  EXPECT_EQ(r.era, "2025");
  EXPECT_EQ(r.model_id, "llama-3.1-8b");
  // Without --model the repository name alone does not say the format.
  RunDefaults hw_only;
  hw_only.hardware = "h100-sxm";
  const RunSet unnamed = load("vllm-bench-serve.json", hw_only);
  ASSERT_EQ(unnamed.skipped.size(), 1u);
  EXPECT_NE(unnamed.skipped[0].reason.find("model: cannot map 'meta-llama/Llama-3.1-8B-Instruct'"), std::string::npos)
      << unnamed.skipped[0].reason;
}

TEST(VllmBenchServe, AppendedResultsFailedRequestsAndBadLatencies) {
  RunDefaults d;
  d.hardware = "h100-sxm";
  const RunSet set = load("vllm-bench-serve-append.jsonl", d);
  ASSERT_EQ(set.runs.size(), 2u) << (set.skipped.empty() ? "" : set.skipped.front().reason);
  EXPECT_EQ(set.runs[0].quant_id, "fp8");  // "…-Instruct-FP8" names the format
  EXPECT_EQ(set.runs[0].batch, 1);
  EXPECT_EQ(set.runs[1].batch, 64);
  EXPECT_DOUBLE_EQ(set.runs[1].success_rate, 608.0 / 640.0);
  EXPECT_EQ(set.runs[1].n_gen, 256);
  ASSERT_EQ(set.skipped.size(), 1u);
  EXPECT_EQ(set.skipped[0].index, 2u);
  EXPECT_NE(set.skipped[0].reason.find("p99_ttft_ms: 12 is below the median 28"), std::string::npos) << set.skipped[0].reason;
}

TEST(VllmBenchServe, AnOpenLoopResultIsRefusedSayingWhy) {
  // A public --save-result file (vllm-ascend tutorial notes): --request-rate 1, no --max-concurrency.
  RunDefaults d;
  d.hardware = "h100-sxm";
  d.model = "llama-3.1-8b-bf16";
  const RunSet set = load("vllm-bench-serve-open-loop.json", d);
  EXPECT_TRUE(set.runs.empty());
  ASSERT_EQ(set.skipped.size(), 1u);
  EXPECT_NE(set.skipped[0].reason.find("request_rate: 1.0 requests/s arrive at random times"), std::string::npos)
      << set.skipped[0].reason;
  const RunSet burst = parse_runs(
      R"({"request_rate": "inf", "max_concurrency": null, "completed": 10, "total_input_tokens": 100, "total_output_tokens": 100, "output_throughput": 50})",
      "burst.json", cat(), d);
  ASSERT_EQ(burst.skipped.size(), 1u);
  EXPECT_NE(burst.skipped[0].reason.find("max_concurrency: not set"), std::string::npos) << burst.skipped[0].reason;
}

TEST(VllmBenchServe, ALocalModelPathNamesTheModelByItsLastPart) {
  RunDefaults d;
  d.hardware = "h100-sxm";
  const RunSet set = parse_runs(
      R"({"model_id": "/models/Meta-Llama-3.1-8B-Instruct-FP8/", "request_rate": "inf", "max_concurrency": 4,)"
      R"( "num_prompts": 8, "completed": 8, "total_input_tokens": 4096, "total_output_tokens": 1024, "output_throughput": 600})",
      "local.json", cat(), d);
  ASSERT_EQ(set.runs.size(), 1u) << (set.skipped.empty() ? "" : set.skipped.front().reason);
  EXPECT_EQ(set.runs[0].model_id, "llama-3.1-8b");
  EXPECT_EQ(set.runs[0].quant_id, "fp8");
  EXPECT_EQ(set.runs[0].batch, 4);
  EXPECT_EQ(set.runs[0].n_depth, 512);
  EXPECT_EQ(set.runs[0].n_gen, 128);
}

}  // namespace
}  // namespace llmfit

namespace llmfit {
namespace {

// The 2024 llama-bench table (examples/runs/xiongjiedai-llama3-2024.json). In its builds both formats run
// the same F16 cuBLAS GEMMs on a prompt (CUDA_USE_TENSOR_CORES), Q4_K_M after a dequantisation pass, so a
// rig's F16 prompt is never slower than its Q4_K_M one: where the table says it is (the F16 oddity of the
// A100 SXM, the L40S and four RTX 5000 Ada), the F16 prompts are left out, and only there. The 4-card L40S
// and A100 SXM 70B F16 prompts, faster than their Q4_K_M as they must be, are fitted.
TEST(ShippedRuns, NoRigPrefillsF16SlowerThanItsOwnQ4KM) {
  const RunSet set =
      load_runs_path(std::string(LLMFIT_SOURCE_DIR) + "/examples/runs/xiongjiedai-llama3-2024.json", cat(), {});
  ASSERT_GT(set.runs.size(), 700u);
  std::map<std::tuple<std::string, int, std::string, std::int64_t>, double> q4;
  for (const MeasuredRun& r : set.runs)
    if (r.test == RunTest::prefill && std::string(r.quant_id) == "q4_k_m")
      q4[{std::string(r.hardware_id), r.device_count, std::string(r.model_id), r.n_prompt}] = r.tok_s;
  int compared = 0;
  std::set<std::string> four_card_70b_f16;
  for (const MeasuredRun& r : set.runs) {
    if (r.test != RunTest::prefill || std::string(r.quant_id) != "f16") continue;
    const auto q = q4.find({std::string(r.hardware_id), r.device_count, std::string(r.model_id), r.n_prompt});
    if (q == q4.end()) continue;
    ++compared;
    EXPECT_GE(r.tok_s, q->second) << r.hardware_id << " x" << r.device_count << " " << r.model_id << " pp"
                                  << r.n_prompt;
    if (r.device_count == 4 && std::string(r.model_id) == "llama-3-70b")
      four_card_70b_f16.insert(std::string(r.hardware_id));
  }
  EXPECT_GT(compared, 50);
  EXPECT_TRUE(four_card_70b_f16.contains("l40s"));
  EXPECT_TRUE(four_card_70b_f16.contains("a100-80gb"));
}

}  // namespace
}  // namespace llmfit

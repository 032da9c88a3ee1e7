// Names as people type them, through the real binary: every command that takes hardware reads the same
// names and the same `id[:count][@GiB]` grammar (a capacity changes the answer in each), shows how it read
// them, lists the candidates of an ambiguous name, and `list` shows the aliases.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli_support.hpp"

namespace llmfit {
namespace {

using nlohmann::json;

test::CommandResult run(const std::vector<std::string>& args) { return test::run_cli_args(args); }

json run_json(std::vector<std::string> args) {
  args.insert(args.end(), {"--format", "json"});
  const test::CommandResult r = run(args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return r.exit_code == 0 ? json::parse(r.out) : json();
}

TEST(NamesCli, TheCardAndItsJsonSayHowANameWasRead) {
  const test::CommandResult card = run({"--hw", "RTX 4090", "--model", "llama3.1:8b"});
  ASSERT_EQ(card.exit_code, 0) << card.err;
  EXPECT_NE(card.out.find("name 'RTX 4090' read as rtx-4090 (NVIDIA GeForce RTX 4090)"), std::string::npos) << card.out;
  EXPECT_NE(card.out.find("name 'llama3.1:8b' read as llama-3.1-8b (Llama 3.1 8B), Q4_K_M"), std::string::npos)
      << card.out;
  EXPECT_NE(card.out.find("Llama 3.1 8B (Q4_K_M) on NVIDIA GeForce RTX 4090"), std::string::npos) << card.out;

  const json doc = run_json({"--hw", "4090", "--model", "gpt-oss:20b"});
  EXPECT_EQ(doc["hardware"]["id"], "rtx-4090");
  EXPECT_EQ(doc["quant"], "mxfp4_moe");  // Ollama's gpt-oss build: MXFP4 in GGUF
  ASSERT_TRUE(doc["name_readings"]["hardware"].is_string());
  EXPECT_NE(doc["name_readings"]["hardware"].get<std::string>().find("rtx-4090-laptop"), std::string::npos);
  EXPECT_TRUE(doc["name_readings"]["model"].is_string());

  const json plain = run_json({"--hw", "rtx-4090", "--model", "llama-3.1-8b-q4_k_m"});
  EXPECT_TRUE(plain["name_readings"]["hardware"].is_null());
  EXPECT_TRUE(plain["name_readings"]["model"].is_null());
}

TEST(NamesCli, AmbiguousAndUnknownNamesExitTwoWithCandidatesOrASuggestion) {
  const test::CommandResult ambiguous = run({"--hw", "A100", "--model", "qwen3-8b"});
  EXPECT_EQ(ambiguous.exit_code, 2);
  EXPECT_NE(ambiguous.err.find("ambiguous"), std::string::npos) << ambiguous.err;
  EXPECT_NE(ambiguous.err.find("a100-40gb"), std::string::npos) << ambiguous.err;
  EXPECT_NE(ambiguous.err.find("a100-80gb"), std::string::npos) << ambiguous.err;

  const test::CommandResult model = run({"compare", "--hw", "m2-max", "--model", "llama 70b"});
  EXPECT_EQ(model.exit_code, 2);
  EXPECT_NE(model.err.find("llama-3.3-70b"), std::string::npos) << model.err;

  const test::CommandResult unknown = run({"fit", "--hw", "RTX 4909"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("did you mean 'rtx-4090'"), std::string::npos) << unknown.err;
  EXPECT_EQ(std::count(unknown.err.begin(), unknown.err.end(), '\n'), 1) << unknown.err;
}

/// DeepSeek-V3 at Q4 needs ~400 GB: an M3 Ultra at its default 96 GiB cannot hold it, at 512 GiB it can.
/// Each command that takes hardware gives a different answer for the capacity in the name, after '@', and
/// none; the name and '@' read the same.
TEST(NamesCli, ACapacityInTheNameOrAfterAtWorksInEveryCommand) {
  // Fits the 512 GiB M3 Ultra with the safety margin kept, not the default capacity.
  const std::string model = "qwen3-235b-a22b-q8_0";
  struct Command {
    std::vector<std::string> args;  // {} where the hardware goes
    std::string (*answer)(const json&);
  };
  const std::vector<Command> commands{
      {{"--model", model, "--hw"}, [](const json& d) { return d["fit"]["verdict"].dump(); }},
      {{"compare", "--model", model, "--hw"}, [](const json& d) { return d[0]["verdict"].dump(); }},
      {{"scale", "--model", model, "--hw"}, [](const json& d) { return d["context_scaling"][0]["verdict"].dump(); }},
      // No catalogue price for the 512 GiB M3 Ultra (withdrawn): the price is given, the capacity still moves the fit.
      {{"cost", "--price-usd", "9499", "--model", model, "--hw"}, [](const json& d) { return d["fits"].dump(); }},
      {{"check", "--model", model, "--claimed-tok-s", "5", "--hw"}, [](const json& d) { return d["fits"].dump(); }},
      {{"fit", "--hw"}, [](const json& d) {
         std::string ids;
         for (const auto& row : d) ids += row["model"].get<std::string>() + " ";
         return ids;
       }},
      {{"cluster", "--model", model, "--hw"}, [](const json& d) { return d["fits"].dump(); }},
  };
  for (const Command& command : commands) {
    std::vector<std::string> base = command.args;
    base.push_back("m3-ultra");
    std::vector<std::string> named = command.args;
    named.push_back("M3 Ultra 512GB");
    std::vector<std::string> at = command.args;
    at.push_back("m3-ultra@512");
    const std::string small = command.answer(run_json(base));
    const std::string large = command.answer(run_json(named));
    EXPECT_NE(small, large) << command.args[0] << ": the capacity in the name changed nothing";
    EXPECT_EQ(large, command.answer(run_json(at))) << command.args[0];
  }
  // The name and --memory must agree.
  const test::CommandResult both = run({"--hw", "M3 Ultra 512GB", "--memory", "256", "--model", model});
  EXPECT_EQ(both.exit_code, 2);
  EXPECT_NE(both.err.find("disagree"), std::string::npos) << both.err;
  // A capacity the chip is not sold with is refused, saying what it is sold with.
  const test::CommandResult not_sold = run({"scale", "--hw", "M2 Max 48GB", "--model", "qwen3-8b"});
  EXPECT_EQ(not_sold.exit_code, 2);
  EXPECT_NE(not_sold.err.find("32/64/96"), std::string::npos) << not_sold.err;
}

TEST(NamesCli, OtherCommandsNoteTheReadingOnStandardError) {
  const test::CommandResult compare = run({"compare", "--hw", "RTX 4090,M2 Max", "--model", "qwen3:8b", "--format", "json"});
  ASSERT_EQ(compare.exit_code, 0) << compare.err;
  EXPECT_NE(compare.err.find("'RTX 4090' read as rtx-4090"), std::string::npos) << compare.err;
  EXPECT_NE(compare.err.find("'qwen3:8b' read as qwen3-8b"), std::string::npos) << compare.err;
  const json rows = json::parse(compare.out);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0]["quant"], "q4_k_m");
  const test::CommandResult exact = run({"compare", "--hw", "rtx-4090,m2-max", "--model", "qwen3-8b-q4_k_m"});
  EXPECT_EQ(exact.err, "");
  // Two cards written as people write them.
  const json two = run_json({"--hw", "2x RTX 3090", "--model", "llama-3.3-70b-q4"});
  EXPECT_EQ(two["hardware"]["count"], 2);
}

TEST(NamesCli, UserEntriesAreReadTheSameWay) {
  const auto dir = std::filesystem::temp_directory_path() / ("llmfit-names-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto path = dir / "box.yaml";
  std::ofstream(path) << R"(schema: 1
hardware:
  - id: lab-box
    name: "Lab Box Pro"
    vendor: nvidia
    kind: gpu
    memory_gib: [48, 96]
    bandwidth_gb_s: 960
    fp16_tflops: 91
    form_factor: desktop
    tdp_w: 300
    price_usd: 5000
    apis: [cuda]
    source: "test"
)";
  const json small = run_json({"--db", path.string(), "--hw", "Lab Box Pro", "--model", "llama-3.3-70b-q8_0"});
  const json large = run_json({"--db", path.string(), "--hw", "lab box pro 96gb", "--model", "llama-3.3-70b-q8_0"});
  EXPECT_EQ(small["hardware"]["id"], "lab-box");
  EXPECT_LT(small["fit"]["device_memory_gb"].get<double>(), large["fit"]["device_memory_gb"].get<double>());
  const json two = run_json({"--db", path.string(), "--hw", "lab-box:2@48", "--model", "llama-3.3-70b-q8_0"});
  EXPECT_EQ(two["hardware"]["count"], 2);
  std::filesystem::remove_all(dir);
}

TEST(NamesCli, ListShowsTheAliasesSuggestionsPrint) {
  const test::CommandResult hardware = run({"list", "hardware"});
  ASSERT_EQ(hardware.exit_code, 0);
  EXPECT_NE(hardware.out.find("h100-80gb-hbm3"), std::string::npos);
  const test::CommandResult models = run({"list", "models"});
  EXPECT_NE(models.out.find("llama3.1:8b"), std::string::npos);
  EXPECT_NE(models.out.find("qwen/qwen3-8b"), std::string::npos);
  const json list = run_json({"list", "models"});
  bool tag_found = false;
  for (const auto& entry : list)
    for (const auto& alias : entry["aliases"]) tag_found = tag_found || alias == "gpt-oss:20b";
  EXPECT_TRUE(tag_found);
  // A suggestion's alias is one `list` shows.
  const test::CommandResult suggestion = run({"--hw", "m2-max", "--model", "lama3.1:8b"});
  EXPECT_EQ(suggestion.exit_code, 2);
  const auto quote = suggestion.err.find("did you mean '");
  ASSERT_NE(quote, std::string::npos) << suggestion.err;
  const std::string suggested = suggestion.err.substr(quote + 14, suggestion.err.find('\'', quote + 14) - quote - 14);
  EXPECT_NE(models.out.find(suggested), std::string::npos) << suggested;
}

}  // namespace
}  // namespace llmfit

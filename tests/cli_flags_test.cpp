// Every command tells the truth about its flags: walked over every command (from `llmfit --help`) and every
// scenario flag (kScenarioFlags, cli/scenario_flags.hpp), in a scenario where the flag matters, a flag
// either changes the answer or is refused with exit 2 and a message naming it; never accepted and ignored.
// A command or flag added without a recipe here fails the walk until it has one.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "cli_support.hpp"
#include "flags.hpp"
#include "scenario_flags.hpp"

namespace llmfit {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using Args = std::vector<std::string>;

/// A machine and a model: where a flag is tried.
struct Scene {
  std::string hardware;
  std::string model;
};
// 70B Q4 on one 24 GiB card runs with CPU offload: context, prompt, batch, memory, host, host RAM and
// offload all move its numbers. Qwen2.5 32B Q4_K_M on a 32 GiB M2 Max (22.4 of 22.9 GB usable) fits only
// without the safety margin or with a larger GPU share: the verdict itself moves.
const Scene kOffloaded{"rtx-4090", "llama-3.3-70b-q4"};
const Scene kAtTheEdge{"m2-max", "qwen2.5-32b-q4_k_m"};
const Scene kUnified{"m2-max", "qwen3-coder-q4"};  // Apple Silicon: where an Apple-fitted profile differs
// Llama 3.1 70B FP8 (80.4 GB) on an H100 runs on vLLM by default; its 0.9 GPU share leaves too little.
const Scene kServed{"h100-sxm", "llama-3.1-70b-fp8"};

const std::string kRuns = std::string(LLMFIT_SOURCE_DIR) + "/examples/runs/llamacpp-4167-apple-silicon.json";

/// How each command is run in a scene, with JSON output where it has one (so that echoes of the
/// settings can be told from answers). "" is the top-level prediction.
Args command_args(const std::string& command, const Scene& s) {
  static const std::map<std::string, std::function<Args(const Scene&)>> recipes = {
      {"", [](const Scene& s) { return Args{"--hw", s.hardware, "--model", s.model, "--format", "json"}; }},
      {"compare", [](const Scene& s) { return Args{"compare", "--hw", s.hardware, "--model", s.model, "--format", "json"}; }},
      {"fit", [](const Scene& s) { return Args{"fit", "--hw", s.hardware, "--format", "json"}; }},
      {"scale", [](const Scene& s) { return Args{"scale", "--hw", s.hardware, "--model", s.model, "--format", "json"}; }},
      {"cluster", [](const Scene& s) { return Args{"cluster", "--hw", s.hardware, "--model", s.model, "--format", "json"}; }},
      // Prices given: a capacity (--memory) or a model without catalogue prices would otherwise be refused
      // for the price, not for the flag.
      {"cost",
       [](const Scene& s) {
         return Args{"cost", "--hw", s.hardware, "--model", s.model, "--price-usd", "2000",
                     "--api-price-per-mtok", "1", "--format", "json"};
       }},
      {"check",
       [](const Scene& s) {
         return Args{"check", "--hw", s.hardware, "--model", s.model, "--claimed-tok-s", "10", "--format", "json"};
       }},
      {"recommend", [](const Scene& s) { return Args{"recommend", "--budget", "4000", "--model", s.model, "--format", "json"}; }},
      {"list", [](const Scene&) { return Args{"list", "hardware", "--format", "json"}; }},
      {"show", [](const Scene& s) { return Args{"show", "hw", s.hardware, "--format", "json"}; }},
      // The scene's chip alone: every model and quantisation of the catalogue, a few thousand points.
      {"sweep", [](const Scene& s) { return Args{"sweep", "--hw", s.hardware, "--contexts", "512", "--format", "csv"}; }},
      {"calibrate", [](const Scene&) { return Args{"calibrate", kRuns, "--format", "json"}; }},
      {"validate", [](const Scene&) { return Args{"validate", kRuns, "--format", "json"}; }},
      {"detect",
       [](const Scene&) {
         return Args{"detect", "--machine", std::string(LLMFIT_TEST_DATA) + "/machines/rx-7900-xtx-ryzen-igpu",
                     "--format", "json"};
       }},
      {"probe-bandwidth",
       [](const Scene&) { return Args{"probe-bandwidth", "--buffer-mib", "16", "--threads", "1", "--format", "json"}; }},
  };
  const auto recipe = recipes.find(command);
  if (recipe == recipes.end()) {
    ADD_FAILURE() << "no recipe for command '" << command << "': add one to command_args";
    return {};
  }
  return recipe->second(s);
}

/// The value that makes each scenario flag matter in its scene ("" for a switch).
struct FlagCase {
  std::string value;
  Scene scene = kOffloaded;
};
FlagCase flag_case(cli::ScenarioFlag flag) {
  using cli::ScenarioFlag;
  switch (flag) {
    case ScenarioFlag::context_tokens: return {"32k"};
    case ScenarioFlag::prompt_tokens: return {"3000"};  // not on the ladder: a row of its own
    case ScenarioFlag::backend: return {"ollama"};
    case ScenarioFlag::api: return {"vulkan"};
    case ScenarioFlag::kv_type: return {"q8_0"};
    case ScenarioFlag::batch: return {"4"};
    case ScenarioFlag::memory_gib: return {"48"};
    case ScenarioFlag::gpu_memory_fraction: return {"0.9", kAtTheEdge};
    case ScenarioFlag::host: return {"ddr4-3200-dual"};
    case ScenarioFlag::host_memory_gib: return {"16"};  // too little for the offloaded layers
    case ScenarioFlag::allow_offload: return {""};
    case ScenarioFlag::fit_margin: return {"0", kAtTheEdge};
    case ScenarioFlag::gpu_memory_utilization: return {"0.99", kServed};
  }
  return {};
}

/// The subcommands the binary lists in its help, and "" for the prediction itself.
std::vector<std::string> commands() {
  const test::CommandResult help = test::run_cli("--help");
  std::vector<std::string> names{""};
  std::istringstream lines(help.out);
  bool in_list = false;
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("Subcommands:", 0) == 0) {
      in_list = true;
      continue;
    }
    if (!in_list || line.size() < 3 || line[0] != ' ' || line[2] == ' ') continue;
    const std::string name = line.substr(2, line.find(' ', 2) - 2);
    // serve answers until stopped: its refusals are checked apart (ServeRefusesScenarioFlagsAndOutputFiles).
    if (name != "serve") names.push_back(name);
  }
  return names;
}

/// The answer without the keys that only repeat the settings (a flag that changes nothing but its own
/// echo is ignored, not honoured).
json answer(const std::string& out) {
  static const std::set<std::string> echoes = {"context", "prompt_tokens", "batch",  "kv_type",  "backend",
                                               "api",     "host",          "label",  "assumptions", "warnings",
                                               "kv_cache_tokens"};
  json doc = json::parse(out, nullptr, false);
  if (doc.is_discarded()) return out;  // CSV and text: compared whole
  std::function<void(json&)> strip = [&](json& node) {
    if (node.is_object()) {
      for (const std::string& key : echoes) node.erase(key);
      for (auto& [key, value] : node.items()) strip(value);
    } else if (node.is_array()) {
      for (json& item : node) strip(item);
    }
  };
  strip(doc);
  return doc;
}

std::string shown(const Args& args) {
  std::string text = "llmfit";
  for (const std::string& a : args) text += " " + a;
  return text;
}

/// Runs `base` and `base + flag`: the flag must change the answer or be refused naming itself.
void expect_honoured_or_refused(const Args& base, const Args& flag_args, const std::string& flag,
                                const test::CommandResult& without) {
  Args with = base;
  with.insert(with.end(), flag_args.begin(), flag_args.end());
  const test::CommandResult r = test::run_cli_args(with);
  if (r.exit_code == 2) {
    EXPECT_NE(r.err.find(flag), std::string::npos) << shown(with) << ": refused without naming " << flag << ": " << r.err;
    EXPECT_EQ(test::line_count(r.err), 1) << shown(with) << ": " << r.err;
    return;
  }
  ASSERT_EQ(r.exit_code, 0) << shown(with) << ": " << r.err;
  EXPECT_NE(answer(r.out), answer(without.out)) << shown(with) << ": accepted and changed nothing";
}

class CliFlags : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("llmfit-cli-flags-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }
  /// Each command's output in a scene without the flag (run once per command and scene).
  const test::CommandResult& baseline(const std::string& command, const Scene& scene) {
    const std::string key = command + "|" + scene.hardware + "|" + scene.model;
    auto found = baselines_.find(key);
    if (found == baselines_.end()) found = baselines_.emplace(key, test::run_cli_args(command_args(command, scene))).first;
    return found->second;
  }
  fs::path dir_;
  std::map<std::string, test::CommandResult> baselines_;
};

TEST_F(CliFlags, TheWalkKnowsEveryCommand) {
  const std::vector<std::string> names = commands();
  EXPECT_GE(names.size(), 13u);  // the prediction and 12 subcommands today
  for (const std::string& name : names) EXPECT_FALSE(command_args(name, kOffloaded).empty()) << name;
}

TEST_F(CliFlags, EveryScenarioFlagChangesTheAnswerOrIsRefusedByEveryCommand) {
  for (const cli::ScenarioFlagInfo& info : cli::kScenarioFlags) {
    const std::string flag = cli::flag_for(info.field);
    const FlagCase c = flag_case(info.flag);
    const Args flag_args = info.takes_value ? Args{flag, c.value} : Args{flag};
    SCOPED_TRACE(flag);
    // The prediction takes every scenario flag: the scene is one where this one matters.
    {
      const Args base = command_args("", c.scene);
      Args with = base;
      with.insert(with.end(), flag_args.begin(), flag_args.end());
      const test::CommandResult r = test::run_cli_args(with);
      ASSERT_EQ(r.exit_code, 0) << shown(with) << ": " << r.err;
      ASSERT_NE(answer(r.out), answer(baseline("", c.scene).out)) << shown(with) << ": the scene does not make it matter";
    }
    for (const std::string& command : commands()) {
      const test::CommandResult& without = baseline(command, c.scene);
      ASSERT_EQ(without.exit_code, 0) << shown(command_args(command, c.scene)) << ": " << without.err;
      expect_honoured_or_refused(command_args(command, c.scene), flag_args, flag, without);
    }
  }
}

TEST_F(CliFlags, ServeRefusesScenarioFlagsAndOutputFiles) {
  // An address that cannot be bound: were a flag accepted, the server would fail to start rather than run on.
  const Args server{"serve", "--host", "256.0.0.1", "--port", "0"};
  for (const cli::ScenarioFlagInfo& info : cli::kScenarioFlags) {
    if (info.flag == cli::ScenarioFlag::host) continue;  // serve's --host is the address it listens on (issue 22)
    const std::string flag = cli::flag_for(info.field);
    Args with = server;
    with.push_back(flag);
    if (info.takes_value) with.push_back(flag_case(info.flag).value);
    const test::CommandResult r = test::run_cli_args(with);
    EXPECT_EQ(r.exit_code, 2) << shown(with);
    EXPECT_NE(r.err.find(flag + ": not used by 'serve'"), std::string::npos) << shown(with) << ": " << r.err;
  }
  Args with = server;
  with.insert(with.end(), {"-o", (dir_ / "served").string()});
  const test::CommandResult r = test::run_cli_args(with);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("not used by 'serve'"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir_ / "served"));
}

TEST_F(CliFlags, ZeroAndEmptyValuesAreRefusedNotTakenAsNotGiven) {
  for (const cli::ScenarioFlagInfo& info : cli::kScenarioFlags) {
    if (!info.takes_value) continue;
    const std::string flag = cli::flag_for(info.field);
    for (const std::string& value : {std::string(""), std::string("0")}) {
      Args with = command_args("", kUnified);
      with.insert(with.end(), {flag, value});
      const test::CommandResult r = test::run_cli_args(with);
      // 0 is a margin (none); every other flag's 0, and every empty value, is an error.
      if (info.flag == cli::ScenarioFlag::fit_margin && value == "0") continue;
      if (info.flag == cli::ScenarioFlag::fit_margin && value.empty()) {
        EXPECT_EQ(r.exit_code, 2) << shown(with);
        continue;
      }
      EXPECT_EQ(r.exit_code, 2) << shown(with) << " was accepted: " << r.out.substr(0, 200);
      EXPECT_NE(r.err.find(flag), std::string::npos) << r.err;
    }
  }
}

TEST_F(CliFlags, EveryCommandWritesItsOutputWhereMinusOSaysOrRefusesIt) {
  for (const std::string& command : commands()) {
    const fs::path file = dir_ / ("out-" + (command.empty() ? std::string("predict") : command));
    Args with = command_args(command, kOffloaded);
    with.insert(with.end(), {"-o", file.string()});
    const test::CommandResult r = test::run_cli_args(with);
    if (r.exit_code == 2) {
      EXPECT_NE(r.err.find("--output"), std::string::npos) << shown(with) << ": " << r.err;
      continue;
    }
    ASSERT_EQ(r.exit_code, 0) << shown(with) << ": " << r.err;
    EXPECT_TRUE(fs::exists(file) && fs::file_size(file) > 0) << shown(with) << ": -o accepted, nothing written";
  }
}

TEST_F(CliFlags, EveryCommandUsesTheCalibrationProfileOrRefusesIt) {
  // A profile fitted to Apple Silicon runs alone: its constants differ from the shipped ones.
  const fs::path profile = dir_ / "apple.yaml";
  ASSERT_EQ(test::run_cli_args({"calibrate", kRuns, "-o", profile.string()}).exit_code, 0);
  for (const std::string& command : commands()) {
    const test::CommandResult& without = baseline(command, kUnified);
    ASSERT_EQ(without.exit_code, 0) << command << ": " << without.err;
    expect_honoured_or_refused(command_args(command, kUnified), {"--calibration", profile.string()}, "--calibration",
                               without);
  }
}

// ------------------------------------------------------------------------------ the instances named

TEST_F(CliFlags, ComparePassesMemoryToTheMachine) {
  // The prediction says 70B Q4 fits in 96 GiB of M2 Max; compare must say so too.
  const test::CommandResult one = test::run_cli_args(
      {"--hw", "m2-max", "--memory", "96", "--model", "llama-3.3-70b-q4", "--format", "json"});
  const test::CommandResult many = test::run_cli_args(
      {"compare", "--hw", "m2-max", "--memory", "96", "--model", "llama-3.3-70b-q4", "--format", "json"});
  ASSERT_EQ(one.exit_code, 0) << one.err;
  ASSERT_EQ(many.exit_code, 0) << many.err;
  const json a = json::parse(one.out);
  const json b = json::parse(many.out).at(0);
  EXPECT_EQ(a["fit"]["verdict"], "fits");
  EXPECT_EQ(b["verdict"], "fits");
  EXPECT_DOUBLE_EQ(a["decode_tok_s"].get<double>(), b["decode_tok_s"].get<double>());
}

TEST_F(CliFlags, ATopLevelOptionGivenToASubcommandIsRefused) {
  // --svg is no option of list, --memory none of sweep: each would fall through to the prediction.
  for (const Args& args : {Args{"list", "hardware", "--svg", "x.svg"}, Args{"sweep", "--memory", "96"},
                           Args{"validate", kRuns, "--batch", "4"}, Args{"show", "hw", "m2-max", "--no-offload"}}) {
    const test::CommandResult r = test::run_cli_args(args);
    EXPECT_EQ(r.exit_code, 2) << shown(args);
    EXPECT_NE(r.err.find("not "), std::string::npos) << r.err;
  }
}

TEST_F(CliFlags, TokenCountsTakeTheSuffixesPeopleType) {
  for (const auto& [typed, tokens] : std::vector<std::pair<std::string, int>>{
           {"128k", 131072}, {"32K", 32768}, {"1.5k", 1536}, {"8192", 8192}}) {
    const test::CommandResult r =
        test::run_cli_args({"--hw", "m2-max", "--model", "llama-3.1-8b-q4_k_m", "--context", typed, "--format", "json"});
    ASSERT_EQ(r.exit_code, 0) << typed << ": " << r.err;
    EXPECT_EQ(json::parse(r.out)["context"], tokens) << typed;
  }
  const test::CommandResult million =
      test::run_cli_args({"--hw", "m2-max", "--model", "qwen3-coder-q4", "--context", "1M"});
  EXPECT_EQ(million.exit_code, 2);  // 1,048,576 tokens: beyond the model's 262,144
  EXPECT_NE(million.err.find("1048576"), std::string::npos) << million.err;
  for (const std::string bad : {"1.3k", "k", "12x", "-2k"}) {
    const test::CommandResult r = test::run_cli_args({"--hw", "m2-max", "--model", "qwen3-coder-q4", "--context", bad});
    EXPECT_EQ(r.exit_code, 2) << bad;
    EXPECT_EQ(test::line_count(r.err), 1) << r.err;
  }
  const test::CommandResult sweep =
      test::run_cli_args({"sweep", "--hw", "m2-max", "--contexts", "4k,32k", "--format", "csv"});
  ASSERT_EQ(sweep.exit_code, 0) << sweep.err;
  EXPECT_NE(sweep.err.find("x 2 contexts"), std::string::npos) << sweep.err;
}

TEST_F(CliFlags, APromptLongerThanTheContextWidensItOrIsRefused) {
  // Context not given: widened to the prompt, and said.
  const test::CommandResult widened = test::run_cli_args(
      {"--hw", "m2-max", "--model", "llama-3.1-8b-q4_k_m", "--prompt-tokens", "16384", "--format", "json"});
  ASSERT_EQ(widened.exit_code, 0) << widened.err;
  const json doc = json::parse(widened.out);
  EXPECT_EQ(doc["context"], 16384);
  EXPECT_NE(doc["assumptions"].dump().find("widened"), std::string::npos) << doc["assumptions"];
  // Context given: refused.
  const test::CommandResult refused = test::run_cli_args(
      {"--hw", "m2-max", "--model", "llama-3.1-8b-q4_k_m", "--prompt-tokens", "131072", "--context", "8192"});
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find("--prompt-tokens"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("--context"), std::string::npos) << refused.err;
}

json run_json(const Args& args) {
  const test::CommandResult r = test::run_cli_args(args);
  EXPECT_EQ(r.exit_code, 0) << shown(args) << ": " << r.err;
  return json::parse(r.out, nullptr, false);
}

TEST_F(CliFlags, OneSpeedAtAPromptLengthEverywhere) {
  // 70B Q4 on an RTX 4090 with CPU offload: the speed block, its context table, scale, compare and fit all
  // give the same decode speed and time to first token for the same 512-token prompt.
  const json card = run_json({"--hw", "rtx-4090", "--model", "llama-3.3-70b-q4", "--format", "json"});
  const double decode = card["decode_tok_s"].get<double>();
  const double ttft = card["ttft_s"].get<double>();
  auto row_at = [](const json& rows, std::int64_t prompt) {
    for (const json& row : rows)
      if (row["context"] == prompt) return row;
    ADD_FAILURE() << "no row at " << prompt;
    return json();
  };
  const json own = row_at(card["context_scaling"], 512);
  EXPECT_DOUBLE_EQ(own["decode_tok_s"].get<double>(), decode);
  EXPECT_DOUBLE_EQ(own["ttft_s"].get<double>(), ttft);
  // The whole context filled: the row at the context, and the card's full_context.
  const json full = row_at(card["context_scaling"], 8192);
  EXPECT_DOUBLE_EQ(card["full_context"]["decode_tok_s"].get<double>(), full["decode_tok_s"].get<double>());
  EXPECT_LT(full["decode_tok_s"].get<double>(), decode);

  const json scale = run_json({"scale", "--hw", "rtx-4090", "--model", "llama-3.3-70b-q4", "--format", "json"});
  EXPECT_DOUBLE_EQ(row_at(scale["context_scaling"], 512)["decode_tok_s"].get<double>(), decode);
  EXPECT_DOUBLE_EQ(row_at(scale["context_scaling"], 512)["ttft_s"].get<double>(), ttft);
  const json compare = run_json({"compare", "--hw", "rtx-4090", "--model", "llama-3.3-70b-q4", "--format", "json"});
  EXPECT_DOUBLE_EQ(compare.at(0)["decode_tok_s"].get<double>(), decode);
  EXPECT_DOUBLE_EQ(compare.at(0)["ttft_s"].get<double>(), ttft);

  // The context asked about is quoted: --context 131072 gives the speed with it filled, and the text says so.
  const test::CommandResult long_context =
      test::run_cli_args({"--hw", "m3-ultra", "--model", "llama-3.1-8b-q4_k_m", "--context", "128k"});
  ASSERT_EQ(long_context.exit_code, 0) << long_context.err;
  EXPECT_NE(long_context.out.find("after a 131,072-token prompt (the context filled)"), std::string::npos)
      << long_context.out;
}

TEST_F(CliFlags, TheCeilingComparesLikeWithLike) {
  // With 8 sequences the ceiling is for all of them together: so is the speed set against it.
  const Args args{"--hw", "rtx-4090", "--model", "llama-3.1-8b-q4_k_m", "--batch", "8"};
  Args json_args = args;
  json_args.insert(json_args.end(), {"--format", "json"});
  const json doc = run_json(json_args);
  const double reached = 100 * doc["aggregate_decode_tok_s"].get<double>() / doc["decode_ceiling_tok_s"].get<double>();
  EXPECT_GT(reached, 20);  // per sequence against the aggregate ceiling would be an eighth of it
  EXPECT_LE(reached, 100);
  const test::CommandResult text = test::run_cli_args(args);
  EXPECT_NE(text.out.find("reached " + std::to_string(static_cast<int>(std::lround(reached))) + "%"), std::string::npos)
      << text.out;
}

TEST_F(CliFlags, BothContextLimitsAreReported) {
  const json doc = run_json({"--hw", "rtx-4090", "--model", "llama-3.3-70b-q4", "--format", "json"});
  EXPECT_EQ(doc["fit"]["max_context"], 0);
  const std::int64_t with_offload = doc["fit"]["max_context_with_offload"].get<std::int64_t>();
  EXPECT_GT(with_offload, 32768);  // the table runs to 32k with partial offload
  const test::CommandResult text = test::run_cli_args({"--hw", "rtx-4090", "--model", "llama-3.3-70b-q4"});
  EXPECT_NE(text.out.find("none fully on the accelerator"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("tokens with CPU offload"), std::string::npos) << text.out;
  const json scale = run_json({"scale", "--hw", "rtx-4090", "--model", "llama-3.3-70b-q4", "--format", "json"});
  EXPECT_EQ(scale["max_context_with_offload"], with_offload);
}

TEST_F(CliFlags, ScaleRowsThatDoNotRunAreNullAndGaps) {
  const Args args{"scale", "--hw", "rtx-4090", "--model", "llama-3.3-70b-q4"};
  Args json_args = args;
  json_args.insert(json_args.end(), {"--format", "json"});
  std::size_t running = 0;
  std::size_t not_running = 0;
  const json doc = run_json(json_args);
  for (const json& row : doc["context_scaling"]) {
    if (row["verdict"] == "does_not_fit") {
      ++not_running;
      EXPECT_TRUE(row["decode_tok_s"].is_null()) << row;
      EXPECT_TRUE(row["ttft_s"].is_null()) << row;
    } else {
      ++running;
      EXPECT_GT(row["decode_tok_s"].get<double>(), 0) << row;
    }
  }
  ASSERT_GT(not_running, 0u);
  Args csv_args = args;
  csv_args.insert(csv_args.end(), {"--format", "csv"});
  const test::CommandResult csv = test::run_cli_args(csv_args);
  EXPECT_NE(csv.out.find("65536,65536,,,false,does_not_fit"), std::string::npos) << csv.out;
  // The chart marks only what runs (decode and first-token series), no point drawn at 0.
  const fs::path svg = dir_ / "scale.svg";
  Args svg_args = args;
  svg_args.insert(svg_args.end(), {"--svg", svg.string()});
  ASSERT_EQ(test::run_cli_args(svg_args).exit_code, 0);
  const std::string chart = test::read_file(svg);
  std::size_t markers = 0;
  for (std::size_t at = chart.find("<circle"); at != std::string::npos; at = chart.find("<circle", at + 1)) ++markers;
  EXPECT_EQ(markers, 2 * running);
  EXPECT_EQ(chart.find("decode tok/s: 0 at"), std::string::npos);

  // The batch sweep: a batch that does not run has no speed, and the sweep stops there.
  Args sweep_args = json_args;
  sweep_args.push_back("--batch-sweep");
  const json sweep = run_json(sweep_args);
  ASSERT_FALSE(sweep["batch_sweep"].empty());
  std::size_t batches_not_running = 0;
  for (const json& row : sweep["batch_sweep"]) {
    if (row["verdict"] != "does_not_fit") {
      EXPECT_GT(row["aggregate_tok_s"].get<double>(), 0) << row;
      continue;
    }
    ++batches_not_running;
    EXPECT_TRUE(row["aggregate_tok_s"].is_null()) << row;
    EXPECT_TRUE(row["per_sequence_tok_s"].is_null()) << row;
    EXPECT_EQ(row, sweep["batch_sweep"].back());
  }
  EXPECT_EQ(batches_not_running, 1u);
}

TEST_F(CliFlags, FitCountsEveryModelThatFits) {
  const json all = run_json({"fit", "--hw", "m4-max-40c", "--format", "json"});
  ASSERT_GT(all.size(), 5u);
  const test::CommandResult top = test::run_cli_args({"fit", "--hw", "m4-max-40c", "--top", "5"});
  ASSERT_EQ(top.exit_code, 0) << top.err;
  EXPECT_NE(top.out.find(std::to_string(all.size()) + " models fit (the first 5 shown"), std::string::npos) << top.out;
  EXPECT_EQ(run_json({"fit", "--hw", "m4-max-40c", "--top", "5", "--format", "json"}).size(), 5u);
  // No "fits" with less than the margin to spare, nor below the quality floor.
  for (const json& row : all) {
    EXPECT_GE(row["headroom_gb"].get<double>(), 0.5) << row["model"];
    EXPECT_LE(row["quality_ppl_increase_pct"].get<double>(), 10.0) << row["model"];
  }
  // One quality flag, --quality-tolerance, is the floor: 70B fits on a 48 GB M4 Max only below +10 % quality.
  const auto has_model = [](const json& rows, const std::string& id) {
    for (const json& row : rows)
      if (row["model"] == id) return true;
    return false;
  };
  EXPECT_FALSE(has_model(all, "llama-3.1-70b"));
  const json loose = run_json({"fit", "--hw", "m4-max-40c", "--quality-tolerance", "30", "--format", "json"});
  EXPECT_TRUE(has_model(loose, "llama-3.1-70b"));
  EXPECT_GT(loose.size(), all.size());
  EXPECT_EQ(test::run_cli_args({"fit", "--hw", "m4-max-40c", "--max-ppl-increase", "30"}).exit_code, 2);
  // compare --top: the same rule.
  const json machines = run_json({"compare", "--all", "--model", "llama-3.1-8b-q4_k_m", "--format", "json"});
  ASSERT_GT(machines.size(), 3u);
  const test::CommandResult compare_top =
      test::run_cli_args({"compare", "--all", "--model", "llama-3.1-8b-q4_k_m", "--top", "3"});
  EXPECT_NE(compare_top.out.find(std::to_string(machines.size()) + " machines ranked (the first 3 shown"),
            std::string::npos)
      << compare_top.out;
}

TEST_F(CliFlags, FlagsThatOnlyApplyWithAnotherAreRefusedWithout) {
  for (const Args& args :
       {Args{"scale", "--hw", "m2-max", "--model", "qwen3-coder-q4", "--max-batch", "16"},
        Args{"scale", "--hw", "m2-max", "--model", "qwen3-coder-q4", "--batch-sweep", "--batch", "4"},
        Args{"fit", "--hw", "m2-max", "--all-quants", "--format", "json"}, Args{"list", "models", "--vendor", "apple"},
        Args{"list", "quants", "--family", "llama"}, Args{"list", "models", "--min-memory", "64"},
        Args{"cluster", "--list-links", "--hw", "m4-pro:4"}, Args{"cluster", "--list-links", "--link", "rdma"},
        Args{"fit", "--hw", "m2-max", "--quant", "q8_0"}, Args{"validate", kRuns, "--quant", "q8_0"}}) {
    const test::CommandResult r = test::run_cli_args(args);
    EXPECT_EQ(r.exit_code, 2) << shown(args) << ": " << r.out.substr(0, 200);
    EXPECT_EQ(test::line_count(r.err), 1) << r.err;
  }
}

TEST_F(CliFlags, CalibrateWritesTheProfileInTheFormatAskedFor) {
  const fs::path json_profile = dir_ / "profile.json";
  ASSERT_EQ(test::run_cli_args({"calibrate", kRuns, "--format", "json", "-o", json_profile.string()}).exit_code, 0);
  const json doc = json::parse(test::read_file(json_profile), nullptr, false);
  ASSERT_FALSE(doc.is_discarded()) << test::read_file(json_profile).substr(0, 200);
  EXPECT_TRUE(doc.contains("profile"));
  const fs::path yaml_profile = dir_ / "profile.yaml";
  ASSERT_EQ(test::run_cli_args({"calibrate", kRuns, "-o", yaml_profile.string()}).exit_code, 0);
  EXPECT_TRUE(json::parse(test::read_file(yaml_profile), nullptr, false).is_discarded());  // YAML, not JSON
  // Both read back, to the same predictions.
  const json from_json =
      run_json({"--hw", "m2-max", "--model", "qwen3-coder-q4", "--calibration", json_profile.string(), "--format", "json"});
  const json from_yaml =
      run_json({"--hw", "m2-max", "--model", "qwen3-coder-q4", "--calibration", yaml_profile.string(), "--format", "json"});
  EXPECT_DOUBLE_EQ(from_json["decode_tok_s"].get<double>(), from_yaml["decode_tok_s"].get<double>());
}

TEST_F(CliFlags, ValidateAppliesHwOnlyToRunsWhoseFileDoesNotNameIt) {
  // A llama-bench file from an RTX 4090 (named) and one from "Apple M2 Max" (chip named, GPU size not):
  // --hw m2-max completes the second and leaves the first alone.
  const std::string cuda = std::string(LLMFIT_TEST_DATA) + "/runs/llama-bench-cuda.json";
  const std::string metal = std::string(LLMFIT_TEST_DATA) + "/runs/llama-bench-metal.jsonl";
  const fs::path written = dir_ / "runs.json";
  const test::CommandResult r =
      test::run_cli_args({"validate", cuda, metal, "--hw", "m2-max", "--write-runs", written.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::map<std::string, int> by_hardware;
  for (const json& run : json::parse(test::read_file(written))) ++by_hardware[run["hardware"].get<std::string>()];
  EXPECT_EQ(by_hardware["rtx-4090"], 3);
  EXPECT_EQ(by_hardware["m2-max"], 2);
}

TEST_F(CliFlags, GpuMemoryUtilizationSizesVllmsShareAndIsRefusedElsewhere) {
  // Llama 3.1 70B FP8 (80.4 GB) on an 80 GB H100: vLLM's default 0.9 leaves too little, 0.99 fits it.
  const auto usable_gb = [](const test::CommandResult& r) {
    return nlohmann::json::parse(r.out)["fit"]["available_gb"].get<double>();
  };
  const Args base{"--hw", "h100-sxm", "--model", "llama-3.1-70b-fp8", "--backend", "vllm", "--format", "json"};
  const test::CommandResult by_default = test::run_cli_args(base);
  ASSERT_EQ(by_default.exit_code, 0) << by_default.err;
  Args half = base;
  half.insert(half.end(), {"--gpu-memory-utilization", "0.5"});
  const test::CommandResult at_half = test::run_cli_args(half);
  ASSERT_EQ(at_half.exit_code, 0) << at_half.err;
  EXPECT_NEAR(usable_gb(at_half) / usable_gb(by_default), 0.5 / 0.9, 0.02);
  Args nearly_all = base;
  nearly_all.insert(nearly_all.end(), {"--gpu-memory-utilization", "0.99"});
  const test::CommandResult at_most = test::run_cli_args(nearly_all);
  ASSERT_EQ(at_most.exit_code, 0) << at_most.err;
  EXPECT_GT(usable_gb(at_most), usable_gb(by_default));
  EXPECT_FALSE(nlohmann::json::parse(by_default.out)["fit"]["fits"].get<bool>());
  EXPECT_TRUE(nlohmann::json::parse(at_most.out)["fit"]["fits"].get<bool>());
  for (const char* bad : {"0", "-0.5", "1.5", "nan", "inf", "abc"}) {
    Args with = base;
    with.insert(with.end(), {"--gpu-memory-utilization", bad});
    const test::CommandResult r = test::run_cli_args(with);
    EXPECT_EQ(r.exit_code, 2) << bad;
    EXPECT_NE(r.err.find("--gpu-memory-utilization"), std::string::npos) << bad << ": " << r.err;
    EXPECT_EQ(test::line_count(r.err), 1) << r.err;
  }
  // Engines that take what they need have no such share: named, with the way out.
  const test::CommandResult llama = test::run_cli_args(
      {"--hw", "rtx-4090", "--model", "llama-3-8b-q4_k_m", "--gpu-memory-utilization", "0.8"});
  EXPECT_EQ(llama.exit_code, 2);
  EXPECT_NE(llama.err.find("--gpu-memory-utilization is vLLM's share"), std::string::npos) << llama.err;
  EXPECT_NE(llama.err.find("--backend vllm"), std::string::npos) << llama.err;
}

}  // namespace
}  // namespace llmfit

// The bad-input suite: every case in tests/data/bad/ runs through the real CLI and must fail cleanly:
// exit status 2, exactly one line on stderr containing the expected text, nothing on stdout, and no
// output file (nor its temporary) left behind. Each case is `<name>.expect` plus, optionally, an
// input file `<name>.<ext>`; the .expect file holds
//   args: <arguments>   (optional; {file} = the input file, {out} = an output path that must stay absent;
//                        default: --db {file} --hw m2-max --model qwen3-coder-q4 -o {out})
//   error: <text>       (a substring of the one-line error)
//   exit: <status>      (optional; default 2)
// Inputs too large to commit (a 100 MB file, 100,000 nested brackets) are generated here at test time.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "cli_support.hpp"

namespace {

namespace fs = std::filesystem;

/// A scratch folder per test process, removed at exit.
fs::path scratch() {
  struct Folder {
    fs::path path = fs::temp_directory_path() / ("llmfit-bad-input-" + std::to_string(::getpid()));
    Folder() { fs::create_directories(path); }
    ~Folder() {
      std::error_code ignored;
      fs::remove_all(path, ignored);
    }
  };
  static const Folder folder;
  return folder.path;
}

using llmfit::test::read_file;
using CliRun = llmfit::test::CommandResult;

CliRun run_cli(const std::vector<std::string>& arguments) { return llmfit::test::run_cli_args(arguments); }

std::vector<std::string> split_words(const std::string& text) {
  std::vector<std::string> words;
  std::istringstream in(text);
  for (std::string word; in >> word;) words.push_back(word);
  return words;
}

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

/// Runs a failing command and checks the error contract; `out` must not exist afterwards.
void expect_clean_failure(const std::vector<std::string>& arguments, const std::string& expected_error,
                          int expected_exit, const fs::path& out, const std::string& label) {
  fs::remove(out);
  const CliRun run = run_cli(arguments);
  EXPECT_EQ(run.exit_code, expected_exit) << label << "\nstderr: " << run.err;
  EXPECT_TRUE(!run.err.empty() && run.err.back() == '\n' &&
              std::count(run.err.begin(), run.err.end(), '\n') == 1)
      << label << ": stderr must be exactly one line, got:\n" << run.err;
  EXPECT_NE(run.err.find(expected_error), std::string::npos)
      << label << ": expected '" << expected_error << "' in:\n" << run.err;
  EXPECT_EQ(run.err.rfind("llmfit: error: ", 0), 0u) << label << ": " << run.err;
  // Library messages refer to fields («context_tokens»); the command line spells every one as its option.
  EXPECT_EQ(run.err.find("\xC2\xAB"), std::string::npos) << label << ": unspelt field in: " << run.err;
  EXPECT_TRUE(run.out.empty()) << label << ": stdout: " << run.out.substr(0, 200);
  EXPECT_FALSE(fs::exists(out)) << label << ": output file left behind";
  EXPECT_FALSE(fs::exists(out.string() + ".tmp-llmfit")) << label << ": temporary output left behind";
}

struct Case {
  std::string name;
  fs::path input;  // empty when the case is flags only
  std::string args = "--db {file} --hw m2-max --model qwen3-coder-q4 -o {out}";
  std::string error;
  int exit = 2;
};

std::vector<Case> committed_cases() {
  const fs::path folder = fs::path(LLMFIT_TEST_DATA) / "bad";
  std::vector<Case> cases;
  for (const auto& entry : fs::directory_iterator(folder)) {
    if (entry.path().extension() != ".expect") continue;
    Case c;
    c.name = entry.path().stem().string();
    for (const auto& sibling : fs::directory_iterator(folder))
      if (sibling.path().stem() == c.name && sibling.path().extension() != ".expect") c.input = sibling.path();
    std::istringstream lines(read_file(entry.path()));
    for (std::string line; std::getline(lines, line);) {
      if (line.rfind("args: ", 0) == 0) c.args = line.substr(6);
      if (line.rfind("error: ", 0) == 0) c.error = line.substr(7);
      if (line.rfind("exit: ", 0) == 0) c.exit = std::stoi(line.substr(6));
    }
    cases.push_back(c);
  }
  std::sort(cases.begin(), cases.end(), [](const Case& a, const Case& b) { return a.name < b.name; });
  return cases;
}

TEST(BadInputs, EveryCommittedCaseFailsCleanly) {
  const std::vector<Case> cases = committed_cases();
  ASSERT_GE(cases.size(), 50u);
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    ASSERT_FALSE(c.error.empty()) << c.name << ".expect has no 'error:' line";
    if (c.args.find("{file}") != std::string::npos) {
      ASSERT_FALSE(c.input.empty()) << c.name << " has no input file";
    }
    const fs::path out = scratch() / (c.name + ".out");
    std::vector<std::string> arguments;
    for (const auto& word : split_words(c.args))
      arguments.push_back(replaced(replaced(word, "{file}", c.input.string()), "{out}", out.string()));
    expect_clean_failure(arguments, c.error, c.exit, out, c.name);
  }
}

// The harness itself: a good file passes through the same path and writes its output.
TEST(BadInputs, GoodInputWritesTheOutputFile) {
  const fs::path good = fs::path(LLMFIT_SOURCE_DIR) / "fuzz" / "corpus" / "catalog_yaml" / "all-kinds.yaml";
  const fs::path out = scratch() / "good.out";
  fs::remove(out);
  const CliRun run = run_cli({"--db", good.string(), "--hw", "rtx-4090", "--model", "qwen3-coder-q4", "-o", out.string()});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  ASSERT_TRUE(fs::exists(out));
  EXPECT_NE(read_file(out).find("RTX 4090"), std::string::npos);
  EXPECT_FALSE(fs::exists(out.string() + ".tmp-llmfit"));
  fs::remove(out);
}

TEST(BadInputs, FailedRunLeavesAnExistingOutputUntouched) {
  const fs::path out = scratch() / "existing.out";
  std::ofstream(out) << "previous result\n";
  const fs::path bad = fs::path(LLMFIT_TEST_DATA) / "bad" / "truncated-quote.yaml";
  const CliRun run = run_cli({"--db", bad.string(), "--hw", "m2-max", "--model", "qwen3-coder-q4", "-o", out.string()});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_EQ(read_file(out), "previous result\n");
  fs::remove(out);
}

TEST(BadInputs, HundredMegabyteFileIsRefusedBeforeReading) {
  // A syntactically plausible catalogue, so only the size cap (16 MiB, checked with stat before
  // reading) can refuse it. Generated here, never committed.
  const fs::path huge = scratch() / "huge.yaml";
  {
    std::ofstream file(huge, std::ios::binary);
    file << "schema: 1\nhardware:\n";
    std::string chunk;
    while (chunk.size() < (1u << 20)) chunk += "# padding line of a catalogue that is far too large to be one\n";
    for (int i = 0; i < 100; ++i) file << chunk;
  }
  ASSERT_GE(fs::file_size(huge), 100u * 1000u * 1000u);
  const fs::path out = scratch() / "huge.out";
  expect_clean_failure({"--db", huge.string(), "--hw", "m2-max", "--model", "qwen3-coder-q4", "-o", out.string()},
                       "huge.yaml: larger than 16 MiB; not a catalogue file", 2, out, "100 MB catalogue");
  expect_clean_failure({"--calibration", huge.string(), "--hw", "m2-max", "--model", "qwen3-coder-q4", "-o",
                        out.string()},
                       "huge.yaml: larger than 16 MiB; not a profile", 2, out, "100 MB profile");
  fs::remove(huge);
}

TEST(BadInputs, HundredThousandNestedBracketsDoNotOverflowTheStack) {
  // yaml-cpp recurses per nesting level; its DepthGuard stops at 500 levels, reported clearly.
  const fs::path deep = scratch() / "deep.yaml";
  std::ofstream(deep) << "schema: 1\nhardware: " << std::string(100'000, '[') << std::string(100'000, ']') << "\n";
  const fs::path out = scratch() / "deep.out";
  expect_clean_failure({"--db", deep.string(), "--hw", "m2-max", "--model", "qwen3-coder-q4", "-o", out.string()},
                       "deep.yaml:2:", 2, out, "100k nested brackets");
  expect_clean_failure({"--db", deep.string(), "--hw", "m2-max", "--model", "qwen3-coder-q4", "-o", out.string()},
                       "nested too deeply", 2, out, "100k nested brackets");
  std::ofstream(deep) << std::string(100'000, '{');
  expect_clean_failure({"--calibration", deep.string(), "--hw", "m2-max", "--model", "qwen3-coder-q4", "-o",
                        out.string()},
                       "nested too deeply", 2, out, "100k nested braces in a profile");
  fs::remove(deep);
}

TEST(BadInputs, FolderWithoutCatalogues) {
  const fs::path folder = scratch() / "no-yaml";
  fs::create_directories(folder);
  std::ofstream(folder / "readme.txt") << "not a catalogue\n";
  const fs::path out = scratch() / "folder.out";
  expect_clean_failure({"--db", folder.string(), "--hw", "m2-max", "--model", "qwen3-coder-q4", "-o", out.string()},
                       "folder holds no .yaml files", 2, out, "folder without .yaml");
}

// The class "bad batch or serving input" (issue 21): a batch of 0, a batch above the engine's limit (llama.cpp and
// Ollama 256 parallel sequences; vLLM queues users beyond its max_num_seqs, so only llmfit's own 1-4096), a context
// that leaves no KV room for one sequence where the engine holds everything on the GPU, and a tensor-parallel degree
// the model's heads do not divide into: one line naming the option and the limit, exit 2, from every command that
// takes the option.
TEST(BadInputs, BatchAndServingInputsAreRefusedByEveryCommandThatTakesThem) {
  // Each command with what it needs besides the scenario (its own required options).
  struct Command {
    std::string name;
    std::vector<std::string> words;  // the command and its own required options
  };
  const std::vector<Command> scenario_commands = {
      {"prediction", {}},
      {"compare", {"compare"}},
      {"scale", {"scale"}},
      {"cost", {"cost", "--price-usd", "1000", "--api-price-per-mtok", "1"}},
      {"check", {"check", "--claimed-tok-s", "50"}},
  };
  struct Bad {
    std::vector<std::string> scenario;  // hardware, model and the bad option
    std::string error;
  };
  const std::vector<Bad> bad = {
      {{"--hw", "rtx-4090", "--model", "llama-3.1-8b-q4_k_m", "--batch", "0"}, "--batch: 0 is out of range (expected 1 to 4096"},
      {{"--hw", "rtx-4090", "--model", "llama-3.1-8b-q4_k_m", "--batch", "257"},
       "--batch: 257 sequences is above llama.cpp's limit of 256"},
      {{"--hw", "rtx-4090", "--model", "llama-3.1-8b-q4_k_m", "--backend", "ollama", "--batch", "300"},
       "--batch: 300 sequences is above ollama's limit of 256"},
      {{"--hw", "h100-sxm", "--model", "llama-3.1-8b", "--backend", "vllm", "--batch", "5000"},
       "--batch: 5000 is out of range (expected 1 to 4096"},
      {{"--hw", "rtx-4090", "--model", "llama-3.1-8b", "--backend", "vllm", "--context", "128k"},
       "--context: 131,072 tokens leave no room for one sequence's KV cache"},
      {{"--hw", "h100-sxm:3", "--model", "llama-3.1-8b", "--backend", "vllm"},
       "--hw h100-sxm:3: vLLM splits a model over GPUs by tensor parallelism, and llama-3.1-8b's 32 attention heads "
       "do not divide over 3 GPUs; use 2, 4, 8 GPUs"},
  };
  int checked = 0;
  for (const Command& command : scenario_commands) {
    for (const Bad& b : bad) {
      std::vector<std::string> arguments = command.words;
      arguments.insert(arguments.end(), b.scenario.begin(), b.scenario.end());
      const fs::path out = scratch() / ("serving-" + std::to_string(checked++) + ".out");
      arguments.insert(arguments.end(), {"-o", out.string()});
      expect_clean_failure(arguments, b.error, 2, out, command.name + " " + b.scenario.back());
    }
  }
  // The commands with options of their own for the batch: fit (a listing of models), scale's sweep, sweep, recommend.
  const fs::path out = scratch() / "serving-own.out";
  const std::vector<std::pair<std::vector<std::string>, std::string>> own = {
      {{"fit", "--hw", "rtx-4090", "--batch", "0"}, "--batch: 0 is out of range (expected 1 to 4096"},
      {{"fit", "--hw", "rtx-4090", "--batch", "257"}, "--batch: 257 sequences is above llama.cpp's limit of 256"},
      {{"scale", "--hw", "rtx-4090", "--model", "llama-3.1-8b-q4_k_m", "--batch-sweep", "--max-batch", "0"},
       "--max-batch: 0 is out of range (1 to 4096)"},
      {{"scale", "--hw", "rtx-4090", "--model", "llama-3.1-8b-q4_k_m", "--batch-sweep", "--max-batch", "300"},
       "--max-batch: 300 sequences is above llama.cpp's limit of 256"},
      {{"scale", "--hw", "rtx-4090", "--model", "llama-3.1-8b-q4_k_m", "--batch-sweep", "--prompt-ratio", "-1"},
       "--prompt-ratio: -1 is out of range (0 to 10000)"},
      {{"scale", "--hw", "rtx-4090", "--model", "llama-3.1-8b-q4_k_m", "--prompt-ratio", "2"},
       "--prompt-ratio: not used without --batch-sweep"},
      {{"sweep", "--batch", "0"}, "batch: 0 is out of range (1 to 4096 sequences)"},
      {{"sweep", "--backend", "llama.cpp", "--batch", "300"}, "--batch: 300 sequences is above llama.cpp's limit of 256"},
      {{"sweep", "--hw", "m2-mx"}, "unknown hardware 'm2-mx' (did you mean 'm2-max'"},
      {{"sweep", "--hw", "m2-max,"}, "--hw: empty name in 'm2-max,' (stray comma?)"},
      {{"sweep", "--hw", "m3-ultra@512"}, "hardware 'm3-ultra@512': name one entry, without a device count or capacity"},
      {{"sweep", "--model", "qwen3-coder-q4"}, "--model: 'qwen3-coder-q4' names a quantisation (q4_k_m); give the model alone"},
      {{"sweep", "--quant", "q4_k_z"}, "unknown quantisation 'q4_k_z' (did you mean"},
      {{"sweep", "--backend", "vllm", "--hw", "m2-max"}, "vLLM runs on CUDA, ROCm and SYCL GPUs only and 'm2-max' is Apple Silicon"},
      {{"recommend", "--budget", "5000", "--model-size", "8b", "--users", "0"}, "--users: 0 is out of range (1 to 4096)"},
      {{"recommend", "--budget", "5000", "--model-size", "8b", "--users", "5000"},
       "--users: 5000 is out of range (1 to 4096)"},
      {{"recommend", "--budget", "5000", "--model-size", "8b", "--prompt-ratio", "-2"},
       "--prompt-ratio: -2 is out of range (0 to 10000)"},
  };
  for (const auto& [words, error] : own) {
    std::vector<std::string> arguments = words;
    arguments.insert(arguments.end(), {"-o", out.string()});
    expect_clean_failure(arguments, error, 2, out, words[0] + " " + words[words.size() - 2] + " " + words.back());
  }
}

// fit lists models: one that vLLM cannot split over the GPUs (or whose KV cache does not fit at the context) is
// skipped and counted, not the end of the listing; when no model can, the refusal is the answer (exit 2).
TEST(BadInputs, FitSkipsTheModelsAnEngineCannotRunAndRefusesWhenNoneCan) {
  const CliRun some = run_cli({"fit", "--hw", "rtx-4090", "--backend", "vllm", "--context", "128k"});
  EXPECT_EQ(some.exit_code, 0) << some.err;
  EXPECT_NE(some.out.find("skipped (context limit below the request, or what the engine cannot run here)"),
            std::string::npos)
      << some.out.substr(0, 2000);
  const fs::path out = scratch() / "fit-none.out";
  expect_clean_failure({"fit", "--hw", "h100-sxm:7", "--backend", "vllm", "-o", out.string()},
                       "do not divide over 7 GPUs", 2, out, "fit over 7 GPUs");
}

TEST(BadInputs, UnwritableOutputPath) {
  const fs::path out = scratch() / "missing-folder" / "card.txt";
  expect_clean_failure({"--hw", "m2-max", "--model", "qwen3-coder-q4", "-o", out.string()},
                       "card.txt: cannot write: the folder", 2, out, "output in a missing folder");
}

}  // namespace

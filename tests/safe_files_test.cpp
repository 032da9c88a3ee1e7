// Issue 17: llmfit never destroys what it was not asked to write and never hangs on what it reads.
// One test per class of the hostile-input table; the reproducers are the cases. A case that needs root
// (mknod) says so when it skips, and a skip is reported as skipped, never as a pass.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "cli_support.hpp"

namespace llmfit {
namespace {

namespace fs = std::filesystem;
using test::read_file;
using test::run_cli;
using test::shell_quoted;

const std::string kCard = "--hw m2-max --model qwen3-coder-q4";

class SafeFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("llmfit-safe-files-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  [[nodiscard]] std::string at(const std::string& name) const { return (dir_ / name).string(); }
  [[nodiscard]] std::string q(const std::string& name) const { return shell_quoted(at(name)); }
  void write(const std::string& name, const std::string& text) const { std::ofstream(at(name)) << text; }
  /// Entries of the scratch folder other than `expected`: a temporary left behind shows up here.
  [[nodiscard]] std::vector<std::string> others(std::initializer_list<std::string> expected) const {
    std::vector<std::string> found;
    for (const auto& entry : fs::directory_iterator(dir_)) {
      const std::string name = entry.path().filename().string();
      if (std::find(expected.begin(), expected.end(), name) == expected.end()) found.push_back(name);
    }
    return found;
  }

  fs::path dir_;
};

void expect_one_line_error(const test::CommandResult& run, int exit_code, const std::string& expected) {
  EXPECT_EQ(run.exit_code, exit_code) << run.err;
  EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1) << run.err;
  EXPECT_NE(run.err.find(expected), std::string::npos) << "expected '" << expected << "' in: " << run.err;
}

std::string fmt_key(int i) {
  std::string key = "b";
  key += std::to_string(i);
  return key;
}

// 1: a device is written to, never replaced.
TEST_F(SafeFiles, OutputOntoADeviceWritesToItAndKeepsIt) {
  const auto run = run_cli(kCard + " -o /dev/null");
  EXPECT_EQ(run.exit_code, 0) << run.err;
  struct stat status {};
  ASSERT_EQ(::stat("/dev/null", &status), 0);
  EXPECT_TRUE(S_ISCHR(status.st_mode)) << "/dev/null is no longer a device";
  EXPECT_TRUE(others({}).empty());
}

TEST_F(SafeFiles, OutputOntoAFreshDeviceNodeKeepsTheNode) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root (mknod)";
  ASSERT_EQ(::mknod(at("dn").c_str(), S_IFCHR | 0644, makedev(1, 3)), 0);  // a second /dev/null
  const auto run = run_cli(kCard + " -o " + q("dn"));
  EXPECT_EQ(run.exit_code, 0) << run.err;
  struct stat status {};
  ASSERT_EQ(::lstat(at("dn").c_str(), &status), 0);
  EXPECT_TRUE(S_ISCHR(status.st_mode)) << "the device node became a regular file";
  EXPECT_EQ(others({"dn"}), std::vector<std::string>{});
}

// 2: the temporary is created exclusively under an unpredictable name: a planted link is not followed.
TEST_F(SafeFiles, PlantedLinksAtTheTemporaryNameAreNotFollowed) {
  write("victim", "victim\n");
  for (const char* planted : {"t.txt.tmp-llmfit", ".t.txt.tmp-llmfit", ".t.txt.llmfit-tmp"})
    fs::create_symlink(at("victim"), at(planted));
  const auto run = run_cli(kCard + " -o " + q("t.txt"));
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(read_file(at("victim")), "victim\n");
  EXPECT_NE(read_file(at("t.txt")).find("Qwen3-Coder"), std::string::npos);
  EXPECT_EQ(others({"victim", "t.txt", "t.txt.tmp-llmfit", ".t.txt.tmp-llmfit", ".t.txt.llmfit-tmp"}),
            std::vector<std::string>{});
}

TEST_F(SafeFiles, OutputThroughASymbolicLinkReplacesItsTargetAndKeepsTheLink) {
  write("real.txt", "old\n");
  fs::create_symlink(at("real.txt"), at("link.txt"));
  const auto run = run_cli(kCard + " -o " + q("link.txt"));
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_TRUE(fs::is_symlink(at("link.txt")));
  EXPECT_NE(read_file(at("real.txt")).find("Qwen3-Coder"), std::string::npos);
}

// 3: two runs writing one output: the file is one whole output, never a mix; both say why they succeed.
TEST_F(SafeFiles, TwoRunsToOneOutputLeaveOneWholeOutput) {
  // Four chips, every model: each run writes megabytes over many blocks, so the two overlap.
  const std::string sweep = " sweep --hw m2-max,rtx-4090,h100-sxm,ryzen-ai-max-395 --contexts 512,4096,32768 -o " + q("r.out");
  const auto run = run_cli("2>/dev/null" + sweep + " & " + shell_quoted(LLMFIT_CLI) + sweep +
                           " --format json; wait $!");
  EXPECT_EQ(run.exit_code, 0) << run.err;
  const std::string text = read_file(at("r.out"));
  ASSERT_FALSE(text.empty());
  const bool json = text.front() == '[' || text.front() == '{';
  if (json) {
    EXPECT_EQ(text.find("hardware,"), std::string::npos) << "a CSV head inside the JSON output";
  } else {
    EXPECT_EQ(text.find('{'), std::string::npos) << "a JSON tail inside the CSV output";
  }
  EXPECT_EQ(others({"r.out"}), std::vector<std::string>{});
}

// 4: standard output errors are errors; a reader that leaves (| head) ends the run quietly.
TEST_F(SafeFiles, StandardOutputErrorsExitOneWithTheCause) {
  expect_one_line_error(run_cli(kCard + " > /dev/full"), 1, "standard output: No space left on device");
  expect_one_line_error(run_cli(kCard + " >&-"), 1, "standard output: Bad file descriptor");
  expect_one_line_error(run_cli("list models >&-"), 1, "standard output:");
  // With stdout closed, the next file opened must not take its number: the profile holds only the profile.
  const std::string runs = shell_quoted(std::string(LLMFIT_SOURCE_DIR) + "/examples/runs/llamacpp-4167-apple-silicon.json");
  expect_one_line_error(run_cli("calibrate " + runs + " -o " + q("p.yaml") + " >&-"), 1, "standard output:");
  EXPECT_EQ(read_file(at("p.yaml")).find("ACCURACY"), std::string::npos);
  EXPECT_EQ(run_cli("--calibration " + q("p.yaml") + " " + kCard).exit_code, 0);
  // One chip's sweep is still hundreds of kilobytes, more than a pipe holds.
  const auto quiet = run_cli("sweep --hw m2-max | head -c 10 >/dev/null");
  EXPECT_TRUE(quiet.err.empty()) << quiet.err;
}

// 5: reads are bounded while reading: a device is refused at once, a large file before it is read, a pipe
// as soon as it passes the cap.
TEST_F(SafeFiles, InputsAreBoundedWhileReading) {
  expect_one_line_error(run_cli("--hf-config /dev/zero --hw m2-max --quant q4_k_m"), 2, "/dev/zero: is a device");
  write("big.json", "");
  fs::resize_file(at("big.json"), 70u << 20);  // sparse: refused by its size, not by reading it
  expect_one_line_error(run_cli("--hf-config " + q("big.json") + " --hw m2-max --quant q4_k_m"), 2,
                        "big.json: larger than 64 MiB");
  ASSERT_EQ(::mkfifo(at("pipe").c_str(), 0600), 0);
  const auto piped = test::run_cli_env("(head -c 70000000 /dev/zero > " + q("pipe") + " 2>/dev/null &) >/dev/null;",
                                       "--hf-config " + q("pipe") + " --hw m2-max --quant q4_k_m");
  expect_one_line_error(piped, 2, "pipe: larger than 64 MiB");
}

// A named pipe is read once its writer comes, however late (it read as empty before the writer opened it).
TEST_F(SafeFiles, NamedPipeWaitsForItsWriter) {
  ASSERT_EQ(::mkfifo(at("runs.fifo").c_str(), 0600), 0);
  const std::string runs = shell_quoted(std::string(LLMFIT_SOURCE_DIR) + "/tests/data/runs/llmfit-runs.json");
  const auto run = test::run_cli_env("(sleep 1; cat " + runs + " > " + q("runs.fifo") + ") >/dev/null 2>&1 &",
                                     "validate " + q("runs.fifo") + " --format json");
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("\"decode\""), std::string::npos) << run.out.substr(0, 300);
}

TEST_F(SafeFiles, TextInputsMayBePipes) {
  const std::string runs = shell_quoted(std::string(LLMFIT_SOURCE_DIR) + "/tests/data/runs/llmfit-runs.json");
  const auto run = run_cli("validate /dev/stdin --format json < /dev/null; cat " + runs + " | " +
                           shell_quoted(LLMFIT_CLI) + " validate /dev/stdin --format json");
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("\"decode\""), std::string::npos) << run.out.substr(0, 300);
}

// 6: a GGUF must be a regular, seekable file: a FIFO is refused at once (timeout turns a hang into 124).
TEST_F(SafeFiles, ModelFileFifoIsRefusedWithoutWaiting) {
  ASSERT_EQ(::mkfifo(at("f.gguf").c_str(), 0600), 0);
  const auto run = test::run_cli_env("timeout 20", "--hw m2-max --model-file " + q("f.gguf"));
  expect_one_line_error(run, 2, "is a pipe; this input must be a regular, seekable file");
}

// 7: YAML aliases are counted expanded, before anything is built.
TEST_F(SafeFiles, YamlAliasFloodIsRefusedBeforeExpansion) {
  std::string flood = "a: &L [&e {id: xx, name: X}";
  for (int i = 0; i < 9998; ++i) flood += ", *e";
  flood += "]\n";
  for (int i = 0; i < 100; ++i) flood += fmt_key(i) + ": *L\n";
  write("flood.yaml", flood);
  expect_one_line_error(run_cli("--db " + q("flood.yaml") + " " + kCard), 2, "YAML nodes with its aliases expanded");
  // Nested ("billion laughs"): ten levels of ten.
  std::string laughs = "l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int level = 1; level < 10; ++level) {
    std::string name(1, 'l');
    name += std::to_string(level);
    laughs += name;
    laughs += ": &";
    laughs += name;
    laughs += " [";
    for (int i = 0; i < 10; ++i) {
      if (i > 0) laughs += ", ";
      laughs += "*l";
      laughs += std::to_string(level - 1);
    }
    laughs += "]\n";
  }
  write("laughs.yaml", laughs);
  expect_one_line_error(run_cli("--calibration " + q("laughs.yaml") + " " + kCard), 2, "YAML nodes");
}

// 8: a key twice in one mapping, or a second document, is an error, not a merge or a silent skip.
TEST_F(SafeFiles, RepeatedKeysAndExtraDocumentsAreRefused) {
  write("twice.yaml", "schema: 1\nhardware: []\nhardware: []\n");
  expect_one_line_error(run_cli("--db " + q("twice.yaml") + " " + kCard), 2,
                        "twice.yaml:3:1: hardware: appears twice in one mapping (first on line 2)");
  write("two-docs.yaml", "schema: 1\nhardware: []\n---\nmodels: []\n");
  expect_one_line_error(run_cli("--db " + q("two-docs.yaml") + " " + kCard), 2, "holds a second YAML document");
  write("garbage.yaml", "schema: 1\nhardware: []\n---\n{{{ not yaml\n");
  expect_one_line_error(run_cli("--db " + q("garbage.yaml") + " " + kCard), 2, "garbage.yaml:");
  const std::string profile = read_file(std::string(LLMFIT_SOURCE_DIR) + "/profiles/default.yaml");
  write("profile.yaml", profile + "---\nprofile: {}\n");
  expect_one_line_error(run_cli("--calibration " + q("profile.yaml") + " " + kCard), 2, "holds a second YAML document");
}

// 9: kernel pseudo-files are refused by name, not reported as an internal error.
TEST_F(SafeFiles, ProcFilesAreRefusedWithTheirName) {
  expect_one_line_error(run_cli("--db /proc/self/mem " + kCard), 2, "/proc/self/mem: is a kernel pseudo-file");
  expect_one_line_error(run_cli("--calibration /proc/cpuinfo " + kCard), 2, "/proc/cpuinfo: is a kernel pseudo-file");
}

// 10: measured rates outside physical bounds are refused with the bounds, so no inf reaches a report.
TEST_F(SafeFiles, MeasuredRatesOutsidePhysicalBoundsAreRefused) {
  const std::string record = R"({"hardware": "rtx-4090", "model": "llama-3.1-8b", "quant": "q4_k_m",
    "backend": "llama.cpp", "n_gen": 128, "source": "t", )";
  write("tiny.json", "[" + record + R"("decode_tok_s": 1e-308}])");
  expect_one_line_error(run_cli("validate " + q("tiny.json")), 2, "a decode rate must be from 0.01 to 1e+06 tokens/s");
  write("huge.json", "[" + record + R"("decode_tok_s": 5e6}])");
  expect_one_line_error(run_cli("validate " + q("huge.json")), 2, "a decode rate must be from 0.01 to 1e+06");
  write("ollama.json", R"({"model": "llama3.1:8b-instruct-q4_K_M", "eval_count": 100, "eval_duration": 1e300,
    "done": true})");
  const auto ollama = run_cli("validate " + q("ollama.json") + " --hw rtx-4090");
  expect_one_line_error(ollama, 2, "eval_duration: a decode rate must be from 0.01");
  EXPECT_EQ(ollama.err.find("inf"), std::string::npos) << ollama.err;
}

// 11: calibrate never writes a profile its own reader refuses.
TEST_F(SafeFiles, CalibrateRefusesToWriteAnUnreadableProfile) {
  // One run at 0.05 tokens/s (inside the bounds, absurd against the other thousand) among the shipped runs.
  write("slow.json", R"([{"hardware": "rtx-4090", "model": "llama-2-7b", "quant": "q4_0", "backend": "llama.cpp",
    "api": "cuda", "n_prompt": 512, "prefill_tok_s": 0.05, "source": "a transcription error"}])");
  const std::string runs = shell_quoted(std::string(LLMFIT_SOURCE_DIR) + "/examples/runs") + "/*.json";
  const auto run = run_cli("calibrate " + runs + " " + q("slow.json") + " -o " + q("p.yaml"));
  if (run.exit_code == 0) {
    // The fit absorbed the run: what was written must then be readable.
    const auto read_back = run_cli("--calibration " + q("p.yaml") + " " + kCard);
    EXPECT_EQ(read_back.exit_code, 0) << read_back.err;
  } else {
    expect_one_line_error(run, 2, "calibrate: no profile written, it would not be readable");
    EXPECT_NE(run.err.find("slow.json record 0"), std::string::npos) << run.err;
    EXPECT_FALSE(fs::exists(at("p.yaml")));
  }
  EXPECT_EQ(others({"slow.json", "p.yaml"}), std::vector<std::string>{});
}

// 12: a replaced file keeps its mode; one the caller may not write is refused (root may write anything).
TEST_F(SafeFiles, ReplacedOutputKeepsItsMode) {
  write("private.txt", "x\n");
  fs::permissions(at("private.txt"), fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_EQ(run_cli(kCard + " -o " + q("private.txt")).exit_code, 0);
  EXPECT_EQ(fs::status(at("private.txt")).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  write("readonly.txt", "x\n");
  fs::permissions(at("readonly.txt"), fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read);
  const auto run = run_cli(kCard + " -o " + q("readonly.txt"));
  if (::geteuid() == 0) {
    EXPECT_EQ(run.exit_code, 0) << run.err;
    EXPECT_EQ(fs::status(at("readonly.txt")).permissions() & fs::perms::all,
              fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read);
  } else {
    expect_one_line_error(run, 2, "readonly.txt: cannot write: Permission denied (its mode is 0444)");
    EXPECT_EQ(read_file(at("readonly.txt")), "x\n");
  }
}

// 13: all outputs of a command or none.
TEST_F(SafeFiles, AFailedOutputLeavesNoOtherOutputBehind) {
  const auto run = run_cli("compare --model qwen3-coder-q4 --hw m2-max,rtx-4090 --svg " + q("c.svg") + " -o " +
                           q("nodir/x"));
  expect_one_line_error(run, 2, "cannot write: the folder");
  EXPECT_FALSE(fs::exists(at("c.svg")));
  EXPECT_EQ(others({}), std::vector<std::string>{});
  const auto same = run_cli("compare --model qwen3-coder-q4 --hw m2-max,rtx-4090 --svg " + q("c.out") + " -o " +
                            q("c.out"));
  expect_one_line_error(same, 2, "named for two outputs");
}

// 14: every message states the real input and cause, and never echoes another file's content.
TEST_F(SafeFiles, MessagesStateTheRealInputAndCause) {
  fs::create_directory(at("folder"));
  expect_one_line_error(run_cli(kCard + " -o " + q("folder")), 2, "folder: is a folder; name a file");
  expect_one_line_error(run_cli(kCard + " --batch ''"), 2, "--batch: empty value");
  expect_one_line_error(run_cli(kCard + " --context 99999999999999999999"), 2,
                        "--context: 99999999999999999999 is out of range");
  expect_one_line_error(run_cli("--hw m2-max --model-file ''"), 2, "--model-file: empty value");
  expect_one_line_error(run_cli("--db '' " + kCard), 2, "--db: empty value");
  ASSERT_EQ(::mkfifo(at("runs-fifo").c_str(), 0600), 0);
  // A writer that opens the pipe and closes it without writing (a named pipe waits for its writer).
  expect_one_line_error(test::run_cli_env("(: > " + q("runs-fifo") + ") >/dev/null 2>&1 & timeout 20",
                                          "calibrate " + q("runs-fifo")),
                        2, "runs-fifo: empty file");
  write("secret", "root:$6$saltsalt$hash:20228:0:99999:7:::\n");
  const auto secret = run_cli("--calibration " + q("secret") + " " + kCard);
  EXPECT_EQ(secret.exit_code, 2);
  EXPECT_EQ(secret.err.find("saltsalt"), std::string::npos) << secret.err;
  EXPECT_EQ(secret.err.find("root:"), std::string::npos) << secret.err;
}

// 15: a declared size the shape does not bear out is refused (the GGUF case is in gguf_test.cpp).
TEST_F(SafeFiles, ModelWhosePublishedSizeContradictsItsShapeIsRefused) {
  write("tiny.yaml", R"(schema: 1
models:
  - id: test-model
    name: Test
    family: llama
    params_b: 0.000001
    active_params_b: 0.000001
    layers: 32
    hidden_size: 4096
    intermediate_size: 14336
    attention_heads: 32
    kv_heads: 8
    head_dim: 128
    vocab_size: 128256
    max_context: 131072
    default_quant: q4_k_m
    source: test
)");
  const auto run = run_cli("--db " + q("tiny.yaml") + " --hw m2-max --model test-model");
  EXPECT_EQ(run.exit_code, 2) << run.err;
  EXPECT_NE(run.err.find("params_b"), std::string::npos) << run.err;
}

// 16: documented ranges are enforced: a negative standard deviation is not a measurement.
TEST_F(SafeFiles, NegativeStandardDeviationsAreRefused) {
  write("sd.json", R"([{"hardware": "rtx-4090", "model": "llama-3.1-8b", "quant": "q4_k_m", "backend": "llama.cpp",
    "n_gen": 128, "decode_tok_s": 100, "decode_stddev_tok_s": -1, "source": "t"}])");
  expect_one_line_error(run_cli("validate " + q("sd.json")), 2, "decode_stddev_tok_s: a standard deviation must be >= 0");
  std::string bench = read_file(std::string(LLMFIT_SOURCE_DIR) + "/tests/data/runs/llama-bench-cuda.json");
  const auto at_stddev = bench.find("\"stddev_ts\"");
  ASSERT_NE(at_stddev, std::string::npos);
  const auto value = bench.find(':', at_stddev) + 1;
  bench.replace(value, bench.find_first_of(",\n}", value) - value, " -1");
  write("bench.json", bench);
  const auto run = run_cli("validate " + q("bench.json") + " --strict");
  expect_one_line_error(run, 2, "stddev_ts: a standard deviation must be >= 0");
}

// 17: an output that is one of the command's inputs is refused, and the input is untouched.
TEST_F(SafeFiles, OutputNamingAnInputIsRefused) {
  const std::string catalogue = "schema: 1\nhardware: []\n";
  write("my.yaml", catalogue);
  expect_one_line_error(run_cli("--db " + q("my.yaml") + " " + kCard + " -o " + q("my.yaml")), 2,
                        "my.yaml: is also an input of this command");
  EXPECT_EQ(read_file(at("my.yaml")), catalogue);
  const std::string runs = read_file(std::string(LLMFIT_SOURCE_DIR) + "/tests/data/runs/public-table.csv");
  write("runs.csv", runs);
  expect_one_line_error(run_cli("calibrate " + q("runs.csv") + " -o " + q("runs.csv")), 2, "is also an input");
  EXPECT_EQ(read_file(at("runs.csv")), runs);
  expect_one_line_error(run_cli("validate " + q("runs.csv") + " --write-runs " + q("runs.csv")), 2, "is also an input");
  EXPECT_EQ(read_file(at("runs.csv")), runs);
  // The same file under another name (a hard link) is the same input.
  fs::create_hard_link(at("runs.csv"), at("alias.csv"));
  expect_one_line_error(run_cli("calibrate " + q("runs.csv") + " -o " + q("alias.csv")), 2, "is also an input");
  EXPECT_EQ(others({"my.yaml", "runs.csv", "alias.csv"}), std::vector<std::string>{});
}

}  // namespace
}  // namespace llmfit

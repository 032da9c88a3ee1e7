// Commands run in process (llmfit serve, the page): the same JSON as the command line for the same options,
// bad input of every kind a status-2 message (never a crash, a file, or status 1), and the page link of
// --url carrying a view that reproduces the same answer.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "cli_support.hpp"
#include "commands.hpp"
#include "in_process.hpp"
#include "page_link.hpp"

namespace llmfit {
namespace {

using cli::InProcessRequest;
using cli::InProcessResult;

/// A command with its options twice: as command-line words and as the query string the page sends.
struct Scenario {
  std::string command;
  std::vector<std::string> positionals;
  std::vector<std::string> arguments;  // options as the command line takes them
  std::string query;                   // the same as a query string
};

const std::vector<Scenario>& scenarios() {
  static const std::vector<Scenario> all{
      {"predict", {}, {"--hw", "m2-max", "--model", "qwen3-coder-q4"}, "hw=m2-max&model=qwen3-coder-q4"},
      {"predict",
       {},
       {"--hw", "rtx-4090", "--model", "llama-3.1-8b-q8", "--context", "32768", "--kv-type", "q8_0", "--batch", "4"},
       "hw=rtx-4090&model=llama-3.1-8b-q8&context=32768&kv-type=q8_0&batch=4"},
      {"predict", {}, {"--hw", "rtx-4090", "--model", "llama-3.3-70b-q4", "--no-offload"},
       "hw=rtx-4090&model=llama-3.3-70b-q4&no-offload"},
      {"predict", {}, {"--hw", "m2-max", "--model", "qwen3-coder-q4", "--bandwidth-gb-s", "800",
                       "--weight-bandwidth-efficiency", "0.6"},
       "hw=m2-max&model=qwen3-coder-q4&bandwidth-gb-s=800&weight-bandwidth-efficiency=0.6"},
      // A card whose bus width and data rate give its shipped bandwidth: the what-if replaces them.
      {"predict", {}, {"--hw", "rtx-4090", "--model", "llama-3.1-8b-q4_0", "--bandwidth-gb-s", "1240"},
       "hw=rtx-4090&model=llama-3.1-8b-q4_0&bandwidth-gb-s=1240"},
      {"compare", {}, {"--model", "qwen3-coder-q4", "--hw", "m2-max,rtx-4090,rtx-3090:2"},
       "model=qwen3-coder-q4&hw=m2-max%2Crtx-4090%2Crtx-3090%3A2"},
      {"compare", {}, {"--model", "llama-3.1-8b-q4", "--all", "--vendor", "apple"},
       "model=llama-3.1-8b-q4&all&vendor=apple"},
      {"fit", {}, {"--hw", "rtx-4090", "--sort", "speed", "--top", "5"}, "hw=rtx-4090&sort=speed&top=5"},
      {"scale", {}, {"--hw", "m2-max", "--model", "qwen3-coder-q4", "--batch-sweep", "--max-batch", "16"},
       "hw=m2-max&model=qwen3-coder-q4&batch-sweep&max-batch=16"},
      {"cluster", {}, {"--hw", "m4-pro:4@64", "--model", "llama-3.3-70b-q4", "--link", "thunderbolt5"},
       "hw=m4-pro%3A4%4064&model=llama-3.3-70b-q4&link=thunderbolt5"},
      {"cost", {}, {"--hw", "m4-max-40c", "--model", "qwen3-coder-q4", "--utilization", "0.5"},
       "hw=m4-max-40c&model=qwen3-coder-q4&utilization=0.5"},
      {"recommend", {}, {"--budget", "4000", "--users", "3", "--model-size", "30b"},
       "budget=4000&users=3&model-size=30b"},
      {"check", {}, {"--hw", "m1", "--model", "qwen2-1.5b-q4", "--claimed-tok-s", "200"},
       "hw=m1&model=qwen2-1.5b-q4&claimed-tok-s=200"},
      {"list", {"hardware"}, {"--vendor", "nvidia"}, "vendor=nvidia"},
      {"show", {"model", "qwen3-coder-30b-a3b"}, {}, ""},
  };
  return all;
}

InProcessResult run(const std::string& command, const std::string& query, std::vector<std::string> positionals = {},
                    bool keep_charts = false) {
  InProcessRequest request;
  request.positionals = std::move(positionals);
  request.query = query;
  request.keep_charts = keep_charts;
  const cli::CommandSetup* setup = cli::find_command(cli::page_commands(), command);
  EXPECT_NE(setup, nullptr) << command;
  return cli::run_in_process(*setup, request, Catalog::builtin(), shipped_efficiency_profile());
}

std::vector<std::string> command_line(const Scenario& s) {
  std::vector<std::string> words;
  if (s.command != "predict") words.push_back(s.command);
  words.insert(words.end(), s.positionals.begin(), s.positionals.end());
  words.insert(words.end(), s.arguments.begin(), s.arguments.end());
  return words;
}

TEST(InProcess, EveryPageCommandAnswersExactlyAsTheCommandLine) {
  std::set<std::string> covered;
  for (const Scenario& s : scenarios()) {
    std::vector<std::string> words = command_line(s);
    words.insert(words.end(), {"--format", "json"});
    const test::CommandResult cli = test::run_cli_args(words);
    ASSERT_EQ(cli.exit_code, 0) << s.command << " " << s.query << ": " << cli.err;
    const InProcessResult in_process = run(s.command, s.query, s.positionals);
    ASSERT_EQ(in_process.status, 0) << s.command << " " << s.query << ": " << in_process.error;
    EXPECT_TRUE(in_process.is_json);
    EXPECT_EQ(in_process.document, cli.out) << s.command << " " << s.query;
    covered.insert(s.command);
  }
  for (const cli::CommandSetup& command : cli::page_commands())
    EXPECT_TRUE(covered.count(std::string(command.name))) << "no scenario runs " << command.name;
}

TEST(InProcess, BadInputIsTheCommandLinesMessageWithStatusTwo) {
  const std::vector<Scenario> bad{
      {"predict", {}, {"--hw", "m2-mx", "--model", "qwen3-coder-q4"}, "hw=m2-mx&model=qwen3-coder-q4"},
      {"predict", {}, {"--hw", "m2-max", "--model", "qwen3-coder-q4", "--context", "-5"},
       "hw=m2-max&model=qwen3-coder-q4&context=-5"},
      {"compare", {}, {"--model", "qwen3-coder-q4"}, "model=qwen3-coder-q4"},
      {"cost", {}, {"--hw", "m2-max", "--model", "qwen3-coder-q4", "--years", "0"},
       "hw=m2-max&model=qwen3-coder-q4&years=0"},
      {"predict", {}, {"--hw", "m2-max", "--model", "qwen3-coder-q4", "--bandwidth-gb-s", "0.5"},
       "hw=m2-max&model=qwen3-coder-q4&bandwidth-gb-s=0.5"},
  };
  for (const Scenario& s : bad) {
    const test::CommandResult cli = test::run_cli_args(command_line(s));
    ASSERT_EQ(cli.exit_code, 2) << s.query;
    const InProcessResult in_process = run(s.command, s.query);
    EXPECT_EQ(in_process.status, 2) << s.query;
    EXPECT_EQ("llmfit: error: " + in_process.error + "\n", cli.err) << s.query;
    EXPECT_TRUE(in_process.document.empty());
  }
}

TEST(InProcess, OptionChoicesAreWhatTheCommandAccepts) {
  // The page's selects and the MCP schemas offer an option's choices: each one must be accepted, and the
  // options that name an enum's value must list them.
  struct Case {
    std::string command, option, base_query;
  };
  const std::vector<Case> cases{{"predict", "kv-type", "hw=m2-max&model=qwen3-coder-q4"},
                                {"predict", "backend", "hw=m2-max&model=qwen3-coder-q4"},
                                {"predict", "api", "hw=m2-max&model=qwen3-coder-q4"},
                                {"compare", "kind", "model=qwen3-coder-q4&all"},
                                {"fit", "sort", "hw=rtx-4090&top=2"}};
  for (const Case& c : cases) {
    const cli::CommandSetup* setup = cli::find_command(cli::page_commands(), c.command);
    ASSERT_NE(setup, nullptr);
    std::vector<std::string> choices;
    for (const cli::OptionInfo& option : cli::describe_options(*setup))
      if (option.name == c.option) choices = option.choices;
    ASSERT_GE(choices.size(), 2U) << c.command << " --" << c.option;
    for (const std::string& choice : choices) {
      const InProcessResult result = run(c.command, c.base_query + "&" + c.option + "=" + choice);
      EXPECT_NE(result.status, 1) << c.command << " --" << c.option << " " << choice << ": " << result.error;
      if (result.status == 2) {  // a valid choice refused only for the machine, never as an unknown name
        EXPECT_EQ(result.error.find("did you mean"), std::string::npos) << choice << ": " << result.error;
      }
    }
    const InProcessResult unknown = run(c.command, c.base_query + "&" + c.option + "=not-a-choice");
    EXPECT_EQ(unknown.status, 2) << c.command << " --" << c.option;
  }
}

TEST(InProcess, OptionsThatWriteOrReadFilesAreRefused) {
  for (const std::string query : {"hw=m2-max&model=qwen3-coder-q4&output=%2Ftmp%2Fx.json", "hw=m2-max&format=text",
                                  "hw=m2-max&db=%2Fetc", "hw=m2-max&calibration=x.yaml", "hw=m2-max&model-file=x.gguf"}) {
    const InProcessResult result = run("predict", query);
    EXPECT_EQ(result.status, 2) << query;
    EXPECT_FALSE(result.error.empty()) << query;
  }
  const InProcessResult svg = run("compare", "model=qwen3-coder-q4&hw=m2-max&svg=%2Ftmp%2Fchart.svg");
  EXPECT_EQ(svg.status, 2);
  EXPECT_NE(svg.error.find("--svg"), std::string::npos) << svg.error;
  // validate reads its runs from the request, never from a file it names.
  const cli::CommandSetup validate{"validate", cli::setup_validate};
  InProcessRequest request;
  request.positionals = {std::string(LLMFIT_SOURCE_DIR) + "/examples/runs/llamacpp-4167-apple-silicon.json"};
  const InProcessResult named = cli::run_in_process(validate, request, Catalog::builtin(), shipped_efficiency_profile());
  EXPECT_EQ(named.status, 2);
  EXPECT_NE(named.error.find("no file is read"), std::string::npos) << named.error;
}

TEST(InProcess, ThePageGetsTheCommandsChart) {
  const InProcessResult result = run("compare", "model=qwen3-coder-q4&hw=m2-max%2Crtx-4090", {}, true);
  ASSERT_EQ(result.status, 0) << result.error;
  ASSERT_EQ(result.charts.size(), 1u);
  EXPECT_EQ(result.charts[0].first, "chart");
  EXPECT_NE(result.charts[0].second.find("<svg"), std::string::npos) << result.charts[0].second.substr(0, 80);
  const InProcessResult no_chart = run("predict", "hw=m2-max&model=qwen3-coder-q4", {}, true);
  EXPECT_TRUE(no_chart.charts.empty());  // the main answer draws none
}

TEST(InProcess, HelpIsTextWithStatusZero) {
  const InProcessResult help = run("fit", "help");
  EXPECT_EQ(help.status, 0);
  EXPECT_FALSE(help.is_json);
  EXPECT_NE(help.document.find("--min-tok-s"), std::string::npos);
}

// --url prints the page's link; the link's query, run on the page (or the API), is the same answer.
TEST(InProcess, UrlLinksReproduceTheSameAnswer) {
  for (const Scenario& s : scenarios()) {
    if (s.command == "list" || s.command == "show") continue;  // no view of their own on the page
    std::vector<std::string> words = command_line(s);
    words.push_back("--url");
    const test::CommandResult link = test::run_cli_env("LLMFIT_PAGE_URL=https://example.org/llmfit.html", [&] {
      std::string joined;
      for (const auto& w : words) joined.append(" ").append(test::shell_quoted(w));
      return joined;
    }());
    ASSERT_EQ(link.exit_code, 0) << link.err;
    const std::string prefix = "https://example.org/llmfit.html?";
    ASSERT_EQ(link.out.rfind(prefix, 0), 0u) << link.out;
    ASSERT_EQ(link.out.back(), '\n');
    std::string query = link.out.substr(prefix.size(), link.out.size() - prefix.size() - 1);
    // The page takes the command from `view` (absent: the main answer) and runs the rest.
    std::string view = "predict";
    if (query.rfind("view=", 0) == 0) {
      const std::size_t amp = query.find('&');
      view = query.substr(5, amp - 5);
      query = amp == std::string::npos ? "" : query.substr(amp + 1);
    }
    EXPECT_EQ(view, s.command) << link.out;
    const InProcessResult from_link = run(view, query);
    ASSERT_EQ(from_link.status, 0) << link.out << ": " << from_link.error;
    EXPECT_EQ(from_link.document, run(s.command, s.query).document) << link.out;
  }
}

TEST(InProcess, UrlRefusesFilesTheLinkCannotCarry) {
  const test::CommandResult link =
      test::run_cli("--db " + test::shell_quoted(std::string(LLMFIT_SOURCE_DIR) + "/hardware-db") +
                    " --hw m2-max --model qwen3-coder-q4 --url");
  EXPECT_EQ(link.exit_code, 2);
  EXPECT_NE(link.err.find("--db"), std::string::npos) << link.err;
}

TEST(QueryString, DecodesAndRefusesMalformedInput) {
  const auto pairs = cli::parse_query("hw=rtx-3090%3A2&model=a+b&&no-offload&context=");
  ASSERT_EQ(pairs.size(), 4u);
  EXPECT_EQ(pairs[0].value, "rtx-3090:2");
  EXPECT_EQ(pairs[1].value, "a b");
  EXPECT_FALSE(pairs[2].has_value);
  EXPECT_TRUE(pairs[3].has_value);
  EXPECT_EQ(pairs[3].value, "");
  for (const std::string bad : {"hw=%zz", "hw=%4", "hw=%", "--hw=x", "HW=x", "h%20w=x", "=x", "a.b=1"})
    EXPECT_THROW((void)cli::parse_query(bad), InputError) << bad;
  std::string many;
  for (std::size_t i = 0; i <= cli::kMaxQueryPairs; ++i) many += "batch=1&";
  EXPECT_THROW((void)cli::parse_query(many), InputError);
  EXPECT_EQ(cli::percent_encoded("a b+c/d%"), "a%20b%2Bc%2Fd%25");
  EXPECT_EQ(cli::percent_encoded("rtx-3090:2,m2-max@64"), "rtx-3090:2,m2-max@64");
}

// Fuzzed query strings: any mix of known keys, unknown keys, escapes and odd values answers with status 0
// or 2 and a message, never status 1 (an internal failure) and never a crash.
TEST(QueryString, FuzzedQueriesAreAnswersOrMessages) {
  const std::vector<std::string> keys{"hw", "model", "context", "batch", "kv-type", "no-offload", "all", "top",
                                      "budget", "users", "memory", "help", "format", "output", "svg", "url",
                                      "x", "db", "prompt-tokens", "claimed-tok-s", "link", "years", "sort"};
  const std::vector<std::string> values{"m2-max", "rtx-4090:2", "qwen3-coder-q4", "0", "-1", "1e308", "nan", "inf",
                                        "", "%00", "%ff%fe", "99999999999999999999999", "a,b,,c", "%2e%2e%2f",
                                        "true", "false", "8192", "q8_0", "llama-3.1-8b-q4", "m4-pro:0@-5"};
  std::mt19937 random(20261206);
  const auto pick = [&random](const std::vector<std::string>& from) {
    return from[std::uniform_int_distribution<std::size_t>(0, from.size() - 1)(random)];
  };
  const std::vector<std::string> commands{"predict", "compare", "fit", "scale", "cluster", "cost", "recommend", "check"};
  for (int i = 0; i < 300; ++i) {
    std::string query;
    const int pairs = std::uniform_int_distribution<int>(0, 6)(random);
    for (int p = 0; p < pairs; ++p) {
      if (!query.empty()) query += random() % 7 == 0 ? "&&" : "&";
      query += pick(keys);
      if (random() % 4 != 0) query.append("=").append(pick(values));
    }
    const std::string command = pick(commands);
    const InProcessResult result = run(command, query);
    EXPECT_NE(result.status, 1) << command << "?" << query << ": " << result.error;
    if (result.status == 2) {
      EXPECT_FALSE(result.error.empty()) << command << "?" << query;
    }
    EXPECT_EQ(result.error.find('\n'), std::string::npos) << result.error;
  }
}

}  // namespace
}  // namespace llmfit

// The planning commands through the real binary: JSON fields and values, formats, charts, errors.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "llmfit/plan.hpp"
#include "llmfit/profile.hpp"
#include "xml_check.hpp"

#include "cli_support.hpp"

namespace llmfit {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct RunResult {
  int status = -1;
  std::string out;
  std::string err;
};

class CliPlan : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("llmfit-cli-plan-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  RunResult run(const std::vector<std::string>& args) {
    const test::CommandResult c = test::run_cli_args(args);
    return {c.exit_code, c.out, c.err};
  }

  json run_json(const std::vector<std::string>& args) {
    std::vector<std::string> with = args;
    with.insert(with.end(), {"--format", "json"});
    const RunResult r = run(with);
    EXPECT_EQ(r.status, 0) << r.err;
    return json::parse(r.out);
  }

  fs::path dir_;
};

// ------------------------------------------------------------------------------------- every format

/// The CSV header line's columns.
std::vector<std::string> csv_header(const std::string& csv) {
  std::vector<std::string> columns;
  std::istringstream line(csv.substr(0, csv.find('\r')));
  for (std::string column; std::getline(line, column, ',');) columns.push_back(column);
  return columns;
}

// One field list per tool feeds every format: the CSV has a column for each field of a JSON row (nested
// lists aside), and nothing else.
TEST_F(CliPlan, CsvAndJsonCarryTheSameFields) {
  struct Case {
    std::vector<std::string> args;
    std::string rows_key;  // where the rows are in the JSON ("" = the document is the array of rows)
  };
  for (const Case& c : {Case{{"compare", "--hw", "m2-max,rtx-4090", "--model", "llama-3.1-8b-q4"}, ""},
                        Case{{"fit", "--hw", "m2-max"}, ""},
                        Case{{"scale", "--hw", "m2-max", "--model", "qwen3-coder-q4"}, "context_scaling"},
                        Case{{"scale", "--hw", "m2-max", "--model", "qwen3-coder-q4", "--batch-sweep"}, "batch_sweep"}}) {
    const json doc = run_json(c.args);
    const json& rows = c.rows_key.empty() ? doc : doc[c.rows_key];
    ASSERT_TRUE(rows.is_array() && !rows.empty()) << c.args[0];
    std::set<std::string> json_keys;
    for (const auto& [key, value] : rows[0].items())
      if (!(value.is_array() && !value.empty() && value[0].is_object())) json_keys.insert(key);
    std::vector<std::string> with = c.args;
    with.insert(with.end(), {"--format", "csv"});
    const RunResult csv = run(with);
    ASSERT_EQ(csv.status, 0) << csv.err;
    const std::vector<std::string> header = csv_header(csv.out);
    EXPECT_EQ(std::set<std::string>(header.begin(), header.end()), json_keys) << c.args[0];
    EXPECT_EQ(header.size(), json_keys.size()) << c.args[0] << ": a column twice";
    // Every row has a cell per column.
    std::istringstream lines(csv.out);
    int rows_seen = 0;
    for (std::string line; std::getline(lines, line);) {
      if (rows_seen++ == 0 || line.find('"') != std::string::npos) continue;  // quoted cells may hold commas
      EXPECT_EQ(std::count(line.begin(), line.end(), ',') + 1, static_cast<long>(header.size())) << line;
    }
    EXPECT_EQ(rows_seen - 1, static_cast<int>(rows.size())) << c.args[0];
  }
}

// ------------------------------------------------------------------------------------------ compare

TEST_F(CliPlan, CompareJsonHasTheDocumentedFieldsInRankOrder) {
  const json rows = run_json({"compare", "--model", "qwen3-coder-q4", "--hw", "m1,m2-max,rtx-4090,h100-sxm,rtx-3090:2"});
  ASSERT_TRUE(rows.is_array());
  ASSERT_EQ(rows.size(), 5u);
  for (const json& row : rows)
    for (const char* field : {"hardware", "fits", "decode_tok_s", "prefill_tok_s", "headroom_gb", "tok_s_per_usd",
                              "tok_s_per_watt", "verdict", "price_usd", "count", "rank"})
      EXPECT_TRUE(row.contains(field)) << field;
  // Fitting rows first, fastest first; the 8 GB M1 last.
  bool seen_not_fitting = false;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (!rows[i]["fits"].get<bool>()) seen_not_fitting = true;
    else { EXPECT_FALSE(seen_not_fitting) << rows[i]["hardware"]; }
    if (i > 0 && rows[i]["fits"] == rows[i - 1]["fits"]) {
      EXPECT_LE(rows[i]["decode_tok_s"].get<double>(), rows[i - 1]["decode_tok_s"].get<double>());
    }
  }
  EXPECT_EQ(rows.back()["hardware"], "m1");
  EXPECT_TRUE(rows.back()["tok_s_per_usd"].is_null());  // does not fit: no value figure
  for (const json& row : rows) {
    if (row["hardware"] == "h100-sxm") {
      EXPECT_TRUE(row["tok_s_per_usd"].is_null());  // no catalogue price
    }
    if (row["hardware"] == "rtx-4090") {
      EXPECT_NEAR(row["tok_s_per_usd"].get<double>(), row["decode_tok_s"].get<double>() / 1599, 1e-12);
    }
    if (row["hardware"] == "rtx-3090") {
      EXPECT_EQ(row["count"], 2);
      EXPECT_EQ(row["label"], "rtx-3090:2");
      EXPECT_DOUBLE_EQ(row["price_usd"].get<double>(), 2998);  // 2 x $1,499
    }
  }
}

TEST_F(CliPlan, CompareCsvMarkdownAndText) {
  const RunResult csv = run({"compare", "--model", "llama-3.1-8b-q4", "--hw", "m2-max,rtx-4090", "--format", "csv"});
  ASSERT_EQ(csv.status, 0) << csv.err;
  EXPECT_EQ(csv.out.rfind("rank,hardware,count,verdict,fits,decode_tok_s", 0), 0u);
  EXPECT_EQ(std::count(csv.out.begin(), csv.out.end(), '\n'), 3);  // header + 2 rows
  EXPECT_NE(csv.out.find("\r\n1,rtx-4090,1,fits,true,"), std::string::npos);
  const RunResult md = run({"compare", "--model", "llama-3.1-8b-q4", "--hw", "m2-max,rtx-4090", "--format", "markdown"});
  ASSERT_EQ(md.status, 0) << md.err;
  EXPECT_NE(md.out.find("| # | hardware | verdict | decode tok/s |"), std::string::npos);
  EXPECT_NE(md.out.find("| 1 | rtx-4090 | fits |"), std::string::npos);
  const RunResult text = run({"compare", "--model", "llama-3.1-8b-q4", "--hw", "m2-max,rtx-4090"});
  ASSERT_EQ(text.status, 0) << text.err;
  EXPECT_NE(text.out.find("█"), std::string::npos);  // the terminal bar chart
}

TEST_F(CliPlan, CompareAllSkipsWhatCannotLoadMlxWeights) {
  const json rows = run_json({"compare", "--model", "qwen3-coder-30b-a3b-mlx-4bit", "--all"});
  ASSERT_FALSE(rows.empty());
  for (const json& row : rows) { EXPECT_EQ(row["backend"], "mlx") << row["hardware"]; }
  std::size_t apple = 0;
  for (const auto& h : Catalog::builtin().hardware()) apple += h.vendor == "apple" ? 1 : 0;
  EXPECT_EQ(rows.size(), apple);
}

TEST_F(CliPlan, UnknownIdsExitTwoWithASuggestion) {
  const RunResult hw = run({"compare", "--model", "qwen3-coder-q4", "--hw", "m2-max,rtx-4900"});
  EXPECT_EQ(hw.status, 2);
  EXPECT_NE(hw.err.find("did you mean"), std::string::npos) << hw.err;
  EXPECT_EQ(std::count(hw.err.begin(), hw.err.end(), '\n'), 1) << "one line: " << hw.err;
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"fit", "--hw", "rtx-4909"},
        {"scale", "--hw", "m2-max", "--model", "qwen3-codr-q4"},
        {"cluster", "--hw", "m4-prox:2", "--model", "deepseek-v3-q4"},
        {"cluster", "--hw", "m4-pro:2", "--model", "deepseek-v3-q4", "--link", "thunderbolt6"},
        {"cost", "--hw", "rtx-4909", "--model", "llama-3.1-8b-q4"},
        {"recommend", "--budget", "4000", "--model", "lama-3.1-8b"},
        {"check", "--hw", "m1x", "--model", "qwen2-1.5b-q4", "--claimed-tok-s", "10"}}) {
    const RunResult r = run(args);
    EXPECT_EQ(r.status, 2) << args[0] << ": " << r.err;
    EXPECT_NE(r.err.find("did you mean"), std::string::npos) << args[0] << ": " << r.err;
  }
}

TEST_F(CliPlan, SvgIsWrittenAtomicallyAndWellFormed) {
  const fs::path svg = dir_ / "compare.svg";
  const RunResult r = run({"compare", "--model", "qwen3-coder-q4", "--hw", "m2-max,rtx-4090,m1", "--svg", svg.string()});
  ASSERT_EQ(r.status, 0) << r.err;
  const std::string doc = test::read_file(svg);
  const auto check = test::check_xml(doc);
  EXPECT_TRUE(check.ok) << check.error;
  for (const char* text : {"rtx-4090", "m2-max", "m1", "tok/s", "decode speed (tokens/s, one sequence)"})
    EXPECT_NE(doc.find(text), std::string::npos) << text;
  EXPECT_FALSE(fs::exists(svg.string() + ".tmp-llmfit"));
  // An unwritable destination: exit 2, and nothing half-written left behind.
  const fs::path bad = dir_ / "missing-dir" / "chart.svg";
  const RunResult fail = run({"compare", "--model", "qwen3-coder-q4", "--hw", "m2-max", "--svg", bad.string()});
  EXPECT_EQ(fail.status, 2);
  EXPECT_FALSE(fs::exists(bad));
  EXPECT_FALSE(fs::exists(dir_ / "missing-dir"));
}

TEST_F(CliPlan, EveryCommandWritesAWellFormedSvg) {
  const std::vector<std::vector<std::string>> commands = {
      {"fit", "--hw", "rtx-4090", "--top", "5"},
      {"scale", "--hw", "m2-max", "--model", "qwen3-coder-q4"},
      {"scale", "--hw", "rtx-3060-12gb", "--model", "llama-3.1-8b-q4", "--batch-sweep", "--context", "1024"},
      {"cluster", "--hw", "m4-max-40c,m4-pro:2", "--model", "llama-3.3-70b-q4"},
      {"cost", "--hw", "m4-max-40c", "--model", "qwen3-coder-q4"},
      {"recommend", "--budget", "4000", "--users", "3", "--model-size", "30b"},
      {"check", "--hw", "m1", "--model", "qwen2-1.5b-q4", "--claimed-tok-s", "1500000000"}};
  int i = 0;
  for (std::vector<std::string> args : commands) {
    const fs::path svg = dir_ / ("chart" + std::to_string(i++) + ".svg");
    args.insert(args.end(), {"--svg", svg.string()});
    const RunResult r = run(args);
    ASSERT_EQ(r.status, 0) << args[0] << ": " << r.err;
    const auto check = test::check_xml(test::read_file(svg));
    EXPECT_TRUE(check.ok) << args[0] << ": " << check.error;
  }
}

// ---------------------------------------------------------------------------------------------- fit

TEST_F(CliPlan, FitJsonNamesModelQuantContextAndSpeed) {
  const json rows = run_json({"fit", "--hw", "rtx-4090", "--sort", "speed"});
  ASSERT_TRUE(rows.is_array());
  ASSERT_FALSE(rows.empty());
  for (const json& row : rows)
    for (const char* field : {"model", "quant", "max_context", "decode_tok_s", "quality_ppl_increase_pct",
                              "fitting_quants", "candidates"})
      EXPECT_TRUE(row.contains(field)) << field;
  for (std::size_t i = 1; i < rows.size(); ++i)
    EXPECT_LE(rows[i]["decode_tok_s"].get<double>(), rows[i - 1]["decode_tok_s"].get<double>());
  bool llama = false;
  for (const json& row : rows)
    if (row["model"] == "llama-3.1-8b") {
      llama = true;
      EXPECT_EQ(row["quant"], "q8_0");
    }
  EXPECT_TRUE(llama);
  const json fast = run_json({"fit", "--hw", "rtx-4090", "--min-tok-s", "150", "--context", "32768"});
  for (const json& row : fast) {
    EXPECT_GE(row["decode_tok_s"].get<double>(), 150);
    EXPECT_GE(row["max_context"].get<std::int64_t>(), 32768);
  }
}

TEST_F(CliPlan, FitRejectsABadSortKey) {
  const RunResult r = run({"fit", "--hw", "rtx-4090", "--sort", "fastest"});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("--sort"), std::string::npos);
}

// -------------------------------------------------------------------------------------------- scale

TEST_F(CliPlan, ScaleJsonContextAndBatchSweep) {
  const json doc = run_json({"scale", "--hw", "rtx-3060-12gb", "--model", "llama-3.1-8b-q4", "--batch-sweep",
                             "--context", "1024"});
  ASSERT_TRUE(doc["context_scaling"].is_array());
  ASSERT_FALSE(doc["context_scaling"].empty());
  EXPECT_EQ(doc["context_scaling"][0]["context"], 512);
  double previous = 1e300;
  for (const json& p : doc["context_scaling"]) {  // more context, more KV to read: never faster
    EXPECT_LE(p["decode_tok_s"].get<double>(), previous);
    previous = p["decode_tok_s"].get<double>();
  }
  const json& sweep = doc["batch_sweep"];
  ASSERT_TRUE(sweep.is_array());
  ASSERT_GE(sweep.size(), 2u);
  // A closed loop of users: the aggregate pays every request's prefill, each user the others' (serve_users).
  for (const json& p : sweep)
    EXPECT_LT(p["aggregate_tok_s"].get<double>(), p["batch"].get<int>() * p["per_sequence_tok_s"].get<double>());
  EXPECT_EQ(doc["prompt_tokens_per_output_token"], 3);
  EXPECT_NEAR(doc["output_tokens_per_request"].get<double>(), 512.0 / 3, 1e-9);
  // The sweep runs past the compute-bound point (more users still add aggregate speed) and stops at the first
  // batch whose KV caches no longer fit (a 12 GB card at 1,024 tokens: well below the default --max-batch 256),
  // which lies past the largest batch that fits and within one doubling of it.
  const int largest = doc["largest_batch_that_fits"].get<int>();
  const int last = sweep.back()["batch"].get<int>();
  EXPECT_FALSE(sweep.back()["fits"].get<bool>());
  EXPECT_LT(largest, last);
  EXPECT_GE(2 * largest, last);
  for (std::size_t i = 0; i + 1 < sweep.size(); ++i) EXPECT_TRUE(sweep[i]["fits"].get<bool>()) << sweep[i];
  // The compute-bound batch is the first fitting batch whose step is set by FLOPs, when there is one.
  int first_compute_bound = 0;
  for (const json& p : sweep)
    if (p["compute_bound"].get<bool>() && p["fits"].get<bool>() && first_compute_bound == 0) first_compute_bound = p["batch"];
  if (first_compute_bound == 0) {
    EXPECT_TRUE(doc["compute_bound_batch"].is_null());
  } else {
    EXPECT_EQ(doc["compute_bound_batch"], first_compute_bound);
  }
  // Several GPUs in one box work here too.
  const json two = run_json({"scale", "--hw", "rtx-3090:2", "--model", "llama-3.3-70b-q4"});
  EXPECT_EQ(two["count"], 2);
  EXPECT_TRUE(two["batch_sweep"].is_null());
}

// ------------------------------------------------------------------------------------------ cluster

TEST_F(CliPlan, ClusterJsonPooledMemoryAndStages) {
  const json doc = run_json({"cluster", "--hw", "m4-pro:4", "--model", "deepseek-v3-q4", "--link", "thunderbolt5"});
  // 4 x 24 GiB x 2/3 (macOS GPU share) = 68,719,476,736 B = 68.719476736 GB.
  EXPECT_NEAR(doc["total_memory_gb"].get<double>(), 68.719476736, 1e-9);
  EXPECT_FALSE(doc["fits"].get<bool>());
  ASSERT_EQ(doc["stages"].size(), 4u);
  int layers = 0;
  double seconds = 0;
  for (const json& s : doc["stages"]) {
    layers += s["layers"].get<int>();
    seconds += s["seconds_per_token"].get<double>();
  }
  EXPECT_EQ(layers, 61);
  EXPECT_NEAR(doc["seconds_per_token"].get<double>(), seconds + doc["hops"].get<int>() * doc["hop_seconds"].get<double>(),
              1e-12);
  EXPECT_NEAR(doc["decode_tok_s"].get<double>(), 1 / doc["seconds_per_token"].get<double>(), 1e-9);
  EXPECT_EQ(doc["link"]["latency_us"], 300);
  EXPECT_TRUE(doc["tensor_parallel"]["applicable"].get<bool>());  // 128 heads over 4 machines
  EXPECT_EQ(doc["tensor_parallel"]["allreduces_per_layer"], 2);

  const json big = run_json({"cluster", "--hw", "m3-ultra:4@512", "--model", "deepseek-v3-q4", "--link",
                             "thunderbolt5-rdma"});
  EXPECT_TRUE(big["fits"].get<bool>());
  const json custom = run_json({"cluster", "--hw", "m4-pro:2", "--model", "llama-3.1-8b-q4", "--link-latency-us", "50"});
  EXPECT_EQ(custom["link"]["id"], "custom");
  EXPECT_EQ(custom["link"]["latency_us"], 50);
  EXPECT_EQ(custom["link"]["bandwidth_gb_s"], 10);  // thunderbolt5's, not overridden
}

TEST_F(CliPlan, ClusterLinkTableAndBadOverrides) {
  const RunResult links = run({"cluster", "--list-links"});
  ASSERT_EQ(links.status, 0) << links.err;
  for (const LinkSpec& l : builtin_links()) { EXPECT_NE(links.out.find(l.id), std::string::npos) << l.id; }
  const json table = run_json({"cluster", "--list-links"});
  ASSERT_EQ(table.size(), builtin_links().size());
  for (std::size_t i = 0; i < table.size(); ++i) {
    const LinkSpec& l = builtin_links()[i];
    EXPECT_EQ(table[i]["id"], l.id);
    EXPECT_EQ(table[i]["latency_us"].get<double>(), l.latency_us);
    EXPECT_EQ(table[i]["bandwidth_gb_s"].get<double>(), l.bandwidth_gb_s);
    EXPECT_EQ(table[i]["source"], l.source);
  }
  const RunResult bad = run({"cluster", "--hw", "m4-pro:2", "--model", "llama-3.1-8b-q4", "--link-latency-us", "-5"});
  EXPECT_EQ(bad.status, 2);
  EXPECT_NE(bad.err.find("--link-latency-us"), std::string::npos);
}

// --------------------------------------------------------------------------------------------- cost

TEST_F(CliPlan, CostJsonFollowsTheFormula) {
  const json doc = run_json({"cost", "--hw", "rtx-4090", "--model", "llama-3.1-8b-q4", "--years", "3", "--utilization",
                             "0.25", "--power-price", "0.30", "--api-price-per-mtok", "3", "--prompt-ratio", "2"});
  const double tok_s = doc["decode_tok_s"].get<double>();
  const double prefill = doc["prefill_tok_s"].get<double>();
  ASSERT_GT(tok_s, 0);
  ASSERT_GT(prefill, 0);
  // Each generated token brings 2 prompt tokens: 1/decode + 2/prefill seconds.
  const double out_tok_s = 1 / (1 / tok_s + 2 / prefill);
  EXPECT_NEAR(doc["output_tok_s"].get<double>(), out_tok_s, 1e-9 * out_tok_s);
  // $1,599 (cards only) over out tok/s x 0.25 x 3 x 31,557,600 s; 450 W generating and the idle draw the rest of
  // the month (6 % of tdp_w: no published figure for the card), at $0.30/kWh.
  EXPECT_DOUBLE_EQ(doc["price_usd"].get<double>(), 1599);
  EXPECT_NE(doc["price_source"].get<std::string>().find("cards only"), std::string::npos);
  EXPECT_DOUBLE_EQ(doc["idle_w"].get<double>(), 0.06 * 450);
  const double hardware = 1599 / (out_tok_s * 0.25 * 3 * 31557600 / 1e6);
  const double month_mtok = out_tok_s * 0.25 * 31557600 / 12 / 1e6;
  const double power_month = (450 * 0.25 + 27 * 0.75) * 31557600 / 12 / 3.6e6 * 0.30;
  EXPECT_NEAR(doc["usd_per_mtok"].get<double>(), hardware + power_month / month_mtok, 1e-9);
  // One stated API price for prompt and generated tokens: $3 + 2 x $3 per million generated tokens.
  EXPECT_DOUBLE_EQ(doc["api_usd_per_mtok"].get<double>(), 9);
  EXPECT_NEAR(doc["breakeven_months"].get<double>(), 1599 / (month_mtok * 9 - power_month), 1e-6);
  EXPECT_TRUE(doc["rent_usd_per_mtok"].is_null());  // no rental price for a GeForce card
  // An API cheaper than the electricity: no break-even.
  const json never = run_json({"cost", "--hw", "rtx-4090", "--model", "llama-3.1-8b-q4", "--api-price-per-mtok", "0.001"});
  EXPECT_TRUE(never["breakeven_months"].is_null());
  // Price and power overrides, several cards.
  const json two = run_json({"cost", "--hw", "rtx-3090:2", "--model", "llama-3.3-70b-q4", "--price-usd", "1400"});
  EXPECT_DOUBLE_EQ(two["price_usd"].get<double>(), 1400);
  EXPECT_EQ(two["price_source"].get<std::string>().rfind("as given", 0), 0u);
  EXPECT_DOUBLE_EQ(two["power_w"].get<double>(), 700);  // 2 x 350 W
  // The model's own API prices, and a rented GPU where the catalogue has a price.
  const json own = run_json({"cost", "--hw", "h100-sxm", "--model", "llama-3.1-8b-q4", "--price-usd", "30000"});
  EXPECT_GT(own["api_input_usd_per_mtok"].get<double>(), 0);
  EXPECT_NE(own["api_source"].get<std::string>().find("openrouter.ai"), std::string::npos);
  EXPECT_GT(own["rent_usd_per_mtok"].get<double>(), 0);
  const json rented = run_json({"cost", "--hw", "h100-sxm", "--model", "llama-3.1-8b-q4", "--price-usd", "30000",
                                "--rent-usd-per-hour", "1"});
  EXPECT_NEAR(rented["rent_usd_per_mtok"].get<double>(), 1 / (rented["output_tok_s"].get<double>() * 3600 / 1e6), 1e-9);
}

TEST_F(CliPlan, CostWhenItDoesNotFitOrHasNoPrice) {
  const json none = run_json({"cost", "--hw", "m1", "--model", "llama-3.3-70b-q4"});
  EXPECT_FALSE(none["fits"].get<bool>());
  EXPECT_TRUE(none["usd_per_mtok"].is_null());
  EXPECT_TRUE(none["breakeven_months"].is_null());
  const RunResult unpriced = run({"cost", "--hw", "h100-sxm", "--model", "llama-3.1-8b-q4"});
  EXPECT_EQ(unpriced.status, 2);
  EXPECT_NE(unpriced.err.find("--price-usd"), std::string::npos);
  const RunResult bad = run({"cost", "--hw", "rtx-4090", "--model", "llama-3.1-8b-q4", "--utilization", "2"});
  EXPECT_EQ(bad.status, 2);
  EXPECT_NE(bad.err.find("--utilization"), std::string::npos);
  // A model no provider prices: refused with the option that states one, never a silent default.
  const RunResult no_api = run({"cost", "--hw", "rtx-4090", "--model", "tinyllama-1.1b"});
  EXPECT_EQ(no_api.status, 2);
  EXPECT_NE(no_api.err.find("--api-price-per-mtok"), std::string::npos) << no_api.err;
  EXPECT_EQ(run({"cost", "--hw", "rtx-4090", "--model", "tinyllama-1.1b", "--api-price-per-mtok", "0.05"}).status, 0);
}

// ------------------------------------------------------------------------------ concurrent users, one loop

// recommend --users N, cost --batch N and scale --batch-sweep's row at N are one closed loop of N users
// (serve_users): the same per-user and aggregate speed, across engines, models and N.
TEST_F(CliPlan, RecommendCostAndTheBatchSweepServeUsersAlike) {
  std::set<std::string> engines;
  int compared = 0;
  for (const std::string model : {"gpt-oss-20b", "llama-3.1-8b-q4"}) {
    for (const int users : {1, 4, 32}) {
      const json rows = run_json({"recommend", "--budget", "100000", "--users", std::to_string(users), "--model", model,
                                  "--top", "1000"});
      std::map<std::string, int> seen;  // two machines per engine
      int here = 0;
      for (const json& row : rows) {
        if (!row["fits"].get<bool>() || row["per_user_decode_tok_s"].is_null()) continue;
        const std::string engine = row["backend"];
        if (++seen[engine] > 2) continue;
        engines.insert(engine);
        const std::string label = row["label"];
        const json sweep = run_json({"scale", "--hw", label, "--model", model, "--backend", engine, "--batch-sweep",
                                     "--max-batch", std::to_string(users)});
        EXPECT_EQ(sweep["quant"], row["quant"]) << label;
        const json& last = sweep["batch_sweep"].back();
        ASSERT_EQ(last["batch"], users) << label;
        const double per_user = row["per_user_decode_tok_s"].get<double>();
        const double aggregate = row["aggregate_decode_tok_s"].get<double>();
        EXPECT_NEAR(last["per_sequence_tok_s"].get<double>(), per_user, 1e-9 * per_user) << label << " " << users;
        EXPECT_NEAR(last["aggregate_tok_s"].get<double>(), aggregate, 1e-9 * aggregate) << label << " " << users;
        const json cost = run_json({"cost", "--hw", label, "--model", model, "--backend", engine, "--batch",
                                    std::to_string(users), "--price-usd", "1000", "--api-price-per-mtok", "1"});
        EXPECT_NEAR(cost["output_tok_s"].get<double>(), aggregate, 1e-9 * aggregate) << label << " " << users;
        // The cost follows from that rate: $1,000 over its tokens of 3 years at 25 %.
        EXPECT_NEAR(cost["hardware_usd_per_mtok"].get<double>(), 1000 / (aggregate * 0.25 * 3 * 31557600 / 1e6),
                    1e-9 * cost["hardware_usd_per_mtok"].get<double>());
        ++compared;
        if (++here >= 4) break;
      }
    }
  }
  EXPECT_GE(compared, 12);
  EXPECT_TRUE(engines.contains("vllm")) << compared;
  EXPECT_TRUE(engines.contains("llama.cpp")) << compared;
}

// ---------------------------------------------------------------------------------------- recommend

TEST_F(CliPlan, RecommendJsonHasHardwareAndReasons) {
  const json rows = run_json({"recommend", "--budget", "4000", "--users", "3", "--model-size", "30b"});
  ASSERT_TRUE(rows.is_array());
  ASSERT_FALSE(rows.empty());
  EXPECT_LE(rows.size(), 10u);  // at most --top (5) whole computers and 5 graphics-card configurations
  std::map<std::string, int> per_scope;
  for (const json& row : rows) {
    EXPECT_EQ(row["rank"], ++per_scope[row["price_scope"].get<std::string>()]);
    EXPECT_TRUE(row["hardware"].is_string());
    ASSERT_TRUE(row["reasons"].is_array());
    EXPECT_FALSE(row["reasons"].empty());
    for (const json& reason : row["reasons"]) { EXPECT_TRUE(reason.is_string()); }
    EXPECT_LE(row["price_usd"].get<double>(), 4000);
    EXPECT_EQ(row["users"], 3);
  }
  EXPECT_TRUE(rows[0]["meets_all"].get<bool>());
  const json portable = run_json({"recommend", "--budget", "4000", "--users", "3", "--model-size", "30b", "--portable"});
  for (const json& row : portable) { EXPECT_EQ(row["form_factor"], "laptop"); }
  const RunResult bad = run({"recommend", "--budget", "4000", "--model-size", "huge"});
  EXPECT_EQ(bad.status, 2);
}

TEST_F(CliPlan, RecommendPricesGraphicsCardsInsideAComputerOrApart) {
  // The case: loose cards are ranked apart from whole computers, and the DGX Spark stays listed.
  const json rows = run_json({"recommend", "--budget", "5000", "--model", "gpt-oss-120b-mxfp4"});
  bool spark = false;
  bool seen_cards = false;
  for (const json& row : rows) {
    const std::string scope = row["price_scope"];
    if (scope == "cards_only") {
      seen_cards = true;
      EXPECT_TRUE(row["host_price_usd"].is_null());
    } else {
      EXPECT_FALSE(seen_cards) << "a whole computer after the cards";
      spark |= row["hardware"] == "dgx-spark";
    }
    // vLLM on several cards only where the 64 heads divide (2 or 4, never 3).
    if (row["backend"] == "vllm" && row["count"].get<int>() > 1) {
      EXPECT_EQ(64 % row["count"].get<int>(), 0) << row["label"];
    }
  }
  EXPECT_TRUE(spark);
  EXPECT_TRUE(seen_cards);
  // With a stated host price every graphics card is priced inside a computer and ranked with the rest.
  const json priced = run_json({"recommend", "--budget", "5000", "--model", "gpt-oss-120b-mxfp4", "--host-usd", "1000"});
  for (const json& row : priced) {
    EXPECT_EQ(row["price_scope"], "system");
    if (!row["host"].is_null()) {
      EXPECT_DOUBLE_EQ(row["price_usd"].get<double>(),
                       row["devices_price_usd"].get<double>() + row["host_price_usd"].get<double>());
    }
  }
  const RunResult text = run({"recommend", "--budget", "5000", "--model", "gpt-oss-120b-mxfp4"});
  EXPECT_NE(text.out.find("GRAPHICS CARDS ALONE"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("--host-usd"), std::string::npos) << text.out;
}

// One --quant: recommend reads the same option as every command, with the same meaning (the quantisation
// of a --model-file / --hf-config model; a catalogue model names its own in --model) and the same refusal.
TEST_F(CliPlan, RecommendQuantMeansWhatTheMainQuantMeans) {
  const RunResult main_quant = run({"--hw", "m2-max", "--model", "qwen3-8b", "--quant", "q8_0"});
  const RunResult recommend_quant = run({"recommend", "--budget", "3000", "--model", "qwen3-8b", "--quant", "q8_0"});
  EXPECT_EQ(main_quant.status, 2);
  EXPECT_EQ(recommend_quant.status, 2);
  EXPECT_EQ(main_quant.err, recommend_quant.err);
  const RunResult size_quant = run({"recommend", "--budget", "3000", "--model-size", "8b", "--quant", "q8_0"});
  EXPECT_EQ(size_quant.err, main_quant.err);
  // Named in the model, the quantisation is the one sized.
  for (const json& row : run_json({"recommend", "--budget", "3000", "--model", "qwen3-8b-q8_0"})) {
    EXPECT_EQ(row["quant"], "q8_0");
  }
}

// The model's own default quantisation wins unless the user names one, in every command that sizes a
// model: every catalogue model whose default is not Q4_K_M is answered in it (or in the GGUF build of it
// that the machine's engine runs), never in a fixed Q4_K_M.
TEST_F(CliPlan, EveryCommandSizesAModelInItsOwnDefaultQuantisation) {
  const Catalog& c = Catalog::builtin();
  int models = 0;
  for (const ModelSpec& model : c.models()) {
    if (model.default_quant == "q4_k_m") continue;
    ++models;
    const QuantSpec& release = *c.find_quant(model.default_quant);
    auto expect_own = [&](const json& row, const std::string& command) {
      const QuantSpec* q = c.find_quant(row["quant"].get<std::string>());
      ASSERT_NE(q, nullptr) << command;
      EXPECT_EQ(q->kernel, release.kernel) << command << ": " << q->id << " for " << model.id;
      EXPECT_NE(q->id, "q4_k_m") << command;
    };
    const std::string id = model.id;
    const std::vector<std::string> api = {"--api-price-per-mtok", "1"};
    expect_own(run_json({"--hw", "h100-sxm", "--model", id}), "predict");
    for (const json& row : run_json({"compare", "--hw", "h100-sxm,m3-ultra,rtx-4090:4", "--model", id}))
      expect_own(row, "compare");
    expect_own(run_json({"scale", "--hw", "h100-sxm", "--model", id}), "scale");
    std::vector<std::string> cost = {"cost", "--hw", "m3-ultra", "--model", id};
    if (!(model.api_input_usd_per_mtok > 0 || model.api_output_usd_per_mtok > 0)) cost.insert(cost.end(), api.begin(), api.end());
    expect_own(run_json(cost), "cost");
    expect_own(run_json({"check", "--hw", "h100-sxm", "--model", id, "--claimed-tok-s", "10"}), "check");
    expect_own(run_json({"cluster", "--hw", "m3-ultra:2", "--model", id}), "cluster");
    for (const json& row : run_json({"recommend", "--budget", "20000", "--model", id})) expect_own(row, "recommend");
  }
  EXPECT_GT(models, 0);
}

// -------------------------------------------------------------------------------------------- check

TEST_F(CliPlan, CheckJsonImpossibleClaim) {
  // The seed article's "billions of tokens per second" for Qwen2 1.5B on an M1.
  const json doc = run_json({"check", "--hw", "m1", "--model", "qwen2-1.5b-q4", "--claimed-tok-s", "1500000000"});
  EXPECT_FALSE(doc["possible"].get<bool>());
  EXPECT_EQ(doc["verdict"], "impossible");
  const double ceiling = doc["ceiling_tok_s"].get<double>();
  // Ceiling = 68.25 GB/s / bytes per token.
  EXPECT_NEAR(ceiling, 68.25 / doc["bytes_per_token_gb"].get<double>(), 1e-9 * ceiling);
  EXPECT_NEAR(doc["fraction_of_ceiling"].get<double>(), 1.5e9 / ceiling, 1e-6 * 1.5e9 / ceiling);
  // The same article's Llama 3.1 8B Q4 at ~68 tok/s on an RTX 4070 (504 GB/s): possible.
  const json real = run_json({"check", "--hw", "rtx-4070", "--model", "llama-3.1-8b-q4", "--claimed-tok-s", "68"});
  EXPECT_TRUE(real["possible"].get<bool>());
  EXPECT_LT(real["fraction_of_ceiling"].get<double>(), 1);
  const RunResult missing = run({"check", "--hw", "m1", "--model", "qwen2-1.5b-q4"});
  EXPECT_EQ(missing.status, 2);
}

}  // namespace
}  // namespace llmfit

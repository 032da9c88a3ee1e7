// Planning tools (plan.hpp): compare, fit search, sweeps, clusters, cost, recommendation, claim check.
// Expected values are worked out by hand from the formulas and catalogue entries named in comments.
#include <gtest/gtest.h>

#include <algorithm>

#include <cmath>
#include <set>

#include "llmfit/errors.hpp"
#include "llmfit/plan.hpp"
#include "llmfit/profile.hpp"
#include "llmfit/units.hpp"

namespace llmfit {
namespace {

const Catalog& cat() { return Catalog::builtin(); }
const EfficiencyProfile& prof() { return shipped_efficiency_profile(); }

ResolvedQuery resolve(const std::string& hardware, const std::string& model, int batch = 1) {
  Query q;
  q.hardware = hardware;
  q.model = model;
  q.batch = batch;
  return resolve_query(cat(), q, prof());
}

/// Throws InputError whose message contains `needle`.
template <typename F>
void expect_input_error(F&& f, const std::string& needle) {
  try {
    f();
    ADD_FAILURE() << "no InputError (wanted '" << needle << "')";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

/// Throws InputError about the library field `name`: the message names the field (what() gives its name,
/// field() says which), never a command-line option.
template <typename F>
void expect_field_error(F&& f, const std::string& name) {
  try {
    f();
    ADD_FAILURE() << "no InputError (wanted one about '" << name << "')";
  } catch (const InputError& e) {
    EXPECT_EQ(e.field(), name) << e.what();
    EXPECT_EQ(std::string(e.what()).rfind(name + ":", 0), 0u) << e.what();
    EXPECT_EQ(std::string(e.what()).find("--"), std::string::npos) << e.what();
  }
}

// ------------------------------------------------------------------------------------------ compare

TEST(PlanCompare, MultiGpuPriceAndPowerScaleWithTheCount) {
  // rtx-3090: $1,499 and 350 W in the catalogue; two cards: $2,998 and 700 W.
  const ResolvedQuery two = resolve("rtx-3090:2", "llama-3.1-8b-q4");
  EXPECT_EQ(hardware_label(two.scenario), "rtx-3090:2");
  EXPECT_DOUBLE_EQ(scenario_price_usd(two.scenario), 2998);
  EXPECT_DOUBLE_EQ(scenario_power_w(two.scenario), 700);
  EXPECT_EQ(hardware_label(resolve("rtx-3090", "llama-3.1-8b-q4").scenario), "rtx-3090");
}

TEST(PlanCompare, LabelNamesACapacityOnlyWhenNotTheDefaultAndReadsBack) {
  // Two M3 Ultras (default 96 GiB) at 512 GiB and at the default: the rows must not share a label.
  const ResolvedQuery big = resolve("M3 Ultra 512GB", "llama-3.1-8b-q4");
  EXPECT_EQ(hardware_label(big.scenario), "m3-ultra@512");
  EXPECT_EQ(hardware_label(resolve("m3-ultra@96", "llama-3.1-8b-q4").scenario), "m3-ultra");
  for (const std::string name : {"m3-ultra@512", "M3 Ultra 256GB", "2x RTX 3090", "M2 Max 64GB"}) {
    const std::string label = hardware_label(resolve(name, "llama-3.1-8b-q4").scenario);
    const ResolvedQuery again = resolve(label, "llama-3.1-8b-q4");
    EXPECT_EQ(hardware_label(again.scenario), label) << name;
    EXPECT_DOUBLE_EQ(again.scenario.memory_gib, resolve(name, "llama-3.1-8b-q4").scenario.memory_gib) << name;
  }
}

TEST(PlanCompare, RowFiguresFollowFromThePrediction) {
  const CompareRow row = evaluate_compare_row(resolve("rtx-4090", "qwen3-coder-q4"));
  const Prediction& p = row.prediction;
  ASSERT_TRUE(p.fit.fits);
  EXPECT_DOUBLE_EQ(row.headroom_bytes, p.fit.available_bytes - p.fit.total_bytes);
  EXPECT_DOUBLE_EQ(row.price_usd, 1599);
  EXPECT_DOUBLE_EQ(row.tok_s_per_usd, p.decode_tok_s / 1599);
  EXPECT_DOUBLE_EQ(row.tok_s_per_watt, p.decode_tok_s / 450);  // tdp_w 450
  // Same answer as the single-scenario path.
  EXPECT_DOUBLE_EQ(p.decode_tok_s, predict(row.resolved.scenario, row.resolved.efficiency->constants).decode_tok_s);
}

TEST(PlanCompare, NoValueFiguresWhenItDoesNotRunOrHasNoPrice) {
  // Qwen3-Coder 30B Q4 (~18 GB of weights) cannot fit the 8 GB M1 (5.7 GB for the GPU) even with offload.
  const CompareRow m1 = evaluate_compare_row(resolve("m1", "qwen3-coder-q4"));
  EXPECT_EQ(m1.prediction.fit.verdict, FitVerdict::does_not_fit);
  EXPECT_LT(m1.headroom_bytes, 0);
  EXPECT_EQ(m1.tok_s_per_usd, 0);
  EXPECT_EQ(m1.tok_s_per_watt, 0);
  const CompareRow h100 = evaluate_compare_row(resolve("h100-sxm", "qwen3-coder-q4"));  // no public price
  EXPECT_EQ(h100.price_usd, 0);
  EXPECT_EQ(h100.tok_s_per_usd, 0);
  EXPECT_GT(h100.tok_s_per_watt, 0);
}

TEST(PlanCompare, EvaluationKeepsInputOrderAndRankingIsFitThenSpeed) {
  const std::vector<std::string> ids = {"m1", "m2-max", "rtx-3060-12gb", "rtx-4090", "ddr5-5600-dual", "rtx-3090:2"};
  Query base;
  base.model = "qwen3-coder-q4";
  const CompareScenarios scenarios = resolve_compare_scenarios(cat(), base, ids, false, prof());
  std::vector<CompareRow> rows = evaluate_compare_rows(scenarios.resolved);
  ASSERT_EQ(rows.size(), ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i) { EXPECT_EQ(rows[i].label, ids[i]); }

  rank_compare_rows(rows);
  // Verdict classes never go backwards (fits, offload, does not fit); speed falls within a class.
  auto rank_of = [](const CompareRow& r) { return static_cast<int>(r.prediction.fit.verdict); };
  for (std::size_t i = 1; i < rows.size(); ++i) {
    ASSERT_LE(rank_of(rows[i - 1]), rank_of(rows[i])) << rows[i].label;
    if (rank_of(rows[i - 1]) == rank_of(rows[i])) {
      EXPECT_GE(rows[i - 1].prediction.decode_tok_s, rows[i].prediction.decode_tok_s) << rows[i].label;
    }
  }
  EXPECT_EQ(rows.front().label, "rtx-4090");  // 1008 GB/s, fits
  EXPECT_EQ(rows.back().label, "m1");         // does not fit
  EXPECT_EQ(rows[rows.size() - 2].label, "rtx-3060-12gb");  // expert offload: after every full fit
}

TEST(PlanCompare, RankingBreaksTiesByLabel) {
  std::vector<CompareRow> rows(3);
  rows[0].label = "b";
  rows[1].label = "a";
  rows[2].label = "c";
  for (auto& r : rows) {
    r.prediction.fit.verdict = FitVerdict::fits;
    r.prediction.decode_tok_s = 10;
  }
  rows[2].prediction.decode_tok_s = 11;
  rank_compare_rows(rows);
  EXPECT_EQ(rows[0].label, "c");
  EXPECT_EQ(rows[1].label, "a");
  EXPECT_EQ(rows[2].label, "b");
}

TEST(PlanCompare, UnknownHardwareFailsWithASuggestionEvenWhenSkipping) {
  Query base;
  base.model = "qwen3-coder-q4";
  expect_input_error([&] { (void)resolve_compare_scenarios(cat(), base, {"m2-max", "rtx-4900"}, true, prof()); },
                     "did you mean");
  base.model = "qwen3-codr-q4";
  expect_input_error([&] { (void)resolve_compare_scenarios(cat(), base, {"m2-max"}, false, prof()); }, "qwen3-codr");
}

TEST(PlanCompare, MlxWeightsSkipNonAppleOnlyWhenAskedTo) {
  Query base;
  base.model = "qwen3-coder-30b-a3b-mlx-4bit";
  const CompareScenarios some = resolve_compare_scenarios(cat(), base, {"m2-max", "rtx-4090"}, true, prof());
  ASSERT_EQ(some.resolved.size(), 1u);
  EXPECT_EQ(some.resolved[0].scenario.hardware->id, "m2-max");
  ASSERT_EQ(some.skipped.size(), 1u);
  EXPECT_EQ(some.skipped[0].rfind("rtx-4090: ", 0), 0u);
  expect_input_error([&] { (void)resolve_compare_scenarios(cat(), base, {"m2-max", "rtx-4090"}, false, prof()); },
                     "Apple Silicon only");
}

// ---------------------------------------------------------------------------------------------- fit

QuantSpec quant(const std::string& id, double loss) {
  QuantSpec q;
  q.id = id;
  q.quality_ppl_increase_pct = loss;
  return q;
}

QuantCandidate candidate(const QuantSpec& q, double tok_s, bool fits = true, bool fast_enough = true) {
  QuantCandidate c;
  c.quant = &q;
  c.prediction.in_range = true;
  c.prediction.fit.fits = fits;
  c.prediction.decode_tok_s = tok_s;
  c.meets_speed = fast_enough;
  return c;
}

TEST(PlanFit, BestQuantIsTheFastestWithinTheQualityTolerance) {
  // Losses from the quant table (llama.cpp scoreboard): F16 0, Q8_0 0.004, Q6_K 0.48, Q4_K_M 2.82, Q2_K 57.28.
  const QuantSpec f16 = quant("f16", 0), q8 = quant("q8_0", 0.004), q6 = quant("q6_k", 0.48), q4 = quant("q4_k_m", 2.82),
                  q2 = quant("q2_k", 57.28);
  std::vector<QuantCandidate> c = {candidate(f16, 50), candidate(q8, 90), candidate(q6, 105), candidate(q4, 134),
                                   candidate(q2, 190)};
  // 0.1-point tolerance: F16 and Q8_0 count as equal quality; Q8_0 is faster.
  EXPECT_EQ(choose_best_quant(c), std::optional<std::size_t>(1));
  // No tolerance: strictly the smallest loss.
  EXPECT_EQ(choose_best_quant(c, 0.0), std::optional<std::size_t>(0));
  // A 0.5-point tolerance admits Q6_K (0.48), the fastest of the three.
  EXPECT_EQ(choose_best_quant(c, 0.5), std::optional<std::size_t>(2));
  // --min-tok-s 100 rules out F16 and Q8_0: Q6_K is the best quality left.
  c[0].meets_speed = c[1].meets_speed = false;
  EXPECT_EQ(choose_best_quant(c), std::optional<std::size_t>(2));
  // Quantisations that do not fit fully never win, however good.
  c[2].prediction.fit.fits = false;
  EXPECT_EQ(choose_best_quant(c), std::optional<std::size_t>(3));
  for (auto& x : c) x.prediction.fit.fits = false;
  EXPECT_FALSE(choose_best_quant(c).has_value());
}

const ModelFit* find_fit(const std::vector<ModelFit>& fits, const std::string& id) {
  for (const auto& f : fits)
    if (f.model->id == id) return &f;
  return nullptr;
}

TEST(PlanFit, SearchOnRtx4090PicksQ8ForAn8BModel) {
  FitSearchOptions o;
  o.base.hardware = "rtx-4090";
  const FitSearchResult r = fit_search(cat(), o, prof());
  // Llama 3.1 8B: F16 (~16 GB) and Q8_0 (~8.5 GB) both fit in 24 GiB; within 0.1 points of each other,
  // Q8_0 reads half the bytes per token, so it wins.
  const ModelFit* llama = find_fit(r.models, "llama-3.1-8b");
  ASSERT_NE(llama, nullptr);
  EXPECT_EQ(llama->best_candidate().quant->id, "q8_0");
  EXPECT_EQ(llama->context_tokens, 8192);
  EXPECT_GT(llama->best_candidate().prediction.fit.max_context, 8192);
  // No MLX weights on an NVIDIA card; MXFP4 only for the model that ships in it.
  std::set<std::string> tried;
  for (const auto& c : llama->candidates) tried.insert(c.quant->id);
  EXPECT_EQ(tried.count("mlx-4bit"), 0u);
  EXPECT_EQ(tried.count("mxfp4"), 0u);
  EXPECT_EQ(tried.count("q4_k_m"), 1u);
  const ModelFit* gpt = find_fit(r.models, "gpt-oss-20b");
  ASSERT_NE(gpt, nullptr);
  // gpt-oss ships in MXFP4, so it is among the candidates; the best is the fastest of those within the
  // quality tolerance, which MXFP4 (0 % perplexity cost: the reference weights) always is.
  const auto mxfp4 = std::find_if(gpt->candidates.begin(), gpt->candidates.end(),
                                  [](const auto& c) { return c.quant->id == "mxfp4"; });
  ASSERT_NE(mxfp4, gpt->candidates.end());
  EXPECT_GE(gpt->best_candidate().prediction.decode_tok_s, mxfp4->prediction.decode_tok_s);
  // A 70B model fits only at 2-3 bits, or not at all: it is not among the Q8 winners.
  for (const auto& f : r.models) { EXPECT_TRUE(f.best_candidate().prediction.fit.fits) << f.model->id; }
  for (const auto& f : r.rejected) { EXPECT_FALSE(f.best.has_value()) << f.model->id; }
}

TEST(PlanFit, MinimumSpeedAndContextNarrowTheSearch) {
  FitSearchOptions o;
  o.base.hardware = "rtx-4090";
  o.base.context_tokens = 32768;
  o.min_decode_tok_s = 120;
  const FitSearchResult r = fit_search(cat(), o, prof());
  for (const auto& f : r.models) {
    EXPECT_GE(f.best_candidate().prediction.decode_tok_s, 120) << f.model->id;
    EXPECT_EQ(f.context_tokens, 32768);
    EXPECT_GE(f.best_candidate().prediction.fit.max_context, 32768) << f.model->id;
  }
  // Llama 3 8B has an 8,192-token context: skipped, with the reason.
  bool skipped = false;
  for (const auto& s : r.skipped) skipped = skipped || s.rfind("llama-3-8b:", 0) == 0;
  EXPECT_TRUE(skipped);
  o.min_decode_tok_s = 1e8;
  EXPECT_TRUE(fit_search(cat(), o, prof()).models.empty());
}

TEST(PlanFit, SortOrders) {
  FitSearchOptions o;
  o.base.hardware = "m2-max";
  FitSearchResult r = fit_search(cat(), o, prof());
  ASSERT_GT(r.models.size(), 5u);
  sort_model_fits(r.models, FitSort::size);
  for (std::size_t i = 1; i < r.models.size(); ++i) {
    EXPECT_GE(r.models[i - 1].model->params_b, r.models[i].model->params_b);
  }
  sort_model_fits(r.models, FitSort::speed);
  for (std::size_t i = 1; i < r.models.size(); ++i)
    EXPECT_GE(r.models[i - 1].best_candidate().prediction.decode_tok_s, r.models[i].best_candidate().prediction.decode_tok_s);
  sort_model_fits(r.models, FitSort::context);
  for (std::size_t i = 1; i < r.models.size(); ++i)
    EXPECT_GE(r.models[i - 1].best_candidate().prediction.fit.max_context,
              r.models[i].best_candidate().prediction.fit.max_context);
  sort_model_fits(r.models, FitSort::quality);
  for (std::size_t i = 1; i < r.models.size(); ++i)
    EXPECT_LE(r.models[i - 1].best_candidate().quant->quality_ppl_increase_pct,
              r.models[i].best_candidate().quant->quality_ppl_increase_pct);
  EXPECT_EQ(parse_fit_sort("context"), FitSort::context);
  EXPECT_FALSE(parse_fit_sort("fastest").has_value());
}

TEST(PlanFit, EveryFitKeepsTheMarginAndTheQualityFloor) {
  // Without them, a 36 GiB M4 Max "fitted" 70B models at 3 bits (Q3_K_M +10.1 %, MLX 3-bit +28 %
  // perplexity), and a 32 GiB M2 Max Qwen3 30B-A3B Q5_K_M with 17 MB to spare.
  for (const char* hardware : {"m4-max-40c", "m2-max"}) {
    FitSearchOptions o;
    o.base.hardware = hardware;
    const FitSearchResult r = fit_search(cat(), o, prof());
    ASSERT_FALSE(r.models.empty());
    for (const auto& f : r.models) {
      for (const auto& c : f.candidates) {
        if (!c.qualifies()) continue;
        const MemoryFit& fit = c.prediction.fit;
        EXPECT_GE(fit.available_bytes - fit.total_bytes, fit.margin_bytes) << f.model->id << " " << c.quant->id;
        EXPECT_GE(fit.margin_bytes, std::max(0.05 * fit.available_bytes, 0.5e9));
        EXPECT_LE(c.quant->quality_ppl_increase_pct, kDefaultMaxPplIncreasePct) << f.model->id << " " << c.quant->id;
      }
    }
  }
  FitSearchOptions o;
  o.base.hardware = "m4-max-40c";
  const FitSearchResult strict = fit_search(cat(), o, prof());
  EXPECT_EQ(find_fit(strict.models, "llama-3.1-70b"), nullptr);
  o.max_ppl_increase_pct = 30;  // asked for
  const FitSearchResult loose = fit_search(cat(), o, prof());
  ASSERT_NE(find_fit(loose.models, "llama-3.1-70b"), nullptr);
  EXPECT_GT(find_fit(loose.models, "llama-3.1-70b")->best_candidate().quant->quality_ppl_increase_pct, 10);

  FitSearchOptions edge;
  edge.base.hardware = "m2-max";
  const FitSearchResult with_margin = fit_search(cat(), edge, prof());
  const ModelFit* qwen = find_fit(with_margin.models, "qwen3-30b-a3b");
  ASSERT_NE(qwen, nullptr);
  EXPECT_NE(qwen->best_candidate().quant->id, "q5_k_m");
  FitSearchOptions no_margin = edge;
  no_margin.base.fit_margin.push_back('0');  // asked for
  const FitSearchResult without_margin = fit_search(cat(), no_margin, prof());
  qwen = find_fit(without_margin.models, "qwen3-30b-a3b");
  ASSERT_NE(qwen, nullptr);
  EXPECT_EQ(qwen->best_candidate().quant->id, "q5_k_m");
}

TEST(PlanFit, MarginsAsTyped) {
  EXPECT_EQ(parse_fit_margin(""), kDefaultFitMargin);
  EXPECT_EQ(parse_fit_margin("8%"), (FitMargin{0.08, 0}));
  EXPECT_EQ(parse_fit_margin("1.5"), (FitMargin{0, 1.5e9}));
  EXPECT_EQ(parse_fit_margin("2GB"), (FitMargin{0, 2e9}));
  EXPECT_EQ(parse_fit_margin("0"), (FitMargin{0, 0}));
  for (const char* bad : {"-1", "60%", "x", "%", "1.5 GiB", "nan"})
    expect_field_error([&] { (void)parse_fit_margin(bad); }, "fit_margin");
  EXPECT_DOUBLE_EQ(fit_margin_bytes(kDefaultFitMargin, 100e9), 5e9);
  EXPECT_DOUBLE_EQ(fit_margin_bytes(kDefaultFitMargin, 4e9), 0.5e9);
  EXPECT_EQ(describe_fit_margin(kNoFitMargin), "none");
}

TEST(PlanFit, BadOptionsAreInputErrors) {
  FitSearchOptions o;
  o.base.hardware = "rtx-4909";
  expect_input_error([&] { (void)fit_search(cat(), o, prof()); }, "did you mean");
  o.base.hardware = "rtx-4090";
  o.min_decode_tok_s = std::nan("");
  expect_field_error([&] { (void)fit_search(cat(), o, prof()); }, "min_decode_tok_s");
  o.min_decode_tok_s = 0;
  o.max_ppl_increase_pct = -1;
  expect_field_error([&] { (void)fit_search(cat(), o, prof()); }, "max_ppl_increase_pct");
  o.max_ppl_increase_pct = 10;
  o.base.context_tokens = 0;
  expect_field_error([&] { (void)fit_search(cat(), o, prof()); }, "context_tokens");
}

// -------------------------------------------------------------------------------------------- scale

TEST(PlanScale, BatchLadder) {
  EXPECT_EQ(batch_ladder(8), (std::vector<int>{1, 2, 4, 8}));
  EXPECT_EQ(batch_ladder(100), (std::vector<int>{1, 2, 4, 8, 16, 32, 64, 100}));
  EXPECT_EQ(batch_ladder(1), (std::vector<int>{1}));
  EXPECT_TRUE(batch_ladder(0).empty());
}

TEST(PlanScale, BatchSweepAggregatesAndStopsWhereItStopsFitting) {
  // Llama 3.1 8B Q4 on an RTX 3060 12GB (25.5 TFLOPS, 360 GB/s): the weights are read once per step for the
  // whole batch and each further sequence adds its compute, so the aggregate grows with every batch, turns
  // compute-bound, and the sweep ends at the first batch whose KV caches no longer fit beside the weights.
  ResolvedQuery r = resolve("rtx-3060-12gb", "llama-3.1-8b-q4");
  r.scenario.context_tokens = 4096;
  const auto& k = r.efficiency->constants;
  const std::vector<BatchPoint> points = batch_sweep(r.scenario, k, 256);
  ASSERT_GE(points.size(), 2u);
  for (std::size_t i = 0; i < points.size(); ++i) {
    // Each row is the users' closed loop (serve_users), the formula recommend --users and cost use: the aggregate
    // pays every request's prefill, each user the others' (so never above batch x each user's rate).
    Scenario at = r.scenario;
    at.batch = points[i].batch;
    const ServingLoad load = serve_users(at, k);
    EXPECT_DOUBLE_EQ(points[i].per_sequence_tok_s, load.per_user_tok_s);
    EXPECT_DOUBLE_EQ(points[i].aggregate_tok_s, load.aggregate_tok_s);
    EXPECT_DOUBLE_EQ(points[i].ttft_s, load.ttft_s);
    EXPECT_LT(points[i].aggregate_tok_s, points[i].batch * points[i].per_sequence_tok_s);
    if (i + 1 < points.size()) { EXPECT_TRUE(points[i].fits); }  // only the last row may not fit
    if (i > 0 && points[i].fits) {
      EXPECT_GT(points[i].aggregate_tok_s, points[i - 1].aggregate_tok_s);
      EXPECT_LT(points[i].per_sequence_tok_s, points[i - 1].per_sequence_tok_s);
      EXPECT_GT(points[i].kv_cache_bytes, points[i - 1].kv_cache_bytes);
      EXPECT_GE(points[i].ttft_s, points[i - 1].ttft_s);
    }
  }
  EXPECT_TRUE(std::any_of(points.begin(), points.end(), [](const BatchPoint& p) { return p.compute_bound; }));
  EXPECT_FALSE(points.back().fits);
  // The largest batch that fits lies between the last two rows.
  const int largest = largest_batch_that_fits(r.scenario, k);
  EXPECT_GE(largest, points[points.size() - 2].batch);
  EXPECT_LT(largest, points.back().batch);
  // Batch 1 of the sweep is one user decoding: the plain prediction, but at the mean depth of the request's
  // generation (prompt + a sixth of it at the default 3:1 ratio) rather than right after the prompt.
  const double plain = predict(r.scenario, k).decode_tok_s;
  EXPECT_LE(points.front().per_sequence_tok_s, plain);
  EXPECT_NEAR(points.front().per_sequence_tok_s, plain, 0.02 * plain);
}

TEST(PlanScale, ContextPointsAreTheOneSpeedDefinition) {
  // Llama 3.3 70B Q4 (~42.5 GB of weights) on 2 x 24 GiB: short contexts fit, long ones spill layers to
  // the host, the longest do not fit at all.
  ResolvedQuery r = resolve("rtx-3090:2", "llama-3.3-70b-q4");
  r.scenario.prompt_tokens = 3000;  // not a power of two: the table gains the row
  const auto& k = r.efficiency->constants;
  const std::vector<ContextPoint> points = context_scaling(r.scenario, k);
  std::set<FitVerdict> seen;
  bool has_prompt = false;
  for (const ContextPoint& point : points) {
    // Each row is predict() at that prompt, in the scenario's KV cache widened to the prompt.
    const Scenario at = at_prompt(r.scenario, point.context);
    EXPECT_EQ(at.context_tokens, std::max(r.scenario.context_tokens, point.context));
    EXPECT_EQ(point.kv_tokens, at.context_tokens);
    const Prediction p = predict(at, k);
    EXPECT_EQ(point.verdict, p.fit.verdict) << point.context;
    EXPECT_EQ(point.fits, p.fit.fits) << point.context;
    if (p.fit.verdict != FitVerdict::does_not_fit) {
      EXPECT_DOUBLE_EQ(point.decode_tok_s, p.decode_tok_s) << point.context;
      EXPECT_DOUBLE_EQ(point.ttft_s, p.ttft_s) << point.context;
    } else {
      EXPECT_EQ(point.decode_tok_s, 0.0);
    }
    seen.insert(point.verdict);
    has_prompt = has_prompt || point.context == 3000;
  }
  EXPECT_TRUE(has_prompt);
  EXPECT_EQ(points.front().verdict, FitVerdict::fits);
  EXPECT_EQ(seen.count(FitVerdict::partial_offload), 1u);
  EXPECT_EQ(seen.count(FitVerdict::does_not_fit), 1u);
  // The row of the scenario's own prompt is the speed block.
  const ContextPoint own = speed_at_prompt(r.scenario, k, 3000);
  const Prediction p = predict(r.scenario, k);
  EXPECT_DOUBLE_EQ(own.decode_tok_s, p.decode_tok_s);
  EXPECT_DOUBLE_EQ(own.ttft_s, p.ttft_s);
}

TEST(PlanScale, BothContextLimits) {
  // 70B Q4 on one 24 GiB card: no context fits fully, a long one runs with CPU offload.
  const ResolvedQuery r = resolve("rtx-4090", "llama-3.3-70b-q4");
  const auto& k = r.efficiency->constants;
  EXPECT_EQ(fit_memory(r.scenario, k).max_context, 0);
  const std::int64_t with_offload = max_context_with_offload(r.scenario, k);
  ASSERT_GT(with_offload, 8192);
  EXPECT_LT(with_offload, r.scenario.model->max_context);
  Scenario at = r.scenario;
  at.context_tokens = with_offload;
  EXPECT_NE(fit_memory(at, k).verdict, FitVerdict::does_not_fit);
  at.context_tokens = with_offload + 1;
  EXPECT_EQ(fit_memory(at, k).verdict, FitVerdict::does_not_fit);
  Scenario no_offload = r.scenario;
  no_offload.allow_offload = false;
  EXPECT_EQ(max_context_with_offload(no_offload, k), 0);
}

TEST(PlanScale, LargestBatchThatFitsIsTheBoundary) {
  ResolvedQuery r = resolve("rtx-4090", "llama-3.1-8b-q4");
  r.scenario.context_tokens = 8192;
  const auto& k = r.efficiency->constants;
  const int n = largest_batch_that_fits(r.scenario, k);
  ASSERT_GT(n, 1);
  Scenario at = r.scenario;
  at.batch = n;
  EXPECT_TRUE(fit_memory(at, k).fits);
  at.batch = n + 1;
  EXPECT_FALSE(fit_memory(at, k).fits);
  // 8 GB M1 cannot hold Llama 3.3 70B at all.
  ResolvedQuery none = resolve("m1", "llama-3.3-70b-q4");
  EXPECT_EQ(largest_batch_that_fits(none.scenario, none.efficiency->constants), 0);
}

// ------------------------------------------------------------------------------------------ cluster

TEST(PlanCluster, ExoSplitFollowsMemoryShares) {
  // Four equal machines, 61 layers: shares end at 0.25, 0.5, 0.75, 1 -> int(0.25*61)=15, int(30.5)=30,
  // int(45.75)=45: layers 0-14, 15-29, 30-44 and 45-60.
  const auto equal = split_layers_by_memory(61, {24, 24, 24, 24});
  ASSERT_EQ(equal.size(), 4u);
  EXPECT_EQ(equal[0].first, 0);
  EXPECT_EQ(equal[0].count, 15);
  EXPECT_EQ(equal[1].count, 15);
  EXPECT_EQ(equal[2].count, 15);
  EXPECT_EQ(equal[3].first, 45);
  EXPECT_EQ(equal[3].count, 16);
  // 48 + 24 + 24 over 80 layers, listed small-big-small: the largest goes first (exo sorts by memory),
  // with half the layers (0-39); the others get 40-59 and 60-79 in input order.
  const auto mixed = split_layers_by_memory(80, {24, 48, 24});
  EXPECT_EQ(mixed[1].first, 0);
  EXPECT_EQ(mixed[1].count, 40);
  EXPECT_EQ(mixed[0].first, 40);
  EXPECT_EQ(mixed[0].count, 20);
  EXPECT_EQ(mixed[2].first, 60);
  EXPECT_EQ(mixed[2].count, 20);
  // 100 + 1 + 100 + 1 over 10 layers: ordered 100, 100, 1, 1 with shares ending at 0.49505, 0.9901,
  // 0.99505, 1 -> layers 0-3 (int(4.9505) = 4), 4-8 (int(9.901) = 9), none (int(9.9505) - 1 = 8 < 9), 9.
  const auto tiny = split_layers_by_memory(10, {100, 1, 100, 1});
  EXPECT_EQ(tiny[0].first, 0);
  EXPECT_EQ(tiny[0].count, 4);
  EXPECT_EQ(tiny[2].first, 4);
  EXPECT_EQ(tiny[2].count, 5);
  EXPECT_EQ(tiny[1].count, 0);
  EXPECT_EQ(tiny[3].first, 9);
  EXPECT_EQ(tiny[3].count, 1);
}

std::vector<ResolvedQuery> cluster_nodes(const std::string& text, const std::string& model, double memory_gib = 0) {
  std::vector<ResolvedQuery> nodes;
  for (const ClusterNodeSpec& n : parse_cluster_nodes(cat(), text)) {
    Query q;
    q.hardware = n.hardware->id;
    q.model = model;
    if (n.memory_gib > 0 || memory_gib > 0) q.memory_gib = n.memory_gib > 0 ? n.memory_gib : memory_gib;
    nodes.push_back(resolve_query(cat(), q, prof()));
  }
  return nodes;
}

TEST(PlanCluster, PooledMemoryUsesTheMacOsGpuShare) {
  // m4-pro: 24 GiB each; macOS lets the GPU wire 2/3 of RAM up to 36 GiB: 24 x 2^30 x 2/3 = 17,179,869,184 B.
  // Four machines: 68,719,476,736 B usable of 103,079,215,104 B installed.
  const ClusterPlan plan = plan_cluster(cluster_nodes("m4-pro:4", "deepseek-v3-q4"), link_or_throw("thunderbolt5"));
  EXPECT_DOUBLE_EQ(plan.total_memory_bytes, 68719476736.0);
  EXPECT_DOUBLE_EQ(plan.installed_memory_bytes, 4 * 24 * units::kBytesPerGiB);
  EXPECT_FALSE(plan.fits);  // DeepSeek-V3 Q4 is ~400 GB
  ASSERT_EQ(plan.stages.size(), 4u);
  int layers = 0;
  for (const auto& s : plan.stages) layers += s.layer_count;
  EXPECT_EQ(layers, 61);
  EXPECT_EQ(plan.hops, 4);  // 3 hand-offs + the sampled token back to the first machine
}

TEST(PlanCluster, PerTokenTimeIsStagesPlusHops) {
  const LinkSpec& tb5 = link_or_throw("thunderbolt5");  // 300 us, 10 GB/s
  const ClusterPlan plan = plan_cluster(cluster_nodes("m4-max-40c,m4-pro:2", "llama-3.3-70b-q4"), tb5);
  // Hidden state of Llama 3.3 70B: 8192 x 2 bytes (f16) = 16,384 B; a hop = 300e-6 + 16384 / 10e9 s.
  EXPECT_DOUBLE_EQ(plan.activation_bytes, 16384);
  EXPECT_DOUBLE_EQ(plan.hop_seconds, 300e-6 + 16384 / 10e9);
  double stages = 0;
  for (const auto& s : plan.stages) stages += s.seconds_per_token;
  EXPECT_EQ(plan.hops, 3);
  EXPECT_NEAR(plan.seconds_per_token, stages + 3 * plan.hop_seconds, 1e-12);
  EXPECT_NEAR(plan.decode_tok_s, 1 / plan.seconds_per_token, 1e-9);
  // The M4 Max has the most usable memory (48 GiB x 3/4 = 36 GiB): it holds the first, largest share.
  EXPECT_EQ(plan.stages[0].hardware_id, "m4-max-40c");
  EXPECT_EQ(plan.stages[0].first_layer, 0);
  EXPECT_GT(plan.stages[0].layer_count, plan.stages[1].layer_count);
  EXPECT_TRUE(plan.fits);
  // 64 heads do not divide over 3 machines: no tensor parallelism.
  EXPECT_FALSE(plan.tensor_parallel.applicable);
}

TEST(PlanCluster, OneMachineMatchesTheSingleMachinePrediction) {
  const auto nodes = cluster_nodes("m2-max", "llama-3.1-8b-q4");
  const ClusterPlan plan = plan_cluster(nodes, link_or_throw("10gbe"));
  const Prediction p = predict(nodes[0].scenario, nodes[0].efficiency->constants);
  ASSERT_FALSE(p.compute_bound_decode);
  EXPECT_EQ(plan.hops, 0);
  EXPECT_NEAR(plan.decode_tok_s, p.decode_tok_s, 1e-9 * p.decode_tok_s);
  EXPECT_NEAR(plan.required_bytes, p.fit.total_bytes, 1e-6 * p.fit.total_bytes);
}

TEST(PlanCluster, TensorParallelAllReduceCost) {
  // DeepSeek-V3: 61 layers, hidden 7168, 128 heads; 4 machines over RDMA (9 us, 10 GB/s). Per token:
  // 2 all-reduces x 61 layers; each ring all-reduce is 2(N-1) = 6 steps of 9e-6 + (14336 / 4) / 10e9 s.
  // 2 x 61 x 6 x (9e-6 + 3.584e-7) = 6.8503488e-3 s.
  const ClusterPlan plan =
      plan_cluster(cluster_nodes("m3-ultra:4@512", "deepseek-v3-q4"), link_or_throw("thunderbolt5-rdma"));
  const TensorParallelEstimate& tp = plan.tensor_parallel;
  ASSERT_TRUE(tp.applicable);
  EXPECT_NEAR(tp.allreduce_seconds_per_token, 6.8503488e-3, 1e-12);
  EXPECT_NEAR(tp.seconds_per_token, tp.compute_seconds_per_token + tp.allreduce_seconds_per_token, 1e-12);
  EXPECT_TRUE(tp.fits);
  EXPECT_TRUE(plan.fits);
  // Over TCP (300 us per step) the same all-reduces cost 2 x 61 x 6 x ~300 us = ~220 ms: slower than the
  // pipeline, which pays 300 us only once per machine.
  const ClusterPlan tcp = plan_cluster(cluster_nodes("m3-ultra:4@512", "deepseek-v3-q4"), link_or_throw("thunderbolt5"));
  EXPECT_LT(tcp.tensor_parallel.decode_tok_s, tcp.decode_tok_s);
}

TEST(PlanCluster, NodeListsParseAndBadOnesFail) {
  const auto nodes = parse_cluster_nodes(cat(), "m4-max-40c,m4-pro:2");
  ASSERT_EQ(nodes.size(), 3u);
  EXPECT_EQ(nodes[0].hardware->id, "m4-max-40c");
  EXPECT_EQ(nodes[2].hardware->id, "m4-pro");
  const auto big = parse_cluster_nodes(cat(), "m4-pro:4@64");
  ASSERT_EQ(big.size(), 4u);
  EXPECT_EQ(big[3].memory_gib, 64);
  expect_input_error([] { (void)parse_cluster_nodes(cat(), "m4-prox:2"); }, "did you mean");
  expect_input_error([] { (void)parse_cluster_nodes(cat(), "m4-pro:0"); }, "machine count");
  expect_input_error([] { (void)parse_cluster_nodes(cat(), "m4-pro@lots"); }, "GiB");
  expect_input_error([] { (void)parse_cluster_nodes(cat(), "m4-pro,,m1"); }, "empty");
  expect_input_error([] { (void)parse_cluster_nodes(cat(), "m4-pro:65"); }, "machine count");
  expect_input_error([] { (void)link_or_throw("thunderbolt6"); }, "did you mean 'thunderbolt5'");
}

TEST(PlanCluster, EveryLinkHasASource) {
  for (const LinkSpec& l : builtin_links()) {
    EXPECT_FALSE(l.source.empty()) << l.id;
    EXPECT_GT(l.latency_us, 0) << l.id;
    EXPECT_GT(l.bandwidth_gb_s, 0) << l.id;
  }
}

// --------------------------------------------------------------------------------------------- cost

TEST(PlanCost, DollarsPerMillionTokensByHand) {
  CostInputs in;
  in.price_usd = 1599;  // rtx-4090
  in.power_w = 450;
  in.idle_w = 0;
  in.output_tok_s = 100;  // the closed loop's generated tokens per second, prompts included
  in.prompt_tokens_per_output_token = 3;
  in.years = 3;
  in.utilization = 0.25;
  in.power_price_usd_per_kwh = 0.30;
  in.api_input_usd_per_mtok = 0.5;
  in.api_output_usd_per_mtok = 1.5;
  const CostEstimate e = estimate_cost(in);
  EXPECT_DOUBLE_EQ(e.output_tok_s, 100);
  // Lifetime tokens: 100 tok/s x 0.25 x 3 x 31,557,600 s = 2,366.82 Mtok; 1599 / 2366.82 = 0.67559 $/Mtok.
  EXPECT_NEAR(e.hardware_usd_per_mtok, 0.6755900321950972, 1e-12);
  // Energy while generating only (idle 0): 450 W x 10,000 s per Mtok = 4.5 MJ = 1.25 kWh; x $0.30 = $0.375.
  EXPECT_NEAR(e.power_usd_per_mtok, 0.375, 1e-12);
  EXPECT_NEAR(e.usd_per_mtok, 0.6755900321950972 + 0.375, 1e-12);
  // API: $1.5 per M generated + 3 x $0.5 per M prompt tokens = $3 per M generated tokens with their prompts.
  EXPECT_DOUBLE_EQ(e.api_usd_per_mtok, 3);
  // Monthly: 100 x 0.25 x 2,629,800 s = 65.745 Mtok: API $197.235, power $24.654375.
  EXPECT_NEAR(e.tokens_per_month, 65745000, 1e-6);
  EXPECT_NEAR(e.api_usd_per_month, 197.235, 1e-9);
  EXPECT_NEAR(e.power_usd_per_month, 24.654375, 1e-9);
  // Break-even: 1599 / (197.235 - 24.654375) = 9.2652 months.
  ASSERT_TRUE(e.breakeven_months.has_value());
  EXPECT_NEAR(*e.breakeven_months, 9.265234727247048, 1e-9);
  EXPECT_TRUE(e.breakeven_within_life);
  EXPECT_FALSE(e.rent_usd_per_mtok.has_value());
}

TEST(PlanCost, IdlePowerPromptTimeAndRentalByHand) {
  CostInputs in;
  in.price_usd = 3000;
  in.power_w = 300;
  in.idle_w = 30;
  in.output_tok_s = 40;  // 3 prompt tokens per generated token: 1/50 + 3/600 = 0.025 s each (serve_closed_loop)
  in.prompt_tokens_per_output_token = 3;
  in.utilization = 0.5;
  in.power_price_usd_per_kwh = 0.2;
  in.api_input_usd_per_mtok = 0.1;
  in.api_output_usd_per_mtok = 0.4;
  in.rent_usd_per_hour = 1.44;
  const CostEstimate e = estimate_cost(in);
  EXPECT_NEAR(e.output_tok_s, 40, 1e-12);
  // Mean draw: 300 W x 0.5 + 30 W x 0.5 = 165 W all month: 165 x 2,629,800 s / 3.6e6 = 120.5325 kWh.
  EXPECT_NEAR(e.energy_kwh_per_month, 120.5325, 1e-9);
  EXPECT_NEAR(e.power_usd_per_month, 24.1065, 1e-9);
  // 40 tok/s x 0.5 x 2,629,800 s = 52.596 Mtok a month.
  EXPECT_NEAR(e.tokens_per_month, 52596000, 1e-6);
  EXPECT_NEAR(e.power_usd_per_mtok, 24.1065 / 52.596, 1e-12);
  EXPECT_NEAR(e.api_usd_per_mtok, 0.4 + 3 * 0.1, 1e-12);
  // Rented by the hour while generating: $1.44 / (40 x 3600 / 1e6 Mtok) = $10 per Mtok.
  ASSERT_TRUE(e.rent_usd_per_mtok.has_value());
  EXPECT_NEAR(*e.rent_usd_per_mtok, 10, 1e-12);
  EXPECT_NEAR(*e.rent_usd_per_month, 10 * 52.596, 1e-9);
  // Idle power is paid even at low utilisation: per token it grows as utilisation falls.
  in.utilization = 0.05;
  EXPECT_GT(estimate_cost(in).power_usd_per_mtok, e.power_usd_per_mtok);
}

TEST(PlanCost, NoBreakEvenWhenPowerAloneCostsMore) {
  CostInputs in;
  in.price_usd = 1599;
  in.power_w = 450;
  in.output_tok_s = 100;
  in.prompt_tokens_per_output_token = 0;
  in.api_output_usd_per_mtok = 0.30;  // below the $0.375/Mtok of power
  const CostEstimate e = estimate_cost(in);
  EXPECT_FALSE(e.breakeven_months.has_value());
  EXPECT_FALSE(e.breakeven_within_life);
  // $0.40/Mtok saves 65.745 Mtok x $0.025 = $1.64 a month: 972 months, beyond the 3-year life.
  in.api_output_usd_per_mtok = 0.40;
  const CostEstimate far = estimate_cost(in);
  ASSERT_TRUE(far.breakeven_months.has_value());
  EXPECT_NEAR(*far.breakeven_months, 1599 / (65.745 * 0.025), 1e-6);
  EXPECT_FALSE(far.breakeven_within_life);
}

TEST(PlanCost, OutOfRangeInputsAreInputErrors) {
  CostInputs in;
  in.price_usd = 1000;
  in.power_w = 100;
  in.output_tok_s = 50;
  in.utilization = 0;
  expect_field_error([&] { (void)estimate_cost(in); }, "utilization");
  in.utilization = 1.5;
  expect_field_error([&] { (void)estimate_cost(in); }, "utilization");
  in.utilization = 0.5;
  in.years = -1;
  expect_field_error([&] { (void)estimate_cost(in); }, "years");
  in.years = 3;
  in.power_price_usd_per_kwh = std::nan("");
  expect_field_error([&] { (void)estimate_cost(in); }, "power_price_usd_per_kwh");
  in.power_price_usd_per_kwh = 0.3;
  in.api_output_usd_per_mtok = -3;
  expect_field_error([&] { (void)estimate_cost(in); }, "api_usd_per_mtok");
  in.api_output_usd_per_mtok = 3;
  in.prompt_tokens_per_output_token = -1;
  expect_field_error([&] { (void)estimate_cost(in); }, "prompt_tokens_per_output_token");
  in.prompt_tokens_per_output_token = 3;
  in.idle_w = -5;
  expect_field_error([&] { (void)estimate_cost(in); }, "idle_w");
  in.idle_w = 0;
  in.rent_usd_per_hour = std::nan("");
  expect_field_error([&] { (void)estimate_cost(in); }, "rent_usd_per_hour");
}

// Every catalogue model is priced from its own API price (input and output apart, with source and date),
// or refused with the option to give one: never a price it does not have.
TEST(PlanCost, EveryModelIsPricedFromItsOwnApiPriceOrRefused) {
  int priced = 0;
  int refused = 0;
  for (const ModelSpec& model : cat().models()) {
    const ResolvedQuery r = resolve("h100-sxm", model.id);
    const ServingLoad p = serve_users(r.scenario, r.efficiency->constants);
    CostGiven given;
    given.price_usd = 30000;  // h100-sxm has no catalogue price
    if (model.api_input_usd_per_mtok > 0 || model.api_output_usd_per_mtok > 0) {
      const CostSetup setup = cost_setup(r.scenario, p, CostInputs{}, given);
      EXPECT_DOUBLE_EQ(setup.inputs.api_input_usd_per_mtok, model.api_input_usd_per_mtok) << model.id;
      EXPECT_DOUBLE_EQ(setup.inputs.api_output_usd_per_mtok, model.api_output_usd_per_mtok) << model.id;
      EXPECT_NE(setup.api_source.find(model.api_price_date), std::string::npos) << setup.api_source;
      EXPECT_NE(setup.api_source.find(model.api_price_source), std::string::npos) << setup.api_source;
      ++priced;
    } else {
      expect_field_error([&] { (void)cost_setup(r.scenario, p, CostInputs{}, given); }, "api_usd_per_mtok");
      ++refused;
    }
    given.api_usd_per_mtok = 0.25;
    const CostSetup stated = cost_setup(r.scenario, p, CostInputs{}, given);
    EXPECT_DOUBLE_EQ(stated.inputs.api_input_usd_per_mtok, 0.25) << model.id;
    EXPECT_DOUBLE_EQ(stated.inputs.api_output_usd_per_mtok, 0.25) << model.id;
  }
  EXPECT_GT(priced, 30);
  EXPECT_GT(refused, 0);
}

// Every machine's cost draws its idle power from a published figure or the stated rule, below its
// active draw, and says which; rental prices come from the catalogue with their date, or are absent.
TEST(PlanCost, EveryMachineHasItsIdlePowerAndRentalFromASource) {
  int published = 0;
  int rented = 0;
  for (const HardwareSpec& hw : cat().hardware()) {
    const ResolvedQuery r = resolve(hw.id, "qwen3-0.6b");
    const ServingLoad p = serve_users(r.scenario, r.efficiency->constants);
    CostGiven given;
    given.price_usd = 1000;
    given.api_usd_per_mtok = 0.1;
    const CostSetup setup = cost_setup(r.scenario, p, CostInputs{}, given);
    EXPECT_LT(setup.inputs.idle_w, setup.inputs.power_w) << hw.id;
    if (hw.idle_w > 0) {
      EXPECT_DOUBLE_EQ(setup.inputs.idle_w, hw.idle_w) << hw.id;
      EXPECT_EQ(setup.idle_source.rfind("published: ", 0), 0u) << setup.idle_source;
      ++published;
    } else {
      EXPECT_DOUBLE_EQ(setup.inputs.idle_w, kIdleShareOfTdp * hw.tdp_w) << hw.id;
      EXPECT_EQ(setup.idle_source.rfind("rule: ", 0), 0u) << setup.idle_source;
    }
    if (hw.rental_usd_per_hour > 0) {
      EXPECT_DOUBLE_EQ(setup.inputs.rent_usd_per_hour, hw.rental_usd_per_hour) << hw.id;
      EXPECT_NE(setup.rent_source.find(hw.rental_price_date), std::string::npos) << setup.rent_source;
      ++rented;
    } else {
      EXPECT_DOUBLE_EQ(setup.inputs.rent_usd_per_hour, 0) << hw.id;
      EXPECT_TRUE(setup.rent_source.empty()) << hw.id;
      EXPECT_FALSE(setup.rent_missing.empty()) << hw.id;
    }
  }
  EXPECT_GT(published, 0);
  EXPECT_GT(rented, 0);
}

// A graphics card's price is the card's alone, and says so, unless its host entry has a price; a
// capacity other than the default is priced at its own price, or refused when it has none.
TEST(PlanCost, PricesSayWhatTheyCover) {
  const ResolvedQuery two = resolve("rtx-3090:2", "llama-3.1-8b-q4");
  const ServingLoad p = serve_users(two.scenario, two.efficiency->constants);
  const CostSetup setup = cost_setup(two.scenario, p, CostInputs{}, CostGiven{});
  EXPECT_DOUBLE_EQ(setup.inputs.price_usd, 2 * 1499);
  EXPECT_NE(setup.price_source.find("cards only"), std::string::npos) << setup.price_source;
  Query q;
  q.hardware = "m4-max-40c";
  q.model = "llama-3.1-8b-q4";
  q.memory_gib = 128;
  const ResolvedQuery big = resolve_query(cat(), q, prof());
  const HardwareSpec& mac = *big.scenario.hardware;
  const double price_128 = device_price_usd(mac, 128);
  const ServingLoad pb = serve_users(big.scenario, big.efficiency->constants);
  if (price_128 > 0) {
    EXPECT_DOUBLE_EQ(cost_setup(big.scenario, pb, CostInputs{}, CostGiven{}).inputs.price_usd, price_128);
  } else {
    expect_field_error([&] { (void)cost_setup(big.scenario, pb, CostInputs{}, CostGiven{}); }, "price_usd");
  }
}

// ---------------------------------------------------------------------------------------- recommend

TEST(PlanRecommend, ModelSizes) {
  EXPECT_DOUBLE_EQ(parse_model_size_b("30b"), 30);
  EXPECT_DOUBLE_EQ(parse_model_size_b("1.5B"), 1.5);
  EXPECT_DOUBLE_EQ(parse_model_size_b("500m"), 0.5);
  EXPECT_DOUBLE_EQ(parse_model_size_b("70"), 70);
  expect_field_error([] { (void)parse_model_size_b("big"); }, "model_size_b");
  expect_field_error([] { (void)parse_model_size_b("-5b"); }, "model_size_b");
  expect_field_error([] { (void)parse_model_size_b(""); }, "model_size_b");
}

TEST(PlanRecommend, YardstickIsTheNearestDenseModel) {
  const ModelSpec* m = yardstick_model(cat(), 30);
  ASSERT_NE(m, nullptr);
  EXPECT_FALSE(m->is_moe());
  // No dense catalogue model is closer to 30B in log ratio.
  for (const ModelSpec& other : cat().models())
    if (!other.is_moe()) {
      EXPECT_LE(std::abs(std::log(m->params_b / 30)), std::abs(std::log(other.params_b / 30)) + 1e-12);
    }
  EXPECT_EQ(yardstick_model(cat(), 8)->params_b, 8.03);
}

/// Every row of a recommendation: the whole computers, then the graphics cards alone.
std::vector<const Recommendation*> all_rows(const RecommendResult& r) {
  std::vector<const Recommendation*> rows;
  for (const auto* list : {&r.shortlist, &r.cards_only})
    for (const Recommendation& rec : *list) rows.push_back(&rec);
  return rows;
}

TEST(PlanRecommend, AChipSoldAsAPricedProductIsRankedOnlyAsThatProduct) {
  // Chips with a priced product of the same form factor (the M3 Ultra and its Mac Studio, both desktops).
  std::set<std::string> chips_with_products;
  for (const HardwareSpec& h : cat().hardware())
    if (!h.variant_of.empty() && !priced_capacities(h).empty() &&
        cat().find_hardware(h.variant_of)->form_factor == h.form_factor)
      chips_with_products.insert(h.variant_of);
  ASSERT_FALSE(chips_with_products.empty());
  bool product_ranked = false;
  for (const double budget : {1500.0, 4000.0, 12000.0}) {
    RecommendOptions o;
    o.budget_usd = budget;
    o.model = "llama-3.3-70b-q4";
    const RecommendResult result = recommend(cat(), o, prof());  // alive while all_rows points into it
    for (const Recommendation* rec : all_rows(result)) {
      const HardwareSpec& hw = *rec->resolved.scenario.hardware;
      EXPECT_FALSE(chips_with_products.contains(hw.id)) << rec->label << " is sold inside products";
      product_ranked = product_ranked || !hw.variant_of.empty();
    }
  }
  EXPECT_TRUE(product_ranked);  // the products themselves are ranked
}

TEST(PlanRecommend, ShortlistRespectsBudgetUsersAndPortability) {
  RecommendOptions o;
  o.budget_usd = 4000;
  o.users = 3;
  o.model_size_b = 30;
  const RecommendResult r = recommend(cat(), o, prof());
  ASSERT_FALSE(r.shortlist.empty());
  EXPECT_LE(r.shortlist.size(), o.top);
  EXPECT_LE(r.cards_only.size(), o.top);
  for (const auto* list : {&r.shortlist, &r.cards_only}) {
    bool seen_short = false;
    for (const Recommendation& rec : *list) {
      EXPECT_LE(rec.price_usd, 4000) << rec.label;
      EXPECT_EQ(rec.resolved.scenario.batch, 3);
      EXPECT_FALSE(rec.reasons.empty());
      if (rec.meets_all) {
        EXPECT_FALSE(seen_short) << "a qualifying configuration after one that falls short: " << rec.label;
        EXPECT_TRUE(rec.prediction.fit.fits);
        EXPECT_GE(rec.prediction.decode_tok_s, o.min_tok_s_per_user);
      } else {
        seen_short = true;
      }
      // Several cards only when fewer do not hold the model.
      if (rec.resolved.scenario.device_count > 1) {
        Scenario fewer = rec.resolved.scenario;
        fewer.device_count -= 1;
        EXPECT_FALSE(fit_memory(fewer, rec.resolved.efficiency->constants).fits) << rec.label;
      }
    }
  }
  o.portable = true;
  const RecommendResult portable = recommend(cat(), o, prof());  // alive while all_rows points into it
  for (const Recommendation* rec : all_rows(portable))
    EXPECT_EQ(rec->resolved.scenario.hardware->form_factor, FormFactor::laptop) << rec->label;
}

/// Recommendations over a grid of budgets, models and team sizes (the class, not one example).
std::vector<std::pair<RecommendOptions, RecommendResult>> recommend_grid(std::optional<double> host_price = {}) {
  std::vector<std::pair<RecommendOptions, RecommendResult>> out;
  for (double budget : {1500.0, 5000.0, 12000.0})
    for (const char* model : {"gpt-oss-120b-mxfp4", "gpt-oss-120b", "llama-3.3-70b", "qwen3-8b"})
      for (int users : {1, 8}) {
        RecommendOptions o;
        o.budget_usd = budget;
        o.model = model;
        o.users = users;
        o.top = 1000;
        o.host_price_usd = host_price;
        out.emplace_back(o, recommend(cat(), o, prof()));
      }
  return out;
}

// A graphics card needs a computer: every row that prices a GPU either includes its host's price (a
// system, ranked with whole computers) or is flagged as cards alone and ranked only among cards; whole
// computers are never left out for loose cards.
TEST(PlanRecommend, EveryGpuRowIncludesItsHostOrIsCardsOnly) {
  for (const std::optional<double> host : {std::optional<double>(), std::optional<double>(1200.0)}) {
    for (const auto& [o, r] : recommend_grid(host)) {
      for (const Recommendation& rec : r.shortlist) {
        EXPECT_EQ(rec.price_scope, PriceScope::system) << rec.label;
        if (rec.resolved.scenario.hardware->kind == HardwareKind::gpu) {
          ASSERT_TRUE(host.has_value()) << rec.label << ": a GPU among whole computers without a host price";
          EXPECT_DOUBLE_EQ(rec.host_price_usd, *host) << rec.label;
          EXPECT_DOUBLE_EQ(rec.price_usd, rec.devices_price_usd + rec.host_price_usd) << rec.label;
        } else {
          EXPECT_DOUBLE_EQ(rec.price_usd, rec.devices_price_usd) << rec.label;
        }
        EXPECT_LE(rec.price_usd, o.budget_usd) << rec.label;
      }
      for (const Recommendation& rec : r.cards_only) {
        EXPECT_FALSE(host.has_value()) << rec.label;
        EXPECT_EQ(rec.price_scope, PriceScope::cards_only) << rec.label;
        EXPECT_EQ(rec.resolved.scenario.hardware->kind, HardwareKind::gpu) << rec.label;
        EXPECT_DOUBLE_EQ(rec.host_price_usd, 0) << rec.label;
        EXPECT_DOUBLE_EQ(rec.price_usd, rec.devices_price_usd) << rec.label;
        bool says_so = false;
        for (const std::string& reason : rec.reasons) says_so |= reason.find("no computer included") != std::string::npos;
        EXPECT_TRUE(says_so) << rec.label;
      }
    }
  }
  // The case: three loose cards no longer push a whole computer off the list.
  RecommendOptions o;
  o.budget_usd = 5000;
  o.model = "gpt-oss-120b-mxfp4";
  const RecommendResult r = recommend(cat(), o, prof());
  bool spark = false;
  for (const Recommendation& rec : r.shortlist) spark |= rec.resolved.scenario.hardware->id == "dgx-spark";
  EXPECT_TRUE(spark);
}

// Engine constraints apply to what is recommended: every multi-GPU vLLM configuration divides the
// model's attention heads (and KV heads) over the GPUs; the others are left out and said so.
TEST(PlanRecommend, EveryMultiGpuVllmConfigurationSplitsTheHeads) {
  int multi_vllm = 0;
  bool said = false;
  for (const auto& [o, r] : recommend_grid()) {
    for (const Recommendation* rec : all_rows(r)) {
      const Scenario& s = rec->resolved.scenario;
      if (s.backend != Backend::vllm || s.device_count < 2) continue;
      ++multi_vllm;
      EXPECT_EQ(s.model->attention_heads % s.device_count, 0) << rec->label;
      EXPECT_TRUE(s.model->kv_heads % s.device_count == 0 || s.device_count % s.model->kv_heads == 0) << rec->label;
      EXPECT_EQ(multi_device_problem(s.backend, *s.model, s.device_count), "") << rec->label;
    }
    for (const std::string& skip : r.skipped) said |= skip.find("tensor parallelism") != std::string::npos;
  }
  EXPECT_GT(multi_vllm, 0);
  EXPECT_TRUE(said);
}

// The capacities a product is sold with are tried at their own prices: each configuration is the cheapest
// priced capacity that holds the model, else the largest the budget allows.
TEST(PlanRecommend, CapacityVariantsAreTriedAtTheirPrices) {
  Catalog c = cat();
  CatalogData data;
  HardwareSpec studio;
  studio.id = "test-studio-m4-max";
  studio.variant_of = "m4-max-40c";  // [48, 64, 128] GiB
  studio.variant_stated_fields = {};
  studio.name = "Test desktop with the M4 Max";
  studio.form_factor = FormFactor::desktop;
  studio.price_usd = 2499;
  studio.memory_prices_usd = {2499, 2699, 3499};
  studio.memory_prices_source = "test";
  studio.source = "test";
  studio.origin = "test.yaml";
  data.hardware.push_back(studio);
  // A laptop product of the same chip, dearer than the desktop (so it never hides the desktop's rows below).
  HardwareSpec laptop = studio;
  laptop.id = "test-laptop-m4-max";
  laptop.name = "Test laptop with the M4 Max";
  laptop.form_factor = FormFactor::laptop;
  laptop.price_usd = 2999;
  laptop.memory_prices_usd = {2999, 3199, 3999};
  data.hardware.push_back(laptop);
  c.add_source(data, "test.yaml");
  for (const char* model : {"qwen3-8b", "llama-3.3-70b", "llama-3.3-70b-q8_0"}) {
    RecommendOptions o;
    o.budget_usd = 4000;
    o.model = model;
    o.top = 1000;
    const RecommendResult r = recommend(c, o, prof());
    const Recommendation* row = nullptr;
    for (const Recommendation* rec : all_rows(r))
      if (rec->resolved.scenario.hardware->id == studio.id) row = rec;
    ASSERT_NE(row, nullptr) << model;
    EXPECT_DOUBLE_EQ(row->price_usd, device_price_usd(*row->resolved.scenario.hardware, row->memory_gib)) << model;
    for (const PricedCapacity& cheaper : priced_capacities(*row->resolved.scenario.hardware)) {
      if (cheaper.price_usd >= row->price_usd) continue;
      Scenario smaller = row->resolved.scenario;
      smaller.memory_gib = cheaper.memory_gib;
      EXPECT_FALSE(fit_memory(smaller, row->resolved.efficiency->constants).fits)
          << model << ": " << cheaper.memory_gib << " GiB would have held it";
    }
  }
  // Llama 3.3 70B at Q8_0 (~75 GB) needs the 128 GiB configuration.
  RecommendOptions o;
  o.budget_usd = 4000;
  o.model = "llama-3.3-70b-q8_0";
  const RecommendResult large = recommend(c, o, prof());  // alive while all_rows points into it
  for (const Recommendation* rec : all_rows(large))
    if (rec->resolved.scenario.hardware->id == studio.id) {
      EXPECT_DOUBLE_EQ(rec->memory_gib, 128);
      EXPECT_DOUBLE_EQ(rec->price_usd, 3499);
    }
  // Laptops only: the desktop product of a laptop chip is left out, a laptop product of it is not.
  o.portable = true;
  o.top = 1000;
  o.model = "qwen3-8b";
  bool chip = false;
  const RecommendResult laptops = recommend(c, o, prof());
  for (const Recommendation* rec : all_rows(laptops)) {
    EXPECT_NE(rec->resolved.scenario.hardware->id, studio.id);
    chip |= rec->resolved.scenario.hardware->id == laptop.id;
  }
  EXPECT_TRUE(chip);
}

// The model's own quantisation unless one is named: the yardstick of a size and a named model are both
// measured in their default (or the GGUF build of it that a machine's engine runs), never a fixed Q4_K_M.
TEST(PlanRecommend, TheModelsOwnQuantisationUnlessNamed) {
  for (const ModelSpec& model : cat().models()) {
    if (model.default_quant == "q4_k_m") continue;
    RecommendOptions o;
    o.budget_usd = 12000;
    o.model = model.id;
    const RecommendResult r = recommend(cat(), o, prof());
    EXPECT_EQ(r.quant->id, model.default_quant) << model.id;
    const QuantSpec& release = *cat().find_quant(model.default_quant);
    for (const Recommendation* rec : all_rows(r))
      EXPECT_EQ(rec->resolved.scenario.quant->kernel, release.kernel) << model.id << " " << rec->label;
  }
  RecommendOptions o;
  o.budget_usd = 12000;
  o.model = "gpt-oss-120b-mxfp4_moe";
  const RecommendResult named = recommend(cat(), o, prof());
  for (const Recommendation* rec : all_rows(named))
    EXPECT_EQ(rec->resolved.scenario.quant->id, "mxfp4_moe") << rec->label;
}

TEST(PlanRecommend, NeedsAModel) {
  RecommendOptions o;
  o.budget_usd = 4000;
  expect_field_error([&] { (void)recommend(cat(), o, prof()); }, "model_size_b");
  o.model = "lama-3.1-8b";
  expect_input_error([&] { (void)recommend(cat(), o, prof()); }, "did you mean");
}

// -------------------------------------------------------------------------------------------- check

TEST(PlanCheck, CeilingIsPeakBandwidthOverBytesPerToken) {
  ResolvedQuery r = resolve("m1", "qwen2-1.5b-q4");
  r.scenario.prompt_tokens = 1;
  const ModelSpec& m = *r.scenario.model;
  // Bytes one decode token reads: active weights + the KV cache of 1 token (f16).
  const double bytes = weight_bytes(m, *r.scenario.quant).per_token + kv_cache_bytes(m, KvCacheType::f16, 1);
  const double ceiling = 68.25e9 / bytes;  // M1: 68.25 GB/s
  const ClaimCheck c = check_claim(r.scenario, r.efficiency->constants, r.efficiency->uncertainty, 1.5e9);
  EXPECT_NEAR(c.bandwidth_ceiling_tok_s, ceiling, 1e-9 * ceiling);
  EXPECT_NEAR(c.ceiling_tok_s, ceiling, 1e-9 * ceiling);  // batch 1: bandwidth-bound
  EXPECT_NEAR(c.ceiling_tok_s, predict(r.scenario, r.efficiency->constants).decode_ceiling_tok_s, 1e-9 * ceiling);
  EXPECT_FALSE(c.possible);
  EXPECT_EQ(c.verdict, ClaimVerdict::impossible);
  EXPECT_NEAR(c.fraction_of_ceiling, 1.5e9 / ceiling, 1e-6 * c.fraction_of_ceiling);
  // The seed article's own figure, 30-60 tok/s on an M1: 30 is possible and within the prediction.
  const ClaimCheck real = check_claim(r.scenario, r.efficiency->constants, r.efficiency->uncertainty, 30);
  EXPECT_TRUE(real.possible);
  EXPECT_EQ(real.verdict, ClaimVerdict::within_prediction);
  EXPECT_NEAR(real.fraction_of_ceiling, 30 / ceiling, 1e-12);
  // Just under the ceiling: possible, but faster than any engine gets.
  const ClaimCheck edge = check_claim(r.scenario, r.efficiency->constants, r.efficiency->uncertainty, 0.99 * ceiling);
  EXPECT_TRUE(edge.possible);
  EXPECT_EQ(edge.verdict, ClaimVerdict::above_prediction);
}

TEST(PlanCheck, SeveralDevicesCountWithSummedBandwidth) {
  ResolvedQuery one = resolve("rtx-3090", "llama-3.1-8b-q4");
  ResolvedQuery two = resolve("rtx-3090:2", "llama-3.1-8b-q4");
  const ClaimCheck c1 = check_claim(one.scenario, one.efficiency->constants, one.efficiency->uncertainty, 100);
  const ClaimCheck c2 = check_claim(two.scenario, two.efficiency->constants, two.efficiency->uncertainty, 100);
  EXPECT_NEAR(c2.bandwidth_ceiling_tok_s, 2 * c1.bandwidth_ceiling_tok_s, 1e-9 * c2.bandwidth_ceiling_tok_s);
}

TEST(PlanCheck, CalibratedRangeRaisesThePlausibleTop) {
  ResolvedQuery r = resolve("rtx-4070", "llama-3.1-8b-q4");
  EfficiencyUncertainty u;
  u.known = true;
  u.decode_relative_error = 0.2;
  const double predicted = predict(r.scenario, r.efficiency->constants).decode_tok_s;
  const ClaimCheck c = check_claim(r.scenario, r.efficiency->constants, u, predicted * 1.1);
  EXPECT_DOUBLE_EQ(c.predicted_high_tok_s, predicted * 1.2);
  EXPECT_EQ(c.verdict, ClaimVerdict::within_prediction);
  expect_field_error([&] { (void)check_claim(r.scenario, r.efficiency->constants, u, -1); }, "claimed_tok_s");
  expect_field_error([&] { (void)check_claim(r.scenario, r.efficiency->constants, u, std::nan("")); },
                     "claimed_tok_s");
}

}  // namespace
}  // namespace llmfit

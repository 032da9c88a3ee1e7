// The sweep API: every hardware × model × quantisation × context, identical on any number of threads.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <span>
#include <sstream>

#include "llmfit/io.hpp"
#include "llmfit/llmfit.hpp"
#include "llmfit/report.hpp"
#include "probe_catalogue.hpp"

namespace llmfit {
namespace {

const SweepPlan& default_plan() {
  static const SweepPlan plan = plan_sweep(Catalog::builtin(), shipped_efficiency_profile(), SweepOptions{});
  return plan;
}

// The tests that run a sweep use the probe sub-catalogue (a chip of each class, a model of each architecture),
// so their cost does not grow with the shipped catalogues (issue 19); the default plan's axes are checked above.
const Catalog& probes() { return test::probe_catalogue(); }
const SweepPlan& probe_plan() {
  static const SweepPlan plan = plan_sweep(probes(), shipped_efficiency_profile(), SweepOptions{});
  return plan;
}

TEST(Sweep, DefaultContextsAreSixteenFrom512To262144) {
  const std::vector<std::int64_t> contexts = default_sweep_contexts();
  ASSERT_EQ(16u, contexts.size());
  EXPECT_EQ(512, contexts.front());
  EXPECT_EQ(262144, contexts.back());
  EXPECT_TRUE(std::is_sorted(contexts.begin(), contexts.end()));
}

TEST(Sweep, PlanCoversEveryHardwareModelAndGgufQuant) {
  const Catalog& c = Catalog::builtin();
  const SweepPlan& plan = default_plan();
  std::size_t gguf = 0;
  for (const auto& q : c.quants()) gguf += q.format == QuantFormat::gguf;
  EXPECT_EQ(c.hardware().size(), plan.hardware.size());
  EXPECT_EQ(c.models().size(), plan.models.size());
  EXPECT_EQ(gguf, plan.quants.size());
  for (const QuantSpec* q : plan.quants) EXPECT_EQ(QuantFormat::gguf, q->format) << q->id;
  EXPECT_EQ(plan.models.size() * plan.quants.size(), plan.terms.size());
  EXPECT_EQ(c.hardware().size() * c.models().size() * gguf * 16, plan.size());
  // The last point of the last cell is the last index.
  EXPECT_EQ(plan.size() - 1, plan.index(plan.hardware.size() - 1, plan.models.size() - 1, plan.quants.size() - 1, 15));
}

TEST(Sweep, MlxSweepsAppleHardwareAndMlxQuantsOnly) {
  SweepOptions options;
  options.backend = Backend::mlx;
  const SweepPlan plan = plan_sweep(Catalog::builtin(), shipped_efficiency_profile(), options);
  EXPECT_FALSE(plan.hardware.empty());
  for (const HardwareSpec* h : plan.hardware) EXPECT_EQ("apple", h->vendor) << h->id;
  for (std::size_t i = 0; i < plan.hardware.size(); ++i) EXPECT_EQ(DeviceApi::metal, plan.setups[i].api);
  EXPECT_FALSE(plan.quants.empty());
  for (const QuantSpec* q : plan.quants) EXPECT_TRUE(backend_supports(Backend::mlx, *q)) << q->id;
}

TEST(Sweep, VllmSweepsNeitherAppleSiliconNorCpuEntries) {
  // vLLM has no Metal backend and runs on CUDA/ROCm GPUs: the same refusal resolve_query makes.
  SweepOptions options;
  options.backend = Backend::vllm;
  const SweepPlan plan = plan_sweep(Catalog::builtin(), shipped_efficiency_profile(), options);
  EXPECT_FALSE(plan.hardware.empty());
  for (const HardwareSpec* h : plan.hardware) {
    EXPECT_NE("apple", h->vendor) << h->id;
    EXPECT_NE(HardwareKind::cpu, h->kind) << h->id;
  }
  std::size_t runnable = 0;
  for (const HardwareSpec& h : Catalog::builtin().hardware())
    runnable += h.vendor != "apple" && h.kind != HardwareKind::cpu ? 1 : 0;
  EXPECT_EQ(runnable, plan.hardware.size());
}

TEST(Sweep, OneAndTwoThreadsGiveIdenticalResults) {
  const SweepPlan& plan = probe_plan();
  const std::vector<SweepPoint> one = run_sweep(plan, 1);
  const std::vector<SweepPoint> two = run_sweep(plan, 2);
  const std::vector<SweepPoint> three = run_sweep(plan, 3);
  ASSERT_EQ(plan.size(), one.size());
  ASSERT_EQ(one.size(), two.size());
  // SweepPoint has no padding (static_assert on its size), so equal bytes mean equal points.
  for (const auto* other : {&two, &three}) {
    const auto mismatch =
        std::mismatch(one.begin(), one.end(), other->begin(),
                      [](const SweepPoint& a, const SweepPoint& b) { return std::memcmp(&a, &b, sizeof a) == 0; });
    EXPECT_EQ(one.end(), mismatch.first) << "first difference at point " << (mismatch.first - one.begin());
  }
}

bool same_points(std::span<const SweepPoint> a, std::span<const SweepPoint> b) {
  // SweepPoint has no padding (static_assert on its size), so equal bytes mean equal points.
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size_bytes()) == 0;
}

TEST(Sweep, BlocksOfHardwareGiveTheSamePointsAsTheWholeSweep) {
  // `llmfit sweep` computes and writes a block of chips at a time: any blocking gives the whole sweep's points.
  const SweepPlan& plan = probe_plan();
  const std::vector<SweepPoint> whole = run_sweep(plan, 1);
  const std::size_t per_hardware = plan.points_per_hardware();
  ASSERT_GT(plan.hardware.size(), 3u);
  for (const std::size_t block : {std::size_t{1}, std::size_t{3}}) {
    std::vector<SweepPoint> points(block * per_hardware);
    for (std::size_t first = 0; first < plan.hardware.size(); first += block) {
      const std::size_t last = std::min(plan.hardware.size(), first + block);
      const std::span<SweepPoint> part(points.data(), (last - first) * per_hardware);
      run_sweep(plan, first, last, part, 2);
      EXPECT_TRUE(same_points(part, std::span(whole).subspan(first * per_hardware, part.size())))
          << "blocks of " << block << ", hardware " << first << " to " << last;
    }
  }
  std::vector<SweepPoint> one(per_hardware);
  EXPECT_THROW(run_sweep(plan, 1, 3, one, 1), InputError);  // the buffer holds one chip, the block two
  EXPECT_THROW(run_sweep(plan, plan.hardware.size(), plan.hardware.size() + 1, one, 1), InputError);
}

TEST(Sweep, ThePlanCountsTheEvaluatedPointsWithoutPredicting) {
  // The JSON header states the count before any point is computed: it must be the count the sweep evaluates.
  const SweepPlan& plan = probe_plan();
  const std::vector<SweepPoint> points = run_sweep(plan, 2);
  EXPECT_EQ(evaluated_points(points), plan.evaluated_size());
  std::size_t mismatches = 0;
  for (std::size_t h = 0; h < plan.hardware.size(); ++h)
    for (std::size_t m = 0; m < plan.models.size(); ++m)
      for (std::size_t q = 0; q < plan.quants.size(); ++q)
        for (std::size_t c = 0; c < plan.options.contexts.size(); ++c)
          mismatches += points[plan.index(h, m, q, c)].evaluated != plan.evaluates(h, m, q, c);
  EXPECT_EQ(0u, mismatches);
  EXPECT_LT(plan.evaluated_size(), plan.size());  // TQ off CPUs and contexts past a model's maximum are left out
}

TEST(Sweep, CountsOfEvaluatedAndFittingPointsArePlausible) {
  const SweepPlan& plan = probe_plan();
  const std::vector<SweepPoint> points = run_sweep(plan, 2);
  // A context is evaluated when the model supports it: a 131,072-token model has 14 of the 16
  // default contexts (512 … 131,072), a 4,096-token model 4 (512, 1,024, 2,048, 4,096); and only where the
  // engine has kernels for the quantisation on the chip (TQ1_0/TQ2_0: CPU entries only).
  std::size_t contexts_per_model_set = 0;
  for (const ModelSpec* m : plan.models)
    for (std::int64_t context : plan.options.contexts) contexts_per_model_set += context <= m->max_context;
  std::size_t runnable_cells = 0;
  for (const HardwareSpec* h : plan.hardware)
    for (const QuantSpec* q : plan.quants) runnable_cells += backend_can_run(plan.options.backend, *q, *h);
  EXPECT_LT(runnable_cells, plan.hardware.size() * plan.quants.size());  // the ternary types on GPUs are not
  const std::size_t expected_evaluated = contexts_per_model_set * runnable_cells;
  std::size_t evaluated = 0, fits = 0, offload = 0, does_not_fit = 0;
  for (const SweepPoint& p : points) {
    evaluated += p.evaluated;
    if (!p.evaluated) continue;
    fits += p.verdict() == FitVerdict::fits;
    offload += p.verdict() == FitVerdict::partial_offload;
    does_not_fit += p.verdict() == FitVerdict::does_not_fit;
  }
  EXPECT_EQ(expected_evaluated, evaluated);
  EXPECT_EQ(evaluated, fits + offload + does_not_fit);
  // Catalogue spans 1B models on datacenter GPUs to 671B models on phones: all three verdicts occur often.
  EXPECT_GT(fits, evaluated / 10);
  EXPECT_GT(offload, evaluated / 100);
  EXPECT_GT(does_not_fit, evaluated / 10);
}

TEST(Sweep, EveryPointIsThePredictionOfItsScenario) {
  const SweepPlan& plan = probe_plan();
  const std::vector<SweepPoint> points = run_sweep(plan, 2);
  std::mt19937_64 random(7);
  auto below = [&](std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(random); };
  for (int i = 0; i < 3000; ++i) {
    const std::size_t h = below(plan.hardware.size()), m = below(plan.models.size()), q = below(plan.quants.size()),
                      c = below(plan.options.contexts.size());
    const Scenario s = plan.scenario(h, m, q, c);
    const SweepPoint& point = points[plan.index(h, m, q, c)];
    const std::string what =
        s.hardware->id + " " + s.model->id + "-" + s.quant->id + " at " + std::to_string(s.context_tokens);
    if (s.context_tokens > s.model->max_context || !backend_can_run(s.backend, *s.quant, *s.hardware)) {
      EXPECT_FALSE(point.evaluated) << what;
      continue;
    }
    const EfficiencyConstants& k =
        shipped_efficiency_profile()
            .lookup(Backend::llama_cpp, s.api, hardware_class(*s.hardware), s.hardware->gpu_family)
            .constants;
    EXPECT_EQ(probes().default_host(*s.hardware), s.host) << what;
    const Prediction p = predict(s, k);
    ASSERT_TRUE(point.evaluated) << what;
    EXPECT_EQ(p.fit.verdict, point.verdict()) << what;
    EXPECT_EQ(p.fit.offload, point.offload()) << what;
    EXPECT_EQ(p.fit.max_context, point.max_context) << what;
    EXPECT_EQ(p.in_range, point.in_range) << what;
    EXPECT_EQ(static_cast<float>(p.decode_tok_s), point.decode_tok_s) << what;
    EXPECT_EQ(static_cast<float>(p.prefill_tok_s), point.prefill_tok_s) << what;
    EXPECT_EQ(static_cast<float>(p.ttft_s), point.ttft_s) << what;
    EXPECT_EQ(static_cast<float>(p.fit.total_bytes / 1e9), point.total_gb) << what;
  }
}

TEST(Sweep, WithinACellMemoryGrowsAndDecodeSlowsWithContext) {
  const SweepPlan& plan = probe_plan();
  const std::vector<SweepPoint> points = run_sweep(plan, 2);
  const std::size_t contexts = plan.options.contexts.size();
  for (std::size_t cell = 0; cell * contexts < points.size(); ++cell) {
    const SweepPoint* row = &points[cell * contexts];
    for (std::size_t c = 1; c < contexts && row[c].evaluated; ++c) {
      EXPECT_GE(row[c].total_gb, row[c - 1].total_gb) << "cell " << cell << " context " << c;
      EXPECT_EQ(row[0].max_context, row[c].max_context) << "cell " << cell;  // a property of the cell
      if (row[c].verdict() == FitVerdict::fits && row[c - 1].verdict() == FitVerdict::fits) {
        EXPECT_LE(row[c].decode_tok_s, row[c - 1].decode_tok_s) << "cell " << cell << " context " << c;
      }
      // Fits at this context exactly when this context is at most the largest that fits.
      EXPECT_EQ(row[c].verdict() == FitVerdict::fits, plan.options.contexts[c] <= row[c].max_context)
          << "cell " << cell << " context " << c;
    }
  }
}

TEST(Sweep, RejectsBadOptionsAndBuffers) {
  const Catalog& c = Catalog::builtin();
  SweepOptions empty;
  empty.contexts.clear();
  EXPECT_THROW((void)plan_sweep(c, shipped_efficiency_profile(), empty), InputError);
  SweepOptions zero;
  zero.contexts = {512, 0};
  try {
    (void)plan_sweep(c, shipped_efficiency_profile(), zero);
    FAIL() << "a zero context was accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("contexts[1]"), std::string::npos) << e.what();
  }
  SweepOptions no_batch;
  no_batch.batch = 0;
  EXPECT_THROW((void)plan_sweep(c, shipped_efficiency_profile(), no_batch), InputError);
  std::vector<SweepPoint> too_small(10);
  EXPECT_THROW(run_sweep(probe_plan(), too_small, 1), InputError);
}

TEST(Sweep, NamedEntriesAreTheAxesInTheirOrder) {
  SweepOptions options;
  options.contexts = {4096};
  options.hardware_ids = {"rtx-4090", "m2-max"};
  options.model_ids = {"qwen3-8b"};
  options.quant_ids = {"q8_0", "q4_k_m"};
  const SweepPlan plan = plan_sweep(Catalog::builtin(), shipped_efficiency_profile(), options);
  ASSERT_EQ(plan.hardware.size(), 2u);
  EXPECT_EQ(plan.hardware[0]->id, "rtx-4090");
  EXPECT_EQ(plan.hardware[1]->id, "m2-max");
  ASSERT_EQ(plan.models.size(), 1u);
  EXPECT_EQ(plan.models[0]->id, "qwen3-8b");
  ASSERT_EQ(plan.quants.size(), 2u);
  EXPECT_EQ(plan.quants[0]->id, "q8_0");
  // Each point is still the prediction of its scenario, with the chip's own engine set-up.
  const std::vector<SweepPoint> points = run_sweep(plan, 1);
  ASSERT_EQ(points.size(), 4u);
  const SweepPoint& apple_q4 = points[plan.index(1, 0, 1, 0)];
  const Scenario apple = plan.scenario(1, 0, 1, 0);
  const Prediction direct =
      predict(apple, shipped_efficiency_profile().lookup(Backend::llama_cpp, apple.api, *apple.hardware).constants);
  EXPECT_FLOAT_EQ(apple_q4.decode_tok_s, static_cast<float>(direct.decode_tok_s));
  EXPECT_GT(points[plan.index(0, 0, 0, 0)].decode_tok_s, 0.0f);
}

TEST(Sweep, ANamedEntryTheSweepCannotTakeIsRefusedByName) {
  const auto refusal = [](SweepOptions options) -> std::string {
    try {
      (void)plan_sweep(Catalog::builtin(), shipped_efficiency_profile(), std::move(options));
    } catch (const InputError& e) {
      return e.what();
    }
    return "accepted";
  };
  SweepOptions unknown;
  unknown.hardware_ids = {"m2-max", "no-such-chip"};
  EXPECT_NE(refusal(unknown).find("hardware 'no-such-chip': not in the catalogue"), std::string::npos) << refusal(unknown);
  SweepOptions twice;
  twice.model_ids = {"qwen3-8b", "QWEN3-8B"};
  EXPECT_NE(refusal(twice).find("model 'qwen3-8b': named twice"), std::string::npos) << refusal(twice);
  SweepOptions mlx_on_nvidia;  // every chip: MLX skips what it cannot run; one named is the engine's refusal
  mlx_on_nvidia.backend = Backend::mlx;
  mlx_on_nvidia.hardware_ids = {"rtx-4090"};
  EXPECT_NE(refusal(mlx_on_nvidia).find("mlx runs on Apple Silicon only"), std::string::npos) << refusal(mlx_on_nvidia);
  SweepOptions gguf_on_mlx;
  gguf_on_mlx.backend = Backend::mlx;
  gguf_on_mlx.quant_ids = {"q4_k_m"};
  EXPECT_NE(refusal(gguf_on_mlx).find("cannot load"), std::string::npos) << refusal(gguf_on_mlx);
}

TEST(Sweep, ThreadCountFollowsTheWork) {
  EXPECT_EQ(1u, sweep_threads(1000, 0));  // small: one thread
  EXPECT_EQ(3u, sweep_threads(1000, 3));  // asked for: honoured
  EXPECT_LE(sweep_threads(100'000'000, 0), std::max(1u, std::thread::hardware_concurrency()));
  EXPECT_GE(sweep_threads(100'000'000, 0), 1u);
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST(SweepReport, CsvHasOneRowPerEvaluatedPointWithThePredictedNumbers) {
  SweepOptions options;
  options.contexts = {512, 8192, 262144};
  const SweepPlan plan = plan_sweep(probes(), shipped_efficiency_profile(), options);
  const std::vector<SweepPoint> points = run_sweep(plan, 1);
  std::string csv;
  int chunks = 0;
  write_sweep(plan, points, Format::csv, [&](std::string_view chunk) {
    csv += chunk;
    ++chunks;
  });
  const auto lines = lines_of(csv);
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ("hardware,model,quant,context,verdict,offload,total_gb,max_context,decode_tok_s,prefill_tok_s,ttft_s",
            lines[0]);
  EXPECT_EQ(evaluated_points(points) + 1, lines.size());
  EXPECT_GE(chunks, 1);
  // The row of one point carries that point's numbers, shortest round-trip text of each float.
  const Catalog& c = probes();
  const std::size_t h =
      std::find(plan.hardware.begin(), plan.hardware.end(), c.find_hardware("m2-max")) - plan.hardware.begin();
  const std::size_t m =
      std::find(plan.models.begin(), plan.models.end(), c.find_model("qwen3-30b-a3b")) - plan.models.begin();
  const std::size_t q = std::find(plan.quants.begin(), plan.quants.end(), c.find_quant("q4_k_m")) - plan.quants.begin();
  ASSERT_LT(h, plan.hardware.size());
  ASSERT_LT(m, plan.models.size());
  const SweepPoint& p = points[plan.index(h, m, q, 1)];
  const std::string expected =
      fmt::format("m2-max,qwen3-30b-a3b,q4_k_m,8192,{},{},{},{},{},{},{}", to_string(p.verdict()),
                  to_string(p.offload()), p.total_gb, p.max_context, p.decode_tok_s, p.prefill_tok_s, p.ttft_s);
  EXPECT_NE(std::find(lines.begin(), lines.end(), expected), lines.end()) << expected;
}

TEST(SweepReport, JsonIsOneDocumentWithEveryEvaluatedPoint) {
  SweepOptions options;
  options.contexts = {4096, 131072};
  const SweepPlan plan = plan_sweep(probes(), shipped_efficiency_profile(), options);
  const std::vector<SweepPoint> points = run_sweep(plan, 2);
  std::string text;
  write_sweep(plan, points, Format::json, [&](std::string_view chunk) { text += chunk; });
  const nlohmann::json doc = nlohmann::json::parse(text);  // throws when malformed
  EXPECT_EQ("llama.cpp", doc["backend"]);
  EXPECT_EQ(evaluated_points(points), doc["points"].size());
  EXPECT_EQ(doc["evaluated_points"], doc["points"].size());
  for (const auto& point : doc["points"]) {
    EXPECT_TRUE(point["context"] == 4096 || point["context"] == 131072);
    EXPECT_TRUE(point["decode_tok_s"].is_null() || point["decode_tok_s"].get<double>() > 0);
  }
}

TEST(SweepReport, WrittenBlockByBlockIsTheTextOfTheWholeSweep) {
  SweepOptions options;
  options.contexts = {512, 32768};
  const SweepPlan plan = plan_sweep(probes(), shipped_efficiency_profile(), options);
  const std::vector<SweepPoint> whole = run_sweep(plan, 1);
  const std::size_t per_hardware = plan.points_per_hardware();
  for (const Format format : {Format::csv, Format::json}) {
    std::string expected;
    write_sweep(plan, whole, format, [&](std::string_view chunk) { expected += chunk; });
    std::string streamed;
    SweepWriter writer(plan, format, [&](std::string_view chunk) { streamed += chunk; });
    for (std::size_t first = 0; first < plan.hardware.size(); first += 2) {
      const std::size_t last = std::min(plan.hardware.size(), first + 2);
      writer.write_hardware(first, std::span(whole).subspan(first * per_hardware, (last - first) * per_hardware));
    }
    writer.finish();
    EXPECT_EQ(expected, streamed) << (format == Format::json ? "json" : "csv");
  }
}

#ifdef LLMFIT_CLI
std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

TEST(SweepCli, WritesCsvToAFileAndRefusesBadContextsWithoutLeavingOne) {
  const auto dir = std::filesystem::temp_directory_path() / ("llmfit-sweep-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto out = dir / "sweep.csv";
  const std::string cli = LLMFIT_CLI;
  // Chips and models as people write them; the plan of the same catalogue ids has as many points as lines.
  ASSERT_EQ(0, std::system((cli + " sweep --hw 'RTX 4090',m2-max --model qwen3-8b,llama3.1:8b --contexts 512,8192 " +
                            "--threads 2 -o " + out.string() + " 2>/dev/null")
                               .c_str()));
  SweepOptions options;
  options.contexts = {512, 8192};
  options.hardware_ids = {"rtx-4090", "m2-max"};
  options.model_ids = {"qwen3-8b", "llama-3.1-8b"};
  const SweepPlan plan = plan_sweep(Catalog::builtin(), shipped_efficiency_profile(), options);
  EXPECT_EQ(plan.evaluated_size() + 1, lines_of(read_file(out)).size());

  const auto bad = dir / "bad.csv";
  const int status = std::system((cli + " sweep --contexts 512,-1 -o " + bad.string() + " 2>/dev/null").c_str());
  EXPECT_EQ(2, WEXITSTATUS(status));
  EXPECT_FALSE(std::filesystem::exists(bad));
  EXPECT_FALSE(std::filesystem::exists(bad.string() + ".tmp-llmfit"));
  std::filesystem::remove_all(dir);
}
#endif

}  // namespace
}  // namespace llmfit

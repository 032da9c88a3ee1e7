// Replays every fuzz seed and every saved crash reproducer through the fuzz targets' entry functions
// in the ordinary build (and under ASan/UBSan in .ci/sanitize.sh), so a fixed finding stays fixed.
// Folders per target: fuzz/corpus/<name>/, fuzz/regressions/<name>/ and the target's extra seed
// folders (the shipped catalogues for catalog_yaml).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <ostream>

#include "../fuzz/fuzz_targets.hpp"

namespace llmfit::fuzz {
// Test names and failure messages show the target's name, not its bytes.
void PrintTo(const Target& target, std::ostream* out) { *out << target.name; }
}  // namespace llmfit::fuzz

namespace llmfit {
namespace {

namespace fs = std::filesystem;

std::vector<fs::path> inputs_of(const fuzz::Target& target) {
  const fs::path root = LLMFIT_SOURCE_DIR;
  std::vector<fs::path> folders = {root / "fuzz" / "corpus" / target.name, root / "fuzz" / "regressions" / target.name};
  for (const char* extra : target.extra_seed_folders) folders.push_back(root / extra);
  std::vector<fs::path> files;
  for (const auto& folder : folders) {
    std::error_code error;
    for (const auto& entry : fs::directory_iterator(folder, error))
      if (entry.is_regular_file() && entry.path().filename().string().front() != '.') files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

class FuzzRegression : public testing::TestWithParam<fuzz::Target> {};

TEST_P(FuzzRegression, EverySeedAndReproducerPasses) {
  const fuzz::Target& target = GetParam();
  const std::vector<fs::path> files = inputs_of(target);
  EXPECT_GE(files.size(), 3u) << "fuzz/corpus/" << target.name << " needs seeds";
  for (const auto& file : files) {
    std::ifstream in(file, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    try {
      target.entry(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
    } catch (const std::exception& e) {
      ADD_FAILURE() << file << ": " << e.what();
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Targets, FuzzRegression, testing::ValuesIn(fuzz::targets()),
                         [](const testing::TestParamInfo<fuzz::Target>& info) { return std::string(info.param.name); });

// The checks themselves must be able to fail, or the fuzzers could not find anything.
TEST(FuzzChecks, ABrokenPredictionIsAViolation) {
  Prediction good;
  good.fit.total_bytes = 10;
  good.fit.available_bytes = 20;
  good.fit.fits = true;
  good.fit.verdict = FitVerdict::fits;
  good.decode_tok_s = good.prefill_tok_s = good.ttft_s = good.sustained_decode_tok_s = good.aggregate_decode_tok_s = 5;
  good.decode_ceiling_tok_s = 6;
  EXPECT_NO_THROW(fuzz::check_prediction(good, true));

  Prediction nan_speed = good;
  nan_speed.decode_tok_s = std::numeric_limits<double>::quiet_NaN();
  EXPECT_THROW(fuzz::check_prediction(nan_speed, false), fuzz::InvariantViolation);
  Prediction out_of_range_with_numbers = good;
  out_of_range_with_numbers.in_range = false;
  EXPECT_THROW(fuzz::check_prediction(out_of_range_with_numbers, false), fuzz::InvariantViolation);
  Prediction fits_but_over = good;
  fits_but_over.fit.total_bytes = 30;
  EXPECT_THROW(fuzz::check_prediction(fits_but_over, false), fuzz::InvariantViolation);
  Prediction above_roofline = good;
  above_roofline.decode_tok_s = 7;
  EXPECT_NO_THROW(fuzz::check_prediction(above_roofline, false));
  EXPECT_THROW(fuzz::check_prediction(above_roofline, true), fuzz::InvariantViolation);
}

TEST(FuzzChecks, ErrorTextMustBeOneLine) {
  EXPECT_NO_THROW(fuzz::check_error_text("x.yaml:3:5: hardware 'a': vendor: missing"));
  EXPECT_THROW(fuzz::check_error_text("first\nsecond"), fuzz::InvariantViolation);
  EXPECT_THROW(fuzz::check_error_text(""), fuzz::InvariantViolation);
  // InputError itself escapes control characters, so library messages always pass.
  const InputError error("x.yaml: hardware 'a\nb': \x01 bad");
  EXPECT_STREQ(error.what(), "x.yaml: hardware 'a\\nb': \\x01 bad");
  EXPECT_NO_THROW(fuzz::check_error_text(error.what()));
}

TEST(FuzzChecks, NonFiniteJsonNumbersAreViolations) {
  nlohmann::json doc = {{"a", 1.5}, {"b", {1.0, 2.0}}};
  EXPECT_NO_THROW(fuzz::check_json_numbers(doc));
  doc["b"].push_back(std::numeric_limits<double>::infinity());
  EXPECT_THROW(fuzz::check_json_numbers(doc), fuzz::InvariantViolation);
}

TEST(FuzzChecks, ResolveFieldsAreLines) {
  const auto fields = fuzz::lines_of("m2-max\nqwen3-coder-q4\n\nmetal");
  ASSERT_EQ(fields.size(), 4u);
  EXPECT_EQ(fields[1], "qwen3-coder-q4");
  EXPECT_EQ(fields[2], "");
  EXPECT_EQ(fields[3], "metal");
}

}  // namespace
}  // namespace llmfit

// parse_decimal: the number std::from_chars reads, bit for bit, for every text it accepts, and nothing else
// (it stands in for std::from_chars where the page's compiler lacks it). split_on: the pieces joined again are
// the text.
#include <gtest/gtest.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "llmfit/text.hpp"

namespace llmfit {
namespace {

std::optional<double> reference(const std::string& text) {
  double value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  // from_chars also reads "inf", "nan" and "infinity"; parse_decimal takes digits only.
  if (error != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  if (text.find_first_of("iInN") != std::string::npos) return std::nullopt;
  return value;
}

void expect_same(const std::string& text) {
  const std::optional<double> ours = parse_decimal(text);
  const std::optional<double> theirs = reference(text);
  ASSERT_EQ(ours.has_value(), theirs.has_value()) << "'" << text << "'";
  if (ours) {
    EXPECT_EQ(std::memcmp(&*ours, &*theirs, sizeof(double)), 0) << "'" << text << "' " << *ours;
  }
}

TEST(ParseDecimal, AgreesWithFromCharsOnEdgeCases) {
  for (const std::string text : {"0", "-0", "1", "64", "0.1", ".5", "5.", "1e5", "1E-5", "2.5e+3", "1e308", "1e309",
                                 "4.9e-324", "1e-400", "0.30000000000000004", "123456789012345678901234567890",
                                 "", "-", ".", "e5", "1e", "1e+", "+1", " 1", "1 ", "0x10", "inf", "nan", "1,5",
                                 "1.2.3", "--1", "1e5.5", "9007199254740993", "2.2250738585072011e-308"})
    expect_same(text);
}

TEST(ParseDecimal, AgreesWithFromCharsOnRandomDecimals) {
  std::mt19937_64 random(42);
  const std::string alphabet = "0123456789.e-+";
  for (int i = 0; i < 20000; ++i) {
    std::string text;
    if (i % 2 == 0) {
      // Well-formed numbers of every size.
      std::ostringstream number;
      if (random() % 4 == 0) number << '-';
      number << random() % 1000000;
      if (random() % 2) number << '.' << random() % 100000000;
      if (random() % 3 == 0) number << 'e' << static_cast<int>(random() % 700) - 350;
      text = number.str();
    } else {
      const int length = static_cast<int>(random() % 8);
      for (int k = 0; k < length; ++k) text += alphabet[random() % alphabet.size()];
    }
    expect_same(text);
  }
}

TEST(SplitOn, KeepsEmptyPieces) {
  using Pieces = std::vector<std::string_view>;
  EXPECT_EQ(split_on("", '/'), Pieces{""});
  EXPECT_EQ(split_on("/", '/'), (Pieces{"", ""}));
  EXPECT_EQ(split_on("/api/show/hw/m2-max", '/'), (Pieces{"", "api", "show", "hw", "m2-max"}));
  EXPECT_EQ(split_on("a,,b,", ','), (Pieces{"a", "", "b", ""}));
  EXPECT_EQ(split_on("hw=m2-max", '&'), Pieces{"hw=m2-max"});
}

TEST(SplitOn, PiecesJoinedAreTheText) {
  std::mt19937 random(7);
  const std::string alphabet = "ab/,";
  for (int i = 0; i < 5000; ++i) {
    std::string text;
    const int length = static_cast<int>(random() % 12);
    for (int k = 0; k < length; ++k) text += alphabet[random() % alphabet.size()];
    const std::vector<std::string_view> pieces = split_on(text, '/');
    std::string joined;
    for (std::size_t k = 0; k < pieces.size(); ++k) {
      EXPECT_EQ(pieces[k].find('/'), std::string_view::npos) << "'" << text << "'";
      if (k > 0) joined += '/';
      joined += pieces[k];
    }
    EXPECT_EQ(joined, text);
    EXPECT_EQ(pieces.size(), static_cast<std::size_t>(std::count(text.begin(), text.end(), '/')) + 1) << "'" << text << "'";
  }
}

}  // namespace
}  // namespace llmfit

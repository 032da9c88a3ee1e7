// The SVG chart writer: escaping, ticks, well-formed documents that hold the plotted values.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <regex>

#include "llmfit/report/svg.hpp"
#include "xml_check.hpp"

namespace llmfit {
namespace {

using test::check_xml;

/// Values of `attribute` on every <tag …> in document order.
std::vector<double> attribute_values(const std::string& svg, const std::string& tag, const std::string& attribute,
                                     const std::string& must_contain = "") {
  std::vector<double> values;
  const std::regex element("<" + tag + "\\b[^>]*>");
  const std::regex value(" " + attribute + "=\"([-0-9.]+)\"");
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), element); it != std::sregex_iterator(); ++it) {
    const std::string text = it->str();
    if (!must_contain.empty() && text.find(must_contain) == std::string::npos) continue;
    std::smatch m;
    if (std::regex_search(text, m, value)) values.push_back(std::stod(m[1].str()));
  }
  return values;
}

std::size_t count(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + needle.size())) ++n;
  return n;
}

// ----------------------------------------------------------------------------- the checker itself

TEST(XmlCheck, AcceptsWellFormedAndRejectsCommonMistakes) {
  EXPECT_TRUE(check_xml("<?xml version=\"1.0\"?>\n<a x=\"1\" y='2'><b/>text &amp; &#181; &#xB5;</a>\n").ok);
  EXPECT_TRUE(check_xml("<a><!-- c --><b></b></a>").ok);
  // Each of these is a mistake a hand-written writer can make.
  EXPECT_FALSE(check_xml("<a><b></a></b>").ok);          // crossed tags
  EXPECT_FALSE(check_xml("<a><b></b>").ok);              // unclosed root
  EXPECT_FALSE(check_xml("<a>x & y</a>").ok);            // bare ampersand
  EXPECT_FALSE(check_xml("<a>1 < 2</a>").ok);            // raw '<' in text
  EXPECT_FALSE(check_xml("<a x=1></a>").ok);             // unquoted attribute
  EXPECT_FALSE(check_xml("<a x=\"1\" x=\"2\"></a>").ok);  // duplicate attribute
  EXPECT_FALSE(check_xml("<a x=\"<\"></a>").ok);         // '<' in an attribute
  EXPECT_FALSE(check_xml("<a></a><b></b>").ok);          // two roots
  EXPECT_FALSE(check_xml("<a>\xff</a>").ok);             // invalid UTF-8
  EXPECT_FALSE(check_xml("<a>&nbsp;</a>").ok);           // undeclared entity
}

// -------------------------------------------------------------------------------------- escaping

TEST(SvgEscape, EscapesMarkupCharactersAndQuotes) {
  EXPECT_EQ(svg::escape_xml("a<b & \"c\" 'd'>"), "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;");
}

TEST(SvgEscape, KeepsValidUtf8DropsControlsReplacesInvalidBytes) {
  EXPECT_EQ(svg::escape_xml("µs █ ·"), "µs █ ·");
  EXPECT_EQ(svg::escape_xml(std::string("a\x01" "b\tc", 5)), "ab\tc");  // U+0001 is not an XML character
  EXPECT_EQ(svg::escape_xml("x\xffy"), "x\xEF\xBF\xBDy");               // lone 0xFF -> U+FFFD
  EXPECT_EQ(svg::escape_xml("\xC3"), "\xEF\xBF\xBD");                   // truncated sequence
  EXPECT_EQ(svg::escape_xml("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // UTF-16 surrogate
}

// ----------------------------------------------------------------------------------------- ticks

TEST(SvgTicks, LinearTicksAreNiceNumbers) {
  // Heckbert: nice(174 - 0, no rounding) = 200; step = nice(200 / 6 = 33.3, rounded) = 50.
  EXPECT_EQ(svg::axis_ticks(0, 174, svg::AxisScale::linear), (std::vector<double>{0, 50, 100, 150, 200}));
  // nice(3) = 5; step = nice(5 / 6 = 0.83) = 1.
  EXPECT_EQ(svg::axis_ticks(0, 3, svg::AxisScale::linear), (std::vector<double>{0, 1, 2, 3}));
  // Steps of 0.1 print without binary noise: every tick is an exact multiple.
  for (double t : svg::axis_ticks(0, 0.7, svg::AxisScale::linear)) { EXPECT_EQ(t, std::round(t * 10) / 10); }
}

TEST(SvgTicks, LogTicksArePowers) {
  // Contexts 512 (2^9) … 131,072 (2^17): nine powers of two.
  const auto log2 = svg::axis_ticks(512, 131072, svg::AxisScale::log2);
  ASSERT_EQ(log2.size(), 9u);
  EXPECT_EQ(log2.front(), 512);
  EXPECT_EQ(log2.back(), 131072);
  // 45.4 … 1.5e9 spans 10^1 … 10^10.
  const auto log10 = svg::axis_ticks(45.4, 1.5e9, svg::AxisScale::log10);
  ASSERT_EQ(log10.size(), 10u);
  EXPECT_DOUBLE_EQ(log10.front(), 10);
  EXPECT_DOUBLE_EQ(log10.back(), 1e10);
}

TEST(SvgTicks, LabelsAreShort) {
  EXPECT_EQ(svg::format_tick(1024, svg::AxisScale::log2), "1k");
  EXPECT_EQ(svg::format_tick(131072, svg::AxisScale::log2), "128k");
  EXPECT_EQ(svg::format_tick(1048576, svg::AxisScale::log2), "1M");
  EXPECT_EQ(svg::format_tick(512, svg::AxisScale::log2), "512");
  EXPECT_EQ(svg::format_tick(1500, svg::AxisScale::linear), "1.5k");
  EXPECT_EQ(svg::format_tick(2e6, svg::AxisScale::log10), "2M");
  EXPECT_EQ(svg::format_tick(0.5, svg::AxisScale::linear), "0.5");
  EXPECT_EQ(svg::format_value(1.5e9), "1,500,000,000");
  EXPECT_EQ(svg::format_value(48.76), "48.8");
  EXPECT_EQ(svg::format_value(5.432), "5.43");
  EXPECT_EQ(svg::format_value(0.0123), "0.0123");
  EXPECT_EQ(svg::format_value(std::nan("")), "n/a");
}

// ------------------------------------------------------------------------------------- bar chart

svg::BarChart sample_bars() {
  svg::BarChart chart;
  chart.title = "Decode speed: A & B <test>";
  chart.subtitle = "subtitle \"quoted\"";
  chart.value_label = "decode speed (tokens/s)";
  chart.group_names = {"fits", "does not fit"};
  chart.bars = {{"rtx-4090", 100, "100 tok/s", 0}, {"m2-max", 50, "", 0}, {"m1 <8 GB>", 25, "25 tok/s", 1}};
  chart.footnote = "note & footnote";
  return chart;
}

TEST(SvgBarChart, IsWellFormedAndEscaped) {
  const std::string doc = svg::render(sample_bars());
  const auto check = check_xml(doc);
  EXPECT_TRUE(check.ok) << check.error;
  EXPECT_NE(doc.find("Decode speed: A &amp; B &lt;test&gt;"), std::string::npos);
  EXPECT_NE(doc.find("m1 &lt;8 GB&gt;"), std::string::npos);
  EXPECT_NE(doc.find("subtitle &quot;quoted&quot;"), std::string::npos);
  EXPECT_EQ(doc.find("nan"), std::string::npos);
}

TEST(SvgBarChart, HoldsLabelsValuesAxisAndLegend) {
  const std::string doc = svg::render(sample_bars());
  for (const char* text : {"rtx-4090", "m2-max", "100 tok/s", "25 tok/s", "decode speed (tokens/s)", "fits",
                           "does not fit", "note &amp; footnote"})
    EXPECT_NE(doc.find(text), std::string::npos) << text;
  // The bar without value_text prints its value formatted: 50 -> "50.0".
  EXPECT_NE(doc.find(">50.0<"), std::string::npos);
  // Ticks 0, 50, 100 (nice(100) = 100, step nice(16.7) = 20 -> 0..100 by 20).
  for (const char* tick : {">0<", ">20<", ">40<", ">100<"}) { EXPECT_NE(doc.find(tick), std::string::npos) << tick; }
}

TEST(SvgBarChart, BarLengthsAreProportionalToValues) {
  const std::string doc = svg::render(sample_bars());
  // Bars are the rects that carry a tooltip; the axis starts at 0, so lengths scale with the values.
  std::vector<double> bars;
  const std::regex bar_rect("<rect [^>]*><title>");
  for (auto it = std::sregex_iterator(doc.begin(), doc.end(), bar_rect); it != std::sregex_iterator(); ++it) {
    std::smatch m;
    const std::string text = it->str();
    ASSERT_TRUE(std::regex_search(text, m, std::regex(" width=\"([0-9.]+)\"")));
    bars.push_back(std::stod(m[1].str()));
  }
  ASSERT_EQ(bars.size(), 3u);
  EXPECT_NEAR(bars[0] / bars[1], 2.0, 0.01);  // 100 / 50
  EXPECT_NEAR(bars[0] / bars[2], 4.0, 0.02);  // 100 / 25
}

TEST(SvgBarChart, NonFiniteAndEmptyInputsStayWellFormed) {
  svg::BarChart chart;
  chart.title = "empty";
  EXPECT_TRUE(check_xml(svg::render(chart)).ok);
  chart.bars = {{"inf", std::numeric_limits<double>::infinity(), "", 0},
                {"nan", std::nan(""), "", 0},
                {"negative", -5, "", 0}};
  const std::string doc = svg::render(chart);
  EXPECT_TRUE(check_xml(doc).ok) << check_xml(doc).error;
  EXPECT_EQ(doc.find("inf\""), std::string::npos);
  EXPECT_EQ(count(doc, "<title>"), 1u);  // the document title only: no bar is drawn
  EXPECT_NE(doc.find("n/a"), std::string::npos);
}

TEST(SvgBarChart, LogScaleSpansDecades) {
  svg::BarChart chart;
  chart.scale = svg::AxisScale::log10;
  chart.bars = {{"claimed", 1.5e9, "", 1}, {"ceiling", 70, "", 2}, {"predicted", 45.4, "", 0}};
  const std::string doc = svg::render(chart);
  EXPECT_TRUE(check_xml(doc).ok);
  // Decade ticks from 10 to 10G.
  for (const char* tick : {">10<", ">100<", ">1k<", ">1G<", ">10G<"}) {
    EXPECT_NE(doc.find(tick), std::string::npos) << tick;
  }
  EXPECT_NE(doc.find("1,500,000,000"), std::string::npos);
}

// ------------------------------------------------------------------------------------ line chart

svg::LineChart sample_lines() {
  svg::LineChart chart;
  chart.title = "Decode speed over context";
  chart.x = {"context (tokens)", svg::AxisScale::log2};
  chart.y = {"decode speed (tokens/s)", svg::AxisScale::linear};
  chart.y_right = {"time to first token (s)", svg::AxisScale::log10};
  chart.series = {{"decode tok/s", {{512, 48.8}, {1024, 48.2}, {2048, 47.2, true}}, false, false},
                  {"TTFT s", {{512, 0.433}, {1024, 0.893}, {2048, 1.9}}, true, true}};
  chart.footnote = "hollow markers: does not fit";
  return chart;
}

TEST(SvgLineChart, IsWellFormedAndHoldsSeriesAndPoints) {
  const std::string doc = svg::render(sample_lines());
  const auto check = check_xml(doc);
  EXPECT_TRUE(check.ok) << check.error;
  for (const char* text : {"decode tok/s", "TTFT s (right axis)", "context (tokens)", "time to first token (s)",
                           "decode tok/s: 48.8 at 512", "decode tok/s: 47.2 at 2,048", "TTFT s: 1.90 at 2,048",
                           ">1k<", ">2k<", "stroke-dasharray"})
    EXPECT_NE(doc.find(text), std::string::npos) << text;
  EXPECT_EQ(count(doc, "<circle"), 6u);
  EXPECT_EQ(count(doc, "<polyline"), 2u);
  EXPECT_EQ(count(doc, "fill=\"#ffffff\" stroke="), 1u);  // the one open marker
}

TEST(SvgLineChart, HigherValuesPlotHigher) {
  const std::string doc = svg::render(sample_lines());
  const auto cy = attribute_values(doc, "circle", "cy");
  ASSERT_EQ(cy.size(), 6u);
  // SVG y grows downwards: 48.8 tok/s sits above 47.2 tok/s; the TTFT series rises (1.9 s above 0.433 s).
  EXPECT_LT(cy[0], cy[2]);
  EXPECT_GT(cy[3], cy[5]);
  // x: 512, 1024, 2048 on a log2 axis are evenly spaced.
  const auto cx = attribute_values(doc, "circle", "cx");
  EXPECT_NEAR(cx[1] - cx[0], cx[2] - cx[1], 0.11);
}

TEST(SvgLineChart, SkipsPointsALogAxisCannotShow) {
  svg::LineChart chart = sample_lines();
  chart.series[0].points.push_back({0, 10});                          // x = 0 on a log axis
  chart.series[0].points.push_back({4096, std::nan("")});             // no value
  chart.series[1].points.push_back({4096, -1});                       // negative on a log axis
  const std::string doc = svg::render(chart);
  EXPECT_TRUE(check_xml(doc).ok);
  EXPECT_EQ(count(doc, "<circle"), 6u);
  EXPECT_EQ(doc.find("nan"), std::string::npos);
}

}  // namespace
}  // namespace llmfit

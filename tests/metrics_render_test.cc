// The admin port's /metrics text (server/metrics.h, Prometheus text format 0.0.4): what a
// scraper parses, pinned byte for byte: HELP and TYPE lines, label escaping, how numbers are
// written, and what a family with no series shows.
#include <cmath>
#include <limits>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/metrics.h"

namespace trackd {
namespace {

TEST(MetricsRenderTest, RegistryRendersCountersThenHistogramsThenCallbacks) {
  MetricsRegistry registry;
  registry.AddCallback("t_backlog", "Events not yet forwarded.", "gauge", [] { return 12.0; });
  HistogramFamily& latency =
      registry.AddHistogram("t_seconds", "Call latency.", {"method"}, {0.5, 2});
  CounterFamily& calls = registry.AddCounter("t_calls_total", "Calls.", {"method", "code"});
  registry.AddCounter("t_restarts_total", "Restarts.");
  calls.Add({"Track", "OK"}, 3);
  calls.Add({"Health", "OK"});
  latency.Observe({"Track"}, 0.25);
  latency.Observe({"Track"}, 1.5);

  EXPECT_EQ(registry.Render(),
            "# HELP t_calls_total Calls.\n"
            "# TYPE t_calls_total counter\n"
            "t_calls_total{method=\"Health\",code=\"OK\"} 1\n"
            "t_calls_total{method=\"Track\",code=\"OK\"} 3\n"
            "# HELP t_restarts_total Restarts.\n"
            "# TYPE t_restarts_total counter\n"
            "t_restarts_total 0\n"
            "# HELP t_seconds Call latency.\n"
            "# TYPE t_seconds histogram\n"
            "t_seconds_bucket{method=\"Track\",le=\"0.5\"} 1\n"
            "t_seconds_bucket{method=\"Track\",le=\"2\"} 2\n"
            "t_seconds_bucket{method=\"Track\",le=\"+Inf\"} 2\n"
            "t_seconds_sum{method=\"Track\"} 1.75\n"
            "t_seconds_count{method=\"Track\"} 2\n"
            "# HELP t_backlog Events not yet forwarded.\n"
            "# TYPE t_backlog gauge\n"
            "t_backlog 12\n");
}

TEST(MetricsRenderTest, LabelledFamilyWithoutSeriesShowsOnlyItsHeader) {
  MetricsRegistry registry;
  registry.AddCounter("t_total", "Adds.", {"k"});
  registry.AddHistogram("t_seconds", "Durations.", {"k"}, {1});
  EXPECT_EQ(registry.Render(),
            "# HELP t_total Adds.\n# TYPE t_total counter\n"
            "# HELP t_seconds Durations.\n# TYPE t_seconds histogram\n");
}

struct ValueCase {
  std::string name;
  double value;
  std::string text;
};

class MetricsValueTest : public ::testing::TestWithParam<ValueCase> {};

TEST_P(MetricsValueTest, IsWrittenAsPrometheusReadsIt) {
  const ValueCase& c = GetParam();
  MetricsRegistry registry;
  registry.AddCallback("t", "T.", "gauge", [&] { return c.value; });
  EXPECT_EQ(registry.Render(), "# HELP t T.\n# TYPE t gauge\nt " + c.text + "\n");
}

INSTANTIATE_TEST_SUITE_P(
    Values, MetricsValueTest,
    ::testing::Values(ValueCase{"Zero", 0, "0"}, ValueCase{"Integer", 42, "42"},
                      ValueCase{"Negative", -3, "-3"}, ValueCase{"Fraction", 0.25, "0.25"},
                      ValueCase{"LargeInteger", 123456789012345, "123456789012345"},
                      ValueCase{"HugeIsExponent", 1e15, "1e+15"},
                      ValueCase{"Tiny", 1.5e-7, "1.5e-07"},
                      ValueCase{"StartTimeKeepsItsFraction", 1796076543.25, "1796076543.25"},
                      ValueCase{"SumKeepsEveryDigit", 0.1 + 0.2, "0.30000000000000004"},
                      ValueCase{"NotANumber", std::numeric_limits<double>::quiet_NaN(), "NaN"},
                      ValueCase{"PlusInfinity", std::numeric_limits<double>::infinity(), "+Inf"},
                      ValueCase{"MinusInfinity", -std::numeric_limits<double>::infinity(), "-Inf"}),
    [](const ::testing::TestParamInfo<ValueCase>& info) { return info.param.name; });

TEST(MetricsRenderTest, HelpTextEscapesBackslashAndNewline) {
  MetricsRegistry registry;
  registry.AddCallback("t", "Two\nlines, one C:\\path.", "gauge", [] { return 1.0; });
  EXPECT_EQ(registry.Render(), "# HELP t Two\\nlines, one C:\\\\path.\n# TYPE t gauge\nt 1\n");
}

struct LabelCase {
  std::string name;
  std::string value;
  std::string text;
};

class MetricsLabelTest : public ::testing::TestWithParam<LabelCase> {};

TEST_P(MetricsLabelTest, ValueIsEscapedAsTheTextFormatRequires) {
  const LabelCase& c = GetParam();
  MetricsRegistry registry;
  registry.AddCounter("t_total", "T.", {"client"}).Add({c.value});
  EXPECT_THAT(registry.Render(), ::testing::EndsWith("t_total{client=\"" + c.text + "\"} 1\n"));
}

INSTANTIATE_TEST_SUITE_P(
    Values, MetricsLabelTest,
    ::testing::Values(LabelCase{"Plain", "billing-2", "billing-2"}, LabelCase{"Empty", "", ""},
                      LabelCase{"Quote", "a\"b", "a\\\"b"},
                      LabelCase{"Backslash", "a\\b", "a\\\\b"},
                      LabelCase{"Newline", "a\nb", "a\\nb"},
                      LabelCase{"Utf8", "caf\xc3\xa9", "caf\xc3\xa9"},
                      LabelCase{"BracesAndComma", "{a=\"1\",b}", "{a=\\\"1\\\",b}"}),
    [](const ::testing::TestParamInfo<LabelCase>& info) { return info.param.name; });

}  // namespace
}  // namespace trackd

// The process collector's metrics (server/process_metrics.h): /proc/self/stat parsed by field
// number, and the six standard families rendered with values a live process must have.
#include "server/process_metrics.h"

#include <unistd.h>

#include <cmath>
#include <map>
#include <string>

#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace trackd {
namespace {

// A real line of /proc/<pid>/stat with a command name that holds a space and a ')'.
constexpr char kStat[] =
    "4242 (track d) x) S 1 4242 4242 0 -1 4194560 1520 0 0 0 250 50 0 0 20 0 9 0 "
    "123400 1073741824 2560 18446744073709551615 1 1 0 0 0 0 0 4096 17663 0 0 0 17 1 0 0 "
    "0 0 0\n";

TEST(ProcessMetricsTest, StatFieldsAreCountedAfterTheLastParenthesis) {
  const auto stat = ParseProcStat(kStat, /*ticks_per_second=*/100, /*page_bytes=*/4096);
  ASSERT_TRUE(stat.ok()) << stat.status();
  EXPECT_DOUBLE_EQ(stat->cpu_seconds, 3.0);  // (250 + 50) ticks
  EXPECT_DOUBLE_EQ(stat->start_seconds, 1234.0);
  EXPECT_DOUBLE_EQ(stat->virtual_bytes, 1073741824.0);
  EXPECT_DOUBLE_EQ(stat->resident_bytes, 2560.0 * 4096);
}

TEST(ProcessMetricsTest, TruncatedOrNamelessStatIsAnError) {
  EXPECT_FALSE(ParseProcStat("4242 (trackd) S 1 2 3", 100, 4096).ok());
  EXPECT_FALSE(ParseProcStat("4242 trackd S 1 2 3", 100, 4096).ok());
  EXPECT_FALSE(ParseProcStat("", 100, 4096).ok());
}

TEST(ProcessMetricsTest, BootTimeIsTheBtimeLine) {
  const auto boot = ParseBootTime("cpu  1 2 3\nintr 5\nbtime 1796000000\nprocesses 9\n");
  ASSERT_TRUE(boot.ok());
  EXPECT_EQ(*boot, 1796000000);
  EXPECT_FALSE(ParseBootTime("cpu  1 2 3\n").ok());
}

TEST(ProcessMetricsTest, TheSixStandardFamiliesDescribeThisProcess) {
  MetricsRegistry registry;
  RegisterProcessMetrics(registry);
  const std::string text = registry.Render();
  std::map<std::string, double> values;
  for (const char* name : {"process_cpu_seconds_total", "process_resident_memory_bytes",
                           "process_virtual_memory_bytes", "process_open_fds", "process_max_fds",
                           "process_start_time_seconds"}) {
    const std::string line = std::string("\n") + name + " ";
    const size_t at = text.find(line);
    ASSERT_NE(at, std::string::npos) << name << " missing from:\n" << text;
    values[name] = std::stod(text.substr(at + line.size()));
  }
  EXPECT_THAT(text, ::testing::HasSubstr("# TYPE process_cpu_seconds_total counter\n"));
  EXPECT_GE(values["process_cpu_seconds_total"], 0);
  EXPECT_GT(values["process_resident_memory_bytes"], 0);
  EXPECT_GE(values["process_virtual_memory_bytes"], values["process_resident_memory_bytes"]);
  // At least stdin, stdout and stderr; fewer than the limit.
  EXPECT_GE(values["process_open_fds"], 3);
  EXPECT_LT(values["process_open_fds"], values["process_max_fds"]);
  // This process started before now and after the epoch's first year.
  EXPECT_GT(values["process_start_time_seconds"], 365.0 * 24 * 3600);
  EXPECT_LE(values["process_start_time_seconds"], absl::ToUnixSeconds(absl::Now()) + 1);
}

}  // namespace
}  // namespace trackd

#include "server/process_metrics.h"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace trackd {
namespace {

constexpr double kUnreadable = std::numeric_limits<double>::quiet_NaN();

std::string ReadWholeFile(const char* path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

double OpenFileDescriptors() {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return kUnreadable;
  double count = 0;
  while (const dirent* entry = readdir(dir)) {
    if (entry->d_name[0] != '.') ++count;
  }
  closedir(dir);
  return count - 1;  // The descriptor opendir itself holds.
}

double MaxFileDescriptors() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return kUnreadable;
  return limit.rlim_cur == RLIM_INFINITY ? std::numeric_limits<double>::infinity()
                                         : static_cast<double>(limit.rlim_cur);
}

}  // namespace

absl::StatusOr<ProcessStat> ParseProcStat(absl::string_view text, double ticks_per_second,
                                          double page_bytes) {
  const size_t name_end = text.rfind(')');
  if (name_end == absl::string_view::npos) {
    return absl::InvalidArgumentError("/proc stat: no ')' after the command name");
  }
  // Field 3 (state) is the first after the name; proc(5) numbers fields from 1.
  const std::vector<absl::string_view> fields =
      absl::StrSplit(absl::StripAsciiWhitespace(text.substr(name_end + 1)), ' ', absl::SkipEmpty());
  const auto field = [&fields](size_t number, double* value) {
    return number - 3 < fields.size() && absl::SimpleAtod(fields[number - 3], value);
  };
  double utime = 0, stime = 0, start_ticks = 0, vsize = 0, rss_pages = 0;
  if (!field(14, &utime) || !field(15, &stime) || !field(22, &start_ticks) || !field(23, &vsize) ||
      !field(24, &rss_pages)) {
    return absl::InvalidArgumentError("/proc stat: fewer than 24 numeric fields");
  }
  return ProcessStat{.cpu_seconds = (utime + stime) / ticks_per_second,
                     .start_seconds = start_ticks / ticks_per_second,
                     .virtual_bytes = vsize,
                     .resident_bytes = rss_pages * page_bytes};
}

absl::StatusOr<double> ParseBootTime(absl::string_view proc_stat_text) {
  for (absl::string_view line : absl::StrSplit(proc_stat_text, '\n')) {
    double seconds = 0;
    if (absl::ConsumePrefix(&line, "btime ") && absl::SimpleAtod(line, &seconds)) return seconds;
  }
  return absl::NotFoundError("/proc/stat: no btime line");
}

void RegisterProcessMetrics(MetricsRegistry& registry) {
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  const double page_bytes = static_cast<double>(sysconf(_SC_PAGESIZE));
  const auto read = [ticks, page_bytes]() -> absl::StatusOr<ProcessStat> {
    return ParseProcStat(ReadWholeFile("/proc/self/stat"), ticks, page_bytes);
  };
  const auto stat_value = [read](double ProcessStat::*member) {
    return [read, member] {
      const absl::StatusOr<ProcessStat> stat = read();
      return stat.ok() ? (*stat).*member : kUnreadable;
    };
  };
  registry.AddCallback("process_cpu_seconds_total",
                       "Total user and system CPU time spent in seconds.", "counter",
                       stat_value(&ProcessStat::cpu_seconds));
  registry.AddCallback("process_resident_memory_bytes", "Resident memory size in bytes.", "gauge",
                       stat_value(&ProcessStat::resident_bytes));
  registry.AddCallback("process_virtual_memory_bytes", "Virtual memory size in bytes.", "gauge",
                       stat_value(&ProcessStat::virtual_bytes));
  registry.AddCallback("process_open_fds", "Number of open file descriptors.", "gauge",
                       OpenFileDescriptors);
  registry.AddCallback("process_max_fds", "Maximum number of open file descriptors.", "gauge",
                       MaxFileDescriptors);
  // Fixed for the process' life: computed once.
  const absl::StatusOr<double> boot = ParseBootTime(ReadWholeFile("/proc/stat"));
  const absl::StatusOr<ProcessStat> stat = read();
  const double start_time = boot.ok() && stat.ok() ? *boot + stat->start_seconds : kUnreadable;
  registry.AddCallback("process_start_time_seconds",
                       "Start time of the process since unix epoch in seconds.", "gauge",
                       [start_time] { return start_time; });
}

}  // namespace trackd

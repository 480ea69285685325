#ifndef TRACKD_SERVER_PROCESS_METRICS_H_
#define TRACKD_SERVER_PROCESS_METRICS_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/metrics.h"

namespace trackd {

// What /proc/self/stat says of this process, in the units of the standard process metrics.
struct ProcessStat {
  double cpu_seconds = 0;    // user + system time
  double start_seconds = 0;  // after boot
  double virtual_bytes = 0;
  double resident_bytes = 0;
};

// Parses the text of /proc/<pid>/stat (proc(5)): the command name in parentheses may hold
// spaces and parentheses, so fields are counted after its last ')'.
absl::StatusOr<ProcessStat> ParseProcStat(absl::string_view text, double ticks_per_second,
                                          double page_bytes);

// The `btime` line of /proc/stat: when the machine booted, in seconds since the epoch.
absl::StatusOr<double> ParseBootTime(absl::string_view proc_stat_text);

// Adds the process collector's metrics under the names every Prometheus client library uses,
// so dashboards written for any of them work: process_cpu_seconds_total,
// process_resident_memory_bytes, process_virtual_memory_bytes, process_open_fds,
// process_max_fds and process_start_time_seconds. Read from /proc at each scrape; a value that
// cannot be read is NaN.
void RegisterProcessMetrics(MetricsRegistry& registry);

}  // namespace trackd

#endif  // TRACKD_SERVER_PROCESS_METRICS_H_

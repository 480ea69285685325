// LoadReport: what one measured load run saw (calls, status codes, latencies,
// client CPU), and its one-line JSON form, the output of trackd_load that
// scripts/bench.sh parses.
#ifndef TRACKD_BENCH_LOAD_STATS_H_
#define TRACKD_BENCH_LOAD_STATS_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "grpcpp/support/status.h"

namespace trackd::bench {

// The JSON name of a status code ("UNAVAILABLE"); "CODE_<n>" for unknown ones.
std::string StatusCodeName(grpc::StatusCode code);

// The latency (rounded down to the microsecond) at or below which a fraction
// `quantile` (0 < quantile <= 1) of `sorted_ns` lies, by nearest rank; 0 when
// empty. `sorted_ns` must be sorted ascending.
double PercentileUs(const std::vector<int64_t>& sorted_ns, double quantile);

struct LoadReport {
  uint64_t calls = 0;  // Completed calls, OK or not.
  uint64_t ok = 0;
  std::map<std::string, uint64_t> errors;  // By status code name; "WRONG_RESPONSE" too.
  double seconds = 0;                      // Wall time from the first call to the last answer.
  std::vector<int64_t> ok_latencies_ns;    // One per OK call, any order.
  double client_cpu_seconds = 0;           // This process's user+system CPU over the run.
  int concurrency = 0;
  int channels = 0;
  uint64_t warmup_calls = 0;
  bool complete = false;  // Every requested call completed before the time bound.
  // Open loop only (target_rate > 0): the calls per second asked for, the rate
  // at which calls were started, and how late the latest start was.
  double target_rate = 0;
  double achieved_rate = 0;
  double max_start_lag_us = 0;
};

// One line of JSON, no newline: calls, ok, errors (an object), seconds,
// calls_per_sec (every completed call, failed ones too), p50_us, p90_us,
// p99_us, p999_us (over OK calls), client_cpu_us_per_call, concurrency,
// channels, warmup_calls, complete, mode ("closed" or "open"), and for the
// open loop target_rate, achieved_rate, max_start_lag_us. Sorts
// report->ok_latencies_ns.
std::string ReportJson(LoadReport* report);

}  // namespace trackd::bench

#endif  // TRACKD_BENCH_LOAD_STATS_H_

#include "bench/load_stats.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace trackd::bench {

std::string StatusCodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return "OK";
    case grpc::StatusCode::CANCELLED:
      return "CANCELLED";
    case grpc::StatusCode::UNKNOWN:
      return "UNKNOWN";
    case grpc::StatusCode::INVALID_ARGUMENT:
      return "INVALID_ARGUMENT";
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return "DEADLINE_EXCEEDED";
    case grpc::StatusCode::NOT_FOUND:
      return "NOT_FOUND";
    case grpc::StatusCode::ALREADY_EXISTS:
      return "ALREADY_EXISTS";
    case grpc::StatusCode::PERMISSION_DENIED:
      return "PERMISSION_DENIED";
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return "RESOURCE_EXHAUSTED";
    case grpc::StatusCode::FAILED_PRECONDITION:
      return "FAILED_PRECONDITION";
    case grpc::StatusCode::ABORTED:
      return "ABORTED";
    case grpc::StatusCode::OUT_OF_RANGE:
      return "OUT_OF_RANGE";
    case grpc::StatusCode::UNIMPLEMENTED:
      return "UNIMPLEMENTED";
    case grpc::StatusCode::INTERNAL:
      return "INTERNAL";
    case grpc::StatusCode::UNAVAILABLE:
      return "UNAVAILABLE";
    case grpc::StatusCode::DATA_LOSS:
      return "DATA_LOSS";
    case grpc::StatusCode::UNAUTHENTICATED:
      return "UNAUTHENTICATED";
    default:
      return absl::StrCat("CODE_", static_cast<int>(code));
  }
}

double PercentileUs(const std::vector<int64_t>& sorted_ns, double quantile) {
  if (sorted_ns.empty()) return 0;
  const auto rank =
      static_cast<size_t>(std::ceil(quantile * static_cast<double>(sorted_ns.size())));
  const size_t index = std::min(sorted_ns.size(), std::max<size_t>(rank, 1)) - 1;
  return static_cast<double>(sorted_ns[index] / 1000);
}

std::string ReportJson(LoadReport* report) {
  std::vector<int64_t>& latencies = report->ok_latencies_ns;
  std::sort(latencies.begin(), latencies.end());
  std::string errors;
  for (const auto& [name, count] : report->errors) {
    absl::StrAppend(&errors, errors.empty() ? "" : ",", "\"", name, "\":", count);
  }
  const double calls = static_cast<double>(report->calls);
  const double calls_per_sec = report->seconds > 0 ? calls / report->seconds : 0;
  const double cpu_us_per_call = calls > 0 ? report->client_cpu_seconds * 1e6 / calls : 0;
  const std::string open_loop =
      report->target_rate > 0
          ? absl::StrFormat(
                ",\"target_rate\":%.0f,\"achieved_rate\":%.0f,\"max_start_lag_us\":%.0f",
                report->target_rate, report->achieved_rate, report->max_start_lag_us)
          : "";
  return absl::StrFormat(
      "{\"calls\":%d,\"ok\":%d,\"errors\":{%s},\"seconds\":%.3f,\"calls_per_sec\":%.0f,"
      "\"p50_us\":%.0f,\"p90_us\":%.0f,\"p99_us\":%.0f,\"p999_us\":%.0f,"
      "\"client_cpu_us_per_call\":%.1f,\"concurrency\":%d,\"channels\":%d,"
      "\"warmup_calls\":%d,\"complete\":%s,\"mode\":\"%s\"%s}",
      report->calls, report->ok, errors, report->seconds, calls_per_sec,
      PercentileUs(latencies, 0.50), PercentileUs(latencies, 0.90), PercentileUs(latencies, 0.99),
      PercentileUs(latencies, 0.999), cpu_us_per_call, report->concurrency, report->channels,
      report->warmup_calls, report->complete ? "true" : "false",
      report->target_rate > 0 ? "open" : "closed", open_loop);
}

}  // namespace trackd::bench

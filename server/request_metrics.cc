#include "server/request_metrics.h"

#include "absl/strings/string_view.h"

namespace trackd {
namespace {

constexpr char kAnonymous[] = "anonymous";

// Returns the series in `slot`, resolving it with `find` the first time. Two
// threads may both resolve it; the family hands both the same series.
template <typename Series, typename Find>
Series* Cached(std::atomic<Series*>& slot, Find find) {
  Series* series = slot.load(std::memory_order_acquire);
  if (series == nullptr) {
    series = find();
    slot.store(series, std::memory_order_release);
  }
  return series;
}

}  // namespace

const char* RpcMethodName(RpcMethod method) {
  return method == RpcMethod::kTrack ? "Track" : "TrackBatch";
}

Counter* RequestMetrics::RequestSeries(RpcMethod method, absl::StatusCode code,
                                       const std::string& client) {
  const auto find = [&] {
    const std::string code_name = absl::StatusCodeToString(code);
    return families_.requests->Series({RpcMethodName(method), code_name, client});
  };
  const int code_index = static_cast<int>(code);
  if (client != kAnonymous || code_index < 0 || code_index >= kCodes) return find();
  return Cached(anonymous_requests_[static_cast<int>(method)][code_index], find);
}

void RequestMetrics::Record(RpcMethod method, absl::StatusCode code, const std::string& client,
                            absl::Duration latency) {
  if (families_.requests != nullptr) RequestSeries(method, code, client)->Add();
  if (families_.latency != nullptr) {
    Cached(latency_[static_cast<int>(method)], [&] {
      return families_.latency->Series({RpcMethodName(method)});
    })->Observe(absl::ToDoubleSeconds(latency));
  }
}

}  // namespace trackd

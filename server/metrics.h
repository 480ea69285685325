// A small Prometheus metrics registry: counters and histograms with labels,
// gauges read from callbacks, rendered in the text exposition format (0.0.4)
// for the admin port's /metrics. Thread-safe. Counting is an atomic add on a
// series found once (a lock and a map lookup without allocation), or on a
// kept series pointer without a lock, which is how the request path counts.
#ifndef TRACKD_SERVER_METRICS_H_
#define TRACKD_SERVER_METRICS_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"

namespace trackd {

// Label values of one series, one per label name, in order. Looking a series up
// by them allocates nothing once the series exists.
using LabelValues = absl::Span<const absl::string_view>;

// Orders series by their label values; transparent, so a lookup by LabelValues
// needs no std::vector<std::string>.
struct LabelValuesLess {
  using is_transparent = void;
  bool operator()(const std::vector<std::string>& a, const std::vector<std::string>& b) const {
    return a < b;
  }
  bool operator()(const std::vector<std::string>& a, LabelValues b) const;
  bool operator()(LabelValues a, const std::vector<std::string>& b) const;
};

// One counter time series. Add is a single atomic operation: a caller that
// keeps the pointer (see CounterFamily::Series) counts without a lock.
class Counter {
 public:
  void Add(double by = 1) { value_.fetch_add(by, std::memory_order_relaxed); }
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// A counter with a fixed list of label names; each distinct list of label
// values is one time series.
class CounterFamily {
 public:
  CounterFamily(std::string name, std::string help, std::vector<std::string> labels)
      : name_(std::move(name)), help_(std::move(help)), labels_(std::move(labels)) {}
  // The series of `values`, created at 0 on first use. The pointer stays valid
  // as long as the family: keep it to count without a lookup.
  Counter* Series(LabelValues values);
  // Adds `by` to the series of `values`.
  void Add(LabelValues values, double by = 1) { Series(values)->Add(by); }
  // The current value of a series; 0 if it does not exist.
  double Value(LabelValues values) const;
  void Render(std::string* out) const;

 private:
  const std::string name_, help_;
  const std::vector<std::string> labels_;
  mutable absl::Mutex mu_;
  // Node-based: the Counter pointers handed out stay put.
  std::map<std::vector<std::string>, std::unique_ptr<Counter>, LabelValuesLess> series_
      ABSL_GUARDED_BY(mu_);
};

// One histogram time series; Observe is lock-free.
class Histogram {
 public:
  explicit Histogram(const std::vector<double>& bounds);
  void Observe(double value);

 private:
  friend class HistogramFamily;
  const std::vector<double>& bounds_;
  // Non-cumulative counts, one per bound, plus +Inf.
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;
  std::atomic<double> sum_{0};
};

// A histogram with fixed upper bounds (seconds, for durations).
class HistogramFamily {
 public:
  HistogramFamily(std::string name, std::string help, std::vector<std::string> labels,
                  std::vector<double> bounds)
      : name_(std::move(name)),
        help_(std::move(help)),
        labels_(std::move(labels)),
        bounds_(std::move(bounds)) {}
  // The series of `values`, created on first use; valid as long as the family.
  Histogram* Series(LabelValues values);
  void Observe(LabelValues values, double value) { Series(values)->Observe(value); }
  void Render(std::string* out) const;

 private:
  const std::string name_, help_;
  const std::vector<std::string> labels_;
  const std::vector<double> bounds_;
  mutable absl::Mutex mu_;
  std::map<std::vector<std::string>, std::unique_ptr<Histogram>, LabelValuesLess> series_
      ABSL_GUARDED_BY(mu_);
};

class MetricsRegistry {
 public:
  // The families live as long as the registry; the references stay valid.
  CounterFamily& AddCounter(const std::string& name, const std::string& help,
                            std::vector<std::string> labels = {});
  HistogramFamily& AddHistogram(const std::string& name, const std::string& help,
                                std::vector<std::string> labels, std::vector<double> bounds);
  // A gauge (or a counter kept elsewhere, with type "counter") whose value is
  // read from `read` at each scrape; `read` must be thread-safe.
  // `labels` (name, value) are written on its one series, as in an info
  // metric: trackd_personal_data_policy{policy="hash"} 1.
  void AddCallback(const std::string& name, const std::string& help, const std::string& type,
                   std::function<double()> read,
                   std::vector<std::pair<std::string, std::string>> labels = {});

  // The whole registry in Prometheus text format.
  std::string Render() const;

  // Latency buckets from 0.1 ms to 10 s.
  static std::vector<double> LatencyBounds();

 private:
  struct Callback {
    std::string name, help, type;
    std::function<double()> read;
    std::string series;  // The name with its labels.
  };
  mutable absl::Mutex mu_;
  std::vector<std::unique_ptr<CounterFamily>> counters_ ABSL_GUARDED_BY(mu_);
  std::vector<std::unique_ptr<HistogramFamily>> histograms_ ABSL_GUARDED_BY(mu_);
  std::vector<Callback> callbacks_ ABSL_GUARDED_BY(mu_);
};

}  // namespace trackd

#endif  // TRACKD_SERVER_METRICS_H_

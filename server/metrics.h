// A small Prometheus metrics registry: counters and histograms with labels,
// gauges read from callbacks, rendered in the text exposition format (0.0.4)
// for the admin port's /metrics. Thread-safe.
#ifndef TRACKD_SERVER_METRICS_H_
#define TRACKD_SERVER_METRICS_H_

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace trackd {

// A counter with a fixed list of label names; each distinct list of label
// values is one time series.
class CounterFamily {
 public:
  CounterFamily(std::string name, std::string help, std::vector<std::string> labels)
      : name_(std::move(name)), help_(std::move(help)), labels_(std::move(labels)) {}
  // Adds `by` to the series of `values` (one per label name, in order).
  void Add(const std::vector<std::string>& values, double by = 1);
  // The current value of a series; 0 if it does not exist.
  double Value(const std::vector<std::string>& values) const;
  void Render(std::string* out) const;

 private:
  const std::string name_, help_;
  const std::vector<std::string> labels_;
  mutable absl::Mutex mu_;
  std::map<std::vector<std::string>, double> series_ ABSL_GUARDED_BY(mu_);
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
  void Observe(const std::vector<std::string>& values, double value);
  void Render(std::string* out) const;

 private:
  struct Series {
    std::vector<uint64_t> buckets;  // Non-cumulative counts, one per bound, plus +Inf.
    double sum = 0;
    uint64_t count = 0;
  };
  const std::string name_, help_;
  const std::vector<std::string> labels_;
  const std::vector<double> bounds_;
  mutable absl::Mutex mu_;
  std::map<std::vector<std::string>, Series> series_ ABSL_GUARDED_BY(mu_);
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
  void AddCallback(const std::string& name, const std::string& help, const std::string& type,
                   std::function<double()> read);

  // The whole registry in Prometheus text format.
  std::string Render() const;

  // Latency buckets from 0.1 ms to 10 s.
  static std::vector<double> LatencyBounds();

 private:
  struct Callback {
    std::string name, help, type;
    std::function<double()> read;
  };
  mutable absl::Mutex mu_;
  std::vector<std::unique_ptr<CounterFamily>> counters_ ABSL_GUARDED_BY(mu_);
  std::vector<std::unique_ptr<HistogramFamily>> histograms_ ABSL_GUARDED_BY(mu_);
  std::vector<Callback> callbacks_ ABSL_GUARDED_BY(mu_);
};

}  // namespace trackd

#endif  // TRACKD_SERVER_METRICS_H_

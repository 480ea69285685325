#include "server/metrics.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <system_error>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"

namespace trackd {
namespace {

// Escapes a label value: backslash, double quote and newline.
std::string EscapeLabel(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

// The text format's spellings of the special values; otherwise six significant digits when they
// read back as the same double (bucket bounds such as 0.0001 keep the spelling, and so their
// series, that they always had), else the shortest text that does: six digits would write a
// start time of 1796076543.25 as 1.79608e+09, and a histogram's _sum would drift.
std::string FormatValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (value == std::floor(value) && std::abs(value) < 1e15) {
    return absl::StrCat(static_cast<int64_t>(value));
  }
  std::string short_form = absl::StrCat(value);
  double read_back = 0;
  if (absl::SimpleAtod(short_form, &read_back) && read_back == value) return short_form;
  char buffer[32];
  const auto [end, error] = std::to_chars(buffer, buffer + sizeof(buffer), value);
  return error == std::errc() ? std::string(buffer, end) : short_form;
}

// HELP text escapes backslash and newline (a newline would end the line early).
std::string EscapeHelp(const std::string& help) {
  return absl::StrReplaceAll(help, {{"\\", "\\\\"}, {"\n", "\\n"}});
}

void Header(const std::string& name, const std::string& help, const std::string& type,
            std::string* out) {
  absl::StrAppend(out, "# HELP ", name, " ", EscapeHelp(help), "\n# TYPE ", name, " ", type, "\n");
}

}  // namespace

bool LabelValuesLess::operator()(const std::vector<std::string>& a, LabelValues b) const {
  return std::lexicographical_compare(
      a.begin(), a.end(), b.begin(), b.end(),
      [](absl::string_view x, absl::string_view y) { return x < y; });
}

bool LabelValuesLess::operator()(LabelValues a, const std::vector<std::string>& b) const {
  return std::lexicographical_compare(
      a.begin(), a.end(), b.begin(), b.end(),
      [](absl::string_view x, absl::string_view y) { return x < y; });
}

namespace {

std::vector<std::string> ToStrings(LabelValues values) {
  return std::vector<std::string>(values.begin(), values.end());
}

// {a="x",b="y"} for `names` and `values` plus an optional extra label; "" when there are none.
std::string Labels(const std::vector<std::string>& names, const std::vector<std::string>& values,
                   const std::string& extra = "") {
  std::string out;
  for (size_t i = 0; i < names.size() && i < values.size(); ++i) {
    absl::StrAppend(&out, out.empty() ? "" : ",", names[i], "=\"", EscapeLabel(values[i]), "\"");
  }
  if (!extra.empty()) absl::StrAppend(&out, out.empty() ? "" : ",", extra);
  return out.empty() ? "" : absl::StrCat("{", out, "}");
}

}  // namespace

Counter* CounterFamily::Series(LabelValues values) {
  absl::MutexLock lock(&mu_);
  auto it = series_.find(values);
  if (it == series_.end()) {
    it = series_.emplace(ToStrings(values), std::make_unique<Counter>()).first;
  }
  return it->second.get();
}

double CounterFamily::Value(LabelValues values) const {
  absl::MutexLock lock(&mu_);
  const auto it = series_.find(values);
  return it == series_.end() ? 0 : it->second->Value();
}

void CounterFamily::Render(std::string* out) const {
  Header(name_, help_, "counter", out);
  absl::MutexLock lock(&mu_);
  if (series_.empty() && labels_.empty()) absl::StrAppend(out, name_, " 0\n");
  for (const auto& [values, counter] : series_) {
    absl::StrAppend(out, name_, Labels(labels_, values), " ", FormatValue(counter->Value()), "\n");
  }
}

Histogram::Histogram(const std::vector<double>& bounds)
    : bounds_(bounds), buckets_(new std::atomic<uint64_t>[bounds.size() + 1]) {
  for (size_t i = 0; i <= bounds_.size(); ++i) buckets_[i].store(0, std::memory_order_relaxed);
}

void Histogram::Observe(double value) {
  const size_t bucket = std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin();
  buckets_[bucket].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
}

Histogram* HistogramFamily::Series(LabelValues values) {
  absl::MutexLock lock(&mu_);
  auto it = series_.find(values);
  if (it == series_.end()) {
    it = series_.emplace(ToStrings(values), std::make_unique<Histogram>(bounds_)).first;
  }
  return it->second.get();
}

void HistogramFamily::Render(std::string* out) const {
  Header(name_, help_, "histogram", out);
  absl::MutexLock lock(&mu_);
  for (const auto& [values, series] : series_) {
    // The count is the +Inf bucket by construction, so a scrape racing an
    // Observe never shows a _count that disagrees with the buckets.
    uint64_t cumulative = 0;
    for (size_t i = 0; i <= bounds_.size(); ++i) {
      cumulative += series->buckets_[i].load(std::memory_order_relaxed);
      const std::string le =
          absl::StrCat("le=\"", i < bounds_.size() ? FormatValue(bounds_[i]) : "+Inf", "\"");
      absl::StrAppend(out, name_, "_bucket", Labels(labels_, values, le), " ", cumulative, "\n");
    }
    absl::StrAppend(out, name_, "_sum", Labels(labels_, values), " ",
                    FormatValue(series->sum_.load(std::memory_order_relaxed)), "\n", name_,
                    "_count", Labels(labels_, values), " ", cumulative, "\n");
  }
}

CounterFamily& MetricsRegistry::AddCounter(const std::string& name, const std::string& help,
                                           std::vector<std::string> labels) {
  absl::MutexLock lock(&mu_);
  counters_.push_back(std::make_unique<CounterFamily>(name, help, std::move(labels)));
  return *counters_.back();
}

HistogramFamily& MetricsRegistry::AddHistogram(const std::string& name, const std::string& help,
                                               std::vector<std::string> labels,
                                               std::vector<double> bounds) {
  absl::MutexLock lock(&mu_);
  histograms_.push_back(
      std::make_unique<HistogramFamily>(name, help, std::move(labels), std::move(bounds)));
  return *histograms_.back();
}

void MetricsRegistry::AddCallback(const std::string& name, const std::string& help,
                                  const std::string& type, std::function<double()> read,
                                  std::vector<std::pair<std::string, std::string>> labels) {
  std::string series = name;
  for (size_t i = 0; i < labels.size(); ++i) {
    absl::StrAppend(&series, i == 0 ? "{" : ",", labels[i].first, "=\"",
                    EscapeLabel(labels[i].second), "\"");
  }
  if (!labels.empty()) series += "}";
  absl::MutexLock lock(&mu_);
  callbacks_.push_back({name, help, type, std::move(read), std::move(series)});
}

std::string MetricsRegistry::Render() const {
  std::string out;
  absl::MutexLock lock(&mu_);
  for (const auto& c : counters_) c->Render(&out);
  for (const auto& h : histograms_) h->Render(&out);
  for (const auto& c : callbacks_) {
    Header(c.name, c.help, c.type, &out);
    absl::StrAppend(&out, c.series, " ", FormatValue(c.read()), "\n");
  }
  return out;
}

std::vector<double> MetricsRegistry::LatencyBounds() {
  return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
          0.05,   0.1,     0.25,   0.5,   1,      2.5,   5,    10};
}

}  // namespace trackd

// The conformance corpus (tests/contract/cases/) against the Tracker without gRPC: the
// validator, the documented JSON, the size limit and the dedupe of a batch give every case
// its expected verdict, as a dry run and as a real call to a fresh tracker.
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"
#include "server/dedupe_index.h"
#include "server/pipeline.h"
#include "server/sinks/sink.h"
#include "server/tracker.h"
#include "tests/corpus.h"
#include "tests/fake_clock.h"
#include "tests/test_util.h"

namespace trackd {
namespace {

using testing::CorpusCase;
using testing::CorpusMode;

// Keeps the lines it is given.
class LineSink final : public Sink {
 public:
  absl::Status Write(absl::Span<const Record> records) override {
    absl::MutexLock lock(&mu_);
    for (const Record& r : records) lines_.push_back(r.json);
    return absl::OkStatus();
  }
  absl::Status Failure() const override { return absl::OkStatus(); }
  // The lines written since the last call.
  std::vector<std::string> TakeLines() {
    absl::MutexLock lock(&mu_);
    return std::exchange(lines_, {});
  }

 private:
  absl::Mutex mu_;
  std::vector<std::string> lines_ ABSL_GUARDED_BY(mu_);
};

template <typename Wire, typename Message>
Wire ToWire(const Message& message) {
  Wire out;
  EXPECT_TRUE(out.ParseFromString(message.SerializeAsString()));
  return out;
}

// Runs `call` with a callback and returns the status and a copy of the response.
template <typename Response, typename Call>
std::pair<absl::Status, Response> Answer(Call call) {
  std::pair<absl::Status, Response> answer;
  absl::Notification done;
  call([&](absl::StatusOr<const Response*> response) {
    answer.first = response.status();
    if (response.ok()) answer.second = **response;
    done.Notify();
  });
  done.WaitForNotification();
  return answer;
}

// The verdicts of every case sent one by one to one fresh tracker in `mode`; one message
// per case that differs from the corpus.
std::vector<std::string> Mismatches(CorpusMode mode) {
  auto cases = testing::LoadCorpus();
  if (!cases.ok()) return {cases.status().ToString()};
  testing::FakeClock clock(testing::TestNow());
  LineSink sink;
  DedupeIndex index{DedupeOptions()};
  Pipeline pipeline(sink, index, clock, PipelineOptions());
  Tracker tracker(pipeline, clock, TrackerOptions());
  std::vector<std::string> mismatches;
  for (const CorpusCase& c : *cases) {
    nlohmann::json verdict;
    if (c.is_batch) {
      auto [status, response] = Answer<v1::TrackBatchResponse>([&](auto done) {
        tracker.TrackBatch(ToWire<wire::TrackBatchRequest>(testing::BatchRequestFor(c, mode)),
                           std::move(done));
      });
      verdict = testing::BatchVerdict(status, response, mode, sink.TakeLines());
    } else {
      auto [status, response] = Answer<v1::TrackResponse>([&](auto done) {
        tracker.Track(ToWire<wire::TrackRequest>(testing::TrackRequestFor(c, mode)),
                      std::move(done));
      });
      verdict = testing::TrackVerdict(status, response, mode, sink.TakeLines());
    }
    if (std::string m = testing::CorpusMismatch(c, verdict); !m.empty()) mismatches.push_back(m);
  }
  if (mode == CorpusMode::kDryRun) {
    if (auto stored = sink.TakeLines(); !stored.empty()) {
      mismatches.push_back("dry runs stored " + std::to_string(stored.size()) + " lines");
    }
  }
  return mismatches;
}

TEST(CorpusTrackerTest, EveryCaseHasItsVerdictAsADryRun) {
  for (const auto& m : Mismatches(CorpusMode::kDryRun)) ADD_FAILURE() << m;
}

TEST(CorpusTrackerTest, EveryCaseHasItsVerdictAsARealCallAndStoresItsLine) {
  for (const auto& m : Mismatches(CorpusMode::kRealCall)) ADD_FAILURE() << m;
}

TEST(CorpusTrackerTest, TheCorpusHoldsAtLeastSixtyCasesWithUniqueNames) {
  auto cases = testing::LoadCorpus();
  ASSERT_TRUE(cases.ok()) << cases.status();
  std::set<std::string> names;
  for (const auto& c : *cases) EXPECT_TRUE(names.insert(c.name).second) << "repeated: " << c.name;
  EXPECT_GE(cases->size(), 60u);
}

}  // namespace
}  // namespace trackd

// Group commit, deduplication of in-flight and stored ids, back-pressure and
// sink failures, with an in-memory sink the test controls.
#include "server/pipeline.h"

#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace trackd {
namespace {

using ::testing::ElementsAre;

// Keeps what it is given; can fail on command or hold a write until released.
class MemorySink final : public Sink {
 public:
  absl::Status Write(absl::Span<const Record> records) override {
    if (hold_.exchange(false)) {
      write_started_.Notify();
      release_.WaitForNotification();
    }
    absl::MutexLock lock(&mu_);
    ++writes_;
    if (fail_) return absl::UnavailableError("injected: disk gone");
    for (const Record& r : records) stored_.push_back(r.message_id);
    return absl::OkStatus();
  }

  void HoldWrites() { hold_ = true; }
  void WaitForHeldWrite() { write_started_.WaitForNotification(); }
  void Release() { release_.Notify(); }
  void Fail(bool fail) {
    absl::MutexLock lock(&mu_);
    fail_ = fail;
  }
  // Fail-stop, as the event log after an I/O error.
  void Stop() {
    absl::MutexLock lock(&mu_);
    stopped_ = absl::UnavailableError("injected: the store stopped");
  }
  absl::Status Failure() const override {
    absl::MutexLock lock(&mu_);
    return stopped_;
  }
  std::vector<std::string> stored() {
    absl::MutexLock lock(&mu_);
    return stored_;
  }
  int writes() {
    absl::MutexLock lock(&mu_);
    return writes_;
  }

 private:
  std::atomic<bool> hold_{false};
  absl::Notification write_started_;
  absl::Notification release_;
  mutable absl::Mutex mu_;
  bool fail_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status stopped_ ABSL_GUARDED_BY(mu_);
  int writes_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<std::string> stored_ ABSL_GUARDED_BY(mu_);
};

// Collects one Submit result; Wait blocks until it arrives.
class ResultCatcher {
 public:
  SubmitCallback callback() {
    return [this](SubmitResult result) {
      result_ = std::move(result);
      done_.Notify();
    };
  }
  const SubmitResult& Wait() {
    done_.WaitForNotification();
    return result_;
  }

 private:
  absl::Notification done_;
  SubmitResult result_ = absl::UnknownError("not set");
};

std::vector<Record> Records(std::initializer_list<const char*> ids) {
  std::vector<Record> out;
  for (const char* id : ids) out.push_back({id, absl::StrCat("{\"id\":\"", id, "\"}")});
  return out;
}

class PipelineTest : public ::testing::Test {
 protected:
  void Start(size_t max_queued = 1000) {
    PipelineOptions options;
    options.max_queued_events = max_queued;
    pipeline_ = std::make_unique<Pipeline>(sink_, index_, Clock::Real(), options);
  }

  MemorySink sink_;
  DedupeIndex index_{DedupeOptions()};
  std::unique_ptr<Pipeline> pipeline_;
};

TEST_F(PipelineTest, StoresNewEventsAndReportsThemNotDuplicate) {
  Start();
  ResultCatcher catcher;
  pipeline_->Submit(Records({"a", "b"}), catcher.callback());
  ASSERT_TRUE(catcher.Wait().ok());
  EXPECT_THAT(*catcher.Wait(), ElementsAre(false, false));
  EXPECT_THAT(sink_.stored(), ElementsAre("a", "b"));
}

TEST_F(PipelineTest, StoredIdIsAnsweredDuplicateAndNotWrittenAgain) {
  Start();
  ResultCatcher first, second;
  pipeline_->Submit(Records({"a"}), first.callback());
  ASSERT_TRUE(first.Wait().ok());
  pipeline_->Submit(Records({"a", "b"}), second.callback());
  ASSERT_TRUE(second.Wait().ok());
  EXPECT_THAT(*second.Wait(), ElementsAre(true, false));
  EXPECT_THAT(sink_.stored(), ElementsAre("a", "b"));
  EXPECT_EQ(pipeline_->stats().duplicates, 1u);
}

TEST_F(PipelineTest, RepeatedIdWithinOneSubmissionIsStoredOnce) {
  Start();
  ResultCatcher catcher;
  pipeline_->Submit(Records({"a", "a"}), catcher.callback());
  ASSERT_TRUE(catcher.Wait().ok());
  EXPECT_THAT(*catcher.Wait(), ElementsAre(false, true));
  EXPECT_THAT(sink_.stored(), ElementsAre("a"));
}

TEST_F(PipelineTest, ConcurrentRequestsWithOneIdStoreItOnce) {
  sink_.HoldWrites();
  Start();
  ResultCatcher first, second;
  pipeline_->Submit(Records({"x"}), first.callback());
  sink_.WaitForHeldWrite();  // "x" is being written, not yet durable.
  pipeline_->Submit(Records({"x"}), second.callback());
  sink_.Release();
  ASSERT_TRUE(first.Wait().ok());
  ASSERT_TRUE(second.Wait().ok());
  EXPECT_THAT(*first.Wait(), ElementsAre(false));
  EXPECT_THAT(*second.Wait(), ElementsAre(true));
  EXPECT_THAT(sink_.stored(), ElementsAre("x"));
}

TEST_F(PipelineTest, EventsQueuedDuringAWriteShareTheNextWrite) {
  sink_.HoldWrites();
  Start();
  ResultCatcher first;
  pipeline_->Submit(Records({"first"}), first.callback());
  sink_.WaitForHeldWrite();
  std::vector<std::unique_ptr<ResultCatcher>> catchers;
  for (int i = 0; i < 50; ++i) {
    catchers.push_back(std::make_unique<ResultCatcher>());
    pipeline_->Submit({{absl::StrCat("e", i), "{}"}}, catchers.back()->callback());
  }
  sink_.Release();
  for (auto& c : catchers) ASSERT_TRUE(c->Wait().ok());
  EXPECT_EQ(sink_.writes(), 2);  // Group commit: 51 events, two writes.
  EXPECT_EQ(pipeline_->stats().events_stored, 51u);
  EXPECT_EQ(pipeline_->stats().commits, 2u);
}

TEST_F(PipelineTest, FullQueueAnswersResourceExhaustedAndQueuesNothing) {
  sink_.HoldWrites();
  Start(/*max_queued=*/3);
  ResultCatcher held, fills, refused;
  pipeline_->Submit(Records({"held"}), held.callback());
  sink_.WaitForHeldWrite();
  pipeline_->Submit(Records({"a", "b"}), fills.callback());
  pipeline_->Submit(Records({"c", "d"}), refused.callback());
  EXPECT_EQ(refused.Wait().status().code(), absl::StatusCode::kResourceExhausted);
  sink_.Release();
  ASSERT_TRUE(fills.Wait().ok());
  EXPECT_THAT(sink_.stored(), ElementsAre("held", "a", "b"));
  // The refused ids were not remembered: a retry stores them.
  ResultCatcher retry;
  pipeline_->Submit(Records({"c", "d"}), retry.callback());
  ASSERT_TRUE(retry.Wait().ok());
  EXPECT_THAT(*retry.Wait(), ElementsAre(false, false));
}

TEST_F(PipelineTest, QueueIsAlsoBoundedByBytes) {
  sink_.HoldWrites();
  PipelineOptions options;
  options.max_queued_bytes = 100;
  pipeline_ = std::make_unique<Pipeline>(sink_, index_, Clock::Real(), options);
  ResultCatcher held, fits, refused;
  pipeline_->Submit(Records({"held"}), held.callback());
  sink_.WaitForHeldWrite();
  pipeline_->Submit({{"a", std::string(60, 'x')}}, fits.callback());
  pipeline_->Submit({{"b", std::string(60, 'x')}}, refused.callback());
  EXPECT_EQ(refused.Wait().status().code(), absl::StatusCode::kResourceExhausted);
  sink_.Release();
  ASSERT_TRUE(fits.Wait().ok());
  // Once the writer took the queue, the room is back.
  ResultCatcher later;
  pipeline_->Submit({{"b", std::string(60, 'x')}}, later.callback());
  EXPECT_TRUE(later.Wait().ok());
}

TEST_F(PipelineTest, SinkFailureAnswersUnavailableAndTheRetryIsStored) {
  Start();
  sink_.Fail(true);
  ResultCatcher failed;
  pipeline_->Submit(Records({"a"}), failed.callback());
  EXPECT_EQ(failed.Wait().status().code(), absl::StatusCode::kUnavailable);
  sink_.Fail(false);
  ResultCatcher retry;
  pipeline_->Submit(Records({"a"}), retry.callback());
  ASSERT_TRUE(retry.Wait().ok());
  EXPECT_THAT(*retry.Wait(), ElementsAre(false));  // Not a duplicate: it was never stored.
}

TEST_F(PipelineTest, StoppedSinkRefusesNewEventsAtOnceAndStillAnswersStoredOnes) {
  Start();
  ResultCatcher stored;
  pipeline_->Submit(Records({"a"}), stored.callback());
  ASSERT_TRUE(stored.Wait().ok());
  sink_.Stop();
  const int writes = sink_.writes();
  ResultCatcher refused;
  pipeline_->Submit(Records({"a", "b"}), refused.callback());
  EXPECT_EQ(refused.Wait().status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(refused.Wait().status().message(), ::testing::HasSubstr("the store stopped"));
  EXPECT_EQ(sink_.writes(), writes);  // Nothing was queued for the writer.
  EXPECT_EQ(pipeline_->queue_depth(), 0u);
  ResultCatcher duplicate;
  pipeline_->Submit(Records({"a"}), duplicate.callback());
  ASSERT_TRUE(duplicate.Wait().ok());
  EXPECT_THAT(*duplicate.Wait(), ElementsAre(true));
}

TEST_F(PipelineTest, StopWritesWhatIsQueuedThenRefuses) {
  sink_.HoldWrites();
  Start();
  ResultCatcher held, queued;
  pipeline_->Submit(Records({"held"}), held.callback());
  sink_.WaitForHeldWrite();
  pipeline_->Submit(Records({"queued"}), queued.callback());
  std::thread stopper([this] { pipeline_->Stop(); });
  sink_.Release();
  stopper.join();
  EXPECT_TRUE(queued.Wait().ok());
  EXPECT_THAT(sink_.stored(), ElementsAre("held", "queued"));
  ResultCatcher late;
  pipeline_->Submit(Records({"late"}), late.callback());
  EXPECT_EQ(late.Wait().status().code(), absl::StatusCode::kUnavailable);
}

TEST_F(PipelineTest, ManyThreadsSubmittingConcurrentlyLoseNothing) {
  Start(100000);
  constexpr int kThreads = 8, kPerThread = 500;
  absl::BlockingCounter done(kThreads * kPerThread);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        // Every id is sent by two threads, so half the submissions are duplicates.
        pipeline_->Submit({{absl::StrCat("id-", (t / 2), "-", i), "{}"}}, [&](SubmitResult r) {
          if (!r.ok()) ++failures;
          done.DecrementCount();
        });
      }
    });
  }
  for (auto& t : threads) t.join();
  done.Wait();
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(sink_.stored().size(), static_cast<size_t>(kThreads / 2 * kPerThread));
  EXPECT_EQ(pipeline_->stats().duplicates, static_cast<uint64_t>(kThreads / 2 * kPerThread));
}

}  // namespace
}  // namespace trackd

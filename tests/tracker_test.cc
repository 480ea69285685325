// The Tracker without gRPC: decode, validate, encode, assign an id, and the
// answers of Track and TrackBatch, over a real Pipeline into a sink the test
// reads, on a clock the test moves.
#include "server/tracker.h"

#include <optional>
#include <string>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/dedupe_index.h"
#include "server/pipeline.h"
#include "server/sinks/sink.h"
#include "tests/fake_clock.h"
#include "tests/test_util.h"
#include "trackd/common/json_encoder.h"
#include "trackd/common/status_details.h"

namespace trackd {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::SizeIs;

// Keeps every record it is given.
class RecordingSink final : public Sink {
 public:
  absl::Status Write(absl::Span<const Record> records) override {
    absl::MutexLock lock(&mu_);
    stored_.insert(stored_.end(), records.begin(), records.end());
    return absl::OkStatus();
  }
  absl::Status Failure() const override { return absl::OkStatus(); }
  std::vector<Record> stored() {
    absl::MutexLock lock(&mu_);
    return stored_;
  }

 private:
  absl::Mutex mu_;
  std::vector<Record> stored_ ABSL_GUARDED_BY(mu_);
};

wire::TrackRequest ToWire(const v1::TrackRequest& request) {
  wire::TrackRequest out;
  EXPECT_TRUE(out.ParseFromString(request.SerializeAsString()));
  return out;
}

class TrackerTest : public ::testing::Test {
 protected:
  void Start(TrackerOptions options = {}) {
    options.on_rejected = [this](const FieldViolations& violations) {
      absl::MutexLock lock(&mu_);
      rejected_.insert(rejected_.end(), violations.begin(), violations.end());
    };
    pipeline_ = std::make_unique<Pipeline>(sink_, index_, clock_, PipelineOptions());
    tracker_ = std::make_unique<Tracker>(*pipeline_, clock_, std::move(options));
  }

  // Runs Track and returns its answer, copied out of the callback.
  absl::StatusOr<v1::TrackResponse> Track(const v1::TrackRequest& request) {
    return Answer<v1::TrackResponse>(
        [&](auto done) { tracker_->Track(ToWire(request), std::move(done)); });
  }

  absl::StatusOr<v1::TrackBatchResponse> TrackBatch(const std::vector<v1::TrackRequest>& items) {
    v1::TrackBatchRequest batch;
    for (const auto& item : items) *batch.add_requests() = item;
    wire::TrackBatchRequest wire_batch;
    EXPECT_TRUE(wire_batch.ParseFromString(batch.SerializeAsString()));
    return Answer<v1::TrackBatchResponse>(
        [&](auto done) { tracker_->TrackBatch(wire_batch, std::move(done)); });
  }

  // Calls `call` with a callback, waits for it, and returns a copy of the
  // response (valid only during the callback) or the status.
  template <typename Response, typename Call>
  static absl::StatusOr<Response> Answer(Call call) {
    absl::StatusOr<Response> answer = absl::UnknownError("no answer");
    absl::Notification done;
    call([&](absl::StatusOr<const Response*> response) {
      if (response.ok()) {
        answer = **response;
      } else {
        answer = response.status();
      }
      done.Notify();
    });
    done.WaitForNotification();
    return answer;
  }

  std::vector<FieldViolation> rejected() {
    absl::MutexLock lock(&mu_);
    return rejected_;
  }

  testing::FakeClock clock_{testing::TestNow()};
  RecordingSink sink_;
  DedupeIndex index_{DedupeOptions()};
  std::unique_ptr<Pipeline> pipeline_;
  std::unique_ptr<Tracker> tracker_;
  absl::Mutex mu_;
  std::vector<FieldViolation> rejected_ ABSL_GUARDED_BY(mu_);
};

TEST_F(TrackerTest, AValidEventIsStoredAsItsDocumentedJsonUnderItsMessageId) {
  Start();
  const v1::TrackRequest request = testing::SeedRequest();
  auto response = Track(request);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->message_id(), request.message_id());
  EXPECT_FALSE(response->duplicate());
  const std::vector<Record> stored = sink_.stored();
  ASSERT_THAT(stored, SizeIs(1));
  EXPECT_EQ(stored[0].message_id, request.message_id());
  EXPECT_EQ(stored[0].json, EncodeDocumentedJson(request));
}

TEST_F(TrackerTest, AnEventWithoutAMessageIdIsGivenOneAndStoredUnderIt) {
  Start();
  v1::TrackRequest request = testing::SeedRequest();
  request.clear_message_id();
  auto response = Track(request);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_FALSE(response->message_id().empty());
  ASSERT_THAT(sink_.stored(), SizeIs(1));
  EXPECT_EQ(sink_.stored()[0].message_id, response->message_id());
}

TEST_F(TrackerTest, AnInvalidEventIsRefusedNamingTheFieldAndNothingIsStored) {
  Start();
  v1::TrackRequest request = testing::SeedRequest();
  request.clear_user_id();
  auto response = Track(request);
  ASSERT_EQ(response.status().code(), absl::StatusCode::kInvalidArgument);
  const FieldViolations violations = ViolationsOf(response.status());
  ASSERT_THAT(violations, SizeIs(1));
  EXPECT_EQ(violations[0].field, "user_id");
  EXPECT_EQ(rejected(), violations) << "on_rejected sees what the caller sees";
  EXPECT_THAT(sink_.stored(), IsEmpty());
}

// The timestamp rule reads the tracker's clock: an event a week ahead of it is
// refused until the clock has moved to within --max_future of the event.
TEST_F(TrackerTest, TheTimestampRuleJudgesByTheInjectedClock) {
  clock_.Advance(testing::SeedTime() - clock_.Now() - absl::Hours(24 * 7));
  Start();
  auto early = Track(testing::SeedRequest());
  ASSERT_EQ(early.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ViolationsOf(early.status())[0].field, "timestamp");

  clock_.Advance(absl::Hours(24 * 7));
  EXPECT_TRUE(Track(testing::SeedRequest()).ok());
}

TEST_F(TrackerTest, AMessageIdAlreadyStoredIsAnsweredDuplicateAndStoredOnce) {
  Start();
  ASSERT_TRUE(Track(testing::SeedRequest()).ok());
  auto again = Track(testing::SeedRequest());
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->duplicate());
  EXPECT_THAT(sink_.stored(), SizeIs(1));
}

TEST_F(TrackerTest, ABatchAnswersEachItemAndStoresOnlyTheValidNewOnes) {
  Start();
  const v1::TrackRequest valid = testing::SeedRequest();
  v1::TrackRequest invalid = testing::SeedRequest();
  invalid.set_message_id("other-id");
  invalid.mutable_account_added_user()->clear_user_role();
  auto response = TrackBatch({valid, invalid, valid});
  ASSERT_TRUE(response.ok()) << response.status();
  ASSERT_EQ(response->results_size(), 3);
  EXPECT_EQ(response->results(0).outcome(), v1::TrackBatchResult::OUTCOME_ACCEPTED);
  EXPECT_EQ(response->results(1).outcome(), v1::TrackBatchResult::OUTCOME_REJECTED);
  EXPECT_EQ(response->results(1).message_id(), "other-id");
  ASSERT_EQ(response->results(1).violations_size(), 1);
  EXPECT_EQ(response->results(1).violations(0).field(), "account_added_user.user_role");
  EXPECT_EQ(response->results(2).outcome(), v1::TrackBatchResult::OUTCOME_DUPLICATE);
  const std::vector<Record> stored = sink_.stored();
  ASSERT_THAT(stored, SizeIs(1));
  EXPECT_EQ(stored[0].message_id, valid.message_id());
}

TEST_F(TrackerTest, ABatchOutsideTheItemLimitsIsRefusedWholeAndStoresNothing) {
  Start({.max_batch_items = 2});
  v1::TrackRequest second = testing::SeedRequest();
  second.set_message_id("second");
  v1::TrackRequest third = testing::SeedRequest();
  third.set_message_id("third");
  auto too_many = TrackBatch({testing::SeedRequest(), second, third});
  EXPECT_EQ(too_many.status().code(), absl::StatusCode::kInvalidArgument);
  auto empty = TrackBatch({});
  EXPECT_EQ(empty.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(sink_.stored(), IsEmpty());
}

TEST_F(TrackerTest, RecordsCarryTheGroupAsPartitionKeyOnlyWhenAsked) {
  Start({.partition_keys = true});
  const v1::TrackRequest request = testing::SeedRequest();
  ASSERT_TRUE(Track(request).ok());
  v1::TrackRequest without_group = testing::SeedRequest();  // A generic event may lack one.
  without_group.set_message_id("no-group");
  without_group.clear_account_added_user();
  without_group.set_event_name("report_exported");
  without_group.clear_group_id();
  ASSERT_TRUE(Track(without_group).ok());
  const std::vector<Record> stored = sink_.stored();
  ASSERT_THAT(stored, SizeIs(2));
  EXPECT_EQ(stored[0].partition_key, request.group_id());
  EXPECT_EQ(stored[1].partition_key, request.user_id()) << "no group: the user keeps the order";
}

TEST_F(TrackerTest, RecordsCarryNoPartitionKeyWhenTheSinkDoesNotPartition) {
  Start({.partition_keys = false});
  ASSERT_TRUE(Track(testing::SeedRequest()).ok());
  ASSERT_THAT(sink_.stored(), SizeIs(1));
  EXPECT_EQ(sink_.stored()[0].partition_key, "");
}

// Holds every Write until released: a store stuck in its fsync.
class StuckSink final : public Sink {
 public:
  absl::Status Write(absl::Span<const Record>) override {
    entered_.Notify();
    release_.WaitForNotification();
    return absl::OkStatus();
  }
  absl::Status Failure() const override { return absl::OkStatus(); }
  absl::Notification entered_, release_;
};

// A dry run never waits for the group commit: while the writer is stuck in a
// write, dry runs are answered before Track returns, and an id being written
// already counts as a duplicate, as a real call would be answered.
TEST(TrackerDryRunTest, ADryRunIsAnsweredAtOnceWhileTheWriterIsStuck) {
  testing::FakeClock clock(testing::TestNow());
  StuckSink sink;
  // Outlive the pipeline: a broken dry run would be answered only once it stops.
  std::optional<v1::TrackResponse> in_flight, fresh;
  absl::Notification real_done;
  DedupeIndex index{DedupeOptions()};
  Pipeline pipeline(sink, index, clock, PipelineOptions());
  // Declared after the pipeline, so a failed assertion unsticks the writer first.
  absl::Cleanup unstick = [&sink] {
    if (!sink.release_.HasBeenNotified()) sink.release_.Notify();
  };
  Tracker tracker(pipeline, clock, TrackerOptions());
  tracker.Track(ToWire(testing::SeedRequest()),
                [&](absl::StatusOr<const v1::TrackResponse*>) { real_done.Notify(); });
  sink.entered_.WaitForNotification();

  const auto dry_run = [&](const std::string& message_id, std::optional<v1::TrackResponse>* out) {
    v1::TrackRequest request = testing::SeedRequest();
    request.set_message_id(message_id);
    request.set_validate_only(true);
    tracker.Track(ToWire(request), [out](absl::StatusOr<const v1::TrackResponse*> response) {
      ASSERT_TRUE(response.ok()) << response.status();
      *out = **response;
    });
  };
  dry_run(testing::SeedRequest().message_id(), &in_flight);
  ASSERT_TRUE(in_flight.has_value()) << "not answered before Track returned";
  EXPECT_TRUE(in_flight->duplicate());
  dry_run("fresh", &fresh);
  ASSERT_TRUE(fresh.has_value()) << "not answered before Track returned";
  EXPECT_FALSE(fresh->duplicate());
  EXPECT_EQ(fresh->documented_json(), EncodeDocumentedJson(testing::SeedRequest()));

  EXPECT_FALSE(real_done.HasBeenNotified());
  sink.release_.Notify();
  real_done.WaitForNotification();
}

}  // namespace
}  // namespace trackd

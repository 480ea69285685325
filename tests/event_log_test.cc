// The embedded log on a real file system: durability, recovery from torn
// tails the test writes itself, fsync and write failures, rotation, and the
// message_ids kept beside the data.
#include "server/event_log.h"

#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/test_util.h"

namespace trackd {
namespace {

using ::testing::ElementsAre;
using testing::FaultInjectingFileSystem;
using ::testing::HasSubstr;
using testing::TempDir;

constexpr char kSegment1[] = "/segment-00000000000000000001.ndjson";
constexpr char kIds1[] = "/segment-00000000000000000001.ids";

Record MakeRecord(int n) {
  return {absl::StrCat("id-", n), absl::StrCat("{\"user_id\":\"u", n, "\"}")};
}

std::string ReadAll(const std::string& path) {
  PosixFileSystem fs;
  auto content = fs.ReadFile(path);
  return content.ok() ? *content : "";
}

void AppendRaw(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::app | std::ios::binary) << bytes;
}

std::vector<std::string> Lines(const std::string& content) {
  return absl::StrSplit(content, '\n', absl::SkipEmpty());
}

std::vector<std::string> IdsSince(EventLog& log, absl::Time since) {
  auto ids = log.ReadIdsSince(since);
  EXPECT_TRUE(ids.ok()) << ids.status();
  std::vector<std::string> out;
  for (const auto& id : *ids) out.push_back(id.message_id);
  return out;
}

class EventLogTest : public ::testing::Test {
 protected:
  std::unique_ptr<EventLog> OpenLog(uint64_t segment_bytes = 1 << 20) {
    EventLogOptions options;
    options.dir = dir_.path();
    options.segment_bytes = segment_bytes;
    auto log = EventLog::Open(fs_, options);
    EXPECT_TRUE(log.ok()) << log.status();
    return log.ok() ? std::move(*log) : nullptr;
  }

  TempDir dir_;
  FaultInjectingFileSystem fs_;
  const absl::Time now_ = absl::FromUnixSeconds(1'700'000'000);
};

TEST_F(EventLogTest, AppendWritesOneJsonLinePerEventAndIdsBeside) {
  auto log = OpenLog();
  const std::vector<Record> records = {MakeRecord(1), MakeRecord(2)};
  ASSERT_TRUE(log->Append(records, now_).ok());
  EXPECT_EQ(ReadAll(dir_.path() + kSegment1), "{\"user_id\":\"u1\"}\n{\"user_id\":\"u2\"}\n");
  EXPECT_EQ(ReadAll(dir_.path() + kIds1), "1700000000000 id-1\n1700000000000 id-2\n");
}

TEST_F(EventLogTest, OneAppendSyncsEachFileOnceForManyEvents) {
  auto log = OpenLog();
  std::vector<Record> records;
  for (int i = 0; i < 100; ++i) records.push_back(MakeRecord(i));
  const int before = fs_.syncs;
  ASSERT_TRUE(log->Append(records, now_).ok());
  EXPECT_EQ(fs_.syncs - before, 2);  // The .ndjson and the .ids file.
}

TEST_F(EventLogTest, RecoveryCutsATornDataLine) {
  {
    auto log = OpenLog();
    const std::vector<Record> records = {MakeRecord(1), MakeRecord(2)};
    ASSERT_TRUE(log->Append(records, now_).ok());
  }
  AppendRaw(dir_.path() + kSegment1, "{\"user_id\":\"u3\",\"ev");  // Crash mid-write.
  AppendRaw(dir_.path() + kIds1, "1700000000000 id-3\n");
  auto log = OpenLog();
  EXPECT_EQ(log->recovery_report().events_in_last_segment, 2u);
  EXPECT_GT(log->recovery_report().truncated_data_bytes, 0u);
  EXPECT_EQ(ReadAll(dir_.path() + kSegment1), "{\"user_id\":\"u1\"}\n{\"user_id\":\"u2\"}\n");
  EXPECT_THAT(IdsSince(*log, absl::InfinitePast()), ElementsAre("id-1", "id-2"));
}

TEST_F(EventLogTest, RecoveryCutsAnEventWhoseIdLineIsTorn) {
  {
    auto log = OpenLog();
    const std::vector<Record> records = {MakeRecord(1)};
    ASSERT_TRUE(log->Append(records, now_).ok());
  }
  AppendRaw(dir_.path() + kSegment1, "{\"user_id\":\"u2\"}\n");
  AppendRaw(dir_.path() + kIds1, "17000000");
  auto log = OpenLog();
  EXPECT_THAT(Lines(ReadAll(dir_.path() + kSegment1)), ElementsAre("{\"user_id\":\"u1\"}"));
  EXPECT_EQ(ReadAll(dir_.path() + kIds1), "1700000000000 id-1\n");
}

TEST_F(EventLogTest, RecoveryCutsZeroFilledGarbageAfterTheLastGoodLine) {
  {
    auto log = OpenLog();
    const std::vector<Record> records = {MakeRecord(1)};
    ASSERT_TRUE(log->Append(records, now_).ok());
  }
  AppendRaw(dir_.path() + kSegment1, std::string(100, '\0') + "\n");
  AppendRaw(dir_.path() + kIds1, "1700000000000 id-2\n");
  auto log = OpenLog();
  EXPECT_EQ(ReadAll(dir_.path() + kSegment1), "{\"user_id\":\"u1\"}\n");
  EXPECT_EQ(ReadAll(dir_.path() + kIds1), "1700000000000 id-1\n");
}

TEST_F(EventLogTest, AppendsAfterRecoveryContinueTheSegment) {
  {
    auto log = OpenLog();
    const std::vector<Record> records = {MakeRecord(1)};
    ASSERT_TRUE(log->Append(records, now_).ok());
  }
  AppendRaw(dir_.path() + kSegment1, "{\"torn");
  auto log = OpenLog();
  const std::vector<Record> records = {MakeRecord(2)};
  ASSERT_TRUE(log->Append(records, now_).ok());
  EXPECT_EQ(ReadAll(dir_.path() + kSegment1), "{\"user_id\":\"u1\"}\n{\"user_id\":\"u2\"}\n");
}

TEST_F(EventLogTest, FailedSyncStopsEveryLaterAppend) {
  auto log = OpenLog();
  const std::vector<Record> first = {MakeRecord(1)};
  ASSERT_TRUE(log->Append(first, now_).ok());
  fs_.fail_sync = true;
  const std::vector<Record> second = {MakeRecord(2), MakeRecord(3)};
  const absl::Status failed = log->Append(second, now_);
  EXPECT_EQ(failed.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(failed.message(), HasSubstr("stopped after an I/O error"));
  EXPECT_THAT(failed.message(), HasSubstr("until trackd is restarted"));
  EXPECT_THAT(failed.message(), HasSubstr("fdatasync " + dir_.path() + kSegment1));
  EXPECT_EQ(log->Failure(), failed);
  // The unacknowledged batch is cut away.
  EXPECT_EQ(ReadAll(dir_.path() + kSegment1), "{\"user_id\":\"u1\"}\n");
  EXPECT_EQ(ReadAll(dir_.path() + kIds1), "1700000000000 id-1\n");

  // The disk seems to recover, but a failed fsync may have dropped pages: the
  // log stays stopped, naming the original error.
  fs_.fail_sync = false;
  const int syncs = fs_.syncs;
  const std::vector<Record> third = {MakeRecord(4)};
  EXPECT_EQ(log->Append(third, now_), failed);
  EXPECT_EQ(fs_.syncs, syncs);
  EXPECT_EQ(ReadAll(dir_.path() + kSegment1), "{\"user_id\":\"u1\"}\n");
  EXPECT_EQ(log->DurableEnd().data_bytes, ReadAll(dir_.path() + kSegment1).size());

  // A restart recovers from what is on disk and takes writes again.
  log.reset();
  log = OpenLog();
  ASSERT_TRUE(log->Failure().ok());
  ASSERT_TRUE(log->Append(third, now_).ok());
  EXPECT_THAT(Lines(ReadAll(dir_.path() + kSegment1)),
              ElementsAre("{\"user_id\":\"u1\"}", "{\"user_id\":\"u4\"}"));
}

TEST_F(EventLogTest, StopIsLoggedOnceWithFileAndErrnoAndObservedOnce) {
  auto log = OpenLog();
  int observed = 0;
  log->set_failure_observer([&observed](const absl::Status&) { ++observed; });
  fs_.fail_sync = true;
  ::testing::internal::CaptureStdout();
  for (int i = 0; i < 3; ++i) {
    const std::vector<Record> records = {MakeRecord(i)};
    EXPECT_EQ(log->Append(records, now_).code(), absl::StatusCode::kUnavailable);
  }
  const std::string out = ::testing::internal::GetCapturedStdout();
  EXPECT_EQ(observed, 1);
  const std::vector<std::string> lines = Lines(out);
  ASSERT_EQ(lines.size(), 1u) << out;
  EXPECT_THAT(lines[0], HasSubstr("\"level\":\"error\""));
  EXPECT_THAT(lines[0], HasSubstr("\"operation\":\"fdatasync\""));
  EXPECT_THAT(lines[0], HasSubstr("\"path\":\"" + dir_.path() + kSegment1 + "\""));
  EXPECT_THAT(lines[0], HasSubstr("Input/output error"));
}

TEST_F(EventLogTest, FailedWriteStopsTheLog) {
  auto log = OpenLog();
  fs_.fail_append = true;
  const std::vector<Record> records = {MakeRecord(1)};
  const absl::Status failed = log->Append(records, now_);
  EXPECT_EQ(failed.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(failed.message(), HasSubstr("No space left on device"));
  EXPECT_EQ(ReadAll(dir_.path() + kSegment1), "");
  fs_.fail_append = false;
  EXPECT_EQ(log->Append(records, now_), failed);
  EXPECT_EQ(ReadAll(dir_.path() + kSegment1), "");
}

TEST_F(EventLogTest, FailedRollbackIsFailStopAndRecoveryCutsTheUnpairedLine) {
  auto log = OpenLog();
  const std::vector<Record> first = {MakeRecord(1)};
  ASSERT_TRUE(log->Append(first, now_).ok());
  fs_.fail_append_after = 1;  // The .ndjson write succeeds, the .ids write fails...
  fs_.fail_truncate = true;   // ...and the rollback cannot cut the data line.
  const std::vector<Record> second = {MakeRecord(2)};
  const absl::Status failed = log->Append(second, now_);
  EXPECT_EQ(failed.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(failed.message(), HasSubstr("write " + dir_.path() + kIds1));
  EXPECT_THAT(Lines(ReadAll(dir_.path() + kSegment1)),
              ElementsAre("{\"user_id\":\"u1\"}", "{\"user_id\":\"u2\"}"));
  fs_.fail_truncate = false;
  EXPECT_EQ(log->Append(second, now_), failed);

  // The data line without its id line was never acknowledged: recovery cuts it.
  log.reset();
  log = OpenLog();
  EXPECT_GT(log->recovery_report().truncated_data_bytes, 0u);
  EXPECT_EQ(ReadAll(dir_.path() + kSegment1), "{\"user_id\":\"u1\"}\n");
  EXPECT_THAT(IdsSince(*log, absl::InfinitePast()), ElementsAre("id-1"));
}

TEST_F(EventLogTest, RecoveryCutsAnIdLineWithoutItsDataLine) {
  {
    auto log = OpenLog();
    const std::vector<Record> records = {MakeRecord(1)};
    ASSERT_TRUE(log->Append(records, now_).ok());
  }
  AppendRaw(dir_.path() + kIds1, "1700000000000 id-2\n");  // Its event never reached the disk.
  auto log = OpenLog();
  EXPECT_THAT(IdsSince(*log, absl::InfinitePast()), ElementsAre("id-1"));
  EXPECT_EQ(ReadAll(dir_.path() + kIds1), "1700000000000 id-1\n");
}

constexpr char kSegment2[] = "/segment-00000000000000000002.ndjson";
constexpr char kIds2[] = "/segment-00000000000000000002.ids";

bool Exists(const std::string& path) { return PosixFileSystem().FileSize(path).ok(); }

TEST_F(EventLogTest, RotationFailureStopsTheLogAndRemovesHalfCreatedFiles) {
  auto log = OpenLog(/*segment_bytes=*/8);  // Every append rotates.
  fs_.fail_open_after = 1;                  // The next segment's .ndjson opens, its .ids does not.
  const std::vector<Record> first = {MakeRecord(1)};
  EXPECT_TRUE(log->Append(first, now_).ok());  // Durable before the rotation: acknowledged.
  EXPECT_THAT(log->Failure().message(), HasSubstr(kIds2));
  EXPECT_FALSE(Exists(dir_.path() + kSegment2));
  EXPECT_FALSE(Exists(dir_.path() + kIds2));
  const std::vector<Record> second = {MakeRecord(2)};
  EXPECT_EQ(log->Append(second, now_).code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(ReadAll(dir_.path() + kSegment1), "{\"user_id\":\"u1\"}\n");

  log.reset();
  log = OpenLog(8);
  ASSERT_TRUE(log->Append(second, now_).ok());
  EXPECT_THAT(Lines(ReadAll(dir_.path() + kSegment1)),
              ElementsAre("{\"user_id\":\"u1\"}", "{\"user_id\":\"u2\"}"));
  EXPECT_THAT(IdsSince(*log, absl::InfinitePast()), ElementsAre("id-1", "id-2"));
}

TEST_F(EventLogTest, FailedDirectorySyncOnRotationStopsTheLogAndRemovesBothFiles) {
  auto log = OpenLog(/*segment_bytes=*/8);
  fs_.fail_sync_dir = true;
  const std::vector<Record> first = {MakeRecord(1)};
  EXPECT_TRUE(log->Append(first, now_).ok());
  EXPECT_EQ(log->Failure().code(), absl::StatusCode::kUnavailable);
  EXPECT_FALSE(Exists(dir_.path() + kSegment2));
  EXPECT_FALSE(Exists(dir_.path() + kIds2));
}

TEST_F(EventLogTest, RotationLeftoversThatCouldNotBeRemovedAreRecovered) {
  {
    auto log = OpenLog(/*segment_bytes=*/8);
    fs_.fail_sync_dir = true;
    fs_.fail_delete = true;
    const std::vector<Record> first = {MakeRecord(1)};
    EXPECT_TRUE(log->Append(first, now_).ok());
    EXPECT_FALSE(log->Failure().ok());
    EXPECT_TRUE(Exists(dir_.path() + kSegment2));
    fs_.fail_sync_dir = false;
    fs_.fail_delete = false;
  }
  auto log = OpenLog(8);
  const std::vector<Record> second = {MakeRecord(2)};
  ASSERT_TRUE(log->Append(second, now_).ok());
  EXPECT_EQ(ReadAll(dir_.path() + kSegment1), "{\"user_id\":\"u1\"}\n");
  EXPECT_EQ(ReadAll(dir_.path() + kSegment2), "{\"user_id\":\"u2\"}\n");
  EXPECT_THAT(IdsSince(*log, absl::InfinitePast()), ElementsAre("id-1", "id-2"));
}

TEST_F(EventLogTest, RecoveryCutsTornTailOfSegmentBeforeAnEmptyNewestOne) {
  {
    auto log = OpenLog();
    const std::vector<Record> records = {MakeRecord(1)};
    ASSERT_TRUE(log->Append(records, now_).ok());
  }
  // As an older trackd left it: a rotation created the next .ndjson and
  // failed, appends went on in segment 1, and a crash tore its tail.
  AppendRaw(dir_.path() + kSegment1, "{\"user_id\":\"u2\"}\n{\"user_id\":\"u3\",\"ev");
  AppendRaw(dir_.path() + kIds1, "1700000000000 id-2\n1700000000000 id-3\n1700000000000 id-4\n");
  AppendRaw(dir_.path() + kSegment2, "");
  auto log = OpenLog();
  EXPECT_EQ(log->recovery_report().repaired_segments, 2);
  EXPECT_THAT(Lines(ReadAll(dir_.path() + kSegment1)),
              ElementsAre("{\"user_id\":\"u1\"}", "{\"user_id\":\"u2\"}"));
  // id-3 and id-4 were never stored: they must not be answered duplicate.
  EXPECT_THAT(IdsSince(*log, absl::InfinitePast()), ElementsAre("id-1", "id-2"));
  EXPECT_TRUE(Exists(dir_.path() + kIds2));  // The missing half is created.
  const std::vector<Record> more = {MakeRecord(5)};
  ASSERT_TRUE(log->Append(more, now_).ok());
  EXPECT_EQ(ReadAll(dir_.path() + kSegment2), "{\"user_id\":\"u5\"}\n");
}

TEST_F(EventLogTest, RecoveryCutsTheIdsOfALoneIdsFileAtTheTop) {
  {
    auto log = OpenLog();
    const std::vector<Record> records = {MakeRecord(1)};
    ASSERT_TRUE(log->Append(records, now_).ok());
  }
  AppendRaw(dir_.path() + kIds2, "1700000000000 id-2\n");
  auto log = OpenLog();
  EXPECT_THAT(IdsSince(*log, absl::InfinitePast()), ElementsAre("id-1"));
  EXPECT_EQ(ReadAll(dir_.path() + kIds2), "");
  EXPECT_TRUE(Exists(dir_.path() + kSegment2));
}

TEST_F(EventLogTest, RotatesSegmentsBySizeAndReadsIdsAcrossThem) {
  auto log = OpenLog(/*segment_bytes=*/64);
  for (int i = 0; i < 10; ++i) {
    const std::vector<Record> records = {MakeRecord(i)};
    ASSERT_TRUE(log->Append(records, now_ + absl::Seconds(i)).ok());
  }
  PosixFileSystem fs;
  auto names = fs.ListDir(dir_.path());
  ASSERT_TRUE(names.ok());
  int segments = 0;
  for (const auto& name : *names) segments += absl::EndsWith(name, ".ndjson") ? 1 : 0;
  EXPECT_GE(segments, 3);
  EXPECT_THAT(IdsSince(*log, now_ + absl::Seconds(8)), ElementsAre("id-8", "id-9"));
  EXPECT_EQ(IdsSince(*log, absl::InfinitePast()).size(), 10u);

  // A reopened log continues after the last segment.
  log.reset();
  log = OpenLog(64);
  EXPECT_EQ(IdsSince(*log, absl::InfinitePast()).size(), 10u);
  const std::vector<Record> more = {MakeRecord(10)};
  ASSERT_TRUE(log->Append(more, now_).ok());
  EXPECT_EQ(IdsSince(*log, absl::InfinitePast()).size(), 11u);
}

}  // namespace
}  // namespace trackd

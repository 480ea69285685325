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
using ::testing::HasSubstr;
using testing::FaultInjectingFileSystem;
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

TEST_F(EventLogTest, FailedFsyncReturnsUnavailableAndLeavesNoTrace) {
  auto log = OpenLog();
  const std::vector<Record> first = {MakeRecord(1)};
  ASSERT_TRUE(log->Append(first, now_).ok());
  fs_.fail_sync = true;
  const std::vector<Record> second = {MakeRecord(2), MakeRecord(3)};
  const absl::Status failed = log->Append(second, now_);
  EXPECT_EQ(failed.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(failed.message(), HasSubstr("fdatasync"));
  EXPECT_EQ(ReadAll(dir_.path() + kSegment1), "{\"user_id\":\"u1\"}\n");
  EXPECT_EQ(ReadAll(dir_.path() + kIds1), "1700000000000 id-1\n");

  fs_.fail_sync = false;  // The disk recovers: later appends succeed.
  const std::vector<Record> third = {MakeRecord(4)};
  ASSERT_TRUE(log->Append(third, now_).ok());
  EXPECT_THAT(Lines(ReadAll(dir_.path() + kSegment1)),
              ElementsAre("{\"user_id\":\"u1\"}", "{\"user_id\":\"u4\"}"));
}

TEST_F(EventLogTest, FailedWriteReturnsUnavailable) {
  auto log = OpenLog();
  fs_.fail_append = true;
  const std::vector<Record> records = {MakeRecord(1)};
  EXPECT_EQ(log->Append(records, now_).code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(ReadAll(dir_.path() + kSegment1), "");
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

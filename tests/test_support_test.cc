// The test-support library's own contract: its segment names are the event
// log's, StoredLines reads back every segment in order, and WaitUntil reports
// what it gave up on. Every integration test relies on these.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/event_log.h"
#include "server/file_system.h"
#include "tests/test_server.h"
#include "tests/test_util.h"

namespace trackd {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

TEST(TestSupportTest, SegmentPathsAreTheEventLogsOwn) {
  testing::TempDir dir;
  PosixFileSystem fs;
  auto log = EventLog::Open(fs, {.dir = dir.path()});
  ASSERT_TRUE(log.ok()) << log.status();
  for (uint64_t number : {uint64_t{1}, uint64_t{12}, uint64_t{1} << 40}) {
    EXPECT_EQ(testing::SegmentDataPath(dir.path(), number), (*log)->DataPath(number));
    EXPECT_EQ(testing::SegmentIdsPath(dir.path(), number), (*log)->IdsPath(number));
  }
}

TEST(TestSupportTest, StoredLinesReadsEverySegmentOldestFirst) {
  testing::TempDir dir;
  PosixFileSystem fs;
  EXPECT_THAT(testing::StoredLines(dir.path() + "/none"), IsEmpty());
  auto log = EventLog::Open(fs, {.dir = dir.path(), .segment_bytes = 64});
  ASSERT_TRUE(log.ok()) << log.status();
  std::vector<std::string> written;
  for (int n = 0; n < 12; ++n) {  // 12 segments: names past 9 must still sort in order.
    written.push_back(absl::StrCat("{\"n\":", n, ",\"pad\":\"", std::string(60, 'p'), "\"}"));
    ASSERT_TRUE((*log)->Append({{absl::StrCat("id-", n), written.back(), ""}}, absl::Now()).ok());
  }
  ASSERT_TRUE(fs.FileSize(testing::SegmentDataPath(dir.path(), 12)).ok()) << "one per segment";
  EXPECT_EQ(testing::StoredLines(dir.path()), written);
}

TEST(TestSupportTest, WaitUntilReturnsOnceTheConditionHoldsAndNamesWhatTimedOut) {
  int calls = 0;
  EXPECT_TRUE(testing::WaitUntil([&] { return ++calls == 3; }, absl::Seconds(30)));
  EXPECT_EQ(calls, 3);
  const ::testing::AssertionResult timed_out =
      testing::WaitUntil([] { return false; }, absl::Milliseconds(30), "the moon");
  EXPECT_FALSE(timed_out);
  EXPECT_THAT(timed_out.message(), HasSubstr("waiting for the moon"));
}

}  // namespace
}  // namespace trackd

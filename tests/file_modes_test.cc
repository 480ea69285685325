// Data at rest: the files trackd creates hold personal data, so they are
// created 0600 in 0700 directories (0640/0750 when the operator asks for
// group-readable files), whatever the umask would allow. Each test sets the
// umask to 0, so a mode seen here comes from trackd, not from the umask.
#include <sys/stat.h>

#include <string>

#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/event_log.h"
#include "server/file_system.h"
#include "server/server.h"
#include "tests/test_util.h"

namespace trackd {
namespace {

using ::testing::HasSubstr;

unsigned ModeOf(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return 07777;  // Missing: matches no mode below.
  return st.st_mode & 07777;
}

class FileModesTest : public ::testing::Test {
 protected:
  void SetUp() override { old_umask_ = ::umask(0); }
  void TearDown() override { ::umask(old_umask_); }

  // Starts trackd as an HTTP spool in a data directory it has to create (and
  // its parent), so the log, the dead-letter file and the directories are all
  // made by trackd; the upstream is never called (nothing is tracked).
  void StartSpool(FileSystem& fs) {
    ServerConfig config;
    config.listen = "127.0.0.1:0";
    config.log.dir = data_dir_;
    config.sink = SinkKind::kHttp;
    config.http.http.url = "http://127.0.0.1:9/track";
    auto server = TrackdServer::Start(config, fs, Clock::Real());
    ASSERT_TRUE(server.ok()) << server.status();
    // The forwarder's cursor is written only through WriteFileAtomically.
    ASSERT_TRUE(fs.WriteFileAtomically(data_dir_ + "/forward.cursor", "1 0 0\n").ok());
    (*server)->Shutdown();
  }

  void ExpectModes(unsigned file, unsigned dir) {
    EXPECT_EQ(ModeOf(parent_), dir);
    EXPECT_EQ(ModeOf(data_dir_), dir);
    for (const char* name : {"/segment-00000000000000000001.ndjson",
                             "/segment-00000000000000000001.ids", "/dead-letter.ndjson",
                             "/forward.cursor"}) {
      EXPECT_EQ(ModeOf(data_dir_ + name), file) << name;
    }
  }

  mode_t old_umask_ = 0;
  testing::TempDir dir_;
  const std::string parent_ = dir_.path() + "/trackd";
  const std::string data_dir_ = parent_ + "/data";
};

TEST_F(FileModesTest, DataFilesAre0600InA0700DirectoryByDefault) {
  PosixFileSystem fs;
  StartSpool(fs);
  ExpectModes(0600, 0700);
}

TEST_F(FileModesTest, GroupReadableModesAre0640And0750) {
  PosixFileSystem fs(FileModes::GroupReadable());
  StartSpool(fs);
  ExpectModes(0640, 0750);
}

TEST_F(FileModesTest, ExistingDirectoryKeepsItsModeAndAWiderOneIsLogged) {
  ASSERT_EQ(::mkdir(parent_.c_str(), 0755), 0);
  PosixFileSystem fs;
  ::testing::internal::CaptureStdout();
  auto log = EventLog::Open(fs, {.dir = parent_});
  const std::string out = ::testing::internal::GetCapturedStdout();
  ASSERT_TRUE(log.ok()) << log.status();
  EXPECT_EQ(ModeOf(parent_), 0755u);
  EXPECT_THAT(out, HasSubstr("\"level\":\"warning\""));
  EXPECT_THAT(out, HasSubstr("\"path\":\"" + parent_ + "\""));
  EXPECT_THAT(out, HasSubstr("\"mode\":\"0755\""));
  EXPECT_EQ(ModeOf(log.value()->DataPath(1)), 0600u);
}

}  // namespace
}  // namespace trackd

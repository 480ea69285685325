// Bearer tokens from a file that may change under the server: credentials
// fail closed when the file goes missing, empty or malformed, and work again
// when a valid file is back, without a restart.
#include "server/authenticator.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/fake_clock.h"
#include "tests/test_util.h"

namespace trackd {
namespace {

using testing::TokenFileLine;

void WriteFile(const std::string& path, const std::string& content) {
  std::ofstream(path, std::ios::trunc) << content;
}

int CountLines(const std::string& text, const std::string& needle) {
  int n = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (absl::StrContains(line, needle)) ++n;
  }
  return n;
}

class AuthenticatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    WriteFile(path_, TokenFileLine("s3cret", "billing"));
    auto loaded = TokenAuthenticator::Load(fs_, path_, clock_, kInterval);
    ASSERT_TRUE(loaded.ok()) << loaded.status();
    auth_ = std::move(*loaded);
  }
  // Lets the check interval pass, so the next call reads the file.
  void Tick() { clock_.Advance(kInterval); }
  absl::StatusCode Call(const std::string& token) {
    return auth_->Authenticate(absl::StrCat("Bearer ", token)).status().code();
  }

  static constexpr absl::Duration kInterval = absl::Seconds(5);
  testing::TempDir dir_;
  const std::string path_ = dir_.path() + "/tokens";
  PosixFileSystem fs_;
  testing::FakeClock clock_{absl::FromUnixSeconds(1'700'000'000)};
  std::unique_ptr<TokenAuthenticator> auth_;
};

TEST_F(AuthenticatorTest, DeletedTokensFileRefusesEveryCall) {
  EXPECT_EQ(Call("s3cret"), absl::StatusCode::kOk);
  ASSERT_EQ(std::remove(path_.c_str()), 0);
  Tick();
  EXPECT_EQ(Call("s3cret"), absl::StatusCode::kUnauthenticated);
  EXPECT_FALSE(auth_->file_usable());
  EXPECT_EQ(auth_->tokens(), 0u);
}

TEST_F(AuthenticatorTest, EmptiedTokensFileRefusesEveryCall) {
  WriteFile(path_, "");
  Tick();
  EXPECT_EQ(Call("s3cret"), absl::StatusCode::kUnauthenticated);
  EXPECT_FALSE(auth_->file_usable());
}

TEST_F(AuthenticatorTest, MalformedTokensFileRefusesEveryCall) {
  WriteFile(path_, TokenFileLine("s3cret", "billing") + "not a token line\n");
  Tick();
  EXPECT_EQ(Call("s3cret"), absl::StatusCode::kUnauthenticated);
}

TEST_F(AuthenticatorTest, UnreadableTokensFileRefusesEveryCall) {
  if (geteuid() == 0) {
    // root reads a file of mode 0000; a directory in its place is unreadable.
    ASSERT_EQ(std::remove(path_.c_str()), 0);
    ASSERT_EQ(mkdir(path_.c_str(), 0700), 0);
  } else {
    ASSERT_EQ(chmod(path_.c_str(), 0), 0);
  }
  Tick();
  EXPECT_EQ(Call("s3cret"), absl::StatusCode::kUnauthenticated);
}

TEST_F(AuthenticatorTest, TokensWorkAgainWhenAValidFileReturns) {
  ASSERT_EQ(std::remove(path_.c_str()), 0);
  Tick();
  ASSERT_EQ(Call("s3cret"), absl::StatusCode::kUnauthenticated);
  WriteFile(path_, TokenFileLine("n3w", "billing"));
  Tick();
  EXPECT_EQ(Call("n3w"), absl::StatusCode::kOk);
  EXPECT_EQ(Call("s3cret"), absl::StatusCode::kUnauthenticated);  // Revoked by the new file.
  EXPECT_TRUE(auth_->file_usable());
  EXPECT_EQ(auth_->tokens(), 1u);
}

TEST_F(AuthenticatorTest, TheFileIsReadOnlyOnceAnInterval) {
  ASSERT_EQ(std::remove(path_.c_str()), 0);
  EXPECT_EQ(Call("s3cret"), absl::StatusCode::kOk);  // Not due yet.
  clock_.Advance(kInterval - absl::Milliseconds(1));
  EXPECT_EQ(Call("s3cret"), absl::StatusCode::kOk);
  clock_.Advance(absl::Milliseconds(1));
  EXPECT_EQ(Call("s3cret"), absl::StatusCode::kUnauthenticated);
}

TEST_F(AuthenticatorTest, EachChangeOfTheFileIsLoggedOnce) {
  ::testing::internal::CaptureStdout();
  ASSERT_EQ(std::remove(path_.c_str()), 0);
  for (int i = 0; i < 5; ++i) {  // Still missing at every check: one line.
    Tick();
    Call("s3cret");
  }
  WriteFile(path_, "");
  for (int i = 0; i < 3; ++i) {
    Tick();
    Call("s3cret");
  }
  WriteFile(path_, TokenFileLine("s3cret", "billing"));
  for (int i = 0; i < 3; ++i) {
    Tick();
    Call("s3cret");
  }
  const std::string log = ::testing::internal::GetCapturedStdout();
  EXPECT_EQ(CountLines(log, "token file cannot be used"), 2) << log;
  EXPECT_EQ(CountLines(log, "token file reloaded"), 1) << log;
  EXPECT_THAT(log, ::testing::Not(::testing::HasSubstr("s3cret")));
}

}  // namespace
}  // namespace trackd

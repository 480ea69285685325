// The token file's format (server/authenticator.h): "sha256:<64 hex digits> <client-name>" a
// line, blank lines and '#' comments ignored. A good file loads with each token in force; a
// bad one is refused with INVALID_ARGUMENT naming the line, never quoting it (it may hold a
// secret).
#include <fstream>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/authenticator.h"
#include "tests/fake_clock.h"
#include "tests/test_util.h"

namespace trackd {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::TokenFileLine;

// SHA-256 of "s3cret", as TokenFileLine writes it.
const std::string kHash = "sha256:1ec1c26b50d5d3c58d9583181af8076655fe00756bf7285940ba3670f99fcba0";

class TokenFileTest : public ::testing::Test {
 protected:
  absl::StatusOr<std::unique_ptr<TokenAuthenticator>> Load(const std::string& content) {
    std::ofstream(path_, std::ios::trunc) << content;
    return TokenAuthenticator::Load(fs_, path_, clock_);
  }

  testing::FakeClock clock_{absl::UnixEpoch()};
  testing::TempDir dir_;
  const std::string path_ = dir_.path() + "/tokens";
  PosixFileSystem fs_;
};

struct GoodCase {
  std::string name;
  std::string content;
  size_t tokens;
};

class TokenFileGoodTest : public TokenFileTest, public ::testing::WithParamInterface<GoodCase> {};

TEST_P(TokenFileGoodTest, LoadsEveryTokenLine) {
  const GoodCase& c = GetParam();
  auto auth = Load(c.content);
  ASSERT_TRUE(auth.ok()) << auth.status();
  EXPECT_EQ((*auth)->tokens(), c.tokens);
  EXPECT_TRUE((*auth)->file_usable());
}

const std::string kBilling = TokenFileLine("s3cret", "billing");
const std::string kBillingLine = kBilling.substr(0, kBilling.size() - 1);  // Without "\n".

INSTANTIATE_TEST_SUITE_P(
    Files, TokenFileGoodTest,
    ::testing::Values(
        GoodCase{"OneLine", kBilling, 1}, GoodCase{"NoFinalNewline", kBillingLine, 1},
        GoodCase{"CommentsAndBlankLines", "# billing's token\n\n" + kBilling + "\n  \n# end\n", 1},
        GoodCase{"TwoClients", kBilling + TokenFileLine("other", "search"), 2},
        GoodCase{"TabsAndSurroundingSpace",
                 "  " + absl::StrReplaceAll(kBillingLine, {{" ", "\t"}}) + " \r\n", 1},
        GoodCase{"UpperCaseHex",
                 "sha256:1EC1C26B50D5D3C58D9583181AF8076655FE00756BF7285940BA3670F99FCBA0 x\n", 1}),
    [](const ::testing::TestParamInfo<GoodCase>& info) { return info.param.name; });

struct BadCase {
  std::string name;
  std::string content;
  std::string error;  // The whole message.
};

class TokenFileBadTest : public TokenFileTest, public ::testing::WithParamInterface<BadCase> {};

TEST_P(TokenFileBadTest, IsRefusedNamingTheLineWithoutQuotingIt) {
  const BadCase& c = GetParam();
  auto auth = Load(c.content);
  ASSERT_FALSE(auth.ok());
  EXPECT_EQ(auth.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(auth.status().message(), c.error);
  EXPECT_THAT(std::string(auth.status().message()), Not(HasSubstr(kHash.substr(7, 16))));
}

std::string LineError(int line) {
  return absl::StrCat("token file line ", line, " is not 'sha256:<64 hex digits> <client-name>'");
}

INSTANTIATE_TEST_SUITE_P(
    Files, TokenFileBadTest,
    ::testing::Values(
        BadCase{"Empty", "", "the token file holds no token"},
        BadCase{"OnlyComments", "# no token yet\n\n", "the token file holds no token"},
        BadCase{"NoClientName", kHash + "\n", LineError(1)},
        BadCase{"TwoClientNames", kHash + " billing search\n", LineError(1)},
        BadCase{"PlainToken", "s3cret billing\n", LineError(1)},
        BadCase{"OtherHash", "md5:1ec1c26b50d5d3c58d9583181af80766 billing\n", LineError(1)},
        BadCase{"HashTooShort", kHash.substr(0, kHash.size() - 1) + " billing\n", LineError(1)},
        BadCase{"HashTooLong", kHash + "0 billing\n", LineError(1)},
        BadCase{"NotHex", kHash.substr(0, kHash.size() - 1) + "g billing\n", LineError(1)},
        BadCase{"BadLineAfterGoodOnes", kBilling + "# comment\n\nnot a token line\n",
                LineError(4)}),
    [](const ::testing::TestParamInfo<BadCase>& info) { return info.param.name; });

}  // namespace
}  // namespace trackd

// trackctl as a user runs it: the binary (TRACKCTL_BINARY, defined by the build) against a real
// trackd on loopback, checking its output, exit status and what was stored.
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/server.h"
#include "tests/test_server.h"
#include "tests/test_util.h"

namespace trackd {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;

// The hex SHA-256 of "t0ken-for-ops", computed with the shell's sha256sum.
std::string TokenHashForTest() {
  FILE* pipe = popen("printf %s t0ken-for-ops | sha256sum | cut -d' ' -f1", "r");
  char buf[80] = {0};
  fgets(buf, sizeof(buf), pipe);
  pclose(pipe);
  return std::string(absl::StripAsciiWhitespace(buf));
}

using RunResult = testing::CommandResult;

class TrackctlTest : public ::testing::Test {
 protected:
  void SetUp() override { StartServer(""); }

  void StartServer(const std::string& auth_tokens_file) {
    server_.reset();
    auto server = testing::StartServer(dir_.path() + "/data", fs_, [&](ServerConfig& c) {
      c.auth_tokens_file = auth_tokens_file;
    });
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
  }

  // Runs trackctl with `args` (shell words) against the server.
  RunResult Run(const std::string& args, const std::string& stdin_file = "/dev/null") {
    return testing::RunCommand(absl::StrCat(
        TRACKCTL_BINARY, " ", args, " --target=127.0.0.1:", server_->port(), " <", stdin_file));
  }

  std::string WriteFile(const std::string& name, const std::string& content) {
    const std::string path = dir_.path() + "/" + name;
    std::ofstream(path) << content;
    return path;
  }

  std::vector<std::string> StoredLines() { return testing::StoredLines(dir_.path() + "/data"); }

  testing::TempDir dir_;
  PosixFileSystem fs_;
  std::unique_ptr<TrackdServer> server_;
};

TEST_F(TrackctlTest, SendsTheSeedSampleFileAsTheDocumentedJson) {
  const std::string sample = testing::ReadTestData("seed_account_added_user.json");
  const RunResult result = Run("track " + WriteFile("seed.json", sample));
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_THAT(result.output, MatchesRegex("line 1: accepted message_id=[0-9a-f-]{36}\n"));
  EXPECT_THAT(StoredLines(), ::testing::ElementsAre(testing::MinifyJson(sample)));
}

TEST_F(TrackctlTest, ReadsStandardInputForDash) {
  const std::string path =
      WriteFile("seed.json", testing::ReadTestData("seed_account_added_user.json"));
  const RunResult result = Run("track -", path);
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(StoredLines().size(), 1u);
}

TEST_F(TrackctlTest, NdjsonPrintsOneResultPerEventAndFailsOnAnyBadOne) {
  const std::string good =
      testing::MinifyJson(testing::ReadTestData("seed_account_added_user.json"));
  std::string no_user = good;
  no_user.replace(no_user.find("766b3aef-5904-46fe-af05-a293fee8h345"), 36, "");
  const std::string path = WriteFile("events.ndjson", good + "\n" + no_user + "\n{\"user_id\":\n");
  const RunResult result = Run("track " + path);
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_THAT(result.output, HasSubstr("line 1: accepted message_id="));
  EXPECT_THAT(result.output,
              HasSubstr("line 2: rejected\n  user_id: is required and must not be empty\n"));
  EXPECT_THAT(result.output, HasSubstr("line 3: invalid: not valid JSON at line 3, column 12: "));
  EXPECT_EQ(StoredLines().size(), 1u);
}

TEST_F(TrackctlTest, SendingTheSameFileTwiceStoresEachEventOnce) {
  std::string lines;
  for (int i = 0; i < 250; ++i) {
    lines += absl::StrCat("{\"user_id\":\"u", i,
                          "\",\"event\":\"account_added_user\",\"properties\":{"
                          "\"user_role\":\"Developer\"},\"context\":{\"group_id\":\"g\"},"
                          "\"timestamp\":\"2023-11-02T00:30:08.276Z\"}\n");
  }
  const std::string path = WriteFile("many.ndjson", lines);
  const RunResult first = Run("track --batch_size=100 " + path);
  EXPECT_EQ(first.exit_code, 0) << first.output;
  const RunResult second = Run("track " + path);
  EXPECT_EQ(second.exit_code, 0) << second.output;
  EXPECT_THAT(second.output, HasSubstr("line 250: duplicate"));
  EXPECT_THAT(second.output, ::testing::Not(HasSubstr("accepted")));
  EXPECT_EQ(StoredLines().size(), 250u);
}

TEST_F(TrackctlTest, FlagsBuildOneAccountAddedUserEvent) {
  const RunResult result =
      Run("track --user_id=u-9 --group_id=acct-9 --role=Admin --user_email=a@example.com "
          "--timestamp=2024-01-02T03:04:05.678Z --message_id=m-9");
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(result.output, "event: accepted message_id=m-9\n");
  EXPECT_THAT(StoredLines(),
              ::testing::ElementsAre(
                  "{\"user_id\":\"u-9\",\"event\":\"account_added_user\",\"properties\":{"
                  "\"user_email\":\"a@example.com\",\"user_role\":\"Admin\"},\"context\":{"
                  "\"group_id\":\"acct-9\"},\"timestamp\":\"2024-01-02T03:04:05.678Z\"}"));
}

TEST_F(TrackctlTest, FlagEventWithViolationsNamesTheFlagInTheFileModesFormat) {
  const RunResult result = Run("track --user_id=u --group_id=g --role=r --user_email=nope");
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.output, "event: rejected\n  --user_email: must contain exactly one '@'\n");
}

TEST_F(TrackctlTest, DryRunPrintsEachAcceptedEventsJsonLineOrItsViolationsAndStoresNothing) {
  const std::string good =
      testing::MinifyJson(testing::ReadTestData("seed_account_added_user.json"));
  std::string no_user = good;
  no_user.replace(no_user.find("766b3aef-5904-46fe-af05-a293fee8h345"), 36, "");
  // The third line repeats the first, so its content message_id is a duplicate in the batch.
  const std::string path = WriteFile("events.ndjson", good + "\n" + no_user + "\n" + good + "\n");
  const RunResult result = Run("track --dry-run " + path);
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_THAT(result.output,
              MatchesRegex("line 1 \\(dry run\\): accepted message_id=[0-9a-f-]+\n" +
                           std::string("\\{.*\\}\n") +
                           "line 2 \\(dry run\\): rejected\n"
                           "  user_id: is required and must not be empty\n"
                           "line 3 \\(dry run\\): duplicate message_id=[0-9a-f-]+\n"));
  const std::vector<std::string> lines = absl::StrSplit(result.output, '\n');
  EXPECT_THAT(lines, ::testing::Contains(good));
  EXPECT_THAT(StoredLines(), ::testing::IsEmpty());

  const RunResult valid = Run("track --dry_run -", WriteFile("good.ndjson", good + "\n"));
  EXPECT_EQ(valid.exit_code, 0) << valid.output;
  EXPECT_THAT(StoredLines(), ::testing::IsEmpty());
}

TEST_F(TrackctlTest, FlagDryRunPrintsTheLineARealSendThenStores) {
  const std::string flags =
      "track --user_id=u-9 --group_id=acct-9 --role=Admin --user_email=a@example.com "
      "--timestamp=2024-01-02T03:04:05.678Z --message_id=m-9";
  const RunResult dry = Run("--dry-run " + flags);
  EXPECT_EQ(dry.exit_code, 0) << dry.output;
  EXPECT_THAT(StoredLines(), ::testing::IsEmpty());
  ASSERT_EQ(Run(flags).exit_code, 0);
  ASSERT_EQ(StoredLines().size(), 1u);
  EXPECT_EQ(dry.output, "event (dry run): accepted message_id=m-9\n" + StoredLines()[0] + "\n");

  const RunResult rejected =
      Run("track --dry-run --user_id=u --group_id=g --role=r --user_email=x");
  EXPECT_EQ(rejected.exit_code, 1);
  EXPECT_EQ(rejected.output,
            "event (dry run): rejected\n  --user_email: must contain exactly one '@'\n");
}

TEST_F(TrackctlTest, FileModeNamesViolationsByTheirDocumentedJsonPath) {
  const std::string event =
      R"({"user_id":"u","event":"account_added_user","properties":{"user_role":"",)"
      R"("user_email":"nope"},"context":{},"timestamp":"2023-11-02T00:30:08.276Z"})";
  const RunResult result = Run("track " + WriteFile("bad.json", event));
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.output, MatchesRegex("line 1: rejected\n"
                                          "(  (properties\\.user_role|properties\\.user_email|"
                                          "context\\.group_id): [^\n]+\n){3}"));
  EXPECT_THAT(result.output, HasSubstr("  context.group_id: is required and must not be empty\n"));
  EXPECT_THAT(result.output, HasSubstr("  properties.user_email: must contain exactly one '@'\n"));
}

TEST_F(TrackctlTest, MalformedJsonIsRejectedWithItsLineAndColumn) {
  // Pretty-printed, with a trailing comma that protobuf's JSON parser used to accept.
  const std::string event =
      "{\n  \"user_id\": \"u\",\n  \"event\": \"account_added_user\",\n"
      "  \"timestamp\": \"2023-11-02T00:30:08.276Z\",\n}\n";
  const RunResult result = Run("track " + WriteFile("comma.json", event));
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.output, ::testing::StartsWith("line 1: invalid: not valid JSON at line 5, "
                                                   "column 1: syntax error while parsing object "
                                                   "key"));
  EXPECT_TRUE(StoredLines().empty());
}

TEST_F(TrackctlTest, SendsTheBearerTokenFromTokenFile) {
  // sha256("t0ken-for-ops") for client "ops".
  const std::string tokens =
      WriteFile("tokens", "sha256:" + std::string(TokenHashForTest()) + " ops\n");
  StartServer(tokens);
  const std::string event = "track --user_id=u --group_id=g --role=r";
  EXPECT_EQ(Run(event).exit_code, 1);  // No token: UNAUTHENTICATED.
  const RunResult result = Run(event + " --token_file=" + WriteFile("token", "t0ken-for-ops\n"));
  EXPECT_EQ(result.exit_code, 0) << result.output;
}

TEST_F(TrackctlTest, HealthPrintsServing) {
  const RunResult result = Run("health");
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(result.output, "SERVING\n");
}

TEST_F(TrackctlTest, HelpListsTrackctlsOwnFlagsWithDescriptionsAndExitsZero) {
  const RunResult help = Run("--help");
  EXPECT_EQ(help.exit_code, 0) << help.output;
  EXPECT_THAT(help.output, ::testing::StartsWith("trackctl: send events to trackd"));
  EXPECT_THAT(help.output, HasSubstr("Examples:"));
  EXPECT_THAT(help.output,
              HasSubstr("  --target (default: 127.0.0.1:50051)\n      trackd's address"));
  EXPECT_THAT(help.output, HasSubstr("  --http_url (default: \"\")\n      resend-dead-letters:"));
  EXPECT_THAT(help.output, ::testing::Not(HasSubstr("No flags matched")));
  EXPECT_THAT(help.output, ::testing::Not(HasSubstr("--flagfile")));  // Abseil's own.
  EXPECT_THAT(help.output, ::testing::Not(HasSubstr(TRACKD_SOURCE_DIR)));
}

TEST_F(TrackctlTest, MessagesNameTheProgramOnce) {
  EXPECT_THAT(Run("--helpfull").output, ::testing::Not(HasSubstr("trackctl: trackctl")));
  const RunResult misuse = Run("track");
  EXPECT_THAT(misuse.output, HasSubstr("trackctl: send events"));
  EXPECT_THAT(misuse.output, ::testing::Not(HasSubstr("trackctl: trackctl")));
  EXPECT_THAT(Run("--no_such_flag health").output, ::testing::Not(HasSubstr("trackctl: trackctl")));
}

TEST_F(TrackctlTest, MisuseExitsTwo) {
  EXPECT_EQ(Run("").exit_code, 2);
  EXPECT_EQ(Run("track").exit_code, 2);
  EXPECT_EQ(Run("track /no/such/file").exit_code, 2);
  EXPECT_EQ(Run("resend-dead-letters /dev/null").exit_code, 2);  // No --http_url.
}

}  // namespace
}  // namespace trackd

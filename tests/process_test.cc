// End-to-end tests of the trackd binary as a process: kill -9 in the middle of
// a load, then recovery; and a clean stop on SIGTERM. The binary's path comes
// from TRACKD_BINARY, defined by the build.
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "server/data_classes.h"
#include "server/file_system.h"
#include "tests/test_server.h"
#include "tests/test_util.h"
#include "trackd/v1/track.grpc.pb.h"

namespace trackd {
namespace {

using testing::SeedRequest;

// A trackd child process on 127.0.0.1 with a free port.
class TrackdProcess {
 public:
  // Starts trackd with `data_dir` (no --data_dir flag when empty) and waits
  // until it serves.
  TrackdProcess(const std::string& data_dir, const std::string& work_dir,
                const std::vector<std::string>& extra_flags = {})
      : port_file_(work_dir + "/port"), log_file_(work_dir + "/trackd.log") {
    std::remove(port_file_.c_str());
    std::vector<std::string> args = {TRACKD_BINARY, "--listen=127.0.0.1:0",
                                     "--admin_listen=127.0.0.1:0", "--port_file=" + port_file_,
                                     "--shutdown_grace=10s"};
    if (!data_dir.empty()) args.push_back("--data_dir=" + data_dir);
    args.insert(args.end(), extra_flags.begin(), extra_flags.end());
    process_ = std::make_unique<testing::Subprocess>(args, log_file_);
    port_ = testing::WaitForPortFile(port_file_, absl::Seconds(30));
    EXPECT_NE(port_, 0) << "trackd did not start; log: " << Log();
  }

  std::string target() const { return absl::StrCat("127.0.0.1:", port_); }
  void Kill9() { process_->SignalAndWait(SIGKILL, absl::Seconds(10)); }
  // Sends SIGTERM and returns the exit status, or -1 if it did not exit in time.
  int TerminateAndWait(absl::Duration limit) { return process_->SignalAndWait(SIGTERM, limit); }

  std::string Log() const {
    PosixFileSystem fs;
    auto content = fs.ReadFile(log_file_);
    return content.ok() ? *content : "";
  }

 private:
  std::string port_file_;
  std::string log_file_;
  std::unique_ptr<testing::Subprocess> process_;
  int port_ = 0;
};

struct StoredContents {
  std::vector<std::string> data_lines;
  bool every_line_parses = true;
  bool last_byte_is_newline = true;
};

StoredContents ReadStore(const std::string& dir) {
  StoredContents out;
  PosixFileSystem fs;
  auto names = fs.ListDir(dir);
  std::sort(names->begin(), names->end());
  for (const auto& name : *names) {
    if (!absl::EndsWith(name, ".ndjson")) continue;
    auto content = fs.ReadFile(dir + "/" + name);
    if (!content->empty() && content->back() != '\n') out.last_byte_is_newline = false;
    for (absl::string_view line : absl::StrSplit(*content, '\n', absl::SkipEmpty())) {
      google::protobuf::Struct parsed;
      if (!google::protobuf::util::JsonStringToMessage(std::string(line), &parsed).ok()) {
        out.every_line_parses = false;
      }
      out.data_lines.emplace_back(line);
    }
  }
  return out;
}

v1::TrackRequest NumberedRequest(int n) {
  v1::TrackRequest request = SeedRequest();
  request.set_message_id(absl::StrCat("crash-", n));
  request.set_user_id(absl::StrCat("user-", n));  // Identifies the event in the JSON.
  request.mutable_timestamp()->set_seconds(absl::ToUnixSeconds(absl::Now()));
  return request;
}

// Runs trackd with `args` (shell words) to its end; its exit status and its stdout and stderr.
testing::CommandResult RunTrackd(const std::string& args) {
  return testing::RunCommand(absl::StrCat(TRACKD_BINARY, " ", args));
}

TEST(TrackdHelpTest, HelpListsTrackdsOwnFlagsWithDescriptionsAndExitsZero) {
  const auto [exit_code, help] = RunTrackd("--help");
  EXPECT_EQ(exit_code, 0) << help;
  EXPECT_TRUE(absl::StartsWith(help, "trackd: receives account_added_user")) << help;
  EXPECT_TRUE(absl::StrContains(
      help, "  --listen (default: 127.0.0.1:50051)\n      Address for gRPC, HOST:PORT."))
      << help;
  EXPECT_TRUE(absl::StrContains(help, "  --admin_listen (default: 127.0.0.1:8151)\n")) << help;
  EXPECT_TRUE(absl::StrContains(help, "  --http_dead_letter_file (default: \"\")\n")) << help;
  EXPECT_FALSE(absl::StrContains(help, "No flags matched")) << help;
  EXPECT_FALSE(absl::StrContains(help, "--flagfile")) << help;  // Abseil's own.
  EXPECT_FALSE(absl::StrContains(help, TRACKD_SOURCE_DIR)) << help;
}

TEST(TrackdHelpTest, MessagesNameTheProgramOnce) {
  for (const std::string args : {"--helpfull", "--no_such_flag", "--listen"}) {
    const auto [exit_code, output] = RunTrackd(args);
    EXPECT_FALSE(absl::StrContains(output, "trackd: trackd")) << args << ":\n" << output;
  }
}

TEST(ProcessTest, KillNineLosesNoAcknowledgedEventAndLeavesNoTornLine) {
  testing::TempDir work;
  const std::string data_dir = work.path() + "/data";
  std::set<int> acknowledged;
  std::mutex mu;
  {
    TrackdProcess trackd(data_dir, work.path());
    auto channel = grpc::CreateChannel(trackd.target(), grpc::InsecureChannelCredentials());
    auto stub = v1::TrackService::NewStub(channel);
    std::atomic<int> next{0};
    std::atomic<bool> stop{false};
    std::vector<std::thread> callers;
    // Eight callers send distinct events until told to stop (at most 20000 in all).
    for (int t = 0; t < 8; ++t) {
      callers.emplace_back([&] {
        while (!stop) {
          const int n = next++;
          if (n >= 20000) return;
          grpc::ClientContext context;
          context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
          v1::TrackResponse response;
          if (stub->Track(&context, NumberedRequest(n), &response).ok()) {
            std::lock_guard<std::mutex> lock(mu);
            acknowledged.insert(n);
          }
        }
      });
    }
    // Kill while calls are in flight: after a few hundred acknowledgements (the
    // count is checked below, once the callers are joined).
    (void)testing::WaitUntil(
        [&] {
          std::lock_guard<std::mutex> lock(mu);
          return acknowledged.size() >= 500;
        },
        absl::Seconds(30));
    trackd.Kill9();
    stop = true;
    for (auto& c : callers) c.join();
  }
  ASSERT_GE(acknowledged.size(), 500u);

  // Restart: recovery runs; then every acknowledged event is there exactly once.
  TrackdProcess restarted(data_dir, work.path());
  const StoredContents stored = ReadStore(data_dir);
  EXPECT_TRUE(stored.every_line_parses);
  EXPECT_TRUE(stored.last_byte_is_newline);
  absl::flat_hash_map<std::string, int> count_by_user;
  for (const auto& line : stored.data_lines) {
    const size_t start = line.find("\"user_id\":\"") + 11;
    ++count_by_user[line.substr(start, line.find('"', start) - start)];
  }
  for (int n : acknowledged) {
    EXPECT_EQ(count_by_user[absl::StrCat("user-", n)], 1) << "event " << n;
  }
  for (const auto& [user, count] : count_by_user) EXPECT_EQ(count, 1) << user;

  // The ids survived too: re-sending every acknowledged event stores nothing new.
  auto stub = v1::TrackService::NewStub(
      grpc::CreateChannel(restarted.target(), grpc::InsecureChannelCredentials()));
  int duplicates = 0;
  for (int n : acknowledged) {
    grpc::ClientContext context;
    v1::TrackResponse response;
    ASSERT_TRUE(stub->Track(&context, NumberedRequest(n), &response).ok());
    duplicates += response.duplicate() ? 1 : 0;
  }
  EXPECT_EQ(duplicates, static_cast<int>(acknowledged.size()));
  EXPECT_EQ(ReadStore(data_dir).data_lines.size(), stored.data_lines.size());
}

TEST(ProcessTest, SigtermFinishesCallsFlushesAndExitsZero) {
  testing::TempDir work;
  const std::string data_dir = work.path() + "/data";
  TrackdProcess trackd(data_dir, work.path());
  auto stub = v1::TrackService::NewStub(
      grpc::CreateChannel(trackd.target(), grpc::InsecureChannelCredentials()));
  for (int n = 0; n < 20; ++n) {
    grpc::ClientContext context;
    v1::TrackResponse response;
    ASSERT_TRUE(stub->Track(&context, NumberedRequest(n), &response).ok());
  }
  EXPECT_EQ(trackd.TerminateAndWait(absl::Seconds(15)), 0) << trackd.Log();
  EXPECT_NE(trackd.Log().find("\"msg\":\"stopped\",\"events_stored\":\"20\""), std::string::npos)
      << trackd.Log();
  EXPECT_EQ(ReadStore(data_dir).data_lines.size(), 20u);
}

TEST(ProcessTest, EnvironmentVariableSetsAFlagAndTheCommandLineWins) {
  testing::TempDir work;
  const std::string env_dir = work.path() + "/from-env";
  setenv("TRACKD_DATA_DIR", env_dir.c_str(), 1);
  {
    TrackdProcess trackd(/*data_dir=*/"", work.path());
    auto stub = v1::TrackService::NewStub(
        grpc::CreateChannel(trackd.target(), grpc::InsecureChannelCredentials()));
    grpc::ClientContext context;
    v1::TrackResponse response;
    ASSERT_TRUE(stub->Track(&context, NumberedRequest(1), &response).ok());
    EXPECT_EQ(ReadStore(env_dir).data_lines.size(), 1u);
  }
  const std::string flag_dir = work.path() + "/from-flag";
  TrackdProcess trackd(flag_dir, work.path());
  unsetenv("TRACKD_DATA_DIR");
  auto stub = v1::TrackService::NewStub(
      grpc::CreateChannel(trackd.target(), grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  v1::TrackResponse response;
  ASSERT_TRUE(stub->Track(&context, NumberedRequest(2), &response).ok());
  EXPECT_EQ(ReadStore(flag_dir).data_lines.size(), 1u);
  EXPECT_EQ(ReadStore(env_dir).data_lines.size(), 1u);
}

TEST(ProcessTest, DataGroupReadableFromTheEnvironmentGivesFiles0640InA0750Directory) {
  testing::TempDir work;
  const std::string data_dir = work.path() + "/data";
  const mode_t old_umask = ::umask(0);  // The modes seen below are trackd's own.
  setenv("TRACKD_DATA_GROUP_READABLE", "true", 1);
  TrackdProcess trackd(data_dir, work.path());
  unsetenv("TRACKD_DATA_GROUP_READABLE");
  ::umask(old_umask);
  struct stat dir_stat, file_stat;
  ASSERT_EQ(::stat(data_dir.c_str(), &dir_stat), 0);
  ASSERT_EQ(::stat(testing::SegmentDataPath(data_dir).c_str(), &file_stat), 0);
  EXPECT_EQ(dir_stat.st_mode & 07777, 0750u);
  EXPECT_EQ(file_stat.st_mode & 07777, 0640u);
  EXPECT_EQ(trackd.TerminateAndWait(absl::Seconds(30)), 0);
}

TEST(ProcessTest, LogsHoldNoPersonalValueTokenOrCredential) {
  testing::TempDir work;
  const std::string token = "tok-4f9a1c77e2";
  {
    std::ofstream tokens(work.path() + "/tokens");
    tokens << "sha256:"
           << "0f2c0b8a2f1f9f1f0e5f0d3b2a1c9e8d7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c"
           << " unused\n";
  }
  // The real token's line, hashed by the shell the way an operator would.
  ASSERT_EQ(std::system(absl::StrCat("printf 'sha256:%s billing\\n' \"$(printf %s ", token,
                                     " | sha256sum | cut -d' ' -f1)\" >> ", work.path(), "/tokens")
                            .c_str()),
            0);
  std::ofstream(work.path() + "/auth-header") << "Authorization: Bearer upstream-secret-99\n";
  TrackdProcess trackd(
      work.path() + "/data", work.path(),
      {"--auth_tokens_file=" + work.path() + "/tokens", "--sink=http",
       // Nothing listens: failures. Credentials in the URL stay out of logs.
       "--http_url=http://ops:pw-77xq@127.0.0.1:1/track?api_key=key-55zz",
       "--http_auth_header_file=" + work.path() + "/auth-header", "--log_summary_interval=1s"});
  auto stub = v1::TrackService::NewStub(
      grpc::CreateChannel(trackd.target(), grpc::InsecureChannelCredentials()));
  // Every field the descriptors annotate personal gets addresses, a name, and a
  // marker of its own in values its rules refuse; a field annotated later is
  // covered without editing this test.
  const auto personal = DataClasses::ForTrackRequest().Personal();
  ASSERT_FALSE(personal.empty());
  std::vector<std::string> secrets = {"@example.",          "Secretname", "mark.wood", token,
                                      "upstream-secret-99", "pw-77xq",    "key-55zz"};
  std::vector<std::vector<std::string>> values = {{"mark.wood@example.com"},
                                                  {"zoe.secret@example.org"},
                                                  {"not an email@example.net"},
                                                  {"Zoë Secretname"}};
  for (const ClassifiedField* field : personal) {
    const std::string marker =
        absl::StrCat("pdmarker-", field->field->number(), "-", secrets.size());
    secrets.push_back(marker);
    values.push_back({field->proto_path, marker + "\xFF"});
    values.push_back({field->proto_path, marker + std::string(100000, 'p')});
  }
  int n = 0;
  for (const std::vector<std::string>& value : values) {
    for (const std::string& authorization : {"Bearer " + token, std::string("Bearer wrong")}) {
      grpc::ClientContext context;
      context.AddMetadata("authorization", authorization);
      v1::TrackRequest request = NumberedRequest(n++);
      for (const ClassifiedField* field : personal) {
        // One value in every personal field, or a refused one in a single field.
        if (value.size() == 1) testing::SetStringAtPath(request, field->proto_path, value[0]);
        if (value.size() == 2 && value[0] == field->proto_path) {
          testing::SetStringAtPath(request, field->proto_path, value[1]);
        }
      }
      v1::TrackResponse response;
      stub->Track(&context, request, &response);
    }
  }
  // Wait for a summary line (every second) and the upstream errors to be logged.
  EXPECT_TRUE(testing::WaitUntil(
      [&] {
        const std::string log = trackd.Log();
        return absl::StrContains(log, "\"msg\":\"summary\"") &&
               absl::StrContains(log, "upstream delivery failing");
      },
      absl::Seconds(30), "a summary line and an upstream failure in the log"));
  EXPECT_EQ(trackd.TerminateAndWait(absl::Seconds(15)), 0);
  const std::string log = trackd.Log();
  EXPECT_NE(log.find("\"msg\":\"serving\""), std::string::npos) << log;
  EXPECT_NE(log.find("\"auth\":\"bearer tokens\""), std::string::npos);
  EXPECT_NE(log.find("\"msg\":\"summary\""), std::string::npos);
  EXPECT_NE(log.find("upstream delivery failing"), std::string::npos);
  EXPECT_NE(log.find("http://(redacted)@127.0.0.1:1/track?(redacted)"), std::string::npos) << log;
  for (const std::string& secret : secrets) {
    EXPECT_EQ(log.find(secret), std::string::npos) << secret << " leaked into the log:\n" << log;
  }
}

// The policy in force is in the serving line; the key is not, nor its path.
TEST(ProcessTest, ServingLineNamesThePersonalDataPolicyButNotItsKey) {
  testing::TempDir work;
  const std::string key = "process-test-key-4d1f0c9a7e2b5a8c6f3e1d0b";
  const std::string key_file = work.path() + "/pd-key";
  std::ofstream(key_file) << key;
  ASSERT_EQ(chmod(key_file.c_str(), 0600), 0);
  TrackdProcess trackd(work.path() + "/data", work.path(),
                       {"--personal_data=hash", "--personal_data_key_file=" + key_file});
  EXPECT_EQ(trackd.TerminateAndWait(absl::Seconds(15)), 0);
  const std::string log = trackd.Log();
  EXPECT_NE(log.find("\"personal_data\":\"hash\""), std::string::npos) << log;
  EXPECT_EQ(log.find(key), std::string::npos) << "the key leaked into the log:\n" << log;
  EXPECT_EQ(log.find("pd-key"), std::string::npos) << log;
}

}  // namespace
}  // namespace trackd

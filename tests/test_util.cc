#include "tests/test_util.h"

#include <fcntl.h>
#include <openssl/sha.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"

#ifndef TRACKD_TESTDATA_DIR
#error "TRACKD_TESTDATA_DIR must be defined by the build"
#endif

namespace trackd::testing {
namespace {

// The one polling loop of the tests: calls `condition` until it returns true
// or `limit` has passed, sleeping 1 ms at first and up to 20 ms between calls
// (quick for fast conditions, light on the two shared cores for slow ones).
// Returns whether the condition held. Used by WaitUntil, which reports a
// timeout as a failure, and by helpers that report it their own way.
bool PollUntil(const std::function<bool()>& condition, absl::Duration limit) {
  const absl::Time give_up = absl::Now() + limit;
  absl::Duration pause = absl::Milliseconds(1);
  while (true) {
    if (condition()) return true;
    if (absl::Now() >= give_up) return false;
    absl::SleepFor(pause);
    pause = std::min(pause * 2, absl::Milliseconds(20));
  }
}

}  // namespace

std::string TokenFileLine(const std::string& token, const std::string& client) {
  unsigned char hash[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(token.data()), token.size(), hash);
  std::string hex;
  for (unsigned char c : hash) absl::StrAppend(&hex, absl::Hex(c, absl::kZeroPad2));
  return absl::StrCat("sha256:", hex, " ", client, "\n");
}

std::optional<google::rpc::RetryInfo> RetryInfoOf(const grpc::Status& status) {
  google::rpc::Status details;
  if (!details.ParseFromString(status.error_details())) return std::nullopt;
  google::rpc::RetryInfo info;
  for (const auto& any : details.details()) {
    if (any.UnpackTo(&info)) return info;
  }
  return std::nullopt;
}

std::vector<std::pair<std::string, std::string>> BadRequestOf(const grpc::Status& status) {
  std::vector<std::pair<std::string, std::string>> out;
  google::rpc::Status details;
  EXPECT_TRUE(details.ParseFromString(status.error_details()));
  EXPECT_EQ(details.code(), status.error_code());
  for (const auto& any : details.details()) {
    google::rpc::BadRequest bad_request;
    if (!any.UnpackTo(&bad_request)) continue;
    for (const auto& v : bad_request.field_violations())
      out.emplace_back(v.field(), v.description());
  }
  return out;
}

absl::Time SeedTime() { return absl::FromUnixMillis(1698885008276); }
absl::Time TestNow() { return SeedTime() + absl::Hours(24); }

v1::TrackRequest SeedRequest() {
  v1::TrackRequest request;
  request.set_message_id("seed-message-1");
  request.set_user_id("766b3aef-5904-46fe-af05-a293fee8h345");
  request.set_group_id("47464e5b-4727-11ee-aeb6-fefbf8354ds3");
  request.mutable_timestamp()->set_seconds(1698885008);
  request.mutable_timestamp()->set_nanos(276000000);
  auto* props = request.mutable_account_added_user();
  props->set_user_name("Mark Wood");
  props->set_user_email("mark.wood@example.com");
  props->set_user_role("Developer");
  return request;
}

std::string ReadTestData(const std::string& name) {
  std::ifstream in(std::string(TRACKD_TESTDATA_DIR) + "/" + name);
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

std::string MinifyJson(const std::string& json) {
  std::string out;
  bool in_string = false;
  for (size_t i = 0; i < json.size(); ++i) {
    const char c = json[i];
    if (in_string) {
      out.push_back(c);
      if (c == '\\' && i + 1 < json.size()) {
        out.push_back(json[++i]);
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
      out.push_back(c);
    } else if (c != ' ' && c != '\n' && c != '\t' && c != '\r') {
      out.push_back(c);
    }
  }
  return out;
}

Subprocess::Subprocess(const std::vector<std::string>& argv, const std::string& log_path) {
  pid_ = fork();
  if (pid_ == 0) {
    // A test that aborts must not leave its server running.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    const int log = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    ::dup2(log, STDOUT_FILENO);
    ::dup2(log, STDERR_FILENO);
    ::execvp(args[0], args.data());
    _exit(127);
  }
}

Subprocess::~Subprocess() {
  if (pid_ > 0) SignalAndWait(SIGKILL, absl::Seconds(10));
}

int Subprocess::SignalAndWait(int signal, absl::Duration limit) {
  if (pid_ <= 0) return -1;
  ::kill(pid_, signal);
  int exit_status = -1;
  PollUntil(
      [&] {
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) != pid_) return false;
        exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        return true;
      },
      limit);
  if (exit_status >= 0) pid_ = -1;
  return exit_status;
}

bool Subprocess::Exited() {
  if (pid_ <= 0) return true;
  int status = 0;
  if (::waitpid(pid_, &status, WNOHANG) != pid_) return false;
  pid_ = -1;
  return true;
}

::testing::AssertionResult WaitUntil(const std::function<bool()>& condition, absl::Duration limit,
                                     absl::string_view what) {
  if (PollUntil(condition, limit)) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "gave up after " << absl::FormatDuration(limit) << " waiting for " << what;
}

CommandResult RunCommand(const std::string& command) {
  // A later "<" in `command` overrides this one.
  FILE* pipe = popen(absl::StrCat("exec </dev/null; ", command, " 2>&1").c_str(), "r");
  CommandResult result{-1, ""};
  if (pipe == nullptr) return result;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), pipe)) > 0) result.output.append(buf, n);
  const int status = pclose(pipe);
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  return result;
}

int WaitForPortFile(const std::string& path, absl::Duration limit) {
  int port = 0;
  PollUntil(
      [&] {
        std::ifstream in(path);
        return in >> port && port > 0;
      },
      limit);
  return port > 0 ? port : 0;
}

TempDir::TempDir() {
  static std::atomic<int> counter{0};
  const char* base = std::getenv("TEST_TMPDIR");
  path_ = absl::StrCat(base != nullptr ? base : std::filesystem::temp_directory_path().string(),
                       "/trackd-test-", ::getpid(), "-", counter++);
  std::filesystem::remove_all(path_);
  std::filesystem::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

namespace {

class FaultInjectingFile final : public AppendableFile {
 public:
  FaultInjectingFile(std::unique_ptr<AppendableFile> real, FaultInjectingFileSystem& fs,
                     std::string path)
      : real_(std::move(real)), fs_(fs), path_(std::move(path)) {}

  // Messages as PosixFileSystem writes them: operation, path, errno text.
  absl::Status Append(absl::string_view data) override {
    if (fs_.fail_append || fs_.disk_full) {
      return absl::UnavailableError("injected: write " + path_ + ": No space left on device");
    }
    if (fs_.fail_append_after.load() >= 0 && fs_.fail_append_after.fetch_sub(1) == 0) {
      return absl::UnavailableError("injected: write " + path_ + ": Input/output error");
    }
    if (fs_.tear_append) {
      real_->Append(data.substr(0, data.size() / 2)).IgnoreError();
      return absl::UnavailableError("injected: no space left on device after a partial write");
    }
    return real_->Append(data);
  }
  absl::Status Sync() override {
    if (fs_.block_sync) {
      if (!fs_.sync_blocked_once.exchange(true)) fs_.sync_blocked.Notify();
      fs_.release_sync.WaitForNotification();
    }
    if (fs_.fail_sync || fs_.fail_file_sync) {
      return absl::UnavailableError("injected: fdatasync " + path_ + ": Input/output error");
    }
    ++fs_.syncs;
    return real_->Sync();
  }
  absl::Status Truncate(uint64_t size) override {
    if (fs_.fail_truncate) {
      return absl::UnavailableError("injected: ftruncate " + path_ + ": Input/output error");
    }
    return real_->Truncate(size);
  }

 private:
  std::unique_ptr<AppendableFile> real_;
  FaultInjectingFileSystem& fs_;
  const std::string path_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<AppendableFile>> FaultInjectingFileSystem::OpenForAppend(
    const std::string& path) {
  if (fail_open || disk_full) {
    return absl::UnavailableError("injected: open " + path + " failed (ENOSPC)");
  }
  if (fail_open_after.load() >= 0 && fail_open_after.fetch_sub(1) == 0) {
    return absl::UnavailableError("injected: open " + path + " failed (EIO)");
  }
  auto real = real_.OpenForAppend(path);
  if (!real.ok()) return real.status();
  return std::make_unique<FaultInjectingFile>(std::move(*real), *this, path);
}

void SetStringAtPath(google::protobuf::Message& message, const std::string& proto_path,
                     const std::string& value) {
  google::protobuf::Message* at = &message;
  const std::vector<std::string> parts = absl::StrSplit(proto_path, '.');
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    at = at->GetReflection()->MutableMessage(at, at->GetDescriptor()->FindFieldByName(parts[i]));
  }
  at->GetReflection()->SetString(at, at->GetDescriptor()->FindFieldByName(parts.back()), value);
}

}  // namespace trackd::testing

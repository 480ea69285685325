// Shared helpers for trackd's tests: the seed sample as a TrackRequest, a
// temporary directory, a file system that fails on command, a JSON minifier,
// and WaitUntil, the one way a test waits for something (with a deadline). A
// real server for a test: test_server.h.
#ifndef TRACKD_TESTS_TEST_UTIL_H_
#define TRACKD_TESTS_TEST_UTIL_H_

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "google/rpc/error_details.pb.h"
#include "grpcpp/support/status.h"
#include "gtest/gtest.h"
#include "server/file_system.h"
#include "trackd/v1/track.pb.h"

namespace trackd::testing {

// The seed's second sample (../shared/seed/account_added_user.md) as a request.
v1::TrackRequest SeedRequest();
// 2023-11-02T00:30:08.276Z, the seed sample's timestamp.
absl::Time SeedTime();
// A clock a day after the seed time, so the seed passes the timestamp rule.
absl::Time TestNow();

// A line of an --auth_tokens_file for `token`: "sha256:<hex> <client>\n".
std::string TokenFileLine(const std::string& token, const std::string& client);

// The violations of the google.rpc.BadRequest detail of a gRPC status, as
// (field, description) pairs, in order.
std::vector<std::pair<std::string, std::string>> BadRequestOf(const grpc::Status& status);

// The google.rpc.RetryInfo detail of a gRPC status, if it carries one.
std::optional<google::rpc::RetryInfo> RetryInfoOf(const grpc::Status& status);

// Reads tests/testdata/<name>.
std::string ReadTestData(const std::string& name);
// Removes whitespace outside JSON strings: the one-line form of a pretty sample.
std::string MinifyJson(const std::string& json);

// A child process started with argv, its stdout and stderr appended to a log
// file. Killed (SIGKILL) on destruction if still running, and when the thread
// that started it ends (PR_SET_PDEATHSIG), so a test that aborts leaves no
// server behind: start it from the test's own thread.
class Subprocess {
 public:
  Subprocess(const std::vector<std::string>& argv, const std::string& log_path);
  ~Subprocess();
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  // Sends `signal` and waits up to `limit` for the exit. Returns the exit
  // status (128 + signal number when killed), or -1 when it did not exit.
  int SignalAndWait(int signal, absl::Duration limit);
  bool running() const { return pid_ > 0; }
  // Returns true once the child has exited (and reaps it), false while it runs.
  bool Exited();

 private:
  int pid_ = -1;
};

// Calls `condition` until it returns true or `limit` has passed. Returns
// success as soon as it does; a timeout is a failure that names `what` and the
// limit, so a wait that never ends fails loudly instead of hanging or passing
// silently: check it (ASSERT_TRUE / EXPECT_TRUE). The limit is a safety net,
// never a figure a test measures: set it far beyond the expected wait.
[[nodiscard]] ::testing::AssertionResult WaitUntil(const std::function<bool()>& condition,
                                                   absl::Duration limit,
                                                   absl::string_view what = "the condition");

// What a shell command came to: its exit status (-1 when it did not exit) and its stdout
// and stderr, as it printed them.
struct CommandResult {
  int exit_code;
  std::string output;
};

// Runs `command` with /bin/sh to its end, stderr into stdout; stdin is /dev/null unless the
// command redirects it.
CommandResult RunCommand(const std::string& command);

// Reads a port number written by a child into `path`, waiting up to `limit`.
// Returns 0 if none appeared.
int WaitForPortFile(const std::string& path, absl::Duration limit);

// A fresh directory under the test's temporary directory, removed on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// The real file system with switches that make the next operations fail, as
// leveldb's SpecialEnv does. Thread-safe.
class FaultInjectingFileSystem final : public FileSystem {
 public:
  std::atomic<bool> fail_sync{false};  // Every Sync fails with EIO-like UNAVAILABLE.
  // Every Sync of an open file fails, while WriteFileAtomically still works.
  std::atomic<bool> fail_file_sync{false};
  std::atomic<bool> fail_append{false};  // Every Append fails as with ENOSPC.
  // Every Append writes only the first half of its data, then fails as with
  // ENOSPC: a partial write.
  std::atomic<bool> tear_append{false};
  std::atomic<bool> fail_open{false};      // Every OpenForAppend fails (nothing is created).
  std::atomic<bool> fail_sync_dir{false};  // Every SyncDir fails.
  std::atomic<bool> fail_truncate{false};  // Every Truncate fails.
  std::atomic<bool> fail_delete{false};    // Every DeleteFile fails (the file stays).
  std::atomic<bool> fail_write_atomically{
      false};  // Every WriteFileAtomically fails (old content stays).
  // A full disk: Append, OpenForAppend and WriteFileAtomically fail as with
  // ENOSPC; reads, syncs, truncates and deletes still work.
  std::atomic<bool> disk_full{false};
  // When >= 0, the OpenForAppend after this many more succeeds fails (then -1).
  std::atomic<int> fail_open_after{-1};
  // When >= 0, the Append after this many more succeeds fails (then -1): 1
  // fails the .ids write of the event log's next batch, its .ndjson write done.
  std::atomic<int> fail_append_after{-1};
  std::atomic<int> syncs{0};  // Successful syncs so far.
  // When set, Sync notifies `sync_blocked` (once) and blocks until
  // `release_sync` is notified.
  std::atomic<bool> block_sync{false};
  absl::Notification sync_blocked;
  absl::Notification release_sync;
  std::atomic<bool> sync_blocked_once{false};

  absl::StatusOr<std::unique_ptr<AppendableFile>> OpenForAppend(const std::string& path) override;
  absl::StatusOr<std::string> ReadFile(const std::string& path) override {
    return real_.ReadFile(path);
  }
  absl::StatusOr<std::vector<std::string>> ListDir(const std::string& dir) override {
    return real_.ListDir(dir);
  }
  absl::Status CreateDirs(const std::string& dir) override { return real_.CreateDirs(dir); }
  absl::Status SyncDir(const std::string& dir) override {
    if (fail_sync_dir) return absl::UnavailableError("injected: fsync of " + dir + " failed (EIO)");
    return real_.SyncDir(dir);
  }
  absl::StatusOr<absl::Time> ModifiedTime(const std::string& path) override {
    return real_.ModifiedTime(path);
  }
  absl::StatusOr<std::string> ReadRange(const std::string& path, uint64_t offset,
                                        uint64_t max_bytes) override {
    return real_.ReadRange(path, offset, max_bytes);
  }
  absl::Status WriteFileAtomically(const std::string& path, absl::string_view content) override {
    if (fail_sync || fail_write_atomically) {
      return absl::UnavailableError("injected: writing " + path + " failed (EIO)");
    }
    if (disk_full)
      return absl::UnavailableError("injected: writing " + path + ": no space left on device");
    return real_.WriteFileAtomically(path, content);
  }
  absl::Status DeleteFile(const std::string& path) override {
    if (fail_delete) return absl::UnavailableError("injected: unlink " + path + " failed (EIO)");
    return real_.DeleteFile(path);
  }
  absl::StatusOr<uint64_t> FileSize(const std::string& path) override {
    return real_.FileSize(path);
  }

 private:
  PosixFileSystem real_;
};

// Sets the string field at `proto_path` ("account_added_user.user_email") of
// `message` through reflection, so a test can fill the fields DataClasses lists.
void SetStringAtPath(google::protobuf::Message& message, const std::string& proto_path,
                     const std::string& value);

}  // namespace trackd::testing

#endif  // TRACKD_TESTS_TEST_UTIL_H_

// The file operations the embedded log needs, behind an interface so tests can
// inject failures (a failing fsync, a full disk) into a real file system, in
// the manner of leveldb's Env. PosixFileSystem is the production one.
#ifndef TRACKD_SERVER_FILE_SYSTEM_H_
#define TRACKD_SERVER_FILE_SYSTEM_H_

#include <cstdint>
#include <memory>
#include <string>
#include "absl/strings/string_view.h"
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace trackd {

// A file open for appending. Not thread-safe; one owner writes to it.
class AppendableFile {
 public:
  virtual ~AppendableFile() = default;
  // Appends all of `data`. Returns UNAVAILABLE on an I/O error (for example ENOSPC).
  virtual absl::Status Append(absl::string_view data) = 0;
  // Makes everything appended so far durable (fdatasync). UNAVAILABLE on error.
  virtual absl::Status Sync() = 0;
  // Cuts the file to `size` bytes. UNAVAILABLE on error.
  virtual absl::Status Truncate(uint64_t size) = 0;
};

// Thread-safe: its methods keep no state of their own.
class FileSystem {
 public:
  virtual ~FileSystem() = default;
  // Opens `path` for appending, creating it (mode 0644) if missing.
  virtual absl::StatusOr<std::unique_ptr<AppendableFile>> OpenForAppend(
      const std::string& path) = 0;
  // Returns the whole content of `path`; NOT_FOUND if it does not exist.
  virtual absl::StatusOr<std::string> ReadFile(const std::string& path) = 0;
  // Returns the names (not paths) of the entries of `dir`, unsorted.
  virtual absl::StatusOr<std::vector<std::string>> ListDir(const std::string& dir) = 0;
  // Creates `dir` and its missing parents.
  virtual absl::Status CreateDirs(const std::string& dir) = 0;
  // Makes the entries of `dir` durable, so newly created files survive a crash.
  virtual absl::Status SyncDir(const std::string& dir) = 0;
  // Returns the last modification time of `path`.
  virtual absl::StatusOr<absl::Time> ModifiedTime(const std::string& path) = 0;
  // Returns up to `max_bytes` of `path` from `offset` (fewer at its end).
  virtual absl::StatusOr<std::string> ReadRange(const std::string& path, uint64_t offset,
                                                uint64_t max_bytes) = 0;
  // Replaces `path` with `content` durably: a temporary file is written,
  // fsynced and renamed over `path`, and the directory is synced.
  virtual absl::Status WriteFileAtomically(const std::string& path, absl::string_view content) = 0;
  // Removes `path`; OK when it is already gone.
  virtual absl::Status DeleteFile(const std::string& path) = 0;
  // Returns the size of `path`; NOT_FOUND if it does not exist.
  virtual absl::StatusOr<uint64_t> FileSize(const std::string& path) = 0;
};

// The real file system, through POSIX calls.
class PosixFileSystem final : public FileSystem {
 public:
  absl::StatusOr<std::unique_ptr<AppendableFile>> OpenForAppend(const std::string& path) override;
  absl::StatusOr<std::string> ReadFile(const std::string& path) override;
  absl::StatusOr<std::vector<std::string>> ListDir(const std::string& dir) override;
  absl::Status CreateDirs(const std::string& dir) override;
  absl::Status SyncDir(const std::string& dir) override;
  absl::StatusOr<absl::Time> ModifiedTime(const std::string& path) override;
  absl::StatusOr<std::string> ReadRange(const std::string& path, uint64_t offset,
                                        uint64_t max_bytes) override;
  absl::Status WriteFileAtomically(const std::string& path, absl::string_view content) override;
  absl::Status DeleteFile(const std::string& path) override;
  absl::StatusOr<uint64_t> FileSize(const std::string& path) override;
};

}  // namespace trackd

#endif  // TRACKD_SERVER_FILE_SYSTEM_H_

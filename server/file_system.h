// The file operations the embedded log needs, behind an interface so tests can
// inject failures (a failing fsync, a full disk) into a real file system, in
// the manner of leveldb's Env. PosixFileSystem is the production one.
//
// Every I/O error is UNAVAILABLE and its message names the operation, the
// path and the errno text ("fdatasync /data/segment-…ndjson: Input/output
// error"), so the one log line a fail-stop writes tells the operator which
// file and which error. Files and directories are created with the modes the
// file system was built with (PosixFileSystem: 0600 and 0700 by default; the
// events hold personal data), narrowed further by the process umask.
#ifndef TRACKD_SERVER_FILE_SYSTEM_H_
#define TRACKD_SERVER_FILE_SYSTEM_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
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
  // Opens `path` for appending, creating it (with the file mode) if missing.
  virtual absl::StatusOr<std::unique_ptr<AppendableFile>> OpenForAppend(
      const std::string& path) = 0;
  // Returns the whole content of `path`; NOT_FOUND if it does not exist.
  virtual absl::StatusOr<std::string> ReadFile(const std::string& path) = 0;
  // Returns the names (not paths) of the entries of `dir`, unsorted.
  virtual absl::StatusOr<std::vector<std::string>> ListDir(const std::string& dir) = 0;
  // Creates `dir` and its missing parents (with the directory mode). The mode
  // of a directory that already exists is left alone.
  virtual absl::Status CreateDirs(const std::string& dir) = 0;
  // Makes the entries of `dir` durable, so newly created files survive a crash.
  virtual absl::Status SyncDir(const std::string& dir) = 0;
  // Returns the last modification time of `path`.
  virtual absl::StatusOr<absl::Time> ModifiedTime(const std::string& path) = 0;
  // Returns up to `max_bytes` of `path` from `offset` (fewer at its end).
  virtual absl::StatusOr<std::string> ReadRange(const std::string& path, uint64_t offset,
                                                uint64_t max_bytes) = 0;
  // Replaces `path` with `content` durably: a temporary file (with the file
  // mode) is written, fsynced and renamed over `path`, and the directory is
  // synced.
  virtual absl::Status WriteFileAtomically(const std::string& path, absl::string_view content) = 0;
  // Removes `path`; OK when it is already gone.
  virtual absl::Status DeleteFile(const std::string& path) = 0;
  // Returns the size of `path`; NOT_FOUND if it does not exist.
  virtual absl::StatusOr<uint64_t> FileSize(const std::string& path) = 0;
};

// The permission bits of what PosixFileSystem creates.
struct FileModes {
  unsigned file = 0600;  // Segments, .ids, dead letters, the forward cursor.
  unsigned dir = 0700;   // The data directory and any parent it creates.

  // 0640 and 0750: for operators whose backup or log shipper reads as a group.
  static FileModes GroupReadable() { return {0640, 0750}; }
};

// The real file system, through POSIX calls.
class PosixFileSystem final : public FileSystem {
 public:
  explicit PosixFileSystem(FileModes modes = FileModes()) : modes_(modes) {}

  const FileModes& modes() const { return modes_; }

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

 private:
  const FileModes modes_;
};

}  // namespace trackd

#endif  // TRACKD_SERVER_FILE_SYSTEM_H_

#include "server/file_system.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "server/logging.h"

namespace trackd {
namespace {

absl::Status IoError(absl::string_view what, const std::string& path, int err) {
  return absl::UnavailableError(absl::StrCat(what, " ", path, ": ", std::strerror(err)));
}

class PosixAppendableFile final : public AppendableFile {
 public:
  PosixAppendableFile(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  ~PosixAppendableFile() override { ::close(fd_); }

  absl::Status Append(absl::string_view data) override {
    while (!data.empty()) {
      const ssize_t n = ::write(fd_, data.data(), data.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        return IoError("write", path_, errno);
      }
      data.remove_prefix(static_cast<size_t>(n));
    }
    return absl::OkStatus();
  }

  absl::Status Sync() override {
    if (::fdatasync(fd_) != 0) return IoError("fdatasync", path_, errno);
    return absl::OkStatus();
  }

  absl::Status Truncate(uint64_t size) override {
    if (::ftruncate(fd_, static_cast<off_t>(size)) != 0) return IoError("ftruncate", path_, errno);
    return absl::OkStatus();
  }

 private:
  const int fd_;
  const std::string path_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<AppendableFile>> PosixFileSystem::OpenForAppend(
    const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
                        static_cast<mode_t>(modes_.file));
  if (fd < 0) return IoError("open", path, errno);
  return std::make_unique<PosixAppendableFile>(fd, path);
}

absl::StatusOr<std::string> PosixFileSystem::ReadFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return absl::NotFoundError(absl::StrCat("no file ", path));
    return IoError("open", path, errno);
  }
  std::string content;
  char buf[1 << 16];
  while (true) {
    const ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      return IoError("read", path, err);
    }
    if (n == 0) break;
    content.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return content;
}

absl::StatusOr<std::vector<std::string>> PosixFileSystem::ListDir(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return IoError("opendir", dir, errno);
  std::vector<std::string> names;
  while (const dirent* entry = ::readdir(d)) {
    const absl::string_view name = entry->d_name;
    if (name != "." && name != "..") names.emplace_back(name);
  }
  ::closedir(d);
  return names;
}

absl::Status PosixFileSystem::CreateDirs(const std::string& dir) {
  // One mkdir per missing component, each with our mode (std::filesystem
  // would use 0777 less the umask).
  std::filesystem::path partial;
  bool created = false;
  for (const std::filesystem::path& part : std::filesystem::path(dir)) {
    partial /= part;
    if (part.empty()) continue;  // A trailing slash.
    created = ::mkdir(partial.c_str(), static_cast<mode_t>(modes_.dir)) == 0;
    if (!created && errno != EEXIST) {
      const int err = errno;
      struct stat existing;
      if (::stat(partial.c_str(), &existing) != 0 || !S_ISDIR(existing.st_mode)) {
        return IoError("mkdir", partial.string(), err);
      }
    }
  }
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0) return IoError("stat", dir, errno);
  if (!S_ISDIR(st.st_mode)) return IoError("mkdir", dir, ENOTDIR);
  const unsigned mode = st.st_mode & 07777;
  if (!created && (mode & ~modes_.dir & 0777) != 0) {
    // An operator's directory is theirs to set; say that it is wider than ours.
    Log(LogLevel::kWarning,
        "the data directory is readable by more users than trackd's own mode allows",
        {{"path", dir},
         {"mode", absl::StrFormat("%04o", mode)},
         {"wanted", absl::StrFormat("%04o", modes_.dir)}});
  }
  return absl::OkStatus();
}

absl::Status PosixFileSystem::SyncDir(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return IoError("open", dir, errno);
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) return IoError("fsync", dir, err);
  return absl::OkStatus();
}

absl::StatusOr<absl::Time> PosixFileSystem::ModifiedTime(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return IoError("stat", path, errno);
  return absl::TimeFromTimespec(st.st_mtim);
}

absl::StatusOr<std::string> PosixFileSystem::ReadRange(const std::string& path, uint64_t offset,
                                                       uint64_t max_bytes) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return absl::NotFoundError(absl::StrCat("no file ", path));
    return IoError("open", path, errno);
  }
  std::string content(max_bytes, '\0');
  size_t filled = 0;
  while (filled < max_bytes) {
    const ssize_t n = ::pread(fd, content.data() + filled, max_bytes - filled,
                              static_cast<off_t>(offset + filled));
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      return IoError("pread", path, err);
    }
    if (n == 0) break;
    filled += static_cast<size_t>(n);
  }
  ::close(fd);
  content.resize(filled);
  return content;
}

absl::Status PosixFileSystem::WriteFileAtomically(const std::string& path,
                                                  absl::string_view content) {
  const std::string temporary = path + ".tmp";
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
                        static_cast<mode_t>(modes_.file));
  if (fd < 0) return IoError("open", temporary, errno);
  PosixAppendableFile file(fd, temporary);  // Closes fd.
  if (auto s = file.Append(content); !s.ok()) return s;
  if (auto s = file.Sync(); !s.ok()) return s;
  if (::rename(temporary.c_str(), path.c_str()) != 0) return IoError("rename", temporary, errno);
  const std::string dir = std::filesystem::path(path).parent_path().string();
  return SyncDir(dir.empty() ? "." : dir);
}

absl::Status PosixFileSystem::DeleteFile(const std::string& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return IoError("unlink", path, errno);
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> PosixFileSystem::FileSize(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return absl::NotFoundError(absl::StrCat("no file ", path));
    return IoError("stat", path, errno);
  }
  return static_cast<uint64_t>(st.st_size);
}

}  // namespace trackd

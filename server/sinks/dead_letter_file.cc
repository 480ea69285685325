#include "server/sinks/dead_letter_file.h"

#include <filesystem>

namespace trackd {
namespace {

// Returns the length of the longest prefix of `path` (`size` bytes) that ends
// with a newline: where a torn last line begins. Reads backwards in chunks.
absl::StatusOr<uint64_t> WholeLinesEnd(FileSystem& fs, const std::string& path, uint64_t size) {
  constexpr uint64_t kChunk = 64 << 10;
  uint64_t end = size;
  while (end > 0) {
    const uint64_t start = end > kChunk ? end - kChunk : 0;
    auto chunk = fs.ReadRange(path, start, end - start);
    if (!chunk.ok()) return chunk.status();
    const size_t newline = chunk->rfind('\n');
    if (newline != std::string::npos) return start + newline + 1;
    end = start;
  }
  return 0;
}

}  // namespace

absl::StatusOr<std::unique_ptr<DeadLetterFile>> DeadLetterFile::Open(FileSystem& fs,
                                                                     const std::string& path) {
  auto file = fs.OpenForAppend(path);
  if (!file.ok()) return file.status();
  auto size = fs.FileSize(path);
  if (!size.ok()) return size.status();
  auto keep = WholeLinesEnd(fs, path, *size);
  if (!keep.ok()) return keep.status();
  if (*keep < *size) {
    // A crash during an append: those events were never recorded as dead
    // letters (the cursor did not move past them), so they are sent again.
    if (auto s = (*file)->Truncate(*keep); !s.ok()) return s;
  }
  if (auto s = (*file)->Sync(); !s.ok()) return s;
  // The file may have just been created: its directory entry must be durable
  // before anything in it counts as recorded.
  const std::string dir = std::filesystem::path(path).parent_path().string();
  if (auto s = fs.SyncDir(dir.empty() ? "." : dir); !s.ok()) return s;
  return std::unique_ptr<DeadLetterFile>(new DeadLetterFile(std::move(*file), *keep));
}

DeadLetterFile::~DeadLetterFile() {
  // Best effort: do not leave a line of a failed Write for the next Open to
  // treat as recorded. (Open cuts only a torn last line.)
  if (dirty_) file_->Truncate(durable_size_).IgnoreError();
}

absl::Status DeadLetterFile::CutBack(uint64_t size) {
  dirty_ = true;
  if (auto s = file_->Truncate(size); !s.ok()) return s;
  if (auto s = file_->Sync(); !s.ok()) return s;
  durable_size_ = size;
  dirty_ = false;
  return absl::OkStatus();
}

absl::Status DeadLetterFile::Write(absl::string_view lines) {
  if (dirty_) {
    if (auto s = file_->Truncate(durable_size_); !s.ok()) return s;
    dirty_ = false;
  }
  dirty_ = true;
  absl::Status status = file_->Append(lines);
  if (status.ok()) status = file_->Sync();
  if (!status.ok()) {
    if (file_->Truncate(durable_size_).ok()) dirty_ = false;
    return status;
  }
  dirty_ = false;
  durable_size_ += lines.size();
  return absl::OkStatus();
}

}  // namespace trackd

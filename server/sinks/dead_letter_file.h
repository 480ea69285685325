// DeadLetterFile: the NDJSON file of events the Track API refused for good.
//
// Every line in it is whole and written once. Open cuts a torn last line (a
// crash in the middle of an append) and syncs the directory, so the file's own
// entry survives a crash. Write appends whole lines and fsyncs them; when
// either fails, the file is cut back to its last durable size before anything
// else is written, so retrying the same lines leaves neither a torn line that
// would merge with the next one nor a second copy. Cutting back and rewriting
// (rather than trusting a later fsync) also means pages a failed fdatasync may
// have dropped are written again.
#ifndef TRACKD_SERVER_SINKS_DEAD_LETTER_FILE_H_
#define TRACKD_SERVER_SINKS_DEAD_LETTER_FILE_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/file_system.h"

namespace trackd {

// Not thread-safe: the forwarder's delivery thread owns it.
class DeadLetterFile {
 public:
  // Opens `path`, creating it if missing; cuts a torn last line; syncs the
  // file and its directory. UNAVAILABLE on I/O errors (nothing is cut then).
  static absl::StatusOr<std::unique_ptr<DeadLetterFile>> Open(FileSystem& fs,
                                                              const std::string& path);
  ~DeadLetterFile();

  // Appends `lines` (whole lines, each ending in '\n') and makes them durable.
  // OK means they are in the file exactly once. On error (UNAVAILABLE) none of
  // them counts as written and the file is cut back (now, or before the next
  // Write if cutting fails too), so the caller retries with the same lines.
  absl::Status Write(absl::string_view lines);

  // Cuts the file back to `size` bytes and syncs: undoes lines whose
  // recording a crash interrupted. UNAVAILABLE on error.
  absl::Status CutBack(uint64_t size);

  // Bytes known to be durable and whole.
  uint64_t durable_size() const { return durable_size_; }

 private:
  DeadLetterFile(std::unique_ptr<AppendableFile> file, uint64_t size)
      : file_(std::move(file)), durable_size_(size) {}

  std::unique_ptr<AppendableFile> file_;
  uint64_t durable_size_;
  bool dirty_ = false;  // Bytes past durable_size_ may be in the file.
};

}  // namespace trackd

#endif  // TRACKD_SERVER_SINKS_DEAD_LETTER_FILE_H_

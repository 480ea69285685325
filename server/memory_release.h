// MemoryReleaser: hands the allocator's free memory back to the system once
// a second.
//
// Allocators keep freed memory for reuse and return it late or never: with
// tcmalloc, after 4 M events through TrackBatch, 25 of its 28 MiB were free and
// none returned, all of it counted in the process's RSS; jemalloc (the
// allocator trackd links, see TRACKD_MALLOC) returns dirty pages after about
// ten seconds. A release is an madvise over the free pages, a few milliseconds
// at most; the pages a later allocation faults back in cost about as much, a
// fraction of a percent of one core. It purges jemalloc's arenas, releases
// tcmalloc's free spans, or trims glibc's heap (malloc_trim).
#ifndef TRACKD_SERVER_MEMORY_RELEASE_H_
#define TRACKD_SERVER_MEMORY_RELEASE_H_

#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace trackd {

// Returns the allocator's free memory to the system now.
void ReleaseFreeMemory();

// Calls ReleaseFreeMemory every `interval` on its own thread until destroyed.
class MemoryReleaser {
 public:
  explicit MemoryReleaser(absl::Duration interval = absl::Seconds(1));
  ~MemoryReleaser();
  MemoryReleaser(const MemoryReleaser&) = delete;
  MemoryReleaser& operator=(const MemoryReleaser&) = delete;

 private:
  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace trackd

#endif  // TRACKD_SERVER_MEMORY_RELEASE_H_

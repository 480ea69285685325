#include "server/memory_release.h"

#include <malloc.h>

#if defined(TRACKD_MALLOC_TCMALLOC)
#include <gperftools/malloc_extension_c.h>
#elif defined(TRACKD_MALLOC_JEMALLOC)
#include <jemalloc/jemalloc.h>
#endif

namespace trackd {

void ReleaseFreeMemory() {
#if defined(TRACKD_MALLOC_TCMALLOC)
  MallocExtension_ReleaseFreeMemory();
#elif defined(TRACKD_MALLOC_JEMALLOC)
  // Its own decay would return them within about ten seconds; this is now.
  mallctl("arena.4096.purge", nullptr, nullptr, nullptr, 0);  // 4096: MALLCTL_ARENAS_ALL.
#else
  malloc_trim(0);
#endif
}

MemoryReleaser::MemoryReleaser(absl::Duration interval) {
  thread_ = std::thread([this, interval] {
    absl::MutexLock lock(&mu_);
    while (!mu_.AwaitWithTimeout(absl::Condition(&stopping_), interval)) {
      mu_.Unlock();
      ReleaseFreeMemory();
      mu_.Lock();
    }
  });
}

MemoryReleaser::~MemoryReleaser() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  thread_.join();
}

}  // namespace trackd

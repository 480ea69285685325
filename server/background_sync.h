// BackgroundSync: runs one AppendableFile::Sync at a time on its own thread,
// so the event log can fdatasync its .ndjson and .ids files in parallel
// instead of one after the other (each fsync waits for the disk).
#ifndef TRACKD_SERVER_BACKGROUND_SYNC_H_
#define TRACKD_SERVER_BACKGROUND_SYNC_H_

#include <condition_variable>
#include <mutex>
#include <thread>

#include "absl/status/status.h"
#include "server/file_system.h"

namespace trackd {

// Start and Wait must alternate, from one thread.
class BackgroundSync {
 public:
  BackgroundSync() : thread_([this] { Run(); }) {}
  ~BackgroundSync() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    changed_.notify_all();
    thread_.join();
  }
  BackgroundSync(const BackgroundSync&) = delete;
  BackgroundSync& operator=(const BackgroundSync&) = delete;

  // Starts `file->Sync()` on the background thread. `file` must live until Wait.
  void Start(AppendableFile* file) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      file_ = file;
      done_ = false;
    }
    changed_.notify_all();
  }

  // Returns the result of the sync Start began.
  absl::Status Wait() {
    std::unique_lock<std::mutex> lock(mu_);
    changed_.wait(lock, [this] { return done_; });
    return result_;
  }

 private:
  void Run() {
    std::unique_lock<std::mutex> lock(mu_);
    while (true) {
      changed_.wait(lock, [this] { return stopping_ || file_ != nullptr; });
      if (file_ == nullptr) return;  // Stopping with nothing to do.
      AppendableFile* file = file_;
      file_ = nullptr;
      lock.unlock();
      absl::Status result = file->Sync();
      lock.lock();
      result_ = std::move(result);
      done_ = true;
      changed_.notify_all();
    }
  }

  std::mutex mu_;
  std::condition_variable changed_;
  AppendableFile* file_ = nullptr;
  bool done_ = true;
  bool stopping_ = false;
  absl::Status result_;
  std::thread thread_;  // Last: starts after the fields above exist.
};

}  // namespace trackd

#endif  // TRACKD_SERVER_BACKGROUND_SYNC_H_

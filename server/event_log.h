// EventLog: the embedded, durable log of documented JSON events.
//
// On disk, under one directory, a sequence of segments. Segment N is a pair:
//   segment-<N>.ndjson  one documented JSON object per line, nothing else;
//   segment-<N>.ids     "<stored unix ms> <message_id>" per line, line k
//                       belonging to line k of the .ndjson file.
// log_format.h owns the names, the line formats and how lines are read back.
// Keeping the ids beside the data lets deduplication survive a restart without
// putting anything into the documented JSON.
//
// Append writes both files and fdatasyncs both before it returns, so a caller
// acknowledges only durable events; the pipeline calls it once for many events
// (group commit).
//
// Fail-stop: after any I/O error in a write, an fdatasync, the rollback of a
// failed batch, or a rotation (opening the next segment's files, syncing the
// directory), the log stops for good: the failing Append and every later one
// return UNAVAILABLE naming the original error, the error is logged once (one
// JSON line with the operation, file and errno text) and the failure observer
// is told. Linux may drop the dirty pages of a failed fsync and report success
// on the next one, so retrying in place could acknowledge data that is not on
// disk. The failed batch is cut away (best effort, not synced): it was never
// acknowledged, and after a restart it may be present or not. A failed
// rotation removes the files it created (best effort). Only a restart (Open)
// brings the log back.
//
// Open recovers from a crash or a stop: it cuts the newest segment back to its
// longest prefix of complete, well-formed line pairs (a data line without its
// id line is cut, and an id line without its data line, so deduplication never
// answers `duplicate` for an event that was not stored); while the segment it
// repaired holds no event (a rotation that failed or crashed half-way, a lone
// .ndjson or .ids file), it repairs the segment below it too, which then may
// hold the unsynced tail. Every acknowledged event is present exactly once.
//
// One writer thread owns Append; the methods marked thread-safe may be called
// by readers (the HTTP forwarder, health and metrics) on other threads.
#ifndef TRACKD_SERVER_EVENT_LOG_H_
#define TRACKD_SERVER_EVENT_LOG_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "server/background_sync.h"
#include "server/file_system.h"
#include "server/record.h"

namespace trackd {

struct EventLogOptions {
  // The directory of the segments; created if missing.
  std::string dir = "./data";
  // A segment is closed and a new one started once its .ndjson file reaches
  // this many bytes.
  uint64_t segment_bytes = 64 << 20;
};

// A message_id read back from the log, with the time it was stored.
struct StoredId {
  std::string message_id;
  absl::Time stored_at;
};

// A position in the log: a segment and byte offsets in its two files.
struct LogPosition {
  uint64_t segment = 0;
  uint64_t data_bytes = 0;
  uint64_t ids_bytes = 0;

  friend bool operator==(const LogPosition&, const LogPosition&) = default;
};

// What Open found and repaired.
struct RecoveryReport {
  int segments = 0;
  uint64_t events_in_last_segment = 0;
  // Torn or unpaired tails cut, summed over the repaired segments.
  uint64_t truncated_data_bytes = 0;
  uint64_t truncated_ids_bytes = 0;
  int repaired_segments = 0;  // Segments checked line by line (the newest, and below it).
};

class EventLog {
 public:
  // Opens (creating if needed) the log in options.dir and recovers it (see
  // above). `fs` must outlive the log. Returns UNAVAILABLE on I/O errors.
  static absl::StatusOr<std::unique_ptr<EventLog>> Open(FileSystem& fs, EventLogOptions options);

  // Appends `records` in order and makes them durable. `now` is stored with each
  // message_id. On an I/O error the log stops (see above) and returns
  // UNAVAILABLE: none of the records was acknowledged. Once stopped, returns
  // that UNAVAILABLE at once, without touching the disk. OK means durable,
  // also when the rotation after it fails (the log is stopped then as well).
  absl::Status Append(absl::Span<const Record> records, absl::Time now);

  // Thread-safe. OK while the log takes writes; once it stopped, the
  // UNAVAILABLE error every later Append returns.
  absl::Status Failure() const;

  // Called once, on the writer thread, when the log stops, with the error of
  // Failure(). Set before the first Append; must not block or call Append.
  void set_failure_observer(std::function<void(const absl::Status&)> observer) {
    failure_observer_ = std::move(observer);
  }

  // Returns the ids stored at or after `since`, oldest first.
  absl::StatusOr<std::vector<StoredId>> ReadIdsSince(absl::Time since);

  const RecoveryReport& recovery_report() const { return recovery_; }

  // Called after each append with how long its fsyncs took (for metrics). Set
  // before the first Append; must be thread-compatible with the writer.
  void set_sync_observer(std::function<void(absl::Duration)> observer) {
    sync_observer_ = std::move(observer);
  }

  // Thread-safe. The end of the durable part of the log: readers may read the
  // open segment up to it, and every lower segment whole.
  LogPosition DurableEnd() const;

  // Thread-safe. Waits until the durable end differs from `seen` or `timeout`
  // passes, and returns the durable end.
  LogPosition WaitForMore(const LogPosition& seen, absl::Duration timeout) const;

  // Thread-safe. Deletes the .ndjson file of segment `number`, which must be
  // below the open segment, once every event in it was delivered elsewhere (the
  // log as a spool). Its .ids file stays, for deduplication after a restart.
  absl::Status ReleaseSegment(uint64_t number);

  // Thread-safe. Deletes the .ids files of released segments last written
  // before `before` (older than the dedupe window).
  void PruneReleasedIds(absl::Time before);

  // Thread-safe. The bytes of .ndjson files on disk.
  uint64_t DiskBytes() const { return disk_bytes_.load(std::memory_order_relaxed); }

  // The directory of the segments (options.dir).
  const std::string& dir() const { return options_.dir; }

  std::string DataPath(uint64_t number) const;
  std::string IdsPath(uint64_t number) const;

  // The lowest segment whose .ndjson file existed at Open (or the open one).
  uint64_t FirstDataSegment() const { return first_data_segment_; }

 private:
  EventLog(FileSystem& fs, EventLogOptions options) : fs_(fs), options_(std::move(options)) {}

  // What RepairSegment kept.
  struct Repaired {
    uint64_t events = 0;
    uint64_t data_bytes = 0;
    uint64_t ids_bytes = 0;
  };

  absl::Status Recover(const std::vector<uint64_t>& segment_numbers);
  // Cuts segment `number` back to its complete line pairs.
  absl::StatusOr<Repaired> RepairSegment(uint64_t number);
  absl::Status OpenSegment(uint64_t number, uint64_t data_size, uint64_t ids_size);
  // Creates the next segment's pair and syncs the directory. On error removes
  // what it created (best effort), sets `failed_path` to the file (or the
  // directory) whose operation failed, and returns that error.
  absl::Status StartNextSegment(std::string* failed_path);
  // Cuts both open files back to their durable sizes.
  absl::Status RollBack();
  // Stops the log for good after `error` from `operation` on `path`; logs
  // once, tells the observer and returns the error every later Append gets.
  absl::Status Stop(absl::string_view operation, const std::string& path, const absl::Status& error,
                    const absl::Status& rollback);
  void PublishDurableEnd();

  FileSystem& fs_;
  const EventLogOptions options_;
  std::vector<uint64_t> segments_;  // Ascending; the last one is open.
  std::unique_ptr<AppendableFile> data_file_;
  std::unique_ptr<AppendableFile> ids_file_;
  uint64_t data_size_ = 0;  // Bytes durable in the open segment's .ndjson file.
  uint64_t ids_size_ = 0;
  RecoveryReport recovery_;
  std::string data_buffer_;  // Reused across appends.
  std::string ids_buffer_;
  std::atomic<uint64_t> disk_bytes_{0};
  uint64_t first_data_segment_ = 1;
  BackgroundSync ids_sync_;
  // BackgroundSync above fdatasyncs the .ids file while Append syncs the .ndjson file.
  std::function<void(absl::Duration)> sync_observer_;
  std::function<void(const absl::Status&)> failure_observer_;

  mutable absl::Mutex failure_mu_;
  absl::Status failure_ ABSL_GUARDED_BY(failure_mu_);
  std::atomic<bool> failed_{false};  // Set once failure_ is.

  mutable absl::Mutex end_mu_;
  mutable absl::CondVar end_changed_;
  LogPosition durable_end_ ABSL_GUARDED_BY(end_mu_);
};

}  // namespace trackd

#endif  // TRACKD_SERVER_EVENT_LOG_H_

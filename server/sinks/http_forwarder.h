// HttpForwarder: delivers the events of the spool (the event log) to the HTTP
// Track API in log order, and records durably how far it got.
//
// Events are acknowledged to callers once they are in the spool; this thread
// then POSTs each one (or a JSON array of up to `batch`) to the URL, with
// Idempotency-Key set to the message_id (of the batch's first event). 2xx moves
// on. 5xx, 408, 429, timeouts and connection errors are retried with
// exponential backoff and jitter, honouring Retry-After, for as long as it
// takes. Any other status is permanent: the events go to the dead-letter
// NDJSON file (see DeadLetterFile) with the status and response body, and
// delivery moves on once they are durably there; a failed write is retried
// without POSTing again, so each refusal is recorded once.
//
// The cursor file records the next undelivered event. It is saved every
// cursor_save_interval (a crash re-sends at most that tail, which a receiver
// deduplicates by Idempotency-Key), before and after a dead letter (so a crash
// neither loses nor repeats its lines; see ForwardCursor::dead_letter) and, for
// batches of several events, before each send, so a re-sent batch has the same
// boundaries and key. A delivered segment's .ndjson file is released only once the saved
// cursor is past it. Saving and releasing are retried with backoff until they
// succeed (a full disk empties again); meanwhile delivery goes on. The backlog
// is what lies beyond the *saved* cursor, so it is the same after a restart.
#ifndef TRACKD_SERVER_SINKS_HTTP_FORWARDER_H_
#define TRACKD_SERVER_SINKS_HTTP_FORWARDER_H_

#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "absl/random/random.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/event_log.h"
#include "server/file_system.h"
#include "server/sinks/dead_letter_file.h"
#include "server/sinks/forward_cursor.h"
#include "server/sinks/http_poster.h"
#include "server/sinks/spool_reader.h"
#include "trackd/common/clock.h"

namespace trackd {

struct HttpForwarderOptions {
  HttpPosterOptions http;
  // Events per request: 1 sends the JSON object itself; more sends an array.
  int batch = 1;
  // An extra header such as "Authorization: Bearer …"; never logged.
  std::string auth_header;
  std::string cursor_path;       // Where the cursor is stored.
  std::string dead_letter_path;  // NDJSON of permanently refused events.
  absl::Duration initial_backoff = absl::Milliseconds(100);
  absl::Duration max_backoff = absl::Seconds(30);
  absl::Duration max_retry_after = absl::Minutes(5);
  absl::Duration cursor_save_interval = absl::Milliseconds(200);
  // Released segments' ids older than this are deleted (the dedupe window).
  absl::Duration ids_retention = absl::Hours(24);
  // The time of day, for dead-letter stamps, ages, Retry-After dates, and the
  // waits between retries (which end early on Stop). Must outlive the forwarder.
  Clock* clock = &Clock::Real();
};

struct ForwarderStats {
  uint64_t delivered = 0;        // Events the upstream accepted.
  uint64_t dead_lettered = 0;    // Events it refused for good.
  uint64_t retries = 0;          // Failed attempts that were retried.
  bool upstream_healthy = true;  // False from a failed attempt until the next success.
  std::string last_error;        // The last failed attempt, e.g. "HTTP 503".
  // Local bookkeeping: saving the cursor, releasing delivered segments and
  // writing dead letters. Failures are retried with backoff until they succeed.
  uint64_t storage_retries = 0;  // Failed attempts so far.
  bool storage_healthy = true;   // False from a failure until the next success.
  std::string last_storage_error;
  uint64_t backlog_bytes = 0;  // BacklogBytes() when the stats were taken.
};

// Thread-safe.
class HttpForwarder {
 public:
  // Loads the cursor (or starts at the oldest event of the log) and starts the
  // delivery thread. `log` and `fs` must outlive the forwarder.
  static absl::StatusOr<std::unique_ptr<HttpForwarder>> Start(EventLog& log, FileSystem& fs,
                                                              HttpForwarderOptions options);
  ~HttpForwarder();

  // Stops after the attempt under way (aborting its transfer) and saves the
  // cursor. Undelivered events stay in the spool for the next start.
  void Stop();

  ForwarderStats stats() const;

  // Bytes of the spool's .ndjson files beyond the saved cursor: what is on
  // disk less the segments and the head of the segment the saved cursor has
  // passed. Events delivered since the last save still count (a restart would
  // send them again), so after a restart the figure is the same.
  uint64_t BacklogBytes() const;

  // How long the oldest undelivered event has waited; zero when none waits.
  absl::Duration OldestUndeliveredAge() const;

 private:
  HttpForwarder(EventLog& log, FileSystem& fs, HttpForwarderOptions options, ForwardCursor cursor,
                std::map<uint64_t, uint64_t> unreleased,
                std::unique_ptr<DeadLetterFile> dead_letter);

  void Run();
  // Sends `batch` until it is delivered or dead-lettered (true), or stopping (false).
  bool Deliver(const SpoolBatch& batch);
  // Records `batch` in the dead-letter file, retrying the write (never the
  // POST) until it succeeds (true) or stopping (false).
  bool DeadLetter(const SpoolBatch& batch, const HttpResult& result);
  absl::Status SaveCursor();
  // When due and not backing off: saves the cursor, then releases the
  // segments the saved cursor has passed. A failure is retried later.
  void MakeProgressDurable();
  // Publishes the delivered bytes still on disk, leaving out `skip`.
  void PublishDelivered(std::optional<uint64_t> skip = std::nullopt);
  // The wait before retry `attempt` (0-based): exponential, capped, jittered.
  absl::Duration Backoff(int attempt);
  // Sleeps for `duration` unless Stop comes first; returns false when stopping.
  bool Sleep(absl::Duration duration);
  void NoteFailure(const std::string& error);
  void NoteSuccess(size_t events);
  void NoteStorageFailure(const std::string& error);
  void NoteStorageSuccess();

  EventLog& log_;
  FileSystem& fs_;
  const HttpForwarderOptions options_;
  HttpPoster poster_;
  std::unique_ptr<DeadLetterFile> dead_letter_;
  absl::BitGen jitter_;
  // Owned by the delivery thread:
  ForwardCursor cursor_;
  ForwardCursor saved_cursor_;  // What the cursor file holds.
  // Sizes of the .ndjson files below cursor_.next.segment not yet released.
  std::map<uint64_t, uint64_t> unreleased_;
  bool save_now_ = false;  // Save without waiting for the interval.
  absl::Time last_save_;
  absl::Time failing_since_;
  absl::Time storage_failing_since_;
  int storage_attempt_ = 0;  // Consecutive failed bookkeeping attempts.
  absl::Time storage_retry_at_ = absl::InfinitePast();

  std::atomic<bool> stopping_{false};
  // The delivered bytes still on disk as far as the saved cursor says: the
  // unreleased segments below it and its offset in its own segment.
  std::atomic<uint64_t> delivered_on_disk_{0};
  // Unix ms when the next undelivered event was stored; 0 when none waits.
  std::atomic<int64_t> oldest_undelivered_ms_{0};
  // Stop sets stopping_ under it, which ends a Sleep.
  mutable absl::Mutex mu_;
  ForwarderStats stats_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

}  // namespace trackd

#endif  // TRACKD_SERVER_SINKS_HTTP_FORWARDER_H_

// HttpForwarder: delivers the events of the spool (the event log) to the HTTP
// Track API in log order, and records durably how far it got.
//
// Events are acknowledged to callers once they are in the spool; this thread
// then POSTs each one (or a JSON array of up to `batch`) to the URL, with
// Idempotency-Key set to the message_id (of the batch's first event). 2xx moves
// on. 5xx, 408, 429, timeouts and connection errors are retried with
// exponential backoff and jitter, honouring Retry-After, for as long as it
// takes. Any other status is permanent: the events go to the dead-letter
// NDJSON file with the status and response body, and delivery moves on.
//
// The cursor file records the next undelivered event. It is saved every
// cursor_save_interval (a crash re-sends at most that tail, which a receiver
// deduplicates by Idempotency-Key) and, for batches of several events, before
// each send, so a re-sent batch has the same boundaries and key.
#ifndef TRACKD_SERVER_SINKS_HTTP_FORWARDER_H_
#define TRACKD_SERVER_SINKS_HTTP_FORWARDER_H_

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/event_log.h"
#include "server/file_system.h"
#include "server/sinks/forward_cursor.h"
#include "server/sinks/http_poster.h"
#include "server/sinks/spool_reader.h"

namespace trackd {

struct HttpForwarderOptions {
  HttpPosterOptions http;
  // Events per request: 1 sends the JSON object itself; more sends an array.
  int batch = 1;
  // An extra header such as "Authorization: Bearer …"; never logged.
  std::string auth_header;
  std::string cursor_path;        // Where the cursor is stored.
  std::string dead_letter_path;   // NDJSON of permanently refused events.
  absl::Duration initial_backoff = absl::Milliseconds(100);
  absl::Duration max_backoff = absl::Seconds(30);
  absl::Duration max_retry_after = absl::Minutes(5);
  absl::Duration cursor_save_interval = absl::Milliseconds(200);
  // Released segments' ids older than this are deleted (the dedupe window).
  absl::Duration ids_retention = absl::Hours(24);
};

struct ForwarderStats {
  uint64_t delivered = 0;       // Events the upstream accepted.
  uint64_t dead_lettered = 0;   // Events it refused for good.
  uint64_t retries = 0;         // Failed attempts that were retried.
  bool upstream_healthy = true; // False from a failed attempt until the next success.
  std::string last_error;       // The last failed attempt, e.g. "HTTP 503".
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

  // Bytes of the spool's .ndjson files not yet delivered: what is on disk less
  // the delivered head of the segment the cursor is in.
  uint64_t BacklogBytes() const;

  // How long the oldest undelivered event has waited; zero when none waits.
  absl::Duration OldestUndeliveredAge() const;

 private:
  HttpForwarder(EventLog& log, FileSystem& fs, HttpForwarderOptions options,
                ForwardCursor cursor, std::unique_ptr<AppendableFile> dead_letter);

  void Run();
  // Sends `batch` until it is delivered or dead-lettered (true), or stopping (false).
  bool Deliver(const SpoolBatch& batch);
  absl::Status DeadLetter(const SpoolBatch& batch, const HttpResult& result);
  absl::Status SaveCursor();
  // Sleeps for `duration` unless Stop comes first; returns false when stopping.
  bool Sleep(absl::Duration duration);
  void NoteFailure(const std::string& error);
  void NoteSuccess(size_t events);

  EventLog& log_;
  FileSystem& fs_;
  const HttpForwarderOptions options_;
  HttpPoster poster_;
  std::unique_ptr<AppendableFile> dead_letter_;
  ForwardCursor cursor_;        // Owned by the delivery thread.
  ForwardCursor saved_cursor_;  // What the cursor file holds.
  absl::Time last_save_;
  absl::Time failing_since_;

  std::atomic<bool> stopping_{false};
  // The delivered bytes still on disk: cursor_.next.data_bytes (lower
  // segments are released as soon as the cursor leaves them).
  std::atomic<uint64_t> delivered_on_disk_{0};
  // Unix ms when the next undelivered event was stored; 0 when none waits.
  std::atomic<int64_t> oldest_undelivered_ms_{0};
  mutable absl::Mutex mu_;
  absl::CondVar wake_;
  ForwarderStats stats_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

}  // namespace trackd

#endif  // TRACKD_SERVER_SINKS_HTTP_FORWARDER_H_

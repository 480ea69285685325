#include "server/sinks/http_forwarder.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "server/logging.h"
#include "server/sinks/dead_letter_line.h"

namespace trackd {
namespace {

enum class Outcome { kDelivered, kRetry, kPermanent };

Outcome Classify(const HttpResult& result) {
  if (result.status >= 200 && result.status < 300) return Outcome::kDelivered;
  if (result.status == 0 || result.status >= 500 || result.status == 408 || result.status == 429) {
    return Outcome::kRetry;
  }
  return Outcome::kPermanent;
}

std::string Describe(const HttpResult& result) {
  if (result.status == 0) return absl::StrCat("no response: ", result.transport_error);
  return absl::StrCat("HTTP ", result.status);
}

}  // namespace

absl::StatusOr<std::unique_ptr<HttpForwarder>> HttpForwarder::Start(EventLog& log, FileSystem& fs,
                                                                    HttpForwarderOptions options) {
  if (options.batch < 1 || options.batch > 500) {
    return absl::InvalidArgumentError("the HTTP batch must hold 1 to 500 events");
  }
  ForwardCursor cursor;
  auto text = fs.ReadFile(options.cursor_path);
  if (text.ok()) {
    auto parsed = ParseCursor(*text);
    if (!parsed.ok()) return parsed.status();
    cursor = *parsed;
  } else if (absl::IsNotFound(text.status())) {
    cursor.next = {log.FirstDataSegment(), 0, 0};  // A new spool: everything is undelivered.
  } else {
    return text.status();
  }
  // Segments the saved cursor has passed whose release failed before a
  // restart: delivered, still on disk, to be released (and not backlog).
  std::map<uint64_t, uint64_t> unreleased;
  for (uint64_t segment = log.FirstDataSegment(); segment < cursor.next.segment; ++segment) {
    auto size = fs.FileSize(log.DataPath(segment));
    if (size.ok()) {
      unreleased[segment] = *size;
    } else if (!absl::IsNotFound(size.status())) {
      return size.status();
    }
  }
  auto dead_letter = DeadLetterFile::Open(fs, options.dead_letter_path);
  if (!dead_letter.ok()) return dead_letter.status();
  const ForwardCursor saved = cursor;
  if (cursor.dead_letter.has_value()) {
    // A crash while a refused batch was being recorded: it is either whole in
    // the file (move on, do not send it again) or undone and sent again.
    if ((*dead_letter)->durable_size() >= cursor.dead_letter->to) {
      cursor = {*cursor.pending_end, std::nullopt};
    } else {
      if ((*dead_letter)->durable_size() > cursor.dead_letter->from) {
        if (auto s = (*dead_letter)->CutBack(cursor.dead_letter->from); !s.ok()) return s;
      }
      cursor.dead_letter.reset();
    }
  }
  auto forwarder = std::unique_ptr<HttpForwarder>(new HttpForwarder(
      log, fs, std::move(options), cursor, std::move(unreleased), std::move(*dead_letter)));
  forwarder->saved_cursor_ = saved;  // Any change above is saved by the delivery thread.
  forwarder->save_now_ = true;
  forwarder->PublishDelivered();
  forwarder->thread_ = std::thread([f = forwarder.get()] { f->Run(); });
  return forwarder;
}

HttpForwarder::HttpForwarder(EventLog& log, FileSystem& fs, HttpForwarderOptions options,
                             ForwardCursor cursor, std::map<uint64_t, uint64_t> unreleased,
                             std::unique_ptr<DeadLetterFile> dead_letter)
    : log_(log),
      fs_(fs),
      options_(std::move(options)),
      poster_(options_.http, *options_.clock),
      dead_letter_(std::move(dead_letter)),
      cursor_(cursor),
      saved_cursor_(cursor),
      unreleased_(std::move(unreleased)),
      last_save_(options_.clock->Now()) {
  PublishDelivered();
}

HttpForwarder::~HttpForwarder() { Stop(); }

void HttpForwarder::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;  // Unlocking wakes a Sleep: its condition is re-evaluated.
  }
  if (thread_.joinable()) thread_.join();
}

uint64_t HttpForwarder::BacklogBytes() const {
  const uint64_t on_disk = log_.DiskBytes();
  const uint64_t delivered = delivered_on_disk_.load(std::memory_order_acquire);
  return on_disk > delivered ? on_disk - delivered : 0;
}

absl::Duration HttpForwarder::OldestUndeliveredAge() const {
  const int64_t stored_ms = oldest_undelivered_ms_.load(std::memory_order_relaxed);
  if (stored_ms == 0) return absl::ZeroDuration();
  return std::max(absl::ZeroDuration(), options_.clock->Now() - absl::FromUnixMillis(stored_ms));
}

ForwarderStats HttpForwarder::stats() const {
  ForwarderStats stats;
  {
    absl::MutexLock lock(&mu_);
    stats = stats_;
  }
  stats.backlog_bytes = BacklogBytes();
  return stats;
}

bool HttpForwarder::Sleep(absl::Duration duration) {
  absl::MutexLock lock(&mu_);
  const absl::Time deadline = options_.clock->Now() + duration;
  const absl::Condition stopping(
      +[](std::atomic<bool>* stopping) { return stopping->load(); }, &stopping_);
  options_.clock->AwaitWithDeadline(mu_, stopping, deadline);
  return !stopping_;
}

absl::Duration HttpForwarder::Backoff(int attempt) {
  const absl::Duration ceiling = std::min(
      options_.max_backoff, options_.initial_backoff * std::pow(2.0, std::min(attempt, 30)));
  // Jitter: a random point in the upper half of the exponential ceiling.
  return ceiling * absl::Uniform(jitter_, 0.5, 1.0);
}

void HttpForwarder::PublishDelivered(std::optional<uint64_t> skip) {
  uint64_t delivered = saved_cursor_.next.data_bytes;
  for (const auto& [segment, size] : unreleased_) {
    if (segment >= saved_cursor_.next.segment) break;  // Delivered, but not durably so.
    if (segment != skip) delivered += size;
  }
  delivered_on_disk_.store(delivered, std::memory_order_release);
}

absl::Status HttpForwarder::SaveCursor() {
  if (cursor_ == saved_cursor_) return absl::OkStatus();
  absl::Status status = fs_.WriteFileAtomically(options_.cursor_path, FormatCursor(cursor_));
  if (status.ok()) {
    saved_cursor_ = cursor_;
    last_save_ = options_.clock->Now();
    save_now_ = false;
    PublishDelivered();
  }
  return status;
}

void HttpForwarder::MakeProgressDurable() {
  const absl::Time now = options_.clock->Now();
  if (now < storage_retry_at_) return;  // Backing off after a failure.
  bool progressed = false;
  if (cursor_ != saved_cursor_ &&
      (save_now_ || storage_attempt_ > 0 || now - last_save_ >= options_.cursor_save_interval)) {
    if (absl::Status s = SaveCursor(); !s.ok()) {
      NoteStorageFailure(absl::StrCat("cannot save the cursor: ", s.ToString()));
      return;
    }
    progressed = true;
  }
  bool released = false;
  while (!unreleased_.empty() && unreleased_.begin()->first < saved_cursor_.next.segment) {
    const uint64_t segment = unreleased_.begin()->first;
    // Stop counting the segment as delivered-on-disk before the log stops
    // counting it as on disk, so the backlog is never under-reported.
    PublishDelivered(segment);
    if (absl::Status s = log_.ReleaseSegment(segment); !s.ok()) {
      PublishDelivered();
      NoteStorageFailure(
          absl::StrCat("cannot release spool segment ", segment, ": ", s.ToString()));
      return;
    }
    unreleased_.erase(segment);
    PublishDelivered();
    released = true;
  }
  if (released) log_.PruneReleasedIds(now - options_.ids_retention);
  if (progressed || released) NoteStorageSuccess();
}

void HttpForwarder::Run() {
  while (!stopping_) {
    MakeProgressDurable();
    const LogPosition end = log_.DurableEnd();
    const bool closed_segment = cursor_.next.segment < end.segment;
    const bool resend = cursor_.pending_end.has_value();
    auto batch = ReadSpool(fs_, log_, cursor_.next,
                           resend           ? cursor_.pending_end->data_bytes
                           : closed_segment ? kToEndOfFile
                                            : end.data_bytes,
                           resend           ? cursor_.pending_end->ids_bytes
                           : closed_segment ? kToEndOfFile
                                            : end.ids_bytes,
                           resend ? 500 : static_cast<size_t>(options_.batch));
    if (absl::IsNotFound(batch.status()) && closed_segment) {
      // Someone removed a closed segment by hand; its events are gone. Say so and go on.
      Log(LogLevel::kError, "a spool segment is missing; its undelivered events cannot be sent",
          {{"segment", absl::StrCat(cursor_.next.segment)}});
      cursor_ = {{cursor_.next.segment + 1, 0, 0}, std::nullopt};
      save_now_ = true;
      continue;
    }
    if (!batch.ok()) {
      NoteFailure(absl::StrCat("cannot read the spool: ", batch.status().ToString()));
      Sleep(absl::Seconds(1));
      continue;
    }
    if (batch->records.empty()) {
      if (closed_segment) {
        // Everything in this segment is delivered: move on. Its file is
        // released once the saved cursor is past it (MakeProgressDurable).
        const uint64_t done = cursor_.next.segment;
        auto size = fs_.FileSize(log_.DataPath(done));
        unreleased_[done] = size.ok() ? *size : cursor_.next.data_bytes;
        cursor_ = {{done + 1, 0, 0}, std::nullopt};
        save_now_ = true;
        continue;
      }
      // Idle: make the position durable, then wait for new events (or until
      // a failed save or release is due again).
      oldest_undelivered_ms_.store(0, std::memory_order_relaxed);
      save_now_ = true;
      MakeProgressDurable();
      log_.WaitForMore(end, absl::Milliseconds(200));
      continue;
    }
    oldest_undelivered_ms_.store(absl::ToUnixMillis(batch->first_stored_at),
                                 std::memory_order_relaxed);
    if (options_.batch > 1 && !resend) {
      // Fix the batch's boundaries before sending it, so a re-send after a crash
      // carries exactly these events under the same Idempotency-Key.
      cursor_.pending_end = batch->end;
      if (absl::Status s = SaveCursor(); !s.ok()) {
        cursor_.pending_end.reset();
        NoteStorageFailure(absl::StrCat("cannot save the cursor: ", s.ToString()));
        if (!Sleep(Backoff(storage_attempt_ - 1))) break;
        continue;
      }
    }
    if (!Deliver(*batch)) break;  // Stopping; the batch stays undelivered.
    cursor_ = {batch->end, std::nullopt};
  }
  SaveCursor().IgnoreError();
}

bool HttpForwarder::Deliver(const SpoolBatch& batch) {
  std::string body;
  if (options_.batch == 1) {
    body = batch.records.front().json;
  } else {
    body.push_back('[');
    for (size_t i = 0; i < batch.records.size(); ++i) {
      if (i > 0) body.push_back(',');
      body.append(batch.records[i].json);
    }
    body.push_back(']');
  }
  std::vector<std::string> headers = {
      absl::StrCat("Idempotency-Key: ", batch.records.front().message_id)};
  if (!options_.auth_header.empty()) headers.push_back(options_.auth_header);

  for (int attempt = 0; !stopping_; ++attempt) {
    const HttpResult result = poster_.Post(body, headers, &stopping_);
    switch (Classify(result)) {
      case Outcome::kDelivered:
        NoteSuccess(batch.records.size());
        return true;
      case Outcome::kPermanent:
        return DeadLetter(batch, result);
      case Outcome::kRetry:
        break;
    }
    if (stopping_) return false;
    NoteFailure(Describe(result));
    absl::Duration delay = Backoff(attempt);
    if (result.retry_after.has_value()) {
      delay = std::max(delay, std::min(*result.retry_after, options_.max_retry_after));
    }
    MakeProgressDurable();  // An outage upstream is no reason to hold delivered segments.
    if (!Sleep(delay)) return false;
  }
  return false;
}

bool HttpForwarder::DeadLetter(const SpoolBatch& batch, const HttpResult& result) {
  std::string lines;
  const std::string failed_at =
      absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", options_.clock->Now(), absl::UTCTimeZone());
  for (const Record& record : batch.records) {
    // result.body is valid UTF-8, at most 4 KiB (HttpPoster).
    AppendDeadLetterLine(record.message_id, result.status, result.body, failed_at, record.json,
                         &lines);
  }
  // The refusal is final: retry recording it, never the POST, so it is
  // recorded once (DeadLetterFile cuts a failed write back first). The cursor
  // first notes where the lines go, so that after a crash they are neither
  // lost nor written twice (see ForwardCursor::dead_letter).
  const uint64_t from = dead_letter_->durable_size();
  cursor_.pending_end = batch.end;
  cursor_.dead_letter = ForwardCursor::DeadLetterRange{from, from + lines.size()};
  for (int attempt = 0;; ++attempt) {
    const absl::Status status = SaveCursor();
    if (status.ok()) break;
    NoteStorageFailure(absl::StrCat("cannot save the cursor: ", status.ToString()));
    if (!Sleep(Backoff(attempt))) return false;
  }
  for (int attempt = 0;; ++attempt) {
    const absl::Status status = dead_letter_->Write(lines);
    if (status.ok()) break;
    NoteStorageFailure(absl::StrCat("cannot write the dead-letter file: ", status.ToString()));
    MakeProgressDurable();
    if (!Sleep(Backoff(attempt))) return false;
  }
  cursor_.dead_letter.reset();
  NoteStorageSuccess();
  // Move the saved cursor past them soon: a crash before that re-sends them.
  save_now_ = true;
  {
    absl::MutexLock lock(&mu_);
    stats_.dead_lettered += batch.records.size();
  }
  Log(LogLevel::kWarning, "upstream refused events for good; they went to the dead-letter file",
      {{"status", absl::StrCat(result.status)},
       {"events", absl::StrCat(batch.records.size())},
       {"first_message_id", batch.records.front().message_id},
       {"dead_letter_file", options_.dead_letter_path}});
  return true;
}

void HttpForwarder::NoteStorageFailure(const std::string& error) {
  const absl::Time now = options_.clock->Now();
  if (storage_attempt_ == 0) {
    storage_failing_since_ = now;
    Log(LogLevel::kError, "the forwarder cannot record its progress; retrying with backoff",
        {{"error", error}});
  }
  storage_retry_at_ = now + Backoff(storage_attempt_);
  ++storage_attempt_;
  absl::MutexLock lock(&mu_);
  ++stats_.storage_retries;
  stats_.storage_healthy = false;
  stats_.last_storage_error = error;
}

void HttpForwarder::NoteStorageSuccess() {
  if (storage_attempt_ == 0) return;
  Log(LogLevel::kInfo, "the forwarder records its progress again",
      {{"outage", absl::FormatDuration(options_.clock->Now() - storage_failing_since_)}});
  storage_attempt_ = 0;
  storage_retry_at_ = absl::InfinitePast();
  absl::MutexLock lock(&mu_);
  stats_.storage_healthy = true;
}

void HttpForwarder::NoteFailure(const std::string& error) {
  bool first = false;
  {
    absl::MutexLock lock(&mu_);
    ++stats_.retries;
    stats_.last_error = error;
    first = stats_.upstream_healthy;
    stats_.upstream_healthy = false;
  }
  if (first) {
    failing_since_ = options_.clock->Now();
    Log(LogLevel::kWarning, "upstream delivery failing; events stay in the spool and are retried",
        {{"error", error}, {"url", RedactUrl(options_.http.url)}});
  }
}

void HttpForwarder::NoteSuccess(size_t events) {
  bool recovered = false;
  {
    absl::MutexLock lock(&mu_);
    stats_.delivered += events;
    recovered = !stats_.upstream_healthy;
    stats_.upstream_healthy = true;
  }
  if (recovered) {
    Log(LogLevel::kInfo, "upstream delivery recovered",
        {{"outage", absl::FormatDuration(options_.clock->Now() - failing_since_)}});
  }
}

}  // namespace trackd

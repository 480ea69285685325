#include "server/sinks/http_forwarder.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "server/json_encoder.h"
#include "server/logging.h"

namespace trackd {
namespace {

enum class Outcome { kDelivered, kRetry, kPermanent };

Outcome Classify(const HttpResult& result) {
  if (result.status >= 200 && result.status < 300) return Outcome::kDelivered;
  if (result.status == 0 || result.status >= 500 || result.status == 408 ||
      result.status == 429) {
    return Outcome::kRetry;
  }
  return Outcome::kPermanent;
}

std::string Describe(const HttpResult& result) {
  if (result.status == 0) return absl::StrCat("no response: ", result.transport_error);
  return absl::StrCat("HTTP ", result.status);
}

}  // namespace

absl::StatusOr<std::unique_ptr<HttpForwarder>> HttpForwarder::Start(
    EventLog& log, FileSystem& fs, HttpForwarderOptions options) {
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
  auto dead_letter = fs.OpenForAppend(options.dead_letter_path);
  if (!dead_letter.ok()) return dead_letter.status();
  auto forwarder = std::unique_ptr<HttpForwarder>(
      new HttpForwarder(log, fs, std::move(options), cursor, std::move(*dead_letter)));
  forwarder->thread_ = std::thread([f = forwarder.get()] { f->Run(); });
  return forwarder;
}

HttpForwarder::HttpForwarder(EventLog& log, FileSystem& fs, HttpForwarderOptions options,
                             ForwardCursor cursor, std::unique_ptr<AppendableFile> dead_letter)
    : log_(log),
      fs_(fs),
      options_(std::move(options)),
      poster_(options_.http),
      dead_letter_(std::move(dead_letter)),
      cursor_(cursor),
      saved_cursor_(cursor),
      last_save_(absl::Now()),
      delivered_on_disk_(cursor.next.data_bytes) {}

HttpForwarder::~HttpForwarder() { Stop(); }

void HttpForwarder::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    wake_.SignalAll();
  }
  if (thread_.joinable()) thread_.join();
}

uint64_t HttpForwarder::BacklogBytes() const {
  const uint64_t on_disk = log_.DiskBytes();
  const uint64_t delivered = delivered_on_disk_.load(std::memory_order_relaxed);
  return on_disk > delivered ? on_disk - delivered : 0;
}

absl::Duration HttpForwarder::OldestUndeliveredAge() const {
  const int64_t stored_ms = oldest_undelivered_ms_.load(std::memory_order_relaxed);
  if (stored_ms == 0) return absl::ZeroDuration();
  return std::max(absl::ZeroDuration(), absl::Now() - absl::FromUnixMillis(stored_ms));
}

ForwarderStats HttpForwarder::stats() const {
  absl::MutexLock lock(&mu_);
  return stats_;
}

bool HttpForwarder::Sleep(absl::Duration duration) {
  absl::MutexLock lock(&mu_);
  const absl::Time deadline = absl::Now() + duration;
  while (!stopping_ && absl::Now() < deadline) wake_.WaitWithDeadline(&mu_, deadline);
  return !stopping_;
}

absl::Status HttpForwarder::SaveCursor() {
  if (cursor_ == saved_cursor_) return absl::OkStatus();
  absl::Status status = fs_.WriteFileAtomically(options_.cursor_path, FormatCursor(cursor_));
  if (status.ok()) {
    saved_cursor_ = cursor_;
    last_save_ = absl::Now();
  }
  return status;
}

void HttpForwarder::Run() {
  while (!stopping_) {
    const LogPosition end = log_.DurableEnd();
    const bool closed_segment = cursor_.next.segment < end.segment;
    const bool resend = cursor_.pending_end.has_value();
    auto batch = ReadSpool(
        fs_, log_, cursor_.next,
        resend ? cursor_.pending_end->data_bytes : closed_segment ? kToEndOfFile : end.data_bytes,
        resend ? cursor_.pending_end->ids_bytes : closed_segment ? kToEndOfFile : end.ids_bytes,
        resend ? 500 : static_cast<size_t>(options_.batch));
    if (absl::IsNotFound(batch.status()) && closed_segment) {
      // Someone removed a closed segment by hand; its events are gone. Say so and go on.
      Log("error", "a spool segment is missing; its undelivered events cannot be sent",
          {{"segment", absl::StrCat(cursor_.next.segment)}});
      cursor_ = {{cursor_.next.segment + 1, 0, 0}, std::nullopt};
      SaveCursor().IgnoreError();
      continue;
    }
    if (!batch.ok()) {
      NoteFailure(absl::StrCat("cannot read the spool: ", batch.status().ToString()));
      Sleep(absl::Seconds(1));
      continue;
    }
    if (batch->records.empty()) {
      if (closed_segment) {
        // Everything in this segment is delivered: move on and free its disk space.
        const uint64_t done = cursor_.next.segment;
        cursor_ = {{done + 1, 0, 0}, std::nullopt};
        if (SaveCursor().ok() && log_.ReleaseSegment(done).ok()) {
          delivered_on_disk_.store(0, std::memory_order_relaxed);
          log_.PruneReleasedIds(absl::Now() - options_.ids_retention);
        }
        continue;
      }
      // Idle: make the position durable, then wait for new events.
      oldest_undelivered_ms_.store(0, std::memory_order_relaxed);
      SaveCursor().IgnoreError();
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
        NoteFailure(absl::StrCat("cannot save the cursor: ", s.ToString()));
        Sleep(absl::Seconds(1));
        continue;
      }
    }
    if (!Deliver(*batch)) break;  // Stopping; the batch stays undelivered.
    cursor_ = {batch->end, std::nullopt};
    delivered_on_disk_.store(cursor_.next.data_bytes, std::memory_order_relaxed);
    if (absl::Now() - last_save_ >= options_.cursor_save_interval) SaveCursor().IgnoreError();
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

  absl::BitGen jitter;
  for (int attempt = 0; !stopping_; ++attempt) {
    const HttpResult result = poster_.Post(body, headers, &stopping_);
    switch (Classify(result)) {
      case Outcome::kDelivered:
        NoteSuccess(batch.records.size());
        return true;
      case Outcome::kPermanent:
        if (absl::Status s = DeadLetter(batch, result); !s.ok()) {
          NoteFailure(absl::StrCat("cannot write the dead-letter file: ", s.ToString()));
          if (!Sleep(absl::Seconds(1))) return false;
          continue;
        }
        return true;
      case Outcome::kRetry:
        break;
    }
    if (stopping_) return false;
    NoteFailure(Describe(result));
    const absl::Duration ceiling = std::min(
        options_.max_backoff, options_.initial_backoff * std::pow(2.0, std::min(attempt, 30)));
    // Jitter: a random point in the upper half of the exponential ceiling.
    absl::Duration delay = ceiling * absl::Uniform(jitter, 0.5, 1.0);
    if (result.retry_after.has_value()) {
      delay = std::max(delay, std::min(*result.retry_after, options_.max_retry_after));
    }
    if (!Sleep(delay)) return false;
  }
  return false;
}

absl::Status HttpForwarder::DeadLetter(const SpoolBatch& batch, const HttpResult& result) {
  std::string lines;
  const std::string failed_at =
      absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(), absl::UTCTimeZone());
  for (const Record& record : batch.records) {
    lines.append("{\"message_id\":");
    AppendJsonString(record.message_id, &lines);
    lines.append(absl::StrCat(",\"status\":", result.status, ",\"response\":"));
    AppendJsonString(result.body, &lines);
    lines.append(",\"failed_at\":");
    AppendJsonString(failed_at, &lines);
    lines.append(",\"event\":");
    lines.append(record.json);
    lines.append("}\n");
  }
  if (auto s = dead_letter_->Append(lines); !s.ok()) return s;
  if (auto s = dead_letter_->Sync(); !s.ok()) return s;
  {
    absl::MutexLock lock(&mu_);
    stats_.dead_lettered += batch.records.size();
  }
  Log("warning", "upstream refused events for good; they went to the dead-letter file",
      {{"status", absl::StrCat(result.status)},
       {"events", absl::StrCat(batch.records.size())},
       {"first_message_id", batch.records.front().message_id},
       {"dead_letter_file", options_.dead_letter_path}});
  return absl::OkStatus();
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
    failing_since_ = absl::Now();
    Log("warning", "upstream delivery failing; events stay in the spool and are retried",
        {{"error", error}, {"url", options_.http.url}});
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
    Log("info", "upstream delivery recovered",
        {{"outage", absl::FormatDuration(absl::Now() - failing_since_)}});
  }
}

}  // namespace trackd

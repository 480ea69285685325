#include "server/event_log.h"

#include <algorithm>
#include <filesystem>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "server/log_format.h"
#include "server/logging.h"

namespace trackd {
namespace {

absl::StatusOr<std::string> ReadIfExists(FileSystem& fs, const std::string& path) {
  auto content = fs.ReadFile(path);
  if (absl::IsNotFound(content.status())) return std::string();
  return content;
}

absl::Status CutTo(FileSystem& fs, const std::string& path, uint64_t size) {
  auto file = fs.OpenForAppend(path);
  if (!file.ok()) return file.status();
  if (auto s = (*file)->Truncate(size); !s.ok()) return s;
  return (*file)->Sync();
}

}  // namespace

absl::StatusOr<std::unique_ptr<EventLog>> EventLog::Open(FileSystem& fs, EventLogOptions options) {
  if (options.segment_bytes == 0) return absl::InvalidArgumentError("segment_bytes must be > 0");
  if (auto s = fs.CreateDirs(options.dir); !s.ok()) return s;
  // A new directory's own entry must survive a crash too.
  const std::string parent = std::filesystem::path(options.dir).parent_path().string();
  if (auto s = fs.SyncDir(parent.empty() ? "." : parent); !s.ok()) return s;
  auto names = fs.ListDir(options.dir);
  if (!names.ok()) return names.status();
  // A released segment (see ReleaseSegment) has only its .ids file left.
  std::vector<uint64_t> numbers;
  for (const std::string& name : *names) {
    if (auto number = log_format::ParseSegmentFileName(name)) numbers.push_back(*number);
  }
  std::sort(numbers.begin(), numbers.end());
  numbers.erase(std::unique(numbers.begin(), numbers.end()), numbers.end());
  auto log = std::unique_ptr<EventLog>(new EventLog(fs, std::move(options)));
  if (auto s = log->Recover(numbers); !s.ok()) return s;
  return log;
}

std::string EventLog::DataPath(uint64_t number) const {
  return log_format::DataFilePath(options_.dir, number);
}

std::string EventLog::IdsPath(uint64_t number) const {
  return log_format::IdsFilePath(options_.dir, number);
}

absl::Status EventLog::Recover(const std::vector<uint64_t>& segment_numbers) {
  if (segment_numbers.empty()) {
    segments_.clear();
    first_data_segment_ = 1;
    std::string failed_path;
    return StartNextSegment(&failed_path);
  }
  segments_ = segment_numbers;
  recovery_.segments = static_cast<int>(segments_.size());
  const uint64_t last = segments_.back();
  auto newest = RepairSegment(last);
  if (!newest.ok()) return newest.status();
  recovery_.events_in_last_segment = newest->events;
  // A newest segment without events may be the remains of a rotation that
  // failed or crashed half-way; appends then went to the segment below, whose
  // tail may be unsynced. Repair downwards until a segment holds events. A
  // segment without its .ndjson file was released: delivered whole, so it was
  // complete.
  uint64_t events_above = newest->events;
  for (size_t i = segments_.size() - 1; events_above == 0 && i > 0; --i) {
    const uint64_t number = segments_[i - 1];
    if (absl::IsNotFound(fs_.FileSize(DataPath(number)).status())) break;
    auto repaired = RepairSegment(number);
    if (!repaired.ok()) return repaired.status();
    events_above = repaired->events;
  }
  segments_.pop_back();
  // Creates a missing half of the newest pair; the directory sync below makes it durable.
  if (auto s = OpenSegment(last, newest->data_bytes, newest->ids_bytes); !s.ok()) return s;
  uint64_t disk_bytes = 0;
  first_data_segment_ = last;
  for (uint64_t number : segments_) {
    if (auto size = fs_.FileSize(DataPath(number)); size.ok()) {
      disk_bytes += *size;
      first_data_segment_ = std::min(first_data_segment_, number);
    }
  }
  disk_bytes_.store(disk_bytes);
  PublishDurableEnd();
  return fs_.SyncDir(options_.dir);
}

absl::StatusOr<EventLog::Repaired> EventLog::RepairSegment(uint64_t number) {
  auto data = ReadIfExists(fs_, DataPath(number));
  if (!data.ok()) return data.status();
  auto ids = ReadIfExists(fs_, IdsPath(number));
  if (!ids.ok()) return ids.status();
  const std::vector<uint64_t> data_ends = log_format::GoodLineEnds(*data, log_format::IsDataLine);
  const std::vector<uint64_t> id_ends = log_format::GoodLineEnds(*ids, log_format::IsIdLine);
  // An event counts only when both its line and its id line are complete; a
  // crash between the two writes leaves an unacknowledged event, cut here.
  Repaired kept;
  kept.events = std::min(data_ends.size(), id_ends.size());
  kept.data_bytes = kept.events == 0 ? 0 : data_ends[kept.events - 1];
  kept.ids_bytes = kept.events == 0 ? 0 : id_ends[kept.events - 1];
  ++recovery_.repaired_segments;
  recovery_.truncated_data_bytes += data->size() - kept.data_bytes;
  recovery_.truncated_ids_bytes += ids->size() - kept.ids_bytes;
  if (kept.data_bytes < data->size()) {
    if (auto s = CutTo(fs_, DataPath(number), kept.data_bytes); !s.ok()) return s;
  }
  if (kept.ids_bytes < ids->size()) {
    if (auto s = CutTo(fs_, IdsPath(number), kept.ids_bytes); !s.ok()) return s;
  }
  return kept;
}

absl::Status EventLog::OpenSegment(uint64_t number, uint64_t data_size, uint64_t ids_size) {
  auto data = fs_.OpenForAppend(DataPath(number));
  if (!data.ok()) return data.status();
  auto ids = fs_.OpenForAppend(IdsPath(number));
  if (!ids.ok()) return ids.status();
  data_file_ = std::move(*data);
  ids_file_ = std::move(*ids);
  data_size_ = data_size;
  ids_size_ = ids_size;
  segments_.push_back(number);
  return absl::OkStatus();
}

absl::Status EventLog::StartNextSegment(std::string* failed_path) {
  const uint64_t next = segments_.empty() ? 1 : segments_.back() + 1;
  // No file of `next` exists (Open starts above the highest number found), so
  // removing what this call created cannot remove anything else.
  const std::string data_path = DataPath(next);
  const std::string ids_path = IdsPath(next);
  auto data = fs_.OpenForAppend(data_path);
  if (!data.ok()) {
    *failed_path = data_path;
    return data.status();
  }
  auto ids = fs_.OpenForAppend(ids_path);
  if (!ids.ok()) {
    fs_.DeleteFile(data_path).IgnoreError();  // Best effort; Open copes with a lone file.
    *failed_path = ids_path;
    return ids.status();
  }
  // The new files' directory entries must be durable before events go into them.
  if (auto s = fs_.SyncDir(options_.dir); !s.ok()) {
    fs_.DeleteFile(data_path).IgnoreError();
    fs_.DeleteFile(ids_path).IgnoreError();
    *failed_path = options_.dir;
    return s;
  }
  data_file_ = std::move(*data);
  ids_file_ = std::move(*ids);
  data_size_ = 0;
  ids_size_ = 0;
  segments_.push_back(next);
  PublishDurableEnd();
  return absl::OkStatus();
}

void EventLog::PublishDurableEnd() {
  absl::MutexLock lock(&end_mu_);
  durable_end_ = {segments_.back(), data_size_, ids_size_};
  end_changed_.SignalAll();
}

LogPosition EventLog::DurableEnd() const {
  absl::MutexLock lock(&end_mu_);
  return durable_end_;
}

LogPosition EventLog::WaitForMore(const LogPosition& seen, absl::Duration timeout) const {
  absl::MutexLock lock(&end_mu_);
  const absl::Time deadline = absl::Now() + timeout;
  while (durable_end_ == seen) {
    if (end_changed_.WaitWithDeadline(&end_mu_, deadline)) break;
  }
  return durable_end_;
}

absl::Status EventLog::ReleaseSegment(uint64_t number) {
  if (number >= DurableEnd().segment) {
    return absl::FailedPreconditionError("the open segment cannot be released");
  }
  const std::string path = DataPath(number);
  auto size = fs_.FileSize(path);
  if (absl::IsNotFound(size.status())) return absl::OkStatus();
  if (!size.ok()) return size.status();
  if (auto s = fs_.DeleteFile(path); !s.ok()) return s;
  disk_bytes_.fetch_sub(*size, std::memory_order_relaxed);
  return absl::OkStatus();
}

void EventLog::PruneReleasedIds(absl::Time before) {
  const uint64_t open_segment = DurableEnd().segment;
  for (uint64_t number = 1; number < open_segment; ++number) {
    if (fs_.FileSize(DataPath(number)).ok()) continue;  // Not released.
    auto modified = fs_.ModifiedTime(IdsPath(number));
    if (modified.ok() && *modified < before) fs_.DeleteFile(IdsPath(number)).IgnoreError();
  }
}

absl::Status EventLog::RollBack() {
  const absl::Status data = data_file_->Truncate(data_size_);
  const absl::Status ids = ids_file_->Truncate(ids_size_);
  return data.ok() ? ids : data;
}

absl::Status EventLog::Failure() const {
  // The common case takes no lock: Enqueue asks for every submission.
  if (!failed_.load(std::memory_order_acquire)) return absl::OkStatus();
  absl::MutexLock lock(&failure_mu_);
  return failure_;
}

absl::Status EventLog::Stop(absl::string_view operation, const std::string& path,
                            const absl::Status& error, const absl::Status& rollback) {
  absl::Status failure = absl::UnavailableError(absl::StrCat(
      "the event log stopped after an I/O error and refuses writes until trackd is restarted: ",
      error.message()));
  {
    absl::MutexLock lock(&failure_mu_);
    if (!failure_.ok()) return failure_;
    failure_ = failure;
    failed_.store(true, std::memory_order_release);
  }
  Log(LogLevel::kError,
      "the event log stopped after an I/O error; check the disk, then restart trackd",
      {{"operation", std::string(operation)},
       {"path", path},
       {"error", std::string(error.message())},
       {"rollback", rollback.ok() ? "ok" : std::string(rollback.message())}});
  if (failure_observer_) failure_observer_(failure);
  return failure;
}

absl::Status EventLog::Append(absl::Span<const Record> records, absl::Time now) {
  if (absl::Status failed = Failure(); !failed.ok()) return failed;
  if (records.empty()) return absl::OkStatus();
  data_buffer_.clear();
  ids_buffer_.clear();
  const log_format::IdLineWriter id_lines(now);
  for (const Record& record : records) {
    log_format::AppendDataLine(record.json, data_buffer_);
    id_lines.Append(record.message_id, ids_buffer_);
  }
  const uint64_t open_segment = segments_.back();
  // The batch was not acknowledged: cut it away (best effort; not synced, as
  // a sync may fail again) and stop.
  const auto fail = [&](absl::string_view operation, const std::string& path,
                        const absl::Status& error) {
    return Stop(operation, path, error, RollBack());
  };
  if (auto s = data_file_->Append(data_buffer_); !s.ok()) {
    return fail("write", DataPath(open_segment), s);
  }
  if (auto s = ids_file_->Append(ids_buffer_); !s.ok()) {
    return fail("write", IdsPath(open_segment), s);
  }
  // Both files must be durable; their two fdatasyncs overlap.
  const absl::Time sync_start = absl::Now();
  ids_sync_.Start(ids_file_.get());
  const absl::Status data_synced = data_file_->Sync();
  const absl::Status ids_synced = ids_sync_.Wait();
  if (sync_observer_) sync_observer_(absl::Now() - sync_start);
  if (!data_synced.ok()) return fail("fdatasync", DataPath(open_segment), data_synced);
  if (!ids_synced.ok()) return fail("fdatasync", IdsPath(open_segment), ids_synced);

  data_size_ += data_buffer_.size();
  ids_size_ += ids_buffer_.size();
  disk_bytes_.fetch_add(data_buffer_.size(), std::memory_order_relaxed);
  PublishDurableEnd();
  if (data_size_ >= options_.segment_bytes) {
    // This batch is durable and is acknowledged; the log stops for the next.
    std::string failed_path;
    if (auto s = StartNextSegment(&failed_path); !s.ok()) {
      Stop("rotate", failed_path, s, absl::OkStatus()).IgnoreError();
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<StoredId>> EventLog::ReadIdsSince(absl::Time since) {
  std::vector<std::vector<StoredId>> newest_first;
  for (auto it = segments_.rbegin(); it != segments_.rend(); ++it) {
    const std::string path = IdsPath(*it);
    auto modified = fs_.ModifiedTime(path);
    if (!modified.ok()) {
      if (it == segments_.rbegin()) return modified.status();
      break;
    }
    if (*modified < since) break;  // Every older segment is older still.
    auto content = ReadIfExists(fs_, path);
    if (!content.ok()) return content.status();
    std::vector<StoredId> ids;
    log_format::LineReader reader(*content);
    for (absl::string_view line; reader.Next(line);) {
      const std::optional<log_format::IdLine> id = log_format::ParseIdLine(line);
      if (id.has_value() && id->stored_at >= since) {
        ids.push_back({std::string(id->message_id), id->stored_at});
      }
    }
    newest_first.push_back(std::move(ids));
  }
  std::vector<StoredId> out;
  for (auto it = newest_first.rbegin(); it != newest_first.rend(); ++it) {
    for (StoredId& id : *it) out.push_back(std::move(id));
  }
  return out;
}

}  // namespace trackd

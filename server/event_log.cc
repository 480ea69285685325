#include "server/event_log.h"

#include <algorithm>
#include <filesystem>
#include "absl/strings/string_view.h"

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"

namespace trackd {
namespace {

constexpr absl::string_view kPrefix = "segment-";
constexpr absl::string_view kDataSuffix = ".ndjson";
constexpr absl::string_view kIdsSuffix = ".ids";

bool IsDataLine(absl::string_view line) {
  return line.size() >= 2 && line.front() == '{' && line.back() == '}' &&
         line.find('\0') == absl::string_view::npos;
}

// "<unix ms> <message_id>", the id non-empty.
bool IsIdLine(absl::string_view line) {
  const size_t space = line.find(' ');
  if (space == 0 || space == absl::string_view::npos || space + 1 >= line.size()) return false;
  for (size_t i = 0; i < space; ++i) {
    if (line[i] < '0' || line[i] > '9') return false;
  }
  return line.find('\0') == absl::string_view::npos;
}

// Returns the end offset (just past '\n') of each line of the longest prefix of
// `content` made of complete lines that `is_good` accepts.
template <typename Predicate>
std::vector<uint64_t> GoodLineEnds(absl::string_view content, Predicate is_good) {
  std::vector<uint64_t> ends;
  size_t start = 0;
  while (start < content.size()) {
    const size_t newline = content.find('\n', start);
    if (newline == absl::string_view::npos) break;  // A torn last line.
    if (!is_good(content.substr(start, newline - start))) break;
    ends.push_back(newline + 1);
    start = newline + 1;
  }
  return ends;
}

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
    if (!absl::StartsWith(name, kPrefix)) continue;
    const absl::string_view suffix = absl::EndsWith(name, kDataSuffix) ? kDataSuffix
                                     : absl::EndsWith(name, kIdsSuffix) ? kIdsSuffix
                                                                          : absl::string_view();
    if (suffix.empty()) continue;
    const absl::string_view digits = absl::string_view(name).substr(
        kPrefix.size(), name.size() - kPrefix.size() - suffix.size());
    uint64_t number;
    if (absl::SimpleAtoi(digits, &number)) numbers.push_back(number);
  }
  std::sort(numbers.begin(), numbers.end());
  numbers.erase(std::unique(numbers.begin(), numbers.end()), numbers.end());
  auto log = std::unique_ptr<EventLog>(new EventLog(fs, std::move(options)));
  if (auto s = log->Recover(numbers); !s.ok()) return s;
  return log;
}

std::string EventLog::DataPath(uint64_t number) const {
  return absl::StrFormat("%s/%s%020d%s", options_.dir, kPrefix, number, kDataSuffix);
}

std::string EventLog::IdsPath(uint64_t number) const {
  return absl::StrFormat("%s/%s%020d%s", options_.dir, kPrefix, number, kIdsSuffix);
}

absl::Status EventLog::Recover(const std::vector<uint64_t>& segment_numbers) {
  if (segment_numbers.empty()) {
    segments_.clear();
    first_data_segment_ = 1;
    return StartNextSegment();
  }
  segments_ = segment_numbers;
  recovery_.segments = static_cast<int>(segments_.size());
  const uint64_t last = segments_.back();
  auto data = ReadIfExists(fs_, DataPath(last));
  if (!data.ok()) return data.status();
  auto ids = ReadIfExists(fs_, IdsPath(last));
  if (!ids.ok()) return ids.status();

  const std::vector<uint64_t> data_ends = GoodLineEnds(*data, IsDataLine);
  const std::vector<uint64_t> id_ends = GoodLineEnds(*ids, IsIdLine);
  // An event counts only when both its line and its id line are complete; a
  // crash between the two writes leaves an unacknowledged event, cut here.
  const size_t events = std::min(data_ends.size(), id_ends.size());
  const uint64_t data_keep = events == 0 ? 0 : data_ends[events - 1];
  const uint64_t ids_keep = events == 0 ? 0 : id_ends[events - 1];
  recovery_.events_in_last_segment = events;
  recovery_.truncated_data_bytes = data->size() - data_keep;
  recovery_.truncated_ids_bytes = ids->size() - ids_keep;
  if (data_keep < data->size()) {
    if (auto s = CutTo(fs_, DataPath(last), data_keep); !s.ok()) return s;
  }
  if (ids_keep < ids->size()) {
    if (auto s = CutTo(fs_, IdsPath(last), ids_keep); !s.ok()) return s;
  }
  segments_.pop_back();
  if (auto s = OpenSegment(last, data_keep, ids_keep); !s.ok()) return s;
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

absl::Status EventLog::StartNextSegment() {
  const uint64_t next = segments_.empty() ? 1 : segments_.back() + 1;
  auto data = fs_.OpenForAppend(DataPath(next));
  if (!data.ok()) return data.status();
  auto ids = fs_.OpenForAppend(IdsPath(next));
  if (!ids.ok()) return ids.status();
  // The new files' directory entries must be durable before events go into them.
  if (auto s = fs_.SyncDir(options_.dir); !s.ok()) return s;
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
  if (!data.ok() || !ids.ok()) broken_ = true;
  return data.ok() ? ids : data;
}

absl::Status EventLog::Append(absl::Span<const Record> records, absl::Time now) {
  if (broken_) {
    return absl::UnavailableError(
        "the event log could not undo a failed write and refuses writes until restart");
  }
  if (records.empty()) return absl::OkStatus();
  data_buffer_.clear();
  ids_buffer_.clear();
  const std::string stamp = absl::StrCat(absl::ToUnixMillis(now), " ");
  for (const Record& record : records) {
    data_buffer_.append(record.json);
    data_buffer_.push_back('\n');
    ids_buffer_.append(stamp);
    ids_buffer_.append(record.message_id);
    ids_buffer_.push_back('\n');
  }
  absl::Status status = data_file_->Append(data_buffer_);
  if (status.ok()) status = ids_file_->Append(ids_buffer_);
  if (status.ok()) {
    // Both files must be durable; their two fdatasyncs overlap.
    const absl::Time sync_start = absl::Now();
    ids_sync_.Start(ids_file_.get());
    status = data_file_->Sync();
    const absl::Status ids_status = ids_sync_.Wait();
    if (status.ok()) status = ids_status;
    if (sync_observer_) sync_observer_(absl::Now() - sync_start);
  }
  if (!status.ok()) {
    RollBack().IgnoreError();  // The caller needs the original error; broken_ records a failed undo.
    return status;
  }
  data_size_ += data_buffer_.size();
  ids_size_ += ids_buffer_.size();
  disk_bytes_.fetch_add(data_buffer_.size(), std::memory_order_relaxed);
  PublishDurableEnd();
  if (data_size_ >= options_.segment_bytes) {
    // A failed rotation leaves the current segment open, which stays correct;
    // the next append tries again.
    StartNextSegment().IgnoreError();
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
    absl::string_view rest = *content;
    while (!rest.empty()) {
      const size_t newline = rest.find('\n');
      if (newline == absl::string_view::npos) break;
      const absl::string_view line = rest.substr(0, newline);
      rest.remove_prefix(newline + 1);
      const size_t space = line.find(' ');
      int64_t millis;
      if (space == absl::string_view::npos || !absl::SimpleAtoi(line.substr(0, space), &millis)) {
        continue;
      }
      const absl::Time stored_at = absl::FromUnixMillis(millis);
      if (stored_at >= since) ids.push_back({std::string(line.substr(space + 1)), stored_at});
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

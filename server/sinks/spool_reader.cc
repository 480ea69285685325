#include "server/sinks/spool_reader.h"

#include <algorithm>

#include "absl/strings/numbers.h"

#include "server/validate.h"

namespace trackd {
namespace {

// The longest lines the two files can hold, with their newline.
constexpr uint64_t kMaxDataLine = kMaxEncodedEventBytes + 1;
constexpr uint64_t kMaxIdLine = 20 + 1 + 400 + 1;  // millis, space, 100 chars of UTF-8.

uint64_t ReadLength(uint64_t offset, uint64_t limit, uint64_t wanted) {
  if (limit == kToEndOfFile) return wanted;
  return limit > offset ? std::min(limit - offset, wanted) : 0;
}

}  // namespace

absl::StatusOr<SpoolBatch> ReadSpool(FileSystem& fs, const EventLog& log, const LogPosition& from,
                                     uint64_t data_limit, uint64_t ids_limit, size_t max_events) {
  SpoolBatch batch;
  batch.end = from;
  const uint64_t data_length = ReadLength(from.data_bytes, data_limit, max_events * kMaxDataLine);
  const uint64_t ids_length = ReadLength(from.ids_bytes, ids_limit, max_events * kMaxIdLine);
  if (data_length == 0 || ids_length == 0) return batch;
  auto data = fs.ReadRange(log.DataPath(from.segment), from.data_bytes, data_length);
  if (!data.ok()) return data.status();
  auto ids = fs.ReadRange(log.IdsPath(from.segment), from.ids_bytes, ids_length);
  if (!ids.ok()) return ids.status();

  size_t data_at = 0, ids_at = 0;
  while (batch.records.size() < max_events) {
    const size_t data_newline = data->find('\n', data_at);
    const size_t ids_newline = ids->find('\n', ids_at);
    if (data_newline == std::string::npos || ids_newline == std::string::npos) break;
    const absl::string_view id_line = absl::string_view(*ids).substr(ids_at, ids_newline - ids_at);
    const size_t space = id_line.find(' ');
    if (batch.records.empty()) {
      int64_t millis = 0;
      if (absl::SimpleAtoi(id_line.substr(0, space), &millis)) {
        batch.first_stored_at = absl::FromUnixMillis(millis);
      }
    }
    Record record;
    record.message_id = std::string(
        space == absl::string_view::npos ? absl::string_view() : id_line.substr(space + 1));
    record.json = data->substr(data_at, data_newline - data_at);
    batch.records.push_back(std::move(record));
    data_at = data_newline + 1;
    ids_at = ids_newline + 1;
  }
  batch.end.data_bytes += data_at;
  batch.end.ids_bytes += ids_at;
  return batch;
}

}  // namespace trackd

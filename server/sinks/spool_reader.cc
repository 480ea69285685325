#include "server/sinks/spool_reader.h"

#include <algorithm>
#include <optional>

#include "server/log_format.h"

namespace trackd {
namespace {

uint64_t ReadLength(uint64_t offset, uint64_t limit, uint64_t wanted) {
  if (limit == kToEndOfFile) return wanted;
  return limit > offset ? std::min(limit - offset, wanted) : 0;
}

}  // namespace

absl::StatusOr<SpoolBatch> ReadSpool(FileSystem& fs, const EventLog& log, const LogPosition& from,
                                     uint64_t data_limit, uint64_t ids_limit, size_t max_events) {
  SpoolBatch batch;
  batch.end = from;
  const uint64_t data_length =
      ReadLength(from.data_bytes, data_limit, max_events * log_format::kMaxDataLineBytes);
  const uint64_t ids_length =
      ReadLength(from.ids_bytes, ids_limit, max_events * log_format::kMaxIdLineBytes);
  if (data_length == 0 || ids_length == 0) return batch;
  auto data = fs.ReadRange(log.DataPath(from.segment), from.data_bytes, data_length);
  if (!data.ok()) return data.status();
  auto ids = fs.ReadRange(log.IdsPath(from.segment), from.ids_bytes, ids_length);
  if (!ids.ok()) return ids.status();

  // Line k of one file pairs with line k of the other: read both in step, and
  // stop at the first torn tail of either.
  log_format::LineReader data_lines(*data);
  log_format::LineReader id_lines(*ids);
  absl::string_view data_line, id_line;
  size_t data_end = 0, ids_end = 0;  // Just past the last pair read.
  while (batch.records.size() < max_events && data_lines.Next(data_line) &&
         id_lines.Next(id_line)) {
    // The writer only writes well-formed id lines; a line that is not keeps
    // its place in the pairing, without an id or a time.
    const std::optional<log_format::IdLine> id = log_format::ParseIdLine(id_line);
    if (batch.records.empty() && id.has_value()) batch.first_stored_at = id->stored_at;
    Record record;
    record.message_id = id.has_value() ? std::string(id->message_id) : std::string();
    record.json = std::string(data_line);
    batch.records.push_back(std::move(record));
    data_end = data_lines.offset();
    ids_end = id_lines.offset();
  }
  batch.end.data_bytes += data_end;
  batch.end.ids_bytes += ids_end;
  return batch;
}

}  // namespace trackd

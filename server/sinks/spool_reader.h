// Reading delivered-to-be events back out of the event log used as a spool.
#ifndef TRACKD_SERVER_SINKS_SPOOL_READER_H_
#define TRACKD_SERVER_SINKS_SPOOL_READER_H_

#include <cstdint>
#include <limits>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/event_log.h"
#include "server/file_system.h"
#include "server/record.h"

namespace trackd {

struct SpoolBatch {
  std::vector<Record> records;  // message_id and json of each event, in log order.
  LogPosition end;              // Just past the last event read.
  absl::Time first_stored_at;   // When the first event was stored (from its id line).
};

inline constexpr uint64_t kToEndOfFile = std::numeric_limits<uint64_t>::max();

// Reads up to `max_events` complete events of segment `from.segment`, starting
// at `from` and ending at or before the byte limits (kToEndOfFile for a closed
// segment). Line k of the .ndjson file pairs with line k of the .ids file.
// Thread-compatible; it only reads durable bytes the writer no longer touches.
absl::StatusOr<SpoolBatch> ReadSpool(FileSystem& fs, const EventLog& log, const LogPosition& from,
                                     uint64_t data_limit, uint64_t ids_limit, size_t max_events);

}  // namespace trackd

#endif  // TRACKD_SERVER_SINKS_SPOOL_READER_H_

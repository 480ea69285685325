// Server-assigned message ids for events sent without one.
#ifndef TRACKD_COMMON_MESSAGE_ID_H_
#define TRACKD_COMMON_MESSAGE_ID_H_

#include <cstdint>
#include <string>

#include "absl/time/time.h"

namespace trackd {

// Returns a new version 7 UUID (RFC 9562) in its 36-character text form: the
// millisecond time `now`, then 74 random bits from a generator seeded by the
// OS. Time-ordered ids keep index inserts local. Thread-safe.
std::string NewMessageId(absl::Time now);

// Returns the 36-character text form (8-4-4-4-12 lower-case hex) of a UUID.
std::string FormatUuid(const uint8_t (&bytes)[16]);

}  // namespace trackd

#endif  // TRACKD_COMMON_MESSAGE_ID_H_

// Validation of a TrackRequest against the rules written in proto/trackd/v1.
//
// A pure function: it reads only its arguments (the clock is passed in), so
// every rule is tested table by table without a server. It reports every
// violation, not only the first, so a caller can fix a request in one round.
#ifndef TRACKD_SERVER_VALIDATE_H_
#define TRACKD_SERVER_VALIDATE_H_

#include <cstddef>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "trackd/common/contract.h"
#include "trackd/common/field_violation.h"
#include "trackd/v1/track.pb.h"

namespace trackd {

// The bounds of the timestamp rule; server settings with these defaults.
struct TimestampBounds {
  // Events before this instant are rejected. Default: 2000-01-01T00:00:00Z.
  absl::Time earliest = absl::FromUnixSeconds(946684800);
  // Events more than this far after the server's clock are rejected.
  absl::Duration max_future = absl::Hours(24);
};

// Returns every rule of the contract that `request` breaks; empty when it is
// valid. `now` is the server's clock. Does not check the encoded size, which
// needs the encoding (see CheckEncodedSize).
FieldViolations FindViolations(const v1::TrackRequest& request, absl::Time now,
                               const TimestampBounds& bounds);

// Returns a violation when a documented JSON line of `encoded_bytes` exceeds
// kMaxEncodedEventBytes, or an empty list.
FieldViolations CheckEncodedSize(size_t encoded_bytes);

}  // namespace trackd

#endif  // TRACKD_SERVER_VALIDATE_H_

// The seed account_added_user event (../shared/seed/account_added_user.md) as a
// TrackRequest, used by the load generator and the micro benchmarks so that
// both measure the same message.
#ifndef TRACKD_BENCH_SEED_EVENT_H_
#define TRACKD_BENCH_SEED_EVENT_H_

#include <string>

#include "absl/time/time.h"
#include "trackd/v1/track.pb.h"

namespace trackd::bench {

// Returns the seed event (user "Mark Wood", role "Developer", the seed's
// user_id and group_id) with the given message_id and timestamp. It passes the
// server's validation for any `timestamp` within the server's bounds.
v1::TrackRequest SeedTrackRequest(const std::string& message_id, absl::Time timestamp);

// Sets `request`'s timestamp to `time`, truncated to the nanosecond.
void SetTimestamp(absl::Time time, v1::TrackRequest* request);

}  // namespace trackd::bench

#endif  // TRACKD_BENCH_SEED_EVENT_H_

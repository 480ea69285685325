#include "bench/seed_event.h"

#include <cstdint>

namespace trackd::bench {

v1::TrackRequest SeedTrackRequest(const std::string& message_id, absl::Time timestamp) {
  v1::TrackRequest request;
  request.set_message_id(message_id);
  request.set_user_id("766b3aef-5904-46fe-af05-a293fee8h345");
  request.set_group_id("47464e5b-4727-11ee-aeb6-fefbf8354ds3");
  v1::AccountAddedUser* user = request.mutable_account_added_user();
  user->set_user_role("Developer");
  user->set_user_name("Mark Wood");
  user->set_user_email("mark.wood@example.com");
  SetTimestamp(timestamp, &request);
  return request;
}

void SetTimestamp(absl::Time time, v1::TrackRequest* request) {
  const int64_t nanos = absl::ToUnixNanos(time);
  // Floor division, so times before 1970 still get nanos in [0, 1e9).
  int64_t seconds = nanos / 1'000'000'000;
  int64_t rest = nanos % 1'000'000'000;
  if (rest < 0) {
    rest += 1'000'000'000;
    --seconds;
  }
  request->mutable_timestamp()->set_seconds(seconds);
  request->mutable_timestamp()->set_nanos(static_cast<int32_t>(rest));
}

}  // namespace trackd::bench

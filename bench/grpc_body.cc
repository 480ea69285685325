#include "bench/grpc_body.h"

#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "bench/seed_event.h"
#include "trackd/v1/track.pb.h"

namespace trackd::bench {

std::string GrpcFrame(const google::protobuf::MessageLite& message) {
  const std::string payload = message.SerializeAsString();
  const auto size = static_cast<uint32_t>(payload.size());
  std::string framed;
  framed.reserve(5 + payload.size());
  framed.push_back('\0');
  for (int shift = 24; shift >= 0; shift -= 8) {
    framed.push_back(static_cast<char>((size >> shift) & 0xff));
  }
  framed += payload;
  return framed;
}

std::string SeedTrackBody(absl::Time now) { return GrpcFrame(SeedTrackRequest("", now)); }

absl::StatusOr<std::string> SeedTrackBatchBody(int items, absl::Time now) {
  if (items < 1 || items > 500) {
    return absl::InvalidArgumentError(absl::StrCat("items must be 1 to 500, got ", items));
  }
  v1::TrackBatchRequest batch;
  const v1::TrackRequest seed = SeedTrackRequest("", now);
  for (int i = 0; i < items; ++i) *batch.add_requests() = seed;
  return GrpcFrame(batch);
}

}  // namespace trackd::bench

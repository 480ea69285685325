// The request bodies h2load sends: a serialized request behind gRPC's 5-byte
// message prefix (a 0 "not compressed" byte, then the length as 4 bytes
// big-endian). h2load sends the same bytes on every call, so the events carry
// an empty message_id (the server assigns one each time) and a timestamp
// fixed when the body is made.
#ifndef TRACKD_BENCH_GRPC_BODY_H_
#define TRACKD_BENCH_GRPC_BODY_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "google/protobuf/message_lite.h"

namespace trackd::bench {

// Returns `message` serialized behind the gRPC message prefix.
std::string GrpcFrame(const google::protobuf::MessageLite& message);

// Returns the framed TrackRequest of the seed event (bench/seed_event.h) with
// an empty message_id and timestamp `now`.
std::string SeedTrackBody(absl::Time now);

// Returns the framed TrackBatchRequest of `items` such seed events;
// INVALID_ARGUMENT unless 1 <= items <= 500 (trackd's batch limit).
absl::StatusOr<std::string> SeedTrackBatchBody(int items, absl::Time now);

}  // namespace trackd::bench

#endif  // TRACKD_BENCH_GRPC_BODY_H_

// Decoding of a request read through the wire view (server/wire/track_wire.proto)
// into the contract's message, checking that every string is valid UTF-8.
//
// gRPC hands trackd the raw request bytes; the service parses them into the
// wire view, whose strings protobuf does not check, and this unit turns the
// view into a trackd.v1.TrackRequest. A string that is not UTF-8 becomes a
// violation naming its field ("user_id", "context.<key>", "properties.a.b[2]",
// a key's invalid bytes shown as U+FFFD) instead of a parse failure, so a
// TrackBatch rejects only the item that holds it. Pure and thread-compatible.
#ifndef TRACKD_SERVER_WIRE_DECODE_H_
#define TRACKD_SERVER_WIRE_DECODE_H_

#include "server/wire/track_wire.pb.h"
#include "trackd/common/field_violation.h"
#include "trackd/v1/track.pb.h"

namespace trackd {

inline constexpr char kInvalidUtf8Rule[] = "must be valid UTF-8";
inline constexpr char kInvalidUtf8KeyRule[] = "key must be valid UTF-8";

// Fills `out` (which must be empty) from `wire`. Returns the UTF-8 violations,
// bounded as in violation_list.h; when there are any, `out` is incomplete and
// must not be used.
FieldViolations DecodeWireRequest(const wire::TrackRequest& wire, v1::TrackRequest* out);

}  // namespace trackd

#endif  // TRACKD_SERVER_WIRE_DECODE_H_

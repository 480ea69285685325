// Reading documented JSON back into a TrackRequest: the inverse of
// json_encoder.h, shared by trackctl (which sends files of documented JSON)
// and the tests that pin the two together as a round trip.
#ifndef TRACKD_COMMON_JSON_DECODER_H_
#define TRACKD_COMMON_JSON_DECODER_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "trackd/v1/track.pb.h"

namespace trackd {

// Parses one documented JSON object (one line, or pretty-printed as in the
// seed) into a request without a message_id:
// - "user_id", "event" and "timestamp" (RFC 3339) are required strings;
// - "properties" and "context" are optional objects;
// - event "account_added_user" fills the typed account_added_user field, whose
//   properties may only be user_name, user_email and user_role (strings);
//   any other event fills event_name and the free-form properties;
// - context "group_id" fills group_id; other context keys fill context.
// For every valid request r, EncodeDocumentedJson(Decode(EncodeDocumentedJson(r)))
// equals EncodeDocumentedJson(r). Returns INVALID_ARGUMENT naming the key at
// fault for malformed JSON, a missing or unknown key, or a value of the wrong type.
// The JSON must be strict (RFC 8259: no trailing commas, comments, single
// quotes or raw control characters in strings), without a key twice in one
// object, and nest no deeper than protobuf's parser allowed (docs/libraries.md);
// of several bad keys, the first in byte order is named. JSON that is not JSON
// is named by position, "not valid JSON at line L, column C: <reason>", lines
// counted from `first_line` (the line of a file where `json` begins) and
// columns in bytes from 1.
// Does not apply the contract's rules; the server does.
absl::StatusOr<v1::TrackRequest> DecodeDocumentedJson(absl::string_view json, int first_line = 1);

}  // namespace trackd

#endif  // TRACKD_COMMON_JSON_DECODER_H_

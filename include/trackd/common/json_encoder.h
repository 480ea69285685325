// Conversion of a valid TrackRequest to the documented JSON of the Track API
// (../shared/seed/account_added_user.md), the format every sink stores or sends:
//
//   {"user_id":…,"event":…,"properties":{…},"context":{"group_id":…,…},"timestamp":…}
//
// One line, keys in that order, no other keys. A plain writer rather than
// protobuf's JSON printer: it is ~30x faster and the key order and timestamp
// format are ours to fix. Pure and thread-compatible.
#ifndef TRACKD_COMMON_JSON_ENCODER_H_
#define TRACKD_COMMON_JSON_ENCODER_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"
#include "trackd/v1/track.pb.h"

namespace trackd {

// What the line carries for the typed fields the contract declares personal
// (the (trackd.v1.data_class) annotation): the server's --personal_data policy
// (server/personal_data.h) implements it. Free-form Structs (context,
// properties) are not inspected. Must be thread-safe.
class PersonalValueFilter {
 public:
  virtual ~PersonalValueFilter() = default;
  // Whether `field` (of TrackRequest or a message below it) is personal.
  virtual bool IsPersonal(const google::protobuf::FieldDescriptor& field) const = 0;
  // Sets `*replacement` to what the line carries instead of `value` (the
  // encoder escapes it), or returns false to leave the key out of the line.
  virtual bool Replace(absl::string_view value, std::string* replacement) const = 0;
};

// Appends the documented JSON of `request` to `out`, without a trailing
// newline. `request` must have passed FindViolations; in particular its strings
// are valid UTF-8 and its numbers finite.
//
// - "event" is event_name, or "account_added_user" for the typed properties.
// - account_added_user properties are written user_name, user_email,
//   user_role; empty optional ones are left out. Struct keys are sorted.
// - "context" holds "group_id" (when set) and then the other context keys.
// - "timestamp" is RFC 3339 UTC with exactly three fractional digits.
//
// With `personal`, each typed field it calls personal (user_id, group_id and
// the account_added_user properties are the typed ones) carries what it makes
// of the value, or is left out; with nullptr (the keep policy) the values are
// written as they are, at no extra cost.
void AppendDocumentedJson(const v1::TrackRequest& request, std::string* out,
                          const PersonalValueFilter* personal = nullptr);

// Returns AppendDocumentedJson's output as a new string.
std::string EncodeDocumentedJson(const v1::TrackRequest& request);

// Appends `value` as a JSON string literal: quoted, with '"', '\\', control
// characters and U+2028/U+2029 escaped; other UTF-8 is copied as it is.
void AppendJsonString(absl::string_view value, std::string* out);

// Appends a Timestamp as "YYYY-MM-DDThh:mm:ss.mmmZ" (quoted), truncating to the
// millisecond. `seconds` must lie within Timestamp's range (years 1–9999).
void AppendTimestamp(int64_t seconds, int32_t nanos, std::string* out);

}  // namespace trackd

#endif  // TRACKD_COMMON_JSON_ENCODER_H_

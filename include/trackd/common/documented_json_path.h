// Naming a field of a TrackRequest the way the documented JSON names it. The server's
// violations name request fields ("account_added_user.user_role", "group_id"); a user who
// wrote documented JSON (trackctl's files) knows the keys of that JSON
// ("properties.user_role", "context.group_id"). The table is the encoder's placement of each
// field (json_encoder.h), pinned to it by documented_json_path_test.
#ifndef TRACKD_COMMON_DOCUMENTED_JSON_PATH_H_
#define TRACKD_COMMON_DOCUMENTED_JSON_PATH_H_

#include <string>

#include "absl/strings/string_view.h"

namespace trackd {

// The documented JSON path of the TrackRequest field path `request_field`, as written in a
// google.rpc.BadRequest field violation: "group_id" -> "context.group_id",
// "account_added_user.user_role" -> "properties.user_role", "event_name" -> "event";
// "user_id", "timestamp", "properties.…" and "context.…" are the same in both. A path the
// documented JSON has no key for (message_id, "(more)", an unknown field) is returned as is.
// Thread-safe.
std::string DocumentedJsonPath(absl::string_view request_field);

}  // namespace trackd

#endif  // TRACKD_COMMON_DOCUMENTED_JSON_PATH_H_

// Typed error details on absl::Status, without gRPC.
//
// Typed details (google.rpc.BadRequest, google.rpc.RetryInfo) travel inside
// absl::Status as payloads keyed by their type URL, so the logic speaks absl
// only; common/grpc_status.h packs them into the google.rpc.Status that gRPC
// sends as the grpc-status-details-bin trailer.
#ifndef TRACKD_COMMON_STATUS_DETAILS_H_
#define TRACKD_COMMON_STATUS_DETAILS_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "trackd/common/field_violation.h"

namespace trackd {

// Returns INVALID_ARGUMENT with `message` and a google.rpc.BadRequest detail
// listing `violations`.
absl::Status InvalidArgumentWithViolations(absl::string_view message,
                                           const FieldViolations& violations);

// Returns `status` with a google.rpc.RetryInfo detail suggesting `delay`.
absl::Status WithRetryInfo(absl::Status status, absl::Duration delay);

// Returns the violations of a BadRequest detail in `status`; empty if none.
FieldViolations ViolationsOf(const absl::Status& status);

}  // namespace trackd

#endif  // TRACKD_COMMON_STATUS_DETAILS_H_

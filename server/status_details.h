// The one place where trackd's absl::Status values meet gRPC statuses.
//
// Typed details (google.rpc.BadRequest, google.rpc.RetryInfo) travel inside
// absl::Status as payloads keyed by their type URL; ToGrpcStatus packs them into
// the google.rpc.Status that gRPC sends as the grpc-status-details-bin trailer.
#ifndef TRACKD_SERVER_STATUS_DETAILS_H_
#define TRACKD_SERVER_STATUS_DETAILS_H_

#include "absl/strings/string_view.h"

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "grpcpp/support/status.h"
#include "server/field_violation.h"

namespace trackd {

// Returns INVALID_ARGUMENT with `message` and a google.rpc.BadRequest detail
// listing `violations`.
absl::Status InvalidArgumentWithViolations(absl::string_view message,
                                           const FieldViolations& violations);

// Returns `status` with a google.rpc.RetryInfo detail suggesting `delay`.
absl::Status WithRetryInfo(absl::Status status, absl::Duration delay);

// Returns the violations of a BadRequest detail in `status`; empty if none.
FieldViolations ViolationsOf(const absl::Status& status);

// Converts an absl::Status, payloads included, to a grpc::Status. Codes map
// one to one (both follow google.rpc.Code).
grpc::Status ToGrpcStatus(const absl::Status& status);

// The inverse of ToGrpcStatus: the code, message and every typed detail of the
// grpc-status-details-bin trailer, as payloads keyed by type URL.
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace trackd

#endif  // TRACKD_SERVER_STATUS_DETAILS_H_

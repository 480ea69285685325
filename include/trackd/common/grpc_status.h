// The one place where trackd's absl::Status values meet gRPC statuses, used
// only by the gRPC adapters: the service (server/service.cc) and the client
// (client/track_client.cc). Everything behind them speaks absl::Status.
//
// The payloads of an absl::Status (typed details keyed by type URL, see
// common/status_details.h) become the details of the google.rpc.Status that
// gRPC sends as the grpc-status-details-bin trailer, and back.
#ifndef TRACKD_COMMON_GRPC_STATUS_H_
#define TRACKD_COMMON_GRPC_STATUS_H_

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace trackd {

// Converts an absl::Status, payloads included, to a grpc::Status. Codes map
// one to one (both follow google.rpc.Code).
grpc::Status ToGrpcStatus(const absl::Status& status);

// The inverse of ToGrpcStatus: the code, message and every typed detail of the
// grpc-status-details-bin trailer, as payloads keyed by type URL.
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace trackd

#endif  // TRACKD_COMMON_GRPC_STATUS_H_

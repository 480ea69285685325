#include "trackd/common/status_details.h"

#include <string>

#include "absl/strings/cord.h"
#include "google/protobuf/duration.pb.h"
#include "google/rpc/error_details.pb.h"

namespace trackd {
namespace {

constexpr char kTypeUrlPrefix[] = "type.googleapis.com/";

template <typename Message>
std::string TypeUrlOf() {
  return std::string(kTypeUrlPrefix) + Message::descriptor()->full_name();
}

}  // namespace

absl::Status InvalidArgumentWithViolations(absl::string_view message,
                                           const FieldViolations& violations) {
  google::rpc::BadRequest bad_request;
  for (const auto& v : violations) {
    auto* fv = bad_request.add_field_violations();
    fv->set_field(v.field);
    fv->set_description(v.description);
  }
  absl::Status status(absl::StatusCode::kInvalidArgument, message);
  status.SetPayload(TypeUrlOf<google::rpc::BadRequest>(),
                    absl::Cord(bad_request.SerializeAsString()));
  return status;
}

absl::Status WithRetryInfo(absl::Status status, absl::Duration delay) {
  google::rpc::RetryInfo info;
  const int64_t nanos = absl::ToInt64Nanoseconds(delay);
  info.mutable_retry_delay()->set_seconds(nanos / 1'000'000'000);
  info.mutable_retry_delay()->set_nanos(static_cast<int32_t>(nanos % 1'000'000'000));
  status.SetPayload(TypeUrlOf<google::rpc::RetryInfo>(), absl::Cord(info.SerializeAsString()));
  return status;
}

FieldViolations ViolationsOf(const absl::Status& status) {
  FieldViolations out;
  const auto payload = status.GetPayload(TypeUrlOf<google::rpc::BadRequest>());
  if (!payload.has_value()) return out;
  google::rpc::BadRequest bad_request;
  if (!bad_request.ParseFromString(std::string(*payload))) return out;
  for (const auto& fv : bad_request.field_violations()) {
    out.push_back({fv.field(), fv.description()});
  }
  return out;
}

}  // namespace trackd

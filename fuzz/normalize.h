// What the documented JSON carries of a TrackRequest, for the round-trip
// properties of the fuzz targets: the JSON has no message_id, millisecond
// timestamps, no empty properties or context objects, group_id only once, and
// one null.
#ifndef TRACKD_FUZZ_NORMALIZE_H_
#define TRACKD_FUZZ_NORMALIZE_H_

#include "google/protobuf/struct.pb.h"
#include "trackd/v1/track.pb.h"

namespace trackd {

// JSON has one null: a NullValue outside the enum (proto3 keeps unknown enum
// numbers) is written "null" and reads back as NULL_VALUE.
inline void NormalizeNulls(google::protobuf::Value& value) {
  switch (value.kind_case()) {
    case google::protobuf::Value::kNullValue:
      value.set_null_value(google::protobuf::NULL_VALUE);
      return;
    case google::protobuf::Value::kStructValue:
      for (auto& [key, field] : *value.mutable_struct_value()->mutable_fields()) {
        NormalizeNulls(field);
      }
      return;
    case google::protobuf::Value::kListValue:
      for (auto& item : *value.mutable_list_value()->mutable_values()) NormalizeNulls(item);
      return;
    default:
      return;
  }
}

inline void NormalizeNulls(google::protobuf::Struct& s) {
  for (auto& [key, field] : *s.mutable_fields()) NormalizeNulls(field);
}

// Returns `request` as it reads back from its documented JSON.
inline v1::TrackRequest AsCarriedByJson(v1::TrackRequest request) {
  request.DiscardUnknownFields();
  request.clear_message_id();
  request.clear_validate_only();  // How to call, not part of the event.
  if (request.has_timestamp()) {
    auto* ts = request.mutable_timestamp();
    ts->set_nanos(ts->nanos() / 1'000'000 * 1'000'000);
  }
  if (request.has_properties() && request.properties().fields().empty()) {
    request.clear_properties();
  }
  if (request.has_context()) {
    // The encoder writes group_id once, from the field; validation makes a
    // context "group_id" equal to it.
    request.mutable_context()->mutable_fields()->erase("group_id");
    if (request.context().fields().empty()) request.clear_context();
  }
  if (request.has_properties()) NormalizeNulls(*request.mutable_properties());
  if (request.has_context()) NormalizeNulls(*request.mutable_context());
  return request;
}

}  // namespace trackd

#endif  // TRACKD_FUZZ_NORMALIZE_H_

// What the documented JSON carries of a TrackRequest, for the round-trip
// properties of the fuzz targets: the JSON has no message_id, millisecond
// timestamps, no empty properties or context objects, and group_id only once.
#ifndef TRACKD_FUZZ_NORMALIZE_H_
#define TRACKD_FUZZ_NORMALIZE_H_

#include "trackd/v1/track.pb.h"

namespace trackd {

// Returns `request` as it reads back from its documented JSON.
inline v1::TrackRequest AsCarriedByJson(v1::TrackRequest request) {
  request.DiscardUnknownFields();
  request.clear_message_id();
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
  return request;
}

}  // namespace trackd

#endif  // TRACKD_FUZZ_NORMALIZE_H_

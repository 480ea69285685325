// Fuzz target (a): request bytes → parse → validate → encode, the path of one
// Track call through the server without the server. Arbitrary bytes never
// crash it; every request validation accepts encodes to strict JSON (RFC 8259,
// fuzz/strict_json.h) that the documented-JSON decoder reads back as the same
// request, as far as the JSON carries it (fuzz/normalize.h).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <utility>

#include "absl/time/time.h"
#include "fuzz/fuzz_check.h"
#include "fuzz/normalize.h"
#include "fuzz/strict_json.h"
#include "google/protobuf/stubs/logging.h"
#include "google/protobuf/util/message_differencer.h"
#include "server/utf8.h"
#include "server/validate.h"
#include "server/violation_list.h"
#include "server/wire/track_wire.pb.h"
#include "server/wire_decode.h"
#include "trackd/common/json_decoder.h"
#include "trackd/common/json_encoder.h"
#include "trackd/v1/track.pb.h"

namespace {

// A fixed clock, so an input means the same on every run.
const absl::Time kNow = absl::FromUnixSeconds(1'700'000'000);

// The server's parse step: the wire view (no UTF-8 check by protobuf), then
// the decoder that reports each string that is not UTF-8 as a violation. Those
// violations must be bounded and name a field; the request they leave is not
// checked further.
std::optional<trackd::v1::TrackRequest> ParseRequest(const uint8_t* data, size_t size) {
  trackd::wire::TrackRequest wire;
  if (!wire.ParseFromArray(data, static_cast<int>(size))) return std::nullopt;
  trackd::v1::TrackRequest request;
  const trackd::FieldViolations violations = trackd::DecodeWireRequest(wire, &request);
  FUZZ_CHECK(violations.size() <= trackd::kMaxListedViolations + 1, "%zu violations",
             violations.size());
  for (const trackd::FieldViolation& v : violations) {
    FUZZ_CHECK(!v.field.empty() && v.field.size() <= trackd::kMaxViolationFieldBytes &&
                   trackd::IsValidUtf8(v.field),
               "bad violation field %s", v.field.c_str());
  }
  if (!violations.empty()) return std::nullopt;
  return request;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  google::protobuf::SetLogHandler(nullptr);  // Nothing of protobuf's logging is wanted here.
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::optional<trackd::v1::TrackRequest> request = ParseRequest(data, size);
  if (!request) return 0;
  if (!trackd::FindViolations(*request, kNow, trackd::TimestampBounds{}).empty()) return 0;
  std::string json;
  trackd::AppendDocumentedJson(*request, &json);
  if (!trackd::CheckEncodedSize(json.size()).empty()) return 0;

  // For whoever adds to the seed corpus: which inputs get this far.
  if (std::getenv("TRACKD_FUZZ_VERBOSE") != nullptr)
    std::fprintf(stderr, "valid: %s\n", json.c_str());
  const absl::Status strict = trackd::CheckStrictJson(json);
  FUZZ_CHECK(strict.ok(), "%s in %s", strict.ToString().c_str(), json.c_str());
  auto decoded = trackd::DecodeDocumentedJson(json);
  FUZZ_CHECK(decoded.ok(), "%s for %s", decoded.status().ToString().c_str(), json.c_str());
  const trackd::v1::TrackRequest expected = trackd::AsCarriedByJson(*request);
  FUZZ_CHECK(google::protobuf::util::MessageDifferencer::Equals(expected, *decoded),
             "sent %s\ndecoded %s\nfrom %s", expected.ShortDebugString().c_str(),
             decoded->ShortDebugString().c_str(), json.c_str());
  return 0;
}

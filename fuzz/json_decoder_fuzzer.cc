// Fuzz target (c): the documented-JSON decoder trackctl uses on its input files
// (common/json_decoder.h). Arbitrary bytes never crash it; whatever it accepts
// re-encodes (common/json_encoder.h) to strict JSON that decodes to the same
// request, and encoding that gives the same line again.
//
// The encoder's contract covers only requests that pass validation (it
// assumes valid UTF-8 and finite numbers), so the round trip is checked for
// accepted requests that the server would accept too.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/time/time.h"
#include "fuzz/fuzz_check.h"
#include "fuzz/normalize.h"
#include "fuzz/strict_json.h"
#include "google/protobuf/stubs/logging.h"
#include "google/protobuf/util/message_differencer.h"
#include "server/validate.h"
#include "trackd/common/json_decoder.h"
#include "trackd/common/json_encoder.h"

namespace {

// A fixed clock, so an input means the same on every run.
const absl::Time kNow = absl::FromUnixSeconds(1'700'000'000);

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // protobuf logs each timestamp it cannot parse (TimeUtil::FromString).
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  auto decoded = trackd::DecodeDocumentedJson(input);
  if (!decoded.ok()) {
    FUZZ_CHECK(decoded.status().code() == absl::StatusCode::kInvalidArgument, "%s",
               decoded.status().ToString().c_str());
    return 0;
  }
  if (!trackd::FindViolations(*decoded, kNow, trackd::TimestampBounds{}).empty()) return 0;

  const std::string json = trackd::EncodeDocumentedJson(*decoded);
  // For whoever adds to the seed corpus: which inputs get this far.
  if (std::getenv("TRACKD_FUZZ_VERBOSE") != nullptr)
    std::fprintf(stderr, "valid: %s\n", json.c_str());
  const absl::Status strict = trackd::CheckStrictJson(json);
  FUZZ_CHECK(strict.ok(), "%s in %s", strict.ToString().c_str(), json.c_str());
  auto again = trackd::DecodeDocumentedJson(json);
  FUZZ_CHECK(again.ok(), "%s for %s", again.status().ToString().c_str(), json.c_str());
  const trackd::v1::TrackRequest expected = trackd::AsCarriedByJson(*decoded);
  FUZZ_CHECK(google::protobuf::util::MessageDifferencer::Equals(expected, *again),
             "decoded %s\nre-decoded %s", expected.ShortDebugString().c_str(),
             again->ShortDebugString().c_str());
  const std::string json_again = trackd::EncodeDocumentedJson(*again);
  FUZZ_CHECK(json_again == json, "%s\nre-encoded as\n%s", json.c_str(), json_again.c_str());
  return 0;
}

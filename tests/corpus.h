// The conformance corpus (tests/contract/cases/, whose README is the format) for the C++ tests:
// loads the cases and turns what trackd answered into the corpus's verdict form, so a test
// compares one JSON value with the case's "expect".
#ifndef TRACKD_TESTS_CORPUS_H_
#define TRACKD_TESTS_CORPUS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"
#include "trackd/v1/track.pb.h"

namespace trackd::testing {

struct CorpusCase {
  std::string name;
  bool is_batch = false;
  v1::TrackRequest request;     // when !is_batch
  v1::TrackBatchRequest batch;  // when is_batch
  nlohmann::json expect;
};

// How a case is sent. A dry run sets validate_only, as every language's runner does. A real
// call clears it (on the batch's items too), which a fresh server accepts because every
// accepted case has its own message_id; the lines then come from what was stored.
enum class CorpusMode { kDryRun, kRealCall };

// Every case of every *.json file in `dir` (default: the source tree's corpus), in file
// order. Fails on a file that is not valid JSON or a request protobuf JSON does not parse.
absl::StatusOr<std::vector<CorpusCase>> LoadCorpus(const std::string& dir = "");

// The request of a single case, or the batch of a batch case, as `mode` sends it.
v1::TrackRequest TrackRequestFor(const CorpusCase& c, CorpusMode mode);
v1::TrackBatchRequest BatchRequestFor(const CorpusCase& c, CorpusMode mode);

// The verdict of a Track call: `status` and, when OK, `response`. In a real call `stored`
// holds the lines the call stored (the documented JSON); in a dry run it is ignored and the
// line is the response's documented_json.
nlohmann::json TrackVerdict(const absl::Status& status, const v1::TrackResponse& response,
                            CorpusMode mode, const std::vector<std::string>& stored);
// The same for a TrackBatch call: accepted items take the stored lines in order.
nlohmann::json BatchVerdict(const absl::Status& status, const v1::TrackBatchResponse& response,
                            CorpusMode mode, const std::vector<std::string>& stored);

// Empty when `observed` is what `c` expects; otherwise both, for the failure message. An
// assigned message_id (the case leaves message_id out) must merely be non-empty.
std::string CorpusMismatch(const CorpusCase& c, nlohmann::json observed);

}  // namespace trackd::testing

#endif  // TRACKD_TESTS_CORPUS_H_

#include "tests/corpus.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"
#include "trackd/common/status_details.h"

namespace trackd::testing {
namespace {

absl::Status ParseProto(const nlohmann::json& json, google::protobuf::Message* out) {
  const auto status = google::protobuf::util::JsonStringToMessage(json.dump(), out);
  if (!status.ok()) return absl::InvalidArgumentError(std::string(status.message()));
  return absl::OkStatus();
}

nlohmann::json Fields(const FieldViolations& violations) {
  nlohmann::json fields = nlohmann::json::array();
  for (const auto& v : violations) fields.push_back(v.field);
  return fields;
}

nlohmann::json Refused(const absl::Status& status) {
  return {{"code", absl::StatusCodeToString(status.code())},
          {"violations", Fields(ViolationsOf(status))}};
}

// The line of an accepted event: the next stored line in a real call (where the response
// must carry none), the response's own in a dry run.
std::string LineOf(const std::string& in_response, CorpusMode mode,
                   const std::vector<std::string>& stored, size_t* next) {
  if (mode == CorpusMode::kDryRun) return in_response;
  if (!in_response.empty()) return "documented_json set in a real call: " + in_response;
  return *next < stored.size() ? stored[(*next)++] : "(nothing stored)";
}

}  // namespace

absl::StatusOr<std::vector<CorpusCase>> LoadCorpus(const std::string& dir) {
  const std::filesystem::path root =
      dir.empty() ? std::filesystem::path(TRACKD_SOURCE_DIR) / "tests/contract/cases"
                  : std::filesystem::path(dir);
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(root)) {
    if (entry.path().extension() == ".json") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  std::vector<CorpusCase> cases;
  for (const auto& file : files) {
    std::ifstream in(file);
    const nlohmann::json array = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
    if (!array.is_array())
      return absl::InvalidArgumentError(absl::StrCat(file.string(), ": not a JSON array"));
    for (const auto& json : array) {
      // Checked first: nlohmann's accessors throw on a missing key, and our code has no
      // exceptions.
      if (!json.is_object() || !json.contains("name") || !json["name"].is_string() ||
          !json.contains("expect") || json.contains("batch") == json.contains("request")) {
        return absl::InvalidArgumentError(absl::StrCat(
            file.string(), ": a case needs a name, an expect and one of request or batch: ",
            json.dump().substr(0, 200)));
      }
      CorpusCase c{.name = json["name"], .is_batch = json.contains("batch")};
      c.expect = json["expect"];
      const absl::Status parsed = c.is_batch ? ParseProto(json["batch"], &c.batch)
                                             : ParseProto(json["request"], &c.request);
      if (!parsed.ok())
        return absl::InvalidArgumentError(absl::StrCat(c.name, ": ", parsed.message()));
      cases.push_back(std::move(c));
    }
  }
  return cases;
}

v1::TrackRequest TrackRequestFor(const CorpusCase& c, CorpusMode mode) {
  v1::TrackRequest request = c.request;
  request.set_validate_only(mode == CorpusMode::kDryRun);
  return request;
}

v1::TrackBatchRequest BatchRequestFor(const CorpusCase& c, CorpusMode mode) {
  v1::TrackBatchRequest batch = c.batch;
  batch.set_validate_only(mode == CorpusMode::kDryRun);
  // An item's flag matters only in a real batch, where the corpus means none.
  if (mode == CorpusMode::kRealCall) {
    for (auto& item : *batch.mutable_requests()) item.clear_validate_only();
  }
  return batch;
}

nlohmann::json TrackVerdict(const absl::Status& status, const v1::TrackResponse& response,
                            CorpusMode mode, const std::vector<std::string>& stored) {
  if (!status.ok()) return Refused(status);
  size_t next = 0;
  nlohmann::json verdict = {{"code", "OK"}, {"message_id", response.message_id()}};
  if (response.duplicate()) verdict["duplicate"] = true;
  verdict["documented_json"] = LineOf(response.documented_json(), mode, stored, &next);
  return verdict;
}

nlohmann::json BatchVerdict(const absl::Status& status, const v1::TrackBatchResponse& response,
                            CorpusMode mode, const std::vector<std::string>& stored) {
  if (!status.ok()) return Refused(status);
  size_t next = 0;
  nlohmann::json results = nlohmann::json::array();
  for (const auto& r : response.results()) {
    std::string outcome = v1::TrackBatchResult::Outcome_Name(r.outcome());
    nlohmann::json result = {{"outcome", outcome.substr(outcome.find('_') + 1)},
                             {"message_id", r.message_id()}};
    if (r.outcome() == v1::TrackBatchResult::OUTCOME_ACCEPTED) {
      result["documented_json"] = LineOf(r.documented_json(), mode, stored, &next);
    } else if (!r.documented_json().empty()) {
      result["documented_json"] = r.documented_json();
    }
    if (r.violations_size() > 0 || r.outcome() == v1::TrackBatchResult::OUTCOME_REJECTED) {
      result["violations"] = nlohmann::json::array();
      for (const auto& v : r.violations()) result["violations"].push_back(v.field());
    }
    results.push_back(std::move(result));
  }
  return {{"code", "OK"}, {"results", std::move(results)}};
}

std::string CorpusMismatch(const CorpusCase& c, nlohmann::json observed) {
  // message_id left out of the case: the server assigned one, which must not be empty.
  const auto forget_assigned_id = [](const nlohmann::json& expect, nlohmann::json& seen) {
    if (expect.contains("message_id") || !seen.contains("message_id")) return;
    if (seen.value("code", "") == "OK" || seen.contains("outcome")) {
      if (seen["message_id"] != "") seen.erase("message_id");
    }
  };
  if (observed.contains("results") && c.expect.contains("results") &&
      observed["results"].size() == c.expect["results"].size()) {
    for (size_t i = 0; i < observed["results"].size(); ++i) {
      forget_assigned_id(c.expect["results"][i], observed["results"][i]);
    }
  } else if (!observed.contains("results")) {
    forget_assigned_id(c.expect, observed);
  }
  if (observed == c.expect) return "";
  return absl::StrCat(c.name, "\n  expected: ", c.expect.dump(), "\n  observed: ", observed.dump());
}

}  // namespace trackd::testing

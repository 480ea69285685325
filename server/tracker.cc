#include "server/tracker.h"

#include <algorithm>
#include <memory>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "google/protobuf/arena.h"
#include "server/scratch_message.h"
#include "server/violation_list.h"
#include "server/wire_decode.h"
#include "trackd/common/json_encoder.h"
#include "trackd/common/message_id.h"
#include "trackd/common/status_details.h"

namespace trackd {

FieldViolations Tracker::Prepare(const wire::TrackRequest& wire_request, absl::Time now,
                                 Record* record, std::string* message_id) const {
  ScratchMessage<v1::TrackRequest> scratch;
  v1::TrackRequest& request = *scratch;
  FieldViolations violations = DecodeWireRequest(wire_request, &request);
  if (violations.empty()) violations = FindViolations(request, now, options_.timestamps);
  if (violations.empty()) {
    AppendDocumentedJson(request, &record->json, options_.personal_data);
    violations = CheckEncodedSize(record->json.size());
  }
  if (!violations.empty()) {
    *message_id = request.message_id();
    return violations;
  }
  record->message_id = request.message_id().empty() ? NewMessageId(now) : request.message_id();
  if (options_.partition_keys) {
    record->partition_key = request.group_id().empty() ? request.user_id() : request.group_id();
  }
  return {};
}

void Tracker::CountRejected(const FieldViolations& violations, bool dry_run, DryRunRpc rpc) const {
  if (dry_run) {
    CountDryRun(rpc, DryRunOutcome::kRejected);
  } else if (options_.on_rejected) {
    options_.on_rejected(violations);
  }
}

void Tracker::DryRunTrack(Record record, const TrackCallback& done) {
  const bool duplicate = pipeline_.FindDuplicates(absl::MakeConstSpan(&record, 1)).front();
  v1::TrackResponse response;
  response.set_message_id(std::move(record.message_id));
  response.set_duplicate(duplicate);
  if (!duplicate) response.set_documented_json(std::move(record.json));
  CountDryRun(DryRunRpc::kTrack, duplicate ? DryRunOutcome::kDuplicate : DryRunOutcome::kAccepted);
  done(&response);
}

void Tracker::Track(const wire::TrackRequest& request, TrackCallback done) {
  Record record;
  std::string message_id;
  const FieldViolations violations = Prepare(request, clock_.Now(), &record, &message_id);
  if (!violations.empty()) {
    CountRejected(violations, request.validate_only(), DryRunRpc::kTrack);
    done(InvalidArgumentWithViolations(
        BoundedText(
            absl::StrCat("the event breaks the contract",
                         violations.size() > 1 ? " (the BadRequest detail lists all)" : "", ": ",
                         violations.front().field, " ", violations.front().description),
            kMaxStatusMessageBytes),
        violations));
    return;
  }
  if (request.validate_only()) {
    DryRunTrack(std::move(record), done);
    return;
  }
  v1::TrackResponse response;
  response.set_message_id(record.message_id);
  std::vector<Record> records;
  records.push_back(std::move(record));
  pipeline_.Submit(std::move(records), [response = std::move(response),
                                        done = std::move(done)](SubmitResult result) mutable {
    if (!result.ok()) {
      done(result.status());
      return;
    }
    response.set_duplicate(result->front());
    done(&response);
  });
}

void Tracker::TrackBatch(const wire::TrackBatchRequest& request, BatchCallback done) {
  const int items = request.requests_size();
  if (items == 0 || items > options_.max_batch_items) {
    const std::string rule =
        absl::StrCat("must hold 1 to ", options_.max_batch_items, " items, got ", items);
    done(InvalidArgumentWithViolations(absl::StrCat("requests ", rule), {{"requests", rule}}));
    return;
  }
  const absl::Time now = clock_.Now();
  // The response of a big batch is hundreds of small objects: on an arena they
  // take a few block allocations instead of one each.
  google::protobuf::ArenaOptions arena_options;
  arena_options.start_block_size = std::min<size_t>(64 << 10, 128 * static_cast<size_t>(items));
  arena_options.max_block_size = 64 << 10;
  auto arena = std::make_shared<google::protobuf::Arena>(arena_options);
  v1::TrackBatchResponse& response =
      *google::protobuf::Arena::CreateMessage<v1::TrackBatchResponse>(arena.get());
  response.mutable_results()->Reserve(items);
  std::vector<Record> records;
  records.reserve(items);
  std::vector<int> record_item;  // The item index of each record.
  record_item.reserve(items);
  const bool dry_run = request.validate_only();
  for (int i = 0; i < items; ++i) {
    v1::TrackBatchResult* result = response.add_results();
    Record record;
    std::string message_id;
    FieldViolations violations = Prepare(request.requests(i), now, &record, &message_id);
    if (!dry_run && request.requests(i).validate_only()) {
      // Storing an item its caller meant as a dry run would be the worse mistake.
      if (violations.empty()) message_id = request.requests(i).message_id();  // Valid UTF-8.
      violations.insert(violations.begin(), {kItemValidateOnlyField, kItemValidateOnlyRule});
      violations = BoundViolations(violations);
    }
    if (!violations.empty()) {
      CountRejected(violations, dry_run, DryRunRpc::kTrackBatch);
      result->set_message_id(std::move(message_id));
      result->set_outcome(v1::TrackBatchResult::OUTCOME_REJECTED);
      for (const auto& v : violations) {
        auto* out = result->add_violations();
        out->set_field(v.field);
        out->set_description(v.description);
      }
      continue;
    }
    result->set_message_id(record.message_id);
    records.push_back(std::move(record));
    record_item.push_back(i);
  }
  if (dry_run) {
    const std::vector<bool> duplicate = pipeline_.FindDuplicates(records);
    for (size_t k = 0; k < record_item.size(); ++k) {
      v1::TrackBatchResult& result = *response.mutable_results(record_item[k]);
      if (duplicate[k]) {
        result.set_outcome(v1::TrackBatchResult::OUTCOME_DUPLICATE);
      } else {
        result.set_outcome(v1::TrackBatchResult::OUTCOME_ACCEPTED);
        result.set_documented_json(std::move(records[k].json));
      }
      CountDryRun(DryRunRpc::kTrackBatch,
                  duplicate[k] ? DryRunOutcome::kDuplicate : DryRunOutcome::kAccepted);
    }
    done(&response);
    return;
  }
  pipeline_.Submit(std::move(records),
                   [arena = std::move(arena), &response, record_item = std::move(record_item),
                    done = std::move(done)](SubmitResult result) mutable {
                     if (!result.ok()) {
                       done(result.status());
                       return;
                     }
                     for (size_t k = 0; k < record_item.size(); ++k) {
                       response.mutable_results(record_item[k])
                           ->set_outcome((*result)[k] ? v1::TrackBatchResult::OUTCOME_DUPLICATE
                                                      : v1::TrackBatchResult::OUTCOME_ACCEPTED);
                     }
                     done(&response);
                   });
}

}  // namespace trackd

#include "server/sinks/dead_letter_line.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "nlohmann/json.hpp"
#include "trackd/common/json_encoder.h"

namespace trackd {
namespace {

constexpr absl::string_view kEventKey = ",\"event\":";

}  // namespace

void AppendDeadLetterLine(absl::string_view message_id, int status, absl::string_view response,
                          absl::string_view failed_at, absl::string_view event_json,
                          std::string* out) {
  out->append("{\"message_id\":");
  AppendJsonString(message_id, out);
  out->append(absl::StrCat(",\"status\":", status, ",\"response\":"));
  AppendJsonString(response, out);
  out->append(",\"failed_at\":");
  AppendJsonString(failed_at, out);
  out->append(kEventKey.data(), kEventKey.size());
  out->append(event_json.data(), event_json.size());
  out->append("}\n");
}

absl::StatusOr<DeadLetter> ParseDeadLetterLine(absl::string_view line) {
  const nlohmann::json parsed = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded() || !parsed.is_object()) {
    return absl::InvalidArgumentError("not a dead-letter line: not a JSON object");
  }
  const auto message_id = parsed.find("message_id");
  const auto status = parsed.find("status");
  const auto event = parsed.find("event");
  if (message_id == parsed.end() || !message_id->is_string() ||
      message_id->get_ref<const std::string&>().empty()) {
    return absl::InvalidArgumentError("not a dead-letter line: no \"message_id\" string");
  }
  if (status == parsed.end() || !status->is_number_integer()) {
    return absl::InvalidArgumentError("not a dead-letter line: no \"status\" number");
  }
  if (event == parsed.end() || !event->is_object()) {
    return absl::InvalidArgumentError("not a dead-letter line: no \"event\" object");
  }
  // Every string before "event" is escaped, so its key's first occurrence is the key itself;
  // the event's bytes run from there to the line's closing brace.
  const size_t at = line.find(kEventKey);
  absl::string_view raw = at == absl::string_view::npos ? "" : line.substr(at + kEventKey.size());
  // (A discarded parse compares unequal to nothing, hence the separate check.)
  const bool suffix = absl::ConsumeSuffix(&raw, "}");
  const nlohmann::json reparsed = nlohmann::json::parse(raw, nullptr, /*allow_exceptions=*/false);
  if (!suffix || reparsed.is_discarded() || reparsed != *event) {
    return absl::InvalidArgumentError("not a dead-letter line: \"event\" is not its last key");
  }
  return DeadLetter{.message_id = message_id->get<std::string>(),
                    .status = status->get<int>(),
                    .event_json = std::string(raw)};
}

}  // namespace trackd

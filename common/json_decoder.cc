#include "common/json_decoder.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"
#include "common/contract.h"

namespace trackd {
namespace {

using google::protobuf::Struct;
using google::protobuf::Value;

absl::Status WrongType(absl::string_view key, absl::string_view expected) {
  return absl::InvalidArgumentError(absl::StrCat("\"", key, "\" must be ", expected));
}

// Copies a string-valued key of an object into *out.
absl::Status ReadString(const Struct& object, const std::string& key, absl::string_view path,
                        bool required, std::string* out) {
  const auto it = object.fields().find(key);
  if (it == object.fields().end()) {
    if (required) return absl::InvalidArgumentError(absl::StrCat("\"", path, "\" is missing"));
    return absl::OkStatus();
  }
  if (it->second.kind_case() != Value::kStringValue) return WrongType(path, "a string");
  *out = it->second.string_value();
  return absl::OkStatus();
}

absl::Status ReadTypedProperties(const Struct& properties, v1::AccountAddedUser* out) {
  for (const auto& [key, value] : properties.fields()) {
    const std::string path = absl::StrCat("properties.", key);
    if (value.kind_case() != Value::kStringValue) return WrongType(path, "a string");
    if (key == "user_role") {
      out->set_user_role(value.string_value());
    } else if (key == "user_name") {
      out->set_user_name(value.string_value());
    } else if (key == "user_email") {
      out->set_user_email(value.string_value());
    } else {
      return absl::InvalidArgumentError(absl::StrCat(
          "\"", path, "\" is not a property of account_added_user "
          "(user_role, user_name, user_email)"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<v1::TrackRequest> DecodeDocumentedJson(absl::string_view json) {
  Value parsed;
  const auto parse_status =
      google::protobuf::util::JsonStringToMessage(std::string(json), &parsed);
  if (!parse_status.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("not valid JSON: ", std::string(parse_status.message())));
  }
  if (parsed.kind_case() != Value::kStructValue) {
    return absl::InvalidArgumentError("the event must be a JSON object");
  }
  const Struct& top = parsed.struct_value();
  for (const auto& [key, value] : top.fields()) {
    if (key != "user_id" && key != "event" && key != "properties" && key != "context" &&
        key != "timestamp") {
      return absl::InvalidArgumentError(absl::StrCat(
          "unknown key \"", key,
          "\"; documented JSON has user_id, event, properties, context and timestamp"));
    }
  }

  v1::TrackRequest request;
  std::string event, timestamp;
  if (auto s = ReadString(top, "user_id", "user_id", true, request.mutable_user_id()); !s.ok()) {
    return s;
  }
  if (auto s = ReadString(top, "event", "event", true, &event); !s.ok()) return s;
  if (auto s = ReadString(top, "timestamp", "timestamp", true, &timestamp); !s.ok()) return s;
  if (!google::protobuf::util::TimeUtil::FromString(timestamp, request.mutable_timestamp())) {
    return absl::InvalidArgumentError(absl::StrCat(
        "\"timestamp\" must be an RFC 3339 time such as 2023-11-02T00:30:08.276Z, got \"",
        timestamp, "\""));
  }

  Struct properties;
  if (auto it = top.fields().find("properties"); it != top.fields().end()) {
    if (it->second.kind_case() != Value::kStructValue) return WrongType("properties", "an object");
    properties = it->second.struct_value();
  }
  if (event == kAccountAddedUserEvent) {
    if (auto s = ReadTypedProperties(properties, request.mutable_account_added_user()); !s.ok()) {
      return s;
    }
  } else {
    request.set_event_name(event);
    if (!properties.fields().empty()) *request.mutable_properties() = std::move(properties);
  }

  if (auto it = top.fields().find("context"); it != top.fields().end()) {
    if (it->second.kind_case() != Value::kStructValue) return WrongType("context", "an object");
    Struct context = it->second.struct_value();
    if (auto s = ReadString(context, "group_id", "context.group_id", false,
                            request.mutable_group_id());
        !s.ok()) {
      return s;
    }
    context.mutable_fields()->erase("group_id");
    if (!context.fields().empty()) *request.mutable_context() = std::move(context);
  }
  return request;
}

}  // namespace trackd

#include "server/validate.h"

#include <cmath>
#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "server/utf8.h"
#include "server/violation_list.h"
#include "trackd/common/contract.h"

namespace trackd {
namespace {

// A field path kept as a chain of stack frames and written out only when a
// violation names it, so a valid event builds no path strings:
// "properties", "properties.page", "properties.items[2]".
struct FieldPath {
  const FieldPath* parent = nullptr;
  absl::string_view name;  // The field's name, or its Struct key below a parent ...
  int index = -1;          // ... or its list index when >= 0.

  std::string ToString() const {
    if (parent == nullptr) return std::string(name);
    if (index >= 0) return absl::StrCat(parent->ToString(), "[", index, "]");
    return absl::StrCat(parent->ToString(), ".", name);
  }
};

class ViolationCollector {
 public:
  void Add(absl::string_view field, absl::string_view description) {
    violations_.Add(field, description);
  }
  void Add(const FieldPath& field, absl::string_view description) {
    violations_.Add(field.ToString(), description);
  }
  FieldViolations Take() { return violations_.Take(); }

  // Checks a printable string of at most `max_chars`; `required` adds the
  // non-empty rule. Returns true when the value passed every check.
  bool CheckText(const FieldPath& field, absl::string_view value, size_t max_chars, bool required) {
    if (value.empty()) {
      if (required) Add(field, "is required and must not be empty");
      return !required;
    }
    const TextScan scan = ScanText(value);
    if (!scan.valid_utf8) {
      Add(field, "must be valid UTF-8");
      return false;
    }
    bool ok = true;
    if (scan.chars > max_chars) {
      Add(field, absl::StrCat("must be at most ", max_chars, " characters, got ", scan.chars));
      ok = false;
    }
    if (scan.has_control) {
      Add(field, "must not contain control characters");
      ok = false;
    }
    return ok;
  }

  // CheckText for an identifier, which must also not begin or end with white
  // space: ids travel as HTTP header values (Idempotency-Key), and HTTP strips
  // surrounding white space, so " x" and "x" would meet as one id downstream.
  bool CheckId(const FieldPath& field, absl::string_view value, size_t max_chars, bool required) {
    if (!CheckText(field, value, max_chars, required)) return false;
    if (HasSurroundingWhitespace(value)) {
      Add(field, "must not begin or end with white space");
      return false;
    }
    return true;
  }

  void CheckStruct(const FieldPath& field, const google::protobuf::Struct& s, int depth) {
    if (depth > kMaxStructDepth) {
      Add(field, absl::StrCat("nests deeper than ", kMaxStructDepth, " levels"));
      return;
    }
    for (const auto& [key, value] : s.fields()) {
      const FieldPath path{.parent = &field, .name = key};
      if (key.empty()) {
        Add(FieldPath{.parent = &field, .name = "\"\""}, "keys must not be empty");
        continue;
      }
      if (!CheckText(path, key, kMaxStructKeyChars, true)) continue;
      CheckValue(path, value, depth);
    }
  }

  void CheckValue(const FieldPath& field, const google::protobuf::Value& value, int depth) {
    switch (value.kind_case()) {
      case google::protobuf::Value::KIND_NOT_SET:
        Add(field, "must have a value kind set (null, number, string, bool, struct or list)");
        return;
      case google::protobuf::Value::kNumberValue:
        if (!std::isfinite(value.number_value())) {
          Add(field, "must be a finite number (JSON has no NaN or Infinity)");
        }
        return;
      case google::protobuf::Value::kStringValue: {
        const TextScan scan = ScanText(value.string_value());
        if (!scan.valid_utf8) Add(field, "must be valid UTF-8");
        return;
      }
      case google::protobuf::Value::kStructValue:
        CheckStruct(field, value.struct_value(), depth + 1);
        return;
      case google::protobuf::Value::kListValue: {
        if (depth + 1 > kMaxStructDepth) {
          Add(field, absl::StrCat("nests deeper than ", kMaxStructDepth, " levels"));
          return;
        }
        const auto& items = value.list_value().values();
        for (int i = 0; i < items.size(); ++i) {
          CheckValue(FieldPath{.parent = &field, .index = i}, items[i], depth + 1);
        }
        return;
      }
      case google::protobuf::Value::kNullValue:
      case google::protobuf::Value::kBoolValue:
        return;
    }
  }

 private:
  ViolationList violations_;
};

bool IsEventNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ' ' ||
         c == '_' || c == '.' || c == ':' || c == '-';
}

void CheckFreeFormEventName(const std::string& name, ViolationCollector& out) {
  if (name.empty()) {
    out.Add("event_name", "is required for events other than account_added_user");
    return;
  }
  if (name.size() > kMaxEventNameChars) {
    out.Add("event_name", absl::StrCat("must be at most ", kMaxEventNameChars, " characters, got ",
                                       ScanText(name).chars));
    return;
  }
  const char first = name.front();
  const bool starts_with_letter = (first >= 'a' && first <= 'z') || (first >= 'A' && first <= 'Z');
  bool all_allowed = true;
  for (char c : name) all_allowed = all_allowed && IsEventNameChar(c);
  if (!starts_with_letter || !all_allowed || name.back() == ' ') {
    out.Add("event_name",
            "must start with an ASCII letter, hold only letters, digits, spaces and _ . : -, "
            "and not end with a space");
    return;
  }
  if (name == kAccountAddedUserEvent) {
    out.Add("event_name",
            "account_added_user events must set the account_added_user field, not properties");
  }
}

// A plausible address: one "@", a non-empty local part, a dotted domain.
void CheckEmail(const std::string& email, ViolationCollector& out) {
  constexpr char kField[] = "account_added_user.user_email";
  if (!out.CheckText({.name = kField}, email, kMaxEmailChars, false) || email.empty()) return;
  for (unsigned char c : email) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f') {
      out.Add(kField, "must not contain whitespace");
      return;
    }
  }
  const size_t at = email.find('@');
  if (at == std::string::npos || email.find('@', at + 1) != std::string::npos) {
    out.Add(kField, "must contain exactly one '@'");
    return;
  }
  const absl::string_view local(email.data(), at);
  const absl::string_view domain = absl::string_view(email).substr(at + 1);
  if (local.empty() || local.size() > kMaxEmailLocalChars) {
    out.Add(kField,
            absl::StrCat("must have 1 to ", kMaxEmailLocalChars, " characters before the '@'"));
    return;
  }
  const bool bad_domain = domain.find('.') == absl::string_view::npos || domain.front() == '.' ||
                          domain.back() == '.' || domain.front() == '-' || domain.back() == '-' ||
                          domain.find("..") != absl::string_view::npos;
  if (bad_domain) {
    out.Add(kField, "must have a domain after the '@' such as example.com");
  }
}

void CheckTimestamp(const v1::TrackRequest& request, absl::Time now, const TimestampBounds& bounds,
                    ViolationCollector& out) {
  if (!request.has_timestamp()) {
    out.Add("timestamp", "is required");
    return;
  }
  const auto& ts = request.timestamp();
  if (ts.seconds() < kMinTimestampSeconds || ts.seconds() > kMaxTimestampSeconds ||
      ts.nanos() < 0 || ts.nanos() > 999'999'999) {
    out.Add("timestamp", "is not a valid timestamp (seconds or nanos out of range)");
    return;
  }
  const absl::Time t = absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos());
  if (t < bounds.earliest) {
    out.Add("timestamp", absl::StrCat("must not be before ",
                                      absl::FormatTime(absl::RFC3339_full, bounds.earliest,
                                                       absl::UTCTimeZone())));
  } else if (t > now + bounds.max_future) {
    out.Add("timestamp",
            absl::StrCat("must not be more than ", absl::FormatDuration(bounds.max_future),
                         " after the server's clock"));
  }
}

void CheckContext(const v1::TrackRequest& request, ViolationCollector& out) {
  if (!request.has_context()) return;
  out.CheckStruct({.name = "context"}, request.context(), 1);
  const auto& fields = request.context().fields();
  const auto it = fields.find("group_id");
  if (it == fields.end()) return;
  if (it->second.kind_case() != google::protobuf::Value::kStringValue ||
      it->second.string_value() != request.group_id()) {
    out.Add("context.group_id", "must be a string equal to group_id when present");
  }
}

}  // namespace

FieldViolations FindViolations(const v1::TrackRequest& request, absl::Time now,
                               const TimestampBounds& bounds) {
  ViolationCollector out;
  const bool typed = request.has_account_added_user();
  out.CheckId({.name = "message_id"}, request.message_id(), kMaxMessageIdChars, false);
  out.CheckId({.name = "user_id"}, request.user_id(), kMaxIdChars, true);
  out.CheckId({.name = "group_id"}, request.group_id(), kMaxIdChars, typed);
  CheckTimestamp(request, now, bounds, out);
  CheckContext(request, out);

  if (typed) {
    if (!request.event_name().empty() && request.event_name() != kAccountAddedUserEvent) {
      out.Add("event_name",
              "must be empty or \"account_added_user\" when account_added_user is set");
    }
    const auto& props = request.account_added_user();
    out.CheckText({.name = "account_added_user.user_role"}, props.user_role(), kMaxRoleChars, true);
    out.CheckText({.name = "account_added_user.user_name"}, props.user_name(), kMaxUserNameChars,
                  false);
    CheckEmail(props.user_email(), out);
  } else {
    CheckFreeFormEventName(request.event_name(), out);
    if (request.has_properties()) {
      out.CheckStruct({.name = "properties"}, request.properties(), 1);
    }
  }
  return out.Take();
}

FieldViolations CheckEncodedSize(size_t encoded_bytes) {
  if (encoded_bytes <= kMaxEncodedEventBytes) return {};
  return {{"(event)", absl::StrCat("encodes to ", encoded_bytes, " bytes of JSON; the limit is ",
                                   kMaxEncodedEventBytes)}};
}

}  // namespace trackd

#include "server/wire_decode.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "server/utf8.h"
#include "server/violation_list.h"

namespace trackd {
namespace {

// A field path kept as a chain of stack frames and only written out when a
// violation needs it, so valid events build no path strings.
struct Path {
  const Path* parent = nullptr;
  const char* name = nullptr;        // A proto field name ...
  const std::string* key = nullptr;  // ... or a Struct key ...
  int index = -1;                    // ... or a list index.

  std::string ToString() const {
    std::string out = parent != nullptr ? parent->ToString() : std::string();
    if (name != nullptr) {
      absl::StrAppend(&out, out.empty() ? "" : ".", name);
    } else if (key != nullptr) {
      absl::StrAppend(&out, ".", ReplaceInvalidUtf8(*key));
    } else {
      absl::StrAppend(&out, "[", index, "]");
    }
    return out;
  }
};

// Decodes through the wire view, checking every string's UTF-8 on the way.
class Decoder {
 public:
  // Returns true when `value` is valid UTF-8, or reports it.
  bool Check(const Path& path, const std::string& value) {
    if (IsValidUtf8(value)) return true;
    violations_.Add(path.ToString(), kInvalidUtf8Rule);
    return false;
  }

  void Struct(const Path& path, const wire::Struct& in, google::protobuf::Struct* out) {
    auto& fields = *out->mutable_fields();
    for (const wire::StructEntry& entry : in.fields()) {
      if (!IsValidUtf8(entry.key())) {
        violations_.Add(Path{.parent = &path, .key = &entry.key()}.ToString(), kInvalidUtf8KeyRule);
        continue;
      }
      auto [it, inserted] = fields.try_emplace(entry.key());
      google::protobuf::Value& value = it->second;
      if (!inserted) value.Clear();      // A repeated key replaces the earlier entry, as in a map.
      if (!entry.has_value()) continue;  // Validation reports a value without a kind.
      const Path entry_path{.parent = &path, .key = &it->first};
      Value(entry_path, entry.value(), &value);
    }
  }

  void Value(const Path& path, const wire::Value& in, google::protobuf::Value* out) {
    switch (in.kind_case()) {
      case wire::Value::KIND_NOT_SET:
        return;  // Validation reports a value without a kind.
      case wire::Value::kNullValue:
        out->set_null_value(google::protobuf::NULL_VALUE);
        return;
      case wire::Value::kNumberValue:
        out->set_number_value(in.number_value());
        return;
      case wire::Value::kStringValue:
        if (Check(path, in.string_value())) out->set_string_value(in.string_value());
        return;
      case wire::Value::kBoolValue:
        out->set_bool_value(in.bool_value());
        return;
      case wire::Value::kStructValue:
        Struct(path, in.struct_value(), out->mutable_struct_value());
        return;
      case wire::Value::kListValue: {
        auto* list = out->mutable_list_value()->mutable_values();
        const auto& items = in.list_value().values();
        list->Reserve(items.size());
        for (int i = 0; i < items.size(); ++i) {
          Value(Path{.parent = &path, .index = i}, items[i], list->Add());
        }
        return;
      }
    }
  }

  FieldViolations Take() { return violations_.Take(); }

 private:
  ViolationList violations_;
};

}  // namespace

FieldViolations DecodeWireRequest(const wire::TrackRequest& wire, v1::TrackRequest* out) {
  Decoder decoder;
  const auto text = [&decoder](const Path& path, const std::string& value, std::string* field) {
    // An empty string stays unset, which reads the same and allocates nothing.
    if (!value.empty() && decoder.Check(path, value)) *field = value;
  };
  if (!wire.message_id().empty()) {
    text({.name = "message_id"}, wire.message_id(), out->mutable_message_id());
  }
  if (!wire.event_name().empty()) {
    text({.name = "event_name"}, wire.event_name(), out->mutable_event_name());
  }
  if (!wire.user_id().empty()) text({.name = "user_id"}, wire.user_id(), out->mutable_user_id());
  if (!wire.group_id().empty()) {
    text({.name = "group_id"}, wire.group_id(), out->mutable_group_id());
  }
  if (wire.has_timestamp()) *out->mutable_timestamp() = wire.timestamp();
  out->set_validate_only(wire.validate_only());
  if (wire.has_context()) {
    decoder.Struct({.name = "context"}, wire.context(), out->mutable_context());
  }
  if (wire.has_account_added_user()) {
    const wire::AccountAddedUser& in = wire.account_added_user();
    v1::AccountAddedUser* props = out->mutable_account_added_user();
    const Path parent{.name = "account_added_user"};
    if (!in.user_role().empty()) {
      text({.parent = &parent, .name = "user_role"}, in.user_role(), props->mutable_user_role());
    }
    if (!in.user_name().empty()) {
      text({.parent = &parent, .name = "user_name"}, in.user_name(), props->mutable_user_name());
    }
    if (!in.user_email().empty()) {
      text({.parent = &parent, .name = "user_email"}, in.user_email(), props->mutable_user_email());
    }
  } else if (wire.has_properties()) {
    decoder.Struct({.name = "properties"}, wire.properties(), out->mutable_properties());
  }
  return decoder.Take();
}

}  // namespace trackd

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
  const char* name = nullptr;   // A proto field name ...
  const std::string* key = nullptr;  // ... or a Struct key ...
  int index = -1;               // ... or a list index.

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

class Decoder {
 public:
  // Copies a string field, or reports it.
  void Text(const Path& path, const std::string& value, std::string* out) {
    if (IsValidUtf8(value)) {
      *out = value;
    } else {
      violations_.Add(path.ToString(), kInvalidUtf8Rule);
    }
  }

  void Struct(const Path& path, const wire::Struct& in, google::protobuf::Struct* out) {
    auto& fields = *out->mutable_fields();
    for (const wire::StructEntry& entry : in.fields()) {
      const Path entry_path{.parent = &path, .key = &entry.key()};
      if (!IsValidUtf8(entry.key())) {
        violations_.Add(entry_path.ToString(), kInvalidUtf8KeyRule);
        continue;
      }
      google::protobuf::Value& value = fields[entry.key()];
      value.Clear();  // A repeated key replaces the earlier entry, as in a map.
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
        Text(path, in.string_value(), out->mutable_string_value());
        return;
      case wire::Value::kBoolValue:
        out->set_bool_value(in.bool_value());
        return;
      case wire::Value::kStructValue:
        Struct(path, in.struct_value(), out->mutable_struct_value());
        return;
      case wire::Value::kListValue: {
        auto* list = out->mutable_list_value();
        const auto& items = in.list_value().values();
        for (int i = 0; i < items.size(); ++i) {
          Value(Path{.parent = &path, .index = i}, items[i], list->add_values());
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
  decoder.Text({.name = "message_id"}, wire.message_id(), out->mutable_message_id());
  decoder.Text({.name = "event_name"}, wire.event_name(), out->mutable_event_name());
  decoder.Text({.name = "user_id"}, wire.user_id(), out->mutable_user_id());
  decoder.Text({.name = "group_id"}, wire.group_id(), out->mutable_group_id());
  if (wire.has_timestamp()) *out->mutable_timestamp() = wire.timestamp();
  if (wire.has_context()) {
    decoder.Struct({.name = "context"}, wire.context(), out->mutable_context());
  }
  if (wire.has_account_added_user()) {
    const wire::AccountAddedUser& in = wire.account_added_user();
    v1::AccountAddedUser* props = out->mutable_account_added_user();
    const Path parent{.name = "account_added_user"};
    decoder.Text({.parent = &parent, .name = "user_role"}, in.user_role(),
                 props->mutable_user_role());
    decoder.Text({.parent = &parent, .name = "user_name"}, in.user_name(),
                 props->mutable_user_name());
    decoder.Text({.parent = &parent, .name = "user_email"}, in.user_email(),
                 props->mutable_user_email());
  } else if (wire.has_properties()) {
    decoder.Struct({.name = "properties"}, wire.properties(), out->mutable_properties());
  }
  return decoder.Take();
}

}  // namespace trackd

#include "trackd/common/json_decoder.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/time_util.h"
#include "nlohmann/json.hpp"
#include "trackd/common/contract.h"

namespace trackd {
namespace {

using google::protobuf::ListValue;
using google::protobuf::Struct;
using google::protobuf::Value;

// The deepest protobuf message nesting the reader accepts, counting the root
// Value as 1: an object costs three levels (Struct, map entry, Value), an
// array two (ListValue, Value). It is the limit of the protobuf JSON parser
// this reader replaced (its binary re-parse's recursion limit), kept so the
// same inputs pass: 31 nested objects or 47 nested arrays inside "properties".
constexpr int kMaxMessageDepth = 101;

// Builds a google.protobuf.Value from nlohmann-json's SAX events, without an
// intermediate nlohmann::json tree. Rejects what the protobuf parser rejected
// beyond the JSON grammar: a key twice in one object, and nesting deeper than
// kMaxMessageDepth. The first error is kept in error().
class ValueBuilder {
 public:
  using number_integer_t = nlohmann::json::number_integer_t;
  using number_unsigned_t = nlohmann::json::number_unsigned_t;
  using number_float_t = nlohmann::json::number_float_t;
  using string_t = nlohmann::json::string_t;
  using binary_t = nlohmann::json::binary_t;

  explicit ValueBuilder(Value* root) : root_(root) {}

  const std::string& error() const { return error_; }

  bool null() {
    return Fill([](Value* v) { v->set_null_value(google::protobuf::NULL_VALUE); });
  }
  bool boolean(bool b) {
    return Fill([b](Value* v) { v->set_bool_value(b); });
  }
  // Integers become the nearest double, as protobuf's parser made them ("-0" is 0).
  bool number_integer(number_integer_t n) { return Number(static_cast<double>(n)); }
  bool number_unsigned(number_unsigned_t n) { return Number(static_cast<double>(n)); }
  bool number_float(number_float_t n, const string_t&) { return Number(n); }
  bool string(string_t& s) {
    return Fill([&s](Value* v) { v->set_string_value(std::move(s)); });
  }
  bool binary(binary_t&) { return false; }  // Only binary formats produce these.

  bool start_object(std::size_t) {
    int depth = 0;
    Value* value = Slot(&depth);
    if (value == nullptr || !Deeper(depth + 1)) return false;
    open_.push_back({value->mutable_struct_value(), nullptr, nullptr, depth + 1});
    return true;
  }
  bool key(string_t& name) {
    Open& object = open_.back();
    auto [it, inserted] = object.fields->mutable_fields()->try_emplace(std::move(name));
    if (!inserted) {
      error_ = absl::StrCat("the key \"", it->first, "\" appears twice in one object");
      return false;
    }
    object.member = &it->second;
    return true;
  }
  bool end_object() {
    open_.pop_back();
    return true;
  }
  bool start_array(std::size_t) {
    int depth = 0;
    Value* value = Slot(&depth);
    if (value == nullptr || !Deeper(depth + 1)) return false;
    open_.push_back({nullptr, value->mutable_list_value(), nullptr, depth + 1});
    return true;
  }
  bool end_array() {
    open_.pop_back();
    return true;
  }

  bool parse_error(std::size_t byte, const std::string&, const nlohmann::detail::exception& e) {
    // what() is "[json.exception.parse_error.101] parse error at line 1, column 9: <reason>";
    // the position is re-computed by the caller from `byte`, relative to the file.
    absl::string_view what = e.what();
    if (const size_t end = what.find("] "); end != absl::string_view::npos) {
      what.remove_prefix(end + 2);
    }
    if (absl::ConsumePrefix(&what, "parse error at line ")) {
      what.remove_prefix(std::min(what.size(), what.find(": ") + 2));
    }
    absl::ConsumePrefix(&what, "parse error: ");
    error_ = std::string(what);
    error_byte_ = byte;
    return false;
  }

  // The count of bytes read when the parser failed (the failing byte is the last), or 0.
  size_t error_byte() const { return error_byte_; }

 private:
  // An open object (fields) or array (items), and the proto depth of its
  // Struct or ListValue.
  struct Open {
    Struct* fields;
    ListValue* items;
    Value* member;  // Of an object: the Value its last key names.
    int depth;
  };

  // The Value the next JSON value fills, and its proto depth in *depth; null
  // (with error() set) when it would nest too deeply.
  Value* Slot(int* depth) {
    Value* value = root_;
    *depth = 1;
    if (!open_.empty()) {
      Open& open = open_.back();
      value = open.items != nullptr ? open.items->add_values() : open.member;
      *depth = open.depth + (open.items != nullptr ? 1 : 2);
    }
    return Deeper(*depth) ? value : nullptr;
  }
  bool Deeper(int depth) {
    if (depth <= kMaxMessageDepth) return true;
    error_ = absl::StrCat("nests deeper than ", kMaxMessageDepth,
                          " protobuf messages (31 objects or 47 arrays inside properties)");
    return false;
  }
  template <typename SetValue>
  bool Fill(SetValue set) {
    int depth = 0;
    Value* value = Slot(&depth);
    if (value == nullptr) return false;
    set(value);
    return true;
  }
  bool Number(double n) {
    return Fill([n](Value* v) { v->set_number_value(n); });
  }

  Value* const root_;
  std::vector<Open> open_;
  std::string error_;
  size_t error_byte_ = 0;
};

// "line L, column C" of the byte at 0-based `offset` of `json`, counting lines from
// `first_line`, as a text editor shows it (columns count bytes from 1).
std::string Position(absl::string_view json, size_t offset, int first_line) {
  offset = std::min(offset, json.size());
  const absl::string_view before = json.substr(0, offset);
  const size_t line = first_line + std::count(before.begin(), before.end(), '\n');
  const size_t line_start = before.rfind('\n');
  const size_t column = offset - (line_start == absl::string_view::npos ? 0 : line_start + 1) + 1;
  return absl::StrCat("line ", line, ", column ", column);
}

// Parses strict JSON (RFC 8259) into *out. Returns INVALID_ARGUMENT "not valid
// JSON at line L, column C: ..." (lines counted from first_line) for anything else,
// including what protobuf's lenient parser used to accept: trailing commas,
// comments, single quotes, unquoted keys, unknown escapes, raw control
// characters in strings, "1." or "-.5", a byte order mark, and a NUL byte.
absl::Status ParseJson(absl::string_view json, int first_line, Value* out) {
  // nlohmann-json reads a NUL byte as the end of the input, so "{...}\0x" would
  // pass; JSON has no raw NUL anywhere (a string escapes it as \u0000).
  if (const size_t nul = json.find('\0'); nul != absl::string_view::npos) {
    return absl::InvalidArgumentError(absl::StrCat("not valid JSON at ",
                                                   Position(json, nul, first_line),
                                                   ": a NUL byte (escape it as \\u0000)"));
  }
  if (absl::StartsWith(json, "\xEF\xBB\xBF")) {
    return absl::InvalidArgumentError(
        absl::StrCat("not valid JSON at ", Position(json, 0, first_line),
                     ": starts with a byte order mark (U+FEFF); save the file as UTF-8 without "
                     "one"));
  }
  ValueBuilder builder(out);
  if (!nlohmann::json::sax_parse(json.data(), json.data() + json.size(), &builder)) {
    if (builder.error_byte() == 0) {  // Not a syntax error: a duplicate key or the depth.
      return absl::InvalidArgumentError(absl::StrCat("not valid JSON: ", builder.error()));
    }
    return absl::InvalidArgumentError(
        absl::StrCat("not valid JSON at ", Position(json, builder.error_byte() - 1, first_line),
                     ": ", builder.error()));
  }
  return absl::OkStatus();
}

absl::Status WrongType(absl::string_view key, absl::string_view expected) {
  return absl::InvalidArgumentError(absl::StrCat("\"", key, "\" must be ", expected));
}

// Moves a string-valued key of an object into *out.
absl::Status ReadString(Struct& object, const std::string& key, absl::string_view path,
                        bool required, std::string* out) {
  const auto it = object.mutable_fields()->find(key);
  if (it == object.mutable_fields()->end()) {
    if (required) return absl::InvalidArgumentError(absl::StrCat("\"", path, "\" is missing"));
    return absl::OkStatus();
  }
  if (it->second.kind_case() != Value::kStringValue) return WrongType(path, "a string");
  *out = std::move(*it->second.mutable_string_value());
  return absl::OkStatus();
}

// The first key of `object` in byte order for which `bad` returns an error,
// and that error; OK when there is none. Struct's map has no order of its own,
// so this gives the same message for the same input every time.
template <typename Check>
absl::Status FirstBadKey(const Struct& object, Check bad) {
  const std::string* first = nullptr;
  absl::Status status;
  for (const auto& [key, value] : object.fields()) {
    if (first != nullptr && key >= *first) continue;
    if (absl::Status s = bad(key, value); !s.ok()) {
      first = &key;
      status = std::move(s);
    }
  }
  return status;
}

absl::Status ReadTypedProperties(Struct& properties, v1::AccountAddedUser* out) {
  absl::Status status = FirstBadKey(properties, [](const std::string& key, const Value& value) {
    const std::string path = absl::StrCat("properties.", key);
    if (value.kind_case() != Value::kStringValue) return WrongType(path, "a string");
    if (key == "user_role" || key == "user_name" || key == "user_email") return absl::OkStatus();
    return absl::InvalidArgumentError(absl::StrCat("\"", path,
                                                   "\" is not a property of account_added_user "
                                                   "(user_role, user_name, user_email)"));
  });
  if (!status.ok()) return status;
  for (auto& [key, value] : *properties.mutable_fields()) {
    std::string& text = *value.mutable_string_value();
    if (key == "user_role") {
      out->set_user_role(std::move(text));
    } else if (key == "user_name") {
      out->set_user_name(std::move(text));
    } else {
      out->set_user_email(std::move(text));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckTopLevelKeys(const Struct& top) {
  return FirstBadKey(top, [](const std::string& key, const Value&) {
    if (key == "user_id" || key == "event" || key == "properties" || key == "context" ||
        key == "timestamp") {
      return absl::OkStatus();
    }
    return absl::InvalidArgumentError(
        absl::StrCat("unknown key \"", key,
                     "\"; documented JSON has user_id, event, properties, context and timestamp"));
  });
}

// Moves top[key], which must be an object when present, into *out.
absl::Status TakeObject(Struct& top, const std::string& key, Struct* out) {
  const auto it = top.mutable_fields()->find(key);
  if (it == top.mutable_fields()->end()) return absl::OkStatus();
  if (it->second.kind_case() != Value::kStructValue) return WrongType(key, "an object");
  out->Swap(it->second.mutable_struct_value());
  return absl::OkStatus();
}

absl::Status ReadContext(Struct& top, v1::TrackRequest* request) {
  Struct context;
  if (auto s = TakeObject(top, "context", &context); !s.ok()) return s;
  if (auto s =
          ReadString(context, "group_id", "context.group_id", false, request->mutable_group_id());
      !s.ok()) {
    return s;
  }
  context.mutable_fields()->erase("group_id");
  if (!context.fields().empty()) request->mutable_context()->Swap(&context);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<v1::TrackRequest> DecodeDocumentedJson(absl::string_view json, int first_line) {
  Value parsed;
  if (auto s = ParseJson(json, first_line, &parsed); !s.ok()) return s;
  if (parsed.kind_case() != Value::kStructValue) {
    return absl::InvalidArgumentError("the event must be a JSON object");
  }
  Struct& top = *parsed.mutable_struct_value();
  if (auto s = CheckTopLevelKeys(top); !s.ok()) return s;

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
  if (auto s = TakeObject(top, "properties", &properties); !s.ok()) return s;
  if (event == kAccountAddedUserEvent) {
    if (auto s = ReadTypedProperties(properties, request.mutable_account_added_user()); !s.ok()) {
      return s;
    }
  } else {
    request.set_event_name(std::move(event));
    if (!properties.fields().empty()) request.mutable_properties()->Swap(&properties);
  }
  if (auto s = ReadContext(top, &request); !s.ok()) return s;
  return request;
}

}  // namespace trackd

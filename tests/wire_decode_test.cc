// The server's wire view of the request messages and its decoder: the view
// must stay wire-identical to the contract, and every string that is not
// UTF-8 must come back as a violation naming its field.
#include "server/wire_decode.h"

#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "server/violation_list.h"
#include "tests/test_util.h"

namespace trackd {
namespace {

using ::google::protobuf::Descriptor;
using ::google::protobuf::FieldDescriptor;
using ::testing::ElementsAre;
using ::testing::FieldsAre;
using ::testing::IsEmpty;
using ::testing::SizeIs;

// A wire-view field may differ from the contract's only where the wire format
// is the same: string as bytes, NullValue as int32, a map as repeated entries.
// `seen` stops the recursion of Struct → Value → Struct.
void ExpectWireIdentical(const Descriptor* contract, const Descriptor* view,
                         std::set<const Descriptor*>& seen) {
  if (!seen.insert(contract).second) return;
  SCOPED_TRACE(contract->full_name());
  ASSERT_EQ(contract->field_count(), view->field_count());
  for (int i = 0; i < contract->field_count(); ++i) {
    const FieldDescriptor* c = contract->field(i);
    const FieldDescriptor* v = view->FindFieldByNumber(c->number());
    ASSERT_NE(v, nullptr) << c->name();
    EXPECT_EQ(c->name(), v->name());
    EXPECT_EQ(c->is_repeated(), v->is_repeated()) << c->name();
    EXPECT_EQ(c->containing_oneof() == nullptr, v->containing_oneof() == nullptr) << c->name();
    if (c->type() == FieldDescriptor::TYPE_STRING) {
      EXPECT_EQ(v->type(), FieldDescriptor::TYPE_BYTES) << c->name();
    } else if (c->type() == FieldDescriptor::TYPE_ENUM) {
      EXPECT_EQ(v->type(), FieldDescriptor::TYPE_INT32) << c->name();
    } else if (c->is_map()) {
      ASSERT_EQ(v->type(), FieldDescriptor::TYPE_MESSAGE) << c->name();
      ExpectWireIdentical(c->message_type(), v->message_type(), seen);  // key = 1, value = 2
    } else if (c->type() == FieldDescriptor::TYPE_MESSAGE) {
      ASSERT_EQ(v->type(), FieldDescriptor::TYPE_MESSAGE) << c->name();
      if (c->message_type() != v->message_type()) {
        ExpectWireIdentical(c->message_type(), v->message_type(), seen);
      }
    } else {
      EXPECT_EQ(c->type(), v->type()) << c->name();
    }
  }
}

class WireDecodeTest : public ::testing::Test {
 protected:
  FieldViolations Decode(const wire::TrackRequest& request, v1::TrackRequest* out) {
    const std::string before = request.SerializeAsString();
    FieldViolations violations = DecodeWireRequest(request, out);
    EXPECT_EQ(request.SerializeAsString(), before) << "the decoder changed its input";
    return violations;
  }
};

TEST_F(WireDecodeTest, WireViewIsWireIdenticalToTheContract) {
  std::set<const Descriptor*> seen;
  ExpectWireIdentical(v1::TrackBatchRequest::descriptor(), wire::TrackBatchRequest::descriptor(),
                      seen);
  // Through TrackBatchRequest.requests, every message of the request was compared.
  EXPECT_TRUE(seen.count(v1::TrackRequest::descriptor()));
  EXPECT_TRUE(seen.count(google::protobuf::ListValue::descriptor()));
}

wire::TrackRequest ToWire(const v1::TrackRequest& request) {
  wire::TrackRequest out;
  EXPECT_TRUE(out.ParseFromString(request.SerializeAsString()));
  return out;
}

TEST_F(WireDecodeTest, ValidRequestDecodesToTheSameMessage) {
  v1::TrackRequest request = testing::SeedRequest();
  auto& context = *request.mutable_context()->mutable_fields();
  context["group_id"].set_string_value(request.group_id());
  auto& nested = *context["page"].mutable_struct_value()->mutable_fields();
  nested["path"].set_string_value("/settings/users");
  nested["views"].set_number_value(3);
  nested["none"].set_null_value(google::protobuf::NULL_VALUE);
  auto* list = nested["tags"].mutable_list_value();
  list->add_values()->set_bool_value(true);
  list->add_values()->set_string_value("\xC3\xA9t\xC3\xA9");

  v1::TrackRequest decoded;
  EXPECT_THAT(Decode(ToWire(request), &decoded), IsEmpty());
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(request, decoded))
      << decoded.DebugString();
}

TEST_F(WireDecodeTest, FreeFormRequestWithEmptyFieldsDecodesToTheSameMessage) {
  v1::TrackRequest request;
  request.set_user_id("u");
  request.set_event_name("Logged In");
  auto& props = *request.mutable_properties()->mutable_fields();
  props["empty"].set_string_value("");
  props["no kind"];
  props[std::string(40, 'k')].set_string_value(std::string(40, 'v'));
  auto* list = props["list"].mutable_list_value();
  list->add_values()->mutable_struct_value();
  list->add_values()->mutable_list_value()->add_values()->set_number_value(-0.5);

  v1::TrackRequest decoded;
  EXPECT_THAT(Decode(ToWire(request), &decoded), IsEmpty());
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(request, decoded))
      << decoded.DebugString();
}

TEST_F(WireDecodeTest, InvalidUtf8IsAViolationOfItsField) {
  wire::TrackRequest request = ToWire(testing::SeedRequest());
  request.set_user_id("u\xFF");
  request.mutable_account_added_user()->set_user_email("mark\xC3@example.com");
  v1::TrackRequest decoded;
  EXPECT_THAT(Decode(request, &decoded),
              ElementsAre(FieldsAre("user_id", "must be valid UTF-8"),
                          FieldsAre("account_added_user.user_email", "must be valid UTF-8")));
}

TEST_F(WireDecodeTest, InvalidUtf8InStructsNamesTheKeyAndPath) {
  wire::TrackRequest request = ToWire(testing::SeedRequest());
  request.clear_account_added_user();
  request.set_event_name("Report Exported");
  auto* context = request.mutable_context()->add_fields();
  context->set_key("source");
  context->mutable_value()->set_string_value("\xED\xA0\x80");  // A UTF-16 surrogate.
  auto* bad_key = request.mutable_properties()->add_fields();
  bad_key->set_key(
      "b\xFF"
      "d");
  bad_key->mutable_value()->set_bool_value(true);
  auto* list = request.mutable_properties()->add_fields();
  list->set_key("tags");
  auto* values = list->mutable_value()->mutable_list_value();
  values->add_values()->set_string_value("ok");
  values->add_values()->set_string_value("\xC0\xAF");  // Overlong '/'.

  v1::TrackRequest decoded;
  EXPECT_THAT(Decode(request, &decoded),
              ElementsAre(FieldsAre("context.source", "must be valid UTF-8"),
                          FieldsAre("properties.b\xEF\xBF\xBD"
                                    "d",
                                    "key must be valid UTF-8"),
                          FieldsAre("properties.tags[1]", "must be valid UTF-8")));
}

TEST_F(WireDecodeTest, ARepeatedStructKeyReplacesTheEarlierOneAsInAMap) {
  wire::TrackRequest request = ToWire(testing::SeedRequest());
  for (const char* value : {"first", "second"}) {
    auto* entry = request.mutable_context()->add_fields();
    entry->set_key("source");
    entry->mutable_value()->set_string_value(value);
  }
  // Later lists replace earlier ones rather than add to them, and a later
  // entry without a value leaves none.
  for (const double number : {1.0, 2.0}) {
    auto* entry = request.mutable_context()->add_fields();
    entry->set_key("tags");
    entry->mutable_value()->mutable_list_value()->add_values()->set_number_value(number);
  }
  auto* gone = request.mutable_context()->add_fields();
  gone->set_key("gone");
  gone->mutable_value()->set_bool_value(true);
  request.mutable_context()->add_fields()->set_key("gone");
  v1::TrackRequest decoded;
  ASSERT_THAT(Decode(request, &decoded), IsEmpty());
  // The contract's own parser keeps the last entry of a map too.
  v1::TrackRequest parsed;
  ASSERT_TRUE(parsed.ParseFromString(request.SerializeAsString()));
  EXPECT_EQ(decoded.context().fields().at("source").string_value(), "second");
  EXPECT_EQ(decoded.context().fields().at("tags").list_value().values_size(), 1);
  EXPECT_EQ(decoded.context().fields().at("gone").kind_case(),
            google::protobuf::Value::KIND_NOT_SET);
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(parsed, decoded));
}

TEST_F(WireDecodeTest, ViolationsAreBoundedWhateverTheInput) {
  wire::TrackRequest request = ToWire(testing::SeedRequest());
  for (int i = 0; i < 500; ++i) {
    auto* entry = request.mutable_context()->add_fields();
    entry->set_key(std::string(4000, 'k') + std::to_string(i) + "\xFF");
    entry->mutable_value()->set_null_value(0);
  }
  v1::TrackRequest decoded;
  const FieldViolations violations = Decode(request, &decoded);
  ASSERT_GE(violations.size(), 2u);
  ASSERT_LE(violations.size(), kMaxListedViolations + 1);
  size_t bytes = 0;
  for (const FieldViolation& v : violations) {
    EXPECT_LE(v.field.size(), kMaxViolationFieldBytes);
    EXPECT_LE(v.description.size(), kMaxViolationDescriptionBytes);
    bytes += v.field.size() + v.description.size();
  }
  EXPECT_LE(bytes, kMaxListedViolationBytes + 64);
  const size_t listed = violations.size() - 1;
  EXPECT_THAT(violations.back(),
              FieldsAre(kMoreViolationsField,
                        absl::StrCat("and ", 500 - listed, " more violations not listed")));
}

}  // namespace
}  // namespace trackd

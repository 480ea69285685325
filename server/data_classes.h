// What the contract says each field of a TrackRequest holds, read once from the
// (trackd.v1.data_class) option of the generated descriptors
// (proto/trackd/v1/annotations.proto). This is the only place trackd learns which
// fields are personal: the encoder's policy (personal_data.h) and the tests that
// keep personal values out of logs, metric labels and errors all ask it, so a
// field annotated later is covered without a code change.
#ifndef TRACKD_SERVER_DATA_CLASSES_H_
#define TRACKD_SERVER_DATA_CLASSES_H_

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "google/protobuf/descriptor.h"
#include "trackd/v1/annotations.pb.h"

namespace trackd {

// One annotated field, with the two names a person reading trackd's output meets.
struct ClassifiedField {
  const google::protobuf::FieldDescriptor* field;
  std::string proto_path;  // From the root message: "account_added_user.user_role".
  std::string json_path;   // In the documented JSON: "properties.user_role".
  v1::DataClass data_class;
};

class DataClasses {
 public:
  // Reads the annotations of `root` and, recursively, of the contract's
  // messages its fields hold (not google.protobuf's well-known types, whose
  // Struct fields are free-form and not inspected). Thread-safe once built.
  static DataClasses Read(const google::protobuf::Descriptor& root);

  // TrackRequest's classes: read on first use, then shared.
  static const DataClasses& ForTrackRequest();

  // Every annotated field in declaration order, depth first.
  const std::vector<ClassifiedField>& fields() const { return fields_; }

  // The fields of class DATA_CLASS_PERSONAL.
  std::vector<const ClassifiedField*> Personal() const;

  // The class of `field`; DATA_CLASS_UNSPECIFIED for a field not read.
  v1::DataClass ClassOf(const google::protobuf::FieldDescriptor& field) const;

  bool IsPersonal(const google::protobuf::FieldDescriptor& field) const {
    return ClassOf(field) == v1::DATA_CLASS_PERSONAL;
  }

 private:
  void ReadMessage(const google::protobuf::Descriptor& message, const std::string& prefix,
                   std::vector<const google::protobuf::Descriptor*>& open);

  std::vector<ClassifiedField> fields_;
  absl::flat_hash_map<const google::protobuf::FieldDescriptor*, v1::DataClass> classes_;
};

}  // namespace trackd

#endif  // TRACKD_SERVER_DATA_CLASSES_H_

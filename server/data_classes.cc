#include "server/data_classes.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "trackd/common/documented_json_path.h"
#include "trackd/v1/track.pb.h"

namespace trackd {

DataClasses DataClasses::Read(const google::protobuf::Descriptor& root) {
  DataClasses classes;
  std::vector<const google::protobuf::Descriptor*> open;
  classes.ReadMessage(root, "", open);
  return classes;
}

const DataClasses& DataClasses::ForTrackRequest() {
  static const DataClasses* const classes = new DataClasses(Read(*v1::TrackRequest::descriptor()));
  return *classes;
}

void DataClasses::ReadMessage(const google::protobuf::Descriptor& message,
                              const std::string& prefix,
                              std::vector<const google::protobuf::Descriptor*>& open) {
  // A message that holds itself (directly or not) is read once per path.
  if (std::find(open.begin(), open.end(), &message) != open.end()) return;
  open.push_back(&message);
  for (int i = 0; i < message.field_count(); ++i) {
    const google::protobuf::FieldDescriptor* field = message.field(i);
    const std::string path = absl::StrCat(prefix, field->name());
    if (field->options().HasExtension(v1::data_class)) {
      const v1::DataClass data_class = field->options().GetExtension(v1::data_class);
      fields_.push_back({field, path, DocumentedJsonPath(path), data_class});
      classes_[field] = data_class;
    }
    const google::protobuf::Descriptor* type = field->message_type();
    if (type != nullptr && !absl::StartsWith(type->full_name(), "google.protobuf.")) {
      ReadMessage(*type, absl::StrCat(path, "."), open);
    }
  }
  open.pop_back();
}

std::vector<const ClassifiedField*> DataClasses::Personal() const {
  std::vector<const ClassifiedField*> personal;
  for (const ClassifiedField& f : fields_) {
    if (f.data_class == v1::DATA_CLASS_PERSONAL) personal.push_back(&f);
  }
  return personal;
}

v1::DataClass DataClasses::ClassOf(const google::protobuf::FieldDescriptor& field) const {
  const auto it = classes_.find(&field);
  return it == classes_.end() ? v1::DATA_CLASS_UNSPECIFIED : it->second;
}

}  // namespace trackd

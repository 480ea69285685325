package trackd

import (
	"reflect"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	trackdv1 "trackd/client/go/trackdv1"
)

// personalFields returns the paths of the fields annotated DATA_CLASS_PERSONAL, through nested
// messages: how a Go service reads the annotation (docs/contract.md, "Personal data").
func personalFields(message protoreflect.MessageDescriptor, prefix string) []string {
	var found []string
	fields := message.Fields()
	for i := 0; i < fields.Len(); i++ {
		field := fields.Get(i)
		path := prefix + string(field.Name())
		class := proto.GetExtension(field.Options(), trackdv1.E_DataClass).(trackdv1.DataClass)
		if class == trackdv1.DataClass_DATA_CLASS_PERSONAL {
			found = append(found, path)
		}
		if nested := field.Message(); nested != nil && nested.ParentFile().Package() == "trackd.v1" {
			found = append(found, personalFields(nested, path+".")...)
		}
	}
	return found
}

func TestUserNameAndUserEmailArePersonal(t *testing.T) {
	got := personalFields((&trackdv1.TrackRequest{}).ProtoReflect().Descriptor(), "")
	want := []string{"account_added_user.user_name", "account_added_user.user_email"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("personal fields = %v, want %v", got, want)
	}
}

func TestIdsArePseudonymous(t *testing.T) {
	fields := (&trackdv1.TrackRequest{}).ProtoReflect().Descriptor().Fields()
	for _, name := range []protoreflect.Name{"user_id", "group_id"} {
		class := proto.GetExtension(fields.ByName(name).Options(), trackdv1.E_DataClass)
		if class != trackdv1.DataClass_DATA_CLASS_PSEUDONYMOUS {
			t.Errorf("%s: data class %v, want DATA_CLASS_PSEUDONYMOUS", name, class)
		}
	}
}

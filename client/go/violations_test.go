package trackd

import (
	"errors"
	"reflect"
	"testing"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"trackd/client/go/trackdv1"
)

func TestViolationsReadsTheBadRequestDetailInOrder(t *testing.T) {
	st, err := status.New(codes.InvalidArgument, "2 field violations").WithDetails(&errdetails.BadRequest{
		FieldViolations: []*errdetails.BadRequest_FieldViolation{
			{Field: "user_id", Description: "Required."},
			{Field: "account_added_user.user_email", Description: "Not an e-mail address."},
		}})
	if err != nil {
		t.Fatal(err)
	}
	want := []Violation{
		{Field: "user_id", Description: "Required."},
		{Field: "account_added_user.user_email", Description: "Not an e-mail address."},
	}
	if got := Violations(st.Err()); !reflect.DeepEqual(got, want) {
		t.Errorf("Violations = %v, want %v", got, want)
	}
}

func TestViolationsIsEmptyForErrorsWithoutBadRequest(t *testing.T) {
	for name, err := range map[string]error{
		"nil":                   nil,
		"not a status":          errors.New("connection refused"),
		"status without detail": status.Error(codes.Unavailable, "try again"),
	} {
		if got := Violations(err); got != nil {
			t.Errorf("%s: Violations = %v, want nil", name, got)
		}
	}
}

func TestResultViolationsReadsARejectedBatchItem(t *testing.T) {
	result := &trackdv1.TrackBatchResult{
		Outcome:    trackdv1.TrackBatchResult_OUTCOME_REJECTED,
		Violations: []*trackdv1.FieldViolation{{Field: "group_id", Description: "Required."}},
	}
	want := []Violation{{Field: "group_id", Description: "Required."}}
	if got := ResultViolations(result); !reflect.DeepEqual(got, want) {
		t.Errorf("ResultViolations = %v, want %v", got, want)
	}
}

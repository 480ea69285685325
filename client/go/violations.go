package trackd

import (
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/status"

	"trackd/client/go/trackdv1"
)

// Violation is one broken rule of the contract.
type Violation struct {
	// Field is the path in proto field names, e.g. "account_added_user.user_email".
	Field string
	// Description says which rule is broken, as a sentence.
	Description string
}

// Violations returns the field violations that an INVALID_ARGUMENT error of
// Track carries (its google.rpc.BadRequest detail), in the server's order. It
// returns nil for a nil error and for any error without that detail.
func Violations(err error) []Violation {
	st, ok := status.FromError(err)
	if !ok || err == nil {
		return nil
	}
	var out []Violation
	for _, detail := range st.Details() {
		if br, ok := detail.(*errdetails.BadRequest); ok {
			for _, v := range br.GetFieldViolations() {
				out = append(out, Violation{Field: v.GetField(), Description: v.GetDescription()})
			}
		}
	}
	return out
}

// ResultViolations returns the field violations of one TrackBatch result (set
// when its outcome is OUTCOME_REJECTED), or nil when there are none.
func ResultViolations(result *trackdv1.TrackBatchResult) []Violation {
	var out []Violation
	for _, v := range result.GetViolations() {
		out = append(out, Violation{Field: v.GetField(), Description: v.GetDescription()})
	}
	return out
}

package trackd

// The conformance corpus (tests/contract/cases/, format in its README) against a live trackd:
//
//	TRACKD_TARGET=127.0.0.1:PORT TRACKD_CORPUS=PATH/TO/cases go test -run Conformance
//
// Sends every case as a dry run (validate_only) through the generated stub and compares the
// verdict with the case's "expect". Skipped without TRACKD_TARGET, so `go test` needs no
// server; tests/contract/conformance_go.sh runs it.

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	rpccode "google.golang.org/genproto/googleapis/rpc/code"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"

	"trackd/client/go/trackdv1"
)

type corpusCase struct {
	Name    string          `json:"name"`
	Request json.RawMessage `json:"request"`
	Batch   json.RawMessage `json:"batch"`
	Expect  map[string]any  `json:"expect"`
}

func loadCorpus(t *testing.T, dir string) []corpusCase {
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no corpus in %s: %v", dir, err)
	}
	sort.Strings(files)
	var cases []corpusCase
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var some []corpusCase
		if err := json.Unmarshal(data, &some); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		cases = append(cases, some...)
	}
	return cases
}

func fields(violations []Violation) []any {
	out := []any{}
	for _, v := range violations {
		out = append(out, v.Field)
	}
	return out
}

func refused(err error) map[string]any {
	// google.rpc.Code names the codes as the corpus does (INVALID_ARGUMENT).
	code := rpccode.Code(status.Code(err)).String()
	return map[string]any{"code": code, "violations": fields(Violations(err))}
}

func trackVerdict(ctx context.Context, stub trackdv1.TrackServiceClient, c corpusCase) (map[string]any, error) {
	request := &trackdv1.TrackRequest{}
	if err := protojson.Unmarshal(c.Request, request); err != nil {
		return nil, err
	}
	request.ValidateOnly = true
	response, err := stub.Track(ctx, request)
	if err != nil {
		return refused(err), nil
	}
	verdict := map[string]any{"code": "OK", "message_id": response.GetMessageId(),
		"documented_json": response.GetDocumentedJson()}
	if response.GetDuplicate() {
		verdict["duplicate"] = true
	}
	return verdict, nil
}

func batchVerdict(ctx context.Context, stub trackdv1.TrackServiceClient, c corpusCase) (map[string]any, error) {
	batch := &trackdv1.TrackBatchRequest{}
	if err := protojson.Unmarshal(c.Batch, batch); err != nil {
		return nil, err
	}
	batch.ValidateOnly = true
	response, err := stub.TrackBatch(ctx, batch)
	if err != nil {
		return refused(err), nil
	}
	results := []any{}
	for _, r := range response.GetResults() {
		outcome := strings.TrimPrefix(r.GetOutcome().String(), "OUTCOME_")
		result := map[string]any{"outcome": outcome, "message_id": r.GetMessageId()}
		if outcome == "ACCEPTED" || r.GetDocumentedJson() != "" {
			result["documented_json"] = r.GetDocumentedJson()
		}
		if outcome == "REJECTED" || len(r.GetViolations()) > 0 {
			result["violations"] = fields(ResultViolations(r))
		}
		results = append(results, result)
	}
	return map[string]any{"code": "OK", "results": results}, nil
}

// forgetAssignedID: a message_id the case leaves out was assigned by the server; it must
// only be non-empty.
func forgetAssignedID(expect any, seen any) {
	e, _ := expect.(map[string]any)
	s, _ := seen.(map[string]any)
	if e == nil || s == nil {
		return
	}
	if _, named := e["message_id"]; !named && s["message_id"] != "" && s["message_id"] != nil &&
		(s["code"] == "OK" || s["outcome"] != nil) {
		delete(s, "message_id")
	}
}

func TestConformanceEveryCaseHasItsVerdictAsADryRun(t *testing.T) {
	target := os.Getenv("TRACKD_TARGET")
	if target == "" {
		t.Skip("set TRACKD_TARGET to a live trackd")
	}
	dir := os.Getenv("TRACKD_CORPUS")
	if dir == "" {
		dir = "../../tests/contract/cases"
	}
	client, err := New(Options{Target: target})
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	cases := loadCorpus(t, dir)
	if len(cases) < 60 {
		t.Fatalf("the corpus holds %d cases, fewer than 60", len(cases))
	}
	for _, c := range cases {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		var seen map[string]any
		if c.Batch != nil {
			seen, err = batchVerdict(ctx, client.Stub(), c)
		} else {
			seen, err = trackVerdict(ctx, client.Stub(), c)
		}
		cancel()
		if err != nil {
			t.Errorf("%s: %v", c.Name, err)
			continue
		}
		if results, ok := seen["results"].([]any); ok {
			expected, _ := c.Expect["results"].([]any)
			for i := range results {
				if i < len(expected) {
					forgetAssignedID(expected[i], results[i])
				}
			}
		} else {
			forgetAssignedID(c.Expect, seen)
		}
		// Through JSON, so that both sides hold the same Go types.
		got, _ := json.Marshal(seen)
		var observed map[string]any
		_ = json.Unmarshal(got, &observed)
		if !reflect.DeepEqual(observed, c.Expect) {
			want, _ := json.Marshal(c.Expect)
			t.Errorf("%s\n  expected: %s\n  observed: %s", c.Name, want, got)
		}
	}
}

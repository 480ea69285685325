package trackd

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"reflect"
	"testing"
)

// The module's copy must equal the one every other client loads. Skipped where
// the module stands without the repository around it (a module cache).
func TestServiceConfigEqualsTheSharedOne(t *testing.T) {
	shared, err := os.ReadFile("../../proto/trackd/v1/service_config.json")
	if errors.Is(err, fs.ErrNotExist) {
		t.Skip("no proto/ beside this module")
	}
	if err != nil {
		t.Fatal(err)
	}
	if string(shared) != ServiceConfig() {
		t.Errorf("client/go/service_config.json differs from proto/trackd/v1/service_config.json;" +
			" copy the latter over the former")
	}
}

func TestServiceConfigRetriesUnavailableAndResourceExhausted(t *testing.T) {
	var config struct {
		MethodConfig []struct {
			RetryPolicy struct {
				MaxAttempts          int
				RetryableStatusCodes []string
			}
		}
	}
	if err := json.Unmarshal([]byte(ServiceConfig()), &config); err != nil {
		t.Fatal(err)
	}
	if len(config.MethodConfig) != 1 {
		t.Fatalf("%d methodConfig entries, want 1", len(config.MethodConfig))
	}
	policy := config.MethodConfig[0].RetryPolicy
	if policy.MaxAttempts != 5 {
		t.Errorf("maxAttempts = %d, want 5", policy.MaxAttempts)
	}
	if want := []string{"UNAVAILABLE", "RESOURCE_EXHAUSTED"}; !reflect.DeepEqual(policy.RetryableStatusCodes, want) {
		t.Errorf("retryableStatusCodes = %v, want %v", policy.RetryableStatusCodes, want)
	}
}

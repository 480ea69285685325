package trackd

import _ "embed"

// serviceConfig is a copy of proto/trackd/v1/service_config.json: go:embed cannot
// reach outside the module, and a module fetched by another repository has no
// proto/ beside it. TestServiceConfigEqualsTheSharedOne keeps the two the same.
//
//go:embed service_config.json
var serviceConfig string

// ServiceConfig returns the shared gRPC service config of trackd clients: a
// 10 s timeout and up to 5 attempts on UNAVAILABLE and RESOURCE_EXHAUSTED.
func ServiceConfig() string { return serviceConfig }

// The Go client of trackd: the generated code of proto/trackd/v1 (package trackdv1, committed;
// scripts/gen_clients_go.sh writes it) and a thin helper (package trackd, this directory).
// Another module imports it with `require trackd/client/go v1.0.0` and a replace directive
// pointing at this directory (docs/clients.md). Versions follow the contract: trackd.v1 is 1.x.
module trackd/client/go

go 1.26.0

require (
	google.golang.org/genproto/googleapis/rpc v0.0.0-20261110000943-09e21b237f2c
	google.golang.org/grpc v1.85.0
	google.golang.org/protobuf v1.36.12
)

require (
	golang.org/x/net v0.60.0 // indirect
	golang.org/x/sys v0.48.0 // indirect
	golang.org/x/text v0.42.0 // indirect
)

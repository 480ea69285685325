// Example trackd client in Go. It applies the shared retry service config
// (proto/trackd/v1/service_config.json) to its channel, sends the seed
// account_added_user event, then a bad event, and prints the server's
// google.rpc.BadRequest field violations. Exit status 0 only when the good event
// is OK and the bad one is INVALID_ARGUMENT naming exactly user_id and
// account_added_user.user_email.
//
//	bash scripts/gen_clients_go.sh   # from the repository root: writes client/go/gen/
//	cd client/go && go run ./example --target=127.0.0.1:50051 \
//	    --service_config=../../proto/trackd/v1/service_config.json
package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"slices"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	trackdv1 "trackd/gen/go/trackd/v1"
)

// newUUID returns a random (version 4) UUID for message_id.
func newUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// maxAttempts reads retryPolicy.maxAttempts of the first methodConfig.
func maxAttempts(serviceConfig []byte) (int, error) {
	var sc struct {
		MethodConfig []struct {
			RetryPolicy struct{ MaxAttempts int } `json:"retryPolicy"`
		} `json:"methodConfig"`
	}
	if err := json.Unmarshal(serviceConfig, &sc); err != nil || len(sc.MethodConfig) == 0 {
		return 0, fmt.Errorf("no methodConfig in service config: %v", err)
	}
	return sc.MethodConfig[0].RetryPolicy.MaxAttempts, nil
}

func run() error {
	target := flag.String("target", "127.0.0.1:50051", "trackd address HOST:PORT")
	configPath := flag.String("service_config", "proto/trackd/v1/service_config.json", "the shared gRPC service config")
	flag.Parse()

	serviceConfig, err := os.ReadFile(*configPath)
	if err != nil {
		return err
	}
	attempts, err := maxAttempts(serviceConfig)
	if err != nil {
		return err
	}
	conn, err := grpc.NewClient(*target,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultServiceConfig(string(serviceConfig)))
	if err != nil {
		return err
	}
	defer conn.Close()
	fmt.Printf("service config %s applied: retry maxAttempts=%d\n", *configPath, attempts)
	client := trackdv1.NewTrackServiceClient(conn)

	// The seed sample event.
	good := &trackdv1.TrackRequest{
		MessageId: newUUID(),
		UserId:    "766b3aef-5904-46fe-af05-a293fee8h345",
		GroupId:   "47464e5b-4727-11ee-aeb6-fefbf8354ds3",
		Timestamp: timestamppb.New(time.Date(2023, 11, 2, 0, 30, 8, 276e6, time.UTC)),
		EventProperties: &trackdv1.TrackRequest_AccountAddedUser{AccountAddedUser: &trackdv1.AccountAddedUser{
			UserRole: "Developer", UserName: "Mark Wood", UserEmail: "mark.wood@example.com"}},
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := client.Track(ctx, good)
	if err != nil {
		return fmt.Errorf("good event failed: %w", err)
	}
	fmt.Printf("good event: OK message_id=%s duplicate=%t\n", resp.GetMessageId(), resp.GetDuplicate())
	if resp.GetMessageId() != good.GetMessageId() {
		return fmt.Errorf("answer names message_id %q, sent %q", resp.GetMessageId(), good.GetMessageId())
	}

	// A bad event: no user_id, and an e-mail address that is none.
	bad := &trackdv1.TrackRequest{
		MessageId: newUUID(),
		GroupId:   good.GetGroupId(),
		Timestamp: good.GetTimestamp(),
		EventProperties: &trackdv1.TrackRequest_AccountAddedUser{AccountAddedUser: &trackdv1.AccountAddedUser{
			UserRole: "Developer", UserEmail: "not an email"}},
	}
	_, err = client.Track(ctx, bad)
	st, _ := status.FromError(err)
	fmt.Printf("bad event: %s: %s\n", st.Code(), st.Message())
	if st.Code() != codes.InvalidArgument {
		return fmt.Errorf("bad event: want InvalidArgument, got %s", st.Code())
	}
	var fields []string
	for _, detail := range st.Details() {
		if br, ok := detail.(*errdetails.BadRequest); ok {
			for _, v := range br.GetFieldViolations() {
				fmt.Printf("%s: %s\n", v.GetField(), v.GetDescription())
				fields = append(fields, v.GetField())
			}
		}
	}
	slices.Sort(fields)
	if want := []string{"account_added_user.user_email", "user_id"}; !slices.Equal(fields, want) {
		return fmt.Errorf("bad event: violations for %v, want %v", fields, want)
	}
	return nil
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

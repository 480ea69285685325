package trackd

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"
	"google.golang.org/protobuf/types/known/timestamppb"

	"trackd/client/go/trackdv1"
)

// fakeTrackService records what each attempt carried, and fails the first
// failFirst attempts with UNAVAILABLE.
type fakeTrackService struct {
	trackdv1.UnimplementedTrackServiceServer
	failFirst int

	mu         sync.Mutex
	ids        []string // message_id of each Track attempt.
	requests   []*trackdv1.TrackRequest
	batch      *trackdv1.TrackBatchRequest
	remaining  []time.Duration // Time left before the deadline, per attempt; -1 for none.
	authHeader []string
}

func (s *fakeTrackService) record(ctx context.Context) {
	left := time.Duration(-1)
	if deadline, ok := ctx.Deadline(); ok {
		left = time.Until(deadline)
	}
	s.remaining = append(s.remaining, left)
	md, _ := metadata.FromIncomingContext(ctx)
	s.authHeader = append(s.authHeader, md.Get("authorization")...)
}

func (s *fakeTrackService) Track(ctx context.Context, req *trackdv1.TrackRequest) (*trackdv1.TrackResponse, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.record(ctx)
	s.ids = append(s.ids, req.GetMessageId())
	s.requests = append(s.requests, req)
	if len(s.ids) <= s.failFirst {
		return nil, status.Error(codes.Unavailable, "not yet")
	}
	return &trackdv1.TrackResponse{MessageId: req.GetMessageId()}, nil
}

func (s *fakeTrackService) TrackBatch(ctx context.Context, req *trackdv1.TrackBatchRequest) (*trackdv1.TrackBatchResponse, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.record(ctx)
	s.batch = req
	return &trackdv1.TrackBatchResponse{}, nil
}

// newTestClient serves fake in memory (no network) and returns a client of it.
func newTestClient(t *testing.T, fake *fakeTrackService, options Options) *Client {
	t.Helper()
	listener := bufconn.Listen(1 << 20)
	server := grpc.NewServer()
	trackdv1.RegisterTrackServiceServer(server, fake)
	go server.Serve(listener)
	t.Cleanup(server.Stop)
	options.Target = "passthrough:///fake"
	options.DialOptions = append(options.DialOptions, grpc.WithContextDialer(
		func(ctx context.Context, _ string) (net.Conn, error) { return listener.DialContext(ctx) }))
	client, err := New(options)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	return client
}

var fixedNow = time.Date(2023, 11, 2, 0, 30, 8, 276e6, time.UTC)

func TestTrackFillsMessageIDAndTimestampFromTheClock(t *testing.T) {
	fake := &fakeTrackService{}
	client := newTestClient(t, fake, Options{Now: func() time.Time { return fixedNow }})
	if _, err := client.TrackAccountAddedUser(context.Background(),
		AccountAddedUser{UserID: "u1", GroupID: "acct1", UserRole: "Developer"}); err != nil {
		t.Fatal(err)
	}
	sent := fake.requests[0]
	if got := sent.GetTimestamp().AsTime(); !got.Equal(fixedNow) {
		t.Errorf("timestamp = %v, want the clock's %v", got, fixedNow)
	}
	if got, prefix := sent.GetMessageId(), "018b8d6f-fb94-7"; len(got) != 36 || got[:15] != prefix {
		t.Errorf("message_id = %q, want a UUIDv7 starting %q", got, prefix)
	}
}

func TestTrackKeepsTheMessageIDAndTimestampTheCallerSet(t *testing.T) {
	fake := &fakeTrackService{}
	client := newTestClient(t, fake, Options{Now: func() time.Time { return fixedNow }})
	set := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	if _, err := client.Track(context.Background(), &trackdv1.TrackRequest{
		MessageId: "caller-id", Timestamp: timestamppb.New(set)}); err != nil {
		t.Fatal(err)
	}
	sent := fake.requests[0]
	if sent.GetMessageId() != "caller-id" || !sent.GetTimestamp().AsTime().Equal(set) {
		t.Errorf("sent message_id %q at %v, want caller-id at %v",
			sent.GetMessageId(), sent.GetTimestamp().AsTime(), set)
	}
}

func TestRetriedAttemptsCarryTheSameMessageID(t *testing.T) {
	fake := &fakeTrackService{failFirst: 2}
	client := newTestClient(t, fake, Options{})
	response, err := client.Track(context.Background(), &trackdv1.TrackRequest{UserId: "u1"})
	if err != nil {
		t.Fatalf("Track after 2 UNAVAILABLE answers: %v (the shared retry policy allows 5 attempts)", err)
	}
	if len(fake.ids) != 3 || fake.ids[0] != fake.ids[1] || fake.ids[1] != fake.ids[2] || fake.ids[0] == "" {
		t.Errorf("attempts carried message_ids %q, want one non-empty id 3 times", fake.ids)
	}
	if response.GetMessageId() != fake.ids[0] {
		t.Errorf("response names %q, sent %q", response.GetMessageId(), fake.ids[0])
	}
}

func TestEveryCallHasTheClientsDeadline(t *testing.T) {
	fake := &fakeTrackService{}
	// A service config without a timeout, so any deadline the server sees is the client's.
	const deadline = 42 * time.Second
	client := newTestClient(t, fake, Options{Deadline: deadline, ServiceConfig: `{}`})
	if _, err := client.Track(context.Background(), &trackdv1.TrackRequest{}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.TrackBatch(context.Background(), &trackdv1.TrackBatchRequest{}); err != nil {
		t.Fatal(err)
	}
	for i, left := range fake.remaining {
		// grpc-timeout rounds up to its unit (a microsecond here), hence the millisecond.
		if left < 0 || left > deadline+time.Millisecond {
			t.Errorf("call %d: time left %v, want a deadline of at most %v", i, left, deadline)
		}
	}
}

func TestTrackBatchFillsEachItem(t *testing.T) {
	fake := &fakeTrackService{}
	client := newTestClient(t, fake, Options{Now: func() time.Time { return fixedNow }})
	if _, err := client.TrackBatch(context.Background(), &trackdv1.TrackBatchRequest{
		Requests: []*trackdv1.TrackRequest{{}, {MessageId: "kept"}}}); err != nil {
		t.Fatal(err)
	}
	items := fake.batch.GetRequests()
	if items[0].GetMessageId() == "" || items[1].GetMessageId() != "kept" {
		t.Errorf("message_ids %q and %q, want a new one and \"kept\"", items[0].GetMessageId(), items[1].GetMessageId())
	}
	for i, item := range items {
		if !item.GetTimestamp().AsTime().Equal(fixedNow) {
			t.Errorf("item %d: timestamp %v, want %v", i, item.GetTimestamp().AsTime(), fixedNow)
		}
	}
}

func TestBearerTokenIsSentAsAuthorization(t *testing.T) {
	fake := &fakeTrackService{}
	client := newTestClient(t, fake, Options{BearerToken: "s3cret"})
	if _, err := client.Track(context.Background(), &trackdv1.TrackRequest{}); err != nil {
		t.Fatal(err)
	}
	if len(fake.authHeader) != 1 || fake.authHeader[0] != "Bearer s3cret" {
		t.Errorf("authorization headers %q, want [\"Bearer s3cret\"]", fake.authHeader)
	}
}

func TestNewRejectsAnEmptyTarget(t *testing.T) {
	if _, err := New(Options{}); err == nil || err.Error() != "trackd: Options.Target is empty" {
		t.Errorf("New(Options{}) error = %v, want \"trackd: Options.Target is empty\"", err)
	}
}

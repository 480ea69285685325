package trackd

import (
	"context"
	"errors"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/types/known/timestamppb"

	"trackd/client/go/trackdv1"
)

// DefaultDeadline is the deadline of each call when Options.Deadline is zero.
const DefaultDeadline = 10 * time.Second

// Options configures a Client. Only Target is required.
type Options struct {
	// Target is the gRPC target, e.g. "127.0.0.1:50051" or
	// "dns:///trackd-headless:50051". Required.
	Target string
	// Credentials secure the channel; nil means plaintext, for local use and tests only.
	Credentials credentials.TransportCredentials
	// Deadline bounds each call, all of its retries included; zero means
	// DefaultDeadline. A shorter deadline on the caller's context wins.
	Deadline time.Duration
	// ServiceConfig is the channel's service config JSON; "" means the shared
	// one (ServiceConfig()).
	ServiceConfig string
	// BearerToken is sent as "authorization: Bearer <token>" on every call when
	// not empty (servers started with --auth_tokens_file need it).
	BearerToken string
	// Now is the time of day for the message_ids and timestamps the client
	// fills in; nil means time.Now. Tests pass a fixed clock.
	Now func() time.Time
	// DialOptions are added after the client's own, e.g. interceptors.
	DialOptions []grpc.DialOption
}

// AccountAddedUser is one account_added_user event with its envelope.
type AccountAddedUser struct {
	UserID    string    // Required.
	GroupID   string    // Required: the account.
	UserRole  string    // Required.
	UserName  string    // Optional.
	UserEmail string    // Optional.
	MessageID string    // Optional: a new UUIDv7 when empty.
	Timestamp time.Time // Optional: now when zero.
}

// Client sends events to trackd. Safe for concurrent use: one client may be
// shared by every goroutine of a process.
type Client struct {
	conn     *grpc.ClientConn
	stub     trackdv1.TrackServiceClient
	deadline time.Duration
	token    string
	now      func() time.Time
}

// New creates a client with its own channel; the channel connects lazily, on
// the first call. It returns an error for an empty target or a service config
// that gRPC rejects.
func New(options Options) (*Client, error) {
	if options.Target == "" {
		return nil, errors.New("trackd: Options.Target is empty")
	}
	creds := options.Credentials
	if creds == nil {
		creds = insecure.NewCredentials()
	}
	config := options.ServiceConfig
	if config == "" {
		config = ServiceConfig()
	}
	dial := append([]grpc.DialOption{
		grpc.WithTransportCredentials(creds),
		grpc.WithDefaultServiceConfig(config),
	}, options.DialOptions...)
	conn, err := grpc.NewClient(options.Target, dial...)
	if err != nil {
		return nil, err
	}
	c := &Client{
		conn:     conn,
		stub:     trackdv1.NewTrackServiceClient(conn),
		deadline: options.Deadline,
		token:    options.BearerToken,
		now:      options.Now,
	}
	if c.deadline == 0 {
		c.deadline = DefaultDeadline
	}
	if c.now == nil {
		c.now = time.Now
	}
	return c, nil
}

// Close closes the channel; calls in flight fail with CANCELED.
func (c *Client) Close() error { return c.conn.Close() }

// Stub returns the generated stub on the client's channel, for calls this
// helper does not wrap. Those calls get no deadline and no filled fields.
func (c *Client) Stub() trackdv1.TrackServiceClient { return c.stub }

// TrackAccountAddedUser sends one account_added_user event; see Track.
func (c *Client) TrackAccountAddedUser(ctx context.Context, event AccountAddedUser) (*trackdv1.TrackResponse, error) {
	request := &trackdv1.TrackRequest{
		MessageId: event.MessageID,
		UserId:    event.UserID,
		GroupId:   event.GroupID,
		EventProperties: &trackdv1.TrackRequest_AccountAddedUser{AccountAddedUser: &trackdv1.AccountAddedUser{
			UserRole: event.UserRole, UserName: event.UserName, UserEmail: event.UserEmail}},
	}
	if !event.Timestamp.IsZero() {
		request.Timestamp = timestamppb.New(event.Timestamp)
	}
	return c.Track(ctx, request)
}

// Track sends any event, after filling an empty message_id and an unset
// timestamp in request (FillDefaults). Its error is a gRPC status:
// INVALID_ARGUMENT carries the field violations (see Violations);
// UNAVAILABLE or RESOURCE_EXHAUSTED remain after the retries ran out;
// DEADLINE_EXCEEDED when the deadline passed (the event may be stored, and the
// same request again is safe).
func (c *Client) Track(ctx context.Context, request *trackdv1.TrackRequest) (*trackdv1.TrackResponse, error) {
	c.FillDefaults(request)
	ctx, cancel := c.callContext(ctx)
	defer cancel()
	return c.stub.Track(ctx, request)
}

// TrackBatch sends up to 500 events, after filling each one's empty message_id
// and unset timestamp. Each result says whether its event was accepted, a
// duplicate, or rejected (ResultViolations).
func (c *Client) TrackBatch(ctx context.Context, request *trackdv1.TrackBatchRequest) (*trackdv1.TrackBatchResponse, error) {
	for _, item := range request.GetRequests() {
		c.FillDefaults(item)
	}
	ctx, cancel := c.callContext(ctx)
	defer cancel()
	return c.stub.TrackBatch(ctx, request)
}

// FillDefaults sets an empty message_id to a new UUIDv7 and an unset timestamp
// to now. It runs before the first attempt, so every retry of a call carries
// the same message_id and the server can drop the duplicates.
func (c *Client) FillDefaults(request *trackdv1.TrackRequest) {
	now := c.now()
	if request.GetMessageId() == "" {
		request.MessageId = NewMessageID(now)
	}
	if request.GetTimestamp() == nil {
		request.Timestamp = timestamppb.New(now)
	}
}

// callContext derives the context of one call: the client's deadline and,
// when set, the bearer token.
func (c *Client) callContext(ctx context.Context) (context.Context, context.CancelFunc) {
	if c.token != "" {
		ctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+c.token)
	}
	return context.WithTimeout(ctx, c.deadline)
}

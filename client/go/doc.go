// Package trackd is the Go client of trackd, a thin helper over the generated
// stubs in trackd/client/go/trackdv1.
//
//	client, err := trackd.New(trackd.Options{Target: "127.0.0.1:50051"})
//	_, err = client.TrackAccountAddedUser(ctx, trackd.AccountAddedUser{
//		UserID: "u1", GroupID: "acct1", UserRole: "Developer"})
//	for _, v := range trackd.Violations(err) { fmt.Println(v.Field, v.Description) }
//
// Every call has a deadline (Options.Deadline). The channel carries the shared
// retry policy of proto/trackd/v1/service_config.json (UNAVAILABLE and
// RESOURCE_EXHAUSTED are retried with exponential backoff). Retrying is safe
// because the client fills in a message_id before the first attempt and the
// server stores an event at most once per message_id.
package trackd

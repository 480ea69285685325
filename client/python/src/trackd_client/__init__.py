"""trackd_client: the Python client of trackd.

Wraps the generated trackd.v1 stub (the `trackd.v1.track_pb2` and `track_pb2_grpc` modules,
shipped in the same package) so a service reports an event in a few lines:

    from trackd_client import TrackClient, TrackError

    client = TrackClient("127.0.0.1:50051")
    try:
        client.track_account_added_user(user_id="u1", group_id="acct1", user_role="Developer")
    except TrackError as error:
        for field, description in error.violations:
            ...

Like the C++ client (include/trackd/client/track_client.h): every call has a deadline, the
channel carries the shared retry policy (proto/trackd/v1/service_config.json, shipped in this
package), and message_id and timestamp are filled in before the first attempt, which makes
the retries safe because the server deduplicates by message_id.
"""
from trackd_client._client import TrackClient, service_config
from trackd_client._errors import TrackError, Violation, violations_from_status, violations_of
from trackd_client._message_id import new_message_id

__all__ = [
    "TrackClient",
    "TrackError",
    "Violation",
    "new_message_id",
    "service_config",
    "violations_from_status",
    "violations_of",
]

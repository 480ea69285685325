"""TrackClient: the generated trackd.v1 stub with a deadline, the retry policy and defaults."""
import datetime
import functools
import importlib.resources
import time
from collections.abc import Callable
from typing import Optional

import grpc

from trackd.v1 import track_pb2, track_pb2_grpc
from trackd_client._errors import TrackError
from trackd_client._message_id import new_message_id


@functools.cache
def service_config() -> str:
    """Returns the shared retry service config, proto/trackd/v1/service_config.json as shipped
    in this package: up to 5 attempts with exponential backoff on UNAVAILABLE and
    RESOURCE_EXHAUSTED."""
    return importlib.resources.files(__package__).joinpath("service_config.json").read_text(
        encoding="utf-8")


class TrackClient:
    """Sends events to trackd over one channel.

    Thread-safe: one client may be shared by every thread of a process. Each call raises
    TrackError when it fails (INVALID_ARGUMENT carries the field violations).
    """

    def __init__(
        self,
        target: str = "127.0.0.1:50051",
        *,
        deadline: float = 10.0,
        credentials: Optional[grpc.ChannelCredentials] = None,
        service_config_json: Optional[str] = None,
        bearer_token: str = "",
        load_balancing_policy: str = "",
        clock_ns: Callable[[], int] = time.time_ns,
        channel: Optional[grpc.Channel] = None,
    ):
        """Opens a channel to `target`, e.g. "127.0.0.1:50051" or "dns:///trackd-headless:50051".

        deadline: seconds for each call, covering all of its retries.
        credentials: e.g. grpc.ssl_channel_credentials(...) for TLS or mutual TLS; None for
            plaintext (local use and tests only).
        service_config_json: the channel's service config; None for service_config(), "" for
            none (no retries).
        bearer_token: sent as "authorization: Bearer <token>" on every call when not empty
            (servers started with --auth_tokens_file need it).
        load_balancing_policy: e.g. "round_robin" for a headless Service; "" keeps pick_first.
        clock_ns: the time (nanoseconds since the epoch) for the message_ids and timestamps
            the client fills in; tests pass a fake one.
        channel: an existing channel to use instead of opening one to `target` (the options
            above that configure a channel are then ignored).

        Raises ValueError for an empty target or a deadline that is not positive.
        """
        if not target:
            raise ValueError("target must not be empty")
        if deadline <= 0:
            raise ValueError("deadline must be positive")
        if channel is None:
            options = [("grpc.enable_retries", 1)]
            config = service_config() if service_config_json is None else service_config_json
            if config:
                options.append(("grpc.service_config", config))
            if load_balancing_policy:
                options.append(("grpc.lb_policy_name", load_balancing_policy))
            if credentials is None:
                channel = grpc.insecure_channel(target, options=options)
            else:
                channel = grpc.secure_channel(target, credentials, options=options)
        self._channel = channel
        self._stub = track_pb2_grpc.TrackServiceStub(channel)
        self._deadline = deadline
        self._metadata = (("authorization", f"Bearer {bearer_token}"),) if bearer_token else ()
        self._clock_ns = clock_ns

    def close(self) -> None:
        """Closes the channel; calls in flight are cancelled."""
        self._channel.close()

    def __enter__(self) -> "TrackClient":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def fill_defaults(self, request: track_pb2.TrackRequest) -> None:
        """Fills an empty message_id (a new UUIDv7) and an unset timestamp (now), in place."""
        now_ns = self._clock_ns()
        if not request.message_id:
            request.message_id = new_message_id(now_ns)
        if not request.HasField("timestamp"):
            request.timestamp.FromNanoseconds(now_ns)

    def track_account_added_user(
        self,
        *,
        user_id: str,
        group_id: str,
        user_role: str,
        user_name: str = "",
        user_email: str = "",
        message_id: str = "",
        timestamp: Optional[datetime.datetime] = None,
    ) -> track_pb2.TrackResponse:
        """Sends one account_added_user event; group_id is the account. An empty message_id
        becomes a new UUIDv7, a timestamp of None becomes now (a naive datetime is UTC).
        Returns the server's response; raises TrackError."""
        request = track_pb2.TrackRequest(
            message_id=message_id,
            user_id=user_id,
            group_id=group_id,
            account_added_user=track_pb2.AccountAddedUser(
                user_role=user_role, user_name=user_name, user_email=user_email),
        )
        if timestamp is not None:
            request.timestamp.FromDatetime(timestamp)
        return self.track(request)

    def track(self, request: track_pb2.TrackRequest) -> track_pb2.TrackResponse:
        """Sends any event. Fills its message_id and timestamp in place when they are empty,
        so sending the same request object again is deduplicated by the server.
        Returns the server's response; raises TrackError."""
        self.fill_defaults(request)
        return self._call(self._stub.Track, request)

    def track_batch(self, request: track_pb2.TrackBatchRequest) -> track_pb2.TrackBatchResponse:
        """Sends up to 500 events (request.requests), filling each one's message_id and
        timestamp in place when empty. Returns one result per event; raises TrackError when
        the batch as a whole fails."""
        for item in request.requests:
            self.fill_defaults(item)
        return self._call(self._stub.TrackBatch, request)

    def _call(self, method, request):
        try:
            return method(request, timeout=self._deadline, metadata=self._metadata)
        except grpc.RpcError as error:
            raise TrackError.from_rpc_error(error) from error

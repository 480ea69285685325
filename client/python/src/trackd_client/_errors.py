"""Failed calls as data: the status code, its message and the field violations.

trackd answers a bad event with INVALID_ARGUMENT and a google.rpc.BadRequest in the status
details (the grpc-status-details-bin trailer); each of its field violations names a field
path such as `account_added_user.user_email`.
"""
from typing import NamedTuple

import grpc
from google.rpc import error_details_pb2, status_pb2
from grpc_status import rpc_status


class Violation(NamedTuple):
    """One field violation: the field's path in the request and what is wrong with it."""

    field: str
    description: str


def violations_from_status(status: status_pb2.Status) -> list[Violation]:
    """Returns the field violations of every google.rpc.BadRequest in `status.details`,
    in order; other kinds of detail are skipped. Empty when there are none."""
    violations = []
    for detail in status.details:
        bad_request = error_details_pb2.BadRequest()
        if detail.Unpack(bad_request):  # False, and nothing unpacked, for another type.
            violations += [Violation(v.field, v.description) for v in bad_request.field_violations]
    return violations


def violations_of(error: grpc.RpcError) -> list[Violation]:
    """Returns the field violations carried by a failed call (a grpc.RpcError that is also a
    grpc.Call, as the stubs raise); empty when it carries no status details.

    Raises ValueError when the details' code or message contradict the call's own.
    """
    status = rpc_status.from_call(error)
    return violations_from_status(status) if status is not None else []


class TrackError(Exception):
    """A call that failed: what TrackClient raises instead of grpc.RpcError.

    `code` says what to do: INVALID_ARGUMENT means fix the event (see `violations`);
    UNAVAILABLE or RESOURCE_EXHAUSTED remain after the retries ran out; DEADLINE_EXCEEDED
    means the deadline passed and the event may be stored (sending the same request again is
    safe: it keeps its message_id).
    """

    def __init__(self, code: grpc.StatusCode, message: str, violations: list[Violation]):
        super().__init__(f"{code.name}: {message}")
        self.code = code
        self.message = message
        self.violations = violations

    @classmethod
    def from_rpc_error(cls, error: grpc.RpcError) -> "TrackError":
        """Converts what a generated stub raised; the grpc.RpcError must also be a grpc.Call."""
        return cls(error.code(), error.details() or "", violations_of(error))

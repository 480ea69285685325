"""Unit tests of trackd_client's parts that need no server, run against the installed package.

    TRACKD_REPO=PATH/TO/trackd python -m unittest discover -s PATH/TO/trackd/client/python/tests

TRACKD_REPO lets two tests compare the installed package with the repository it was built
from (the service config file, the pins). tests/consumers/python.sh runs them.
"""
import datetime
import importlib.metadata
import os
import pathlib
import re
import unittest
from unittest import mock

import grpc
from google.protobuf import any_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2

import trackd_client
from trackd.v1 import track_pb2

# 2023-11-02T00:30:08.276123456Z in nanoseconds since the epoch.
FAKE_NOW_NS = 1698885008_276123456
UUID_V7 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def packed(message) -> any_pb2.Any:
    detail = any_pb2.Any()
    detail.Pack(message)
    return detail


def bad_request_status(message: str, *pairs) -> status_pb2.Status:
    bad_request = error_details_pb2.BadRequest(field_violations=[
        error_details_pb2.BadRequest.FieldViolation(field=f, description=d) for f, d in pairs])
    return status_pb2.Status(code=code_pb2.INVALID_ARGUMENT, message=message,
                             details=[packed(bad_request)])


class FakeRpcError(grpc.RpcError):
    """What a stub raises for a failed call: a grpc.RpcError that is also a grpc.Call."""

    def __init__(self, code: grpc.StatusCode, details: str, status=None):
        self._code, self._details = code, details
        self._trailers = (("grpc-status-details-bin", status.SerializeToString()),) \
            if status is not None else ()

    def code(self):
        return self._code

    def details(self):
        return self._details

    def trailing_metadata(self):
        return self._trailers


class FakeChannel:
    """A channel whose unary calls record what they were given and answer with `respond`."""

    def __init__(self, respond):
        self.respond = respond
        self.calls = []  # (method, serialized request, timeout, metadata)

    def unary_unary(self, method, request_serializer=None, response_deserializer=None,
                    _registered_method=False):
        def call(request, timeout=None, metadata=None):
            self.calls.append((method, request.SerializeToString(), timeout, metadata))
            return self.respond(request)
        return call

    def close(self):
        pass


class MessageIdTest(unittest.TestCase):
    def test_is_uuid_v7_text_starting_with_the_millisecond_time(self):
        message_id = trackd_client.new_message_id(FAKE_NOW_NS)
        self.assertRegex(message_id, UUID_V7)
        self.assertEqual(int(message_id.replace("-", "")[:12], 16), FAKE_NOW_NS // 1_000_000)

    def test_ids_for_the_same_millisecond_differ_in_their_random_bits(self):
        self.assertNotEqual(trackd_client.new_message_id(FAKE_NOW_NS),
                            trackd_client.new_message_id(FAKE_NOW_NS))


class ViolationsTest(unittest.TestCase):
    def test_from_status_lists_bad_request_field_violations_in_order(self):
        status = bad_request_status("2 invalid fields", ("user_id", "is required"),
                                    ("account_added_user.user_email", "is not an email"))
        status.details.insert(0, packed(error_details_pb2.ErrorInfo(reason="ignored")))
        self.assertEqual(trackd_client.violations_from_status(status), [
            ("user_id", "is required"), ("account_added_user.user_email", "is not an email")])

    def test_of_error_reads_the_status_details_trailer(self):
        error = FakeRpcError(grpc.StatusCode.INVALID_ARGUMENT, "bad",
                             bad_request_status("bad", ("group_id", "is required")))
        violations = trackd_client.violations_of(error)
        self.assertEqual(violations, [("group_id", "is required")])
        self.assertEqual(violations[0].field, "group_id")
        self.assertEqual(violations[0].description, "is required")

    def test_of_error_without_status_details_is_empty(self):
        error = FakeRpcError(grpc.StatusCode.UNAVAILABLE, "connection refused")
        self.assertEqual(trackd_client.violations_of(error), [])


class TrackClientTest(unittest.TestCase):
    def client(self, channel, **kwargs):
        return trackd_client.TrackClient(channel=channel, clock_ns=lambda: FAKE_NOW_NS,
                                         deadline=3.5, **kwargs)

    def test_track_fills_message_id_and_timestamp_before_the_call_with_the_deadline(self):
        channel = FakeChannel(lambda request: track_pb2.TrackResponse(
            message_id=request.message_id))
        response = self.client(channel).track_account_added_user(
            user_id="u1", group_id="acct1", user_role="Developer")
        method, sent, timeout, _ = channel.calls[0]
        sent = track_pb2.TrackRequest.FromString(sent)
        self.assertEqual(method, "/trackd.v1.TrackService/Track")
        self.assertEqual(timeout, 3.5)
        self.assertRegex(sent.message_id, UUID_V7)
        self.assertEqual(response.message_id, sent.message_id)
        self.assertEqual(sent.timestamp.ToNanoseconds(), FAKE_NOW_NS)

    def test_track_keeps_a_given_message_id_and_timestamp(self):
        channel = FakeChannel(lambda request: track_pb2.TrackResponse())
        self.client(channel).track_account_added_user(
            user_id="u1", group_id="acct1", user_role="Developer", message_id="m-1",
            timestamp=datetime.datetime(2023, 11, 2, 0, 30, 8, 276000,
                                        tzinfo=datetime.timezone.utc))
        sent = track_pb2.TrackRequest.FromString(channel.calls[0][1])
        self.assertEqual(sent.message_id, "m-1")
        self.assertEqual(sent.timestamp.ToJsonString(), "2023-11-02T00:30:08.276Z")

    def test_sending_the_same_request_again_keeps_its_message_id(self):
        channel = FakeChannel(lambda request: track_pb2.TrackResponse())
        client = self.client(channel)
        request = track_pb2.TrackRequest(user_id="u1", group_id="acct1")
        client.track(request)
        client.track(request)
        first, second = (track_pb2.TrackRequest.FromString(c[1]) for c in channel.calls)
        self.assertEqual(first.message_id, second.message_id)

    def test_track_batch_fills_every_item_and_sends_the_bearer_token(self):
        channel = FakeChannel(lambda request: track_pb2.TrackBatchResponse())
        self.client(channel, bearer_token="s3cret").track_batch(track_pb2.TrackBatchRequest(
            requests=[track_pb2.TrackRequest(user_id="a"), track_pb2.TrackRequest(user_id="b")]))
        method, sent, timeout, metadata = channel.calls[0]
        sent = track_pb2.TrackBatchRequest.FromString(sent)
        self.assertEqual(method, "/trackd.v1.TrackService/TrackBatch")
        self.assertEqual(timeout, 3.5)
        self.assertEqual(metadata, (("authorization", "Bearer s3cret"),))
        self.assertEqual(len({item.message_id for item in sent.requests}), 2)
        for item in sent.requests:
            self.assertRegex(item.message_id, UUID_V7)
            self.assertEqual(item.timestamp.ToNanoseconds(), FAKE_NOW_NS)

    def test_failed_call_raises_track_error_with_code_message_and_violations(self):
        def respond(request):
            raise FakeRpcError(grpc.StatusCode.INVALID_ARGUMENT, "1 invalid field",
                               bad_request_status("1 invalid field", ("user_id", "is required")))
        with self.assertRaises(trackd_client.TrackError) as raised:
            self.client(FakeChannel(respond)).track(track_pb2.TrackRequest())
        self.assertEqual(raised.exception.code, grpc.StatusCode.INVALID_ARGUMENT)
        self.assertEqual(raised.exception.message, "1 invalid field")
        self.assertEqual(raised.exception.violations, [("user_id", "is required")])
        self.assertIsInstance(raised.exception.__cause__, grpc.RpcError)

    def test_channel_enables_retries_with_the_shared_service_config(self):
        # The options handed to grpc are the behaviour here, so the channel factory is patched.
        with mock.patch("grpc.insecure_channel") as insecure_channel:
            trackd_client.TrackClient("127.0.0.1:1", load_balancing_policy="round_robin")
        target, = insecure_channel.call_args.args
        options = dict(insecure_channel.call_args.kwargs["options"])
        self.assertEqual(target, "127.0.0.1:1")
        self.assertEqual(options["grpc.enable_retries"], 1)
        self.assertEqual(options["grpc.service_config"], trackd_client.service_config())
        self.assertEqual(options["grpc.lb_policy_name"], "round_robin")

    def test_rejects_an_empty_target_and_a_deadline_that_is_not_positive(self):
        with self.assertRaisesRegex(ValueError, "target must not be empty"):
            trackd_client.TrackClient("")
        with self.assertRaisesRegex(ValueError, "deadline must be positive"):
            trackd_client.TrackClient("127.0.0.1:1", deadline=0)


@unittest.skipUnless(os.environ.get("TRACKD_REPO"), "needs TRACKD_REPO, the repository root")
class PackagedFromRepositoryTest(unittest.TestCase):
    repo = pathlib.Path(os.environ.get("TRACKD_REPO", "."))

    def test_service_config_is_the_contracts_file(self):
        contract = self.repo / "proto" / "trackd" / "v1" / "service_config.json"
        self.assertEqual(trackd_client.service_config(), contract.read_text(encoding="utf-8"))
        self.assertIn('"maxAttempts": 5', trackd_client.service_config())

    def test_runtime_requirements_are_the_pins_of_requirements_txt(self):
        pins = {}
        for line in (self.repo / "client/python/requirements.txt").read_text().splitlines():
            if line and not line.startswith("#"):
                name, version = line.split("==")
                pins[name] = version
        requires = importlib.metadata.requires("trackd-client")
        self.assertEqual(len(requires), 4)
        for requirement in requires:
            name, version = requirement.split("==")
            self.assertEqual(pins.get(name), version, requirement)


if __name__ == "__main__":
    unittest.main()

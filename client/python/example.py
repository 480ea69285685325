#!/usr/bin/env python3
"""Example Python client for trackd (generated code from scripts/gen_clients_python.sh).

Applies the shared retry service config (proto/trackd/v1/service_config.json), sends the seed
account_added_user event, then a bad event, and prints the google.rpc.BadRequest field
violations as `field: description`. Exits 0 only if the seed event was OK and the bad one was
INVALID_ARGUMENT naming exactly user_id and account_added_user.user_email.

    build/clients/python/venv/bin/python client/python/example.py --target 127.0.0.1:50051
"""
import argparse
import json
import os
import sys
import uuid

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "build", "clients", "python", "gen"))

import grpc  # noqa: E402
from google.protobuf.timestamp_pb2 import Timestamp  # noqa: E402
from google.rpc import error_details_pb2  # noqa: E402
from grpc_status import rpc_status  # noqa: E402
from trackd.v1 import track_pb2, track_pb2_grpc  # noqa: E402

SERVICE_CONFIG = os.path.join(ROOT, "proto", "trackd", "v1", "service_config.json")
EXPECTED_FIELDS = ["account_added_user.user_email", "user_id"]


def seed_event(message_id, user_id):
    timestamp = Timestamp()
    timestamp.FromJsonString("2023-11-02T00:30:08.276Z")
    return track_pb2.TrackRequest(
        message_id=message_id,
        user_id=user_id,
        group_id="47464e5b-4727-11ee-aeb6-fefbf8354ds3",
        timestamp=timestamp,
        account_added_user=track_pb2.AccountAddedUser(
            user_role="Developer", user_name="Mark Wood", user_email="mark.wood@example.com"))


def field_violations(error):
    """The BadRequest field violations carried in the error's google.rpc.Status, as pairs."""
    status = rpc_status.from_call(error)
    violations = []
    for detail in status.details if status else []:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad_request = error_details_pb2.BadRequest()
            detail.Unpack(bad_request)
            violations += [(v.field, v.description) for v in bad_request.field_violations]
    return violations


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", required=True, help="trackd address HOST:PORT")
    args = parser.parse_args()

    with open(SERVICE_CONFIG, encoding="utf-8") as f:
        config = f.read()
    max_attempts = json.loads(config)["methodConfig"][0]["retryPolicy"]["maxAttempts"]
    options = [("grpc.service_config", config), ("grpc.enable_retries", 1)]
    print(f"service config applied: {os.path.relpath(SERVICE_CONFIG, ROOT)} "
          f"(retry maxAttempts={max_attempts})")

    ok = True
    with grpc.insecure_channel(args.target, options=options) as channel:
        stub = track_pb2_grpc.TrackServiceStub(channel)

        good = seed_event(str(uuid.uuid4()), "766b3aef-5904-46fe-af05-a293fee8h345")
        try:
            response = stub.Track(good, timeout=10)
            print(f"seed event: OK message_id={response.message_id} "
                  f"duplicate={str(response.duplicate).lower()}")
        except grpc.RpcError as error:
            print(f"seed event: {error.code().name} {error.details()}")
            ok = False

        bad = seed_event(str(uuid.uuid4()), "")
        bad.account_added_user.user_email = "not an email"
        try:
            stub.Track(bad, timeout=10)
            print("bad event: OK (expected INVALID_ARGUMENT)")
            ok = False
        except grpc.RpcError as error:
            print(f"bad event: {error.code().name} {error.details()}")
            violations = field_violations(error)
            for field, description in violations:
                print(f"{field}: {description}")
            ok = ok and error.code() == grpc.StatusCode.INVALID_ARGUMENT and \
                sorted(field for field, _ in violations) == EXPECTED_FIELDS

    print("example: " + ("PASS" if ok else "FAIL"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""The conformance corpus (tests/contract/cases/, format in its README) against a live trackd.

    TRACKD_TARGET=127.0.0.1:PORT TRACKD_CORPUS=PATH/TO/cases python -m unittest test_conformance

Sends every case as a dry run (validate_only) with the installed package's generated code and
compares the verdict with the case's "expect". Skipped without TRACKD_TARGET, so the package's
unit tests run without a server; tests/contract/conformance_python.sh runs it.
"""
import json
import os
import pathlib
import unittest

import grpc
from google.protobuf import json_format

from trackd.v1 import track_pb2, track_pb2_grpc
from trackd_client import violations_of

TARGET = os.environ.get("TRACKD_TARGET", "")
CORPUS = pathlib.Path(os.environ.get("TRACKD_CORPUS", "tests/contract/cases"))


def load_cases():
    return [case for path in sorted(CORPUS.glob("*.json"))
            for case in json.loads(path.read_text(encoding="utf-8"))]


def refused(error):
    return {"code": error.code().name, "violations": [v.field for v in violations_of(error)]}


def track_verdict(stub, case):
    request = json_format.ParseDict(case["request"], track_pb2.TrackRequest())
    request.validate_only = True
    try:
        response = stub.Track(request, timeout=30)
    except grpc.RpcError as error:
        return refused(error)
    verdict = {"code": "OK", "message_id": response.message_id,
               "documented_json": response.documented_json}
    if response.duplicate:
        verdict["duplicate"] = True
    return verdict


def batch_verdict(stub, case):
    batch = json_format.ParseDict(case["batch"], track_pb2.TrackBatchRequest())
    batch.validate_only = True
    try:
        response = stub.TrackBatch(batch, timeout=30)
    except grpc.RpcError as error:
        return refused(error)
    results = []
    for r in response.results:
        outcome = track_pb2.TrackBatchResult.Outcome.Name(r.outcome).removeprefix("OUTCOME_")
        result = {"outcome": outcome, "message_id": r.message_id}
        if outcome == "ACCEPTED" or r.documented_json:
            result["documented_json"] = r.documented_json
        if outcome == "REJECTED" or r.violations:
            result["violations"] = [v.field for v in r.violations]
        results.append(result)
    return {"code": "OK", "results": results}


def forget_assigned_id(expect, seen):
    """A message_id the case leaves out was assigned by the server: it must only be non-empty."""
    if "message_id" not in expect and seen.get("message_id"):
        if seen.get("code") == "OK" or "outcome" in seen:
            del seen["message_id"]


@unittest.skipUnless(TARGET, "set TRACKD_TARGET to a live trackd")
class ConformanceTest(unittest.TestCase):
    maxDiff = 4000

    def test_every_case_has_its_verdict_as_a_dry_run(self):
        cases = load_cases()
        self.assertGreaterEqual(len(cases), 60, f"no corpus in {CORPUS}")
        with grpc.insecure_channel(TARGET) as channel:
            stub = track_pb2_grpc.TrackServiceStub(channel)
            for case in cases:
                with self.subTest(case["name"]):
                    expect = case["expect"]
                    if "batch" in case:
                        seen = batch_verdict(stub, case)
                        for e, s in zip(expect.get("results", []), seen.get("results", [])):
                            forget_assigned_id(e, s)
                    else:
                        seen = track_verdict(stub, case)
                        forget_assigned_id(expect, seen)
                    self.assertEqual(expect, seen)


if __name__ == "__main__":
    unittest.main()

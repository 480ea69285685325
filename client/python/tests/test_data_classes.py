"""The (trackd.v1.data_class) annotation as a Python service reads it from the generated descriptors.

docs/contract.md ("Personal data") shows this code; this test keeps it running.
"""
import unittest

from trackd.v1 import annotations_pb2, track_pb2


def personal_fields(descriptor, prefix=""):
    """Proto paths of the fields annotated DATA_CLASS_PERSONAL, through nested messages."""
    found = []
    for field in descriptor.fields:
        path = prefix + field.name
        if field.GetOptions().Extensions[annotations_pb2.data_class] == annotations_pb2.DATA_CLASS_PERSONAL:
            found.append(path)
        if field.message_type is not None and not field.message_type.full_name.startswith("google.protobuf."):
            found += personal_fields(field.message_type, path + ".")
    return found


class DataClassTest(unittest.TestCase):
    def test_user_name_and_user_email_are_personal(self):
        self.assertEqual(personal_fields(track_pb2.TrackRequest.DESCRIPTOR),
                         ["account_added_user.user_name", "account_added_user.user_email"])

    def test_ids_are_pseudonymous(self):
        fields = track_pb2.TrackRequest.DESCRIPTOR.fields_by_name
        for name in ("user_id", "group_id"):
            self.assertEqual(fields[name].GetOptions().Extensions[annotations_pb2.data_class],
                             annotations_pb2.DATA_CLASS_PSEUDONYMOUS, name)


if __name__ == "__main__":
    unittest.main()

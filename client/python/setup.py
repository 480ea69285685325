"""Build steps of trackd-client that pyproject.toml cannot declare.

build_py generates the trackd.v1 Python code from proto/trackd/v1/track.proto with
grpc_tools.protoc (a pinned build requirement) and copies proto/trackd/v1/service_config.json
into trackd_client, so the wheel carries the contract's own files and nothing generated is
committed. proto/ sits two levels above this file in the repository; pip (21.3 and later)
builds a path in place, so it is found there. sdist copies it next to this file, so a wheel
built from the sdist finds it too.
"""
import pathlib
import shutil

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.command.sdist import sdist

HERE = pathlib.Path(__file__).resolve().parent
PROTO_FILES = ("trackd/v1/track.proto", "trackd/v1/annotations.proto")
SERVICE_CONFIG = "trackd/v1/service_config.json"


def proto_root() -> pathlib.Path:
    """The directory holding trackd/v1/track.proto: beside this file (sdist) or in the repo."""
    for candidate in (HERE / "proto", HERE.parent.parent / "proto"):
        if (candidate / PROTO_FILES[0]).is_file():
            return candidate
    raise SystemExit(
        f"trackd-client: no proto/{PROTO_FILES[0]} beside {HERE} or two levels up. Build from "
        "a checkout of the trackd repository (pip install PATH/TO/trackd/client/python) or "
        "from its sdist; a copy of client/python alone lacks the contract.")


class BuildPyWithProtos(build_py):
    """Also writes the generated trackd.v1 package and the service config into build_lib."""

    def run(self):
        super().run()
        from grpc_tools import protoc  # A build requirement, imported only when building.

        root = proto_root()
        out = pathlib.Path(self.build_lib)
        # grpc_tools adds its bundled google/protobuf/*.proto to the include path itself.
        include = pathlib.Path(protoc.__file__).parent / "_proto"
        args = ["grpc_tools.protoc", f"-I{root}", f"-I{include}", f"--python_out={out}",
                f"--pyi_out={out}", f"--grpc_python_out={out}"]
        args += [str(root / name) for name in PROTO_FILES]
        if protoc.main(args) != 0:
            raise SystemExit(f"trackd-client: protoc failed on {root}/trackd/v1")
        for package in ("trackd", "trackd/v1"):
            (out / package / "__init__.py").touch()
        (out / "trackd" / "py.typed").touch()
        shutil.copyfile(root / SERVICE_CONFIG, out / "trackd_client" / "service_config.json")


class SdistWithProtos(sdist):
    """Puts proto/trackd/v1 into the sdist, which has no repository around it."""

    def make_release_tree(self, base_dir, files):
        super().make_release_tree(base_dir, files)
        root = proto_root()
        for name in PROTO_FILES + (SERVICE_CONFIG,):
            target = pathlib.Path(base_dir) / "proto" / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(root / name, target)


setup(cmdclass={"build_py": BuildPyWithProtos, "sdist": SdistWithProtos})

#!/usr/bin/env python3
"""Validates rendered Kubernetes objects against the Kubernetes OpenAPI schemas bundled in the
kubernetes-validate package (no network), in strict mode: unknown fields are rejected.

Objects of the API groups named with --skip-group (CRDs such as the Prometheus Operator's
ServiceMonitor, which the package has no schema for) are skipped, said so on the output, and
left to check_rendered.py. Any other object without a schema is an error, not a warning.

usage: validate_k8s.py --kubernetes-version 1.32.0 [--skip-group monitoring.coreos.com] FILE...
"""
import argparse
import sys

import kubernetes_validate
import yaml
from kubernetes_validate import utils as kv


def api_group(api_version: str) -> str:
    return api_version.split("/", 1)[0] if "/" in api_version else ""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kubernetes-version", required=True)
    parser.add_argument("--skip-group", action="append", default=[],
                        help="API group whose objects are not validated here (CRDs)")
    parser.add_argument("files", nargs="+")
    args = parser.parse_args()

    failures = validated = skipped = 0
    for filename in args.files:
        with open(filename, encoding="utf-8") as f:
            objects = [o for o in yaml.safe_load_all(f) if o]
        if not objects:
            print(f"ERROR {filename}: no objects rendered")
            failures += 1
        for obj in objects:
            name = f"{obj.get('kind', '?')}/{obj.get('metadata', {}).get('name', '?')}"
            group = api_group(obj.get("apiVersion", ""))
            if group in args.skip_group:
                print(f"SKIP  {filename}: {name} ({obj['apiVersion']}: a CRD, no bundled schema; "
                      "checked by check_rendered.py)")
                skipped += 1
                continue
            try:
                version = kubernetes_validate.validate(obj, args.kubernetes_version, strict=True)
                validated += 1
                print(f"ok    {filename}: {name} (Kubernetes {version}, strict)")
            except kv.ValidationError as e:
                path = ".".join(str(p) for p in e.path)
                print(f"ERROR {filename}: {name}: {path}: {e.message}")
                failures += 1
            except kv.SchemaNotFoundError as e:
                print(f"ERROR {filename}: {name}: {e.message}")
                failures += 1
            except kv.VersionNotSupportedError:
                print(f"FATAL kubernetes-validate {kubernetes_validate.__version__} has no schemas "
                      f"for Kubernetes {args.kubernetes_version}")
                return 2
    print(f"kubernetes-validate: {validated} objects valid, {skipped} skipped (CRDs), "
          f"{failures} invalid")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

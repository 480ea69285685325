#!/usr/bin/env python3
"""Validates rendered Kubernetes objects against the Kubernetes OpenAPI schemas bundled in the
kubernetes-validate package (no network), in strict mode: unknown fields are rejected.

Custom resources (the Prometheus Operator's ServiceMonitor and PrometheusRule) are validated
against the openAPIV3Schema of their CustomResourceDefinition files given with --crd, strictly
too: an object with properties rejects any field they do not name, unless the schema says
x-kubernetes-preserve-unknown-fields -- as the API server does with kubectl's default
--validate=strict. Objects of the API groups named with --skip-group are skipped, said so on
the output, and left to check_rendered.py. Any other object without a schema is an error, not
a warning.

usage: validate_k8s.py --kubernetes-version 1.32.0 [--crd CRD.yaml]...
                       [--skip-group monitoring.coreos.com] FILE...
"""
import argparse
import sys

import jsonschema
import kubernetes_validate
import yaml
from kubernetes_validate import utils as kv


def strict_json_schema(node):
    """A CRD's OpenAPI v3 schema as a JSON Schema that rejects unknown fields, and reads
    x-kubernetes-int-or-string and nullable as the API server does."""
    if isinstance(node, list):
        return [strict_json_schema(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: strict_json_schema(v) for k, v in node.items()}
    if out.pop("x-kubernetes-int-or-string", False):
        out.pop("type", None)
        out = {"anyOf": [{"type": "integer"}, {"type": "string"}], **out}
    if out.pop("nullable", False) and "type" in out:
        out["type"] = [out["type"], "null"]
    if ("properties" in out and "additionalProperties" not in out
            and not out.get("x-kubernetes-preserve-unknown-fields")):
        out["additionalProperties"] = False
    return out


def load_crds(paths):
    """(group, version, kind) -> a validator of that custom resource."""
    validators = {}
    for path in paths:
        with open(path, encoding="utf-8") as f:
            for crd in (d for d in yaml.safe_load_all(f) if d):
                spec = crd["spec"]
                for version in spec["versions"]:
                    schema = strict_json_schema(version["schema"]["openAPIV3Schema"])
                    # apiVersion, kind and metadata are the API server's to check, not the CRD's.
                    schema.setdefault("properties", {})["metadata"] = {"type": "object"}
                    key = (spec["group"], version["name"], spec["names"]["kind"])
                    validators[key] = jsonschema.Draft7Validator(schema)
    return validators


def crd_errors(obj, validators):
    """None when no CRD covers obj; else the list of its errors as "path: message"."""
    group, _, version = obj.get("apiVersion", "").rpartition("/")
    validator = validators.get((group, version, obj.get("kind")))
    if validator is None:
        return None
    return [f"{'.'.join(str(p) for p in e.absolute_path)}: {e.message}"
            for e in sorted(validator.iter_errors(obj), key=lambda e: list(e.absolute_path))]


def api_group(api_version: str) -> str:
    return api_version.split("/", 1)[0] if "/" in api_version else ""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kubernetes-version", required=True)
    parser.add_argument("--crd", action="append", default=[],
                        help="a CustomResourceDefinition file whose resources are validated")
    parser.add_argument("--skip-group", action="append", default=[],
                        help="API group whose objects are not validated here (CRDs)")
    parser.add_argument("files", nargs="+")
    args = parser.parse_args()
    validators = load_crds(args.crd)

    failures = validated = skipped = 0
    for filename in args.files:
        with open(filename, encoding="utf-8") as f:
            objects = [o for o in yaml.safe_load_all(f) if o]
        if not objects:
            print(f"ERROR {filename}: no objects rendered")
            failures += 1
        for obj in objects:
            name = f"{obj.get('kind', '?')}/{obj.get('metadata', {}).get('name', '?')}"
            errors = crd_errors(obj, validators)
            if errors is not None:
                for error in errors:
                    print(f"ERROR {filename}: {name}: {error}")
                failures += bool(errors)
                validated += not errors
                if not errors:
                    print(f"ok    {filename}: {name} ({obj['apiVersion']}, its CRD's schema, strict)")
                continue
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

#!/usr/bin/env python3
"""Runs the real trackd binary with the configuration the chart rendered, as the pod would
get it: the ConfigMap's TRACKD_* variables, the container's env and args, and the Secrets'
files at their mount paths (moved under a scratch directory). Then it asks what the kubelet
would ask: the rendered probes (native gRPC health through trackctl, or HTTP /healthz and
/readyz on the admin port), and stops trackd with SIGTERM as Kubernetes does.

It fails if trackd refuses the configuration, does not serve, reports another TLS or auth
mode than the chart configured, logs anything but JSON lines, logs a secret, or does not exit
0 within the shutdown grace.

The listen ports are replaced by free ones (the host part, 0.0.0.0, is kept: that is what
makes the explicit TRACKD_PLAINTEXT matter), upstream addresses by closed loopback ports, so
nothing leaves this machine. Certificates from --certs (server.crt/.key with
IP:127.0.0.1, ca.crt/.key, client.crt/.key signed by the CA) stand in for existing Secrets.

usage: run_rendered.py --trackd BIN --trackctl BIN --certs DIR RENDERED.yaml
"""
import argparse
import base64
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

import yaml


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def secret_items(secret):
    items = {k: base64.b64decode(v) for k, v in (secret.get("data") or {}).items()}
    items.update({k: v.encode() for k, v in (secret.get("stringData") or {}).items()})
    return items


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--trackd", required=True)
    parser.add_argument("--trackctl", required=True)
    parser.add_argument("--certs", required=True)
    parser.add_argument("rendered")
    args = parser.parse_args()
    name = os.path.basename(args.rendered)
    certs = args.certs

    objects = [o for o in yaml.safe_load_all(open(args.rendered, encoding="utf-8")) if o]
    kinds = {}
    for o in objects:
        kinds.setdefault(o["kind"], {})[o["metadata"]["name"]] = o
    workload = next(iter((kinds.get("StatefulSet") or kinds.get("Deployment")).values()))
    pod = workload["spec"]["template"]["spec"]
    ctr = pod["containers"][0]
    secrets = {n: secret_items(s) for n, s in kinds.get("Secret", {}).items()}
    used_secrets = []  # every secret value handed to trackd, to be looked for in its log

    # Stand-ins for Secrets that exist in the cluster, by key.
    def external(key):
        stand_in = {"tls.crt": "server.crt", "tls.key": "server.key", "ca.crt": "ca.crt"}
        if key in stand_in:
            return open(os.path.join(certs, stand_in[key]), "rb").read()
        if key == "tokens":
            return b"sha256:" + b"ab" * 32 + b" ci-client\n"
        if key == "properties":
            return b"sasl.password=stand-in-kafka-password\n"
        if key == "auth-header":
            return b"Authorization: Bearer stand-in-upstream-token\n"
        raise SystemExit(f"{name}: no stand-in for the key {key} of an existing Secret")

    def secret_value(rendered, key):
        content = rendered[key] if rendered is not None else external(key)
        used_secrets.append(content.decode(errors="replace"))
        return content

    scratch = tempfile.mkdtemp(prefix="trackd-run-")
    try:
        # Volumes at their mount paths, under the scratch directory.
        volumes = {v["name"]: v for v in pod.get("volumes", [])}
        moved = {}
        for m in ctr.get("volumeMounts", []):
            path = os.path.join(scratch, m["mountPath"].lstrip("/"))
            os.makedirs(path, exist_ok=True)
            moved[m["mountPath"]] = path
            secret = volumes.get(m["name"], {}).get("secret")
            if not secret:
                continue
            rendered = secrets.get(secret["secretName"])
            items = secret.get("items")
            keys = [(i["key"], i["path"]) for i in items] if items else \
                [(k, k) for k in (rendered or {"ca.crt": 0, "tls.crt": 0, "tls.key": 0})]
            for key, file in keys:
                with open(os.path.join(path, file), "wb") as f:
                    f.write(secret_value(rendered, key))

        def relocate(value):
            for mount_path in sorted(moved, key=len, reverse=True):
                if value == mount_path or value.startswith(mount_path.rstrip("/") + "/"):
                    return moved[mount_path] + value[len(mount_path.rstrip("/")):]
            return value

        env = {"PATH": "/usr/bin:/bin", "HOME": scratch}
        cm_name = ctr["envFrom"][0]["configMapRef"]["name"]
        for k, v in kinds["ConfigMap"][cm_name]["data"].items():
            env[k] = relocate(v)
        for e in ctr.get("env", []):
            if "value" in e:
                env[e["name"]] = e["value"]
            elif "secretKeyRef" in e.get("valueFrom", {}):
                ref = e["valueFrom"]["secretKeyRef"]
                rendered = secrets.get(ref["name"])
                env[e["name"]] = secret_value(rendered, ref["key"]).decode()

        def relocate_arg(arg):  # --kafka_property=ssl.ca.location=/etc/… moves too
            head, sep, value = arg.rpartition("=")
            return head + sep + relocate(value) if sep else relocate(arg)
        trackd_args = [relocate_arg(a) for a in ctr.get("args", [])]

        grpc_port = free_port()
        host = env["TRACKD_LISTEN"].rsplit(":", 1)[0]
        env["TRACKD_LISTEN"] = f"{host}:{grpc_port}"
        admin_host = env["TRACKD_ADMIN_LISTEN"].rsplit(":", 1)[0]
        env["TRACKD_ADMIN_LISTEN"] = f"{admin_host}:0"
        closed = free_port()
        if "TRACKD_HTTP_URL" in env:
            env["TRACKD_HTTP_URL"] = f"http://127.0.0.1:{closed}/track"
        if "TRACKD_KAFKA_BROKERS" in env:
            env["TRACKD_KAFKA_BROKERS"] = f"127.0.0.1:{closed}"
        env.pop("TRACKD_PORT_FILE", None)

        # trackd's log is stdout; stderr carries what gRPC core and librdkafka print themselves.
        log_path = os.path.join(scratch, "trackd.log")
        err_path = os.path.join(scratch, "trackd.stderr")
        with open(log_path, "wb") as log, open(err_path, "wb") as err:
            proc = subprocess.Popen([args.trackd] + trackd_args, env=env, cwd=scratch,
                                    stdout=log, stderr=err)
        failures = []

        def fail(message):
            failures.append(message)

        def log_lines(path=log_path):
            return open(path, encoding="utf-8", errors="replace").read().splitlines()

        def show_logs():
            print("stdout:\n" + "\n".join(log_lines()[-15:]))
            print("stderr:\n" + "\n".join(log_lines(err_path)[-10:]))

        serving = None
        deadline = time.monotonic() + 30
        while serving is None and time.monotonic() < deadline and proc.poll() is None:
            for line in log_lines():
                if '"msg":"serving"' in line:
                    serving = json.loads(line)
            time.sleep(0.1)
        if serving is None:
            proc.kill()
            proc.wait()
            show_logs()
            print(f"FAIL {name}: trackd did not start with the rendered configuration (exit {proc.returncode})")
            return 1

        tls = "TRACKD_TLS_CERT_FILE" in env
        want_tls = ("mtls" if "TRACKD_TLS_CLIENT_CA_FILE" in env else "tls") if tls else "plaintext"
        if serving.get("tls") != want_tls:
            fail(f"trackd serves {serving.get('tls')}, the chart configured {want_tls}")
        want_auth = "bearer tokens" if "TRACKD_AUTH_TOKENS_FILE" in env else "off"
        if serving.get("auth") != want_auth:
            fail(f"trackd auth is {serving.get('auth')!r}, the chart configured {want_auth!r}")
        admin_port = int(serving["admin_port"])

        # The kubelet's questions, as the chart asks them.
        for probe_name in ("startupProbe", "livenessProbe", "readinessProbe"):
            probe = ctr[probe_name]
            if "grpc" in probe:
                command = [args.trackctl, "health", f"--target=127.0.0.1:{grpc_port}"]
                result = subprocess.run(command, capture_output=True, text=True, timeout=20)
                if result.returncode != 0 or "SERVING" not in result.stdout:
                    fail(f"{probe_name}: gRPC health answered {result.stdout.strip()} {result.stderr.strip()}")
            else:
                path = probe["httpGet"]["path"]
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{admin_port}{path}", timeout=5) as r:
                        status = r.status
                except urllib.error.HTTPError as e:
                    status = e.code
                if status != 200:
                    fail(f"{probe_name}: GET {path} on the admin port answered {status}")
        if tls:
            # What a client does: health over TLS (with a client certificate under mTLS).
            command = [args.trackctl, "health", f"--target=127.0.0.1:{grpc_port}", "--tls",
                       f"--ca_file={os.path.join(certs, 'ca.crt')}"]
            if "TRACKD_TLS_CLIENT_CA_FILE" in env:
                command += [f"--cert_file={os.path.join(certs, 'client.crt')}",
                            f"--key_file={os.path.join(certs, 'client.key')}"]
            result = subprocess.run(command, capture_output=True, text=True, timeout=20)
            if result.returncode != 0 or "SERVING" not in result.stdout:
                fail(f"health over TLS answered {result.stdout.strip()} {result.stderr.strip()}")
            if "TRACKD_TLS_CLIENT_CA_FILE" in env:
                # mTLS as configured: a client without a certificate is turned away.
                bare = [c for c in command if not c.startswith(("--cert_file", "--key_file"))]
                result = subprocess.run(bare + ["--deadline=3s"], capture_output=True, text=True, timeout=20)
                if result.returncode == 0:
                    fail("mTLS: a client without a certificate got an answer")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{admin_port}/metrics", timeout=5) as r:
                if b"# TYPE" not in r.read():
                    fail("/metrics is not Prometheus text")
        except urllib.error.URLError as e:
            fail(f"/metrics: {e}")

        # Stop it as the kubelet does (after the preStop sleep): SIGTERM, then wait.
        grace = pod["terminationGracePeriodSeconds"]
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        try:
            code = proc.wait(timeout=grace)
            if code != 0:
                fail(f"trackd exited {code} on SIGTERM")
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            fail(f"trackd did not stop within terminationGracePeriodSeconds {grace}")
        stop_seconds = time.monotonic() - started

        lines = log_lines()
        for line in lines:
            try:
                json.loads(line)
            except ValueError:
                fail(f"log line on stdout is not JSON: {line[:120]}")
        text = "\n".join(lines + log_lines(err_path))
        for value in used_secrets:
            if "-----BEGIN" in value:
                continue  # certificates are public; trackd never reads keys into its log
            for line in filter(None, (l.strip() for l in value.splitlines())):
                if line.startswith("sha256:"):
                    continue  # token hashes; the client name after it is logged by design
                # A property's value, a header's credentials, or a plain token.
                for part in (line, line.split("=", 1)[-1], line.split(" ")[-1]):
                    if len(part) >= 8 and part in text:
                        fail(f"a secret value reached the log: {part[:4]}…")

        for failure in failures:
            print(f"FAIL {name}: {failure}")
        if failures:
            show_logs()
            return 1
        print(f"ran {name}: trackd served {serving.get('tls')}"
              f"{' (no client certificate: refused)' if serving.get('tls') == 'mtls' else ''}, auth {serving.get('auth')}, sink "
              f"{env.get('TRACKD_SINK')}; probes answered; SIGTERM exit 0 in {stop_seconds:.1f}s; "
              f"{len(lines)} log lines, JSON, no secrets")
        return 0
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

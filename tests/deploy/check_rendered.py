#!/usr/bin/env python3
"""Checks what the trackd chart renders (helm template output) for the promises of issue 6:
the workload of each mode, native gRPC probes, restricted pod security, the shutdown grace
arithmetic, the two Services, PDB, HPA, NetworkPolicy, Secrets, the TRACKD_* ConfigMap, and
the ServiceMonitor (a CRD, which the Kubernetes schemas do not cover), and (issue 14) the
PrometheusRule and the Grafana dashboard's ConfigMap, each present only when expected and
carrying exactly the repository's deploy/prometheus/trackd-alerts.yaml and
deploy/grafana/trackd-dashboard.json.

usage: check_rendered.py --mode embedded|forward [--sink file|http|kafka]
                         [--external-secret NAME]... [--expect KIND]... [--expect-dashboard]
                         [--runbook-base URL] RENDERED.yaml

Prints every failed check and exits 1 if there is one; stdlib and PyYAML only.
"""
import argparse
import json
import os
import re
import sys

import yaml

from checker import Checker

UID = 65532
KNOWN_KINDS = {
    "ConfigMap", "Secret", "Service", "ServiceAccount", "StatefulSet", "Deployment",
    "PersistentVolumeClaim", "PodDisruptionBudget", "HorizontalPodAutoscaler", "NetworkPolicy",
    "ServiceMonitor", "PrometheusRule",
}
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
ALERTS = os.path.join(ROOT, "deploy", "prometheus", "trackd-alerts.yaml")
DASHBOARD = os.path.join(ROOT, "deploy", "grafana", "trackd-dashboard.json")
# kubectl's client-side apply keeps a copy of the object in an annotation, limited to 256 KiB.
MAX_DASHBOARD_BYTES = 256 * 1024
CLIENT_LABEL = ("trackd-client", "true")



def seconds(duration):
    """Seconds in a Go/Abseil duration such as 20s, 1m30s, 500ms."""
    units = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600}
    parts = re.findall(r"([0-9.]+)(ns|us|ms|s|m|h)", str(duration))
    if not parts or "".join(n + u for n, u in parts) != str(duration):
        raise ValueError(f"not a duration: {duration!r}")
    return sum(float(n) * units[u] for n, u in parts)


def quantity_bytes(q):
    units = {"": 1, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12,
             "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40}
    m = re.fullmatch(r"([0-9.]+)([a-zA-Z]*)", str(q))
    if not m or m.group(2) not in units:
        raise ValueError(f"not a quantity: {q!r}")
    return float(m.group(1)) * units[m.group(2)]


def subset(small, big):
    return bool(small) and all(big.get(k) == v for k, v in small.items())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", required=True, choices=["embedded", "forward"])
    parser.add_argument("--sink", choices=["file", "http", "kafka"])
    parser.add_argument("--external-secret", action="append", default=[],
                        help="a Secret the values name as existing (not rendered)")
    parser.add_argument("--expect", action="append", default=[],
                        help="a kind that must be rendered (e.g. HorizontalPodAutoscaler)")
    parser.add_argument("--expect-dashboard", action="store_true",
                        help="the Grafana dashboard's ConfigMap must be rendered")
    parser.add_argument("--runbook-base", default="",
                        help="the metrics.prometheusRule.runbookBaseURL the values set")
    parser.add_argument("rendered")
    args = parser.parse_args()

    with open(args.rendered, encoding="utf-8") as f:
        objects = [o for o in yaml.safe_load_all(f) if o]
    c = Checker(f"check_rendered {args.rendered}")
    by_kind = {}
    for o in objects:
        by_kind.setdefault(o.get("kind"), []).append(o)

    # The Grafana dashboard's ConfigMap holds JSON; the configuration's holds TRACKD_* variables.
    dashboards = [o for o in by_kind.get("ConfigMap", [])
                  if any(k.endswith(".json") for k in o.get("data", {}))]
    by_kind["ConfigMap"] = [o for o in by_kind.get("ConfigMap", []) if o not in dashboards]

    def one(kind):
        items = by_kind.get(kind, [])
        c.check(len(items) == 1, f"expected exactly one {kind}, found {len(items)}")
        return items[0] if items else None

    # Every object: a known kind, a namespace, the chart's labels.
    for o in objects:
        name = f"{o.get('kind')}/{o.get('metadata', {}).get('name')}"
        c.check(o.get("kind") in KNOWN_KINDS, f"{name}: unexpected kind")
        meta = o.get("metadata", {})
        c.check(meta.get("namespace"), f"{name}: no metadata.namespace")
        labels = meta.get("labels", {})
        for key in ("app.kubernetes.io/name", "app.kubernetes.io/instance",
                    "app.kubernetes.io/managed-by"):
            c.check(key in labels, f"{name}: label {key} missing")
    for kind in args.expect:
        c.check(kind in by_kind, f"expected a {kind}")

    # The workload of the mode.
    workload_kind = "StatefulSet" if args.mode == "embedded" else "Deployment"
    other_kind = "Deployment" if args.mode == "embedded" else "StatefulSet"
    c.check(other_kind not in by_kind, f"mode {args.mode} must not render a {other_kind}")
    workload = one(workload_kind)
    if workload is None:
        return c.report()
    spec = workload["spec"]
    pod_meta = spec["template"]["metadata"]
    pod = spec["template"]["spec"]
    pod_labels = pod_meta.get("labels", {})
    c.check(subset(spec["selector"]["matchLabels"], pod_labels),
            "workload selector does not match its pod labels")
    containers = pod.get("containers", [])
    c.check(len(containers) == 1, "expected one container")
    ctr = containers[0]
    ports = {p.get("name"): p["containerPort"] for p in ctr.get("ports", [])}
    c.check("grpc" in ports and "metrics" in ports, "container ports grpc and metrics missing")
    grpc_port, admin_port = ports.get("grpc"), ports.get("metrics")

    # The ConfigMap: TRACKD_* variables, read with envFrom.
    cm = one("ConfigMap")
    env = cm.get("data", {}) if cm else {}
    for key in env:
        c.check(re.fullmatch(r"TRACKD_[A-Z0-9_]+", key), f"ConfigMap key {key} is not TRACKD_*")
    refs = [e.get("configMapRef", {}).get("name") for e in ctr.get("envFrom", [])]
    c.check(cm and cm["metadata"]["name"] in refs, "container does not read the ConfigMap (envFrom)")
    for secret_var in ("TRACKD_KAFKA_PROPERTIES", "TRACKD_HTTP_AUTH_HEADER"):
        c.check(secret_var not in env, f"{secret_var} is a secret: it must not be in the ConfigMap")
    for e in ctr.get("env", []):
        if "valueFrom" in e:
            c.check(e["name"].startswith("TRACKD_"), f"env {e['name']} from a Secret is not TRACKD_*")
        c.check(e.get("name") not in env, f"env {e.get('name')} also set by the ConfigMap")
    listen = env.get("TRACKD_LISTEN", "")
    c.check(listen == f"0.0.0.0:{grpc_port}", f"TRACKD_LISTEN {listen!r} is not 0.0.0.0:{grpc_port}")
    admin = env.get("TRACKD_ADMIN_LISTEN", "")
    c.check(admin == f"0.0.0.0:{admin_port}",
            f"TRACKD_ADMIN_LISTEN {admin!r} is not 0.0.0.0:{admin_port}")
    sink = env.get("TRACKD_SINK")
    expected_sink = "file" if args.mode == "embedded" else args.sink
    c.check(expected_sink is None or sink == expected_sink, f"TRACKD_SINK {sink!r}, expected {expected_sink!r}")
    if sink == "http":
        c.check(env.get("TRACKD_HTTP_URL", "").startswith(("http://", "https://")), "TRACKD_HTTP_URL missing")
    if sink == "kafka":
        c.check(env.get("TRACKD_KAFKA_BROKERS"), "TRACKD_KAFKA_BROKERS missing")
    tls = "TRACKD_TLS_CERT_FILE" in env
    if tls:
        c.check("TRACKD_TLS_KEY_FILE" in env, "TLS certificate without TRACKD_TLS_KEY_FILE")
        c.check(env.get("TRACKD_PLAINTEXT", "false") != "true", "TLS and TRACKD_PLAINTEXT=true together")
    else:
        c.check(env.get("TRACKD_PLAINTEXT") == "true",
                "no TLS: plaintext on 0.0.0.0 needs TRACKD_PLAINTEXT=true (explicit)")
        c.check("TRACKD_TLS_CLIENT_CA_FILE" not in env, "client CA (mTLS) without TLS")
    c.check("TRACKD_AUTH_TOKENS_FILE" in env, "auth is off: TRACKD_AUTH_TOKENS_FILE is not set")
    c.check(grpc_port is not None, "no gRPC port")

    # Volumes: every mount has a volume; /tmp is an emptyDir; secrets are whole-directory
    # mounts (the kubelet updates those; subPath mounts never change, so no reload).
    volumes = {v["name"]: v for v in pod.get("volumes", [])}
    vct = {t["metadata"]["name"]: t for t in spec.get("volumeClaimTemplates", [])}
    mounts = {m["mountPath"]: m for m in ctr.get("volumeMounts", [])}
    for m in mounts.values():
        c.check(m["name"] in volumes or m["name"] in vct, f"mount {m['mountPath']}: no volume {m['name']}")
        if "secret" in volumes.get(m["name"], {}):
            c.check("subPath" not in m, f"secret mount {m['mountPath']} uses subPath (no updates)")
            c.check(m.get("readOnly") is True, f"secret mount {m['mountPath']} is not readOnly")
    tmp = mounts.get("/tmp")
    c.check(tmp and "emptyDir" in volumes.get(tmp["name"], {}), "/tmp is not an emptyDir")
    data_dir = env.get("TRACKD_DATA_DIR")
    data_mount = mounts.get(data_dir)
    c.check(data_mount is not None, f"TRACKD_DATA_DIR {data_dir} is not a mounted volume")

    def file_from_secret(path, what):
        """The Secret (name, key) a file path is mounted from."""
        for mount_path, m in mounts.items():
            if path.startswith(mount_path.rstrip("/") + "/"):
                secret = volumes.get(m["name"], {}).get("secret")
                if not c.check(secret, f"{what} {path} is not mounted from a Secret"):
                    return None
                key = path[len(mount_path.rstrip("/")) + 1:]
                items = secret.get("items")
                if items is not None:
                    c.check(any(i["path"] == key for i in items), f"{what}: {key} not among the Secret's items")
                    key = next((i["key"] for i in items if i["path"] == key), key)
                return secret["secretName"], key
        c.check(False, f"{what} {path} is not under any mount")
        return None

    secrets = {s["metadata"]["name"]: s for s in by_kind.get("Secret", [])}
    referenced = []
    file_refs = {}
    for var, what in (("TRACKD_AUTH_TOKENS_FILE", "token file"), ("TRACKD_TLS_CERT_FILE", "TLS certificate"),
                      ("TRACKD_TLS_KEY_FILE", "TLS key"), ("TRACKD_TLS_CLIENT_CA_FILE", "client CA"),
                      ("TRACKD_HTTP_AUTH_HEADER_FILE", "HTTP auth header")):
        if var in env:
            ref = file_from_secret(env[var], what)
            if ref:
                referenced.append(ref)
                file_refs[var] = ref
    for v in volumes.values():
        if "secret" in v:
            items = v["secret"].get("items")
            if items is None:
                referenced.append((v["secret"]["secretName"], None))
            for item in items or []:
                referenced.append((v["secret"]["secretName"], item["key"]))
    for e in ctr.get("env", []):
        ref = e.get("valueFrom", {}).get("secretKeyRef")
        if ref:
            referenced.append((ref["name"], ref["key"]))
    for name, key in referenced:
        if name in secrets:
            s = secrets[name]
            keys = set(s.get("data", {}) or {}) | set(s.get("stringData", {}) or {})
            c.check(key is None or key in keys, f"Secret {name} has no key {key}")
        else:
            c.check(name in args.external_secret, f"Secret {name} is neither rendered nor an expected existing one")
    for name in args.external_secret:
        c.check(any(n == name for n, _ in referenced), f"existing Secret {name} is not used")
    tokens_name, tokens_key = file_refs.get("TRACKD_AUTH_TOKENS_FILE", (None, None))
    if tokens_name in secrets:
        lines = (secrets[tokens_name].get("stringData", {}) or {}).get(tokens_key, "")
        for line in lines.splitlines():
            c.check(re.fullmatch(r"sha256:[0-9a-f]{64} [A-Za-z0-9][A-Za-z0-9._-]*", line),
                    f"token line {line!r} is not 'sha256:<hex> <client-name>'")

    # Mode specifics.
    if args.mode == "embedded":
        c.check("data" in vct, "embedded mode: StatefulSet has no volumeClaimTemplate 'data'")
        c.check(data_mount and data_mount["name"] in vct, "embedded mode: the log is not on the claim template")
        if "data" in vct:
            c.check(vct["data"]["spec"]["resources"]["requests"].get("storage"), "claim template without size")
        c.check("HorizontalPodAutoscaler" not in by_kind, "embedded mode must not autoscale")
    else:
        data_volume = volumes.get(data_mount["name"], {}) if data_mount else {}
        c.check("emptyDir" in data_volume or "persistentVolumeClaim" in data_volume,
                "forward mode: the spool is neither an emptyDir nor a PersistentVolumeClaim")
        if "persistentVolumeClaim" in data_volume:
            claim = data_volume["persistentVolumeClaim"]["claimName"]
            pvcs = {p["metadata"]["name"] for p in by_kind.get("PersistentVolumeClaim", [])}
            c.check(claim in pvcs, f"forward spool claim {claim} is not rendered")
            c.check(spec.get("replicas") == 1, "a PersistentVolumeClaim spool allows one replica only")
            c.check(spec.get("strategy", {}).get("type") == "Recreate",
                    "a ReadWriteOnce spool needs the Recreate strategy")
            c.check("HorizontalPodAutoscaler" not in by_kind, "a PersistentVolumeClaim spool cannot autoscale")
        if "emptyDir" in data_volume and "TRACKD_SPOOL_MAX_BYTES" in env:
            limit = data_volume["emptyDir"].get("sizeLimit")
            if limit is not None:
                c.check(quantity_bytes(limit) > float(env["TRACKD_SPOOL_MAX_BYTES"]),
                        f"spool emptyDir sizeLimit {limit} is not above spool_max_bytes: the pod would be evicted")

    # Pod security (restricted).
    psc = pod.get("securityContext", {})
    csc = ctr.get("securityContext", {})
    c.check(psc.get("runAsNonRoot") is True, "pod securityContext.runAsNonRoot is not true")
    c.check(csc.get("runAsNonRoot") is True, "container securityContext.runAsNonRoot is not true")
    for where, sc in (("pod", psc), ("container", csc)):
        if "runAsUser" in sc:
            c.check(sc["runAsUser"] == UID, f"{where} runAsUser {sc['runAsUser']} is not {UID}")
    c.check(psc.get("runAsUser", csc.get("runAsUser")) == UID, f"runAsUser is not {UID}")
    c.check(psc.get("seccompProfile", {}).get("type") == "RuntimeDefault",
            "pod seccompProfile is not RuntimeDefault")
    c.check(csc.get("seccompProfile", {"type": "RuntimeDefault"}).get("type") == "RuntimeDefault",
            "container seccompProfile is not RuntimeDefault")
    c.check(csc.get("allowPrivilegeEscalation") is False, "allowPrivilegeEscalation is not false")
    c.check(csc.get("readOnlyRootFilesystem") is True, "readOnlyRootFilesystem is not true")
    c.check(csc.get("privileged") in (None, False), "container is privileged")
    caps = csc.get("capabilities", {})
    c.check("ALL" in caps.get("drop", []), "capabilities do not drop ALL")
    c.check(not caps.get("add"), "capabilities are added")
    c.check(pod.get("automountServiceAccountToken") is False, "service account token is mounted")
    for field in ("hostNetwork", "hostPID", "hostIPC"):
        c.check(not pod.get(field), f"pod uses {field}")
    c.check(not any("hostPath" in v for v in volumes.values()), "pod uses a hostPath volume")
    image = ctr.get("image", "")
    c.check(("@sha256:" in image) or (re.search(r":[^/:]+$", image) and not image.endswith(":latest")),
            f"image {image!r} is not pinned by tag or digest")

    # Resources.
    res = ctr.get("resources", {})
    for section in ("requests", "limits"):
        for resource in ("cpu", "memory"):
            c.check(resource in res.get(section, {}), f"resources.{section}.{resource} missing")

    # Probes: native gRPC on the gRPC port (the overall "" service) while the port is plaintext;
    # the kubelet's gRPC probe cannot speak TLS, so with TLS: HTTP /healthz, /readyz on the admin port.
    for probe_name, path in (("startupProbe", "/healthz"), ("livenessProbe", "/healthz"),
                             ("readinessProbe", "/readyz")):
        probe = ctr.get(probe_name)
        if not c.check(probe, f"{probe_name} missing"):
            continue
        if tls:
            get = probe.get("httpGet", {})
            c.check(get.get("path") == path and get.get("port") in ("metrics", admin_port),
                    f"{probe_name}: with TLS expected httpGet {path} on the admin port, got {probe}")
        else:
            grpc = probe.get("grpc")
            c.check(grpc and grpc.get("port") == grpc_port and grpc.get("service", "") == "",
                    f"{probe_name}: expected a native gRPC probe on port {grpc_port}, got {probe}")
        for field in ("periodSeconds", "timeoutSeconds", "failureThreshold"):
            c.check(isinstance(probe.get(field), int) and probe[field] >= 1, f"{probe_name}.{field} not set")

    # Shutdown: terminationGracePeriodSeconds > preStop sleep + shutdown_grace.
    pre_stop = ctr.get("lifecycle", {}).get("preStop", {})
    sleep = 0
    if "exec" in pre_stop:
        command = pre_stop["exec"]["command"]
        c.check(command[0].endswith("sleep") and len(command) == 2, f"preStop is not a sleep: {command}")
        sleep = float(command[-1])
    elif "sleep" in pre_stop:
        sleep = pre_stop["sleep"]["seconds"]
    grace = seconds(env.get("TRACKD_SHUTDOWN_GRACE", "20s"))
    tgps = pod.get("terminationGracePeriodSeconds")
    c.check(isinstance(tgps, int) and tgps > sleep + grace,
            f"terminationGracePeriodSeconds {tgps} is not above preStop sleep {sleep:g} + shutdown_grace {grace:g}")
    c.check(sleep > 0, "no preStop sleep: clients may still be sent here after SIGTERM")

    # Services: a ClusterIP one and a headless one, both on the gRPC port of these pods.
    services = by_kind.get("Service", [])
    headless = [s for s in services if s["spec"].get("clusterIP") == "None"]
    cluster_ip = [s for s in services if s["spec"].get("clusterIP") != "None"]
    c.check(len(headless) == 1, f"expected one headless Service (clusterIP: None), found {len(headless)}")
    c.check(len(cluster_ip) == 1, f"expected one ClusterIP Service, found {len(cluster_ip)}")
    for s in services:
        sname = s["metadata"]["name"]
        c.check(s["spec"].get("type", "ClusterIP") == "ClusterIP", f"Service {sname} is not ClusterIP")
        c.check(subset(s["spec"].get("selector", {}), pod_labels), f"Service {sname} does not select the pods")
        sports = {p["name"]: p for p in s["spec"]["ports"]}
        g = sports.get("grpc")
        c.check(g and g["port"] == grpc_port and g.get("targetPort") in ("grpc", grpc_port),
                f"Service {sname}: no grpc port to {grpc_port}")
    if headless:
        hname = headless[0]["metadata"]["name"]
        c.check(hname.endswith("-headless"), f"headless Service {hname} is not named <fullname>-headless")
        c.check(not headless[0]["spec"].get("publishNotReadyAddresses"),
                "headless Service publishes pods that are not ready")
        if args.mode == "embedded":
            c.check(spec.get("serviceName") == hname, "StatefulSet serviceName is not the headless Service")
    if cluster_ip:
        c.check(any(p["name"] == "metrics" and p["port"] == admin_port for p in cluster_ip[0]["spec"]["ports"]),
                "ClusterIP Service has no metrics port")

    # PodDisruptionBudget.
    pdb = one("PodDisruptionBudget")
    replicas = spec.get("replicas")
    hpa_list = by_kind.get("HorizontalPodAutoscaler", [])
    if hpa_list:
        replicas = hpa_list[0]["spec"].get("minReplicas", 1)
    if pdb:
        c.check(pdb["apiVersion"] == "policy/v1", "PDB is not policy/v1")
        c.check(subset(pdb["spec"]["selector"]["matchLabels"], pod_labels), "PDB does not select the pods")
        has_min, has_max = "minAvailable" in pdb["spec"], "maxUnavailable" in pdb["spec"]
        c.check(has_min != has_max, "PDB needs exactly one of minAvailable and maxUnavailable")
        if has_min and isinstance(pdb["spec"]["minAvailable"], int) and replicas is not None:
            c.check(pdb["spec"]["minAvailable"] < replicas,
                    f"PDB minAvailable {pdb['spec']['minAvailable']} >= replicas {replicas}: no node could be drained")
        if has_max and isinstance(pdb["spec"]["maxUnavailable"], int):
            c.check(pdb["spec"]["maxUnavailable"] >= 1, "PDB maxUnavailable 0 blocks every drain")

    # HorizontalPodAutoscaler.
    for hpa in hpa_list:
        c.check(hpa["apiVersion"] == "autoscaling/v2", f"HPA apiVersion {hpa['apiVersion']} is not autoscaling/v2")
        target = hpa["spec"]["scaleTargetRef"]
        c.check(target == {"apiVersion": "apps/v1", "kind": workload_kind, "name": workload["metadata"]["name"]},
                f"HPA does not target the {workload_kind}: {target}")
        c.check(args.mode == "forward", "HPA in embedded mode")
        c.check(hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"], "HPA minReplicas > maxReplicas")
        c.check(hpa["spec"].get("metrics"), "HPA without metrics")
        c.check("replicas" not in spec, "the HPA owns the replica count: the Deployment must not set replicas")

    # NetworkPolicy: gRPC only from labelled clients, the admin port only from Prometheus.
    np = one("NetworkPolicy")
    if np:
        nspec = np["spec"]
        c.check(subset(nspec["podSelector"].get("matchLabels", {}), pod_labels), "NetworkPolicy does not select the pods")
        c.check("Ingress" in nspec.get("policyTypes", []), "NetworkPolicy has no Ingress policy type")
        allowed = {}
        for rule in nspec.get("ingress", []):
            c.check(rule.get("from"), f"NetworkPolicy rule admits every source: {rule}")
            c.check(rule.get("ports"), f"NetworkPolicy rule admits every port: {rule}")
            for p in rule.get("ports", []):
                port = p.get("port")
                port = {"grpc": grpc_port, "metrics": admin_port}.get(port, port)
                allowed.setdefault(port, []).extend(rule.get("from", []))
        c.check(set(allowed) <= {grpc_port, admin_port}, f"NetworkPolicy opens other ports: {sorted(allowed)}")
        for peer in allowed.get(grpc_port, []):
            labels = peer.get("podSelector", {}).get("matchLabels", {})
            c.check(labels.get(CLIENT_LABEL[0]) == CLIENT_LABEL[1],
                    f"gRPC admitted from a peer without {CLIENT_LABEL[0]}={CLIENT_LABEL[1]}: {peer}")
            c.check("ipBlock" not in peer, "gRPC admitted from an ipBlock")
        c.check(allowed.get(grpc_port), "NetworkPolicy admits no gRPC client")
        for peer in allowed.get(admin_port, []):
            c.check(peer.get("namespaceSelector") is not None and peer.get("podSelector", {}).get("matchLabels"),
                    f"admin port admitted from a peer that is not a selected Prometheus: {peer}")
        c.check(allowed.get(admin_port), "NetworkPolicy admits no Prometheus on the admin port")

    # ServiceMonitor (CRD): selects the ClusterIP Service and names its metrics port.
    for sm in by_kind.get("ServiceMonitor", []):
        c.check(sm["apiVersion"] == "monitoring.coreos.com/v1", f"ServiceMonitor apiVersion {sm['apiVersion']}")
        sspec = sm.get("spec", {})
        c.check(set(sspec) <= {"namespaceSelector", "selector", "endpoints", "jobLabel", "targetLabels",
                               "podTargetLabels", "sampleLimit"}, f"ServiceMonitor: unknown spec fields {sorted(sspec)}")
        selected = [s for s in services if subset(sspec.get("selector", {}).get("matchLabels", {}),
                                                  s["metadata"].get("labels", {}))]
        c.check(len(selected) == 1 and selected[0]["spec"].get("clusterIP") != "None",
                f"ServiceMonitor must select exactly the ClusterIP Service, selects {[s['metadata']['name'] for s in selected]}")
        names = sspec.get("namespaceSelector", {}).get("matchNames", [])
        c.check(selected and selected[0]["metadata"]["namespace"] in names,
                "ServiceMonitor namespaceSelector does not include the Service's namespace")
        endpoints = sspec.get("endpoints", [])
        c.check(endpoints, "ServiceMonitor has no endpoints")
        for ep in endpoints:
            c.check(set(ep) <= {"port", "path", "scheme", "interval", "scrapeTimeout", "relabelings",
                                "metricRelabelings", "honorLabels"}, f"ServiceMonitor endpoint: unknown fields {sorted(ep)}")
            sports = [p["name"] for s in selected for p in s["spec"]["ports"]]
            c.check(ep.get("port") in sports, f"ServiceMonitor port {ep.get('port')} is not a port of the Service")
            c.check(ep.get("path", "/metrics") == "/metrics", "ServiceMonitor path is not /metrics")
            c.check(ep.get("scheme", "http") == "http", "the admin port is plain HTTP")
            if "interval" in ep and "scrapeTimeout" in ep:
                c.check(seconds(ep["scrapeTimeout"]) <= seconds(ep["interval"]),
                        "ServiceMonitor scrapeTimeout exceeds its interval")

    check_prometheus_rule(c, by_kind.get("PrometheusRule", []), "PrometheusRule" in args.expect,
                          args.runbook_base)
    check_dashboard(c, dashboards, args.expect_dashboard)
    return c.report()


def one_if_expected(c, items, expected, what):
    """The one item when expected (and there is exactly one); None otherwise, a failure when
    the count is not what was expected (one, or none for an option that is off)."""
    want = 1 if expected else 0
    ok = c.check(len(items) == want, f"expected {want} {what}, found {len(items)}")
    return items[0] if ok and items else None


def check_prometheus_rule(c, rules, expected, runbook_base):
    """Off by default; when on, exactly the repository's rules, runbook links under the base."""
    rule = one_if_expected(c, rules, expected, "PrometheusRule")
    if rule is None:
        return
    c.check(rule["apiVersion"] == "monitoring.coreos.com/v1", f"PrometheusRule apiVersion {rule['apiVersion']}")
    spec = rule.get("spec", {})
    c.check(set(spec) == {"groups"}, f"PrometheusRule: spec fields {sorted(spec)}, expected only groups")
    with open(ALERTS, encoding="utf-8") as f:
        want = yaml.safe_load(f)["groups"]
    prefix = runbook_base.rstrip("/") + "/" if runbook_base else ""
    got = json.loads(json.dumps(spec.get("groups", [])))
    alerts = [r for g in got for r in g.get("rules", []) if "alert" in r]
    for r in alerts:
        url = r.get("annotations", {}).get("runbook_url", "")
        c.check(url.startswith(prefix + "docs/operations.md#"),
                f"{r['alert']}: runbook_url {url!r} is not under {prefix or '(relative)'}docs/operations.md#")
        if prefix and url.startswith(prefix):
            r["annotations"]["runbook_url"] = url[len(prefix):]
    c.check(got == want, "PrometheusRule groups differ from deploy/prometheus/trackd-alerts.yaml")
    c.check(alerts, "PrometheusRule has no alert")


def check_dashboard(c, dashboards, expected):
    """Off by default; when on, the repository's dashboard under the sidecar's label."""
    cm = one_if_expected(c, dashboards, expected, "dashboard ConfigMap")
    if cm is None:
        return
    labels = cm["metadata"].get("labels", {})
    c.check(labels.get("grafana_dashboard") == "1",
            "dashboard ConfigMap lacks the Grafana sidecar's label grafana_dashboard: \"1\"")
    data = cm.get("data", {})
    c.check(list(data) == ["trackd-dashboard.json"], f"dashboard ConfigMap keys {sorted(data)}")
    text = data.get("trackd-dashboard.json", "")
    c.check(len(text.encode()) < MAX_DASHBOARD_BYTES,
            f"dashboard is {len(text.encode())} bytes: over kubectl apply's 256 KiB annotation")
    with open(DASHBOARD, encoding="utf-8") as f:
        want = json.load(f)
    try:
        got = json.loads(text)
    except ValueError as e:
        c.check(False, f"dashboard ConfigMap does not hold JSON: {e}")
        return
    c.check(got == want, "dashboard ConfigMap differs from deploy/grafana/trackd-dashboard.json")


if __name__ == "__main__":
    sys.exit(main())

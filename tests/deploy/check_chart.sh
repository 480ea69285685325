#!/usr/bin/env bash
# Offline validation of the Helm chart deploy/helm/trackd (issue 6), run by ctest as
# deploy_chart and by scripts/check_chart.sh:
#   1. pinned tools into build/tools: helm from the Go module proxy, kubernetes-validate (with
#      the Kubernetes schemas bundled) from PyPI in a venv; skipped when already there;
#   2. helm lint --strict, with the default values and with each ci/*-values.yaml;
#   3. helm template for every scenario: each object validated in strict mode (unknown fields
#      rejected) against Kubernetes $KUBERNETES_VERSION, and the ServiceMonitor and
#      PrometheusRule against the Prometheus Operator's own CRD schemas (its Go module, pinned
#      at $PROMETHEUS_OPERATOR_VERSION), strictly too; then
#      check_rendered.py asserts what the chart promises;
#   4. with the trackd and trackctl binaries (--trackd/--trackctl, or build/ by default):
#      run_rendered.py starts the real server with each rendered configuration and asks it the
#      rendered probes;
#   5. the chart's copies of the alerting rules and the dashboard (files/) are the originals in
#      deploy/prometheus and deploy/grafana;
#   6. proof that the checks fail: wrong values (schema and render-time rules), and copies of
#      the chart with one template broken each, must be refused with the expected message.
# Nothing here needs the network once the tools are installed.
set -euo pipefail

HELM_VERSION=v3.22.0
KUBERNETES_VERSION=1.32.0
PROMETHEUS_OPERATOR_VERSION=v0.94.1

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=tests/deploy/common.sh
source "$here/common.sh"
chart=$root/deploy/helm/trackd
tools=$root/build/tools
out=$root/build/deploy-check
GO=${GO:-/usr/local/go/bin/go}
if ! [ -x "$GO" ]; then GO=go; fi
parse_binaries "$@"

# ---------------------------------------------------------------- tools
mkdir -p "$tools/bin"
helm=$tools/bin/helm
if ! [ -x "$helm" ] || ! "$GO" version -m "$helm" 2>/dev/null \
     | grep -Eq "^[[:space:]]+mod[[:space:]]+helm.sh/helm/v3[[:space:]]+${HELM_VERSION}[[:space:]]"; then
  echo "installing helm ${HELM_VERSION} (go install) into $tools/bin"
  GOBIN=$tools/bin GOTOOLCHAIN=local GOFLAGS='' "$GO" install "helm.sh/helm/v3/cmd/helm@${HELM_VERSION}"
fi

deploy_venv

# The Prometheus Operator's CustomResourceDefinitions, from its Go module (the module cache
# keeps it): the schemas the ServiceMonitor and the PrometheusRule are validated against.
operator_dir=$(cd "$tools" && GOTOOLCHAIN=local GOFLAGS='' "$GO" mod download -json \
  "github.com/prometheus-operator/prometheus-operator@${PROMETHEUS_OPERATOR_VERSION}" \
  | "$py" -c 'import json, sys; print(json.load(sys.stdin)["Dir"])')
crds=()
for kind in servicemonitors prometheusrules; do
  crds+=(--crd "$operator_dir/example/prometheus-operator-crd/monitoring.coreos.com_$kind.yaml")
done

# Helm keeps no state outside this run (no repositories, no plugins).
export HELM_CACHE_HOME=$out/helm/cache HELM_CONFIG_HOME=$out/helm/config HELM_DATA_HOME=$out/helm/data
rm -rf "$out"
mkdir -p "$out"
echo "helm: $("$GO" version -m "$helm" | awk '$1 == "mod" {print $3}'), kubernetes-validate:" \
     "$("$py" -c 'import kubernetes_validate; print(kubernetes_validate.__version__)')," \
     "Kubernetes schemas: $KUBERNETES_VERSION, Prometheus Operator CRDs: $PROMETHEUS_OPERATOR_VERSION"


# Throwaway certificates: a CA, a server certificate (the Service names, and 127.0.0.1 for
# run_rendered.py) and a client certificate, both signed by it.
certs=$out/certs
mkdir -p "$certs"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=trackd-ci-ca" \
  -keyout "$certs/ca.key" -out "$certs/ca.crt" 2>/dev/null
issue() {  # issue NAME SUBJECT EXTENSION
  openssl req -newkey rsa:2048 -nodes -subj "$2" -keyout "$certs/$1.key" -out "$certs/$1.csr" 2>/dev/null
  printf '%s\n' "$3" > "$certs/$1.ext"
  openssl x509 -req -in "$certs/$1.csr" -CA "$certs/ca.crt" -CAkey "$certs/ca.key" -CAcreateserial \
    -days 2 -extfile "$certs/$1.ext" -out "$certs/$1.crt" 2>/dev/null
}
issue server "/CN=trackd-headless.trackd-ci.svc.cluster.local" \
  "subjectAltName=DNS:trackd-headless.trackd-ci.svc.cluster.local,DNS:trackd.trackd-ci.svc,IP:127.0.0.1"
issue client "/CN=ci-client" "extendedKeyUsage=clientAuth"
if [ -x "$trackd" ] && [ -x "$trackctl" ]; then
  run_server=yes
  echo "server runs: $trackd"
else
  run_server=
  echo "SKIP server runs: no $trackd and $trackctl (build them with scripts/build.sh)"
fi

render() {  # render NAME CHART [helm template args...]: renders into $out/NAME.yaml
  local name=$1 dir=$2
  shift 2
  "$helm" template trackd "$dir" --namespace trackd-ci --kube-version "$KUBERNETES_VERSION" "$@" \
    > "$out/$name.yaml" 2> "$out/$name.err"
}

# ---------------------------------------------------------------- lint
for values in "" "$chart"/ci/*-values.yaml; do
  label=${values:+$(basename "$values")}
  if "$helm" lint --strict --kube-version "$KUBERNETES_VERSION" "$chart" ${values:+-f "$values"} \
       > "$out/lint.log" 2>&1; then
    pass "helm lint --strict ${label:-default values}"
  else
    cat "$out/lint.log"
    fail "helm lint --strict ${label:-default values}"
  fi
done

# ---------------------------------------------------------------- scenarios
# scenario NAME "check_rendered args" [helm template args...]
scenario() {
  local name=$1 check_args=$2
  shift 2
  if ! render "$name" "$chart" "$@"; then
    cat "$out/$name.err"
    fail "$name: helm template"
    return
  fi
  pass "$name: helm template ($(grep -c '^kind:' "$out/$name.yaml") objects)"
  if "$py" "$here/validate_k8s.py" --kubernetes-version "$KUBERNETES_VERSION" \
       "${crds[@]}" "$out/$name.yaml" > "$out/$name.validate" 2>&1; then
    pass "$name: kubernetes-validate --strict: $(tail -n 1 "$out/$name.validate" | cut -d: -f2-)"
    grep '^SKIP' "$out/$name.validate" | sed 's/^/     /' || true
  else
    grep -v '^ok' "$out/$name.validate"
    fail "$name: kubernetes-validate --strict"
  fi
  # shellcheck disable=SC2086
  if "$py" "$here/check_rendered.py" $check_args "$out/$name.yaml" > "$out/$name.check" 2>&1; then
    pass "$name: $(tail -n 1 "$out/$name.check" | cut -d: -f2-)"
  else
    cat "$out/$name.check"
    fail "$name: check_rendered.py"
  fi
  if [ -n "$run_server" ]; then
    if "$py" "$here/run_rendered.py" --trackd "$trackd" --trackctl "$trackctl" --certs "$certs" \
         "$out/$name.yaml" > "$out/$name.run" 2>&1; then
      pass "$name: $(tail -n 1 "$out/$name.run" | cut -d: -f2-)"
    else
      cat "$out/$name.run"
      fail "$name: run_rendered.py"
    fi
  fi
}

scenario embedded-defaults "--mode embedded"
scenario embedded "--mode embedded" -f "$chart/ci/embedded-values.yaml"
scenario forward-http "--mode forward --sink http" -f "$chart/ci/forward-http-values.yaml"
scenario forward-kafka "--mode forward --sink kafka --external-secret trackd-kafka-credentials
  --external-secret trackd-client-tokens" -f "$chart/ci/forward-kafka-values.yaml"
all_on="--mode forward --sink kafka --external-secret trackd-tls --external-secret trackd-client-ca
  --external-secret kafka-ca --expect HorizontalPodAutoscaler --expect ServiceMonitor
  --expect PodDisruptionBudget --expect NetworkPolicy --expect PrometheusRule --expect-dashboard
  --runbook-base https://git.example.com/platform/trackd/blob/v1.0.0"
scenario all-on "$all_on" -f "$chart/ci/all-on-values.yaml"
scenario monitoring-relative-runbooks "--mode embedded --expect PrometheusRule --expect-dashboard" \
  --set metrics.prometheusRule.enabled=true --set metrics.grafanaDashboard.enabled=true

# The chart carries copies of the rules and the dashboard (Helm reads only files inside it).
for pair in "prometheus/trackd-alerts.yaml" "grafana/trackd-dashboard.json"; do
  if cmp -s "$root/deploy/$pair" "$chart/files/$(basename "$pair")"; then
    pass "chart files/$(basename "$pair") is deploy/$pair"
  else
    fail "chart files/$(basename "$pair") differs from deploy/$pair: cp deploy/$pair $chart/files/"
  fi
done
scenario tls-made-by-chart "--mode embedded" --set tls.enabled=true \
  --set-file tls.cert="$certs/server.crt" --set-file tls.key="$certs/server.key" \
  --set tls.clientCA.enabled=true --set-file tls.clientCA.cert="$certs/ca.crt"
scenario forward-http-emptydir "--mode forward --sink http --expect HorizontalPodAutoscaler" \
  -f "$chart/ci/forward-http-values.yaml" --set forward.spool.type=emptyDir --set autoscaling.enabled=true \
  --set forward.spool.emptyDirSizeLimit=6Gi

# The generated client token: its SHA-256 is the one line of the token file.
token=$("$py" - "$out/embedded-defaults.yaml" <<'EOF'
import base64, hashlib, sys, yaml
docs = {d["metadata"]["name"]: d for d in yaml.safe_load_all(open(sys.argv[1])) if d}
token = base64.b64decode(docs["trackd-client-token"]["data"]["token"])
line = docs["trackd-auth-tokens"]["stringData"]["tokens"].strip()
print("ok" if line == "sha256:%s default" % hashlib.sha256(token).hexdigest() else "mismatch: " + line)
EOF
)
if [ "$token" = ok ]; then pass "generated client token matches its hash in the token file"
else fail "generated client token: $token"; fi

# NOTES.txt (shown by helm install, not rendered by helm template) renders in every mode and
# names the client target.
notes=$out/charts/notes
mkdir -p "$notes"
cp -r "$chart/." "$notes/"
cat > "$notes/templates/zz-notes.yaml" <<'EOF'
apiVersion: v1
kind: ConfigMap
metadata:
  name: notes
data:
  notes: {{ include (print $.Template.BasePath "/NOTES.txt") . | quote }}
EOF
for values in "" "$chart"/ci/*-values.yaml; do
  label=${values:+$(basename "$values")}
  if render notes "$notes" --show-only templates/zz-notes.yaml ${values:+-f "$values"} \
     && grep -qF "dns:///trackd-headless.trackd-ci.svc.cluster.local:50051" "$out/notes.yaml"; then
    pass "NOTES.txt renders (${label:-default values})"
  else
    cat "$out/notes.yaml" "$out/notes.err"
    fail "NOTES.txt (${label:-default values})"
  fi
done

# ---------------------------------------------------------------- the checks must fail
# Wrong values: helm refuses to render, with a message that names the problem.
refuse() {  # refuse NAME "expected message" [helm template args...]
  expect_refusal "refused $1" "$2" "$out/refuse-$1.log" "$helm" template trackd "$chart" \
    --namespace trackd-ci --kube-version "$KUBERNETES_VERSION" "${@:3}"
}
# values.schema.json
refuse schema-mode "at '/mode': value must be one of 'embedded', 'forward'" --set mode=sidecar
refuse schema-replicas "at '/replicaCount': minimum: got -1, want 0" --set replicaCount=-1
refuse schema-pdb-zero "at '/podDisruptionBudget/maxUnavailable': minimum: got 0, want 1" \
  --set podDisruptionBudget.maxUnavailable=0
refuse schema-typo "additional properties 'replicas' not allowed" --set replicas=3
refuse schema-token "does not match pattern" --set 'auth.tokens[0]=plaintext-token billing'
refuse schema-duration "does not match pattern" --set config.maxConnectionAge=5minutes
refuse schema-sink "value must be one of 'http', 'kafka'" --set mode=forward --set forward.sink=file
refuse schema-port "ports/grpc" --set ports.grpc=70000
refuse schema-uid-root "podSecurity/runAsUser" --set podSecurity.runAsUser=0
refuse schema-runbook-url "metrics/prometheusRule/runbookBaseURL" \
  --set metrics.prometheusRule.enabled=true --set metrics.prometheusRule.runbookBaseURL=git.example.com/trackd
refuse schema-dashboard-label "metrics/grafanaDashboard/labels" \
  --set metrics.grafanaDashboard.enabled=true --set metrics.grafanaDashboard.labels.grafana_dashboard=null
# rules across values (templates/_helpers.tpl)
refuse grace "shutdown.terminationGracePeriodSeconds (25) must be greater than" \
  --set shutdown.terminationGracePeriodSeconds=25
refuse grace-equal "must be greater than shutdown.preStopSleepSeconds (10) + shutdown.graceSeconds (30) = 40" \
  --set shutdown.preStopSleepSeconds=10 --set shutdown.graceSeconds=30 --set shutdown.terminationGracePeriodSeconds=40
refuse embedded-hpa "autoscaling.enabled is for mode=forward" --set autoscaling.enabled=true
refuse http-url "forward.http.url is required" --set mode=forward
refuse kafka-brokers "forward.kafka.brokers is required" --set mode=forward --set forward.sink=kafka
refuse pvc-spool-replicas "forward.spool.type=persistentVolumeClaim holds one replica's spool" \
  -f "$chart/ci/forward-http-values.yaml" --set replicaCount=3
refuse tls-no-cert "tls.enabled needs tls.existingSecret" --set tls.enabled=true
refuse grpc-probe-tls "probes.type=grpc cannot be used with tls.enabled" \
  --set tls.enabled=true --set tls.existingSecret=trackd-tls --set probes.type=grpc
refuse mtls-no-tls "tls.clientCA.enabled (mTLS) needs tls.enabled=true" --set tls.clientCA.enabled=true
refuse pdb-both "set minAvailable or maxUnavailable, not both" --set podDisruptionBudget.minAvailable=1
refuse hpa-no-metric "autoscaling.enabled needs targetCPUUtilizationPercentage or targetMemoryUtilizationPercentage" \
  -f "$chart/ci/forward-kafka-values.yaml" --set autoscaling.enabled=true \
  --set autoscaling.targetCPUUtilizationPercentage=null
refuse spool-emptydir "forward.http.spoolMaxBytes (4294967296) must be below forward.spool.emptyDirSizeLimit (2Gi)" \
  -f "$chart/ci/forward-http-values.yaml" --set forward.spool.type=emptyDir --set autoscaling.enabled=true
refuse spool-pvc "forward.http.spoolMaxBytes (4294967296) must be below forward.spool.size (4Gi)" \
  -f "$chart/ci/forward-http-values.yaml" --set forward.spool.size=4Gi

# Values the schema allows but the checks refuse.
catch() {  # catch NAME "expected message" CHART "check args" [helm template args...]
  local name=$1 expected=$2 dir=$3 check_args=$4
  shift 4
  if ! render "broken-$name" "$dir" "$@"; then
    cat "$out/broken-$name.err"
    fail "caught $name: did not render"
    return
  fi
  # shellcheck disable=SC2086
  expect_refusal "caught $name" "$expected" "$out/broken-$name.check" \
    "$py" "$here/check_rendered.py" $check_args "$out/broken-$name.yaml"
}
catch uid "runAsUser is not 65532" "$chart" "--mode embedded" --set podSecurity.runAsUser=1000
catch auth-off "auth is off" "$chart" "--mode embedded" --set auth.enabled=false
catch pdb-min "PDB minAvailable 3 >= replicas 3: no node could be drained" "$chart" "--mode embedded" \
  -f "$chart/ci/embedded-values.yaml" --set podDisruptionBudget.maxUnavailable=null --set podDisruptionBudget.minAvailable=3

# Copies of the chart with one template broken: the checks (and, for an unknown field, the
# strict schema validation) must refuse what they render.
break_chart() {  # break_chart NAME FILE SED-EXPRESSION: prints the broken copy's directory
  local dir=$out/charts/$1
  rm -rf "$dir"
  mkdir -p "$dir"
  cp -r "$chart/." "$dir/"
  sed -i -e "$3" "$dir/templates/$2"
  if cmp -s "$chart/templates/$2" "$dir/templates/$2"; then
    echo "break_chart $1: '$3' changed nothing in $2" >&2
    return 1
  fi
  echo "$dir"
}
catch no-read-only-root "readOnlyRootFilesystem is not true" \
  "$(break_chart no-read-only-root _pod.tpl '/readOnlyRootFilesystem: true/d')" "--mode embedded"
catch privilege-escalation "allowPrivilegeEscalation is not false" \
  "$(break_chart privilege-escalation _pod.tpl 's/allowPrivilegeEscalation: false/allowPrivilegeEscalation: true/')" \
  "--mode embedded"
catch tcp-probe "expected a native gRPC probe on port 50051" \
  "$(break_chart tcp-probe _pod.tpl 's/^grpc:$/tcpSocket:/')" "--mode embedded"
# shellcheck disable=SC2016  # the template's own $variables, for sed
catch grace-arithmetic "terminationGracePeriodSeconds 20 is not above preStop sleep 5 + shutdown_grace 20" \
  "$(break_chart grace-arithmetic _helpers.tpl 's/{{- add \$needed (int .Values.shutdown.marginSeconds) -}}/{{- $grace -}}/')" \
  "--mode embedded"
catch headless "expected one headless Service" \
  "$(break_chart headless service.yaml '/clusterIP: None/d')" "--mode embedded"
catch netpol-open "NetworkPolicy rule admits every source" \
  "$(break_chart netpol-open networkpolicy.yaml '0,/^    - from:$/s//    - ports: [{port: 9999, protocol: TCP}]\n    - from:/')" \
  "--mode embedded"
catch no-volume-claims "StatefulSet has no volumeClaimTemplate 'data'" \
  "$(break_chart no-volume-claims statefulset.yaml 's/name: data$/name: log/')" "--mode embedded"
catch configmap-name "is not TRACKD_*" \
  "$(break_chart configmap-name configmap.yaml 's/printf "TRACKD_%s"/printf "%s"/')" "--mode embedded"
catch hpa-version "HPA apiVersion autoscaling/v1 is not autoscaling/v2" \
  "$(break_chart hpa-version hpa.yaml 's#autoscaling/v2#autoscaling/v1#')" \
  "--mode forward --sink kafka --external-secret trackd-tls --external-secret trackd-client-ca --external-secret kafka-ca" \
  -f "$chart/ci/all-on-values.yaml"
catch secret-name "Secret trackd-tokens is neither rendered nor an expected existing one" \
  "$(break_chart secret-name _pod.tpl 's/secretName: {{ include "trackd.authSecretName" . }}/secretName: trackd-tokens/')" \
  "--mode embedded"
catch spool-limit "sizeLimit 2Gi is not above spool_max_bytes" \
  "$(break_chart spool-limit _helpers.tpl '/include "trackd.validateSpool"/d')" \
  "--mode forward --sink http" -f "$chart/ci/forward-http-values.yaml" \
  --set forward.spool.type=emptyDir --set autoscaling.enabled=true
catch servicemonitor-port "ServiceMonitor port admin is not a port of the Service" \
  "$(break_chart servicemonitor-port servicemonitor.yaml 's/- port: metrics/- port: admin/')" \
  "--mode forward --sink kafka --external-secret trackd-tls --external-secret trackd-client-ca --external-secret kafka-ca" \
  -f "$chart/ci/all-on-values.yaml"

catch runbook-base "runbook_url 'docs/operations.md#" \
  "$(break_chart runbook-base prometheusrule.yaml '/{{- $rules = replace /d')" "$all_on" \
  -f "$chart/ci/all-on-values.yaml"
# shellcheck disable=SC2016  # the template's own $gd, for sed
catch dashboard-label "lacks the Grafana sidecar's label" \
  "$(break_chart dashboard-label dashboard-configmap.yaml '/with $gd.labels/,/end/d')" "$all_on" \
  -f "$chart/ci/all-on-values.yaml"
catch rules-edited "PrometheusRule groups differ" \
  "$(break_chart rules-edited prometheusrule.yaml 's/{{- \$rules | nindent 2 }}/{{- \$rules | replace "severity: critical" "severity: info" | nindent 2 }}/')" \
  "$all_on" -f "$chart/ci/all-on-values.yaml"

# Broken copies the real server must refuse (run_rendered.py), when the binaries are here.
catch_run() {  # catch_run NAME "expected message (extended regex)" CHART [helm template args...]
  local name=$1 expected=$2 dir=$3 rc=0
  shift 3
  [ -n "$run_server" ] || return 0
  render "broken-run-$name" "$dir" "$@"
  "$py" "$here/run_rendered.py" --trackd "$trackd" --trackctl "$trackctl" --certs "$certs" \
    "$out/broken-run-$name.yaml" > "$out/broken-run-$name.run" 2>&1 || rc=$?
  if [ "$rc" -eq 0 ]; then
    fail "server refused $name: trackd accepted it"
  elif grep -qE -- "$expected" "$out/broken-run-$name.run"; then
    pass "server refused $name: $(grep -E -- "$expected" "$out/broken-run-$name.run" | head -n 1 \
      | sed 's/^FAIL [^:]*: //' | cut -c1-150)"
  else
    cat "$out/broken-run-$name.run"
    fail "server refused $name: output lacks '$expected'"
  fi
}
# shellcheck disable=SC2016  # the template's own $env, for sed
catch_run no-explicit-plaintext "refusing plaintext gRPC on 0.0.0.0" \
  "$(break_chart no-explicit-plaintext configmap.yaml 's/set $env "PLAINTEXT" "true"/set $env "PLAINTEXT" "false"/')"
catch_run token-line-format "token file line 1 is not 'sha256:<64 hex digits> <client-name>'" \
  "$(break_chart token-line-format secret-auth.yaml 's/printf "sha256:%s %s"/printf "sha1:%s %s"/')"
# (trackd 0.1.0 starts without its certificate file and fails each handshake; either is caught.)
catch_run tls-file-path "trackd did not start with the rendered configuration|health over TLS answered" \
  "$(break_chart tls-file-path _pod.tpl 's/path: tls.crt/path: cert.pem/')" \
  -f "$chart/ci/all-on-values.yaml"

# An unknown field (a typo) passes helm but not strict schema validation.
typo=$(break_chart typo _pod.tpl 's/readOnlyRootFilesystem: true/readOnlyRootFileSystem: true/')
render broken-typo "$typo"
expect_refusal "kubernetes-validate --strict refused the unknown field" \
  "'readOnlyRootFileSystem' was unexpected" "$out/broken-typo.validate" \
  "$py" "$here/validate_k8s.py" --kubernetes-version "$KUBERNETES_VERSION" "$out/broken-typo.yaml"
# A field the Prometheus Operator's CRDs do not know is refused too (the API server would,
# under kubectl's default --validate=strict).
# shellcheck disable=SC2016  # the template's own $rules, for sed
for broken in "prometheusrule.yaml@s/{{- \$rules | nindent 2 }}/{{- \$rules | replace \"expr:\" \"expression:\" | nindent 2 }}/@'expression' was unexpected" \
              "servicemonitor.yaml@s/scrapeTimeout:/scrapeTimout:/@'scrapeTimout' was unexpected"; do
  IFS='@' read -r file expression expected <<< "$broken"
  dir=$(break_chart "crd-${file%.yaml}" "$file" "$expression")
  render "broken-crd-${file%.yaml}" "$dir" -f "$chart/ci/all-on-values.yaml"
  expect_refusal "CRD schema refused an unknown field in $file" "$expected" \
    "$out/broken-crd-${file%.yaml}.validate" "$py" "$here/validate_k8s.py" \
    --kubernetes-version "$KUBERNETES_VERSION" "${crds[@]}" "$out/broken-crd-${file%.yaml}.yaml"
done

# A kind with no bundled schema that is not an expected CRD is an error, not a warning.
printf 'apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n' > "$out/unknown-kind.yaml"
if "$py" "$here/validate_k8s.py" --kubernetes-version "$KUBERNETES_VERSION" \
     --skip-group monitoring.coreos.com "$out/unknown-kind.yaml" > "$out/unknown-kind.validate" 2>&1; then
  fail "validate_k8s.py accepted a kind it has no schema for"
else
  pass "validate_k8s.py refused a kind without a schema: $(grep -o "Couldn't find schema.*" "$out/unknown-kind.validate" | cut -c1-100)"
fi

echo
echo "deploy chart checks: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

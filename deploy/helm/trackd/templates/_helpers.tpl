{{/* Names */}}
{{- define "trackd.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The release's base name; the headless Service is <fullname>-headless. */}}
{{- define "trackd.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 54 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 54 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 54 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "trackd.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "trackd.selectorLabels" -}}
app.kubernetes.io/name: {{ include "trackd.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "trackd.labels" -}}
helm.sh/chart: {{ include "trackd.chart" . }}
{{ include "trackd.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/component: server
app.kubernetes.io/part-of: trackd
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "trackd.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "trackd.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "trackd.image" -}}
{{- $tag := default .Chart.AppVersion .Values.image.tag -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository $tag -}}
{{- end -}}
{{- end -}}

{{/* The sink the server runs: file in embedded mode, forward.sink in forward mode. */}}
{{- define "trackd.sink" -}}
{{- if eq .Values.mode "embedded" -}}file{{- else -}}{{ .Values.forward.sink }}{{- end -}}
{{- end -}}

{{/* Where forward mode keeps its spool: forward.spool.type, or by sink when empty. */}}
{{- define "trackd.spoolType" -}}
{{- if .Values.forward.spool.type -}}
{{- .Values.forward.spool.type -}}
{{- else if eq .Values.forward.sink "kafka" -}}
emptyDir
{{- else -}}
persistentVolumeClaim
{{- end -}}
{{- end -}}

{{/* Probes: native gRPC on the gRPC port unless TLS is on (the kubelet's gRPC probe speaks
     plaintext only), then HTTP on the admin port. */}}
{{- define "trackd.probeType" -}}
{{- if ne .Values.probes.type "auto" -}}
{{- .Values.probes.type -}}
{{- else if .Values.tls.enabled -}}
http
{{- else -}}
grpc
{{- end -}}
{{- end -}}

{{/* Secret names: the existing one when given, else the one the chart creates. */}}
{{- define "trackd.tlsSecretName" -}}
{{- default (printf "%s-tls" (include "trackd.fullname" .)) .Values.tls.existingSecret -}}
{{- end -}}

{{- define "trackd.clientCASecretName" -}}
{{- if .Values.tls.clientCA.existingSecret -}}
{{- .Values.tls.clientCA.existingSecret -}}
{{- else if .Values.tls.clientCA.cert -}}
{{- printf "%s-client-ca" (include "trackd.fullname" .) -}}
{{- else -}}
{{- include "trackd.tlsSecretName" . -}}
{{- end -}}
{{- end -}}

{{- define "trackd.authSecretName" -}}
{{- default (printf "%s-auth-tokens" (include "trackd.fullname" .)) .Values.auth.existingSecret -}}
{{- end -}}

{{- define "trackd.clientTokenSecretName" -}}
{{- printf "%s-client-token" (include "trackd.fullname" .) -}}
{{- end -}}

{{- define "trackd.httpAuthSecretName" -}}
{{- default (printf "%s-http-auth" (include "trackd.fullname" .)) .Values.forward.http.authHeader.existingSecret -}}
{{- end -}}

{{- define "trackd.kafkaSecretName" -}}
{{- default (printf "%s-kafka" (include "trackd.fullname" .)) .Values.forward.kafka.secretProperties.existingSecret -}}
{{- end -}}

{{/* True ("true") when the chart itself must generate a client token. */}}
{{- define "trackd.generateToken" -}}
{{- if and .Values.auth.enabled (not .Values.auth.existingSecret) (not .Values.auth.tokens) .Values.auth.generateClientToken -}}
true
{{- end -}}
{{- end -}}

{{/* The generated client token: kept across upgrades (read back from the cluster), new on
     first install. */}}
{{- define "trackd.clientToken" -}}
{{- $existing := lookup "v1" "Secret" .Release.Namespace (include "trackd.clientTokenSecretName" .) -}}
{{- if and $existing $existing.data (hasKey $existing.data "token") -}}
{{- index $existing.data "token" | b64dec -}}
{{- else -}}
{{- if not (hasKey .Values "__generatedToken") -}}
{{- $_ := set .Values "__generatedToken" (randAlphaNum 48) -}}
{{- end -}}
{{- .Values.__generatedToken -}}
{{- end -}}
{{- end -}}

{{/* Mount points inside the container. */}}
{{- define "trackd.dataDir" -}}/var/lib/trackd{{- end -}}
{{- define "trackd.tlsDir" -}}/etc/trackd/tls{{- end -}}
{{- define "trackd.clientCADir" -}}/etc/trackd/client-ca{{- end -}}
{{- define "trackd.authDir" -}}/etc/trackd/auth{{- end -}}
{{- define "trackd.httpAuthDir" -}}/etc/trackd/http-auth{{- end -}}

{{/* preStop sleep + shutdown_grace + margin; an explicit value must exceed the first two. */}}
{{- define "trackd.terminationGracePeriodSeconds" -}}
{{- $sleep := int .Values.shutdown.preStopSleepSeconds -}}
{{- $grace := int .Values.shutdown.graceSeconds -}}
{{- $needed := add $sleep $grace -}}
{{- if .Values.shutdown.terminationGracePeriodSeconds -}}
{{- $explicit := int .Values.shutdown.terminationGracePeriodSeconds -}}
{{- if le $explicit $needed -}}
{{- fail (printf "shutdown.terminationGracePeriodSeconds (%d) must be greater than shutdown.preStopSleepSeconds (%d) + shutdown.graceSeconds (%d) = %d: the kubelet would kill trackd before in-flight calls finish" $explicit $sleep $grace $needed) -}}
{{- end -}}
{{- $explicit -}}
{{- else -}}
{{- add $needed (int .Values.shutdown.marginSeconds) -}}
{{- end -}}
{{- end -}}

{{/* Rules that span several values; values.schema.json checks each value alone. */}}
{{- define "trackd.validate" -}}
{{- $sink := include "trackd.sink" . -}}
{{- if eq .Values.mode "forward" -}}
  {{- if and (eq $sink "http") (not .Values.forward.http.url) -}}
    {{- fail "forward.http.url is required when mode=forward and forward.sink=http" -}}
  {{- end -}}
  {{- if and (eq $sink "kafka") (not .Values.forward.kafka.brokers) -}}
    {{- fail "forward.kafka.brokers is required when mode=forward and forward.sink=kafka" -}}
  {{- end -}}
  {{- if eq (include "trackd.spoolType" .) "persistentVolumeClaim" -}}
    {{- if or .Values.autoscaling.enabled (gt (int .Values.replicaCount) 1) -}}
      {{- fail "forward.spool.type=persistentVolumeClaim holds one replica's spool: set replicaCount=1 and autoscaling.enabled=false, or use forward.spool.type=emptyDir (see the chart README: trade-offs)" -}}
    {{- end -}}
  {{- end -}}
{{- else -}}
  {{- if .Values.autoscaling.enabled -}}
    {{- fail "autoscaling.enabled is for mode=forward: in mode=embedded every pod keeps its own log on its own volume, and scaling in would strand a log (scale the StatefulSet by hand with replicaCount; see the chart README)" -}}
  {{- end -}}
{{- end -}}
{{- if .Values.tls.enabled -}}
  {{- if and (not .Values.tls.existingSecret) (not (and .Values.tls.cert .Values.tls.key)) -}}
    {{- fail "tls.enabled needs tls.existingSecret (a kubernetes.io/tls Secret) or both tls.cert and tls.key (PEM)" -}}
  {{- end -}}
  {{- if and .Values.tls.clientCA.enabled (not .Values.tls.clientCA.existingSecret) (not .Values.tls.clientCA.cert) (not .Values.tls.existingSecret) -}}
    {{- fail "tls.clientCA.enabled needs tls.clientCA.existingSecret, tls.clientCA.cert (PEM), or a tls.existingSecret that holds the CA under tls.clientCA.key" -}}
  {{- end -}}
  {{- if eq .Values.probes.type "grpc" -}}
    {{- fail "probes.type=grpc cannot be used with tls.enabled: the kubelet's native gRPC probe connects in plaintext. Use probes.type=auto or http (the admin port's /healthz and /readyz)" -}}
  {{- end -}}
{{- else -}}
  {{- if .Values.tls.clientCA.enabled -}}
    {{- fail "tls.clientCA.enabled (mTLS) needs tls.enabled=true" -}}
  {{- end -}}
{{- end -}}
{{- if and .Values.podDisruptionBudget.enabled (not (kindIs "invalid" .Values.podDisruptionBudget.minAvailable)) (not (kindIs "invalid" .Values.podDisruptionBudget.maxUnavailable)) -}}
  {{- fail "podDisruptionBudget: set minAvailable or maxUnavailable, not both" -}}
{{- end -}}
{{- if .Values.autoscaling.enabled -}}
  {{- if gt (int .Values.autoscaling.minReplicas) (int .Values.autoscaling.maxReplicas) -}}
    {{- fail "autoscaling.minReplicas must not exceed autoscaling.maxReplicas" -}}
  {{- end -}}
  {{- if not (or .Values.autoscaling.targetCPUUtilizationPercentage .Values.autoscaling.targetMemoryUtilizationPercentage) -}}
    {{- fail "autoscaling.enabled needs targetCPUUtilizationPercentage or targetMemoryUtilizationPercentage" -}}
  {{- end -}}
{{- end -}}
{{- $_ := include "trackd.terminationGracePeriodSeconds" . -}}
{{- include "trackd.validateSpool" . -}}
{{- end -}}

{{/* Bytes in a Kubernetes quantity (1Gi, 500M, 1073741824). */}}
{{- define "trackd.bytes" -}}
{{- $q := toString . -}}
{{- $number := regexFind "^[0-9.]+" $q -}}
{{- $suffix := trimPrefix $number $q -}}
{{- $factors := dict "" 1 "k" 1000 "M" 1000000 "G" 1000000000 "T" 1000000000000 "Ki" 1024 "Mi" 1048576 "Gi" 1073741824 "Ti" 1099511627776 -}}
{{- if not (hasKey $factors $suffix) -}}
{{- fail (printf "cannot read the quantity %q" $q) -}}
{{- end -}}
{{- mulf (float64 $number) (index $factors $suffix) | int64 -}}
{{- end -}}

{{/* The HTTP spool must fit its volume: beyond an emptyDir's sizeLimit the kubelet evicts
     the pod, and a full PersistentVolume fails every write. */}}
{{- define "trackd.validateSpool" -}}
{{- if and (eq .Values.mode "forward") (eq .Values.forward.sink "http") (not (kindIs "invalid" .Values.forward.http.spoolMaxBytes)) -}}
{{- $spool := int64 .Values.forward.http.spoolMaxBytes -}}
{{- $volume := "" -}}
{{- $what := "" -}}
{{- if eq (include "trackd.spoolType" .) "emptyDir" -}}
{{- $volume = .Values.forward.spool.emptyDirSizeLimit -}}
{{- $what = "forward.spool.emptyDirSizeLimit" -}}
{{- else if not .Values.forward.spool.existingClaim -}}
{{- $volume = .Values.forward.spool.size -}}
{{- $what = "forward.spool.size" -}}
{{- end -}}
{{- if $volume -}}
{{- if ge $spool (int64 (include "trackd.bytes" $volume)) -}}
{{- fail (printf "forward.http.spoolMaxBytes (%d) must be below %s (%s): the spool would outgrow its volume" $spool $what (toString $volume)) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* storageClassName: "" leaves the cluster default; "-" asks for no class at all. */}}
{{- define "trackd.storageClass" -}}
{{- if eq . "-" -}}
storageClassName: ""
{{- else if . -}}
storageClassName: {{ . | quote }}
{{- end -}}
{{- end -}}

{{/* The pod template shared by the StatefulSet (embedded) and the Deployment (forward). */}}
{{- define "trackd.podTemplate" -}}
{{- $sink := include "trackd.sink" . -}}
{{- $probeType := include "trackd.probeType" . -}}
metadata:
  labels:
    {{- include "trackd.labels" . | nindent 4 }}
    {{- with .Values.podLabels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  annotations:
    {{- /* Roll the pods when the configuration changes. The token file and the TLS files
           are not in it: trackd re-reads them when the kubelet updates the Secrets. */}}
    checksum/config: {{ include (print $.Template.BasePath "/configmap.yaml") . | sha256sum }}
    {{- if .Values.metrics.scrapeAnnotations }}
    prometheus.io/scrape: "true"
    prometheus.io/port: {{ .Values.ports.admin | quote }}
    prometheus.io/path: /metrics
    {{- end }}
    {{- with .Values.podAnnotations }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  serviceAccountName: {{ include "trackd.serviceAccountName" . }}
  automountServiceAccountToken: false
  enableServiceLinks: false
  {{- with .Values.imagePullSecrets }}
  imagePullSecrets:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.priorityClassName }}
  priorityClassName: {{ . }}
  {{- end }}
  terminationGracePeriodSeconds: {{ include "trackd.terminationGracePeriodSeconds" . }}
  securityContext:
    runAsNonRoot: true
    {{- with .Values.podSecurity.runAsUser }}
    runAsUser: {{ . }}
    {{- end }}
    {{- with .Values.podSecurity.runAsGroup }}
    runAsGroup: {{ . }}
    {{- end }}
    {{- with .Values.podSecurity.fsGroup }}
    fsGroup: {{ . }}
    fsGroupChangePolicy: OnRootMismatch
    {{- end }}
    seccompProfile:
      type: RuntimeDefault
  containers:
    - name: trackd
      image: {{ include "trackd.image" . | quote }}
      imagePullPolicy: {{ .Values.image.pullPolicy }}
      {{- $kafkaArgs := list }}
      {{- if eq $sink "kafka" }}
      {{- range $key, $value := .Values.forward.kafka.properties }}
      {{- $kafkaArgs = append $kafkaArgs (printf "--kafka_property=%s=%v" $key $value) }}
      {{- end }}
      {{- end }}
      {{- $args := concat $kafkaArgs .Values.extraArgs }}
      {{- with $args }}
      args:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      envFrom:
        - configMapRef:
            name: {{ include "trackd.fullname" . }}
      {{- if or (and (eq $sink "kafka") (or .Values.forward.kafka.secretProperties.existingSecret .Values.forward.kafka.secretProperties.value)) .Values.extraEnv }}
      env:
        {{- if and (eq $sink "kafka") (or .Values.forward.kafka.secretProperties.existingSecret .Values.forward.kafka.secretProperties.value) }}
        - name: TRACKD_KAFKA_PROPERTIES
          valueFrom:
            secretKeyRef:
              name: {{ include "trackd.kafkaSecretName" . }}
              key: {{ .Values.forward.kafka.secretProperties.secretKey }}
        {{- end }}
        {{- with .Values.extraEnv }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      {{- end }}
      ports:
        - name: grpc
          containerPort: {{ .Values.ports.grpc }}
          protocol: TCP
        - name: metrics
          containerPort: {{ .Values.ports.admin }}
          protocol: TCP
      {{- $p := .Values.probes }}
      startupProbe:
        {{- include "trackd.probeAction" (dict "ctx" . "type" $probeType "path" "/healthz") | nindent 8 }}
        periodSeconds: {{ $p.startup.periodSeconds }}
        timeoutSeconds: {{ $p.startup.timeoutSeconds }}
        failureThreshold: {{ $p.startup.failureThreshold }}
      livenessProbe:
        {{- include "trackd.probeAction" (dict "ctx" . "type" $probeType "path" "/healthz") | nindent 8 }}
        periodSeconds: {{ $p.liveness.periodSeconds }}
        timeoutSeconds: {{ $p.liveness.timeoutSeconds }}
        failureThreshold: {{ $p.liveness.failureThreshold }}
      readinessProbe:
        {{- include "trackd.probeAction" (dict "ctx" . "type" $probeType "path" "/readyz") | nindent 8 }}
        periodSeconds: {{ $p.readiness.periodSeconds }}
        timeoutSeconds: {{ $p.readiness.timeoutSeconds }}
        failureThreshold: {{ $p.readiness.failureThreshold }}
      {{- if gt (int .Values.shutdown.preStopSleepSeconds) 0 }}
      lifecycle:
        {{- /* Keep serving while the endpoint removal reaches kube-proxy and the clients'
               resolvers; trackd's own drain (shutdown_grace) starts with SIGTERM after it. */}}
        preStop:
          exec:
            command: ["/bin/sleep", "{{ int .Values.shutdown.preStopSleepSeconds }}"]
      {{- end }}
      resources:
        {{- toYaml .Values.resources | nindent 8 }}
      securityContext:
        allowPrivilegeEscalation: false
        readOnlyRootFilesystem: true
        privileged: false
        runAsNonRoot: true
        {{- with .Values.podSecurity.runAsUser }}
        runAsUser: {{ . }}
        {{- end }}
        {{- with .Values.podSecurity.runAsGroup }}
        runAsGroup: {{ . }}
        {{- end }}
        capabilities:
          drop:
            - ALL
        seccompProfile:
          type: RuntimeDefault
      volumeMounts:
        - name: data
          mountPath: {{ include "trackd.dataDir" . }}
        - name: tmp
          mountPath: /tmp
        {{- if .Values.tls.enabled }}
        {{- /* Whole-directory mounts (no subPath): the kubelet swaps the files when the
               Secret changes, and trackd reloads them. */}}
        - name: tls
          mountPath: {{ include "trackd.tlsDir" . }}
          readOnly: true
        {{- if .Values.tls.clientCA.enabled }}
        - name: client-ca
          mountPath: {{ include "trackd.clientCADir" . }}
          readOnly: true
        {{- end }}
        {{- end }}
        {{- if .Values.auth.enabled }}
        - name: auth-tokens
          mountPath: {{ include "trackd.authDir" . }}
          readOnly: true
        {{- end }}
        {{- if and (eq $sink "http") (or .Values.forward.http.authHeader.existingSecret .Values.forward.http.authHeader.value) }}
        - name: http-auth
          mountPath: {{ include "trackd.httpAuthDir" . }}
          readOnly: true
        {{- end }}
        {{- with .Values.extraVolumeMounts }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
  volumes:
    - name: tmp
      emptyDir:
        sizeLimit: {{ .Values.tmpSizeLimit }}
    {{- if eq .Values.mode "forward" }}
    {{- if eq (include "trackd.spoolType" .) "emptyDir" }}
    - name: data
      emptyDir:
        {{- with .Values.forward.spool.emptyDirSizeLimit }}
        sizeLimit: {{ . }}
        {{- end }}
    {{- else }}
    - name: data
      persistentVolumeClaim:
        claimName: {{ default (printf "%s-spool" (include "trackd.fullname" .)) .Values.forward.spool.existingClaim }}
    {{- end }}
    {{- end }}
    {{- if .Values.tls.enabled }}
    - name: tls
      secret:
        secretName: {{ include "trackd.tlsSecretName" . }}
        defaultMode: 0440
        items:
          - key: tls.crt
            path: tls.crt
          - key: tls.key
            path: tls.key
    {{- if .Values.tls.clientCA.enabled }}
    - name: client-ca
      secret:
        secretName: {{ include "trackd.clientCASecretName" . }}
        defaultMode: 0440
        items:
          - key: {{ .Values.tls.clientCA.key }}
            path: {{ .Values.tls.clientCA.key }}
    {{- end }}
    {{- end }}
    {{- if .Values.auth.enabled }}
    - name: auth-tokens
      secret:
        secretName: {{ include "trackd.authSecretName" . }}
        defaultMode: 0440
        items:
          - key: {{ .Values.auth.secretKey }}
            path: {{ .Values.auth.secretKey }}
    {{- end }}
    {{- if and (eq $sink "http") (or .Values.forward.http.authHeader.existingSecret .Values.forward.http.authHeader.value) }}
    - name: http-auth
      secret:
        secretName: {{ include "trackd.httpAuthSecretName" . }}
        defaultMode: 0440
        items:
          - key: {{ .Values.forward.http.authHeader.secretKey }}
            path: {{ .Values.forward.http.authHeader.secretKey }}
    {{- end }}
    {{- with .Values.extraVolumes }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  {{- with .Values.nodeSelector }}
  nodeSelector:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.tolerations }}
  tolerations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.affinity }}
  affinity:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- if .Values.topologySpread.enabled }}
  topologySpreadConstraints:
    - maxSkew: 1
      topologyKey: {{ .Values.topologySpread.topologyKey }}
      whenUnsatisfiable: {{ .Values.topologySpread.whenUnsatisfiable }}
      labelSelector:
        matchLabels:
          {{- include "trackd.selectorLabels" . | nindent 10 }}
  {{- end }}
{{- end -}}

{{/* One probe's action: native gRPC on the gRPC port, or HTTP on the admin port. */}}
{{- define "trackd.probeAction" -}}
{{- if eq .type "grpc" -}}
grpc:
  port: {{ .ctx.Values.ports.grpc }}
{{- else -}}
httpGet:
  path: {{ .path }}
  port: metrics
  scheme: HTTP
{{- end -}}
{{- end -}}

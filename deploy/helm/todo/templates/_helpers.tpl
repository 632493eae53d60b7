{{/* Labels every object of the release carries; part-of=todo is also the Prometheus job name. */}}
{{- define "todo.labels" -}}
app.kubernetes.io/part-of: todo
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{/* Labels of one role's pods ("todo.roleLabels" (list $ name)). */}}
{{- define "todo.selector" -}}
app.kubernetes.io/name: {{ index . 1 }}
app.kubernetes.io/instance: {{ (index . 0).Release.Name }}
{{- end -}}

{{- define "todo.image" -}}
{{- $tag := default .Chart.AppVersion .Values.image.tag -}}
{{- if .Values.image.digest -}}
{{ .Values.image.repository }}@{{ .Values.image.digest }}
{{- else -}}
{{ .Values.image.repository }}:{{ $tag }}
{{- end -}}
{{- end -}}

{{/* Where the secrets are mounted; the env var NAME_FILE points into it. */}}
{{- define "todo.secretDir" -}}/var/run/secrets/todo{{- end -}}

{{/* The files of each secret: (secret value key, key in the Secret, file name, env var). */}}
{{- define "todo.secretFiles" -}}
database:
  - {key: url, file: database-url, env: DATABASE_URL_FILE}
app:
  - {key: jwt-secret, file: jwt-secret, env: JWT_SECRET_FILE}
  - {key: admin-token, file: admin-token, env: ADMIN_TOKEN_FILE}
smtp:
  - {key: username, file: smtp-username, env: SMTP_USERNAME_FILE}
  - {key: password, file: smtp-password, env: SMTP_PASSWORD_FILE}
{{- end -}}

{{/* The secrets a role mounts: its list, less smtp when there is no SMTP auth. */}}
{{- define "todo.roleSecrets" -}}
{{- $root := index . 0 -}}
{{- $role := index . 1 -}}
{{- range $role.secrets }}
{{- if or (ne . "smtp") (and $root.Values.smtp.host $root.Values.smtp.auth) }}
- {{ . }}
{{- end }}
{{- end }}
{{- end -}}


{{/* checkov skips that depend on the image values, each with its reason (none in production:
     a digest and pullPolicy Always satisfy both checks). */}}
{{- define "todo.checkovImageSkipList" -}}
{{- $n := 0 -}}
{{- if not .Values.image.digest }}{{ $n = add1 $n }}
checkov.io/skip{{ $n }}: CKV_K8S_43=This profile runs a tag; production sets image.digest.
{{- end }}
{{- if ne .Values.image.pullPolicy "Always" }}{{ $n = add1 $n }}
checkov.io/skip{{ $n }}: CKV_K8S_15=This profile runs an image loaded into the node (minikube image load), never pulled.
{{- end }}
{{- end -}}

{{- define "todo.checkovImageSkips" -}}
{{- $list := include "todo.checkovImageSkipList" . | trim -}}
{{- if $list }}
annotations:
  {{- $list | nindent 2 }}
{{- end }}
{{- end -}}


{{/* The app ids that use Kafka (network.to has kafka): the pub/sub component and its resiliency
     are scoped to them, so the frontend's sidecar never loads a component it may not reach. */}}
{{- define "todo.kafkaScopes" -}}
{{- range $name, $role := .Values.roles }}
{{- if has "kafka" $role.network.to }}
- {{ $name }}
{{- end }}
{{- end }}
{{- end -}}

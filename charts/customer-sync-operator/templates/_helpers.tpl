{{/*
Names and labels shared by every template.
*/}}

{{/* The chart name, or nameOverride. */}}
{{- define "customer-sync-operator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The prefix of every object name: fullnameOverride, else release-chart,
without repeating the chart name when the release already contains it, nor
doubling a release named as the chart's start ("customer-sync" gives
customer-sync-operator's objects the name "customer-sync", not
"customer-sync-customer-sync-operator").
Kept to 52 characters so that suffixes such as "-metrics-auth" still fit
the 63 characters of a label value.
*/}}
{{- define "customer-sync-operator.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 52 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if or (contains $name .Release.Name) (hasPrefix .Release.Name $name) }}
{{- .Release.Name | trunc 52 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 52 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "customer-sync-operator.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels on every object. */}}
{{- define "customer-sync-operator.labels" -}}
helm.sh/chart: {{ include "customer-sync-operator.chart" . }}
{{ include "customer-sync-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: customer-sync-operator
{{- end }}

{{/* Labels on every manager pod of the release, shards included. */}}
{{- define "customer-sync-operator.instanceLabels" -}}
app.kubernetes.io/name: {{ include "customer-sync-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* Labels that select the (unsharded) manager's pods; never change them after release. */}}
{{- define "customer-sync-operator.selectorLabels" -}}
{{ include "customer-sync-operator.instanceLabels" . }}
app.kubernetes.io/component: controller-manager
{{- end }}

{{/*
The managers to deploy, as a JSON list of {name, shard, selector, leaseID}:
one without shards; with sharding.shards, one per shard and, with
sharding.includeUnsharded, one for the mappings without the shard label.
The unsharded manager keeps the single manager's name, pod labels and
Lease, so turning sharding on does not replace it.
*/}}
{{- define "customer-sync-operator.managers" -}}
{{- $full := include "customer-sync-operator.fullname" . }}
{{- $managers := list }}
{{- if not .Values.sharding.shards }}
{{- $managers = append $managers (dict "name" $full "shard" "" "selector" "" "leaseID" "") }}
{{- else }}
{{- if .Values.sharding.includeUnsharded }}
{{- $managers = append $managers (dict "name" $full "shard" "" "selector" "!sharding.customersync.io/key" "leaseID" "") }}
{{- end }}
{{- range .Values.sharding.shards }}
{{- $name := printf "%s-%s" $full . }}
{{- if gt (len (printf "%s-webhook" $name)) 63 }}
{{- fail (printf "shard %q: the name %s-webhook is longer than 63 characters; shorten the shard or fullnameOverride" . $name) }}
{{- end }}
{{- $managers = append $managers (dict "name" $name "shard" . "selector" (printf "sharding.customersync.io/key=%s" .) "leaseID" (printf "customer-sync-operator-%s.sync.customersync.io" .)) }}
{{- end }}
{{- end }}
{{- toJson $managers }}
{{- end }}

{{/*
The labels that select one manager's pods (dict "root" $ "manager" $m): a
shard's pods are told apart by component and shard, so that no Deployment,
PodDisruptionBudget or webhook Service selects another manager's pods.
*/}}
{{- define "customer-sync-operator.managerSelectorLabels" -}}
{{- if .manager.shard }}
{{- include "customer-sync-operator.instanceLabels" .root }}
app.kubernetes.io/component: controller-manager-shard
customersync.io/shard: {{ .manager.shard }}
{{- else }}
{{- include "customer-sync-operator.selectorLabels" .root }}
{{- end }}
{{- end }}

{{- define "customer-sync-operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "customer-sync-operator.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The image reference: a digest wins over a tag; the tag defaults to appVersion. */}}
{{- define "customer-sync-operator.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/* The metrics port's name, which also says the scheme. */}}
{{- define "customer-sync-operator.metricsPortName" -}}
{{- if .Values.metrics.secure }}https{{ else }}http{{ end }}
{{- end }}

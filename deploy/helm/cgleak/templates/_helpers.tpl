{{/* The port of .Values.listen (host:port or [v6]:port). */}}
{{- define "cgleak.port" -}}
{{- splitList ":" .Values.listen | last -}}
{{- end -}}

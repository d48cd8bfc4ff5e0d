"""The gateway layer (the seed's Kong): declarative edge policies, Prometheus metrics, OpenTelemetry tracing."""

"""Target Allocator for OpenTelemetry collectors."""

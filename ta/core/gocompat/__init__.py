"""Go-compatible encodings at the bottom of the domain: bytes and values exactly as the Go TA produces them.

``gojson`` (``encoding/json`` bytes, HTML-safe escaping), ``jsonbytes`` (exact-size JSON bytes to keep),
``duration`` (Go ``time.Duration`` text), ``timefmt`` (RFC 3339 timestamps), ``yamlguard`` (yaml.v2's limits on
untrusted YAML). Imports nothing of ``ta``.
"""

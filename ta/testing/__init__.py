"""Test and benchmark helpers shipped with the package (fake Kubernetes API server)."""

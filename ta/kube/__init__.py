"""Live Kubernetes input: API client construction, list+watch of one scope, a hub sharing watches, discovery."""

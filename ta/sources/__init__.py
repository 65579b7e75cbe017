"""Sources: the I/O edges that turn the outside world (clock, files, Kubernetes) into input events."""

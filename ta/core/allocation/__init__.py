"""Target allocation: which collector scrapes which target (consistent-hashing, least-weighted, per-node, and
our rendezvous-bounded)."""

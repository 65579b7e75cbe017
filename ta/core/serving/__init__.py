"""The serving read model: the answers collectors and people read, as the Go TA writes them.

``view`` (who scrapes what, rendered bodies with ETags, cached until something changes), ``render`` (the
``/jobs`` and ``/scrape_configs`` JSON bytes), ``diagnostics`` (why a target is where it is, recent problems).
Pure and synchronous: the serving actor (``ta.actors.serving``) writes it, the HTTP edge (``ta.http``) reads it.
"""

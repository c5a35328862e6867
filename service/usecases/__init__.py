"""The use cases, one module each: ingest (with its batch items, article identity and the
one preparation path), assignment through the store, reads, the framing comparison,
search, match (and its summaries), export, re-clustering and file replays. The HTTP API,
the CLI, the jobs and the development tools all call these."""

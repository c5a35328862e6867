"""newsprism service: the Flask app, store, cache, jobs and CLI."""

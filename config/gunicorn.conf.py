"""gunicorn settings for newsprism (``newsprism serve`` and the Docker entrypoint use this).

Environment: NEWSPRISM_BIND (default 127.0.0.1:8000), NEWSPRISM_WORKERS (default 2),
NEWSPRISM_THREADS (default 4), NEWSPRISM_TIMEOUT (default 120 s). ``forwarded_allow_ips``
(whose X-Forwarded-Proto gunicorn believes) follows the service's ``trusted_proxies`` setting
(NEWSPRISM_TRUSTED_PROXIES, docs/deploy.md), the same trust the app gives X-Forwarded-For.
"""
import os

bind = os.environ.get("NEWSPRISM_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("NEWSPRISM_WORKERS", "2"))
threads = int(os.environ.get("NEWSPRISM_THREADS", "4"))
worker_class = "gthread"
timeout = int(os.environ.get("NEWSPRISM_TIMEOUT", "120"))
graceful_timeout = 30
keepalive = 5
# build the app once in the master: workers fork with the code imported and config parsed
preload_app = True
max_requests = int(os.environ.get("NEWSPRISM_MAX_REQUESTS", "0"))
max_requests_jitter = 50
accesslog = os.environ.get("NEWSPRISM_ACCESS_LOG", "-")
errorlog = "-"
loglevel = os.environ.get("NEWSPRISM_LOG_LEVEL", "info").lower()
wsgi_app = "service.wsgi:app"


def _forwarded_allow_ips() -> str:
    from service.http.proxies import gunicorn_allow_ips
    from service.settings import load_settings

    return gunicorn_allow_ips(load_settings().trusted_proxies)


forwarded_allow_ips = _forwarded_allow_ips()


def post_fork(server, worker):
    """Per worker: fresh DB connections, then load the embedding model once."""
    from service.wsgi import app

    services = app.extensions["newsprism"]
    services.db.engine.dispose(close=False)
    if services.settings.preload_model_in_workers:
        from service.threads import limit_threads

        # torch and BLAS threads per worker: workers are the parallelism on a small machine
        limit_threads(max(1, (os.cpu_count() or 1) // max(1, workers)))
        # the comparison engine (spaCy, ~90 MB) loads on a worker's first cold comparison:
        # with `newsprism worker` running, the matches' cold comparisons are computed there
        # and a worker that serves the extension never loads it
        services.warm(comparisons=False)
    import threading

    # build the search and assignment indexes now, not on the worker's first request
    threading.Thread(target=services.warm_indexes, daemon=True).start()

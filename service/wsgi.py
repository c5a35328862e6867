"""WSGI entry for gunicorn: ``gunicorn -c config/gunicorn.conf.py service.wsgi:app``.

The app is built once in the master (``preload_app``); the model is loaded in each worker
after the fork (``post_fork`` in the gunicorn config), never in the master: torch's thread
pools do not survive a fork.
"""
from service.http.app import create_app

app = create_app({"preload_model": False})

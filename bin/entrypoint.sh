#!/bin/sh
# Container (and test) entrypoint: migrate the database, then exec gunicorn.
# Arguments, when given, replace gunicorn (e.g. `entrypoint.sh newsprism worker`).
set -e
newsprism db upgrade
if [ "$#" -gt 0 ]; then
  exec "$@"
fi
exec gunicorn -c "${NEWSPRISM_GUNICORN_CONF:-config/gunicorn.conf.py}" service.wsgi:app

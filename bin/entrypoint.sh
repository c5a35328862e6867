#!/bin/sh
# Container (and test) entrypoint: migrate the database, then exec gunicorn.
# Arguments, when given, replace gunicorn (e.g. `entrypoint.sh newsprism worker`).
set -e
# one or two malloc arenas, not one per thread: gunicorn's threads otherwise each grow their
# own heap, and a worker's resident memory with it
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"
newsprism db upgrade
if [ "$#" -gt 0 ]; then
  exec "$@"
fi
exec gunicorn -c "${NEWSPRISM_GUNICORN_CONF:-config/gunicorn.conf.py}" service.wsgi:app

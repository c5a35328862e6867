#!/usr/bin/env bash
# Claims sheets of the audited development stories (docs/claims.md, "Audit").
# Usage: scripts/audit/sheets.sh OUTDIR [KEY...]   (from the repository root; needs ../shared)
# Each story set is cut from ../shared/data by story id (sets.py, ids only), replayed into a fresh
# SQLite store with no Redis, and turned into a numbered sheet by ../shared/tools/claims_sheet.py
# (scripts/audit/batch_sheets.py, one process for every set: the model is loaded once).
set -euo pipefail
OUT=${1:?usage: sheets.sh OUTDIR [KEY...]}; shift
export HF_HUB_OFFLINE=1 TOKENIZERS_PARALLELISM=false NEWSPRISM_REDIS_URL= PYTHONPATH=${PYTHONPATH:-.}
PY=${PY:-.venv/bin/python}
exec "$PY" scripts/audit/batch_sheets.py "$OUT" "$@"

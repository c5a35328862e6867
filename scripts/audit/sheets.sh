#!/usr/bin/env bash
# Claims sheets of the audited development stories (docs/claims.md, "Audit").
# Usage: scripts/audit/sheets.sh OUTDIR [KEY...]   (from the repository root; needs ../shared)
# Each story set is cut from ../shared/data by story id (sets.py, ids only), replayed into a fresh
# SQLite store with no Redis, and turned into a numbered sheet by ../shared/tools/claims_sheet.py.
set -euo pipefail
OUT=${1:?usage: sheets.sh OUTDIR [KEY...]}; shift
mkdir -p "$OUT"
export HF_HUB_OFFLINE=1 TOKENIZERS_PARALLELISM=false NEWSPRISM_REDIS_URL=
PY=${PY:-.venv/bin/python}
KEYS=${*:-$($PY scripts/audit/sets.py --keys)}
for K in $KEYS; do
  EXT=$($PY scripts/audit/sets.py --write "$OUT/$K.jsonl" "$K")
  rm -f "$OUT/$K.comp.jsonl"
  $PY -m service.cli replay "$OUT/$K.jsonl" --out "$OUT/$K.pred" --comparisons "$OUT/$K.comp.jsonl" > "$OUT/$K.replay.log" 2>&1
  python3 ../shared/tools/claims_sheet.py "$OUT/$K.jsonl" "$OUT/$K.comp.jsonl" "$EXT" "$OUT/$K.claims.md"
done

"""Claims sheets of many audited stories in one process (what sheets.sh does, the model loaded once).

    PYTHONPATH=. NEWSPRISM_REDIS_URL= .venv/bin/python scripts/audit/batch_sheets.py OUTDIR [KEY...]

Each story set (sets.py: ids only, read from ../shared/data) is replayed through the service's
own ingest into a fresh SQLite file in OUTDIR (deleted afterwards), every story with two or
more outlets gets its comparison, and ../shared/tools/claims_sheet.py turns them into
OUTDIR/KEY.claims.md. About 3-8 s a story on the 2-core machine, against 11-16 s with sheets.sh.
With no KEY, every set of sets.py.
"""
import os
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import select

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from service.cli.common import replay_file
from service.store.models import Story

HERE = Path(__file__).resolve().parent
SHEET_TOOL = HERE.parents[1].parent / "shared" / "tools" / "claims_sheet.py"


def sheet(out: Path, key: str) -> None:
    """Replay one story set and write its claims sheet."""
    rows = out / f"{key}.jsonl"
    ext = subprocess.run([sys.executable, str(HERE / "sets.py"), "--write", str(rows), key],
                         capture_output=True, text=True, check=True).stdout.strip()
    db = out / f"{key}.db"
    _, _, built, _ = replay_file(str(rows), f"sqlite:///{db}", show_progress=False)
    try:
        with built.db.session() as s:
            ids = s.execute(select(Story.id).where(Story.outlet_count >= 2).order_by(Story.id)).scalars().all()
        comps = out / f"{key}.comp.jsonl"
        with open(comps, "w", encoding="utf-8") as fh:
            for sid in ids:
                fh.write(built.comparisons.get_raw(sid)[0].decode("utf-8") + "\n")
    finally:
        built.close()
        db.unlink(missing_ok=True)
    subprocess.run([sys.executable, str(SHEET_TOOL), str(rows), str(comps), ext, str(out / f"{key}.claims.md")],
                   capture_output=True, check=False)  # no sheet when the story's articles were kept apart


def main(argv: list[str]) -> None:
    if not argv:
        sys.exit(__doc__)
    out = Path(argv[0])
    out.mkdir(parents=True, exist_ok=True)
    keys = argv[1:] or subprocess.run([sys.executable, str(HERE / "sets.py"), "--keys"],
                                      capture_output=True, text=True, check=True).stdout.split()
    for key in keys:
        t0 = time.perf_counter()
        sheet(out, key)
        print(f"{key} {time.perf_counter() - t0:.1f}s", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])

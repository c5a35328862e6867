"""Development tools: benchmarks, evaluations, synthetic stores, the load test and the runner
of the real entrypoint. They may import anything; nothing that serves (the app, the jobs,
the use cases, ``config/gunicorn.conf.py``) imports them: the CLI loads them when one of
their commands runs, and the tests use them."""
from __future__ import annotations

import os
from pathlib import Path

#: where the benchmarks keep their generated stores (they are reused between runs)
BENCH_DIR = Path(os.environ.get("TMPDIR", "/tmp")) / "newsprism-bench"

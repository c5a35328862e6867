"""Run the real entrypoint (``bin/entrypoint.sh``: migrate, then gunicorn with
``config/gunicorn.conf.py``) on a free port: for the tests, the soak and the worker-memory
benchmark, so that what they measure is what a deployment runs."""
from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from service.settings import ROOT


#: the rate limits of the settings (service/http/limits.py)
LIMITS = ("read", "read_uncached", "match_client", "match_address", "write")


def unlimited(rate: str = "10000000/minute") -> dict[str, str]:
    """Settings that keep every rate limit out of the way (benchmarks and soaks measure the
    service, not the limiter)."""
    return {f"rate_limit_{name}": rate for name in LIMITS}


def unlimited_env(rate: str = "10000000/minute") -> dict[str, str]:
    """:func:`unlimited` as ``NEWSPRISM_*`` environment variables."""
    return {"NEWSPRISM_" + k.upper(): v for k, v in unlimited(rate).items()}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Served(str):
    """The base URL of a served app; ``pid`` is the gunicorn master's process id."""

    pid: int = 0


@contextlib.contextmanager
def entrypoint(env_extra: dict[str, str], workers: int = 2, timeout_s: float = 180) -> Iterator[Served]:
    """Yield the base URL of gunicorn serving newsprism with ``NEWSPRISM_*`` settings from
    ``env_extra`` (on top of this process's environment); stop it afterwards."""
    port = free_port()
    env = dict(os.environ, NEWSPRISM_BIND=f"127.0.0.1:{port}", NEWSPRISM_WORKERS=str(workers),
               NEWSPRISM_ACCESS_LOG="/dev/null", HF_HUB_OFFLINE="1",
               PATH=str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"], **env_extra)
    log = open(Path(os.environ.get("TMPDIR", "/tmp")) / f"newsprism-gunicorn-{port}.log", "wb")
    proc = subprocess.Popen([str(ROOT / "bin" / "entrypoint.sh")], cwd=ROOT, env=env,
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + timeout_s
        while True:
            try:
                if httpx.get(base + "/api/v1/health", timeout=2).status_code in (200, 503):
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None:
                raise RuntimeError("gunicorn exited: " + Path(log.name).read_text(errors="replace")[-3000:])
            if time.time() > deadline:
                raise RuntimeError(f"gunicorn did not answer within {timeout_s} s")
            time.sleep(0.3)
        served = Served(base)
        served.pid = proc.pid
        yield served
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()


def worker_pids(base_pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(base_pid)], capture_output=True, text=True).stdout
    return [int(x) for x in out.split()]


def memory_mb(pid: int) -> dict[str, float]:
    """Resident memory of a process now (``rss_mb``) and at its peak (``peak_mb``, VmHWM)."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0]) / 1024
    return {"rss_mb": round(fields.get("VmRSS", 0.0), 1), "peak_mb": round(fields.get("VmHWM", 0.0), 1)}

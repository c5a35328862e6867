"""Threads of the numeric libraries in this process (gunicorn's ``post_fork`` and the
benchmarks set them)."""
from __future__ import annotations


def limit_threads(n: int) -> None:
    """Intra-op threads of torch and of numpy's BLAS for this process (a web worker wants 1:
    its parallelism is its request threads and its sibling workers; spinning BLAS threads on a
    busy machine cost more than they give)."""
    # imported here: a process that never limits its threads need not load torch for it
    import torch
    from threadpoolctl import threadpool_limits

    torch.set_num_threads(max(1, n))
    threadpool_limits(limits=max(1, n), user_api="blas")

"""Background jobs on RQ: the producer side (``queue``: queue names, queueing or running
inline, handing cold comparisons to a worker; no wiring import) and the tasks a worker runs
(``tasks``: they build their services through ``service.wiring``)."""

"""A small reverse proxy on loopback (stdlib only), for the tests and the classroom soak: it
forwards every request to one upstream and, as nginx does with
``proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for``, appends the address of the
client it saw to ``X-Forwarded-For`` and sets ``X-Forwarded-Proto``.

It is a test instrument, not a production proxy: bodies are read whole (``Content-Length``
only), one upstream connection per handler thread.
"""
from __future__ import annotations

import http.client
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailers",
              "transfer-encoding", "upgrade"}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _upstream(self) -> http.client.HTTPConnection:
        local = self.server.local
        conn = getattr(local, "conn", None)
        if conn is None:
            conn = local.conn = http.client.HTTPConnection(self.server.upstream_host, self.server.upstream_port,
                                                           timeout=120)
        return conn

    def _forward(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        prior = self.headers.get("X-Forwarded-For")
        headers.pop("X-Forwarded-For", None)
        headers["X-Forwarded-For"] = f"{prior}, {self.client_address[0]}" if prior else self.client_address[0]
        headers["X-Forwarded-Proto"] = "http"
        for attempt in (1, 2):
            conn = self._upstream()
            try:
                conn.request(self.command, self.path, body=body, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
                break
            except (ConnectionError, http.client.HTTPException):
                conn.close()
                self.server.local.conn = None
                if attempt == 2:
                    self.send_error(502, "upstream unreachable")
                    return
        self.send_response(resp.status, resp.reason)
        for k, v in resp.getheaders():
            if k.lower() not in HOP_BY_HOP and k.lower() != "content-length":
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _forward


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    upstream_host: str
    upstream_port: int
    local: threading.local


class ReverseProxy:
    """``with ReverseProxy("http://127.0.0.1:8000") as proxy: httpx.get(proxy.url + "/")``."""

    def __init__(self, upstream: str, host: str = "127.0.0.1", port: int = 0) -> None:
        parts = urlsplit(upstream)
        self.server = _Server((host, port), _Handler)
        self.server.upstream_host = parts.hostname or "127.0.0.1"
        self.server.upstream_port = parts.port or 80
        self.server.local = threading.local()
        self._thread = threading.Thread(target=self.server.serve_forever, name="reverse-proxy", daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> ReverseProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> ReverseProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

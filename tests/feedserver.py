"""A local HTTP server for the sources tests: fictional feeds and article pages on loopback,
with per-path hit counts, ETag support and misbehaviours (slow, huge, redirects, 429)."""
from __future__ import annotations

import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import format_datetime
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

Handler = Callable[[BaseHTTPRequestHandler], None]


@dataclass
class Resource:
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    etag: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


class FeedServer:
    """``routes`` maps a path to a :class:`Resource` or a handler function."""

    def __init__(self) -> None:
        self.routes: dict[str, Resource | Handler] = {}
        self.hits: Counter[str] = Counter()
        self.agents: list[str] = []
        self.not_modified = 0
        self._lock = threading.Lock()
        owner = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # keep the test output clean
                pass

            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                with owner._lock:
                    owner.hits[path] += 1
                    owner.agents.append(self.headers.get("User-Agent", ""))
                route = owner.routes.get(path)
                if route is None:
                    return self._send(Resource(b"not here", "text/plain", 404))
                if callable(route):
                    return route(self)
                return self._send(route)

            def _send(self, res: Resource) -> None:
                if res.delay:
                    time.sleep(res.delay)
                if res.etag and self.headers.get("If-None-Match") == res.etag:
                    with owner._lock:
                        owner.not_modified += 1
                    self.send_response(304)
                    self.send_header("ETag", res.etag)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(res.status)
                self.send_header("Content-Type", res.content_type)
                self.send_header("Content-Length", str(len(res.body)))
                if res.etag:
                    self.send_header("ETag", res.etag)
                for k, v in res.headers.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(res.body)

        class _Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request, client_address) -> None:
                # a client that drops its keep-alive connection (the fetcher after its answer) is
                # no error of the feed; socketserver would print a traceback to stderr, where a
                # CLI test reading JSON from the command's output would find it
                if not isinstance(sys.exc_info()[1], (ConnectionError, BrokenPipeError)):
                    super().handle_error(request, client_address)

        self.httpd = _Server(("127.0.0.1", 0), _Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def start(self) -> FeedServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


# -- fictional content ---------------------------------------------------------------------
PLACES = ["Norvale", "Kestrel Bay", "Ambergate", "Lowmoor", "Tarrow"]
TOPICS = ["a new tram line", "a flood barrier", "a library reopening", "a harbour strike", "a river festival"]


def article_html(n: int, with_date: bool = True) -> bytes:
    """A fictional article page with enough prose for trafilatura."""
    place, topic = PLACES[n % len(PLACES)], TOPICS[n % len(TOPICS)]
    title = f"{place} council approves {topic} after long debate ({n})"
    paras = [
        f"The council of {place} voted on Tuesday evening to approve {topic}, ending a debate that had "
        f"divided residents for more than two years. Supporters said the decision would bring jobs.",
        f"Opponents argued that the cost, estimated at {12 + n} million crowns, had not been explained, "
        f"and several speakers asked for a public consultation before any building work starts.",
        f"Mayor Ilse Varga said the plan had been revised {n + 2} times and that the final version answered "
        f"most of the objections raised at the spring hearings in the town hall.",
        "Work is expected to begin next year. A spokesperson for the residents' association said the group "
        "would keep watching the budget closely and would publish its own figures every quarter.",
    ]
    date = '<meta property="article:published_time" content="2026-03-0%dT09:00:00Z">' % (1 + n % 9) if with_date else ""
    body = "".join(f"<p>{p}</p>" for p in paras)
    return (f"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title>{date}"
            f"</head><body><header><nav>Home | World | Local</nav></header><article><h1>{title}</h1>{body}"
            f"</article><footer>Copyright The Norvale Courier</footer></body></html>").encode()


def rss(base: str, paths: list[str]) -> bytes:
    items = "".join(
        f"<item><title>Item {i}</title><link>{base}{p}</link>"
        f"<pubDate>{format_datetime(datetime(2026, 3, 1, tzinfo=timezone.utc) + timedelta(hours=i), usegmt=True)}"
        f"</pubDate></item>" for i, p in enumerate(paths))
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Courier</title>'
            f"<link>{base}/</link><description>News</description>{items}</channel></rss>").encode()


def atom(base: str, paths: list[str]) -> bytes:
    entries = "".join(
        f'<entry><title>Item {i}</title><link href="{base}{p}"/><id>{base}{p}</id>'
        f"<updated>2026-03-0{1 + i % 9}T10:00:00Z</updated></entry>" for i, p in enumerate(paths))
    return (f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
            f"<title>Courier</title><id>{base}/</id><updated>2026-03-01T10:00:00Z</updated>{entries}</feed>").encode()


def json_feed(base: str, paths: list[str]) -> bytes:
    import json

    return json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": "Courier",
                       "items": [{"id": p, "url": base + p, "title": f"Item {i}",
                                  "date_published": f"2026-03-0{1 + i % 9}T10:00:00Z"}
                                 for i, p in enumerate(paths)]}).encode()


def sitemap(base: str, paths: list[str]) -> bytes:
    urls = "".join(
        f"<url><loc>{base}{p}</loc><news:news><news:title>Item {i}</news:title>"
        f"<news:publication_date>2026-03-0{1 + i % 9}T10:00:00Z</news:publication_date></news:news></url>"
        for i, p in enumerate(paths))
    return ('<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
            f'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">{urls}</urlset>').encode()

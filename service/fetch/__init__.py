"""The network port: fetching other people's servers politely and safely.

``guard`` decides which addresses may be contacted (public ones only: no SSRF), ``client``
fetches with timeouts, a size cap and checked redirects, ``robots`` honours robots.txt,
``coordination`` holds the Redis-shared per-host rate limit and per-source locks, ``feeds``
parses RSS, Atom, JSON Feed and sitemaps, and ``extract`` turns a page into article fields.
"""

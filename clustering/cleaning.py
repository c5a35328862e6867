"""Article text cleaning: HTML to text, boilerplate removal, normalisation and content hashes.

The rules (regular expressions) come from ``config/boilerplate.toml`` and are passed in as a
:class:`CleaningRules`; nothing here reads files.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
#: A character lost in an earlier conversion, left as "?" or U+FFFD glued to the next word
#: ("John ?McLaughlin"): never English, and it splits a name in two.
_LOST = re.compile(r"(?<=\s)[?\ufffd](?=[^\W\d_])")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class Block:
    """A run of lines from ``start`` to ``end`` (inclusive), at most ``max_lines`` long."""

    start: re.Pattern[str]
    end: re.Pattern[str]
    max_lines: int = 12


@dataclass(frozen=True)
class CleaningRules:
    """Compiled boilerplate patterns (see ``config/boilerplate.toml``)."""

    drop_lines: tuple[re.Pattern[str], ...] = ()
    cut_from: tuple[re.Pattern[str], ...] = ()
    blocks: tuple[Block, ...] = field(default_factory=tuple)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "CleaningRules":
        """Compile the TOML table; a bad pattern raises ``ValueError`` naming it."""

        def comp(pattern: str) -> re.Pattern[str]:
            try:
                return re.compile(pattern, re.IGNORECASE)
            except re.error as exc:
                raise ValueError(f"bad boilerplate pattern {pattern!r}: {exc}") from exc

        return cls(
            drop_lines=tuple(comp(p) for p in data.get("drop_lines", [])),
            cut_from=tuple(comp(p) for p in data.get("cut_from", [])),
            blocks=tuple(
                Block(comp(b["start"]), comp(b["end"]), int(b.get("max_lines", 12)))
                for b in data.get("blocks", [])
            ),
        )


def normalize_text(text: str) -> str:
    """Unicode NFC, no control or zero-width characters or lost-character marks, single spaces,
    ``\\n`` line ends."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = _LOST.sub("", _CONTROL.sub("", text.translate(_ZERO_WIDTH)))
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip()


def clean_text(text: str, rules: CleaningRules) -> str:
    """Remove boilerplate lines and blocks; paragraphs stay separated by blank lines."""
    lines = normalize_text(text).split("\n")
    kept: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if any(p.search(stripped) for p in rules.cut_from):
            break
        block = next((b for b in rules.blocks if b.start.search(stripped)), None)
        if block is not None:
            for j in range(i, min(len(lines), i + block.max_lines)):
                if block.end.search(lines[j].strip()):
                    i = j + 1
                    break
            else:
                i += 1
            continue
        if stripped and any(p.search(stripped) for p in rules.drop_lines):
            i += 1
            continue
        kept.append(line)
        i += 1
    # one blank line between paragraphs, whatever the input used
    paragraphs = [line for line in kept if line.strip()]
    return "\n\n".join(paragraphs)


def html_text_and_title(html: str) -> tuple[str, str | None]:
    """Main text and title of an HTML page through trafilatura (comments, tables left out).

    A fragment that trafilatura finds no article in falls back to its text content.
    """
    import trafilatura  # lazily: heavy, and only HTML ingest needs it

    text = trafilatura.extract(html, include_comments=False, include_tables=False, favor_precision=True) or ""
    title = None
    try:
        meta = trafilatura.extract_metadata(html)
        title = meta.title if meta is not None and meta.title else None
    except Exception:  # noqa: BLE001 - metadata is optional
        title = None
    if not text.strip():
        from lxml import html as lxml_html
        from lxml_html_clean import Cleaner

        try:
            tree = Cleaner(scripts=True, javascript=True, style=True, comments=True).clean_html(
                lxml_html.fromstring(html))
            text = tree.text_content()
        except Exception:  # noqa: BLE001 - unparsable markup yields no text
            text = ""
    return text, title


def hash_key(text: str) -> str:
    """Lower-cased word sequence: the same article with other spacing, case or punctuation
    gives the same key."""
    return " ".join(_WORD.findall(text.casefold()))


def content_hash(title: str, text: str) -> str:
    """SHA-256 of the normalised title and body: the deduplication key of an article."""
    return hashlib.sha256((hash_key(title) + "\n" + hash_key(text)).encode("utf-8")).hexdigest()

"""Hypothesis: any text in, no crash, and the invariants hold (cleaning, hashing, URL keys,
sentence offsets, story assignment)."""
from __future__ import annotations

import tomllib
from datetime import datetime, timedelta, timezone

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clustering.cleaning import CleaningRules, clean_text, content_hash, normalize_text
from service.usecases.identity import url_key
from tests.conftest import ROOT

RULES = CleaningRules.from_dict(tomllib.loads((ROOT / "config" / "boilerplate.toml").read_text()))
TEXT = st.text(st.characters(codec="utf-8"), max_size=2000)
LINES = st.lists(st.one_of(TEXT, st.sampled_from(["Advertisement:", "Dear readers,", "CLICK HERE TO GET THE APP",
                                                   "Your support helps us to tell the story", "Tags: a, b"])),
                 max_size=12).map("\n".join)
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(LINES)
def test_cleaning_never_crashes_and_is_idempotent(text):
    once = clean_text(text, RULES)
    assert isinstance(once, str)
    assert "\x00" not in once and "\u200b" not in once
    assert clean_text(once, RULES) == once
    assert len(once.replace("\n", "")) <= len(normalize_text(text).replace("\n", ""))


@FAST
@given(TEXT, TEXT)
def test_content_hash_is_stable_and_hex(title, text):
    h = content_hash(title, text)
    assert len(h) == 64 and int(h, 16) >= 0
    assert content_hash(title.upper(), "  " + text + "  ") == content_hash(title.lower(), text) or \
        title.upper().lower() != title.lower()  # case folding of exotic letters may differ


@FAST
@given(st.from_regex(r"https?://[a-z0-9.-]{1,30}(/[a-zA-Z0-9._~%/-]{0,40})?(\?[a-z_]{1,8}=[a-z0-9]{0,8}(&[a-z_]{1,8}=[a-z0-9]{0,8}){0,3})?", fullmatch=True))
def test_url_keys_ignore_scheme_www_and_tracking(url):
    key = url_key(url)
    assert key is not None and len(key) <= 700
    assert url_key(url.replace("https://", "http://", 1)) == key
    sep = "&" if "?" in url else "?"
    assert url_key(url + sep + "utm_source=newsletter") == key


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.tuples(st.text(min_size=1, max_size=80), st.text(max_size=400),
                          st.one_of(st.none(), st.integers(0, 60))), min_size=1, max_size=12),
       st.integers(0, 2**32 - 1))
def test_assignment_puts_every_article_in_exactly_one_story(docs, seed):
    """Any titles, texts and dates: every article lands in one story, states round-trip."""
    from clustering.assign import AssignParams, InMemoryTermStats, StoryAssigner, StoryState
    from clustering.signals import build_signals

    rng = np.random.default_rng(seed)
    params = AssignParams()
    assigner = StoryAssigner(params)
    stats = InMemoryTermStats()
    stories: list[StoryState] = []
    base = datetime(2026, 3, 1, tzinfo=timezone.utc)
    for title, text, day in docs:
        vecs = [rng.normal(size=16).astype(np.float32) for _ in range(2)]
        sig = build_signals(title, text, None if day is None else base + timedelta(days=day), vecs, params)
        cands = [i for i, s in enumerate(stories) if assigner.is_candidate(s, sig.published_at)]
        j, score = assigner.choose(sig, [stories[i] for i in cands], stats)
        assert np.isfinite(score)
        if j is None:
            stories.append(assigner.new_story(sig))
        else:
            stories[cands[j]] = assigner.absorb(stories[cands[j]], sig)
        stats.add(assigner.stat_terms(sig))
    assert sum(s.n_articles for s in stories) == len(docs)
    for s in stories:
        back = StoryState.from_bytes(s.to_bytes())
        assert back.n_articles == s.n_articles
        assert np.allclose(back.centroid, s.centroid, atol=1e-6)

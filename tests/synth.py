"""Synthetic but realistic-looking articles for load and concurrency tests (made up here,
never copied from ../shared): stories of one event told by several outlets."""
from __future__ import annotations

import random

PLACES = ["Dunmarrow", "Port Ostrel", "Wrenfold", "Greywater", "Bellmere", "Aldwen", "Kessling", "Marrow Bay",
          "Tollgate", "Harnby", "Stellan", "Orrin Falls", "Caddow", "Lissen", "Brackwater", "Fenmoor"]
EVENTS = [("council votes to close {p} bridge for repairs", "The {p} council voted {n}-{m} to close the bridge for {k} months."),
          ("dockworkers strike at {p} port over pay", "About {n}00 dockworkers in {p} walked out, union leaders said."),
          ("chemical leak at {p} plant kills fish", "A leak at a plant near {p} killed fish along {k} kilometres of river."),
          ("{p} hospital opens new cancer ward", "The {p} hospital opened a ward with {n}0 beds on {k} March."),
          ("storm cuts power to {n},000 homes in {p}", "High winds cut power to {n},000 homes in {p}, the utility said."),
          ("{p} school board approves budget with {n}% rise", "The {p} school board approved a budget rise of {n} percent."),
          ("train derails near {p}, {m} injured", "A freight train left the tracks near {p}; {m} people were hurt."),
          ("{p} mayor faces recall vote after audit", "Voters in {p} will decide on a recall after an audit found {n} errors.")]
OUTLETS = ["Capital Wire", "The Harbor Ledger", "Valley Public Radio", "The Meridian Post", "Coastline Times",
           "Northfield Daily", "Bellmere Business Journal", "Greywater Chronicle"]
FILLER = ["Residents said they were worried about what comes next.",
          "Officials promised an update later in the week.",
          "Critics said the decision came too late.",
          "Local businesses warned of lost trade.",
          "The opposition called for an inquiry.",
          "Experts said the costs could rise further.",
          "A spokesperson declined to comment on the details.",
          "Similar problems were reported last year."]


def story_article(story: int, outlet: int, rng: random.Random | None = None) -> dict:
    """One outlet's article on synthetic story ``story`` (same event → shared wording)."""
    rng = rng or random.Random(story * 1000 + outlet)
    srng = random.Random(story)
    p = PLACES[story % len(PLACES)] + ("" if story < len(PLACES) else f" {story // len(PLACES)}")
    n, m, k = srng.randint(2, 9), srng.randint(1, 8), srng.randint(2, 28)
    head, lead = EVENTS[story % len(EVENTS)]
    title = head.format(p=p, n=n, m=m, k=k)
    body = [lead.format(p=p, n=n, m=m, k=k)] + rng.sample(FILLER, 3)
    day = 1 + (story * 3) % 27
    return {"id": f"syn-{story}-{outlet}", "outlet": OUTLETS[outlet % len(OUTLETS)],
            "title": title[0].upper() + title[1:] + ("" if outlet == 0 else f", {OUTLETS[outlet % len(OUTLETS)]} reports"),
            "text": "\n\n".join(body), "published_at": f"2026-03-{day:02d}T{8 + outlet:02d}:00:00Z"}

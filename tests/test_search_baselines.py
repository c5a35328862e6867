"""The plain search baselines `newsprism evaluate-search` reports beside the service's ranking
(``service.devtools.evaluate_search``): each ranks the same stored stories with one plain
signal, and the service's own weights are left as they were."""
import numpy as np
from sqlalchemy import select

from tests.conftest import AUTH

ARTICLES = [
    ("Lava from volcano reaches sea on La Palma", "The eruption on the Canary island sent molten rock into "
     "the Atlantic on Tuesday, raising fears of toxic gas.", "2021-09-28", "v1"),
    ("La Palma eruption: lava stream hits the ocean", "Authorities asked residents near the coast to stay "
     "indoors as the lava met the water.", "2021-09-28", "v1"),
    ("Central bank raises interest rates to curb inflation", "The bank lifted its benchmark rate by half a point, "
     "citing rising prices for fuel and food.", "2021-09-28", "v2"),
    ("Rate hike as inflation hits ten-year high", "Borrowing costs rose for the first time since 2011 after "
     "inflation reached 4.2 percent.", "2021-09-28", "v2"),
    ("Marathon runner sets course record in Berlin", "The Ethiopian athlete finished in two hours and one minute "
     "under cool skies.", "2021-09-27", "v3"),
]
QUERIES = ["volcano lava ocean", "interest rates inflation", "Berlin marathon record", "Ethiopian athlete"]


def test_baselines_rank_by_one_plain_signal_and_restore_the_weights(client, app):
    from service.devtools.evaluate_search import SEARCH_BASELINES, baseline_ranks
    from service.store.models import Article

    arts = [{"id": f"b{i}", "outlet": ["Reuters", "BBC News", "Fox News", "CNN", "NPR"][i], "title": t, "text": x,
             "published_at": f"{d}T10:00:00Z", "url": f"https://news.example.com/{i}"}
            for i, (t, x, d, _) in enumerate(ARTICLES)]
    r = client.post("/api/v1/articles", json={"articles": arts}, headers=AUTH)
    assert r.status_code == 201, r.get_data(as_text=True)
    services = app.extensions["newsprism"]
    search = services.search
    own = search.params
    search.index.ensure_fresh(force=True)

    # the centroid baseline's order is the order of cos(query, normalised mean of the members'
    # stored vectors), computed here from the store
    with services.db.session() as s:
        rows = s.execute(select(Article.story_id, Article.embedding)).all()
    members: dict[int, list[np.ndarray]] = {}
    for sid, emb in rows:
        members.setdefault(sid, []).append(np.frombuffer(emb, dtype=np.float32))
    cent = {sid: np.sum(v, axis=0) / np.linalg.norm(np.sum(v, axis=0)) for sid, v in members.items()}
    sids = sorted(cent)
    for q in QUERIES:
        vec = np.asarray(search.embedder.encode([q])[0], dtype=np.float32)
        cos = {sid: float(vec @ cent[sid]) for sid in sids}
        ranks = {sid: baseline_ranks(search, [(q, None, {sid})], SEARCH_BASELINES["dense_centroid"])[0][0]
                 for sid in sids}
        # ranked by that cosine; a story with no relevance at all (cosine <= 0) is no result
        assert sorted((sid for sid in sids if cos[sid] > 0), key=lambda sid: ranks[sid]) == \
            sorted((sid for sid in sids if cos[sid] > 0), key=lambda sid: -cos[sid]), q
        assert all(ranks[sid] is None for sid in sids if cos[sid] <= 0), q
        assert min(r for r in ranks.values() if r) == 1

    # the BM25 baseline finds a story by a word only its lead holds, with no dense help
    berlin = client.get("/api/v1/articles/b4").get_json()["story_id"]
    got = baseline_ranks(search, [("Ethiopian", None, {berlin}), ("zzyzx quux", None, {berlin})],
                         SEARCH_BASELINES["bm25_story"])
    assert got[0] == (1, None) and got[1][0] is None  # no shared word: not ranked at all

    assert search.params is own  # the service's weights are untouched


def test_the_dense_match_baseline_leaves_the_article_out_and_keeps_to_the_window(client, app):
    """The match baseline scores an article against the other articles' centroids: its own
    vector is taken out of its story (a story it was alone in disappears), stories more than
    three days away are not candidates, and below the bar the answer is "no story"."""
    from service.devtools.match_baseline import DenseMatchBaseline, score
    from service.store.models import Article

    arts = [{"id": f"m{i}", "outlet": ["Reuters", "BBC News", "Fox News", "CNN", "NPR"][i], "title": t, "text": x,
             "published_at": f"{d}T10:00:00Z", "url": f"https://news.example.com/m{i}"}
            for i, (t, x, d, _) in enumerate(ARTICLES)]
    arts[4]["published_at"] = "2021-10-20T10:00:00Z"  # weeks later: in no one's window
    assert client.post("/api/v1/articles", json={"articles": arts}, headers=AUTH).status_code == 201
    ids = {a["id"]: client.get(f"/api/v1/articles/{a['id']}").get_json() for a in arts}
    services = app.extensions["newsprism"]
    with services.db.session() as s:
        vec = {aid: np.frombuffer(e, dtype=np.float32).astype(np.float64)
               for aid, e in s.execute(select(Article.id, Article.embedding)).all()}
    base = DenseMatchBaseline(services.db)
    lava0, lava1, rate0 = ids["m0"]["id"], ids["m1"]["id"], ids["m2"]["id"]

    # the two lava reports and the two rate reports are one story each (the store's clustering)
    assert ids["m0"]["story_id"] == ids["m1"]["story_id"] != ids["m2"]["story_id"] == ids["m3"]["story_id"]
    # left out of its own story, the first lava article meets its mate's vector alone
    sid, cos = base.best(lava0, ())
    assert sid == ids["m1"]["story_id"] and abs(cos - float(vec[lava0] @ vec[lava1])) < 1e-6
    # with the mate taken out too, the lava story is gone: the nearest is the rate story
    sid2, cos2 = base.best(lava0, {lava1})
    rates = vec[rate0] + vec[ids["m3"]["id"]]
    assert sid2 == ids["m2"]["story_id"] and abs(cos2 - float(vec[lava0] @ rates / np.linalg.norm(rates))) < 1e-6
    # the marathon, weeks later, has no candidate at all
    assert base.best(ids["m4"]["id"], ()) == (None, 0.0)

    story_of = {v["id"]: v["story_id"] for v in ids.values()}
    mates = {ids["m0"]["id"]: {lava1}, lava1: {lava0}, rate0: {ids["m3"]["id"]}, ids["m3"]["id"]: {rate0},
             ids["m4"]["id"]: set()}
    got = score(services.db, mates, story_of, threshold=-1.0)  # every nearest story is an answer
    assert got["articles"] == 5
    # the marathon is alone in its gold story and has no candidate: "no story" is right
    manual = sum(1 for aid, ms in mates.items()
                 if (not ms and base.best(aid, ())[0] is None)
                 or (ms and base.best(aid, ())[0] in {story_of[m] for m in ms}))
    assert got["recall@1"] == round(manual / 5, 4)
    assert score(services.db, mates, story_of, threshold=1.01)["recall@1"] == 0.2  # only "no story" answers

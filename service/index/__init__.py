"""Per-process indexes over the store, rebuilt from it at will: the story rows shared by
assignment, search and match (``rows``), the search index on top of them (``stories``) with
its BM25 postings (``bm25``), lexical terms (``lexical``), HNSW graphs (``hnsw``) and vector
matrices (``vectors``)."""

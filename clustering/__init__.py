"""newsprism's ML/NLP core: pure functions and estimators over texts and arrays.

Nothing here imports Flask, Redis, SQLAlchemy or ``service``; everything takes parameters
and returns plain dataclasses, so it can be used from a notebook.
"""

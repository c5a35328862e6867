"""The educators' web pages: the story list, one story outlet by outlet, article text with
the cited sentence highlighted, and a Markdown handout for lessons.

``views`` holds the routes (thin: call the pipeline, build the view model, render);
``present`` turns the story and its comparison into what the templates and charts show;
``lesson`` writes the discussion questions and the Markdown handout.
"""

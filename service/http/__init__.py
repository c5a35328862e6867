"""The HTTP face: the Flask app factory (``app.create_app``), the JSON API blueprints
(``api/``), the educators' pages (``web/``), the one error shape (``errors``) and the rate
limits (``limits``). Views parse and validate, call a use case, and render."""

"""The web layer: farmer pages (Jinja2 + htmx), the JSON API, static files. Thin: the work is in forms/ and store/."""

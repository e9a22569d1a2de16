"""The web layer, one package per audience, each a Litestar ``Router``: ``farmer`` (Jinja2 + htmx pages), ``staff``
(the pages under ``/staff``) and ``api`` (the JSON API); what they share sits here. Thin: the work is in the layers
below."""

"""What tests share beyond fixtures: builders of the data they need, and helpers that read what the app wrote.

Fixtures stay in the ``conftest`` modules; anything a test imports comes from here:

- :mod:`tests.support.keys`: the keys every test seals identity numbers and phones with.
- :mod:`tests.support.samples`: answer sets for the Gansu forms, as a client posts them.
- :mod:`tests.support.personal`: answers carrying identity numbers and phones, to check what is stored.
- :mod:`tests.support.images`: photos and signature pads made on the spot.
- :mod:`tests.support.applications`: the application builder (a submitted application of a form, at a chosen
  region, step and status, with its workflow state).
- :mod:`tests.support.staff`: the staff builder (accounts by role and region) and the places around them.
- :mod:`tests.support.web`: what a browser does (settings of a migrated app, the guide's wait, signing in).
- :mod:`tests.support.beside`: reading the database beside a running app (SQLite and PostgreSQL).
"""

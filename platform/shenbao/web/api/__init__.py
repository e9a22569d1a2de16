"""The JSON API under ``/api/v1`` (:mod:`.router`)."""

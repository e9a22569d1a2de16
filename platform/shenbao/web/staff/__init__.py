"""The staff's pages under ``/staff``: one router (:mod:`.router`) whose pages need a signed-in staff member."""

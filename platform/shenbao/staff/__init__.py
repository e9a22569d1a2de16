"""Staff accounts: the rules an account follows, signing in and out, and managing the accounts of a region.

- :mod:`shenbao.staff.rules`: what a username, a password and a phone must be, and who may manage whom;
- :mod:`shenbao.staff.accounts`: argon2 passwords, sign-in with its lockout, server-side sessions;
- :mod:`shenbao.staff.admin`: adding, deactivating and resetting the accounts below one's own level, each
  change with its audit row in one transaction.

Their queries live in :mod:`shenbao.store.staff` and :mod:`shenbao.store.staff_admin`; roles are
:mod:`shenbao.roles`, one vocabulary with the chains' steps.
"""

"""Personal data: the keys that seal ID numbers and phones at rest, and how pages show them masked.

- :mod:`shenbao.privacy.keyring`: AES-GCM sealing and keyed look-up digests, the keys from the environment,
  rotation (``shenbao encrypt-existing``);
- :mod:`shenbao.privacy.masking`: ``620102********123X`` and ``139****5678`` on staff pages, verification codes
  as ``******``, and who may see a value in full.

The store seals and opens values with these keys (:mod:`shenbao.store.sealing`); pages mask what they show.
"""

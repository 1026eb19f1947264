"""Authentication: passwords, tokens, API keys, signed URLs, and who may do what.

One concern per module:

* ``passwords``      Argon2id hashing (off the event loop, a few at a time)
* ``users``          creating and changing accounts; first-run setup; the last admin stays
* ``tokens``         short-lived JWT access tokens (HS256) and their verifier
* ``refresh``        refresh tokens: rotation and reuse detection
* ``sessions``       signing a user in: the token pair the API returns
* ``api_keys``       long-lived device keys (SHA-256 at rest); ``keycache`` caches them per process
* ``app_passwords``  per-device secrets sealed at rest (``sealing``), for Subsonic's token scheme
* ``signed_urls``    signed, expiring stream URLs; nginx ``secure_link`` URLs
* ``ratelimit``      login attempts per account and per address, in Redis
* ``userstate``      the per-process directory of token generations
* ``state``          resolving a request's credentials (used by ``http.access``)
* ``keys``           purpose-bound keys derived from SECRET_KEY (HKDF)
* ``principal``      :class:`~.principal.Principal` and :class:`~.principal.Access`
"""

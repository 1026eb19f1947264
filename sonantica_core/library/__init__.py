"""The library as the API sees it: folding, search, queries, pagination.

Modules, one concern each:

* :mod:`.folding`     ``fold(text)``: the accent- and case-free form stored in ``*_folded``.
* :mod:`.lexemes`     how folded text becomes search lexemes (mirrors the SQL functions).
* :mod:`.fuzzy`       typo tolerance: deletion neighbourhoods and edit distance.
* :mod:`.musickeys`   musical keys, Camelot codes and harmonic neighbours.
* :mod:`.cursor`      signed, opaque keyset cursors.
* :mod:`.keyset`      keyset pagination over one ordering (with NULLs last).
* :mod:`.params`      validated query parameters of the library, search and cover endpoints.
* :mod:`.tracks`, :mod:`.albums`, :mod:`.artists`, :mod:`.genres`  listings and details.
* :mod:`.search`      ranked search over artists, albums and tracks.
* :mod:`.present`     rows made into the API's JSON (ids, links, seconds).
* :mod:`.schemas`     pydantic models of that JSON, for the OpenAPI document.
* :mod:`.maintenance` what keeps search and sort columns right (the database, mostly).
* :mod:`.userdata`    each user's stars and ratings (part of the plugin contract).
* :mod:`.marks`       those stars and ratings as filters, orderings and fields of the listings.
* :mod:`.rules`       smart playlist rules: fields, operators, checking with JSON pointers.
* :mod:`.smartlists`  smart playlists evaluated live in SQL: pages, counts, track ids.
* :mod:`.nsp`         Navidrome ``.nsp`` smart playlist files made into rules.
"""

"""The library as the API sees it: folding, search, queries, pagination.

Modules, one concern each:

* :mod:`.folding`     ``fold(text)``: the accent- and case-free form stored in ``*_folded``.
* :mod:`.lexemes`     how folded text becomes search lexemes (mirrors the SQL functions).
* :mod:`.fuzzy`       typo tolerance: deletion neighbourhoods and edit distance.
* :mod:`.musickeys`   musical keys, Camelot codes and harmonic neighbours.
* :mod:`.cursor`      signed, opaque keyset cursors.
* :mod:`.keyset`      keyset pagination over one ordering (with NULLs last).
* :mod:`.params`      validated query parameters of the list and search endpoints.
* :mod:`.tracks`, :mod:`.albums`, :mod:`.artists`, :mod:`.genres`  the queries.
* :mod:`.search`      ranked search over artists, albums and tracks.
* :mod:`.present`     turning rows into the API's JSON (ids, links, seconds).
* :mod:`.maintenance` ``refresh_search_terms``: recompute search columns on demand.
"""

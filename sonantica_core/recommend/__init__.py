"""Recommendations: asking every recommender plugin, merging their answers, radio sessions.

* :mod:`.merge`: weighted merging of the recommenders' scored tracks, each with its reasons;
* :mod:`.service`: asking the recommenders (``register_recommenders``) for one purpose;
* :mod:`.seeds`: tracks of an album, an artist, a playlist or a smart playlist, as seeds;
* :mod:`.radio`: per-user radio sessions in Redis (no repeats in a window, artist and album
  spread, skips steer away);
* :mod:`.present`: the tracks of an answer as the API shows them.
"""

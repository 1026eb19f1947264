"""Listening: play reports made into history entries, per-user statistics, personal mixes.

* ``rules``      when a play counts and when it is a skip
* ``plays``      start / progress / end reports → one history entry per play; Subsonic scrobbles
* ``periods``    the time ranges statistics are asked for
* ``stats``      one user's tops, listening time, activity, discoveries, streaks; the admin view
* ``favourites`` what a user loves, as the mixes read it
* ``mixes``      "on repeat", "forgotten favourites" and "discover", regenerated daily
* ``tasks``      the periodic task that remakes every listener's stale mixes
"""

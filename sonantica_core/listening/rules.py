"""When a play counts: the scrobbling services' rule.

A play counts when the time really listened reaches half the track or four minutes,
whichever comes first, and at least 30 seconds (a track shorter than that must be
heard whole). Anything less is a skip. A track of unknown length needs 30 seconds.
A play reported as completed counts when at least 90 % of that was heard (players
round and stop a hair early).
"""

from __future__ import annotations

MIN_SECONDS = 30.0
CAP_SECONDS = 240.0
COMPLETED_SLACK = 0.9


def seconds_needed(track_duration: float | None) -> float:
    """Seconds of listening a play of a track of ``track_duration`` seconds needs to count."""
    if not track_duration or track_duration <= 0:
        return MIN_SECONDS
    return min(max(track_duration * 0.5, min(MIN_SECONDS, track_duration)), CAP_SECONDS)


def is_skip(listened: float | None, track_duration: float | None, completed: bool) -> bool:
    """True when ``listened`` seconds of the track do not make a play.

    ``listened`` None (a client that does not say) counts as a play when it was completed.
    """
    if listened is None:
        return not completed
    needed = seconds_needed(track_duration)
    if completed:
        needed *= COMPLETED_SLACK
    return listened < needed

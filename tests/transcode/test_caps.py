"""Caps per request, per profile and per user; profiles from plugins.toml ``[core]``."""

from __future__ import annotations

import pytest

from sonantica_core.errors import ConfigError
from sonantica_core.transcode import Caps, SourceInfo, TranscodeRequest, caps_for, plan_transcode

CD = SourceInfo(codec="flac", sample_rate=44_100, channels=2, bits=16, kbps=900, duration=60.0)
HIRES = SourceInfo(codec="flac", sample_rate=96_000, channels=6, bits=24, kbps=4000, duration=60.0)


@pytest.fixture
def settings(make_settings, sources, tmp_path):
    (tmp_path / "plugins.toml").write_text('[core]\ntranscode_profiles = "car=mp3:160, studio=flac:0:48000"\n')
    return make_settings(MEDIA_PATH=f"music={sources}", TRANSCODE_USER_CAPS="kid=96", TRANSCODE_MAX_BITRATE=256)


def test_the_lowest_cap_wins(settings) -> None:
    assert [p[0] for p in settings.transcode_profiles] == ["car", "studio"]
    caps, fmt = caps_for(settings, TranscodeRequest(profile="car", bitrate=200), None)
    assert (caps, fmt) == (Caps(160), "mp3")
    caps, fmt = caps_for(settings, TranscodeRequest(format="opus", bitrate=300), "kid")
    assert (caps, fmt) == (Caps(96), "opus")
    caps, _ = caps_for(settings, TranscodeRequest(format="aac", bitrate=400), "someone")
    assert caps == Caps(256)  # TRANSCODE_MAX_BITRATE
    plan = plan_transcode(TranscodeRequest(profile="studio"), Caps(0, 48_000), "flac", HIRES)
    assert plan is not None and (plan.rate, plan.bits, plan.channels) == (48_000, 24, 2)
    assert plan_transcode(TranscodeRequest(profile="studio"), Caps(0, 48_000), "flac", CD) is None  # fits
    mp3 = plan_transcode(TranscodeRequest(format="mp3"), Caps(), "mp3", CD)
    assert mp3 is not None and mp3.kbps == 0  # V0
    capped = plan_transcode(TranscodeRequest(), Caps(128), None, CD)
    assert capped is not None and (capped.format.name, capped.kbps) == ("opus", 128)


@pytest.mark.parametrize(
    "value",
    ["car", "car=mp3:abc", "=mp3", "car=mp3:128:44100:extra"],
)
def test_a_wrong_profile_setting_names_itself(make_settings, value) -> None:
    with pytest.raises(ConfigError, match="TRANSCODE_PROFILES"):
        make_settings(TRANSCODE_PROFILES=value)


def test_a_wrong_user_cap_names_itself(make_settings) -> None:
    with pytest.raises(ConfigError, match="TRANSCODE_USER_CAPS"):
        make_settings(TRANSCODE_USER_CAPS="kid")


async def test_a_capped_user_gets_transcodes_of_plain_requests(client, make_user, add_track, sources) -> None:
    track = await add_track("short.flac")
    _, kid = await make_user("kid")
    _, parent = await make_user("parent")
    capped = await client.get(f"/api/stream/{track}", headers=kid)
    assert capped.status_code == 200 and capped.headers["content-type"] == "audio/ogg"
    assert len(capped.content) < 6 * 100 * 1000 / 8 * 1.2  # about 96 kbit/s for 6 s
    plain = await client.get(f"/api/stream/{track}", headers=parent)
    assert plain.content == (sources / "short.flac").read_bytes()

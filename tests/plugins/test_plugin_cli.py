"""``sonantica plugins``: installed, enabled and failed plugins with versions, statuses and hooks."""

from __future__ import annotations

import json
from pathlib import Path

from plugin_samples import FutureApi, Greeter

from sonantica_core.cli.main import main
from sonantica_core.contract import CONTRACT_VERSION
from sonantica_core.testing.fixtures import register_plugin


def write_plugins_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "plugins.toml"
    path.write_text(text)
    return path


def test_the_table_lists_every_plugin(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    toml = '[plugins.greeter]\ngreeting = "hi"\n[plugins.future]\n[plugins.nosuchplugin]\n'
    path = write_plugins_file(tmp_path, toml)
    with register_plugin(Greeter()), register_plugin(FutureApi()):
        status = main(["plugins", "--plugins-file", str(path)])
    out = capsys.readouterr().out
    assert status == 1  # some enabled plugins failed
    lines = {line.split("│")[1].strip(): line for line in out.splitlines() if line.count("│") > 4}
    assert "enabled" in lines["greeter"] and "1.0.0" in lines["greeter"] and "on_play_recorded" in lines["greeter"]
    assert "incompatible" in lines["future"] and "it needs plugin contract >=2,<3" in lines["future"]
    assert "not installed" in lines["nosuchplugin"] and "pip install" in out and "sonantica-nosuchplugin" in out


def test_json_is_what_the_api_says_and_all_enabled_is_success(tmp_path: Path, capsys) -> None:
    path = write_plugins_file(tmp_path, '[plugins.greeter]\ntoken = "hunter2"\n')
    with register_plugin(Greeter()):
        status = main(["plugins", "--plugins-file", str(path), "--json"])
    payload = json.loads(capsys.readouterr().out)
    assert status == 0
    assert payload["contract"] == ".".join(map(str, CONTRACT_VERSION))
    [greeter] = [plugin for plugin in payload["plugins"] if plugin["name"] == "greeter"]
    assert greeter["status"] == "enabled" and greeter["config"]["token"] == "••••"
    others = [plugin for plugin in payload["plugins"] if plugin["name"] != "greeter"]
    assert all(plugin["status"] == "disabled" for plugin in others)  # installed (e.g. bundled), not enabled


def test_a_wrong_option_is_one_line_and_status_2(tmp_path: Path, capsys) -> None:
    path = write_plugins_file(tmp_path, "[plugins]\nhook_timeout = -1\n")
    assert main(["plugins", "--plugins-file", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "hook_timeout: must be a number of seconds greater than 0, got -1" in err


def test_the_repository_plugins_toml_is_valid(capsys) -> None:
    path = Path(__file__).resolve().parents[2] / "plugins.toml"
    main(["plugins", "--plugins-file", str(path), "--json"])
    names = {plugin["name"] for plugin in json.loads(capsys.readouterr().out)["plugins"]}
    assert {"scanner", "loudness", "tempo", "key", "waveform", "fingerprint", "lrclib"} <= names

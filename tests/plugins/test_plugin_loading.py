"""Loading plugins from plugins.toml: every status, with a clear one-line reason."""

from __future__ import annotations

import importlib.metadata
import textwrap
from pathlib import Path

import pytest
from plugin_samples import FutureApi, Greeter, SelfCheckFails

from sonantica_core.errors import ConfigError
from sonantica_core.plugins import Candidate, Plugin, PluginStatus, hookimpl, load_plugins
from sonantica_core.plugins.compat import contract_version_text
from sonantica_core.plugins.summary import describe, summary_line
from sonantica_core.settings import Settings, load_settings
from sonantica_core.testing.fixtures import register_plugin


def settings_from(tmp_path: Path, toml: str) -> Settings:
    path = tmp_path / "plugins.toml"
    path.write_text(textwrap.dedent(toml))
    return load_settings(environ={"PLUGINS_FILE": str(path), "DATA_DIR": str(tmp_path / "data")})


def entry_point(name: str, value: str) -> Candidate:
    return Candidate.from_entry_point(importlib.metadata.EntryPoint(name=name, value=value, group="sonantica.plugins"))


def test_a_section_enables_an_installed_plugin(tmp_path: Path) -> None:
    settings = settings_from(tmp_path, """
        [plugins.greeter]
        greeting = "bonjour"
        order = 5
    """)
    manager = load_plugins(settings, process="web", candidates=[Candidate.from_object(Greeter())])
    record = manager.record("greeter")
    assert record.status is PluginStatus.ENABLED
    assert record.config.greeting == "bonjour"
    assert record.order == 5
    assert record.hooks == ("on_play_recorded", "register_routes", "shutdown", "startup")
    assert summary_line(record) == (
        "plugin greeter 1.0.0: enabled · hooks: on_play_recorded, register_routes, shutdown, startup"
    )


def test_installed_but_not_enabled_is_never_imported(tmp_path: Path) -> None:
    imported = []

    def load() -> Plugin:
        imported.append(True)
        return Greeter()

    for toml in ("", "[plugins.greeter]\nenabled = false\n"):
        settings = settings_from(tmp_path, toml)
        manager = load_plugins(settings, process="web", candidates=[Candidate("greeter", load, "1.0.0")])
        assert manager.record("greeter").status is PluginStatus.DISABLED
        assert manager.active() == []
    assert imported == []


def test_enabled_but_not_installed_says_how_to_install_it(tmp_path: Path) -> None:
    settings = settings_from(tmp_path, "[plugins.tempo]\n")
    manager = load_plugins(settings, process="web", candidates=[])
    record = manager.record("tempo")
    assert record.status is PluginStatus.NOT_INSTALLED
    assert "pip install sonantica-tempo" in record.error
    assert summary_line(record).startswith("plugin tempo: not installed — enabled in ")


def test_import_error_is_a_load_error(tmp_path: Path) -> None:
    settings = settings_from(tmp_path, "[plugins.broken]\n[plugins.greeter]\n")
    candidates = [entry_point("broken", "sonantica_no_such_module.plugin:plugin"), Candidate.from_object(Greeter())]
    manager = load_plugins(settings, process="web", candidates=candidates)
    broken = manager.record("broken")
    assert broken.status is PluginStatus.LOAD_ERROR
    assert broken.error == (
        "cannot import sonantica_no_such_module.plugin:plugin: "
        "ModuleNotFoundError: No module named 'sonantica_no_such_module'"
    )
    assert "Traceback" in broken.traceback
    assert manager.is_active("greeter")


@pytest.mark.parametrize(
    ("obj", "expected"),
    [
        (object(), "is a object, not a sonantica_core.plugins.Plugin (subclass it)"),
        (
            type("Other", (Plugin,), {"name": "other"})(),
            "its entry point is called 'odd' but the plugin says name = 'other'",
        ),
    ],
)
def test_a_wrong_object_is_a_load_error(tmp_path: Path, obj: object, expected: str) -> None:
    settings = settings_from(tmp_path, "[plugins.odd]\n")
    manager = load_plugins(settings, process="web", candidates=[Candidate("odd", lambda: obj)])
    record = manager.record("odd")
    assert record.status is PluginStatus.LOAD_ERROR
    assert expected in record.error


def test_the_entry_point_may_name_the_class(tmp_path: Path) -> None:
    settings = settings_from(tmp_path, "[plugins.greeter]\n")
    manager = load_plugins(settings, process="web", candidates=[Candidate("greeter", lambda: Greeter)])
    assert isinstance(manager.record("greeter").plugin, Greeter)


def test_a_hook_name_typo_is_a_load_error(tmp_path: Path) -> None:
    class Typo(Plugin):
        name = "typo"

        @hookimpl
        def register_scanner(self) -> list:  # the hook is register_scanners
            return []

    settings = settings_from(tmp_path, "[plugins.typo]\n")
    manager = load_plugins(settings, process="web", candidates=[Candidate.from_object(Typo())])
    record = manager.record("typo")
    assert record.status is PluginStatus.LOAD_ERROR
    assert record.error == "bad hook: @hookimpl on register_scanner, which is not a hook (see sonantica_core.hookspecs)"
    assert not manager.pm.has_plugin("typo")


def test_a_hook_asking_for_an_unknown_argument_is_a_load_error(tmp_path: Path) -> None:
    class WrongArgs(Plugin):
        name = "wrongargs"

        @hookimpl
        def register_routes(self, ctx, request):  # type: ignore[no-untyped-def]
            return []

    settings = settings_from(tmp_path, "[plugins.wrongargs]\n")
    manager = load_plugins(settings, process="web", candidates=[Candidate.from_object(WrongArgs())])
    record = manager.record("wrongargs")
    assert record.status is PluginStatus.LOAD_ERROR
    assert "{'request'} are declared in the hookimpl but can not be found in the hookspec" in record.error


def test_an_incompatible_api_range_is_refused(tmp_path: Path) -> None:
    settings = settings_from(tmp_path, "[plugins.future]\n")
    manager = load_plugins(settings, process="web", candidates=[Candidate.from_object(FutureApi())])
    record = manager.record("future")
    assert record.status is PluginStatus.INCOMPATIBLE
    assert record.error == f"it needs plugin contract >=2,<3; this Sonántica provides {contract_version_text()}"


@pytest.mark.parametrize(
    ("section", "expected"),
    [
        ('repeat = 9', "[plugins.greeter] repeat: Input should be less than or equal to 5 (got 9)"),
        ('repeat = "twice"', "[plugins.greeter] repeat: Input should be a valid integer, unable to parse string as an "
                             "integer (got 'twice')"),
        ('greting = "hi"', "[plugins.greeter] greting: is not a setting of this plugin "
                           "(settings: greeting, password, repeat, token)"),
        ('enabled = "yes"', "[plugins.greeter] enabled: must be true or false, got 'yes'"),
        ('order = 1.5', "[plugins.greeter] order: must be a whole number, got 1.5"),
        ('token = { env = "SONANTICA_TEST_NO_SUCH_VAR" }',
         "[plugins.greeter] token: environment variable SONANTICA_TEST_NO_SUCH_VAR is not set"),
    ],
)
def test_a_wrong_value_is_a_config_error_in_one_line(tmp_path: Path, section: str, expected: str) -> None:
    settings = settings_from(tmp_path, f"[plugins.greeter]\n{section}\n")
    manager = load_plugins(settings, process="web", candidates=[Candidate.from_object(Greeter())], environ={})
    record = manager.record("greeter")
    assert record.status is PluginStatus.CONFIG_ERROR
    assert record.error == expected
    assert "\n" not in summary_line(record)
    assert not manager.pm.has_plugin("greeter")


def test_secrets_come_from_the_environment_or_a_file_and_are_masked(tmp_path: Path) -> None:
    (tmp_path / "password").write_text("s3cret-from-file\n")
    settings = settings_from(tmp_path, f"""
        [plugins.greeter]
        token = {{ env = "GREETER_TOKEN" }}
        password = {{ file = "{tmp_path / 'password'}" }}
    """)
    manager = load_plugins(settings, process="web", candidates=[Candidate.from_object(Greeter())],
                           environ={"GREETER_TOKEN": "tok-123"})
    record = manager.record("greeter")
    assert record.status is PluginStatus.ENABLED
    assert record.config.token.get_secret_value() == "tok-123"
    assert record.config.password == "s3cret-from-file"
    shown = describe(record)["config"]
    assert shown["token"] == "••••" and shown["password"] == "••••"
    assert "tok-123" not in str(describe(record)) and "s3cret" not in str(describe(record))


def test_a_secret_typed_value_is_masked_even_when_written_inline(tmp_path: Path) -> None:
    settings = settings_from(tmp_path, '[plugins.greeter]\ntoken = "inline-token"\n')
    manager = load_plugins(settings, process="web", candidates=[Candidate.from_object(Greeter())])
    assert describe(manager.record("greeter"))["config"]["token"] == "••••"


def test_a_failed_self_check_leaves_the_plugin_out(tmp_path: Path) -> None:
    settings = settings_from(tmp_path, "[plugins.needsffmpeg]\n")
    manager = load_plugins(settings, process="worker", candidates=[Candidate.from_object(SelfCheckFails())])
    record = manager.record("needsffmpeg")
    assert record.status is PluginStatus.SELF_CHECK_FAILED
    assert record.error == "RuntimeError: ffmpeg is not on PATH; install it (apt install ffmpeg)"


def test_two_distributions_with_one_name_are_refused(tmp_path: Path) -> None:
    settings = settings_from(tmp_path, "[plugins.greeter]\n")
    first = Candidate("greeter", Greeter, "1.0", distribution="sonantica-greeter")
    second = Candidate("greeter", Greeter, "2.0", distribution="greeter-fork")
    manager = load_plugins(settings, process="web", candidates=[first, second])
    record = manager.record("greeter")
    assert record.status is PluginStatus.LOAD_ERROR
    assert "sonantica-greeter, greeter-fork" in record.error


@pytest.mark.parametrize(
    ("toml", "setting"),
    [
        ("[plugins]\nhook_timeout = 0\n", "plugins.toml [plugins].hook_timeout"),
        ("[plugins]\nstrict = 1\n", "plugins.toml [plugins].strict"),
        ('[plugins]\nenabled = ["lrclib"]\n', "plugins.toml [plugins].enabled"),
    ],
)
def test_a_wrong_option_of_the_plugin_system_stops_the_process(tmp_path: Path, toml: str, setting: str) -> None:
    with pytest.raises(ConfigError) as raised:
        load_plugins(settings_from(tmp_path, toml), process="web", candidates=[])
    assert raised.value.setting == setting


def test_strict_makes_any_failure_fatal(tmp_path: Path) -> None:
    settings = settings_from(tmp_path, "[plugins]\nstrict = true\n[plugins.future]\n")
    manager = load_plugins(settings, process="web", candidates=[Candidate.from_object(FutureApi())])
    with pytest.raises(ConfigError, match=r"incompatible: it needs plugin contract >=2,<3"):
        manager.enforce_strict()


def test_plugins_are_found_through_entry_points_and_registered_objects(tmp_path: Path) -> None:
    settings = settings_from(tmp_path, "[plugins.greeter]\n")
    with register_plugin(Greeter()):
        manager = load_plugins(settings, process="web")
        assert manager.is_active("greeter")
    assert load_plugins(settings, process="web").record("greeter").status is PluginStatus.NOT_INSTALLED

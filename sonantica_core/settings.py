"""Settings: environment variables, ``plugins.toml`` and command-line flags.

Precedence, highest first: command-line flags, environment variables, the
``[core]`` table of ``plugins.toml``, defaults. Every setting is declared once in
:data:`SETTINGS`; the README's configuration reference, ``sonantica doctor`` and
the compose file test all read that table.
"""

from __future__ import annotations

import ipaddress
import os
import re
import secrets
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sonantica_core.errors import ConfigError

SECRET_FILE_NAME = "secret_key"


@dataclass(frozen=True, slots=True)
class MediaRoot:
    """A read-only folder of music, known by a stable name."""

    name: str
    path: Path


@dataclass(frozen=True, slots=True)
class SettingSpec:
    """One setting: its attribute, environment variable, parser and documentation."""

    attr: str
    env: str
    help: str
    default: str | None = None
    parse: Callable[[str], Any] = str
    secret: bool = False


def _parse_port(raw: str) -> int:
    if not raw.isdigit():
        raise ValueError(f"must be a whole number from 1 to 65535, got {raw!r}")
    port = int(raw)
    if not 1 <= port <= 65535:
        raise ValueError(f"must be from 1 to 65535, got {port}")
    return port


def _parse_count(minimum: int, maximum: int) -> Callable[[str], int]:
    def parse(raw: str) -> int:
        if not raw.strip().isdigit():
            raise ValueError(f"must be a whole number from {minimum} to {maximum}, got {raw!r}")
        value = int(raw)
        if not minimum <= value <= maximum:
            raise ValueError(f"must be from {minimum} to {maximum}, got {value}")
        return value

    return parse


def _parse_seconds(raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"must be a number of seconds, got {raw!r}") from None
    if value < 0 or value != value or value == float("inf"):
        raise ValueError(f"must be a finite number of seconds ≥ 0, got {raw!r}")
    return value


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _parse_bool(raw: str) -> bool:
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(f"must be one of true/false/1/0/yes/no/on/off, got {raw!r}")


def _parse_url(schemes: tuple[str, ...]) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        raw = raw.strip()
        parts = urlsplit(raw)
        if parts.scheme not in schemes:
            raise ValueError(f"must be a URL starting with {' or '.join(s + '://' for s in schemes)}")
        if not parts.hostname and "host=" not in parts.query and parts.scheme != "unix":
            raise ValueError("has no host")
        try:
            parts.port  # noqa: B018 - validates the port number
        except ValueError:
            raise ValueError("has an invalid port") from None
        return raw

    return parse


_ROOT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def parse_media_roots(raw: str) -> tuple[MediaRoot, ...]:
    """Parse ``MEDIA_PATH``: folders separated by ``:``; each may be ``name=path``.

    A root's name is stored with every track, so moving the folder and keeping
    the name keeps the library. Without a name, the folder's own name is used.
    """
    roots: list[MediaRoot] = []
    for item in (part.strip() for part in raw.split(os.pathsep)):
        if not item:
            continue
        name, sep, path_text = item.partition("=")
        if not sep:
            name, path_text = "", item
        path = Path(path_text).expanduser()
        if not path.is_absolute():
            path = Path.cwd() / path
        if not path.is_dir():
            raise ValueError(f"{path_text!r} is not a folder")
        path = path.resolve()
        if not name:
            name = re.sub(r"[^A-Za-z0-9_.-]", "_", path.name) or "music"
            base, n = name, 2
            while any(r.name == name for r in roots):
                name, n = f"{base}-{n}", n + 1
        if not _ROOT_NAME.match(name):
            raise ValueError(f"root name {name!r} must be letters, digits, '_', '.' or '-' (at most 64)")
        if any(r.name == name for r in roots):
            raise ValueError(f"root name {name!r} is used twice")
        roots.append(MediaRoot(name=name, path=path))
    return tuple(roots)


def _parse_log_level(raw: str) -> str:
    level = raw.strip().upper()
    if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        raise ValueError(f"must be DEBUG, INFO, WARNING or ERROR, got {raw!r}")
    return level


def _parse_origins(raw: str) -> tuple[str, ...]:
    origins = tuple(o.strip() for o in raw.split(",") if o.strip())
    for origin in origins:
        if origin != "*" and not re.match(r"^https?://[^/\s]+$", origin):
            raise ValueError(f"{origin!r} is not an origin like https://music.example.org")
    return origins


def _parse_networks(raw: str) -> tuple[str, ...]:
    """Comma-separated IP addresses or CIDR blocks, each written as a network (``127.0.0.1/32``)."""
    networks = []
    for item in (part.strip() for part in raw.split(",")):
        if not item:
            continue
        try:
            networks.append(str(ipaddress.ip_network(item, strict=False)))
        except ValueError:
            raise ValueError(f"{item!r} is not an IP address or CIDR block like 10.0.0.0/8") from None
    return tuple(networks)


def _parse_secret(raw: str) -> str:
    if len(raw) < 32:
        raise ValueError(
            "must be at least 32 characters (try: python -c 'import secrets; print(secrets.token_urlsafe(48))')"
        )
    return raw


def _parse_stream_mode(raw: str) -> str:
    mode = raw.strip().lower()
    if mode not in {"direct", "accel"}:
        raise ValueError(f"must be 'direct' (Sonántica sends the bytes) or 'accel' (X-Accel-Redirect), got {raw!r}")
    return mode


_PROFILE = re.compile(r"^([a-z0-9_-]{1,32})=([a-z0-9]{2,8})(?::([0-9]{0,4}))?(?::([0-9]{4,6}))?$")
_USER_CAP = re.compile(r"^([^=,:\s]{1,64})=([0-9]{1,4})(?::([0-9]{4,6}))?$")


def _parse_profiles(raw: str) -> tuple[tuple[str, str, int, int], ...]:
    """``NAME=FORMAT[:KBPS[:MAX_RATE]]`` items → (name, format, kbps or 0, rate or 0)."""
    found = []
    for item in filter(None, (part.strip() for part in raw.split(","))):
        match = _PROFILE.match(item.lower())
        if match is None:
            raise ValueError(f"each profile is NAME=FORMAT[:KBPS[:MAX_RATE]], got {item!r}")
        name, fmt, kbps, rate = match.groups()
        found.append((name, fmt, int(kbps or 0), int(rate or 0)))
    return tuple(found)


def _parse_names(raw: str) -> tuple[str, ...]:
    """``a, b,c`` → ("a", "b", "c"): names, comma-separated, each once."""
    names: list[str] = []
    for item in filter(None, (part.strip() for part in raw.split(","))):
        if not re.fullmatch(r"[A-Za-z0-9_.-]+", item):
            raise ValueError(f"each name is letters, digits, '_', '.' or '-', got {item!r}")
        if item not in names:
            names.append(item)
    return tuple(names)


def _parse_user_caps(raw: str) -> tuple[tuple[str, int, int], ...]:
    """``USERNAME=KBPS[:MAX_RATE]`` items → (username, kbps, rate or 0)."""
    found = []
    for item in filter(None, (part.strip() for part in raw.split(","))):
        match = _USER_CAP.match(item)
        if match is None:
            raise ValueError(f"each cap is USERNAME=KBPS[:MAX_RATE], got {item!r}")
        found.append((match.group(1), int(match.group(2)), int(match.group(3) or 0)))
    return tuple(found)


_WEIGHT = re.compile(r"^([A-Za-z0-9_.-]{1,100})=([0-9]+(?:\.[0-9]+)?)$")


def _parse_weights(raw: str) -> tuple[tuple[str, float], ...]:
    """``NAME=WEIGHT`` items (recommender names, weights ≥ 0) → (name, weight) pairs."""
    found = []
    for item in filter(None, (part.strip() for part in raw.split(","))):
        match = _WEIGHT.match(item)
        if match is None:
            raise ValueError(f"each weight is NAME=NUMBER (0 or more), got {item!r}")
        found.append((match.group(1), float(match.group(2))))
    return tuple(found)


def _parse_model_name(raw: str) -> str:
    if not re.match(r"^[A-Za-z0-9_.:/@+-]{1,100}$", raw):
        raise ValueError(f"an embedding model name is 1–100 letters, digits or _.:/@+-, got {raw!r}")
    return raw


SETTINGS: tuple[SettingSpec, ...] = (
    SettingSpec("host", "HOST", "Address the web server listens on.", "127.0.0.1"),
    SettingSpec("port", "PORT", "Port the web server listens on.", "8080", _parse_port),
    SettingSpec(
        "media_roots",
        "MEDIA_PATH",
        "Music folders, separated by ':'; each may be named as NAME=PATH. Read-only.",
        "",
        parse_media_roots,
    ),
    SettingSpec("data_dir", "DATA_DIR", "Where the database, caches and derived files live.", "./data"),
    SettingSpec(
        "postgres_url",
        "POSTGRES_URL",
        "External PostgreSQL (with pgvector). Unset: an embedded PostgreSQL under DATA_DIR.",
        None,
        _parse_url(("postgresql", "postgres", "postgresql+asyncpg")),
    ),
    SettingSpec(
        "redis_url",
        "REDIS_URL",
        "External Redis. Unset: an embedded Redis under DATA_DIR.",
        None,
        _parse_url(("redis", "rediss", "unix")),
    ),
    SettingSpec(
        "secret_key",
        "SECRET_KEY",
        "Secret that signs tokens and stream URLs (≥ 32 characters). Unset: generated once into DATA_DIR.",
        None,
        _parse_secret,
        secret=True,
    ),
    SettingSpec(
        "workers", "WORKERS", "Task workers that `serve` runs itself (embedded mode).", "1", _parse_count(0, 64)
    ),
    SettingSpec(
        "workers_yield",
        "WORKERS_YIELD",
        "Pause those task workers while the web processes are busy, so background work never slows streaming.",
        "true",
        _parse_bool,
    ),
    SettingSpec(
        "web_workers",
        "WEB_WORKERS",
        "Web server processes sharing the port (SO_REUSEPORT); about one per core.",
        "1",
        _parse_count(1, 64),
    ),
    SettingSpec("plugins_file", "PLUGINS_FILE", "The plugins.toml to read.", "plugins.toml"),
    SettingSpec("log_level", "LOG_LEVEL", "DEBUG, INFO, WARNING or ERROR.", "INFO", _parse_log_level),
    SettingSpec("watch", "WATCH", "Watch the media folders and apply changes as they happen.", "true", _parse_bool),
    SettingSpec(
        "follow_external_symlinks",
        "FOLLOW_EXTERNAL_SYMLINKS",
        "Allow symbolic links that point outside a media folder.",
        "false",
        _parse_bool,
    ),
    SettingSpec(
        "cors_origins", "CORS_ORIGINS", "Origins allowed to call the API, comma-separated.", "", _parse_origins
    ),
    SettingSpec(
        "trusted_proxies",
        "TRUSTED_PROXIES",
        "Front proxies (IPs or CIDR blocks, comma-separated) whose X-Forwarded-For or Forwarded header "
        "names the client. Empty: the peer address is the client.",
        "",
        _parse_networks,
    ),
    SettingSpec(
        "shutdown_grace", "SHUTDOWN_GRACE", "Seconds in-flight streams get to finish on shutdown.", "10", _parse_seconds
    ),
    SettingSpec("access_token_ttl", "ACCESS_TOKEN_TTL", "Seconds an access token lives.", "900", _parse_seconds),
    SettingSpec("refresh_token_ttl", "REFRESH_TOKEN_TTL", "Seconds a refresh token lives.", "2592000", _parse_seconds),
    SettingSpec(
        "stream_mode",
        "STREAM_MODE",
        "'direct': the server sends audio bytes; 'accel': a front proxy does (X-Accel-Redirect).",
        "direct",
        _parse_stream_mode,
    ),
    SettingSpec(
        "fast_path",
        "FAST_PATH",
        "Answer plain GET and HEAD requests straight from the socket, below the general HTTP server.",
        "true",
        _parse_bool,
    ),
    SettingSpec(
        "transcode_profiles",
        "TRANSCODE_PROFILES",
        "Client profiles for `?profile=`: NAME=FORMAT[:KBPS[:MAX_RATE]], comma-separated.",
        "mobile=opus:96,wifi=opus:192,mp3=mp3:256,hires=flac:0:48000",
        _parse_profiles,
    ),
    SettingSpec(
        "transcode_max_bitrate",
        "TRANSCODE_MAX_BITRATE",
        "The highest bitrate (kbit/s) any transcode is made at; 0: no cap beyond the format's own.",
        "0",
        _parse_count(0, 10_000),
    ),
    SettingSpec(
        "transcode_user_caps",
        "TRANSCODE_USER_CAPS",
        "Per-user caps: USERNAME=KBPS[:MAX_RATE], comma-separated. Such a user gets nothing above them "
        "(an original above them is transcoded).",
        "",
        _parse_user_caps,
    ),
    SettingSpec(
        "transcode_max_concurrent",
        "TRANSCODE_MAX_CONCURRENT",
        "Transcodes one web process runs at once (more get 503 with Retry-After).",
        "8",
        _parse_count(1, 256),
    ),
    SettingSpec(
        "transcode_max_per_user",
        "TRANSCODE_MAX_PER_USER",
        "Transcodes one user runs at once in a web process (more get 429 with Retry-After).",
        "3",
        _parse_count(1, 256),
    ),
    SettingSpec(
        "transcode_cache_mb",
        "TRANSCODE_CACHE_MB",
        "Size cap of the finished-transcode cache under DATA_DIR/transcodes (least recently used go first).",
        "2048",
        _parse_count(0, 10_000_000),
    ),
    SettingSpec(
        "stems_ttl_days",
        "STEMS_TTL_DAYS",
        "Stems not streamed for this many days are deleted (the original is never touched).",
        "30",
        _parse_count(1, 36_500),
    ),
    SettingSpec(
        "stems_max_bytes",
        "STEMS_MAX_BYTES",
        "Size cap of all stems and mixes under DATA_DIR/stems; past it the least recently used go first.",
        "21474836480",
        _parse_count(0, 2**62),
    ),
    SettingSpec(
        "contact",
        "CONTACT",
        "How outside services (MusicBrainz, LRCLIB) can reach this server's admin: an e-mail address or URL, "
        "sent in the User-Agent. Providers that need one stay off without it.",
        "",
    ),
    SettingSpec(
        "lyrics_order",
        "LYRICS_ORDER",
        "Lyrics providers to ask, by name, comma-separated, first wins; providers not named are asked after, "
        "in plugin order.",
        "embedded,sidecar,lrclib",
        _parse_names,
    ),
    SettingSpec(
        "metadata_overwrite_tags",
        "METADATA_OVERWRITE_TAGS",
        "Let values from metadata providers (MusicBrainz) replace values read from the files' tags; "
        "false: they only fill what the tags leave empty.",
        "false",
        _parse_bool,
    ),
    SettingSpec(
        "similarity_model",
        "SIMILARITY_MODEL",
        "The embedding model that sound similarity (similar tracks, radio, sonic paths, sounds_like rules) "
        "compares in.",
        "sonic-descriptor",
        _parse_model_name,
    ),
    SettingSpec(
        "recommend_weights",
        "RECOMMEND_WEIGHTS",
        "Weights of recommenders when their answers are merged: NAME=WEIGHT, comma-separated (1.0 unless named; "
        "0 switches one off).",
        "sounds-like=1.0,listened-together=0.5,harmonic=0.5",
        _parse_weights,
    ),
    SettingSpec(
        "task_redelivery_seconds",
        "TASK_REDELIVERY_SECONDS",
        "Seconds after which a task held by a dead worker is given to another.",
        "60",
        _parse_seconds,
    ),
    SettingSpec(
        "periodic_tick_seconds",
        "PERIODIC_TICK_SECONDS",
        "Seconds between a worker's looks for due periodic tasks (the first look comes one tick after it starts).",
        "30",
        _parse_seconds,
    ),
    SettingSpec(
        "max_connections_per_address",
        "MAX_CONNECTIONS_PER_ADDRESS",
        "Open connections one client address may hold per web process (more get 429); 0: no limit. "
        "TRUSTED_PROXIES are not limited.",
        "128",
        _parse_count(0, 1_000_000),
    ),
)

SETTINGS_BY_ENV: Mapping[str, SettingSpec] = {spec.env: spec for spec in SETTINGS}


@dataclass(frozen=True, slots=True)
class Settings:
    """The resolved configuration of one Sonántica process."""

    host: str
    port: int
    media_roots: tuple[MediaRoot, ...]
    data_dir: Path
    postgres_url: str | None
    redis_url: str | None
    secret_key: str | None
    workers: int
    workers_yield: bool
    web_workers: int
    plugins_file: Path
    log_level: str
    watch: bool
    follow_external_symlinks: bool
    cors_origins: tuple[str, ...]
    trusted_proxies: tuple[str, ...]
    shutdown_grace: float
    access_token_ttl: float
    refresh_token_ttl: float
    stream_mode: str
    fast_path: bool
    task_redelivery_seconds: float
    periodic_tick_seconds: float = 30.0
    transcode_profiles: tuple[tuple[str, str, int, int], ...] = ()
    transcode_max_bitrate: int = 0
    transcode_user_caps: tuple[tuple[str, int, int], ...] = ()
    transcode_max_concurrent: int = 8
    transcode_max_per_user: int = 3
    transcode_cache_mb: int = 2048
    stems_ttl_days: int = 30
    stems_max_bytes: int = 21474836480
    contact: str = ""
    lyrics_order: tuple[str, ...] = ("embedded", "sidecar", "lrclib")
    metadata_overwrite_tags: bool = False
    similarity_model: str = "sonic-descriptor"
    recommend_weights: tuple[tuple[str, float], ...] = ()
    max_connections_per_address: int = 128
    #: The ``[plugins.NAME]`` tables and ``enabled`` list of plugins.toml, raw.
    plugins_config: Mapping[str, Any] = field(default_factory=dict)

    @property
    def embedded_postgres(self) -> bool:
        return self.postgres_url is None

    @property
    def embedded_redis(self) -> bool:
        return self.redis_url is None

    def root(self, name: str) -> MediaRoot | None:
        """The media root called ``name``, if configured."""
        return next((r for r in self.media_roots if r.name == name), None)


def read_plugins_file(path: Path, required: bool) -> dict[str, Any]:
    """Read plugins.toml; a missing optional file is an empty configuration."""
    if not path.exists():
        if required:
            raise ConfigError("PLUGINS_FILE", f"{path} does not exist")
        return {}
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError("PLUGINS_FILE", f"{path} is not valid TOML ({exc})") from None
    except OSError as exc:
        raise ConfigError("PLUGINS_FILE", f"cannot read {path} ({exc.strerror})") from None
    return data


def load_settings(
    overrides: Mapping[str, str | None] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Resolve the settings. ``overrides`` are command-line values by env name.

    Raises :class:`ConfigError` naming the first wrong setting.
    """
    env = dict(os.environ if environ is None else environ)
    given = {k: v for k, v in (overrides or {}).items() if v is not None}
    plugins_path_raw = given.get("PLUGINS_FILE") or env.get("PLUGINS_FILE")
    plugins_path = Path(plugins_path_raw or "plugins.toml").expanduser()
    toml = read_plugins_file(plugins_path, required=plugins_path_raw is not None)
    core_table = toml.get("core", {})
    if not isinstance(core_table, dict):
        raise ConfigError("plugins.toml [core]", "must be a table")
    unknown = [key for key in core_table if key.upper() not in SETTINGS_BY_ENV]
    if unknown:
        raise ConfigError(f"plugins.toml [core].{unknown[0]}", "is not a setting")

    values: dict[str, Any] = {}
    for spec in SETTINGS:
        raw: str | None
        if spec.env in given:
            raw, origin = given[spec.env], "flag"
        elif env.get(spec.env, "") != "":
            raw, origin = env[spec.env], "env"
        elif spec.env.lower() in core_table:
            value = core_table[spec.env.lower()]
            raw = (
                ":".join(map(str, value))
                if isinstance(value, list)
                else str(value).lower()
                if isinstance(value, bool)
                else str(value)
            )
            origin = "plugins.toml"
        else:
            raw, origin = spec.default, "default"
        if raw is None:
            values[spec.attr] = None
            continue
        try:
            values[spec.attr] = spec.parse(raw)
        except ValueError as exc:
            where = {"flag": "", "env": "", "plugins.toml": " (in plugins.toml)", "default": ""}[origin]
            raise ConfigError(spec.env, f"{exc}{where}") from None

    values["data_dir"] = Path(values["data_dir"]).expanduser().resolve()
    values["plugins_file"] = plugins_path
    plugins_table = toml.get("plugins", {})
    if not isinstance(plugins_table, dict):
        raise ConfigError("plugins.toml [plugins]", "must be a table")
    values["plugins_config"] = plugins_table
    return Settings(**values)


def ensure_secret_key(settings: Settings) -> str:
    """Return the signing secret: the configured one, or one kept in DATA_DIR.

    The file is created once with mode 0600 so every process and restart on this
    data directory verifies the same tokens.
    """
    if settings.secret_key:
        return settings.secret_key
    path = settings.data_dir / SECRET_FILE_NAME
    if path.exists():
        value = path.read_text().strip()
        if len(value) >= 32:
            return value
        raise ConfigError("SECRET_KEY", f"{path} is damaged (shorter than 32 characters); delete it or set SECRET_KEY")
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(value + "\n")
    return value


def setting_names() -> list[str]:
    """Every environment variable Sonántica reads."""
    return [spec.env for spec in SETTINGS]


def describe(settings: Settings) -> list[tuple[str, str]]:
    """(env name, value) pairs for display, secrets masked."""
    rows = []
    by_attr = {spec.attr: spec for spec in SETTINGS}
    for f in fields(settings):
        spec = by_attr.get(f.name)
        if spec is None:
            continue
        value = getattr(settings, f.name)
        if spec.secret and value:
            text = "•••• (set)"
        elif f.name == "media_roots":
            text = ", ".join(f"{r.name}={r.path}" for r in value) or "(none)"
        elif isinstance(value, tuple):
            items = (v if isinstance(v, str) else "=".join(map(str, v)) if isinstance(v, tuple) else str(v)
                     for v in value)
            text = ", ".join(items) or "(none)"
        elif value is None:
            text = "(embedded)" if f.name in {"postgres_url", "redis_url"} else "(generated)"
        else:
            text = str(value)
        if spec.attr in {"postgres_url", "redis_url"} and value:
            text = _mask_password(str(value))
        rows.append((spec.env, text))
    return rows


def _mask_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        return url.replace(f":{parts.password}@", ":••••@", 1)
    return url

"""Settings: one frozen object built from a TOML file and ``COMPOSER_*`` environment variables.

No global config: the object is built once (CLI entry point, bot start-up, tests) and passed to
whoever needs it.  Precedence: explicit overrides > environment > settings file > defaults.
"""

from __future__ import annotations

import dataclasses
import os
import sys
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.errors import ConfigError

__all__ = ["CLI_SOUNDFONT", "SOUNDFONT_ENV", "WORKER_SOUNDFONT", "Settings", "WorkerSpec"]

DEFAULT_REST_BASE = "https://discord.com/api/v10"
DEFAULT_GATEWAY = "wss://gateway.discord.gg/"

#: The SoundFont each path renders with when none is configured (names of
#: ``models.embedded.soundfonts``): a bot worker loads it once and keeps it, so it takes the fullest
#: installed (MuseScore General: seconds and a gigabyte to load); the CLI loads it on every run, so
#: it takes the fullest that loads in about a second (FluidR3_GM, else TimGM6mb).
WORKER_SOUNDFONT = "best"
CLI_SOUNDFONT = "fast"
SOUNDFONT_ENV = "COMPOSER_SOUNDFONT"


@dataclass(frozen=True, slots=True)
class WorkerSpec:
    """One backend's workers: interpreter (its own venv if needed), devices, checkpoints."""

    backend: str = "embedded"
    python: str = sys.executable
    devices: tuple[str, ...] = ("cpu",)  # one worker per entry: "cuda:0", "cuda:1", "cpu", ...
    checkpoint_dir: Path | None = None
    half_precision: bool = True


@dataclass(frozen=True, slots=True)
class Settings:
    # Discord
    discord_token: str | None = None
    dev_guild_id: int | None = None
    rest_base_url: str = DEFAULT_REST_BASE
    gateway_url: str = DEFAULT_GATEWAY
    # Storage
    data_dir: Path = Path("data")
    database_url: str | None = None  # None: sqlite+aiosqlite in data_dir
    # Composing
    soundfont: Path | None = None  # a path or a name; None: the path's default (soundfont_or)
    default_backend: str = "embedded"
    default_format: str = "ogg"
    sample_rate: int = 48_000
    max_duration_s: float = 300.0
    # Workers and queue
    workers: tuple[WorkerSpec, ...] = field(default_factory=tuple)
    cpu_workers: int | None = None  # embedded CPU workers if `workers` is empty (None: per core)
    job_timeout_s: float = 300.0
    job_retries: int = 2
    worker_ready_timeout_s: float = 120.0
    heartbeat_interval_s: float = 2.0
    heartbeat_timeout_s: float = 15.0
    max_queued_per_user: int = 5
    max_running_per_user: int = 1
    max_queued_per_guild: int = 50
    # Scale-out (Ray) — None: local worker pool only
    ray_address: str | None = None
    # Web pages, /healthz and /metrics, served in the bot's own process (web_port 0: off)
    web_host: str = "127.0.0.1"
    web_port: int = 8080
    public_url: str | None = None  # what links use (None: http://web_host:web_port)
    log_level: str = "INFO"

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'composer.db').resolve()}"

    @property
    def web_url(self) -> str | None:
        """Where the web pages are, as links name them: ``public_url`` (the pages may be served
        by another process, e.g. the host), else this process's server; None when neither."""
        if self.public_url:
            return self.public_url.rstrip("/")
        if self.web_port == 0:
            return None
        return f"http://{self.web_host}:{self.web_port}"

    @property
    def clips_dir(self) -> Path:
        return self.data_dir / "clips"

    def soundfont_or(self, default: str) -> Path:
        """The SoundFont to render with: ``soundfont`` if set, else ``$COMPOSER_SOUNDFONT`` (read
        here too, so settings built in code follow it, as worker processes do), else
        ``default`` (:data:`WORKER_SOUNDFONT` or :data:`CLI_SOUNDFONT`)."""
        if self.soundfont is not None:
            return self.soundfont
        return Path(os.environ.get(SOUNDFONT_ENV) or default)

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)

    @classmethod
    def load(
        cls,
        file: Path | None = None,
        env: Mapping[str, str] | None = None,
        **overrides: Any,
    ) -> Settings:
        """Build settings from ``file`` (or ``$COMPOSER_SETTINGS``), the environment, overrides."""
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        path = file or (Path(env["COMPOSER_SETTINGS"]) if env.get("COMPOSER_SETTINGS") else None)
        if path is not None:
            try:
                values.update(_from_toml(tomllib.loads(path.read_text())))
            except FileNotFoundError:
                raise ConfigError(f"settings file {path} does not exist") from None
            except tomllib.TOMLDecodeError as exc:
                raise ConfigError(f"settings file {path} is not valid TOML: {exc}") from None
        values.update(_from_env(env))
        values.update({k: v for k, v in overrides.items() if v is not None})
        try:
            settings = cls(**values)
        except TypeError as exc:
            raise ConfigError(f"unknown setting: {exc}") from None
        return settings


def _coerce(name: str, raw: Any) -> Any:
    """Convert a TOML/env value to the field's type, with a clear error."""
    kinds = {
        "discord_token": str,
        "dev_guild_id": int,
        "rest_base_url": str,
        "gateway_url": str,
        "data_dir": Path,
        "database_url": str,
        "soundfont": Path,
        "default_backend": str,
        "default_format": str,
        "sample_rate": int,
        "max_duration_s": float,
        "job_timeout_s": float,
        "cpu_workers": int,
        "job_retries": int,
        "worker_ready_timeout_s": float,
        "heartbeat_interval_s": float,
        "heartbeat_timeout_s": float,
        "max_queued_per_user": int,
        "max_running_per_user": int,
        "max_queued_per_guild": int,
        "ray_address": str,
        "web_host": str,
        "web_port": int,
        "public_url": str,
        "log_level": str,
    }
    kind = kinds.get(name)
    if kind is None:
        raise ConfigError(f"unknown setting {name!r}")
    if raw is None or raw == "":
        return None
    try:
        return kind(raw)
    except (TypeError, ValueError):
        raise ConfigError(f"setting {name} must be {kind.__name__}, got {raw!r}") from None


def _from_toml(doc: Mapping[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, raw in doc.items():
        if name == "workers":
            values["workers"] = tuple(_worker(w) for w in raw)
        else:
            values[name] = _coerce(name, raw)
    return values


def _worker(raw: Mapping[str, Any]) -> WorkerSpec:
    try:
        return WorkerSpec(
            backend=str(raw.get("backend", "embedded")),
            python=str(raw.get("python", sys.executable)),
            devices=tuple(str(d) for d in raw.get("devices", ("cpu",))),
            checkpoint_dir=Path(raw["checkpoint_dir"]) if raw.get("checkpoint_dir") else None,
            half_precision=bool(raw.get("half_precision", True)),
        )
    except (TypeError, AttributeError) as exc:
        raise ConfigError(f"bad [[workers]] entry: {exc}") from None


def _from_env(env: Mapping[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if env.get("DISCORD_TOKEN"):
        values["discord_token"] = env["DISCORD_TOKEN"]
    for f in dataclasses.fields(Settings):
        if f.name == "workers":
            continue
        key = f"COMPOSER_{f.name.upper()}"
        if key in env and env[key] != "":
            values[f.name] = _coerce(f.name, env[key])
    return values

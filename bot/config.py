"""Settings (environment / `.env`, prefix NEWSBOT_) and the sources file (TOML).

Nothing is read at import time: `load_settings()` and `load_sources()` are called by the CLI, which
turns `ConfigError` into one clear line and exit code 2.
"""

from __future__ import annotations

import difflib
import hashlib
import hmac
import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.text.fold import category_key
from storage.db import check_target, is_postgres_url, password_of

TELEGRAM_API_URL = "https://api.telegram.org/bot"
# A real token is "<bot id>:<secret>"; anything else (a placeholder copied from the example
# file, an empty string) is refused before we talk to Telegram.
_TOKEN_SHAPE = re.compile(r"^\d{1,20}:[A-Za-z0-9_-]{10,}$")
_SOURCE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_HOST_NAME = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}"
                        r"[a-z0-9])?")
# https://core.telegram.org/bots/api#setwebhook: secret_token is 1-256 of A-Z, a-z, 0-9, _ and -.
_WEBHOOK_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
# Where Telegram posts updates, under NEWSBOT_PUBLIC_URL (bot/web serves it).
TELEGRAM_WEBHOOK_PATH = "/telegram"
# The Zalo Bot Platform's API (SPEC 5a): POST <base><token>/<method>.
ZALO_API_URL = "https://bot-api.zaloplatforms.com/bot"
# Where Zalo posts updates, under NEWSBOT_PUBLIC_URL.
ZALO_WEBHOOK_PATH = "/zalo"
# Zalo publishes no token format; what it issues looks like "<digits>:<secret>". Anything with
# white space or punctuation beyond these is a copy-and-paste accident, refused before we call.
_ZALO_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9:_.-]{10,512}$")
# Zalo's setWebhook takes a secret_token of 8-256 characters; we keep to a safe alphabet.
_ZALO_WEBHOOK_SECRET = re.compile(r"^[A-Za-z0-9_-]{8,256}$")
_ZALO_USER_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def _public_address(value: str | None) -> str | None:
    """An http(s) address without query or fragment, without its trailing "/"."""
    if not value:
        return None
    if not re.fullmatch(r"https?://[^/\s?#]+(/[^\s?#]*)?", value):
        raise ValueError(f"expected the bot's address, like https://bot.example.org, got {value!r}")
    return value.rstrip("/")


def is_telegram_api(url: str) -> bool:
    """True when `url` is Telegram's own Bot API (not a local Bot API server, not the sandbox)."""
    return re.match(r"^https?://api\.telegram\.org(?::\d+)?(/|$)", url) is not None


def is_zalo_api(url: str) -> bool:
    """True when `url` is the Zalo Bot Platform itself (not the sandbox)."""
    return re.match(r"^https?://([a-z0-9-]+\.)*(zaloplatforms\.com|zapps\.me|zalo\.me)"
                    r"(?::\d+)?(/|$)", url) is not None


class ConfigError(Exception):
    """A setting or the sources file is wrong; the message names what and why, in one line."""


DEFAULT_ORGANISATION = "Ủy ban MTTQ Việt Nam thành phố"


class Settings(BaseSettings):
    """Every setting of the bot. `config.example.env` documents each one with its default."""

    model_config = SettingsConfigDict(
        env_prefix="NEWSBOT_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    bot_token: SecretStr | None = None
    telegram_api_url: str = TELEGRAM_API_URL
    # A SQLite file (the default) or a postgresql:// URL (several processes: README
    # "Several processes on PostgreSQL"); any other URL is refused, never taken as a file name.
    database: Path | str = Path("newsbot.db")
    sources_file: Path = Path("sources.toml")
    admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    poll_interval: float = Field(default=300.0, ge=1)
    timezone: str = "Asia/Ho_Chi_Minh"
    default_language: Literal["vi", "en"] = "vi"
    default_category: str = Field(default="Tin tức", min_length=1)
    # The publisher's full name as readers see it, with its city (SPEC 2): in the welcome,
    # /help and the bot's description on Telegram.
    organisation: str = Field(default=DEFAULT_ORGANISATION, min_length=1, max_length=100)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    # Fetching feeds: `fetch_timeout` bounds each network step (connect, each read),
    # `fetch_deadline` the whole fetch (a server trickling a byte a second never times out a
    # read); `max_feed_bytes` caps the body *after* decompression.
    fetch_timeout: float = Field(default=20.0, gt=0)
    fetch_deadline: float = Field(default=60.0, gt=0)
    max_feed_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    max_backoff: float = Field(default=6 * 3600.0, ge=1)
    # Sources polled at the same time (a slow source occupies one slot, never the others').
    poll_concurrency: int = Field(default=8, ge=1, le=256)
    # An archive file is read once it is this many seconds old (last write or change) or was
    # unchanged since the previous poll, so a file still being written is not stored half.
    archive_settle_seconds: float = Field(default=3.0, ge=0)

    # The bot's web server (bot/web): webhooks, article pages, photos, /healthz, /metrics.
    # public_url is where it is reachable from outside (behind a TLS reverse proxy).
    public_url: str | None = None
    web_listen: str = "127.0.0.1"
    web_port: int = Field(default=8080, ge=1, le=65535)
    # How Telegram updates arrive: "auto" = by webhook when public_url is set, else long polling.
    updates: Literal["auto", "webhook", "polling"] = "auto"
    # The webhook's X-Telegram-Bot-Api-Secret-Token; empty = derived from the bot token.
    webhook_secret: SecretStr | None = None
    # Deprecated (before the web server): migrated to public_url / web_listen / web_port.
    webhook_url: str | None = None
    webhook_listen: str | None = None
    webhook_port: int | None = Field(default=None, ge=1, le=65535)
    # /healthz answers 503 (and the admins are told once) when deliveries have been pending
    # this many seconds without a successful send, or no source has succeeded for as long.
    health_stuck_after: float = Field(default=900.0, ge=1)

    # Delivery pacing (Telegram's limits: https://core.telegram.org/bots/faq)
    delivery_rate: float = Field(default=30.0, gt=0)
    paid_broadcast: bool = False
    paid_broadcast_rate: float = Field(default=1000.0, gt=0, le=1000)
    private_chat_interval: float = Field(default=1.0, ge=0)
    group_messages_per_minute: int = Field(default=20, ge=1)
    delivery_concurrency: int = Field(default=32, ge=1, le=1024)
    # Push delivery: timeout of one send, failed attempts before a delivery is given up, and
    # the first retry delay (doubled after each failed attempt).
    # A text send's timeout is short: a timeout after the request went out is ambiguous (the
    # message may have arrived: a retry can duplicate it), so that window stays small; photos
    # (uploads, or a URL Telegram must fetch) get `delivery_upload_timeout`.
    delivery_timeout: float = Field(default=5.0, gt=0)
    delivery_upload_timeout: float = Field(default=30.0, gt=0)
    delivery_max_attempts: int = Field(default=5, ge=1, le=50)
    delivery_retry_base: float = Field(default=2.0, ge=1)
    # The flood rule: at most this many article cards per chat within the window (seconds);
    # the rest of a batch of new articles goes as one summary message. 0 = no rule.
    push_flood_limit: int = Field(default=5, ge=0, le=1000)
    push_flood_window: float = Field(default=600.0, ge=1)
    # PostgreSQL, several processes: a process's claim on the deliveries (and stored updates)
    # it is sending lasts this long and is renewed while it works; the claims of a process that
    # died return to the queue when their lease runs out.
    delivery_lease: float = Field(default=30.0, ge=2, le=3600)

    # The Zalo channel (SPEC 5a): empty token = no Zalo channel. Zalo user ids are strings.
    zalo_bot_token: SecretStr | None = None
    zalo_api_url: str = ZALO_API_URL
    zalo_webhook_secret: SecretStr | None = None
    zalo_admin_ids: Annotated[frozenset[str], NoDecode] = frozenset()
    # Zalo publishes no rate: messages per second overall, slowed down by every 429 ("Quota
    # exceeded") and recovering by itself (bot/zalo/throttle.py).
    zalo_rate: float = Field(default=10.0, gt=0, le=1000)
    # Seconds one Zalo request may take (a getUpdates long poll waits this much longer).
    zalo_timeout: float = Field(default=10.0, gt=0)

    # Admin tools: seconds between edits of a broadcast's progress message (no flood on the
    # admin's chat: Telegram allows about one message per second per chat, edits included).
    broadcast_progress_interval: float = Field(default=3.0, ge=0.2, le=60)

    # Lines for the log about deprecated settings that were migrated (the CLI logs them once
    # logging is configured).
    _notes: list[str] = PrivateAttr(default_factory=list)

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_admin_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p.strip() for p in value.split(",") if p.strip()]
            for part in parts:
                if not re.fullmatch(r"-?\d+", part):
                    raise ValueError(f"expected comma-separated Telegram user ids, got {part!r}")
            return frozenset(int(p) for p in parts)
        if isinstance(value, int):
            return frozenset({value})
        return value

    @field_validator("zalo_admin_ids", mode="before")
    @classmethod
    def _split_zalo_admin_ids(cls, value: object) -> object:
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if isinstance(value, str):
            parts = [p.strip() for p in value.split(",") if p.strip()]
            for part in parts:
                if not _ZALO_USER_ID.match(part):
                    raise ValueError(f"expected comma-separated Zalo user ids, got {part[:40]!r}")
            return frozenset(parts)
        if isinstance(value, list | tuple | set | frozenset):
            return frozenset(str(v) for v in value)
        return value

    @field_validator("database", mode="before")
    @classmethod
    def _database_target(cls, value: object) -> object:
        if isinstance(value, str):
            check_target(value)
            return value if is_postgres_url(value) else Path(value)
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (e.g. Asia/Ho_Chi_Minh)") from None
        return value

    @field_validator("zalo_api_url")
    @classmethod
    def _zalo_url(cls, value: str) -> str:
        if not value:
            return ZALO_API_URL
        if not re.match(r"^https?://[^/\s]+", value):
            raise ValueError(f"expected an http(s) URL, got {value!r}")
        return value.rstrip("/")

    @field_validator("telegram_api_url", "webhook_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and value != "" and not re.match(r"^https?://[^/\s]+", value):
            raise ValueError(f"expected an http(s) URL, got {value!r}")
        return value or None

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str | None) -> str | None:
        return _public_address(value)

    @field_validator("webhook_secret")
    @classmethod
    def _secret_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or value.get_secret_value() == "":
            return None
        if not _WEBHOOK_SECRET.match(value.get_secret_value()):
            raise ValueError("use 1-256 letters, digits, '_' or '-' (Telegram's rule)")
        return value

    @model_validator(mode="after")
    def _migrate_webhook_settings(self) -> Settings:
        """NEWSBOT_WEBHOOK_URL/LISTEN/PORT (before the web server) keep working, with a note."""
        if self.webhook_url:
            derived = self.webhook_url.rstrip("/").removesuffix(TELEGRAM_WEBHOOK_PATH)
            if self.public_url is None:
                self.public_url = _public_address(derived)
                self._notes.append(
                    f"NEWSBOT_WEBHOOK_URL is deprecated: using NEWSBOT_PUBLIC_URL={self.public_url}"
                    f" (Telegram now posts to {self.public_url}{TELEGRAM_WEBHOOK_PATH}); "
                    "set NEWSBOT_PUBLIC_URL instead")
            else:
                self._notes.append("NEWSBOT_WEBHOOK_URL is deprecated and ignored: "
                                   "NEWSBOT_PUBLIC_URL is set")
        for old, new in (("webhook_listen", "web_listen"), ("webhook_port", "web_port")):
            value = getattr(self, old)
            if value is None:
                continue
            if new in self.model_fields_set:
                self._notes.append(f"NEWSBOT_{old.upper()} is deprecated and ignored: "
                                   f"NEWSBOT_{new.upper()} is set")
            else:
                setattr(self, new, value)
                self._notes.append(f"NEWSBOT_{old.upper()} is deprecated: "
                                   f"use NEWSBOT_{new.upper()}={value}")
        insecure = (self.webhook_mode and self.public_url is not None
                    and self.public_url.startswith("http://"))
        if insecure and self.telegram_enabled and is_telegram_api(self.telegram_api_url):
            raise ValueError(
                "NEWSBOT_PUBLIC_URL: Telegram posts webhooks only to https:// addresses "
                "(http:// works with a local Bot API server or the sandbox); put the bot "
                "behind a TLS reverse proxy, or set NEWSBOT_UPDATES=polling")
        if insecure and self.zalo_enabled and is_zalo_api(self.zalo_api_url):
            raise ValueError(
                "NEWSBOT_PUBLIC_URL: Zalo posts webhooks only to https:// addresses (http:// "
                "works with the sandbox); put the bot behind a TLS reverse proxy, or set "
                "NEWSBOT_UPDATES=polling")
        if self.updates == "webhook" and self.public_url is None:
            raise ValueError("NEWSBOT_UPDATES: webhook needs NEWSBOT_PUBLIC_URL (the address "
                             "Telegram posts to)")
        return self

    @field_validator("bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or value.get_secret_value() == "":
            return None
        if not _TOKEN_SHAPE.match(value.get_secret_value()):
            # Never echo the value: it may be a real token with a typo.
            raise ValueError("not a bot token (expected '<digits>:<secret>' from @BotFather)")
        return value

    @field_validator("zalo_bot_token")
    @classmethod
    def _zalo_token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or value.get_secret_value() == "":
            return None
        if not _ZALO_TOKEN_SHAPE.match(value.get_secret_value()):
            # Never echo the value.
            raise ValueError("not a Zalo bot token (copy it whole from Zalo Bot Creator: "
                             "letters, digits and ':' only)")
        return value

    @field_validator("zalo_webhook_secret")
    @classmethod
    def _zalo_secret_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or value.get_secret_value() == "":
            return None
        if not _ZALO_WEBHOOK_SECRET.match(value.get_secret_value()):
            raise ValueError("use 8-256 letters, digits, '_' or '-'")
        return value

    @property
    def telegram_enabled(self) -> bool:
        """Telegram is served: its token is set, or no channel is configured at all (then the
        Telegram commands name the missing NEWSBOT_BOT_TOKEN, as they always did)."""
        return self.bot_token is not None or self.zalo_bot_token is None

    @property
    def zalo_enabled(self) -> bool:
        """Zalo is served: NEWSBOT_ZALO_BOT_TOKEN is set."""
        return self.zalo_bot_token is not None

    @property
    def zalo_webhook_endpoint(self) -> str | None:
        """The URL given to Zalo's setWebhook: NEWSBOT_PUBLIC_URL + "/zalo"."""
        return f"{self.public_url}{ZALO_WEBHOOK_PATH}" if self.public_url else None

    def zalo_token(self) -> str:
        """The Zalo bot token, or ConfigError when it is not set."""
        if self.zalo_bot_token is None:
            raise ConfigError("NEWSBOT_ZALO_BOT_TOKEN: not set (get one from Zalo Bot Creator)")
        return self.zalo_bot_token.get_secret_value()

    def zalo_webhook_secret_token(self) -> str:
        """NEWSBOT_ZALO_WEBHOOK_SECRET, or one derived from the Zalo token (stable across
        restarts, unguessable without the token)."""
        if self.zalo_webhook_secret is not None:
            return self.zalo_webhook_secret.get_secret_value()
        return hmac.new(self.zalo_token().encode(), b"newsbot zalo webhook secret",
                        hashlib.sha256).hexdigest()

    def secrets(self) -> list[str]:
        """Every secret value a log line must never show (tokens, webhook secrets, the
        database's password)."""
        found: list[str] = []
        if password := password_of(self.database):
            found.append(password)
        if self.bot_token is not None:
            found += [self.bot_token.get_secret_value(), self.webhook_secret_token()]
        if self.zalo_bot_token is not None:
            found += [self.zalo_bot_token.get_secret_value(), self.zalo_webhook_secret_token()]
        return found

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def notes(self) -> list[str]:
        """What was migrated from deprecated settings (one log line each)."""
        return list(self._notes)

    @property
    def webhook_mode(self) -> bool:
        """True when Telegram updates arrive by webhook at `webhook_endpoint`."""
        if self.updates == "auto":
            return self.public_url is not None
        return self.updates == "webhook"

    @property
    def webhook_endpoint(self) -> str | None:
        """The URL given to Telegram's setWebhook: NEWSBOT_PUBLIC_URL + "/telegram"."""
        return f"{self.public_url}{TELEGRAM_WEBHOOK_PATH}" if self.public_url else None

    def webhook_secret_token(self) -> str:
        """NEWSBOT_WEBHOOK_SECRET, or one derived from the bot token (stable across restarts
        and processes, unguessable without the token; hex is within Telegram's alphabet)."""
        if self.webhook_secret is not None:
            return self.webhook_secret.get_secret_value()
        return hmac.new(self.token().encode(), b"newsbot webhook secret",
                        hashlib.sha256).hexdigest()

    def token(self) -> str:
        """The bot token, or ConfigError when it is not set."""
        if self.bot_token is None:
            raise ConfigError("NEWSBOT_BOT_TOKEN: not set (get one from @BotFather)")
        return self.bot_token.get_secret_value()


def load_settings(**overrides: object) -> Settings:
    """Read the settings from the environment and `.env`; ConfigError names the bad setting.

    A NEWSBOT_ variable that names no setting is not an error (the bot still starts), but it is
    most likely a typo that silently leaves a default in place: it gets a note (logged by the
    CLI) with the closest real setting.
    """
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise ConfigError(_first_error(exc, env_prefix="NEWSBOT_")) from None
    env_files = _env_files(overrides.get("_env_file", Settings.model_config.get("env_file")))
    settings._notes.extend(unknown_settings(os.environ, env_files))
    if settings.public_url is not None and settings.public_url.endswith(TELEGRAM_WEBHOOK_PATH):
        settings._notes.append(
            f"NEWSBOT_PUBLIC_URL ends in {TELEGRAM_WEBHOOK_PATH}: the bot adds that path itself "
            f"(the webhook is {settings.webhook_endpoint}); give the address without it")
    return settings


def unknown_settings(environ: Mapping[str, str], env_files: list[Path]) -> list[str]:
    """One line per NEWSBOT_ variable (of the environment, then of each env file) that names no
    setting, with the closest setting's name. Only names are shown, never values (a misspelt
    NEWSBOT_BOT_TOKEN holds a secret)."""
    prefix = "NEWSBOT_"
    # Every field is still read, deprecated ones included (NEWSBOT_WEBHOOK_URL...): those get
    # their own deprecation note, not this one. Names are case-insensitive for pydantic-settings.
    known = [name.upper() for name in Settings.model_fields]
    places: list[tuple[str, list[str]]] = [("the environment", list(environ))]
    for path in env_files:
        if path.is_file():
            places.append((str(path), [k for k in dotenv_values(path, encoding="utf-8") if k]))
    notes: list[str] = []
    reported: set[str] = set()
    for where, names in places:
        for name in names:
            upper = name.upper()
            if not upper.startswith(prefix) or upper in reported:
                continue
            setting = upper.removeprefix(prefix)
            if setting in known:
                continue
            reported.add(upper)
            # Matched without the shared prefix, which would make every name look alike.
            close = difflib.get_close_matches(setting, known, n=1)
            hint = (f"; did you mean {prefix}{close[0]}?" if close
                    else " (config.example.env lists every setting)")
            notes.append(f"{name} in {where} is not a setting{hint}")
    return notes


def _env_files(value: object) -> list[Path]:
    """The env files pydantic-settings reads for `_env_file` / `env_file` (None: none)."""
    if value is None:
        return []
    if isinstance(value, str | os.PathLike):
        return [Path(value)]
    if isinstance(value, list | tuple):
        return [Path(v) for v in value]
    return []


def _first_error(exc: ValidationError, *, env_prefix: str = "", where: str = "") -> str:
    err = exc.errors(include_url=False, include_input=False)[0]
    loc = ".".join(str(p) for p in err["loc"])
    name = f"{env_prefix}{loc.upper()}" if env_prefix else loc
    msg = str(err["msg"]).removeprefix("Value error, ")
    extra = f" ({exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    if not loc:  # a check across settings: its message names them
        return f"{where}{msg}{extra}"
    return f"{where}{name}: {msg}{extra}"


class SourceConfig(BaseModel):
    """One `[[source]]` of the sources file. Relative paths are relative to the sources file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    kind: Literal["rss", "archive"]
    url: str | None = None
    path: Path | None = None
    category: str | None = None
    # The source's own site(s), beside a remote feed's own host: the hosts its articles' links
    # and guids may name (see bot/ingest/validate.py).
    hosts: tuple[str, ...] = ()
    # The feed's category names onto the publisher's (bot/ingest/categories.py): "feed name" =
    # "publisher's name", and/or "publisher's name" = ["feed name", ...]. Compared without
    # accents, case or punctuation.
    category_map: dict[str, str] = Field(default_factory=dict)
    category_aliases: dict[str, tuple[str, ...]] = Field(default_factory=dict)

    @field_validator("name")
    @classmethod
    def _name_shape(cls, value: str) -> str:
        if not _SOURCE_NAME.match(value):
            raise ValueError("use letters, digits, '.', '_' or '-' (at most 64)")
        return value

    @field_validator("hosts")
    @classmethod
    def _host_names(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        hosts: list[str] = []
        for raw in value:
            host = raw.strip().lower().rstrip(".")
            if not _HOST_NAME.fullmatch(host):
                raise ValueError(f"{raw!r} is not a host name (e.g. \"mattran.example.vn\", no "
                                 "scheme or path)")
            hosts.append(host)
        return tuple(hosts)

    @field_validator("category_map", "category_aliases")
    @classmethod
    def _category_names(cls, value: dict[str, object]) -> dict[str, object]:
        for key, target in value.items():
            names = target if isinstance(target, tuple) else (target,)
            if not category_key(key) or not all(category_key(str(n)) for n in names):
                raise ValueError("category names must not be empty (or only punctuation)")
        return value

    @model_validator(mode="after")
    def _categories_mapped_once(self) -> SourceConfig:
        targets: dict[str, str] = {}
        pairs = list(self.category_map.items())
        pairs += [(a, target) for target, names in self.category_aliases.items() for a in names]
        for name, target in pairs:
            known = targets.setdefault(category_key(name), target)
            if category_key(known) != category_key(target):
                raise ValueError(f"category {name!r} is mapped twice, to {known!r} and to "
                                 f"{target!r} (category_map / category_aliases)")
        return self

    @model_validator(mode="after")
    def _location_given(self) -> SourceConfig:
        if self.kind == "rss" and not (self.url or self.path):
            raise ValueError("an rss source needs `url` (http(s) URL or local file path)")
        if self.kind == "archive" and self.path is None:
            raise ValueError("an archive source needs `path` (a folder of saved pages)")
        return self

    @property
    def own_hosts(self) -> frozenset[str]:
        """The hosts of the source's own site: a remote feed's host, plus `hosts`."""
        found = set(self.hosts)
        if self.is_remote:
            assert self.url is not None
            host = urlsplit(self.url).hostname
            if host:
                found.add(host.lower().rstrip("."))
        return frozenset(found)

    @property
    def is_remote(self) -> bool:
        return self.url is not None and re.match(r"^https?://", self.url) is not None

    @property
    def location(self) -> str:
        """Where it reads from: the URL, or the local path."""
        if self.is_remote:
            assert self.url is not None
            return self.url
        return str(self.local_path)

    @property
    def local_path(self) -> Path:
        if self.path is not None:
            return self.path
        assert self.url is not None
        return Path(self.url.removeprefix("file://"))


class _SourcesFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    source: list[SourceConfig] = Field(default_factory=list)


def load_sources(path: Path) -> list[SourceConfig]:
    """Read and validate the sources file; ConfigError says which source and what is wrong."""
    where = f"{path}: "
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"NEWSBOT_SOURCES_FILE: {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"NEWSBOT_SOURCES_FILE: cannot read {path}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{where}not valid TOML: {exc}") from None
    try:
        parsed = _SourcesFile.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(_first_error(exc, where=where)) from None
    seen: set[str] = set()
    resolved: list[SourceConfig] = []
    for src in parsed.source:
        if src.name in seen:
            raise ConfigError(f"{where}source {src.name!r} is defined twice (names must be unique)")
        seen.add(src.name)
        resolved.append(_resolve_paths(src, path.parent))
    if not resolved:
        raise ConfigError(f"{where}no [[source]] defined")
    return resolved


def _resolve_paths(src: SourceConfig, base: Path) -> SourceConfig:
    if src.path is not None and not src.path.is_absolute():
        return src.model_copy(update={"path": (base / src.path).resolve()})
    if src.url is not None and not src.is_remote:
        local = Path(src.url.removeprefix("file://"))
        if not local.is_absolute():
            return src.model_copy(update={"url": None, "path": (base / local).resolve()})
        return src.model_copy(update={"url": None, "path": local})
    return src

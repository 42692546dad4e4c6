"""The web server's settings: NEWSBOT_PUBLIC_URL, NEWSBOT_WEB_LISTEN/PORT, NEWSBOT_UPDATES, the
webhook secret, and the old NEWSBOT_WEBHOOK_* settings still working (with a note)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import ConfigError, is_telegram_api, load_settings

TOKEN = "123456:ABCDEFGHIJKLMNOP_qrstu"


def test_defaults_serve_locally_and_poll() -> None:
    settings = load_settings()
    assert (settings.web_listen, settings.web_port) == ("127.0.0.1", 8080)
    assert settings.public_url is None
    assert not settings.webhook_mode
    assert settings.webhook_endpoint is None
    assert settings.health_stuck_after == 900
    assert settings.notes == []


def test_public_url_means_webhook(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSBOT_PUBLIC_URL", "https://bot.example.org/")
    monkeypatch.setenv("NEWSBOT_BOT_TOKEN", TOKEN)
    settings = load_settings()
    assert settings.public_url == "https://bot.example.org"
    assert settings.webhook_mode
    assert settings.webhook_endpoint == "https://bot.example.org/telegram"
    # No secret configured: one derived from the token, stable, in Telegram's alphabet.
    secret = settings.webhook_secret_token()
    assert secret == load_settings().webhook_secret_token()
    assert secret.isalnum()
    assert TOKEN not in secret
    monkeypatch.setenv("NEWSBOT_UPDATES", "polling")
    assert not load_settings().webhook_mode


def test_old_webhook_settings_are_migrated_with_a_note(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSBOT_WEBHOOK_URL", "https://bot.example.org/telegram")
    monkeypatch.setenv("NEWSBOT_WEBHOOK_LISTEN", "0.0.0.0")
    monkeypatch.setenv("NEWSBOT_WEBHOOK_PORT", "8443")
    settings = load_settings()
    assert settings.public_url == "https://bot.example.org"
    assert settings.webhook_endpoint == "https://bot.example.org/telegram"
    assert (settings.web_listen, settings.web_port) == ("0.0.0.0", 8443)
    assert settings.webhook_mode
    notes = " ".join(settings.notes)
    assert "NEWSBOT_WEBHOOK_URL is deprecated: using NEWSBOT_PUBLIC_URL=https://bot.example.org" \
        in notes
    assert "use NEWSBOT_WEB_LISTEN=0.0.0.0" in notes
    assert "use NEWSBOT_WEB_PORT=8443" in notes


def test_an_old_webhook_url_at_the_root_now_reaches_the_bot(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # The old bot listened on /telegram whatever the URL said: Telegram got 404 for this one.
    monkeypatch.setenv("NEWSBOT_WEBHOOK_URL", "https://bot.example.org/")
    assert load_settings().webhook_endpoint == "https://bot.example.org/telegram"


def test_new_settings_win_over_old_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSBOT_PUBLIC_URL", "https://new.example.org")
    monkeypatch.setenv("NEWSBOT_WEBHOOK_URL", "https://old.example.org/telegram")
    monkeypatch.setenv("NEWSBOT_WEB_PORT", "9000")
    monkeypatch.setenv("NEWSBOT_WEBHOOK_PORT", "8443")
    settings = load_settings()
    assert settings.public_url == "https://new.example.org"
    assert settings.web_port == 9000
    assert any("NEWSBOT_WEBHOOK_URL is deprecated and ignored" in n for n in settings.notes)
    assert any("NEWSBOT_WEBHOOK_PORT is deprecated and ignored" in n for n in settings.notes)


def test_http_webhook_only_with_a_bot_api_that_is_not_telegrams(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSBOT_PUBLIC_URL", "http://bot.example.org")
    with pytest.raises(ConfigError) as refused:
        load_settings()
    assert str(refused.value).startswith("NEWSBOT_PUBLIC_URL: Telegram posts webhooks only to "
                                         "https://")
    monkeypatch.setenv("NEWSBOT_TELEGRAM_API_URL", "http://127.0.0.1:8081/bot")
    assert load_settings().webhook_mode  # a local Bot API server or the sandbox
    monkeypatch.delenv("NEWSBOT_TELEGRAM_API_URL")
    monkeypatch.setenv("NEWSBOT_UPDATES", "polling")  # pages over http, updates by polling
    assert not load_settings().webhook_mode


@pytest.mark.parametrize(
    ("url", "telegram"),
    [("https://api.telegram.org/bot", True), ("https://api.telegram.org:443/bot", True),
     ("http://127.0.0.1:8081/bot", False), ("https://api.telegram.org.evil.example/bot", False),
     ("https://tg.example.org/bot", False)],
)
def test_is_telegram_api(url: str, telegram: bool) -> None:
    assert is_telegram_api(url) is telegram


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("NEWSBOT_PUBLIC_URL", "bot.example.org", "NEWSBOT_PUBLIC_URL: expected the bot's"),
        ("NEWSBOT_PUBLIC_URL", "https://bot.example.org/?x=1", "NEWSBOT_PUBLIC_URL: expected"),
        ("NEWSBOT_WEB_PORT", "70000", "NEWSBOT_WEB_PORT:"),
        ("NEWSBOT_UPDATES", "sometimes", "NEWSBOT_UPDATES:"),
        ("NEWSBOT_WEBHOOK_SECRET", "has spaces", "NEWSBOT_WEBHOOK_SECRET: use 1-256"),
        ("NEWSBOT_HEALTH_STUCK_AFTER", "0", "NEWSBOT_HEALTH_STUCK_AFTER:"),
    ],
)
def test_bad_web_setting_names_itself(monkeypatch: pytest.MonkeyPatch, name: str, value: str,
                                      expected: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as refused:
        load_settings()
    assert str(refused.value).startswith(expected)


def test_webhook_without_public_url_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSBOT_UPDATES", "webhook")
    with pytest.raises(ConfigError, match="NEWSBOT_UPDATES: webhook needs NEWSBOT_PUBLIC_URL"):
        load_settings()


def test_the_webhook_secret_never_appears_in_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSBOT_WEBHOOK_SECRET", "super secret!")
    with pytest.raises(ConfigError) as refused:
        load_settings()
    assert "super" not in str(refused.value)


def test_cli_logs_the_migration_note(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "NEWSBOT_WEBHOOK_PORT": "8443",
           "NEWSBOT_SOURCES_FILE": str(tmp_path / "none.toml")}
    done = subprocess.run([sys.executable, "-m", "bot", "ingest"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=60, check=False)
    assert "NEWSBOT_WEBHOOK_PORT is deprecated: use NEWSBOT_WEB_PORT=8443" in done.stderr

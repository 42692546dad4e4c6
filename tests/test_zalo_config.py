"""The Zalo settings (SPEC 2): the token (a secret, never echoed), the API URL, the webhook secret,
admins by Zalo id, the pacing; Zalo alone needs no Telegram token; every setting documented."""

from __future__ import annotations

import re

import pytest

from bot.config import ZALO_API_URL, ConfigError, Settings, is_zalo_api, load_settings
from bot.run import admins_of
from tests.conftest import REPO

ZALO_TOKEN = "7000001:zalo-test-token-for-the-sandbox"


def test_defaults_have_no_zalo_channel() -> None:
    settings = Settings()
    assert not settings.zalo_enabled
    assert settings.telegram_enabled
    assert settings.zalo_api_url == ZALO_API_URL == "https://bot-api.zaloplatforms.com/bot"
    assert settings.zalo_rate == 10.0
    assert settings.zalo_admin_ids == frozenset()


def test_zalo_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSBOT_ZALO_BOT_TOKEN", ZALO_TOKEN)
    monkeypatch.setenv("NEWSBOT_ZALO_ADMIN_IDS", " 8412034, abc_DEF-1 ")
    monkeypatch.setenv("NEWSBOT_ZALO_RATE", "4.5")
    settings = load_settings()
    assert settings.zalo_enabled
    assert not settings.telegram_enabled  # no Telegram token needed
    assert settings.zalo_token() == ZALO_TOKEN
    assert settings.zalo_admin_ids == frozenset({"8412034", "abc_DEF-1"})
    assert settings.zalo_rate == 4.5
    admins = admins_of(settings)
    assert {(u.channel, u.id) for u in admins.users} == {("zalo", "8412034"),
                                                         ("zalo", "abc_DEF-1")}
    assert admins.alert_chat() is not None
    assert admins.alert_chat().channel == "zalo"  # type: ignore[union-attr]
    # Secrets: the token and the webhook secret derived from it (stable, never the token).
    secret = settings.zalo_webhook_secret_token()
    assert secret == load_settings().zalo_webhook_secret_token()
    assert ZALO_TOKEN not in secret
    assert set(settings.secrets()) == {ZALO_TOKEN, secret}


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [("NEWSBOT_ZALO_BOT_TOKEN", "a real token with spaces", "not a Zalo bot token"),
     ("NEWSBOT_ZALO_ADMIN_IDS", "123, @someone", "expected comma-separated Zalo user ids"),
     ("NEWSBOT_ZALO_RATE", "0", "greater than 0"),
     ("NEWSBOT_ZALO_API_URL", "ftp://zalo", "expected an http(s) URL"),
     ("NEWSBOT_ZALO_WEBHOOK_SECRET", "short", "8-256")],
)
def test_bad_zalo_settings_name_themselves(monkeypatch: pytest.MonkeyPatch, name: str,
                                           value: str, says: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as bad:
        load_settings()
    assert str(bad.value).startswith(f"{name}: ")
    assert says in str(bad.value)
    if name == "NEWSBOT_ZALO_BOT_TOKEN":
        assert value not in str(bad.value)


def test_zalo_webhooks_need_https_except_with_the_sandbox(monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    monkeypatch.setenv("NEWSBOT_ZALO_BOT_TOKEN", ZALO_TOKEN)
    monkeypatch.setenv("NEWSBOT_PUBLIC_URL", "http://bot.example.org")
    with pytest.raises(ConfigError) as refused:
        load_settings()
    assert "Zalo posts webhooks only to https://" in str(refused.value)
    monkeypatch.setenv("NEWSBOT_ZALO_API_URL", "http://127.0.0.1:8081/zalo/bot")
    settings = load_settings()  # the sandbox takes http; and Telegram is not served
    assert settings.zalo_webhook_endpoint == "http://bot.example.org/zalo"
    monkeypatch.setenv("NEWSBOT_PUBLIC_URL", "https://bot.example.org")
    monkeypatch.delenv("NEWSBOT_ZALO_API_URL")
    assert load_settings().zalo_webhook_endpoint == "https://bot.example.org/zalo"


@pytest.mark.parametrize(("url", "zalo"), [
    ("https://bot-api.zaloplatforms.com/bot", True), ("https://bot-api.zapps.me/bot", True),
    ("http://127.0.0.1:8081/zalo/bot", False), ("https://zaloplatforms.com.evil.example", False)])
def test_is_zalo_api(url: str, zalo: bool) -> None:
    assert is_zalo_api(url) is zalo


def test_config_example_documents_every_setting() -> None:
    documented = set(re.findall(r"^#?\s*(NEWSBOT_[A-Z_]+)=", (REPO / "config.example.env")
                                .read_text(encoding="utf-8"), re.MULTILINE))
    zalo = {f"NEWSBOT_{name.upper()}" for name in Settings.model_fields if name.startswith("zalo")}
    assert zalo
    assert zalo <= documented

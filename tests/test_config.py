"""Settings and the sources file: good values load, each bad one is named in one line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings, load_sources


def test_defaults() -> None:
    settings = load_settings()
    assert settings.poll_interval == 300
    assert settings.timezone == "Asia/Ho_Chi_Minh"
    assert settings.default_language == "vi"
    assert settings.admin_ids == frozenset()
    assert settings.bot_token is None


def test_env_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSBOT_ADMIN_IDS", "11, 22,33")
    monkeypatch.setenv("NEWSBOT_POLL_INTERVAL", "1")
    monkeypatch.setenv("NEWSBOT_BOT_TOKEN", "123456:ABCDEFGHIJKLMNOP_qrstu")
    settings = load_settings()
    assert settings.admin_ids == frozenset({11, 22, 33})
    assert settings.poll_interval == 1
    assert settings.token() == "123456:ABCDEFGHIJKLMNOP_qrstu"
    assert "ABCDEFGHIJKLMNOP" not in repr(settings)


def test_dotenv_file_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("NEWSBOT_DEFAULT_LANGUAGE=en\n", encoding="utf-8")
    assert load_settings().default_language == "en"


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("NEWSBOT_POLL_INTERVAL", "0", "NEWSBOT_POLL_INTERVAL: Input should be greater than"),
        ("NEWSBOT_POLL_INTERVAL", "soon", "NEWSBOT_POLL_INTERVAL:"),
        ("NEWSBOT_ADMIN_IDS", "12,@admin", "NEWSBOT_ADMIN_IDS: expected comma-separated"),
        ("NEWSBOT_TIMEZONE", "Mars/Base", "NEWSBOT_TIMEZONE: unknown time zone"),
        ("NEWSBOT_DEFAULT_LANGUAGE", "fr", "NEWSBOT_DEFAULT_LANGUAGE:"),
        ("NEWSBOT_TELEGRAM_API_URL", "ftp://x", "NEWSBOT_TELEGRAM_API_URL: expected an http"),
        ("NEWSBOT_BOT_TOKEN", "your-token-here", "NEWSBOT_BOT_TOKEN: not a bot token"),
    ],
)
def test_bad_setting_names_itself(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, expected: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert str(info.value).startswith(expected)
    assert "\n" not in str(info.value)


def test_misspelt_setting_is_named_with_the_closest(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSBOT_POLL_INTERVALL", "60")
    settings = load_settings()
    assert settings.poll_interval == 300  # ignored, as before: only named
    assert settings.notes == ["NEWSBOT_POLL_INTERVALL in the environment is not a setting; "
                              "did you mean NEWSBOT_POLL_INTERVAL?"]


def test_misspelt_setting_in_dotenv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".env").write_text(
        "# a comment\nOTHER_TOOL=1\nNEWSBOT_ADMIN_ID=12\nNEWSBOT_LOG_LEVEL=DEBUG\n"
        "export NEWSBOT_DEFALT_LANGUAGE=en\n", encoding="utf-8")
    assert load_settings().notes == [
        "NEWSBOT_ADMIN_ID in .env is not a setting; did you mean NEWSBOT_ADMIN_IDS?",
        "NEWSBOT_DEFALT_LANGUAGE in .env is not a setting; did you mean "
        "NEWSBOT_DEFAULT_LANGUAGE?",
    ]
    assert load_settings(_env_file=None).notes == []  # no .env read, none named


def test_unknown_setting_without_a_close_one_shows_no_value(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSBOT_BOT_TOKN", "123456:ABCDEFGHIJKLMNOP_qrstu")
    monkeypatch.setenv("NEWSBOT_XYZZY", "secret-looking-value")
    notes = load_settings().notes
    assert notes == [
        "NEWSBOT_BOT_TOKN in the environment is not a setting; did you mean NEWSBOT_BOT_TOKEN?",
        "NEWSBOT_XYZZY in the environment is not a setting (config.example.env lists every "
        "setting)",
    ]
    assert not any("ABCDEFGHIJKLMNOP" in n or "secret-looking" in n for n in notes)


def test_settings_still_read_get_no_misspelling_note(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSBOT_WEBHOOK_PORT", "8443")  # deprecated, still read
    monkeypatch.setenv("newsbot_log_level", "DEBUG")  # pydantic-settings ignores the case
    settings = load_settings()
    assert settings.log_level == "DEBUG"
    assert settings.notes == ["NEWSBOT_WEBHOOK_PORT is deprecated: use NEWSBOT_WEB_PORT=8443"]


def test_public_url_with_the_webhook_path_gets_a_note(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSBOT_PUBLIC_URL", "https://bot.example.org/telegram")
    assert load_settings().notes == [
        "NEWSBOT_PUBLIC_URL ends in /telegram: the bot adds that path itself (the webhook is "
        "https://bot.example.org/telegram/telegram); give the address without it"]
    monkeypatch.setenv("NEWSBOT_PUBLIC_URL", "https://bot.example.org")
    assert load_settings().notes == []


def test_bad_token_is_not_echoed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSBOT_BOT_TOKEN", "123:short-secret-value!")
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert "short-secret-value" not in str(info.value)


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_sources_file_resolves_relative_paths(tmp_path: Path) -> None:
    path = _write(tmp_path, """
[[source]]
name = "mattran-hp"
kind = "rss"
url = "https://example.org/rss"
category = "Tin tức"
[[source]]
name = "luu-tru"
kind = "archive"
path = "data/archive"
[[source]]
name = "local-feed"
kind = "rss"
url = "feeds/a.xml"
""")
    rss, archive, local = load_sources(path)
    assert rss.is_remote
    assert rss.location == "https://example.org/rss"
    assert rss.category == "Tin tức"
    assert archive.local_path == (tmp_path / "data/archive").resolve()
    assert not local.is_remote
    assert local.local_path == (tmp_path / "feeds/a.xml").resolve()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[[source]\nname=1", "not valid TOML"),
        ('[[source]]\nname = "a"\nkind = "ftp"\nurl = "x"', "source.0.kind"),
        ('[[source]]\nname = "a"\nkind = "rss"', "an rss source needs `url`"),
        ('[[source]]\nname = "a"\nkind = "archive"', "an archive source needs `path`"),
        ('[[source]]\nname = "a b"\nkind = "archive"\npath = "x"', "source.0.name"),
        ('[[source]]\nname = "a"\nkind = "archive"\npath = "x"\ncolour = 1', "source.0.colour"),
        ('[[source]]\nname = "a"\nkind = "archive"\npath = "x"\n'
         '[[source]]\nname = "a"\nkind = "archive"\npath = "y"', "defined twice"),
        ("", "no [[source]] defined"),
    ],
)
def test_bad_sources_file(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(ConfigError, match=None) as info:
        load_sources(_write(tmp_path, text))
    assert expected in str(info.value)
    assert "\n" not in str(info.value)


def test_missing_sources_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="NEWSBOT_SOURCES_FILE: .* does not exist"):
        load_sources(tmp_path / "nope.toml")


def test_cli_bad_setting_exits_2_with_one_line(tmp_path: Path) -> None:
    env = {"NEWSBOT_POLL_INTERVAL": "-5", "PATH": "/usr/bin:/bin"}
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "ingest"], env=env, cwd=tmp_path,
        capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0
    assert "NEWSBOT_POLL_INTERVAL" in proc.stderr


def test_cli_usage_error_exits_2(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "bot", "frobnicate"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2

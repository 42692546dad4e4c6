"""The channel seam holds: only the Telegram adapter imports python-telegram-bot, only the Zalo
adapter uses its API client, the adapters do not import each other, the channel-neutral core
imports nothing of a channel, and the core's texts carry no Telegram HTML."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from bot.i18n import LANGUAGES
from tests.conftest import REPO

APP_PACKAGES = ("bot", "handlers", "storage")
TELEGRAM_PACKAGE = Path("bot/telegram")
ZALO_PACKAGE = Path("bot/zalo")
# Channel code the core must not import: the adapters and the channels' renderers.
CHANNEL_MODULES = ("bot.telegram", "bot.render.telegram", "telegram", "bot.zalo",
                   "bot.render.zalo")
# Besides the adapters: the renderers, the fake Telegram/Zalo server, and the entry points that
# start the bot on its channels (the CLI, `bot.run` behind `newsbot run`, the terminal demo).
NOT_CORE = (TELEGRAM_PACKAGE, ZALO_PACKAGE, Path("bot/render"), Path("bot/sandbox"),
            Path("bot/cli.py"), Path("bot/demo.py"), Path("bot/run.py"))
# Telegram's HTML: its tags and the entities it needs escaped text to use.
TELEGRAM_HTML = re.compile(
    r"</?(b|strong|i|em|u|ins|s|strike|del|a|code|pre|blockquote|tg-spoiler|tg-emoji|span)"
    r"(\s[^>]*)?>|&(lt|gt|amp|quot|#\d+|#x[0-9a-f]+);", re.IGNORECASE)


def _modules() -> list[Path]:
    return sorted(p.relative_to(REPO) for package in APP_PACKAGES
                  for p in (REPO / package).rglob("*.py"))


def _imports(path: Path) -> set[str]:
    tree = ast.parse((REPO / path).read_text(encoding="utf-8"), str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _within(path: Path, parent: Path) -> bool:
    return path == parent or parent in path.parents


def _imports_any(imported: set[str], modules: tuple[str, ...]) -> list[str]:
    return sorted(name for name in imported
                  if any(name == m or name.startswith(m + ".") for m in modules))


def test_only_the_telegram_package_imports_python_telegram_bot() -> None:
    offenders = {
        str(path): _imports_any(_imports(path), ("telegram",))
        for path in _modules() if not _within(path, TELEGRAM_PACKAGE)
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def test_the_core_imports_nothing_of_a_channel() -> None:
    core = [path for path in _modules() if not any(_within(path, p) for p in NOT_CORE)]
    assert len(core) > 40  # the scan does look at the core
    offenders = {str(path): _imports_any(_imports(path), CHANNEL_MODULES) for path in core}
    assert {path: names for path, names in offenders.items() if names} == {}


def test_only_the_zalo_package_uses_its_api_client() -> None:
    """Everything sent to Zalo goes through the adapter (its sender, its pacer): nothing else
    calls the Zalo API, nor imports the adapter's internals (only `bot.run` and the demo start
    its channel)."""
    client = ("bot.zalo.client",)
    offenders = {str(path): _imports_any(_imports(path), client)
                 for path in _modules() if not _within(path, ZALO_PACKAGE)}
    assert {path: names for path, names in offenders.items() if names} == {}
    starters = {str(path): _imports_any(_imports(path), ("bot.zalo",))
                for path in _modules() if not _within(path, ZALO_PACKAGE)}
    assert {path for path, names in starters.items() if names} <= {"bot/run.py"}


def test_the_adapters_do_not_import_each_other() -> None:
    zalo = {str(path): _imports_any(_imports(path), ("bot.telegram", "bot.render.telegram",
                                                     "telegram"))
            for path in _modules() if _within(path, ZALO_PACKAGE)}
    assert len(zalo) >= 6
    assert {path: names for path, names in zalo.items() if names} == {}
    telegram = {str(path): _imports_any(_imports(path), ("bot.zalo", "bot.render.zalo"))
                for path in _modules() if _within(path, TELEGRAM_PACKAGE)}
    assert {path: names for path, names in telegram.items() if names} == {}


def test_the_seam_guard_can_fail() -> None:
    """The scan finds an import of telegram where there is one."""
    assert _imports_any(_imports(Path("bot/telegram/sender.py")), ("telegram",))
    assert _imports_any({"telegram.ext"}, CHANNEL_MODULES) == ["telegram.ext"]
    assert _imports_any(_imports(Path("bot/zalo/sender.py")), ("bot.zalo.client",))
    assert _imports_any({"bot.zalo.client.ZaloClient"}, CHANNEL_MODULES)
    assert TELEGRAM_HTML.search("x <b>y</b>")
    assert TELEGRAM_HTML.search("a &lt; b")
    assert not TELEGRAM_HTML.search("**y** < b & c, /search <từ khóa>")


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
def test_the_core_texts_carry_no_telegram_html(lang: str) -> None:
    texts = LANGUAGES[lang]
    assert len(texts) > 150
    found = {key: text for key, text in texts.items() if TELEGRAM_HTML.search(text)}
    assert found == {}

"""OPML (issue 15): `newsbot sources import FILE` adds the feeds as sources (the chat's
changes, over the sources file), `newsbot sources export` writes what is polled; an admin gets
the export as a document in the chat (/exportsources), through the sandbox."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from bot.cli import main
from bot.ingest.opml import parse_opml
from tests.bothelper import ADMIN_ID, bot_on_sandbox, text_of

OPML = """<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0"><head><title>Nguồn tin của tôi</title></head><body>
  <outline text="Thời sự" title="Thời sự">
    <outline type="rss" text="Báo A" xmlUrl="https://a.example.vn/rss"/>
    <outline type="rss" text="Báo A lần nữa" xmlUrl="https://a.example.vn/rss"/>
  </outline>
  <outline type="rss" text="Báo B" xmlUrl="https://b.example.vn/feed.xml"/>
  <outline type="rss" text="Tệp" xmlUrl="file:///etc/passwd"/>
  <outline type="rss" text="Đã có" xmlUrl="https://mattran.example.vn/rss"/>
</body></opml>
"""


def _sources_file(tmp_path: Path) -> Path:
    path = tmp_path / "sources.toml"
    path.write_text('[[source]]\nname = "mattran"\nkind = "rss"\n'
                    'url = "https://mattran.example.vn/rss"\ncategory = "Tin tức"\n'
                    '[[source]]\nname = "luu-tru"\nkind = "archive"\npath = "archive"\n',
                    encoding="utf-8")
    (tmp_path / "archive").mkdir()
    return path


def test_parse_keeps_http_feeds_once_with_their_folder() -> None:
    feeds, skipped = parse_opml(OPML.encode())
    assert [(f.url, f.folder) for f in feeds] == [
        ("https://a.example.vn/rss", "Thời sự"), ("https://b.example.vn/feed.xml", None),
        ("https://mattran.example.vn/rss", None)]
    assert skipped == ["file:///etc/passwd: not an http(s) feed"]


def test_import_then_export_from_the_command_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("NEWSBOT_DATABASE", str(tmp_path / "bot.db"))
    monkeypatch.setenv("NEWSBOT_SOURCES_FILE", str(_sources_file(tmp_path)))
    monkeypatch.setenv("NEWSBOT_DEFAULT_LANGUAGE", "en")
    opml = tmp_path / "list.opml"
    opml.write_text(OPML, encoding="utf-8")
    assert main(["sources", "import", str(opml), "--folder-as-category"]) == 0
    out = capsys.readouterr().out
    assert "Added 2 sources: a.example.vn, b.example.vn" in out
    assert "Already sources (skipped): 1" in out
    assert "Refused: 1" in out
    assert "file:///etc/passwd" in out
    # Importing again adds nothing.
    assert main(["sources", "import", str(opml)]) == 0
    assert "Added 0 sources" in capsys.readouterr().out

    assert main(["sources", "export"]) == 0
    out, err = capsys.readouterr()
    root = ET.fromstring(out.encode())
    feeds = {o.get("xmlUrl"): o.get("category") for o in root.iter("outline")
             if o.get("type") == "rss"}
    assert feeds == {"https://mattran.example.vn/rss": "Tin tức",
                     "https://a.example.vn/rss": "Thời sự",
                     "https://b.example.vn/feed.xml": None}
    assert "1 source(s) without a URL" in err  # the archive
    # The export reads back as the same list.
    back, _ = parse_opml(out.encode())
    assert {f.url for f in back} == set(feeds)
    # `newsbot ingest --source` knows the imported names.
    assert main(["ingest", "--source", "nope"]) == 2
    assert "a.example.vn" in capsys.readouterr().err

    broken = tmp_path / "broken.opml"
    broken.write_text("this is not xml", encoding="utf-8")
    assert main(["sources", "import", str(broken)]) == 2
    assert main(["sources", "import", str(tmp_path / "missing.opml")]) == 2


async def test_an_admin_gets_the_export_as_a_document(tmp_path: Path) -> None:
    sources = _sources_file(tmp_path)
    async with bot_on_sandbox(tmp_path, sources_file=sources, ingest_first=False,
                              schedule_ingestion=False) as chat:
        (refused,) = await chat.say(501, "/exportsources")
        assert "chỉ dành cho quản trị viên" in text_of(refused)
        (sent,) = await chat.say(ADMIN_ID, "/xuatnguon")
        assert sent["method"] == "sendDocument"
        assert sent["document"]["file_name"] == "newsbot-sources.opml"
        assert "Danh sách nguồn tin</b> (OPML): 1 nguồn" in text_of(sent)
        assert "1 nguồn lưu trữ hoặc tệp trên máy chủ" in text_of(sent)
        root = ET.fromstring(sent["document_text"].encode())
        assert [o.get("xmlUrl") for o in root.iter("outline") if o.get("type") == "rss"] == \
            ["https://mattran.example.vn/rss"]

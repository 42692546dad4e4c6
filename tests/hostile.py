"""The hostile feed and hostile archive fixture set (issue 17), generated at test time.

Generated rather than stored: symlinks and FIFOs must be made in tmp dirs, the secret files'
paths differ per test, and the hostile feed's own links name the port of its local server.
Every text is our own. `good_*` builders give the well-behaved sources they are ingested next to.
"""

from __future__ import annotations

import gzip
import json
import os
import secrets as random_secrets
import zlib
from dataclasses import dataclass
from functools import cache
from html import escape
from pathlib import Path

OFFICIAL_HOST = "mattran.example.vn"
# The official article a hostile feed tries to claim first.
HIJACKED_LINK = f"https://{OFFICIAL_HOST}/tin/ket-qua-bau-cu-truong-khu-dan-cu.html"
OFFICIAL_TITLE = "Kết quả bầu trưởng khu dân cư số 4 nhiệm kỳ 2025-2027"
FAKE_TITLE = "TIN GIẢ: hủy bỏ kết quả bầu trưởng khu dân cư số 4"
# A tiny valid PNG header plus our own bytes: enough for the sandbox, which never decodes.
GOOD_PHOTO = b"\x89PNG\r\n\x1a\n" + b"good-archive-photo" * 8


@dataclass(frozen=True)
class Secrets:
    """Files outside every archive folder whose content must never leave the bot."""

    file: Path  # a "secrets file" (e.g. an .env)
    text_file: Path  # a readable text file an archive .txt symlink points to
    markers: tuple[bytes, ...]  # byte strings that must appear in no Bot API request

    @staticmethod
    def make(folder: Path) -> Secrets:
        folder.mkdir(parents=True, exist_ok=True)
        marker = f"SECRET-MARKER-{random_secrets.token_hex(8)}".encode()
        text_marker = f"OUTSIDE-TEXT-{random_secrets.token_hex(8)}".encode()
        secret = folder / "secret.env"
        secret.write_bytes(b"NEWSBOT_BOT_TOKEN=123456:" + marker + b"\n")
        text = folder / "outside.txt"
        text.write_bytes("Trang chủ Tin tức Bài...\nBài ngoài thư mục\n\n".encode()
                         + text_marker + " Nội dung bí mật.\n".encode())
        markers = [marker, text_marker]
        hostname = Path("/etc/hostname")
        if hostname.is_file():
            name = hostname.read_bytes().strip()
            if len(name) >= 8:  # long enough not to occur by chance in a message
                markers.append(name)
        return Secrets(secret, text, tuple(markers))


# -- feeds -------------------------------------------------------------------------------------


def _item(title: str, link: str, *, guid: str | None = None, date: str | None = None,
          extra: str = "", description: str = "Nội dung tóm tắt của bài viết.",
          category: str | None = None, raw_title: bool = False) -> str:
    parts = [f"<title>{title if raw_title else escape(title)}</title>",
             f"<link>{escape(link)}</link>", f"<guid>{escape(guid or link)}</guid>"]
    if date:
        parts.append(f"<pubDate>{date}</pubDate>")
    if category:
        parts.append(f"<category>{category}</category>")
    parts.append(f"<description><![CDATA[<p>{description}</p>]]></description>")
    parts.append(extra)
    return "<item>" + "".join(parts) + "</item>"


def _rss(items: list[str], title: str = "Tin") -> bytes:
    return ('<?xml version="1.0" encoding="UTF-8"?>'
            '<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel>'
            f"<title>{escape(title)}</title><link>https://example.vn/</link>"
            "<description>Tin</description>" + "".join(items) + "</channel></rss>").encode()


def official_feed(*, with_hijacked: bool = True) -> bytes:
    """The official site's feed: three articles, one of them the permalink a fake claims."""
    items = [
        _item(f"Tin chính thức số {i}: hội nghị Ủy ban MTTQ phường",
              f"https://{OFFICIAL_HOST}/tin/chinh-thuc-{i}.html",
              date=f"Mon, 0{i} Dec 2025 08:00:00 +0700",
              extra=f'<enclosure url="https://{OFFICIAL_HOST}/anh/{i}.jpg" type="image/jpeg"/>')
        for i in (1, 2)
    ]
    if with_hijacked:
        items.append(_item(OFFICIAL_TITLE, HIJACKED_LINK, date="Wed, 03 Dec 2025 09:00:00 +0700",
                           description="Kết quả chính thức do Ban Thường trực công bố."))
    return _rss(items, "Mặt trận")


def hijack_feed() -> bytes:
    """A feed of another site publishing the official permalink first, with fake content."""
    return _rss([_item(FAKE_TITLE, HIJACKED_LINK, date="Tue, 02 Dec 2025 20:00:00 +0700",
                       description="Nội dung bịa đặt.")], "Trang lạ")


def local_picture_feed(base: str, secrets: Secrets) -> bytes:
    """Items whose pictures name local files (and one web picture that must be kept)."""
    cases = [
        ("enclosure-absolute", f'<enclosure url="{secrets.file}" type="image/jpeg"/>'),
        ("enclosure-file-url", f'<enclosure url="file://{secrets.file}" type="image/png"/>'),
        ("media-content-etc", '<media:content url="/etc/hostname" medium="image" '
                              'width="800" height="600"/>'),
        ("media-thumbnail-environ", '<media:thumbnail url="/proc/self/environ" width="800" '
                                    'height="600"/>'),
        ("enclosure-dev-zero", '<enclosure url="/dev/zero" type="image/jpeg"/>'),
        ("media-content-dotdot", '<media:content url="../../../../etc/hostname" '
                                 'medium="image"/>'),
    ]
    items = [_item(f"Ảnh cục bộ {name}", f"{base}/{name}.html",
                   date="Mon, 01 Dec 2025 08:00:00 +0700", extra=extra)
             for name, extra in cases]
    items.append(_item("Ảnh trên mạng", f"{base}/anh-tren-mang.html",
                       date="Mon, 01 Dec 2025 09:00:00 +0700",
                       extra='<enclosure url="https://anh.example.vn/a.jpg" type="image/jpeg"/>'))
    return _rss(items, "Trang lạ")


def bad_items_feed(base: str) -> bytes:
    """One item each of what used to fail a whole poll, between good ones."""
    items = [
        _item("Tin tốt đầu tiên", f"{base}/tot-1.html", date="Mon, 01 Dec 2025 08:00:00 +0700"),
        _item("Tin năm 9999", f"{base}/nam-9999.html", date="Fri, 31 Dec 9999 23:59:59 +0000"),
        _item("Tin năm 0", f"{base}/nam-0.html", date="Sat, 01 Jan 0000 00:00:00 +0000"),
        _item("Tin có ký tự &#xD800; lạ", f"{base}/surrogate.html", raw_title=True,
              date="Mon, 01 Dec 2025 09:00:00 +0700"),
        _item("Tin tốt thứ hai", f"{base}/tot-2.html", date="Mon, 01 Dec 2025 10:00:00 +0700"),
        _item("Tin tốt thứ ba", f"{base}/tot-3.html", date="Mon, 01 Dec 2025 11:00:00 +0700"),
    ]
    return _rss(items, "Trang lạ")


def mojibake_feed(base: str) -> bytes:
    """Valid Vietnamese UTF-8 with one invalid byte in one title."""
    items = [
        _item("Hợp lệ: hội nghị đại đoàn kết", f"{base}/hop-le.html",
              date="Mon, 01 Dec 2025 08:00:00 +0700"),
        _item("Có một byte hỏng: BADBYTE ở đây", f"{base}/byte-hong.html",
              date="Mon, 01 Dec 2025 09:00:00 +0700"),
    ]
    return _rss(items, "Trang lạ").replace(b"BADBYTE", b"\xff")


# U+202E (right-to-left override) and friends; NUL and other controls arrive as references.
BIDI_TITLE = "Thông báo \u202egpj.exe\u202c khẩn"


def deceptive_text_feed(base: str) -> bytes:
    return _rss([
        _item(BIDI_TITLE, f"{base}/bidi.html", date="Mon, 01 Dec 2025 08:00:00 +0700",
              category="Thời\u202e sự", description="Đoạn \u2066một\u2069 có ký tự điều khiển."),
        _item("Chuông &#7;báo&#0; và &#x1B;[31m màu", f"{base}/controls.html", raw_title=True,
              date="Mon, 01 Dec 2025 09:00:00 +0700"),
        # What already held: scripts and javascript: links never reach a card.
        _item("Tin có <script>alert(1)</script> mã độc", "javascript:alert(1)",
              guid="la-script-1", date="Mon, 01 Dec 2025 10:00:00 +0700",
              description='<script>alert(2)</script><a href="javascript:alert(3)">bấm</a> '
                          "nội dung"),
    ], "Trang lạ")


@cache
def double_gzip_bomb(decoded_mib: int = 256) -> bytes:
    """`decoded_mib` MiB of zeros, gzipped twice: a few KiB on the wire (send with
    ``Content-Encoding: gzip, gzip``)."""
    inner = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = b"\0" * (1 << 20)
    compressed = b"".join(inner.compress(block) for _ in range(decoded_mib)) + inner.flush()
    return gzip.compress(compressed, compresslevel=9)


# -- archives ----------------------------------------------------------------------------------


def _json(path: Path, **fields: object) -> Path:
    data = {"title": "Bài", "url": f"https://{OFFICIAL_HOST}/luu-tru/{path.stem}.html",
            "category": "Tin tức", "published": "2025-11-20T08:00:00+07:00",
            "summary": "Tóm tắt.", "body": "Nội dung bài viết lưu trữ."}
    data.update(fields)
    path.write_text(json.dumps(data, ensure_ascii=True), encoding="utf-8")
    return path


def good_archive(root: Path, count: int = 4) -> list[str]:
    """`count` good .json articles, the first with a photo beside it; their titles."""
    root.mkdir(parents=True, exist_ok=True)
    titles = []
    for i in range(count):
        title = f"Bài lưu trữ tốt số {i}: trao quà cho hộ nghèo"
        _json(root / f"tot-{i}.json", title=title,
              published=f"2025-11-{10 + i:02d}T08:00:00+07:00")
        titles.append(title)
    (root / "tot-0.png").write_bytes(GOOD_PHOTO)
    return titles


@dataclass(frozen=True)
class HostileArchive:
    refused: frozenset[str]  # files that must be refused (reported, not stored)
    stored_titles: frozenset[str]  # items that must be stored (repaired)
    no_photo_titles: frozenset[str]  # stored, but with no local photo


def hostile_archive(root: Path, secrets: Secrets, *, fifo: bool = True,
                    long_line: bool = True) -> HostileArchive:
    """Archive files that tried to read outside their folder or broke the whole folder."""
    root.mkdir(parents=True, exist_ok=True)
    no_photo = {
        "Ảnh tuyệt đối": _json(root / "image-absolute.json", title="Ảnh tuyệt đối",
                               image=str(secrets.file)),
        "Ảnh ngược thư mục": _json(root / "image-dotdot.json", title="Ảnh ngược thư mục",
                                   image=os.path.relpath(secrets.file, root)),
        "Ảnh hostname": _json(root / "image-etc.json", title="Ảnh hostname",
                              image="/etc/hostname"),
        "Ảnh file URL": _json(root / "image-file-url.json", title="Ảnh file URL",
                              image=f"file://{secrets.file}"),
        "Ảnh thiết bị": _json(root / "image-dev.json", title="Ảnh thiết bị", image="/dev/zero"),
    }
    # A photo beside the article that is a symlink to the secret file.
    (root / "sidecar-link.txt").write_text(
        "Trang chủ Tin tức Ảnh...\nẢnh kèm là liên kết\n\nNội dung có ảnh kèm.\n",
        encoding="utf-8")
    (root / "sidecar-link.png").symlink_to(secrets.file)
    no_photo["Ảnh kèm là liên kết"] = root / "sidecar-link.txt"
    # An article file that is a symlink out of the folder.
    (root / "outside-link.txt").symlink_to(secrets.text_file)
    refused = {"outside-link.txt"}
    if fifo:
        os.mkfifo(root / "fifo.txt")
        refused.add("fifo.txt")
    stored = set(no_photo)
    _json(root / "year-9999.json", title="Bài năm 9999", published="9999-12-31T23:59:59+00:00")
    _json(root / "year-1.json", title="Bài năm 1", published="0001-01-01T00:00:00+00:00")
    _json(root / "surrogate.json", title="Bài có \ud800 ký tự lạ")
    _json(root / "controls.json", title="Bài\u0000 có\u202e ký tự\u0007 điều khiển",
          category="An sinh\u202e xã hội", body="Đoạn\u0000 một.\u2066")
    stored |= {"Bài năm 9999", "Bài năm 1", "Bài có ký tự lạ",
               "Bài có ký tự điều khiển"}
    if long_line:
        (root / "long-line.txt").write_text(
            "Trang chủ Tin tức Dòng...\nDòng rất dài\n\n" + ("Hội nghị đại đoàn kết " * 50_000)
            + "\n", encoding="utf-8")
        stored.add("Dòng rất dài")
    return HostileArchive(frozenset(refused), frozenset(stored), frozenset(no_photo))

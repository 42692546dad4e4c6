"""Archive files: the seed (.txt), a saved VnExpress page (.html), JSON, images, bad files."""

from __future__ import annotations

import json
import unicodedata
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.ingest.archive import (
    ARCHIVE_SUFFIXES,
    ArchiveFileError,
    parse_article_text,
    read_archive_file,
)
from bot.models import ParsedArticle

VN = ZoneInfo("Asia/Ho_Chi_Minh")
SHARED = Path(__file__).resolve().parents[2] / "shared"
SEED = SHARED / "seed" / "000_73bf31444ca40c50.txt"
PAGE = SHARED / "fixtures" / "pages" / "vnexpress_article_2019.html"
SAMPLE = Path(__file__).resolve().parents[1] / "bot" / "sample" / "archive"


def shared(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"../shared not found: {path} is missing (seed and fixtures live beside "
                    "the repo)")
    return path


def read(path: Path, root: Path | None = None, **kwargs: object) -> ParsedArticle:
    return read_archive_file(path, source="luu-tru", root=root or path.parent, tz=VN,
                             **kwargs)  # type: ignore[arg-type]


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return path


def to_cp1258(text: str) -> bytes:
    """Vietnamese as Windows-1258 writes it: a precomposed letter where the code page has one,
    plus combining tone marks ("ộ" -> "ô" + dot below)."""
    out: list[bytes] = []
    for ch in unicodedata.normalize("NFC", text):
        try:
            out.append(ch.encode("cp1258"))
            continue
        except UnicodeEncodeError:
            pass
        base, *marks = unicodedata.normalize("NFD", ch)
        for i, mark in enumerate(marks):
            composed = unicodedata.normalize("NFC", base + mark)
            try:
                encoded = composed.encode("cp1258")
            except UnicodeEncodeError:
                continue
            out.append(encoded + "".join(marks[:i] + marks[i + 1 :]).encode("cp1258"))
            break
        else:
            out.append((base + "".join(marks)).encode("cp1258"))
    return b"".join(out)


# -- the seed --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seed() -> ParsedArticle:
    return read_archive_file(shared(SEED), source="mattran-hp", root=SEED.parent, tz=VN)


def test_seed_identity(seed: ParsedArticle) -> None:
    assert seed.url == "file:mattran-hp/000_73bf31444ca40c50.txt"
    assert seed.guid == seed.url
    assert seed.source == "mattran-hp"


def test_seed_category_and_title(seed: ParsedArticle) -> None:
    assert seed.category == "Hoạt động MTTQ thành phố"
    assert seed.title == (
        "Cụm thi đua MTTQVN 5 thành phố trực thuộc TW: Chung tay đẩy mạnh các phong trào thi "
        "đua phục hồi, phát triển kinh tế – xã hội, phòng chống dịch Covid-19"
    )


def test_seed_published(seed: ParsedArticle) -> None:
    # "Chiều 15/12" + "tổng kết cụm thi đua năm 2021"; "chiều" is taken as 14:00 local time
    assert seed.published is not None
    assert seed.published.astimezone(VN).date() == date(2021, 12, 15)
    assert seed.published == datetime(2021, 12, 15, 14, tzinfo=VN)


def test_seed_author_and_captions(seed: ParsedArticle) -> None:
    assert seed.author == "TN"
    assert seed.image_caption == "Quang cảnh Hội nghị tại điểm cầu Hải Phòng"
    parts = parse_article_text(shared(SEED).read_text(encoding="utf-8"))
    assert parts.captions == (
        "Quang cảnh Hội nghị tại điểm cầu Hải Phòng",
        "Phó Chủ tịch Ủy ban MTTQ Việt Nam thành phố Đỗ Tràng Thành phát biểu tại Hội nghị",
    )
    assert parts.author == "TN"
    assert len(parts.paragraphs) == 9


def test_seed_body(seed: ParsedArticle) -> None:
    assert seed.body.startswith("Chiều 15/12, Ủy ban MTTQ Việt Nam cụm thi đua")
    assert "TIN CÙNG CHUYÊN MỤC" not in seed.body
    assert "TIN PHỔ BIẾN" not in seed.body
    assert "\n\nTN" not in seed.body
    last = seed.body.split("\n\n")[-1]
    assert last.startswith("Hội nghị đã thống nhất suy tôn Ủy ban MTTQVN thành phố Đà Nẵng")
    # captions are not body text; a long paragraph that lost its final period still is
    assert "Quang cảnh Hội nghị tại điểm cầu Hải Phòng" not in seed.body
    assert "thực hiện hiệu quả công tác phòng, chống dịch\n\n" in seed.body
    assert unicodedata.is_normalized("NFC", seed.body)


def test_seed_summary(seed: ParsedArticle) -> None:
    assert seed.summary.startswith("Chiều 15/12, Ủy ban MTTQ Việt Nam cụm thi đua")
    assert "Quang cảnh" not in seed.summary
    assert len(seed.summary) <= 400


def test_seed_with_photo_beside_it(tmp_path: Path) -> None:
    article = write(tmp_path / "2021" / "hoi-nghi.txt", shared(SEED).read_bytes())
    photo = write(tmp_path / "2021" / "hoi-nghi.jpg", b"\xff\xd8\xff\xe0 jpeg")
    write(tmp_path / "2021" / "khac.png", b"\x89PNG")
    parsed = read(article, root=tmp_path)
    assert parsed.image == str(photo.resolve())
    assert parsed.url == "file:luu-tru/2021/hoi-nghi.txt"


# -- .txt variants ---------------------------------------------------------------------------


TXT = """Trang chủTin tức - Sự kiệnRộn ràng Ngày hội Đại đoàn kết ở khu dân cư...

Rộn ràng Ngày hội Đại đoàn kết ở khu dân cư số 4

(MTTQ) - Sáng 18/11/2022, khu dân cư số 4 tổ chức Ngày hội. Nhiều đại biểu dự.

Đồng chí Chủ tịch trao quà

Phát biểu tại Ngày hội, đồng chí Chủ tịch chúc mừng.

Tin, ảnh: Minh Anh

Tin liên quan

Bài khác không thuộc bài này.
"""


@pytest.mark.parametrize(
    ("content", "category", "title"),
    [
        (TXT, "Tin tức - Sự kiện", "Rộn ràng Ngày hội Đại đoàn kết ở khu dân cư số 4"),
        (TXT.replace("Trang chủTin tức - Sự kiện", "Trang chủ > Tin tức > Sự kiện > "),
         "Sự kiện", "Rộn ràng Ngày hội Đại đoàn kết ở khu dân cư số 4"),
        ("Trang chủAn sinh xã hội\n\nTiêu đề bài\n\nSáng 1/2/2023, nội dung.\n",
         "An sinh xã hội", "Tiêu đề bài"),
        ("Tiêu đề không có breadcrumb\n\nSáng 1/2/2023, nội dung.\n", None,
         "Tiêu đề không có breadcrumb"),
    ],
)
def test_txt_breadcrumb(tmp_path: Path, content: str, category: str | None, title: str) -> None:
    parsed = read(write(tmp_path / "a.txt", content))
    assert parsed.category == category
    assert parsed.title == title


def test_txt_parts(tmp_path: Path) -> None:
    parsed = read(write(tmp_path / "a.txt", TXT))
    assert parsed.author == "Minh Anh"
    assert parsed.image_caption == "Đồng chí Chủ tịch trao quà"
    assert parsed.body == ("Sáng 18/11/2022, khu dân cư số 4 tổ chức Ngày hội. Nhiều đại biểu "
                           "dự.\n\nPhát biểu tại Ngày hội, đồng chí Chủ tịch chúc mừng.")
    assert parsed.summary == "Sáng 18/11/2022, khu dân cư số 4 tổ chức Ngày hội. Nhiều đại biểu dự."
    assert parsed.published == datetime(2022, 11, 18, 8, tzinfo=VN)


def test_forced_category(tmp_path: Path) -> None:
    parsed = read(write(tmp_path / "a.txt", TXT), category="Tin tức")
    assert parsed.category == "Tin tức"


def test_txt_without_date_has_no_published(tmp_path: Path) -> None:
    parsed = read(write(tmp_path / "a.txt", "Tiêu đề\n\nNội dung không có ngày tháng.\n"))
    assert parsed.published is None


def test_txt_year_from_file_time(tmp_path: Path) -> None:
    path = write(tmp_path / "a.txt", "Tiêu đề\n\nChiều 15/12, hội nghị diễn ra.\n")
    stamp = datetime(2022, 3, 1, tzinfo=VN).timestamp()
    import os

    os.utime(path, (stamp, stamp))
    assert read(path).published == datetime(2021, 12, 15, 14, tzinfo=VN)


@pytest.mark.parametrize(
    ("raw", "title"),
    [
        (b"\xef\xbb\xbfTi\xc3\xaau \xc4\x91\xe1\xbb\x81\n\nN\xe1\xbb\x99i dung.", "Tiêu đề"),
        ("Tiêu đề\n\nNội dung.".encode("utf-16"), "Tiêu đề"),
        ("Tiêu đề\n\nNội dung.".encode("utf-32"), "Tiêu đề"),
        (unicodedata.normalize("NFD", "Tiêu đề\n\nNội dung.").encode(), "Tiêu đề"),
    ],
    ids=["utf-8-bom", "utf-16-bom", "utf-32-bom", "nfd"],
)
def test_encodings(tmp_path: Path, raw: bytes, title: str) -> None:
    parsed = read(write(tmp_path / "a.txt", raw))
    assert parsed.title == title
    assert parsed.body == "Nội dung."


@pytest.mark.parametrize(
    ("name", "raw", "reason"),
    [
        # Windows-1258 (ô + combining dot below), as saved by old Vietnamese Windows tools
        ("a.txt", to_cp1258("Hà Nội\n\nNội dung về Đà Nẵng."), "not UTF-8 text"),
        ("a.txt", "Hà Nội".encode("utf-16-le"), "binary|not UTF-8"),  # UTF-16 without BOM
        ("a.txt", b"", "empty file"),
        ("a.txt", b"  \n\n \t", "empty file"),
        ("a.txt", b"\xef\xbb\xbf", "empty file"),
        ("a.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        ("a.txt", bytes(range(1, 9)) * 200, "binary"),
        ("a.json", b"\xff\xfe\x00\xd8", "not valid UTF-16"),
        ("a.html", b"", "empty file"),
        ("a.html", b"<html><body><div></div></body></html>", "no title"),
        ("a.doc", b"Tieu de", "unsupported file type"),
    ],
)
def test_bad_files(tmp_path: Path, name: str, raw: bytes, reason: str) -> None:
    with pytest.raises(ArchiveFileError, match=reason):
        read(write(tmp_path / name, raw))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ArchiveFileError, match="cannot read"):
        read(tmp_path / "khong-co.txt")


def test_suffixes() -> None:
    assert {".txt", ".html", ".json"} <= ARCHIVE_SUFFIXES
    assert ".jpg" not in ARCHIVE_SUFFIXES


# -- .html -----------------------------------------------------------------------------------


def test_vnexpress_page() -> None:
    page = read(shared(PAGE))
    assert page.title == "Khu tưởng niệm 14 phi công Triều Tiên hy sinh ở Việt Nam"
    assert page.image == ("https://i-vnexpress.vnecdn.net/2019/02/18/"
                          "nghiatrangtrieutien69984155047-8558-9388-1550486040_1200x0.jpg")
    assert page.summary == ("Hai sĩ quan và 12 chiến sĩ quân đội Triều Tiên từng sang Việt Nam "
                            "học tập, chiến đấu và anh dũng hy sinh.")
    assert page.url == ("https://vnexpress.net/thoi-su/khu-tuong-niem-14-phi-cong-trieu-tien-"
                        "hy-sinh-o-viet-nam-3882669.html")
    assert page.guid == "file:luu-tru/vnexpress_article_2019.html"
    assert page.category == "Thời sự"
    # the page's own datePublished (with its time), not trafilatura's date-only value
    assert page.published == datetime(2019, 2, 18, 17, 34, 20,
                                      tzinfo=timezone(timedelta(hours=8)))
    assert page.body.startswith("Sáng gần ngày rằm tháng Giêng")
    assert "\n\n" in page.body
    assert page.author is None  # <meta name="author" content="VnExpress"> is the site
    assert "<" not in page.body


HTML = """<!DOCTYPE html><html lang="vi"><head><meta charset="{charset}">
<title>Ra quân vì môi trường - Mặt trận TP</title>
<meta property="og:site_name" content="Mặt trận TP">
<meta property="og:description" content="(MTTQ) - Sáng 26/5, hàng nghìn đoàn viên ra quân.">
<meta property="og:image" content="/images/ra-quan.jpg">
<link rel="canonical" href="https://mattran.example.vn/tin/ra-quan-1648.html">
</head><body>
<div class="breadcrumb"><a href="/">Trang chủ</a> &raquo; <a href="/tin">Tin tức</a></div>
<article><h1>Ra quân vì môi trường</h1>
<p>Sáng 26/5/2024, hàng nghìn đoàn viên, hội viên ra quân thu gom rác thải tại các tuyến phố,
bãi biển và kênh mương của thành phố.</p>
<figure><img src="/images/ra-quan.jpg"><figcaption>Đoàn viên thu gom rác</figcaption></figure>
<p>Phát biểu tại lễ ra quân, đồng chí Phó Chủ tịch đề nghị các quận, huyện tiếp tục đưa tiêu
chí bảo vệ môi trường vào đánh giá khu dân cư văn hóa.</p>
</article></body></html>"""


def test_html_page(tmp_path: Path) -> None:
    page = read(write(tmp_path / "ra-quan.html", HTML.format(charset="utf-8")))
    assert page.title == "Ra quân vì môi trường"
    assert page.summary == "Sáng 26/5, hàng nghìn đoàn viên ra quân."
    assert page.url == "https://mattran.example.vn/tin/ra-quan-1648.html"
    assert page.image == "https://mattran.example.vn/images/ra-quan.jpg"
    assert page.image_caption == "Đoàn viên thu gom rác"
    assert page.category == "Tin tức"
    assert page.published == datetime(2024, 5, 26, 8, tzinfo=VN)  # from the text
    assert "hàng nghìn đoàn viên, hội viên ra quân" in page.body


def test_html_page_in_declared_charset(tmp_path: Path) -> None:
    raw = to_cp1258(HTML.format(charset="windows-1258"))
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    page = read(write(tmp_path / "ra-quan.html", raw))
    assert page.title == "Ra quân vì môi trường"
    assert unicodedata.is_normalized("NFC", page.body)


def test_html_photo_beside_it_wins(tmp_path: Path) -> None:
    path = write(tmp_path / "ra-quan.html", HTML.format(charset="utf-8"))
    photo = write(tmp_path / "ra-quan.webp", b"RIFF....WEBP")
    assert read(path).image == str(photo.resolve())


# -- .json -----------------------------------------------------------------------------------


def article_json(**changes: object) -> str:
    data: dict[str, object] = {
        "title": 'Chương trình "<Tết sum vầy>" & quà Tết',
        "url": "https://mattran.example.vn/tet-1561.html",
        "category": "An sinh xã hội",
        "published": "2024-01-30T21:30:00+07:00",
        "summary": "",
        "body": "Tối 30/1, chương trình diễn ra. Có 1.500 suất quà.\n\n"
                "Đoạn hai <b>không</b> là HTML.",
        "image": None,
        "image_caption": "Trao quà",
        "author": "Thu Hà",
    }
    data.update(changes)
    return json.dumps(data, ensure_ascii=False)


def test_json_article(tmp_path: Path) -> None:
    parsed = read(write(tmp_path / "tet.json", article_json()))
    assert parsed.title == 'Chương trình "<Tết sum vầy>" & quà Tết'  # plain text, kept as is
    assert parsed.url == "https://mattran.example.vn/tet-1561.html"
    assert parsed.guid == "file:luu-tru/tet.json"
    assert parsed.category == "An sinh xã hội"
    assert parsed.published == datetime(2024, 1, 30, 21, 30, tzinfo=VN)
    assert parsed.summary == "Tối 30/1, chương trình diễn ra. Có 1.500 suất quà."
    assert parsed.body.endswith("Đoạn hai <b>không</b> là HTML.")
    assert parsed.image is None
    assert parsed.image_caption == "Trao quà"
    assert parsed.author == "Thu Hà"


@pytest.mark.parametrize(
    ("changes", "attribute", "expected"),
    [
        ({"summary": "Tóm tắt riêng."}, "summary", "Tóm tắt riêng."),
        ({"guid": "bai-1561"}, "guid", "bai-1561"),
        ({"url": None}, "url", "file:luu-tru/tet.json"),
        ({"url": "khong-phai-url"}, "url", "file:luu-tru/tet.json"),
        ({"published": "30/01/2024 21:30"}, "published", datetime(2024, 1, 30, 21, 30, tzinfo=VN)),
        ({"published": None}, "published", datetime(2024, 1, 30, 19, tzinfo=VN)),
        ({"image": "https://x.vn/a.jpg"}, "image", "https://x.vn/a.jpg"),
        ({"category": None, "author": None}, "category", None),
    ],
)
def test_json_fields(tmp_path: Path, changes: dict[str, object], attribute: str,
                     expected: object) -> None:
    changes = {"body": "Tối 30/1/2024, chương trình diễn ra.", **changes}
    parsed = read(write(tmp_path / "tet.json", article_json(**changes)))
    assert getattr(parsed, attribute) == expected


def test_json_images(tmp_path: Path) -> None:
    named = write(tmp_path / "anh" / "tet.png", b"\x89PNG")
    beside = write(tmp_path / "tet.jpg", b"\xff\xd8")
    path = write(tmp_path / "tet.json", article_json(image="anh/tet.png"))
    assert read(path).image == str(named.resolve())  # the JSON's image wins over the sibling
    write(path, article_json(image=None))
    assert read(path).image == str(beside.resolve())
    write(path, article_json(image="khong-co.png"))
    assert read(path).image == str(beside.resolve())  # a missing named file falls back


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ('{"title": "A", ', "bad JSON: .*line 1"),
        ("[1, 2]", "expected an object"),
        ('{"url": "https://x.vn"}', "missing or empty 'title'"),
        ('{"title": "   "}', "missing or empty 'title'"),
        ('{"title": 5}', "missing or empty 'title'"),
        ('{"title": "A", "body": ["x"]}', "'body' must be a string"),
        ('{"title": "A", "published": "không rõ"}', "cannot read 'published'"),
    ],
)
def test_bad_json(tmp_path: Path, content: str, reason: str) -> None:
    with pytest.raises(ArchiveFileError, match=reason):
        read(write(tmp_path / "a.json", content))


# -- the bundled sample archive --------------------------------------------------------------


def test_sample_archive_reads() -> None:
    files = sorted(p for p in SAMPLE.rglob("*") if p.suffix.lower() in ARCHIVE_SUFFIXES)
    if not files:
        pytest.skip("no bundled sample archive")
    for path in files:
        parsed = read(path, root=SAMPLE)
        assert parsed.title, path
        assert parsed.published is not None, path
        assert parsed.summary, path
        assert parsed.category, path

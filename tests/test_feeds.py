"""Feed parsing: the real-world fixtures in ../shared/fixtures/feeds, quirks, and hostile input."""

from __future__ import annotations

import random
import time
import unicodedata
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.ingest.feeds import FeedParseError, parse_feed
from bot.models import ParsedArticle

VN = ZoneInfo("Asia/Ho_Chi_Minh")
ICT = timezone(timedelta(hours=7))
SHARED = Path(__file__).resolve().parents[2] / "shared"
FEEDS = SHARED / "fixtures" / "feeds"


def fixture_bytes(name: str) -> bytes:
    path = FEEDS / name
    if not path.exists():
        pytest.skip(f"../shared not found: {path} is missing (fixtures live beside the repo)")
    return path.read_bytes()


def parse(data: bytes, **kwargs: object) -> list[ParsedArticle]:
    return parse_feed(data, source="test", tz=VN, **kwargs)  # type: ignore[arg-type]


def rss(items: str, *, head: str = "", namespaces: str = "") -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>{head}<rss version="2.0"{namespaces}>'
        f"<channel><title>Kênh</title>{items}</channel></rss>"
    ).encode()


# -- the fixtures ----------------------------------------------------------------------------

FIXTURES = [
    # (file, entries, index, title, link, published, image)
    (
        "dantri_item_2024-01-27_snippet.xml", 1, 0,
        "Pixel 8a lộ diện dù chưa ra mắt",
        "https://dantri.com.vn/suc-manh-so/pixel-8a-lo-dien-du-chua-ra-mat-20240127002825838.htm",
        datetime(2024, 1, 27, 13, 46, 59, tzinfo=ICT),
        "https://icdn.dantri.com.vn/2024/01/27/pixel-8a-crop-1706289038765.jpeg",
    ),
    (
        # pubDate "Mon, 12 Jun 2017 10:50:00 GMT+7", which feedparser cannot parse
        "dantri_items_2017-06-12_snippet.xml", 2, 1,
        "Dùng ảnh người khác tạo tài khoản Facebook bị phạt 10-20 triệu đồng",
        "http://dantri.com.vn/suc-manh-so/dung-anh-nguoi-khac-tao-tai-khoan-facebook-bi-phat-"
        "10-20-trieu-dong-2017061210513045.htm",
        datetime(2017, 6, 12, 10, 50, tzinfo=ICT),
        "https://dantricdn.com/zoom/80_50/2017/facebook-1497239322966.jpeg",
    ),
    (
        # "đ&atilde; c&oacute;" inside CDATA; "Sat, 27 Jan 24 14:15:00 +0700" (two-digit year)
        "thanhnien_item_2024-01-27_snippet.xml", 1, 0,
        "Đầu năm 2024 đã có 5.000 nhân viên ngành game mất việc",
        "https://thanhnien.vn/dau-nam-2024-da-co-5000-nhan-vien-nganh-game-mat-viec-"
        "185240127092524316.htm",
        datetime(2024, 1, 27, 14, 15, tzinfo=ICT),
        "https://images2.thanhnien.vn/zoom/600_315/528068263637045248/2024/1/27/game-developer-"
        "1-768x433-1-1024x577-1706322368756-1706322369089578719352-0-15-577-938-crop-"
        "17063224246011779053922.jpg",
    ),
    (
        # raw "&" in an attribute: not well-formed, feedparser's lenient parser still reads it
        "vnexpress_the-gioi_2025-02-06.xml", 1, 0,
        "Israel nối gót Mỹ rời Hội đồng Nhân quyền LHQ",
        "https://vnexpress.net/israel-noi-got-my-roi-hoi-dong-nhan-quyen-lhq-4846612.html",
        datetime(2025, 2, 6, 20, 30, 48, tzinfo=ICT),
        "https://i1-vnexpress.vnecdn.net/2025/02/06/afp-20250123-36vm3wf-v1-highre-6597-7613-"
        "1738846835.jpg?w=1200&h=0&q=100&dpr=1&fit=crop&s=EZLAecVUZhLBSg818oeXbA",
    ),
    (
        # 25 items, one of them the empty placeholder ("No Description", no title, no link)
        "vnexpress_tin-moi-nhat_2017-11-14.xml", 24, 0,
        "Con hẻm trăm tuổi ở Sài Gòn nhiều lần lên phim TVB 4",
        "https://dulich.vnexpress.net/tin-tuc/test-folder/con-hem-tram-tuoi-o-sai-gon-nhieu-lan-"
        "len-phim-tvb-4-3670446.html",
        datetime(2017, 11, 14, 17, 42, 1, tzinfo=ICT),
        "https://i-dulich.vnecdn.net/2017/11/14/DSC40331510626266500x300-15106-5307-4645-"
        "1510653013_180x108.jpg",
    ),
    (
        "vnexpress_tin-moi-nhat_2019-02.rss", 25, 0,
        "Ngộ độc rượu, bệnh nhân thấy ảo giác 'bị ma quỷ truy đuổi'",
        "https://vnexpress.net/suc-khoe/ngo-doc-ruou-benh-nhan-thay-ao-giac-bi-ma-quy-truy-duoi-"
        "3882905.html",
        datetime(2019, 2, 18, 20, 35, 51, tzinfo=ICT),
        "https://i-suckhoe.vnecdn.net/2019/02/18/avatar1550483531917-1550483532-2631-1867-"
        "1550496406_180x108.png",
    ),
]


@pytest.mark.parametrize(
    ("name", "count", "index", "title", "link", "published", "image"),
    FIXTURES,
    ids=[f[0] for f in FIXTURES],
)
def test_fixture_feed(name: str, count: int, index: int, title: str, link: str,
                      published: datetime, image: str) -> None:
    articles = parse(fixture_bytes(name))
    assert len(articles) == count
    article = articles[index]
    assert article.title == title
    assert article.url == link
    assert article.published == published
    assert article.image == image
    for a in articles:
        assert a.source == "test"
        assert a.title
        assert a.url.startswith("http")
        assert a.published is not None
        assert a.published.tzinfo is not None
        for text in (a.title, a.summary, a.body):
            assert unicodedata.is_normalized("NFC", text)
            assert "<" not in text
            assert "&atilde;" not in text
        assert "No Description" not in (a.summary, a.body)


def test_dantri_2024_details() -> None:
    (article,) = parse(fixture_bytes("dantri_item_2024-01-27_snippet.xml"))
    assert article.author == "Thế Anh"  # dc:creator
    assert article.category == "Sức mạnh số"  # <category domain=...>
    # the "(Dân trí) - " dateline and the malformed <a/><img/></a></br> are gone
    assert article.summary.startswith("Mới đây, trên một hội nhóm Facebook")
    assert article.summary.endswith("hộp của Pixel 8a.")
    assert article.guid == article.url


def test_dantri_2017_uuid_guids() -> None:
    articles = parse(fixture_bytes("dantri_items_2017-06-12_snippet.xml"))
    assert [a.guid for a in articles] == [
        "aa072862-dc18-4bd6-8187-7cffe8e787c7", "f29f74f5-2194-4e17-a017-8382be0131f8",
    ]
    # the description is only a linked thumbnail: no text, but the picture is kept
    assert articles[0].summary == ""
    assert articles[0].image == "https://dantricdn.com/zoom/80_50/2017/untitled1-1497238454764.jpg"


def test_thanhnien_entities_in_description() -> None:
    (article,) = parse(fixture_bytes("thanhnien_item_2024-01-27_snippet.xml"))
    assert "đã" in article.title
    assert article.summary.startswith("Làn sóng sa thải trong ngành game tiếp tục dâng cao")
    assert article.published == datetime(2024, 1, 27, 7, 15, tzinfo=UTC)


def test_vnexpress_2017_skips_the_empty_item() -> None:
    data = fixture_bytes("vnexpress_tin-moi-nhat_2017-11-14.xml")
    assert data.count(b"<item>") == 25
    articles = parse(data)
    assert len(articles) == 24
    assert all(a.title for a in articles)
    # only 180x108 thumbnails in this feed: still used (a small photo beats none)
    assert all(a.image and "_180x108." in a.image for a in articles)


def test_vnexpress_2019_guid_is_link() -> None:
    articles = parse(fixture_bytes("vnexpress_tin-moi-nhat_2019-02.rss"))
    assert all(a.guid == a.url for a in articles)
    assert len({a.url for a in articles}) == 25
    assert articles[0].summary.startswith("Nam bệnh nhân 43 tuổi nhập viện")


def test_forced_category_wins() -> None:
    (article,) = parse(fixture_bytes("dantri_item_2024-01-27_snippet.xml"), category="Tin tức")
    assert article.category == "Tin tức"


# -- quirks, built inline --------------------------------------------------------------------


def test_zoneless_date_is_local_time() -> None:
    items = "<item><title>A</title><link>https://x.vn/a</link>" \
            "<pubDate>Sat, 27 Jan 2024 13:46:59</pubDate></item>"
    (article,) = parse(rss(items))
    assert article.published == datetime(2024, 1, 27, 13, 46, 59, tzinfo=VN)


def test_unparseable_date_is_none() -> None:
    items = "<item><title>A</title><link>https://x.vn/a</link><pubDate>hôm qua</pubDate></item>"
    (article,) = parse(rss(items))
    assert article.published is None


def test_relative_links_resolved_against_base_url() -> None:
    items = ('<item><title>A</title><link>/tin/a.html</link>'
             '<description><![CDATA[<img src="/anh/a.jpg" width="800"> Nội dung.]]></description>'
             "</item>")
    (article,) = parse(rss(items), base_url="https://mattran.example.vn/rss/tin-tuc.rss")
    assert article.url == "https://mattran.example.vn/tin/a.html"
    assert article.image == "https://mattran.example.vn/anh/a.jpg"


def test_charset_from_content_type() -> None:
    # Windows-1258 writes "ộ" as "ô" + a combining dot below; NFC makes it one letter again.
    title = "Café à Hà Nô\u0323i"
    data = ('<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
            f"<item><title>{title}</title><link>https://x.vn/a</link></item>"
            "</channel></rss>").encode("cp1258")
    (article,) = parse(data, content_type="application/rss+xml; charset=windows-1258")
    assert article.title == "Café à Hà Nội"
    assert len(article.title) == 13


def test_image_preference() -> None:
    media = ' xmlns:media="http://search.yahoo.com/mrss/"'
    items = (
        # enclosure first, even before a larger media:content
        '<item><title>A</title><link>https://x.vn/a</link>'
        '<enclosure url="https://x.vn/enc.jpg" type="image/jpeg" length="1200"/>'
        '<media:content url="https://x.vn/media.jpg" medium="image" width="2000" height="1000"/>'
        "</item>"
        # the largest media:content; a video is not a picture
        '<item><title>B</title><link>https://x.vn/b</link>'
        '<media:content url="https://x.vn/small.jpg" medium="image" width="300" height="200"/>'
        '<media:content url="https://x.vn/big.jpg" medium="image" width="1600" height="900"/>'
        '<media:content url="https://x.vn/v.mp4" medium="video" width="4000" height="3000"/>'
        "</item>"
        # a thumbnail is passed over for a real photo further down
        '<item><title>C</title><link>https://x.vn/c</link>'
        '<media:thumbnail url="https://x.vn/thumb.jpg" width="120" height="80"/>'
        '<description><![CDATA[<img src="https://x.vn/photo.jpg" width="800"> Chữ.]]>'
        "</description></item>"
        # an enclosure that is not an image is ignored
        '<item><title>D</title><link>https://x.vn/d</link>'
        '<enclosure url="https://x.vn/a.mp3" type="audio/mpeg" length="123456"/></item>'
    )
    articles = parse(rss(items, namespaces=media))
    assert [a.image for a in articles] == [
        "https://x.vn/enc.jpg", "https://x.vn/big.jpg", "https://x.vn/photo.jpg", None,
    ]


def test_atom_content_body_and_summary() -> None:
    data = (
        b'<?xml version="1.0" encoding="utf-8"?>'
        b'<feed xmlns="http://www.w3.org/2005/Atom"><title>Mat tran</title>'
        b'<entry><title type="html">H&amp;#7897;i ngh&amp;#7883; t&#7893;ng k&#7871;t</title>'
        b'<link href="https://x.vn/hoi-nghi"/><id>tag:x.vn,2021:1</id>'
        b"<updated>2021-12-15T16:00:00+07:00</updated>"
        b"<author><name>TN</name></author>"
        b'<category term="Ho&#7841;t &#273;&#7897;ng"/>'
        b'<content type="html">&lt;p&gt;(PLO)- C&#226;u m&#7897;t. C&#226;u hai.&lt;/p&gt;'
        b"&lt;p&gt;C&#226;u ba.&lt;/p&gt;</content>"
        b"</entry></feed>"
    )
    (article,) = parse(data)
    assert article.title == "Hội nghị tổng kết"
    assert article.guid == "tag:x.vn,2021:1"
    assert article.published == datetime(2021, 12, 15, 16, tzinfo=ICT)
    assert article.author == "TN"
    assert article.category == "Hoạt động"
    assert article.body == "Câu một. Câu hai.\n\nCâu ba."
    assert article.summary.startswith("Câu một.")


def test_title_text_in_angle_brackets_is_kept() -> None:
    items = ("<item><title>Chương trình &lt;Tết sum vầy&gt; &amp;amp; quà</title>"
             "<link>https://x.vn/a</link></item>")
    (article,) = parse(rss(items))
    assert article.title == "Chương trình <Tết sum vầy> & quà"


def test_entry_without_title_gets_one_from_its_text() -> None:
    items = ("<item><link>https://x.vn/a</link><description>Câu đầu tiên. Câu thứ hai."
             "</description></item>")
    (article,) = parse(rss(items))
    assert article.title == "Câu đầu tiên. Câu thứ hai."


def test_long_description_is_truncated() -> None:
    long_text = "Ủy ban MTTQ Việt Nam thành phố tổ chức hội nghị. " * 40
    items = f"<item><title>A</title><link>https://x.vn/a</link><description>{long_text}" \
            "</description></item>"
    (article,) = parse(rss(items))
    assert len(article.summary) <= 400
    assert article.summary.endswith(".")
    assert len(article.body) > 1000


def test_well_formed_feed_without_items_is_empty() -> None:
    assert parse(rss("")) == []


def test_many_entries() -> None:
    items = "".join(
        f"<item><title>Tin {i} &amp; sự kiện</title><link>https://x.vn/{i}</link>"
        f"<pubDate>Mon, 18 Feb 2019 20:35:51 +0700</pubDate></item>"
        for i in range(2000)
    )
    articles = parse(rss(items))
    assert len(articles) == 2000
    assert articles[1999].title == "Tin 1999 & sự kiện"


# -- bad input -------------------------------------------------------------------------------


def test_truncated_feed_keeps_the_complete_items() -> None:
    data = fixture_bytes("vnexpress_tin-moi-nhat_2019-02.rss")
    fourth_item = data.index(b"<item>", data.index(b"</item>") + 1)
    fourth_item = data.index(b"<item>", data.index(b"</item>", fourth_item) + 1)
    fourth_item = data.index(b"<item>", data.index(b"</item>", fourth_item) + 1)
    cut = data.index(b"<description>", fourth_item) + 60  # inside the 4th item's CDATA
    articles = parse(data[:cut])
    assert [a.title for a in articles] == [a.title for a in parse(data)[:3]]


def test_feed_cut_inside_its_first_item() -> None:
    data = fixture_bytes("vnexpress_tin-moi-nhat_2019-02.rss")
    cut = data.index(b"<description>") + 30
    with pytest.raises(FeedParseError, match="truncated"):
        parse(data[:cut])


def test_html_page_is_not_a_feed() -> None:
    page = SHARED / "fixtures" / "pages" / "vnexpress_article_2019.html"
    if not page.exists():
        pytest.skip(f"../shared not found: {page} is missing")
    with pytest.raises(FeedParseError, match="HTML page"):
        parse(page.read_bytes(), content_type="text/html; charset=utf-8")


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"   \n", "empty"),
        (bytes(range(256)) * 20, "binary"),
        (random.Random(7).randbytes(4096), "not a feed|no entries"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "binary"),
        ("<!DOCTYPE html><html><body><p>Trang chủ</p></body></html>".encode(), "HTML page"),
        (b'{"title": "json"}', "not a feed"),
        (b"<rss><channel><item><title>A", "truncated|no entries"),
    ],
)
def test_bad_input_raises(data: bytes, reason: str) -> None:
    with pytest.raises(FeedParseError, match=reason):
        parse(data)


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE rss [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss version="2.0"><channel><title>x</title>
<item><title>&lol9;</title><link>https://x.vn/a</link><description>&lol9;</description></item>
<item><title>Bình thường</title><link>https://x.vn/b</link></item>
</channel></rss>"""


def _quadratic_blowup(declaration_on_own_line: bool) -> bytes:
    # One 10 kB entity referenced 10,000 times: 40 kB of input, 100 MB if expanded. Expat lets
    # it through below its 8 MiB threshold and feedparser's lenient parser expands it itself.
    entity = '<!ENTITY a "' + "x" * 10_000 + '">'
    sep = "\n" if declaration_on_own_line else ""
    return (
        f'<?xml version="1.0"?>{sep}<!DOCTYPE rss [{sep}{entity}{sep}]>{sep}'
        '<rss version="2.0"><channel><title>t</title><item><title>T</title>'
        "<link>https://x.vn/a</link><description>" + "&a;" * 10_000 + "</description>"
        "</item></channel></rss>"
    ).encode()


@pytest.mark.parametrize(
    "data",
    [BILLION_LAUGHS.encode(), _quadratic_blowup(True), _quadratic_blowup(False)],
    ids=["billion-laughs", "quadratic-multiline", "quadratic-one-line"],
)
def test_entity_expansion_is_defused(data: bytes) -> None:
    started = time.perf_counter()
    articles = parse(data)
    # Not a timing assertion on performance, a guard against a hang: expansion takes minutes.
    assert time.perf_counter() - started < 30
    assert articles
    for article in articles:
        assert len(article.title) < 100
        assert len(article.body) < 100_000
        assert "lollol" not in article.title


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be", "utf-32"])
def test_entity_declarations_in_wide_encodings_are_refused(codec: str) -> None:
    data = BILLION_LAUGHS.replace('<?xml version="1.0"?>',
                                  f'<?xml version="1.0" encoding="{codec}"?>')
    with pytest.raises(FeedParseError, match="entities"):
        parse(data.encode(codec))


def test_utf16_feed() -> None:
    data = rss("<item><title>Hà Nội</title><link>https://x.vn/a</link></item>").decode()
    data = data.replace('encoding="UTF-8"', 'encoding="UTF-16"')
    (article,) = parse(data.encode("utf-16"))
    assert article.title == "Hà Nội"


def test_stray_entity_declaration_is_refused() -> None:
    data = rss("<item><title>&a;</title><link>https://x.vn/a</link></item>",
               head='\n<!ENTITY a "' + "x" * 1000 + '">\n')
    with pytest.raises(FeedParseError, match="entities"):
        parse(data)


def test_entity_text_inside_cdata_is_just_text() -> None:
    items = ("<item><title>Bài về XML</title><link>https://x.vn/xml</link><description>"
             '<![CDATA[<p>Khai báo <code>&lt;!DOCTYPE html&gt;</code> và '
             '<!DOCTYPE html><!ENTITY a "b"> trong văn bản.</p>]]></description></item>')
    (article,) = parse(rss(items))
    assert article.title == "Bài về XML"
    assert article.summary.startswith("Khai báo <!DOCTYPE html> và")


def test_feedparser_never_opens_a_path_given_as_body(tmp_path: Path) -> None:
    # feedparser opens a bare bytes/str argument as a file name when one exists by that name.
    secret = tmp_path / "secret.xml"
    secret.write_bytes(rss("<item><title>Bí mật</title><link>https://x.vn/s</link></item>"))
    with pytest.raises(FeedParseError):
        parse(str(secret).encode())

"""Text stages: HTML cleaning, Vietnamese sentence splitting/summaries, dates in feeds and text."""

from __future__ import annotations

import time
import unicodedata
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.text.clean import extract_img_srcs, html_to_text, normalize_text
from bot.text.dates import find_date_in_text, parse_datetime
from bot.text.summary import (
    lead_summary,
    split_sentences,
    strip_dateline,
    truncate,
)

VN = ZoneInfo("Asia/Ho_Chi_Minh")
ICT = timezone(timedelta(hours=7))

# -- clean -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("markup", "expected"),
    [
        # Dân trí's malformed CDATA: a self-closed <a/>, then </a></br>
        (
            "<a href='https://x.vn/a.htm'/><img src='https://x.vn/a.jpeg'/></a></br>"
            "(Dân trí) - Mới đây, một người dùng đã chia sẻ.",
            "(Dân trí) - Mới đây, một người dùng đã chia sẻ.",
        ),
        # Thanh Niên: named entities double-escaped inside CDATA
        ("Đầu năm 2024 đ&atilde; c&oacute; 5.000 nh&acirc;n vi&ecirc;n", "Đầu năm 2024 đã có "
         "5.000 nhân viên"),
        ("Hà&nbsp;Nội &amp; Hải&#160;Phòng &#272;&#7897;", "Hà Nội & Hải Phòng Độ"),
        ("<p>Đoạn một.</p><p>Đoạn hai.</p>", "Đoạn một. Đoạn hai."),
        ("a<br>b<br/>c", "a b c"),
        ("<b>Hà</b> <i>Nội</i>", "Hà Nội"),
        ("x <script>var a = '<p>';</script>y<style>p{}</style> z", "x y z"),
        ("trước<!-- bình luận <b> -->sau", "trướcsau"),
        ("mở <!-- không đóng", "mở"),
        ("giá 3 < 5 và 7 > 2", "giá 3 < 5 và 7 > 2"),
        ("&lt;Tết sum vầy&gt;", "<Tết sum vầy>"),
        ("Chương trình <Tết sum vầy> 2024", "Chương trình <Tết sum vầy> 2024"),
        ("<p/>x<hr/>y<IMG SRC=a.jpg>z<!DOCTYPE html><?xml x?>", "x yz"),
        ("  nhiều \n\t khoảng\u00a0trắng \u200b ", "nhiều khoảng trắng"),
        ("", ""),
    ],
)
def test_html_to_text(markup: str, expected: str) -> None:
    assert html_to_text(markup) == expected


def test_html_to_text_is_nfc() -> None:
    decomposed = unicodedata.normalize("NFD", "<p>Tiếng Việt có dấu</p>")
    result = html_to_text(decomposed)
    assert result == "Tiếng Việt có dấu"
    assert unicodedata.is_normalized("NFC", result)


def test_html_to_text_keeps_paragraphs() -> None:
    markup = "<div><p>Đoạn một.</p>\n<p>Đoạn <b>hai</b>.</p><br><br></div>"
    assert html_to_text(markup, keep_paragraphs=True) == "Đoạn một.\n\nĐoạn hai."


def test_html_to_text_stays_linear_on_hostile_markup() -> None:
    # Thousands of "<a" without ">" and unclosed comments must not turn quadratic.
    hostile = "<a" * 50_000 + "<!--" * 20_000 + "x"
    started = time.perf_counter()
    html_to_text(hostile)
    assert time.perf_counter() - started < 5  # generous; quadratic would take minutes


def test_normalize_text() -> None:
    assert normalize_text(unicodedata.normalize("NFD", " Hải  Phòng\n")) == "Hải Phòng"
    assert normalize_text("a\n\n\n b \n c", keep_paragraphs=True) == "a\n\nb\n\nc"


@pytest.mark.parametrize(
    ("markup", "expected"),
    [
        (
            '<a href="x"><img width=130 height=100 src="https://i.vnecdn.net/a_180x108.jpg" ></a>',
            [("https://i.vnecdn.net/a_180x108.jpg", 130, 100)],
        ),
        ("<img src='https://x.vn/a.jpeg'/>", [("https://x.vn/a.jpeg", None, None)]),
        (
            '<IMG SRC="https://x.vn/b.jpg?w=1200&amp;h=0" WIDTH="1200px" height="100%">',
            [("https://x.vn/b.jpg?w=1200&h=0", 1200, None)],
        ),
        (
            '<img src="data:image/gif;base64,R0lGOD" data-src="https://x.vn/lazy.jpg">',
            [("https://x.vn/lazy.jpg", None, None)],
        ),
        ('<img src="data:image/gif;base64,R0lGOD">', []),
        ('<img src="https://x.vn/1.jpg"><p>chữ</p><img src="https://x.vn/2.jpg">',
         [("https://x.vn/1.jpg", None, None), ("https://x.vn/2.jpg", None, None)]),
        ("không có ảnh", []),
    ],
)
def test_extract_img_srcs(markup: str, expected: list[tuple[str, int | None, int | None]]) -> None:
    assert extract_img_srcs(markup) == expected


# -- sentences and summaries -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Câu một. Câu hai! Câu ba? Câu bốn…", ["Câu một.", "Câu hai!", "Câu ba?", "Câu bốn…"]),
        ("Hội nghị tại TP. Hải Phòng. Sau đó bế mạc.",
         ["Hội nghị tại TP. Hải Phòng.", "Sau đó bế mạc."]),
        ("Ông ở Q. 1 và P. Bến Nghé. Bà ở Tp. Thủ Đức.",
         ["Ông ở Q. 1 và P. Bến Nghé.", "Bà ở Tp. Thủ Đức."]),
        ("Phát biểu của TS. Nguyễn Văn A và ThS. Trần Thị B. Hội nghị kết thúc.",
         ["Phát biểu của TS. Nguyễn Văn A và ThS. Trần Thị B.", "Hội nghị kết thúc."]),
        ("PGS.TS. Lê Văn C cho biết. Sau đó nghỉ.", ["PGS.TS. Lê Văn C cho biết.", "Sau đó nghỉ."]),
        ("Rau, củ, quả v.v. Được bày bán. Giá ổn định.",
         ["Rau, củ, quả v.v. Được bày bán.", "Giá ổn định."]),
        ("Có 1.200 người và 3,5 tỷ đồng. Ngày 15.12 khai mạc.",
         ["Có 1.200 người và 3,5 tỷ đồng.", "Ngày 15.12 khai mạc."]),
        ('Ông nói: "Chúng tôi sẽ làm." Sau đó ông rời đi.',
         ['Ông nói: "Chúng tôi sẽ làm."', "Sau đó ông rời đi."]),
        ("“Cảm ơn Mặt trận”, bà Mai nói. Bà rất vui.",
         ["“Cảm ơn Mặt trận”, bà Mai nói.", "Bà rất vui."]),
        ("Năm 2021. 2022 sẽ khác.", ["Năm 2021.", "2022 sẽ khác."]),
        ("chữ thường. sau dấu chấm không tách", ["chữ thường. sau dấu chấm không tách"]),
        ("Đoạn một không chấm\nĐoạn hai.", ["Đoạn một không chấm", "Đoạn hai."]),
        ("", []),
    ],
)
def test_split_sentences(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


def test_lead_summary_takes_two_sentences() -> None:
    text = "Câu một ngắn. Câu hai cũng ngắn. Câu ba không lấy."
    assert lead_summary(text) == "Câu một ngắn. Câu hai cũng ngắn."
    assert lead_summary(text, n=1) == "Câu một ngắn."
    assert lead_summary("") == ""


def test_lead_summary_cut_at_word_boundary() -> None:
    words = " ".join(["Ủy ban MTTQ Việt Nam thành phố"] * 30) + "."
    summary = lead_summary(words, max_chars=100)
    assert len(summary) <= 100
    assert summary.endswith("…")
    assert words.startswith(summary[:-1])
    assert summary[-2] != " "
    # the cut falls between words, never inside one
    assert words[len(summary) - 1] == " "


def test_lead_summary_cut_at_sentence_boundary() -> None:
    first = "Chiều 15/12, Ủy ban MTTQ Việt Nam tổ chức Hội nghị trực tuyến tổng kết năm 2021."
    second = "Dự Hội nghị có " + "nhiều đồng chí lãnh đạo, " * 20 + "và đại biểu."
    assert lead_summary(f"{first} {second}", max_chars=120) == first


@pytest.mark.parametrize(
    ("text", "max_chars", "expected"),
    [
        ("Ngắn thôi.", 50, "Ngắn thôi."),
        ("Một hai ba bốn năm sáu", 12, "Một hai ba…"),
        ("Một, hai, ba, bốn", 10, "Một, hai…"),
        ("Khôngcókhoảngtrắngnàocả", 10, "Khôngcókh…"),
        ("Câu đầu đủ dài để giữ lại. Câu sau rất dài không vừa chỗ nữa đâu.", 40,
         "Câu đầu đủ dài để giữ lại."),
        ("A. Câu sau rất dài không vừa chỗ còn lại nữa đâu nhé bạn.", 40,
         "A. Câu sau rất dài không vừa chỗ còn…"),
        ("abc", 1, "…"),
        ("abc", 0, ""),
    ],
)
def test_truncate(text: str, max_chars: int, expected: str) -> None:
    result = truncate(text, max_chars)
    assert result == expected
    assert len(result) <= max(max_chars, 0)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("(Dân trí) - Mới đây, một người dùng.", "Mới đây, một người dùng."),
        ("(PLO)- Sáng nay, Tòa án xét xử.", "Sáng nay, Tòa án xét xử."),
        ("(Chinhphu.vn) – Thủ tướng chỉ đạo.", "Thủ tướng chỉ đạo."),
        ("TPO - Chiều 15/12, hội nghị diễn ra.", "Chiều 15/12, hội nghị diễn ra."),
        ("VOV.VN - Bão số 3 đổ bộ.", "Bão số 3 đổ bộ."),
        ("GD&TĐ - Bộ Giáo dục công bố.", "Bộ Giáo dục công bố."),
        ("Baonghean.vn - Sáng 2/9.", "Sáng 2/9."),
        # not datelines
        ("Thượng đỉnh Mỹ - Triều ở Singapore.", "Thượng đỉnh Mỹ - Triều ở Singapore."),
        ("Mới đây - theo nguồn tin.", "Mới đây - theo nguồn tin."),
        ("(Dân trí) - ", "(Dân trí) - "),
        ("Không có gì.", "Không có gì."),
    ],
)
def test_strip_dateline(text: str, expected: str) -> None:
    assert strip_dateline(text) == expected


# -- dates -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Mon, 12 Jun 2017 14:32:00 GMT+7", datetime(2017, 6, 12, 14, 32, tzinfo=ICT)),
        ("Mon, 12 Jun 2017 10:50:00 GMT+07:00", datetime(2017, 6, 12, 10, 50, tzinfo=ICT)),
        ("Sat, 27 Jan 24 14:15:00 +0700", datetime(2024, 1, 27, 14, 15, tzinfo=ICT)),
        ("27 Jan 99 01:00:00 GMT", datetime(1999, 1, 27, 1, tzinfo=UTC)),
        ("Tue, 14 Nov 2017 17:42:01 +0700", datetime(2017, 11, 14, 17, 42, 1, tzinfo=ICT)),
        ("Tue, 14 Nov 2017 17:42:01 ICT", datetime(2017, 11, 14, 17, 42, 1, tzinfo=ICT)),
        ("Tue, 14 Nov 2017 17:42:01", datetime(2017, 11, 14, 17, 42, 1, tzinfo=VN)),
        ("Jun 12, 2017 2:32 PM", datetime(2017, 6, 12, 14, 32, tzinfo=VN)),
        ("27/01/2024 10:30", datetime(2024, 1, 27, 10, 30, tzinfo=VN)),
        ("10:30 27/01/2024", datetime(2024, 1, 27, 10, 30, tzinfo=VN)),
        ("Thứ bảy, 27/1/2024, 10:30 (GMT+7)", datetime(2024, 1, 27, 10, 30, tzinfo=ICT)),
        ("27-01-2024", datetime(2024, 1, 27, tzinfo=VN)),
        ("2024/01/27 08:05:09", datetime(2024, 1, 27, 8, 5, 9, tzinfo=VN)),
        ("2024-01-27T10:30:00+07:00", datetime(2024, 1, 27, 10, 30, tzinfo=ICT)),
        ("2024-01-27T03:30:00Z", datetime(2024, 1, 27, 3, 30, tzinfo=UTC)),
        ("2024-01-27 10:30", datetime(2024, 1, 27, 10, 30, tzinfo=VN)),
        ("2019-02-18", datetime(2019, 2, 18, tzinfo=VN)),
    ],
)
def test_parse_datetime(raw: str, expected: datetime) -> None:
    result = parse_datetime(raw, VN)
    assert result is not None
    assert result.tzinfo is not None
    assert result == expected
    assert result.utcoffset() == expected.utcoffset()


@pytest.mark.parametrize(
    "raw", ["", "   ", "không phải ngày", "31/02/2024", "Mon, 32 Jun 2017 10:00:00 +0700",
            "12 Foo 2017", "27/01/2024 10:30 +2500"],
)
def test_parse_datetime_rejects(raw: str) -> None:
    assert parse_datetime(raw, VN) is None


@pytest.mark.parametrize(
    ("text", "reference", "expected"),
    [
        # the seed's dateline: year from "tổng kết cụm thi đua năm 2021" in the same sentence
        ("Chiều 15/12, Ủy ban MTTQ tổ chức Hội nghị tổng kết cụm thi đua năm 2021. "
         "Năm 2022, cụm chú trọng 3 nhóm nhiệm vụ.", None, datetime(2021, 12, 15, 14, tzinfo=VN)),
        ("Sáng 3/2/2023, đoàn công tác đến thăm.", None, datetime(2023, 2, 3, 8, tzinfo=VN)),
        ("Hôm qua, ngày 15/12/2021, hội nghị diễn ra.", None, datetime(2021, 12, 15, tzinfo=VN)),
        ("Hội nghị diễn ra 15-12-2021 tại Hà Nội.", None, datetime(2021, 12, 15, tzinfo=VN)),
        ("Ngày 15 tháng 12 năm 2021, Hội nghị khai mạc.", None, datetime(2021, 12, 15, tzinfo=VN)),
        ("Tối 30/1, chương trình diễn ra năm 2024.", None, datetime(2024, 1, 30, 19, tzinfo=VN)),
        ("Trưa 1/6/24, bà con tập trung.", None, datetime(2024, 6, 1, 12, tzinfo=VN)),
        ("Rạng sáng 12/9/2024, bão đổ bộ.", None, datetime(2024, 9, 12, 5, tzinfo=VN)),
        ("Sáng nay (15/12), Hội nghị khai mạc năm 2021.", None,
         datetime(2021, 12, 15, 8, tzinfo=VN)),
        # explicit time of day next to the date
        ("Lúc 9h30 sáng 15/12/2021, đoàn đến.", None, datetime(2021, 12, 15, 9, 30, tzinfo=VN)),
        ("Vào 2 giờ chiều 15/12/2021, đoàn đến.", None, datetime(2021, 12, 15, 14, tzinfo=VN)),
        ("Ngày 15/12/2021 lúc 10:30, đoàn đến.", None, datetime(2021, 12, 15, 10, 30, tzinfo=VN)),
        # no year anywhere: the reference decides (not after it)
        ("Chiều 15/12, hội nghị diễn ra.", datetime(2022, 3, 1, tzinfo=VN),
         datetime(2021, 12, 15, 14, tzinfo=VN)),
        ("Chiều 15/2, hội nghị diễn ra.", datetime(2022, 3, 1, tzinfo=VN),
         datetime(2022, 2, 15, 14, tzinfo=VN)),
        # a review of 2021 held in January is January 2022
        ("Sáng 8/1, Hội nghị tổng kết công tác năm 2021 và triển khai nhiệm vụ năm 2022.", None,
         datetime(2022, 1, 8, 8, tzinfo=VN)),
        # plans for 2022 presented in December are December 2021
        ("Chiều 28/12, Hội nghị triển khai nhiệm vụ năm 2022.", None,
         datetime(2021, 12, 28, 14, tzinfo=VN)),
        ("Chiều 28/12, Hội nghị tổng kết năm 2021 và triển khai nhiệm vụ năm 2022.", None,
         datetime(2021, 12, 28, 14, tzinfo=VN)),
        # an anniversary range: the latest year of the sentence is the current one
        ("Chiều 26/7, đoàn thăm gia đình chính sách (27/7/1947 - 27/7/2023).", None,
         datetime(2023, 7, 26, 14, tzinfo=VN)),
        # a target year ("định hướng đến năm 2030") is not the article's year
        ("Sáng 14/6, Hội nghị phản biện Đề án định hướng đến năm 2030.\n"
         "Đây là hoạt động thứ hai trong năm 2022.", None, datetime(2022, 6, 14, 8, tzinfo=VN)),
        # a year from the text that would be after the reference gives way to it
        ("Chiều 15/12, hội nghị tổng kết năm 2021.", datetime(2021, 6, 1, tzinfo=VN),
         datetime(2020, 12, 15, 14, tzinfo=VN)),
    ],
)
def test_find_date_in_text(text: str, reference: datetime | None, expected: datetime) -> None:
    result = find_date_in_text(text, VN, reference)
    assert result == expected
    assert result is not None
    assert result.tzinfo is VN


@pytest.mark.parametrize(
    "text",
    [
        "an ninh đảm bảo 24/24 và tích hợp nhiều tiện ích",
        "phạt 10-20 triệu đồng",
        "có 1.200 người tham gia, 3-5 người mỗi nhóm",
        "nhiệm kỳ 2021-2026 và giai đoạn 2016-2020",
        "mất việc chỉ trong tháng 1.2024",
        "Chiều 15/12, hội nghị diễn ra.",  # no year anywhere and no reference: unknown
        "Sáng 31/2/2023, ngày không tồn tại.",
        "",
    ],
)
def test_find_date_in_text_none(text: str) -> None:
    assert find_date_in_text(text, VN, None) is None

"""Small generators of test feeds and archive files (our own text, not the fixtures')."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape


def rss(n: int, *, start: int = 0, title: str = "Tin mẫu", base: str = "https://tin.example.vn"
        ) -> bytes:
    """An RSS 2.0 feed of `n` items with guids, dates, descriptions and enclosure images."""
    t0 = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)
    items = []
    for i in range(start, start + n):
        when = format_datetime(t0 + timedelta(minutes=i))
        items.append(
            f"<item><title>{escape(title)} số {i}: Hội nghị &amp; tọa đàm</title>"
            f"<link>{base}/bai-{i}.html</link><guid>{base}/bai-{i}.html</guid>"
            f"<pubDate>{when}</pubDate><category>Tin tức</category>"
            f"<description><![CDATA[<p>Sáng nay, Ủy ban MTTQ tổ chức hội nghị số {i}. "
            f"Đại biểu thảo luận nhiều nội dung quan trọng.</p>]]></description>"
            f'<enclosure url="{base}/anh/{i}.jpg" type="image/jpeg" length="1200"/></item>'
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        f"<title>{escape(title)}</title><link>{base}</link><description>Tin</description>"
        + "".join(items) + "</channel></rss>"
    ).encode()

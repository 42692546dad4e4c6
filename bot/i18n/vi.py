"""Vietnamese texts (the default language)."""

TEXTS: dict[str, str] = {
    # Command line
    "cli.ingest.source": "{name}: {new} bài mới, {seen} đã có, {errors} lỗi",
    "cli.ingest.total": "Tổng cộng: {total} bài mới",
    # Article card
    "card.read_original": "Đọc bài gốc",
    "card.more": "Xem thêm",
    "card.like": "👍",
    "card.meta": "{category} · {when}",
}

"""Search: query folding and safety, the index kept in step with articles, ranking, pages.

Real SQLite files (the `db` fixture); articles are stored the way the ingestion stores them
(storage.articles.insert_new), so the migration's triggers index them as in production.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.chat.common import Common
from bot.chat.reader import Reader
from bot.chat.search import PAGE_SIZE, Search, parse_button
from bot.message import Who
from bot.render.telegram import LIMITS
from bot.search.engine import MAX_CANDIDATES, candidate_limit, recency, search
from bot.search.query import MAX_WORDS, parse_query, searchable
from bot.text.fold import fold
from storage import articles, interactions
from storage import search as search_index
from storage.articles import NewArticle
from storage.db import Database, open_database
from storage.migrations import migrations
from tests.conftest import html, tg

NOW = 1_750_000_000.0
DAY = 86400
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
WHO = Who(chat=tg(77), chat_type="private", user_id="77")


def _item(key: str, title: str, *, summary: str = "Tóm tắt.", body: str = "Nội dung.",
          age_days: float = 1, category: str = "Tin tức") -> NewArticle:
    return NewArticle(
        dedupe_key=key, source="s", url=f"https://x.vn/{key}", title=title, category=category,
        published=datetime.fromtimestamp(NOW - age_days * DAY, UTC), summary=summary,
        body=body, image=None, image_caption=None, author=None,
    )


async def _store(db: Database, *items: NewArticle) -> dict[str, int]:
    """Store the items in the given order (ids increase in that order); key -> id."""
    ids: dict[str, int] = {}
    for item in items:
        async with db.transaction() as conn:
            (stored,) = await articles.insert_new(conn, [item], fetched_at=int(NOW))
        ids[item.dedupe_key] = stored.id
    return ids


async def _found(db: Database, text: str) -> list[int]:
    return list((await search(db, parse_query(text), now=NOW)).ids)


@pytest.fixture
async def places(db: Database) -> dict[str, int]:
    return await _store(
        db,
        _item("dn", "Đà Nẵng tổng kết công tác Mặt trận năm 2024"),
        _item("hp", "Ủy ban MTTQ Việt Nam thành phố Hải Phòng trao nhà Đại đoàn kết"),
        _item("hn", "Hà Nội: hội nghị Ủy ban MTTQ", body="Đoàn công tác thăm Đà Lạt."),
        _item("ct", "Cần Thơ khai mạc hội chợ", summary="Đại biểu Hải Phòng dự."),
    )


# --- what a query means ------------------------------------------------------------------------


@pytest.mark.parametrize(("typed", "words"), [
    ("da nang", ("da", "nang")),
    ("Đà Nẵng", ("dà", "nẵng")),  # accents are left to the index's tokenizer
    ("ĐÀ NẴNG", ("dà", "nẵng")),
    ("hai  PHONG\thai", ("hai", "phong")),  # lowercase, distinct, in order
    ("Đại đoàn kết", ("dại", "doàn", "kết")),
    ('"hai" AND (phong OR -nang*) NEAR/2 ^x', ("hai", "and", "phong", "or", "nang", "near",
                                              "2", "x")),
    ("", ()),
    ("  *** () -- :: \" ", ()),
])
def test_words_of_a_query(typed: str, words: tuple[str, ...]) -> None:
    assert parse_query(typed).words == words


def test_decomposed_input_is_one_word_per_syllable() -> None:
    import unicodedata

    typed = unicodedata.normalize("NFD", "Hải Phòng")
    assert parse_query(typed).words == ("hải", "phòng")


def test_a_long_paste_keeps_the_first_words() -> None:
    text = ("Ủy ban MTTQ Việt Nam thành phố Hải Phòng tổ chức hội nghị " * 20)[:1000]
    query = parse_query(text)
    assert len(text) == 1000
    assert query.truncated
    assert len(query.words) == MAX_WORDS
    assert query.words[:3] == ("ủy", "ban", "mttq")
    assert not parse_query("hai phong").truncated


def test_expressions_quote_every_word() -> None:
    query = parse_query('hai "phong')
    assert query.match_all() == '"hai" "phong"'
    assert query.match_phrase() == '"hai phong"'
    assert query.match_in("title") == '{title} : ("hai" "phong")'
    with pytest.raises(ValueError, match="unknown column"):
        query.match_in("url")


def _fold_probes() -> list[str]:
    import unicodedata

    texts = [
        "Ủy ban MTTQ Việt Nam thành phố Đà Nẵng", "ĐẠI ĐOÀN KẾT TOÀN DÂN TỘC",
        "Thừa Thiên Huế, Quảng Ngãi, Bà Rịa – Vũng Tàu", "nghĩa tình đồng bào",
        "aàáảãạăằắẳẵặâầấẩẫậeèéẻẽẹêềếểễệiìíỉĩịoòóỏõọôồốổỗộơờớởỡợuùúủũụưừứửữựyỳýỷỹỵđ",
        "Hội nghị lần thứ 2/2024: 1.500 đại biểu (MTTQ-TP) tại Hà_Nội",
    ]
    return texts + [t.upper() for t in texts] + [unicodedata.normalize("NFD", t) for t in texts]


def _fold_words(text: str) -> list[str]:
    """bot.text.fold.fold()'s words: runs of letters and digits of the folded text."""
    import re

    return re.findall(r"[^\W_]+", fold(text))


async def test_index_tokens_are_those_of_fold(sqlite_db: Database) -> None:
    """The index (đ replaced, unicode61 remove_diacritics 2) splits text into exactly the words
    of bot.text.fold.fold(): whatever the case, composed or decomposed accents."""
    db = sqlite_db
    texts = _fold_probes()
    conn = db
    await conn.execute("CREATE VIRTUAL TABLE probe_vocab USING fts5vocab(search_index, "
                       "'instance')")
    async with db.transaction() as tx:
        for n, text in enumerate(texts, start=1):
            await tx.execute("INSERT INTO search_index(rowid, title, summary, body) "
                             "VALUES (?, ?, '', '')", (10_000 + n, searchable(text)))
    for n, text in enumerate(texts, start=1):
        async with conn.execute("SELECT term FROM probe_vocab WHERE doc = ? ORDER BY offset",
                                (10_000 + n,)) as cur:
            terms = [r[0] for r in await cur.fetchall()]
        expected = [w for w in fold(text).replace("–", " ").replace(",", " ").split()]
        assert terms == _fold_words(text), text
        if "2024" not in text:
            assert terms == expected, text


@pytest.mark.postgres
async def test_postgres_index_words_are_those_of_fold(database_target: object,
                                                      db: Database) -> None:
    """PostgreSQL's index (newsbot_fold, then to_tsvector 'simple') makes exactly the words of
    bot.text.fold.fold() too: the same probes as SQLite's test."""
    if db.backend != "postgres":
        pytest.skip("PostgreSQL's own index")
    for text in _fold_probes():
        assert await search_index.indexed_words(db, text) == _fold_words(text), text


# --- finding -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("typed", "key"), [
    ("da nang", "dn"), ("Đà Nẵng", "dn"), ("ĐÀ NẴNG", "dn"), ("Da NANG", "dn"), ("đà nẵng", "dn"),
    ("dà nang", "dn"),
    ("hai phong", "hp"), ("Hải Phòng", "hp"), ("HẢI phòng", "hp"),
    ("dai doan ket", "hp"), ("Đại Đoàn Kết", "hp"), ("ĐẠI ĐOÀN KẾT", "hp"),
])
async def test_accents_case_and_d_do_not_matter(db: Database, places: dict[str, int],
                                                typed: str, key: str) -> None:
    assert (await _found(db, typed))[0] == places[key]


async def test_every_word_must_match_in_title_summary_or_body(
        db: Database, places: dict[str, int]) -> None:
    assert set(await _found(db, "hai phong")) == {places["hp"], places["ct"]}  # title, summary
    assert await _found(db, "da lat") == [places["hn"]]  # body
    assert await _found(db, "ha noi hai phong") == []
    assert await _found(db, "xyzzy") == []


@pytest.mark.parametrize("hostile", [
    '"', '"hai', 'hai"phong', "*", "hai*", "-phong", "hai -phong", "NEAR(hai phong)",
    "NEAR/3", "hai AND", "OR phong", "NOT", "AND OR NOT", "(((", "hai)", "title:hai",
    "{title}: hai", "^hai", "hai + phong", "'; DROP TABLE articles; --", "\x00", "\\", "%_",
    "🙂 hai 🙂", "ǅ", "²", "hai" + "\u0301" * 50,
])
async def test_fts5_syntax_never_errors(db: Database, places: dict[str, int],
                                        hostile: str) -> None:
    found = await _found(db, hostile)  # must not raise
    if parse_query(hostile).words == ("hai", "phong"):
        assert places["hp"] in found
    assert await articles.count(db) == 4


async def test_long_query_is_answered(db: Database, places: dict[str, int]) -> None:
    pasted = ("Ủy ban MTTQ Việt Nam thành phố Hải Phòng trao nhà Đại đoàn kết " * 20)[:1000]
    assert await _found(db, pasted) == [places["hp"]]
    assert await _found(db, "x" * 1000) == []


# --- ranking -----------------------------------------------------------------------------------


async def test_title_and_phrase_beat_scattered_words(db: Database) -> None:
    ids = await _store(
        db,
        _item("title", "Hải Phòng trao nhà", age_days=20),
        _item("phrase", "Trao nhà tình nghĩa", body="Tại Hải Phòng hôm qua.", age_days=1),
        # Stored last, so it would win a tie.
        _item("scattered", "Trao nhà", body="Phòng khám ở Hải Dương và Hải An.", age_days=1),
    )
    assert await _found(db, "hai phong") == [ids["title"], ids["phrase"], ids["scattered"]]


async def test_recency_breaks_ties(db: Database) -> None:
    ids = await _store(
        db,
        _item("new", "Hội nghị Hải Phòng", age_days=2),
        _item("old", "Hội nghị Hải Phòng", age_days=200),
        _item("mid", "Hội nghị Hải Phòng", age_days=40),
    )
    assert await _found(db, "hoi nghi") == [ids["new"], ids["mid"], ids["old"]]
    assert recency(0) == 3.0
    assert recency(30 * DAY) == pytest.approx(1.5)
    assert recency(-DAY) == 3.0  # a date in the future counts as today


async def test_only_the_newest_matches_are_ranked(db: Database) -> None:
    items = [_item(f"a{n}", f"Hội nghị số {n}", age_days=1) for n in range(MAX_CANDIDATES + 5)]
    async with db.transaction() as conn:
        await articles.insert_new(conn, items, fetched_at=int(NOW))
    result = await search(db, parse_query("hoi nghi"), now=NOW)
    assert len(result.ids) == MAX_CANDIDATES
    assert result.more
    assert candidate_limit(2) == MAX_CANDIDATES
    assert candidate_limit(4) == 100
    assert candidate_limit(8) == 50
    few = await search(db, parse_query("hoi nghi so 7"), now=NOW)
    assert len(few.ids) == 1
    assert not few.more


# --- the index follows the articles -------------------------------------------------------------


async def test_index_follows_updates_and_deletes(db: Database, places: dict[str, int]) -> None:
    async with db.transaction() as conn:
        await conn.execute("UPDATE articles SET title = 'Quảng Ninh đón Tết' WHERE id = ?",
                           (places["dn"],))
        await conn.execute("DELETE FROM articles WHERE id = ?", (places["hp"],))
    assert await _found(db, "quang ninh") == [places["dn"]]
    assert await _found(db, "da nang") == []
    assert await _found(db, "dai doan ket") == []
    assert await _found(db, "hai phong") == [places["ct"]]
    if db.backend == "sqlite":
        async with db.execute(
                "INSERT INTO search_index(search_index) VALUES ('integrity-check')"):
            pass  # raises if the index disagrees with itself


async def test_articles_stored_before_this_version_are_indexed(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    raw = sqlite3.connect(path)
    for number, sql in enumerate(migrations()[:4], start=1):
        raw.executescript(f"{sql}\nPRAGMA user_version = {number};")
    raw.execute("INSERT INTO categories(id, name, folded) VALUES (1, 'Tin tức', 'tin tuc')")
    raw.execute(
        "INSERT INTO articles(dedupe_key, source, url, title, category_id, published, fetched_at,"
        " summary, body) VALUES ('k', 's', 'https://x.vn/k', 'Đà Nẵng đón Tết', 1, 1, 0, '', '')")
    raw.commit()
    raw.close()
    db = await open_database(path)
    try:
        assert len(await _found(db, "da nang")) == 1
        # Articles written later by a plain connection (a tool, a benchmark) are indexed too.
        await db.close()
        raw = sqlite3.connect(path)
        raw.execute(
            "INSERT INTO articles(dedupe_key, source, url, title, category_id, published, "
            "fetched_at, summary, body) VALUES ('k2', 's', 'u', 'Hải Phòng', 1, 2, 0, '', '')")
        raw.commit()
        raw.close()
        db = await open_database(path)
        assert len(await _found(db, "hai phong")) == 1
    finally:
        await db.close()


# --- the chat side: pages, buttons, opens ------------------------------------------------------


@pytest.fixture
def core(db: Database) -> Search:
    common = Common(db, default_language="vi", tz=TZ, limits={"telegram": LIMITS},
                    clock=lambda: NOW)
    return Search(Reader(common), sessions=3)


async def test_pages_with_next_and_previous(db: Database, core: Search) -> None:
    await _store(db, *[_item(f"a{n}", f"Hội nghị Đà Nẵng lần {n}", age_days=n)
                       for n in range(1, 13)])
    first = await core.search(WHO, "da nang")
    assert "«da nang» · 12 bài · trang 1/3" in first.text
    assert "Hội nghị Đà Nẵng lần 1<" in html(first)
    assert "lần 6<" not in html(first)
    *numbers, nav = first.choices
    assert [b.label for b in numbers[0]] == ["1", "2", "3", "4", "5"]
    assert all(b.action and b.action.startswith("so:") for b in numbers[0])
    assert [b.label for b in nav] == ["Sau »"]
    button = parse_button(nav[0].action)
    assert button is not None
    assert button.page == 1
    assert nav[0].action is not None
    assert len(nav[0].action.encode()) <= 64

    second = await core.page(WHO, button.session, 1)
    assert second.edit is not None
    assert "trang 2/3" in second.edit.text
    assert "lần 6<" in html(second.edit)
    assert [b.label for b in second.edit.choices[-1]] == ["« Trước", "Sau »"]
    third = await core.page(WHO, button.session, 2)
    assert third.edit is not None
    assert len(third.edit.choices[0]) == 12 - 2 * PAGE_SIZE
    assert [b.label for b in third.edit.choices[-1]] == ["« Trước"]

    # A page that does not exist, another chat's search, a forgotten search.
    assert str((await core.page(WHO, button.session, 3)).text) == (
        "Nút này không hợp lệ hoặc đã hết hạn.")
    other = Who(chat=tg(78), chat_type="private", user_id="78")
    assert "hết hạn" in (await core.page(other, button.session, 1)).text
    for _ in range(3):  # the store keeps 3 searches in this test
        await core.search(WHO, "hoi nghi")
    expired = await core.page(WHO, button.session, 1)
    assert expired.edit is None
    assert "hết hạn" in expired.text


async def test_usage_nothing_found_and_long_queries(db: Database, core: Search,
                                                    places: dict[str, int]) -> None:
    assert "Cách dùng" in (await core.search(WHO, "")).text
    assert "Cách dùng" in (await core.search(WHO, '*** "" ()')).text
    none = await core.search(WHO, "<b>xyzzy</b> & co")
    assert "«&lt;b&gt;xyzzy&lt;/b&gt; &amp; co»" in html(none)
    long = await core.search(
        WHO, ("Ủy ban MTTQ Việt Nam thành phố Hải Phòng trao nhà Đại đoàn kết cho hộ nghèo "
              * 20)[:1000])
    assert "Chỉ tìm theo 8 từ đầu tiên" in long.text
    assert "…»" in long.text  # the echo is shortened


@pytest.mark.parametrize("data", [None, "", "so:", "so:abc", "sp:short:1", "sp:AAAAAAAA:x",
                                  "sp:AAAAAAAA:1:2", "so:1" + "0" * 70, "open:1"])
def test_forged_buttons_are_refused(data: str | None) -> None:
    assert parse_button(data) is None


async def test_opening_a_result_counts_as_a_search_open(db: Database, core: Search,
                                                        places: dict[str, int]) -> None:
    notice = await core.open(WHO, places["dn"])
    assert notice.send is not None
    assert "Đà Nẵng" in notice.send.text
    assert WHO.user is not None
    assert await interactions.has(db, places["dn"], WHO.user, "search_open")
    assert not await interactions.has(db, places["dn"], WHO.user, "open")
    missing = await core.open(WHO, 999_999)
    assert missing.send is None
    assert "Không tìm thấy bài viết" in missing.text

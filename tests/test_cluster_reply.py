"""The /cluster and /setcluster core (bot/chat/cluster.py) on a real SQLite file: argument
parsing, Telegram's length limit with many clusters, escaping, admin checks."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.chat.cluster import ClusterCommands
from bot.chat.cluster_input import parse_setcluster
from bot.chat.common import Admins, Common
from bot.chat.reader import Reader
from bot.i18n import vi
from bot.message import Who, markup
from bot.render.telegram import LIMITS, TEXT_LIMIT
from storage import articles, cluster_facts
from storage.articles import NewArticle
from storage.cluster_facts import NewFact
from storage.db import Database
from tests.conftest import html, tg

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
ADMIN = 77
ME = Who(chat=tg(5), chat_type="private", user_id="5")
BOSS = Who(chat=tg(ADMIN), chat_type="private", user_id=str(ADMIN))
MTTQ = "Ủy ban MTTQ Việt Nam"


def _core(db: Database) -> ClusterCommands:
    common = Common(db, default_language="vi", tz=TZ, limits={"telegram": LIMITS},
                    admins=Admins.of([ADMIN]), clock=lambda: 1_700_000_000)
    return ClusterCommands(Reader(common))


@pytest.mark.parametrize(
    ("argument", "expected"),
    [
        ("2024 | 5 thành phố trực thuộc TW | Cụm trưởng | Uỷ ban MTTQVN TP Hải Phòng",
         (2024, "5 thành phố trực thuộc TW", "leader", f"{MTTQ} thành phố Hải Phòng")),
        ("  2023|các tỉnh Tây Nguyên|phó cụm|Ủy ban MTTQ Việt Nam tỉnh Đắk Lắk  ",
         (2023, "các tỉnh Tây Nguyên", "deputy", f"{MTTQ} tỉnh Đắk Lắk")),
        ("2022 | số 3 | Phó Trưởng Cụm | -", (2022, "số 3", "deputy", "")),
        ("2022 | số 3 | trưởng cụm | không có", (2022, "số 3", "leader", "")),
    ],
)
def test_setcluster_syntax(argument: str, expected: tuple[object, ...]) -> None:
    assert parse_setcluster(argument) == expected


@pytest.mark.parametrize(
    "argument",
    [
        "",
        "2024 Hải Phòng cụm trưởng",  # no separators
        "2024 | 5 thành phố | Cụm trưởng",  # three parts
        "2024 | 5 thành phố | Cụm trưởng | A | B",  # five parts
        "24 | 5 thành phố | Cụm trưởng | Ủy ban MTTQ tỉnh A",  # not a year
        "3024 | 5 thành phố | Cụm trưởng | Ủy ban MTTQ tỉnh A",  # out of range
        "2024 | cụm thi đua | Cụm trưởng | Ủy ban MTTQ tỉnh A",  # names no cluster
        "2024 | 5 thành phố | Chủ tịch | Ủy ban MTTQ tỉnh A",  # not a cluster role
        "2024 | 5 thành phố | Cụm trưởng | 12",  # not a unit
        "2024 | " + "x" * 400 + " | Cụm trưởng | Ủy ban MTTQ tỉnh A",
    ],
)
def test_setcluster_refuses_malformed_input(argument: str) -> None:
    assert parse_setcluster(argument) is None


async def test_setcluster_checks_the_admin_in_the_core(db: Database) -> None:
    core = _core(db)
    reply = await core.set_leadership(ME, "2024 | số 3 | Cụm trưởng | Ủy ban MTTQ tỉnh A")
    assert reply.text == markup(vi.TEXTS["admin.refused"])
    assert await cluster_facts.count(db) == 0
    usage = await core.set_leadership(BOSS, "2024 | số 3")
    assert usage.text == markup(vi.TEXTS["setcluster.usage"])


async def test_hostile_text_is_escaped(db: Database) -> None:
    core = _core(db)
    done = await core.set_leadership(
        BOSS, "2024 | số 3 <b> | Cụm trưởng | Ủy ban MTTQ tỉnh <i>A</i> & B")
    assert "&lt;i&gt;A&lt;/i&gt; &amp; B" in html(done)
    shown = await core.show(ME, "")
    assert "<i>A</i>" not in html(shown)
    assert "&lt;i&gt;A&lt;/i&gt; &amp; B" in html(shown)
    unknown = await core.show(ME, "<script>alert(1)</script>")
    assert "<script>" not in html(unknown)


async def test_many_clusters_fit_one_message(db: Database) -> None:
    """120 clusters with long sentences: the reply stays within Telegram's 4096 characters,
    says how many more there are, and has an open button per source shown."""
    items = [
        NewArticle(dedupe_key=f"k{i}", source="s", url=f"file:s/{i}.txt",
                   title=f"Hội nghị tổng kết cụm thi đua số {i} " + "rất dài " * 20,
                   category="Cụm thi đua", published=datetime(2023, 12, 1, tzinfo=UTC),
                   summary="", body="", image=None, image_caption=None, author=None)
        for i in range(120)
    ]
    async with db.transaction() as conn:
        stored = await articles.insert_new(conn, items, fetched_at=0)
        facts = [
            (a.id, int(a.published.timestamp()),
             NewFact(f"so {i}", f"số {i}", 2024, role, f"{MTTQ} tỉnh Số {i}",
                     f"uy ban mttq viet nam tinh so {i}", sentence="Câu dài. " * 60))
            for i, a in enumerate(stored) for role in ("leader", "deputy")
        ]
        await cluster_facts.replace_extracted(conn, [a.id for a in stored], facts, now=0)
    reply = await _core(db).show(ME, "")
    assert reply.text.length <= TEXT_LIMIT
    assert "… và " in reply.text
    assert "«Câu dài." not in reply.text  # no room for the sentences: sources only
    numbers = [b.label for row in reply.choices for b in row]
    assert numbers[0] == "📰 1"
    assert len(numbers) == str(reply.text).count("    [")  # one button per source listed
    assert sum(len(row) for row in reply.choices) <= 40
    # One cluster alone has room for its sentence.
    one = await _core(db).show(ME, "so 7")
    assert "«Câu dài." in one.text
    assert one.text.length <= TEXT_LIMIT


@pytest.mark.parametrize(
    ("argument", "expected_key"),
    [
        ("/cluster", vi.TEXTS["cluster.none"]),
        ("2023", vi.TEXTS["cluster.none_year"].format(year=2023)),
        ("cụm thi đua", vi.TEXTS["cluster.none"]),  # generic words: everything (none known)
        ("năm 2023", vi.TEXTS["cluster.none_year"].format(year=2023)),
        ("1789", vi.TEXTS["cluster.usage"]),
        ("2023 2024", vi.TEXTS["cluster.usage"]),
        ("x" * 400, vi.TEXTS["cluster.usage"]),
        ("tây nguyên", vi.TEXTS["cluster.unknown"].format(query="tây nguyên")),
    ],
)
async def test_cluster_arguments_on_an_empty_database(db: Database, argument: str,
                                                      expected_key: str) -> None:
    reply = await _core(db).show(ME, "" if argument == "/cluster" else argument)
    assert reply.text == markup(expected_key)


async def _short_clusters(db: Database, count: int) -> None:
    """`count` clusters, each with a leader from an article of its own (short texts: they all
    fit in one message)."""
    items = [
        NewArticle(dedupe_key=f"k{i}", source="s", url=f"https://x.vn/{i}", title=f"Bài {i}",
                   category="Cụm thi đua", published=datetime(2023, 12, 1, tzinfo=UTC),
                   summary="", body="", image=None, image_caption=None, author=None)
        for i in range(count)
    ]
    async with db.transaction() as conn:
        stored = await articles.insert_new(conn, items, fetched_at=0)
        facts = [(a.id, int(a.published.timestamp()),
                  NewFact(f"so {i:02d}", f"số {i:02d}", 2024, "leader", f"Tỉnh {i}",
                          f"tinh {i}"))
                 for i, a in enumerate(stored)]
        await cluster_facts.replace_extracted(conn, [a.id for a in stored], facts, now=0)


async def test_a_reply_reads_its_clusters_a_batch_at_a_time(db: Database) -> None:
    """28 clusters that all fit (two batches of pairs read): every block is shown, in order,
    with their sources numbered on from one batch to the next."""
    await _short_clusters(db, 28)
    reply = await _core(db).show(ME, "")
    text = str(reply.text)
    assert "… và " not in text
    places = [text.index(f"số {i:02d} · năm 2024") for i in range(28)]
    assert places == sorted(places)
    assert [b.label for row in reply.choices for b in row] == [f"📰 {n}" for n in range(1, 29)]
    assert "[28]" in text


async def test_a_cluster_gone_since_the_pairs_were_listed_is_left_out(
        db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    await _short_clusters(db, 20)
    expected = await _core(db).show(ME, "")
    listed = cluster_facts.latest_pairs

    async def with_a_ghost(conn: object) -> list[cluster_facts.Pair]:
        return [("so 05 x", 2024), *await listed(db)]

    monkeypatch.setattr(cluster_facts, "latest_pairs", with_a_ghost)
    assert await _core(db).show(ME, "") == expected


async def test_pairs_then_winners_read_what_the_whole_queries_read(db: Database) -> None:
    await _short_clusters(db, 20)
    async with db.transaction() as conn:
        await cluster_facts.set_admin(conn, NewFact("so 03", "số 03", 2025, "deputy", "", ""),
                                      admin_id=1, now=5)
    latest = await cluster_facts.latest_pairs(db)
    assert latest[:4] == [("so 00", 2024), ("so 01", 2024), ("so 02", 2024), ("so 03", 2025)]
    assert await cluster_facts.winners(db, latest) == await cluster_facts.latest(db)
    of_year = await cluster_facts.pairs_of_year(db, 2024)
    assert len(of_year) == 20
    assert await cluster_facts.winners(db, of_year) == await cluster_facts.of_year(db, 2024)
    keys = ["so 03", "so 07"]
    for year in (None, 2024, 2025, 2030):
        pairs = await cluster_facts.pairs_of_clusters(db, keys, year)
        assert await cluster_facts.winners(db, sorted(pairs)) == \
            await cluster_facts.of_clusters(db, keys, year)
    assert await cluster_facts.winners(db, []) == []
    assert await cluster_facts.winners(db, [("nowhere", 2024)]) == []

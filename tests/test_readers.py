"""Readers without Telegram: the reader reference (a chat or one of its forum topics), the
category map of a source, "all categories", the admins' /channels choices, a forum's digests
per topic, and the pacing that a group's topics share. End to end: test_readers_e2e.py."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.admin import channels
from bot.chat import callbacks, picker
from bot.chat.common import Common
from bot.chat.reader import Reader
from bot.config import ConfigError, load_sources
from bot.delivery.outbound import Outbound, SendOutcome, Status
from bot.delivery.pacing import Pacer, Priority
from bot.digest.scheduler import DigestScheduler
from bot.ingest.categories import CategoryMap
from bot.ingest.validate import SourcePolicy, validate
from bot.message import ChatRef, Message, MessageRef, Text, Who
from bot.models import ParsedArticle
from bot.render.telegram import LIMITS
from storage import articles, bulk, categories, subscriptions
from storage.articles import NewArticle
from storage.db import Database
from tests.conftest import tg
from tests.test_digest import TZ, Clock, local

FORUM = "-1001234500002"


def test_a_reader_is_a_chat_or_one_of_its_topics() -> None:
    chat = ChatRef("telegram", FORUM)
    topic = chat.topic("5")
    assert topic == ChatRef("telegram", FORUM, "5") != chat
    assert topic.base == chat
    assert chat.base is chat
    assert chat.topic(None) == chat == chat.topic("")
    assert (str(chat), str(topic)) == (f"telegram:{FORUM}", f"telegram:{FORUM}#5")


# --- the category map ----------------------------------------------------------------------------


def test_a_category_map_compares_names_without_accents_case_or_punctuation() -> None:
    mapped = CategoryMap({"Tin tức": "Tin tức - Sự kiện", "Thoi su": "Thời sự"},
                         {"Hoạt động MTTQ": ["Hoat dong", "HĐ MTTQ"]})
    assert mapped("TIN TỨC") == mapped("tin tuc") == mapped("Tin  tức.") == "Tin tức - Sự kiện"
    assert mapped("Thời sự") == "Thời sự"
    assert mapped("hoạt động") == mapped("hđ mttq") == "Hoạt động MTTQ"
    assert mapped("Văn hóa") == "Văn hóa"  # unknown names stay as the feed wrote them
    assert not CategoryMap()
    assert CategoryMap()("Tin tức") == "Tin tức"


def test_validation_maps_the_feeds_category_and_the_default() -> None:
    policy = SourcePolicy(name="s", default_category="Tin tức",
                          category_map=CategoryMap({"Tin tức": "Tin tức - Sự kiện"}))
    for given in ("Tin tuc", None):
        item = validate(ParsedArticle(source="s", url="https://x.vn/1", title="Một",
                                      category=given, summary="", body=""),
                        policy, fetched_at=1_700_000_000)
        assert item.article.category == "Tin tức - Sự kiện"


@pytest.mark.parametrize(("table", "error"), [
    ('category_map = { "Tin tức" = "A", "TIN TUC" = "B" }', "mapped twice"),
    ('category_map = { "Tin" = "A" }\ncategory_aliases = { "B" = ["tin"] }', "mapped twice"),
    ('category_map = { "" = "A" }', "must not be empty"),
    ('category_aliases = { "A" = ["--"] }', "must not be empty"),
    ('category_map = { "Tin" = 3 }', "category_map"),
])
def test_a_bad_category_map_is_one_clear_line(tmp_path: Path, table: str, error: str) -> None:
    path = tmp_path / "sources.toml"
    path.write_text(f'[[source]]\nname = "s"\nkind = "rss"\nurl = "https://x.vn/rss"\n{table}\n',
                    encoding="utf-8")
    with pytest.raises(ConfigError, match=error):
        load_sources(path)


def test_a_category_map_in_the_sources_file(tmp_path: Path) -> None:
    path = tmp_path / "sources.toml"
    path.write_text('[[source]]\nname = "s"\nkind = "rss"\nurl = "https://x.vn/rss"\n'
                    'category_map = { "Tin tức" = "Tin tức - Sự kiện" }\n'
                    'category_aliases = { "Thời sự" = ["Thoi su", "THỜI SỰ 24h"] }\n',
                    encoding="utf-8")
    (source,) = load_sources(path)
    mapped = CategoryMap(source.category_map, source.category_aliases)
    assert mapped("tin tuc") == "Tin tức - Sự kiện"
    assert mapped("thoi su 24h") == "Thời sự"


async def test_a_user_finds_a_category_without_its_punctuation(db: Database) -> None:
    async with db.transaction() as conn:
        await categories.ensure(conn, "Tin tức - Sự kiện")
        await categories.ensure(conn, "Hoạt động MTTQ thành phố")
    for query in ("tin tuc su kien", "TIN TỨC – SỰ KIỆN", "su kien", "tin tuc - su kien"):
        found = await categories.find(db, query)
        assert found is not None, query
        assert found.name == "Tin tức - Sự kiện", query


# --- "all categories" and the choices ------------------------------------------------------------


@pytest.mark.parametrize("words", ["all", "ALL", "tất cả", "Tat ca", "tatca",
                                   "tất cả chuyên mục"])
def test_all_words(words: str) -> None:
    assert picker.is_all(words)


def test_a_category_is_not_all() -> None:
    assert not picker.is_all("an sinh")
    assert not picker.is_all("tat")


def test_reader_choices_parse_all_and_refuse_forgeries() -> None:
    parsed = callbacks.parse("all:t")
    assert parsed is not None
    assert parsed.action == callbacks.ALL
    for forged in ("all:1", "all:", "all:tt", "sub:all"):
        assert callbacks.parse(forged) is None


def test_channel_choices_parse_and_refuse_forgeries() -> None:
    assert channels.parse("chn:l") == channels.ChannelChoice(channels.LIST)
    assert channels.parse("chn:s:12") == channels.ChannelChoice(channels.SHOW, 12)
    assert channels.parse("chn:t:12:all") == channels.ChannelChoice(channels.TOGGLE, 12,
                                                                    picker.ALL)
    assert channels.parse("chn:t:12:3") == channels.ChannelChoice(channels.TOGGLE, 12, 3)
    for forged in ("chn:", "chn:s:", "chn:t:1", "chn:t:1:x", "chn:s:1;DROP", "chn:u:" + "9" * 13,
                   "chn:l:1", "chn:s:١٢"):
        assert channels.parse(forged) is None, forged


async def test_a_reader_follows_all_categories_with_later_ones(db: Database) -> None:
    reader = Reader(Common(db, default_language="vi", tz=TZ, limits={"telegram": LIMITS}))
    who = Who(chat=tg(1), chat_type="private", user_id="1")
    # Before any category exists.
    assert "tất cả chuyên mục" in str((await reader.subscribe(who, "tat ca")).text)
    async with db.transaction() as conn:
        await categories.ensure(conn, "An sinh")
    picked = await reader.categories(who)
    assert [c.label for (c,) in picked.choices] == ["✅ Tất cả chuyên mục", "▫️ An sinh"]
    assert "tất cả chuyên mục" in str(picked.text)
    assert (await reader.unsubscribe(who, "all")).text == Text(
        "Đã hủy đăng ký mọi chuyên mục.")
    assert not await subscriptions.follows_all(db, tg(1))


# --- a forum's topics: digests, pacing -----------------------------------------------------------


async def test_each_subscribed_topic_gets_its_own_digest(db: Database) -> None:
    clock = Clock(local(2025, 3, 10, 6, 0))
    reader = Reader(Common(db, default_language="vi", tz=TZ, limits={"telegram": LIMITS},
                           clock=clock))
    scheduler = DigestScheduler(reader.common)
    forum = ChatRef("telegram", FORUM)
    topic = forum.topic("5")
    async with db.transaction() as conn:
        news = (await categories.ensure(conn, "Tin tức")).id
        await bulk.add_subscribers(conn, [FORUM], news, now=0)  # the chat itself
        await subscriptions.add_all(conn, topic, now=0)  # one topic: every category
    admin = Who(chat=topic, chat_type="supergroup", user_id="9")
    await reader.digest_hour(admin, 7)  # a chat setting, changed from a topic
    async with db.transaction() as conn:
        await articles.insert_new(conn, [
            NewArticle(dedupe_key=f"k{n}", source="s", url=f"https://x.vn/{n}",
                       title=f"Bài {n}", category=category,
                       published=datetime.fromtimestamp(clock.now, UTC), summary="", body="",
                       image=None, image_caption=None, author=None)
            for n, category in ((1, "Tin tức"), (2, "Văn hóa"))], fetched_at=int(clock.now))
    clock.now = local(2025, 3, 10, 7, 0)
    run = await scheduler.run_due()
    assert (run.handled, run.queued) == (1, 2)
    async with db.execute(
        """SELECT d.thread_id, g.thread_id, g.text FROM deliveries d
           JOIN digests g ON g.id = d.digest_id ORDER BY d.thread_id""") as cur:
        rows = [(r[0], r[1], r[2]) for r in await cur.fetchall()]
    assert [(r[0], r[1]) for r in rows] == [("", ""), ("5", "5")]
    assert "Bài 1" in rows[0][2]
    assert "Bài 2" not in rows[0][2]
    assert "Bài 1" in rows[1][2]
    assert "Bài 2" in rows[1][2]


class _Sender:
    channel = "telegram"

    def __init__(self) -> None:
        self.sent: list[ChatRef] = []

    async def send(self, chat: ChatRef, message: Message, priority: Priority) -> SendOutcome:
        self.sent.append(chat)
        return SendOutcome(Status.SENT, message_id=str(len(self.sent)))

    async def edit(self, target: MessageRef, message: Message,
                   priority: Priority) -> SendOutcome:
        return SendOutcome(Status.SENT)

    async def answer(self, callback: str, text: Text, alert: bool) -> SendOutcome:
        return SendOutcome(Status.SENT)


async def test_a_groups_topics_share_its_pacing() -> None:
    now = [1000.0]

    async def sleep(seconds: float) -> None:  # a fake clock: waiting only moves it on
        now[0] += seconds

    pacer = Pacer(global_rate=None, private_interval=0, group_per_minute=2, chat_margin=0,
                  clock=lambda: now[0], sleep=sleep)
    sender = _Sender()
    out = Outbound(sender, pacer)
    forum = ChatRef("telegram", FORUM)
    await out.send(forum.topic("5"), Message(Text("a")), group=True)
    await out.send(forum.topic("7"), Message(Text("b")), group=True)
    # Two messages in this minute to the group, whichever topics: the group must wait.
    assert pacer.ready_in(forum, group=True) == pytest.approx(60.0)
    assert pacer.tracked_chats == 1
    await out.send(forum.topic("9"), Message(Text("c")), group=True)
    assert now[0] == pytest.approx(1060.0)  # the third waited for the group's minute
    assert sender.sent == [forum.topic("5"), forum.topic("7"), forum.topic("9")]

"""/cluster and /setcluster: who leads which emulation cluster (cụm thi đua), with the source.

Plain data in (`Who`, argument strings), `Message` out; no chat-platform objects here. Which fact
wins when several answer the same cluster, year and role is decided in storage/cluster_facts.py
(an admin's fact, else the most recent article).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from bot.chat import callbacks
from bot.chat.cluster_input import (
    MAX_YEAR,
    MIN_YEAR,
    known_spelling,
    named_cluster_key,
    parse_setcluster,
)
from bot.chat.reader import Reader
from bot.cluster import canonical_cluster, cluster_key
from bot.cluster.units import official_style
from bot.delivery.card import is_web_url
from bot.i18n import t
from bot.message import Choice, Message, Text, Who, italic, link, rows
from bot.text.datefmt import format_local_datetime
from bot.text.fold import fold
from storage import cluster_facts
from storage.cluster_facts import Fact, NewFact, Pair
from storage.db import Conn

log = logging.getLogger(__name__)

_MAX_ARGUMENT = 300
_MAX_ECHO = 60
_TITLE_CHARS = 110
_SENTENCE_CHARS = 320
_MAX_SOURCES = 40  # one open choice each; Telegram allows ~100 buttons per keyboard
_FOOTER_ROOM = 200  # room kept for the "and N more" line
_BATCH = 16  # (cluster, year) pairs whose facts are read at once (a message shows ~15)
_YEAR = re.compile(r"\d{4}")


@dataclass
class _Sources:
    """Source articles numbered in order of appearance: [1], [2], ..."""

    numbers: dict[int, int] = field(default_factory=dict)  # article id -> number

    def number(self, article_id: int) -> int:
        return self.numbers.setdefault(article_id, len(self.numbers) + 1)


@dataclass
class _Draft:
    """A (cluster, year) block drafted once for both layouts of the reply (with the source
    sentences, and without when they do not fit): the numbering of the sources does not depend
    on the sentences, so the second layout reuses the first's work."""

    lines: list[tuple[Text | str, bool]]  # (line, whether it is a quoted sentence)
    numbers: dict[int, int]  # the sources numbered up to and with this block
    _texts: dict[bool, Text] = field(default_factory=dict)

    def text(self, *, with_sentences: bool) -> Text:
        if with_sentences not in self._texts:
            self._texts[with_sentences] = Text.join(
                "\n", [line for line, quoted in self.lines if with_sentences or not quoted])
        return self._texts[with_sentences]


class _Drafts:
    """The blocks of a reply, one per (cluster, year) pair, drafted in order on first use: a
    reply stops at the first block that does not fit, and the facts of the pairs after it are
    never read (`load` reads the winners of _BATCH pairs at a time, with their articles:
    /cluster over 60 clusters shows about 15 blocks and reads 32 facts and their articles,
    not 120)."""

    def __init__(self, pairs: list[Pair], draft: Callable[[list[Fact], _Sources], _Draft],
                 load: Callable[[list[Pair]], Awaitable[list[Fact]]]) -> None:
        self._pairs = pairs
        self._read = 0  # the pairs before this one have been read into blocks
        self._blocks: list[list[Fact]] = []
        self._draft = draft
        self._load = load
        self._done: list[_Draft] = []

    def __len__(self) -> int:
        return len(self._blocks) + len(self._pairs) - self._read

    async def get(self, index: int) -> _Draft | None:
        """The draft of block `index`; None when there is no such block (any more)."""
        while len(self._done) <= index:
            current = len(self._done)
            while current >= len(self._blocks):
                if self._read == len(self._pairs):
                    return None
                await self._read_more()
            numbers = self._done[-1].numbers if self._done else {}
            self._done.append(self._draft(self._blocks[current], _Sources(dict(numbers))))
        return self._done[index]

    async def _read_more(self) -> None:
        chosen = self._pairs[self._read:self._read + _BATCH]
        blocks: dict[Pair, list[Fact]] = {}
        for fact in await self._load(chosen):  # the leader first in each pair
            blocks.setdefault((fact.cluster_key, fact.year), []).append(fact)
        self._read += len(chosen)
        # A pair without facts any more (deleted since it was listed) has no block.
        self._blocks.extend(blocks[pair] for pair in chosen if pair in blocks)


class ClusterCommands:
    """The cluster commands; the core's admins may use /setcluster."""

    def __init__(self, reader: Reader) -> None:
        self.reader = reader
        self.common = reader.common
        self.db = reader.db

    # -- /cluster ----------------------------------------------------------------------------

    async def show(self, who: Who, argument: str) -> Message:
        """`/cluster` latest year of every cluster, `/cluster 2023` a year, `/cluster <words>`
        one cluster (its name, or a member unit's), every year or the one given."""
        lang = await self.reader.language(who)
        parsed = _parse_show(argument)
        if parsed is None:
            return Message(t(lang, "cluster.usage"))
        year, name = parsed
        room = self.common.limits(who.chat.channel).text - _FOOTER_ROOM
        if key := named_cluster_key(name):
            # The cluster's name, else a member unit's (one round trip).
            keys = await cluster_facts.find_keys(self.db, key, unit_key=fold(name))
            if not keys:
                return Message(t(lang, "cluster.unknown", query=_echo(name)))
            pairs = await cluster_facts.pairs_of_clusters(self.db, keys, year)
            if not pairs:
                return Message(t(lang, "cluster.none_cluster_year", query=_echo(name), year=year))
            return await self._render(lang, t(lang, "cluster.title_search", query=_echo(name)),
                                      pairs, room)
        if year is not None:
            pairs = await cluster_facts.pairs_of_year(self.db, year)
            if not pairs:
                return Message(t(lang, "cluster.none_year", year=year))
            return await self._render(lang, t(lang, "cluster.title_year", year=year), pairs,
                                      room)
        pairs = await cluster_facts.latest_pairs(self.db)
        if not pairs:
            return Message(t(lang, "cluster.none"))
        return await self._render(lang, t(lang, "cluster.title"), pairs, room)

    async def _render(self, lang: str, title: Text, pairs: Sequence[Pair], room: int
                      ) -> Message:
        """A block per (cluster, year) pair; with the source sentences when everything fits.
        Only the blocks drafted (those that may fit) have their facts read (`_Drafts`)."""
        ordered = sorted(pairs, key=lambda p: (p[0], -p[1]))  # keys are folded names
        drafts = _Drafts(ordered, lambda block, sources: self._block(lang, block, sources),
                         lambda chosen: cluster_facts.winners(self.db, chosen))
        for with_sentences in (True, False):
            reply, complete = await self._compose(lang, title, drafts, room,
                                                  with_sentences=with_sentences)
            if complete:
                return reply
        return reply

    async def _compose(self, lang: str, title: Text, drafts: _Drafts, room: int, *,
                       with_sentences: bool) -> tuple[Message, bool]:
        numbers: dict[int, int] = {}  # the sources of the blocks shown
        parts = [title]
        length = title.length
        shown = 0
        while shown < len(drafts):
            draft = await drafts.get(shown)
            if draft is None:  # its facts went since the pairs were listed
                break
            text = draft.text(with_sentences=with_sentences)
            length += 2 + text.length  # "\n\n" between parts
            if length > room or len(draft.numbers) > _MAX_SOURCES:
                break
            parts.append(text)
            numbers = draft.numbers
            shown += 1
        complete = shown == len(drafts)
        if not complete:
            parts.append(t(lang, "cluster.more", count=len(drafts) - shown))
        if numbers:
            parts.append(t(lang, "cluster.footer"))
        choices = [Choice(f"📰 {n}", action=callbacks.make(callbacks.OPEN, article_id))
                   for article_id, n in numbers.items()]
        return Message(Text.join("\n\n", parts), rows(choices, 5)), complete

    def _block(self, lang: str, block: list[Fact], sources: _Sources) -> _Draft:
        """A cluster's year: one line per role with its source number, then the sources (title,
        link, date and, when there is room, the sentence the fact was read from)."""
        tz = self.common.tz
        first = block[0]
        lines: list[tuple[Text | str, bool]] = [
            (t(lang, "cluster.block", cluster=first.cluster, year=first.year), False)]
        by_role = {f.role: f for f in block}
        cited: dict[int, list[Fact]] = {}  # source number -> its facts, in role order
        for role in ("leader", "deputy"):
            label = t(lang, f"cluster.role.{role}")
            fact = by_role.get(role)
            if fact is None:
                lines.append((t(lang, "cluster.role_unknown", role=label), False))
                continue
            unit = official_style(fact.unit) if fact.unit else t(lang, "cluster.nobody")
            mark: Text | str
            if fact.origin == "admin" or fact.article_id is None:
                mark = t(lang, "cluster.by_admin", when=format_local_datetime(fact.created_at, tz))
            else:
                number = sources.number(fact.article_id)
                cited.setdefault(number, []).append(fact)
                mark = f"[{number}]"
            lines.append((t(lang, "cluster.role_line", role=label, unit=unit, source=mark),
                          False))
        for number, facts in cited.items():
            lines.append(("    " + self._source(lang, number, facts[0]), False))
            for sentence in dict.fromkeys(f.sentence for f in facts if f.sentence):
                quoted = _cut(sentence, _SENTENCE_CHARS)
                lines.append(("        " + italic(f"«{quoted}»"), True))
        return _Draft(lines, sources.numbers)

    def _source(self, lang: str, number: int, fact: Fact) -> Text:
        title = Text(_cut(fact.article_title or "", _TITLE_CHARS))
        if is_web_url(fact.article_url):
            title = link(title, fact.article_url or "")
        when = (format_local_datetime(fact.published, self.common.tz)
                if fact.published else "")
        return t(lang, "cluster.source", number=number, title=title, when=when)

    # -- /setcluster -------------------------------------------------------------------------

    async def set_leadership(self, who: Who, argument: str) -> Message:
        """An admin sets or corrects a year's leader or deputy:
        `/setcluster <year> | <cluster> | <Cụm trưởng|Cụm phó> | <unit, or - for nobody>`."""
        lang = await self.reader.language(who)
        if not self.common.is_admin(who):
            log.warning("setcluster refused: user_id=%s chat=%s", who.user_id, who.chat)
            return Message(t(lang, "admin.refused"))
        parsed = parse_setcluster(argument)
        if parsed is None:
            return Message(t(lang, "setcluster.usage"))
        year, cluster_text, role, typed_unit = parsed
        key, name = await resolve_cluster(self.db, cluster_text)
        unit = await resolve_unit(self.db, typed_unit, key)
        fact = NewFact(cluster_key=key, cluster=name, year=year, role=role, unit=unit,
                       unit_key=fold(unit))
        assert who.user_id is not None  # an admin is a known user
        async with self.db.transaction() as conn:
            await cluster_facts.set_admin(conn, fact, admin_id=who.user_id,
                                          now=int(self.common.clock()))
        log.info("setcluster: admin user_id=%s set cluster=%r year=%s role=%s unit=%r",
                 who.user_id, key, year, role, unit)
        return Message(set_text(lang, fact))


def set_text(lang: str, fact: NewFact) -> Text:
    """What an admin is told once their fact is stored."""
    return t(lang, "setcluster.done", year=fact.year, cluster=fact.cluster,
             role=t(lang, f"cluster.role.{fact.role}"),
             unit=official_style(fact.unit) if fact.unit else t(lang, "cluster.nobody"))


async def resolve_cluster(conn: Conn, text: str) -> tuple[str, str]:
    """(key, display name) of a cluster an admin typed: a known cluster keeps the name the facts
    use; a new one gets its canonical spelling."""
    key = cluster_key(text)
    return key, await cluster_facts.cluster_name(conn, key) or canonical_cluster(text)


async def resolve_unit(conn: Conn, unit: str, key: str) -> str:
    """A unit an admin typed, as the facts already spell the same member (of this cluster
    first, then of any), else in its canonical spelling."""
    if not unit:
        return unit
    for of_cluster in (key, None):
        found = known_spelling(unit, await cluster_facts.known_units(conn, of_cluster))
        if found != unit:
            return found
    return unit


def _parse_show(argument: str) -> tuple[int | None, str] | None:
    """(year or None, cluster words) of a /cluster argument, or None when it is malformed."""
    words = argument.split()
    if len(" ".join(words)) > _MAX_ARGUMENT:
        return None
    years = [w for w in words if _YEAR.fullmatch(w)]
    if len(years) > 1 or any(not MIN_YEAR <= int(y) <= MAX_YEAR for y in years):
        return None
    # "năm 2023" is a year, not a cluster called "năm".
    name = " ".join(w for i, w in enumerate(words) if w not in years and not (
        i + 1 < len(words) and words[i + 1] in years and fold(w) in ("nam", "year")))
    return (int(years[0]) if years else None), name


def _cut(text: str, limit: int) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + "…"


def _echo(text: str) -> str:
    return text if len(text) <= _MAX_ECHO else text[:_MAX_ECHO] + "…"

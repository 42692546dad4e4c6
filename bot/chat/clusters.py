"""/cluster and /setcluster: who leads which emulation cluster (cụm thi đua), with the source.

Plain data in (`Who`, argument strings), `Message` out; no chat-platform objects here. Which fact
wins when several answer the same cluster, year and role is decided in storage/clusters.py
(an admin's fact, else the most recent article).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import groupby

from bot.chat import callbacks
from bot.chat.reader import Reader
from bot.cluster import canonical_cluster, cluster_key, normalize_unit
from bot.delivery.card import is_web_url
from bot.i18n import t
from bot.message import Choice, Message, Text, Who, italic, link, rows
from bot.text.datefmt import format_local_datetime
from bot.text.fold import fold
from storage import clusters
from storage.clusters import Fact, NewFact, Role

log = logging.getLogger(__name__)

MIN_YEAR, MAX_YEAR = 1990, 2100
_MAX_ARGUMENT = 300
_MAX_ECHO = 60
_MAX_CLUSTER = 150
_MAX_UNIT = 200
_TITLE_CHARS = 110
_SENTENCE_CHARS = 320
_MAX_SOURCES = 40  # one open choice each; Telegram allows ~100 buttons per keyboard
_FOOTER_ROOM = 200  # room kept for the "and N more" line
_YEAR = re.compile(r"\d{4}")
_NOBODY = {"-", "—", "–", "khong", "khong co", "none", "nobody"}
_GENERIC = {"cum", "thi", "dua", "khoi", "mttq", "cac"}  # "cụm thi đua" alone names no cluster
_ROLES: dict[str, Role] = {
    "cum truong": "leader", "truong cum": "leader", "leader": "leader",
    "cum pho": "deputy", "pho cum": "deputy", "pho truong cum": "deputy",
    "pho cum truong": "deputy", "deputy": "deputy",
}


@dataclass
class _Sources:
    """Source articles numbered in order of appearance: [1], [2], ..."""

    numbers: dict[int, int] = field(default_factory=dict)  # article id -> number

    def number(self, article_id: int) -> int:
        return self.numbers.setdefault(article_id, len(self.numbers) + 1)

    def copy(self) -> _Sources:
        return _Sources(dict(self.numbers))


class Clusters:
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
        if key := _cluster_key(name):
            keys = await clusters.find_keys(self.db, key)
            if not keys:
                keys = await clusters.keys_with_unit(self.db, fold(name))
            if not keys:
                return Message(t(lang, "cluster.unknown", query=_echo(name)))
            facts = await clusters.of_clusters(self.db, keys, year)
            if not facts:
                return Message(t(lang, "cluster.none_cluster_year", query=_echo(name), year=year))
            return self._render(lang, t(lang, "cluster.title_search", query=_echo(name)), facts,
                                room)
        if year is not None:
            facts = await clusters.of_year(self.db, year)
            if not facts:
                return Message(t(lang, "cluster.none_year", year=year))
            return self._render(lang, t(lang, "cluster.title_year", year=year), facts, room)
        facts = await clusters.latest(self.db)
        if not facts:
            return Message(t(lang, "cluster.none"))
        return self._render(lang, t(lang, "cluster.title"), facts, room)

    def _render(self, lang: str, title: Text, facts: Sequence[Fact], room: int) -> Message:
        """Blocks per (cluster, year); with the source sentences when everything fits."""
        blocks = [list(g) for _, g in groupby(facts, key=lambda f: (f.cluster_key, f.year))]
        blocks.sort(key=lambda b: (b[0].cluster_key, -b[0].year))  # keys are folded names
        for with_sentences in (True, False):
            reply, complete = self._compose(lang, title, blocks, room,
                                            with_sentences=with_sentences)
            if complete:
                return reply
        return reply

    def _compose(self, lang: str, title: Text, blocks: list[list[Fact]], room: int, *,
                 with_sentences: bool) -> tuple[Message, bool]:
        sources = _Sources()
        parts = [title]
        length = title.length
        shown = 0
        for block in blocks:
            trial = sources.copy()
            text = self._block(lang, block, trial, with_sentences=with_sentences)
            length += 2 + text.length  # "\n\n" between parts
            if length > room or len(trial.numbers) > _MAX_SOURCES:
                break
            parts.append(text)
            sources = trial
            shown += 1
        complete = shown == len(blocks)
        if not complete:
            parts.append(t(lang, "cluster.more", count=len(blocks) - shown))
        if sources.numbers:
            parts.append(t(lang, "cluster.footer"))
        choices = [Choice(f"📰 {n}", action=callbacks.make(callbacks.OPEN, article_id))
                   for article_id, n in sources.numbers.items()]
        return Message(Text.join("\n\n", parts), rows(choices, 5)), complete

    def _block(self, lang: str, block: list[Fact], sources: _Sources, *, with_sentences: bool
               ) -> Text:
        """A cluster's year: one line per role with its source number, then the sources (title,
        link, date and, when there is room, the sentence the fact was read from)."""
        tz = self.common.tz
        first = block[0]
        lines: list[Text | str] = [t(lang, "cluster.block", cluster=first.cluster,
                                     year=first.year)]
        by_role = {f.role: f for f in block}
        cited: dict[int, list[Fact]] = {}  # source number -> its facts, in role order
        for role in ("leader", "deputy"):
            label = t(lang, f"cluster.role.{role}")
            fact = by_role.get(role)
            if fact is None:
                lines.append(t(lang, "cluster.role_unknown", role=label))
                continue
            unit = fact.unit or t(lang, "cluster.nobody")
            mark: Text | str
            if fact.origin == "admin" or fact.article_id is None:
                mark = t(lang, "cluster.by_admin", when=format_local_datetime(fact.created_at, tz))
            else:
                number = sources.number(fact.article_id)
                cited.setdefault(number, []).append(fact)
                mark = f"[{number}]"
            lines.append(t(lang, "cluster.role_line", role=label, unit=unit, source=mark))
        for number, facts in cited.items():
            lines.append("    " + self._source(lang, number, facts[0]))
            if with_sentences:
                for sentence in dict.fromkeys(f.sentence for f in facts if f.sentence):
                    quoted = _cut(sentence, _SENTENCE_CHARS)
                    lines.append("        " + italic(f"«{quoted}»"))
        return Text.join("\n", lines)

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
        parsed = _parse_set(argument)
        if parsed is None:
            return Message(t(lang, "setcluster.usage"))
        year, cluster_text, role, unit = parsed
        key = cluster_key(cluster_text)
        name = await clusters.cluster_name(self.db, key) or canonical_cluster(cluster_text)
        fact = NewFact(cluster_key=key, cluster=name, year=year, role=role, unit=unit,
                       unit_key=fold(unit))
        assert who.user_id is not None  # an admin is a known user
        async with self.db.transaction() as conn:
            await clusters.set_admin(conn, fact, admin_id=who.user_id,
                                     now=int(self.common.clock()))
        log.info("setcluster: admin user_id=%s set cluster=%r year=%s role=%s unit=%r",
                 who.user_id, key, year, role, unit)
        return Message(t(lang, "setcluster.done", year=year, cluster=name,
                         role=t(lang, f"cluster.role.{role}"),
                         unit=unit or t(lang, "cluster.nobody")))


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


def _parse_set(argument: str) -> tuple[int, str, Role, str] | None:
    """(year, cluster, role, unit) of a /setcluster argument, or None when it is malformed."""
    if len(argument) > _MAX_ARGUMENT * 2:
        return None
    parts = [" ".join(p.split()) for p in argument.split("|")]
    if len(parts) != 4 or not all(parts):
        return None
    year_text, cluster_text, role_text, unit_text = parts
    if not _YEAR.fullmatch(year_text) or not MIN_YEAR <= int(year_text) <= MAX_YEAR:
        return None
    if len(cluster_text) > _MAX_CLUSTER or not _cluster_key(cluster_text):
        return None
    role = _ROLES.get(fold(role_text))
    if role is None:
        return None
    if fold(unit_text) in _NOBODY:
        return int(year_text), cluster_text, role, ""
    unit = normalize_unit(unit_text)
    if not 3 <= len(unit) <= _MAX_UNIT or not any(ch.isalpha() for ch in unit):
        return None
    return int(year_text), cluster_text, role, unit


def _cluster_key(name: str) -> str:
    """The cluster key of what a user typed; "" when it names no cluster in particular."""
    key = cluster_key(name) if name else ""
    return "" if set(key.split()) <= _GENERIC else key


def _cut(text: str, limit: int) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + "…"


def _echo(text: str) -> str:
    return text if len(text) <= _MAX_ECHO else text[:_MAX_ECHO] + "…"

"""The admins' review of what the cluster reader is unsure about (SPEC 13): the questions, the
answers, and when the admins are told.

A candidate (storage/cluster_candidates.py) is never shown to readers. It reaches the admins as
a question with the sentence and its article ("Có phải X là Cụm trưởng cụm Y năm Z?") and four
choices: yes (it becomes an admin fact, shown by /cluster as set by an admin), no (never asked
again, also after `newsbot rescan-clusters`), correct (the /setcluster dialog, prefilled:
bot/chat/cluster_dialog.py) and later (the next question in its place).

When, so that admins are never flooded:
- `announce` (the core runs it after each ingestion and every minute): when candidates came in
  since the last announcement, each admin gets ONE message, "N câu hỏi mới về cụm thi đua", with
  the first question; an admin whose last question is still unanswered (and younger than a day)
  gets nothing more: the rest follows their answer;
- each answer is followed by the next question (or "all answered");
- /review shows the waiting questions again, from the first.
Plain data in (`Who`, ids), `Message`/`Notice` out; every entry point checks the admin.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from bot.chat import callbacks
from bot.chat import cluster_callbacks as cb
from bot.chat.reader import Reader
from bot.cluster.units import official_style
from bot.delivery.card import is_web_url
from bot.i18n import t
from bot.message import ChatRef, Choice, Message, Notice, Text, UserRef, Who, italic, link
from bot.text.datefmt import format_local_datetime
from storage import cluster_candidates, cluster_review
from storage.cluster_candidates import Candidate

log = logging.getLogger(__name__)

REMIND_AFTER = 24 * 3600  # an unanswered question is announced again after this long
_SENTENCE_CHARS = 600
_TITLE_CHARS = 110

# Sends a message to an admin's chat through the outbound path: True when it was delivered.
Send = Callable[[ChatRef, Message], Awaitable[bool]]


class ClusterReview:
    """The review questions and answers (see the module docstring)."""

    def __init__(self, reader: Reader) -> None:
        self.reader = reader
        self.common = reader.common
        self.db = reader.db

    # -- the question ------------------------------------------------------------------------

    def question(self, lang: str, candidate: Candidate, header: Text | None = None) -> Message:
        """"Có phải X là Cụm trưởng cụm Y năm Z?" with the sentence, the article, the choices."""
        c = candidate
        parts: list[Text] = [header] if header else []
        parts.append(t(lang, "review.question", **claim(lang, c)))
        parts.append(italic(f"«{_cut(c.sentence, _SENTENCE_CHARS)}»"))
        title = Text(_cut(c.article_title, _TITLE_CHARS))
        if is_web_url(c.article_url):
            title = link(title, c.article_url or "")
        when = format_local_datetime(c.published, self.common.tz)
        parts.append(t(lang, "review.source", title=title, when=when))
        label = {key: str(t(lang, f"review.button_{key}"))
                 for key in ("confirm", "reject", "correct", "later", "open")}
        choices = (
            (Choice(label["confirm"], cb.review(cb.CONFIRM, c.id)),
             Choice(label["reject"], cb.review(cb.REJECT, c.id))),
            (Choice(label["correct"], cb.review(cb.CORRECT, c.id)),
             Choice(label["later"], cb.review(cb.LATER, c.id))),
            (Choice(label["open"], callbacks.make(callbacks.OPEN, c.article_id)),),
        )
        return Message(Text.join("\n\n", parts), choices)

    def decided(self, lang: str, candidate: Candidate) -> Message:
        """The question once answered (no choices left)."""
        return Message(t(lang, f"review.{candidate.status}", **claim(lang, candidate)))

    # -- /review and what follows an answer --------------------------------------------------

    async def resume(self, who: Who) -> Message:
        """/review: how many questions wait, and the first of them."""
        lang = await self.reader.language(who)
        if not self.common.is_admin(who) or who.user is None:
            log.warning("review refused: user_id=%s chat=%s", who.user_id, who.chat)
            return Message(t(lang, "admin.refused"))
        first = await cluster_candidates.pending(self.db, limit=1)
        if not first:
            return Message(t(lang, "review.none"))
        waiting = await cluster_candidates.pending_count(self.db)
        await self._asked(who.user, first[0].id)
        return self.question(lang, first[0], t(lang, "review.waiting", count=waiting))

    async def next_question(self, who: Who, lang: str) -> Message:
        """What follows an answer: the next question, or "all answered"."""
        first = await cluster_candidates.pending(self.db, limit=1)
        user = who.user
        if not first:
            if user is not None:
                async with self.db.transaction() as conn:
                    await cluster_review.forget_ask(conn, user)
            return Message(t(lang, "review.all_done"))
        waiting = await cluster_candidates.pending_count(self.db)
        if user is not None:
            await self._asked(user, first[0].id)
        return self.question(lang, first[0], t(lang, "review.left", count=waiting))

    async def _asked(self, admin: UserRef, candidate_id: int) -> None:
        async with self.db.transaction() as conn:
            await cluster_review.record_ask(conn, admin, candidate_id,
                                            now=int(self.common.clock()))

    # -- answers -----------------------------------------------------------------------------

    async def open_question(self, lang: str, candidate_id: int) -> Candidate | Notice:
        """The candidate if it still waits for an answer, else what to tell the admin."""
        found = await cluster_candidates.candidate(self.db, candidate_id)
        if found is None:
            return Notice(t(lang, "review.gone"), edit=Message(t(lang, "review.gone")))
        if found.status != "pending":
            return self._already(lang, found)
        return found

    def _already(self, lang: str, found: Candidate) -> Notice:
        when = format_local_datetime(found.decided_at, self.common.tz) if found.decided_at else ""
        return Notice(t(lang, "review.already", status=t(lang, f"review.status.{found.status}"),
                        when=when), alert=True, edit=self.decided(lang, found))

    async def answer(self, who: Who, action: cb.ClusterAction) -> Notice:
        """Yes, no or later to a question (correct is the dialog's)."""
        lang = await self.reader.language(who)
        if not self.common.is_admin(who) or who.user_id is None:
            log.warning("review answer refused: user_id=%s chat=%s", who.user_id, who.chat)
            return Notice(t(lang, "admin.refused"), alert=True)
        if action.action == cb.LATER:
            return await self._later(who, lang, action.candidate_id)
        now = int(self.common.clock())
        async with self.db.transaction() as conn:
            if action.action == cb.CONFIRM:
                done = await cluster_candidates.confirm(conn, action.candidate_id,
                                                        admin_id=who.user_id, now=now)
            else:
                done = await cluster_candidates.reject(conn, action.candidate_id,
                                                       admin_id=who.user_id, now=now)
        if done is None:
            found = await self.open_question(lang, action.candidate_id)
            assert not isinstance(found, Candidate)  # not pending: decided, or gone
            return found
        log.info("cluster review: admin user_id=%s %s candidate_id=%s (%s %s %s %r)",
                 who.user_id, done.status, done.id, done.cluster_key, done.year, done.role,
                 done.unit)
        return Notice(t(lang, f"review.notice_{done.status}"), edit=self.decided(lang, done),
                      send=await self.next_question(who, lang))

    async def _later(self, who: Who, lang: str, candidate_id: int) -> Notice:
        """The next waiting question in place of this one (which keeps waiting)."""
        following = (await cluster_candidates.pending(self.db, after_id=candidate_id,
                                                      limit=1)
                     or await cluster_candidates.pending(self.db, limit=1))
        if not following or following[0].id == candidate_id:
            return Notice(t(lang, "review.no_other"))
        if who.user is not None:
            await self._asked(who.user, following[0].id)
        waiting = await cluster_candidates.pending_count(self.db)
        return Notice(edit=self.question(lang, following[0],
                                         t(lang, "review.left", count=waiting)))

    # -- telling the admins ------------------------------------------------------------------

    async def announce(self, send: Send) -> int:
        """Tell each admin once about the questions that came in since the last announcement
        (see the module docstring); returns how many admins were told."""
        # Most of the time nothing is new: two reads, no write lock.
        if (await cluster_candidates.newest_pending_id(self.db)
                <= await cluster_review.announced(self.db)):
            return 0
        async with self.db.transaction() as conn:
            seen = await cluster_review.announced(conn)
            newest = await cluster_candidates.newest_pending_id(conn)
            if newest <= seen:
                return 0
            fresh = await cluster_candidates.pending_count(conn, after_id=seen)
            if not await cluster_review.advance_announced(conn, seen, newest):
                return 0  # another process announces these
        first = await cluster_candidates.pending(self.db, limit=1)
        if not fresh or not first:
            return 0
        now = int(self.common.clock())
        told = 0
        for admin in sorted(self.common.admins.users, key=lambda u: (u.channel, u.id)):
            if not await self._may_announce(admin, now):
                continue
            chat = ChatRef(admin.channel, admin.id)
            lang = await self.common.language(chat)
            if await send(chat, self.question(lang, first[0], t(lang, "review.new",
                                                                 count=fresh))):
                await self._asked(admin, first[0].id)
                told += 1
        log.info("cluster review: %d new question(s), announced to %d admin(s)", fresh, told)
        return told

    async def _may_announce(self, admin: UserRef, now: int) -> bool:
        """False while the admin has a question waiting that they were asked less than a day
        ago: what is new follows their answer."""
        ask = await cluster_review.last_ask(self.db, admin)
        if ask is None or now - ask.asked_at >= REMIND_AFTER:
            return True
        still = await cluster_candidates.pending(self.db, after_id=ask.candidate_id - 1,
                                                 limit=1)
        return not still or still[0].id != ask.candidate_id


def claim(lang: str, candidate: Candidate) -> dict[str, object]:
    """The values of "X là Cụm trưởng cụm Y năm Z" in the question and its answers."""
    return {"unit": official_style(candidate.unit),
            "role": t(lang, f"cluster.role.{candidate.role}"),
            "cluster": candidate.cluster, "year": candidate.year}


def _cut(text: str, limit: int) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + "…"

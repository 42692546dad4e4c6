"""The /setcluster dialog: an admin sets a year's cluster leader or deputy step by step, or
corrects what the reader was unsure about (the review's "✏️ Sửa", prefilled).

Steps: year -> cluster (known clusters as choices, a page at a time, or a new one typed) ->
role (Cụm trưởng / Cụm phó) -> unit (typed, in any spelling: it is stored as the facts already
spell that member, else in its canonical spelling; or a known member of the cluster as a
choice; or nobody) -> confirm. Each step takes a choice or typed text; "↩️ Quay lại" goes one
step back, "✖️ Hủy" ends it. Where a value is already there (prefilled, or chosen before going
back), "✔️ Giữ" keeps it.

The dialog is a row per chat (storage/cluster_dialogs.py), so a restart keeps it. It ends when
saved or cancelled, when any command is sent in that chat (`interrupt`), or after an hour
without an answer. Only the admin who opened it answers it by typing. Plain data in (`Who`,
text, parsed actions), `Message`/`Notice` out; every entry point checks the admin.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, datetime

from bot.chat import cluster_callbacks as cb
from bot.chat.cluster import resolve_cluster, resolve_unit, set_text
from bot.chat.cluster_input import NOBODY, parse_cluster, parse_role, parse_unit, parse_year
from bot.chat.cluster_review import ClusterReview, claim
from bot.chat.reader import Reader
from bot.cluster.units import official_style
from bot.i18n import t
from bot.message import Choice, Message, Notice, Text, Who
from bot.text.fold import fold
from storage import cluster_candidates, cluster_dialogs, cluster_facts
from storage.cluster_candidates import Candidate
from storage.cluster_dialogs import Dialog, Step
from storage.cluster_facts import NewFact

log = logging.getLogger(__name__)

TIMEOUT = 3600  # seconds without an answer before a dialog ends
CLUSTERS_PER_PAGE = 8
UNITS_OFFERED = 6  # known members of the chosen cluster offered as choices
# A choice's label (a cluster's or unit's name) is cut to this, at a word: phones show about
# this much of a button's text.
_LABEL_CHARS = 48
_ECHO_CHARS = 60
STEPS: tuple[Step, ...] = ("year", "cluster", "role", "unit", "confirm")


class ClusterDialog:
    """The /setcluster dialog (see the module docstring)."""

    def __init__(self, reader: Reader, review: ClusterReview) -> None:
        self.reader = reader
        self.review = review
        self.common = reader.common
        self.db = reader.db

    # -- opening and ending ------------------------------------------------------------------

    async def start(self, who: Who) -> Message:
        """/setcluster without arguments: the first step."""
        lang = await self.reader.language(who)
        if not self.common.is_admin(who) or who.user_id is None:
            log.warning("setcluster refused: user_id=%s chat=%s", who.user_id, who.chat)
            return Message(t(lang, "admin.refused"))
        dialog = Dialog(chat=who.chat, user_id=who.user_id, step="year", updated_at=self._now())
        await self._save(dialog)
        log.info("setcluster dialog opened: admin user_id=%s chat=%s", who.user_id, who.chat)
        prompt = await self._prompt(lang, dialog)
        waiting = await cluster_candidates.pending_count(self.db)
        if waiting:
            note = t(lang, "dialog.pending_note", count=waiting)
            prompt = replace(prompt, text=prompt.text + "\n\n" + note)
        return prompt

    async def correct(self, who: Who, candidate_id: int) -> Notice:
        """The review's "✏️ Sửa": the dialog, prefilled with what the reader read."""
        lang = await self.reader.language(who)
        if not self.common.is_admin(who) or who.user_id is None:
            log.warning("cluster correction refused: user_id=%s chat=%s", who.user_id, who.chat)
            return Notice(t(lang, "admin.refused"), alert=True)
        found = await self.review.open_question(lang, candidate_id)
        if not isinstance(found, Candidate):
            return found
        dialog = Dialog(chat=who.chat, user_id=who.user_id, step="year", updated_at=self._now(),
                        year=found.year, cluster_key=found.cluster_key, cluster=found.cluster,
                        role=found.role, unit=found.unit, candidate_id=found.id)
        await self._save(dialog)
        return Notice(send=await self._prompt(lang, dialog))

    async def interrupt(self, who: Who) -> None:
        """A new command in the chat ends its dialog (only admins ever have one)."""
        if not self.common.is_admin(who):
            return
        if await cluster_dialogs.get(self.db, who.chat) is None:
            return
        async with self.db.transaction() as conn:
            await cluster_dialogs.delete(conn, who.chat)
        log.info("setcluster dialog ended by a new command: chat=%s", who.chat)

    # -- typed answers -----------------------------------------------------------------------

    async def typed(self, who: Who, text: str) -> Message | None:
        """A message that is no command: the answer to the chat's open dialog, if it has one
        opened by this admin (None: not the dialog's, the caller handles it)."""
        if not self.common.is_admin(who):
            return None
        dialog = await self._current(who)
        if dialog is None or dialog.user_id != who.user_id:
            return None
        lang = await self.reader.language(who)
        echo = _cut(" ".join(text.split()), _ECHO_CHARS)
        match dialog.step:
            case "year":
                year = parse_year(text)
                if year is None:
                    return await self._prompt(lang, dialog, error=t(lang, "dialog.bad_year",
                                                                    text=echo))
                dialog = replace(dialog, year=year)
            case "cluster":
                name = parse_cluster(text)
                if name is None:
                    return await self._prompt(lang, dialog, error=t(lang, "dialog.bad_cluster",
                                                                    text=echo))
                key, display = await resolve_cluster(self.db, name)
                dialog = replace(dialog, cluster_key=key, cluster=display)
            case "role":
                role = parse_role(text)
                if role is None:
                    return await self._prompt(lang, dialog, error=t(lang, "dialog.bad_role"))
                dialog = replace(dialog, role=role)
            case "unit":
                unit = parse_unit(text)
                if unit is None:
                    return await self._prompt(lang, dialog, error=t(lang, "dialog.bad_unit",
                                                                    text=echo))
                assert dialog.cluster_key is not None
                dialog = replace(dialog, unit=await resolve_unit(self.db, unit,
                                                                 dialog.cluster_key))
            case _:
                return await self._prompt(lang, dialog, error=t(lang, "dialog.use_buttons"))
        return await self._advance(lang, dialog)

    # -- choices -----------------------------------------------------------------------------

    async def press(self, who: Who, action: cb.ClusterAction) -> Notice:
        """A dialog choice: the pressed message becomes the next step (or the result)."""
        lang = await self.reader.language(who)
        if not self.common.is_admin(who) or who.user_id is None:
            log.warning("setcluster choice refused: user_id=%s chat=%s", who.user_id, who.chat)
            return Notice(t(lang, "admin.refused"), alert=True)
        dialog = await self._current(who)
        if dialog is None:
            return Notice(t(lang, "dialog.expired"), edit=Message(t(lang, "dialog.expired")))
        if action.action == cb.CANCEL:
            async with self.db.transaction() as conn:
                await cluster_dialogs.delete(conn, who.chat)
            return Notice(edit=Message(t(lang, "dialog.cancelled")))
        if _step_of(action) not in (None, dialog.step):
            return Notice(t(lang, "dialog.stale"))
        match action.action:
            case cb.PAGE:
                return Notice(edit=await self._prompt(lang, dialog, page=action.page))
            case cb.BACK:
                back = STEPS[max(STEPS.index(dialog.step) - 1, 0)]
                dialog = replace(dialog, step=back, updated_at=self._now())
                await self._save(dialog)
                return Notice(edit=await self._prompt(lang, dialog))
            case cb.SAVE:
                return await self._store(who, lang, dialog)
        chosen = await self._choose(dialog, action)
        if chosen is None:
            return Notice(t(lang, "dialog.stale"))
        return Notice(edit=await self._advance(lang, chosen))

    async def _choose(self, dialog: Dialog, action: cb.ClusterAction) -> Dialog | None:
        """The dialog with the chosen value (None: the choice names nothing known now)."""
        match action.action:
            case cb.YEAR:
                return replace(dialog, year=action.year) if parse_year(str(action.year)) \
                    else None
            case cb.CLUSTER:
                known = await cluster_facts.known_clusters(self.db)
                found = next(((k, n) for k, n in known if cb.short_hash(k) == action.hash), None)
                if found is None:
                    return None
                return replace(dialog, cluster_key=found[0], cluster=found[1])
            case cb.ROLE:
                return replace(dialog, role="leader" if action.role == "leader" else "deputy")
            case cb.UNIT:
                units = await cluster_facts.known_units(self.db, dialog.cluster_key)
                unit = next((u for u in units if cb.short_hash(u) == action.hash), None)
                return replace(dialog, unit=unit) if unit is not None else None
            case cb.NOBODY:
                return replace(dialog, unit=NOBODY) if dialog.step == "unit" else None
            case cb.KEEP:
                return dialog if _value(dialog, dialog.step) is not None else None
        return None

    async def _advance(self, lang: str, dialog: Dialog) -> Message:
        """Store the dialog at its next step and ask that step."""
        following = STEPS[min(STEPS.index(dialog.step) + 1, len(STEPS) - 1)]
        dialog = replace(dialog, step=following, updated_at=self._now())
        await self._save(dialog)
        return await self._prompt(lang, dialog)

    async def _store(self, who: Who, lang: str, dialog: Dialog) -> Notice:
        """Save: the admin fact (a correction of the candidate, when there is one)."""
        if (dialog.year is None or dialog.cluster_key is None or dialog.cluster is None
                or dialog.role is None or dialog.unit is None or who.user_id is None):
            return Notice(t(lang, "dialog.stale"))
        fact = NewFact(cluster_key=dialog.cluster_key, cluster=dialog.cluster, year=dialog.year,
                       role=dialog.role, unit=dialog.unit, unit_key=fold(dialog.unit))
        now = self._now()
        async with self.db.transaction() as conn:
            corrected = None
            if dialog.candidate_id is not None:
                corrected = await cluster_candidates.correct(conn, dialog.candidate_id, fact,
                                                             admin_id=who.user_id, now=now)
            if corrected is None:  # a plain /setcluster, or the question was answered since
                await cluster_facts.set_admin(conn, fact, admin_id=who.user_id, now=now)
            await cluster_dialogs.delete(conn, who.chat)
        log.info("setcluster dialog: admin user_id=%s set cluster=%r year=%s role=%s unit=%r "
                 "candidate_id=%s", who.user_id, fact.cluster_key, fact.year, fact.role,
                 fact.unit, dialog.candidate_id)
        done = Message(set_text(lang, fact))
        if dialog.candidate_id is None:
            return Notice(t(lang, "dialog.saved"), edit=done)
        return Notice(t(lang, "dialog.saved"), edit=done,
                      send=await self.review.next_question(who, lang))

    # -- state -------------------------------------------------------------------------------

    def _now(self) -> int:
        return int(self.common.clock())

    async def _save(self, dialog: Dialog) -> None:
        async with self.db.transaction() as conn:
            await cluster_dialogs.save(conn, dialog)

    async def _current(self, who: Who) -> Dialog | None:
        """The chat's dialog, unless it has timed out (then it ends)."""
        dialog = await cluster_dialogs.get(self.db, who.chat)
        if dialog is None:
            return None
        if self._now() - dialog.updated_at > TIMEOUT:
            async with self.db.transaction() as conn:
                await cluster_dialogs.delete(conn, who.chat)
            log.info("setcluster dialog timed out: chat=%s", who.chat)
            return None
        return dialog

    # -- what each step says -----------------------------------------------------------------

    async def _prompt(self, lang: str, dialog: Dialog, *, page: int = 0,
                      error: Text | None = None) -> Message:
        """The message asking the dialog's current step."""
        parts: list[Text] = [await self._title(lang, dialog)]
        chosen = _chosen(lang, dialog)
        if chosen and dialog.step != "confirm":
            parts.append(t(lang, "dialog.chosen", chosen=chosen))
        if error is not None:
            parts.append(error)
        choices: list[tuple[Choice, ...]] = []
        match dialog.step:
            case "year":
                parts.append(t(lang, "dialog.step_year"))
                choices.append(self._years(dialog))
            case "cluster":
                text, rows = await self._clusters(lang, dialog, page)
                parts.append(text)
                choices.extend(rows)
            case "role":
                parts.append(t(lang, "dialog.step_role"))
                choices.append(tuple(
                    Choice(_ticked(str(t(lang, f"cluster.role.{role}")), dialog.role == role),
                           cb.role(role)) for role in ("leader", "deputy")))
            case "unit":
                parts.append(t(lang, "dialog.step_unit"))
                parts.append(await self._now_shown(lang, dialog))
                choices.extend(await self._units(lang, dialog))
            case _:
                parts.append(t(lang, "dialog.step_confirm"))
                parts.append(await self._summary(lang, dialog))
                choices.append((Choice(str(t(lang, "dialog.button_save")), cb.bare(cb.SAVE)),))
        navigation = [Choice(str(t(lang, "dialog.button_cancel")), cb.bare(cb.CANCEL))]
        if dialog.step != "year":
            navigation.insert(0, Choice(str(t(lang, "dialog.button_back")),
                                        cb.back(dialog.step)))
        choices.append(tuple(navigation))
        return Message(Text.join("\n\n", parts), tuple(r for r in choices if r))

    async def _title(self, lang: str, dialog: Dialog) -> Text:
        if dialog.candidate_id is None:
            return t(lang, "dialog.title")
        title = t(lang, "dialog.title_correct")
        found = await cluster_candidates.candidate(self.db, dialog.candidate_id)
        if found is not None:
            title += "\n" + t(lang, "dialog.read_as", **claim(lang, found))
        return title

    def _years(self, dialog: Dialog) -> tuple[Choice, ...]:
        this_year = datetime.fromtimestamp(self._now(), UTC).astimezone(self.common.tz).year
        years = [this_year - 1, this_year, this_year + 1]
        if dialog.year is not None and dialog.year not in years:
            years.insert(0, dialog.year)
        return tuple(Choice(_ticked(str(y), y == dialog.year), cb.year(y)) for y in years)

    async def _clusters(self, lang: str, dialog: Dialog, page: int
                        ) -> tuple[Text, list[tuple[Choice, ...]]]:
        """The cluster step: known clusters, a page at a time (a choice each), and keep."""
        known = await cluster_facts.known_clusters(self.db)
        rows: list[tuple[Choice, ...]] = []
        if dialog.cluster is not None:
            rows.append((Choice(str(t(lang, "dialog.button_keep", value=_cut(
                dialog.cluster, _LABEL_CHARS))), cb.keep("cluster")),))
        if not known:
            return t(lang, "dialog.step_cluster_none"), rows
        pages = -(-len(known) // CLUSTERS_PER_PAGE)
        page = min(max(page, 0), pages - 1)
        shown = known[page * CLUSTERS_PER_PAGE:(page + 1) * CLUSTERS_PER_PAGE]
        rows.extend((Choice(_ticked(_cut(name, _LABEL_CHARS), key == dialog.cluster_key),
                            cb.cluster(key)),) for key, name in shown)
        text = t(lang, "dialog.step_cluster")
        if pages > 1:
            text += " " + t(lang, "dialog.page", page=page + 1, pages=pages)
            turn = []
            if page > 0:
                turn.append(Choice(str(t(lang, "dialog.button_previous")), cb.page(page - 1)))
            if page + 1 < pages:
                turn.append(Choice(str(t(lang, "dialog.button_next")), cb.page(page + 1)))
            rows.append(tuple(turn))
        return text, rows

    async def _units(self, lang: str, dialog: Dialog) -> list[tuple[Choice, ...]]:
        """The unit step's choices: keep, the cluster's known members, nobody."""
        rows: list[tuple[Choice, ...]] = []
        if dialog.unit is not None:
            value = dialog.unit or str(t(lang, "cluster.nobody"))
            rows.append((Choice(str(t(lang, "dialog.button_keep", value=_cut(
                value, _LABEL_CHARS))), cb.keep("unit")),))
        units = await cluster_facts.known_units(self.db, dialog.cluster_key)
        offered = [u for u in units if u != dialog.unit][:UNITS_OFFERED]
        rows.extend((Choice(_cut(u, _LABEL_CHARS), cb.unit(u)),) for u in offered)
        rows.append((Choice(str(t(lang, "dialog.button_nobody")), cb.bare(cb.NOBODY)),))
        return rows

    async def _shown_now(self, dialog: Dialog) -> cluster_facts.Fact | None:
        """What /cluster shows now for the dialog's cluster, year and role."""
        if dialog.cluster_key is None or dialog.year is None or dialog.role is None:
            return None
        facts = await cluster_facts.of_clusters(self.db, [dialog.cluster_key],
                                                dialog.year)
        return next((f for f in facts if f.role == dialog.role), None)

    async def _now_shown(self, lang: str, dialog: Dialog) -> Text:
        fact = await self._shown_now(dialog)
        if fact is None:
            return t(lang, "dialog.now_none")
        return t(lang, "dialog.now_shown", unit=official_style(fact.unit or "")
                 or t(lang, "cluster.nobody"),
                 origin=t(lang, f"dialog.origin_{_origin(fact)}"))

    async def _summary(self, lang: str, dialog: Dialog) -> Text:
        known = await cluster_facts.cluster_name(self.db, dialog.cluster_key or "")
        summary = t(lang, "dialog.summary", year=dialog.year or "", cluster=dialog.cluster or "",
                    new=t(lang, "dialog.new_cluster") if known is None else "",
                    role=t(lang, f"cluster.role.{dialog.role or 'leader'}"),
                    unit=official_style(dialog.unit or "") or t(lang, "cluster.nobody"))
        fact = await self._shown_now(dialog)
        if fact is not None and fact.unit != dialog.unit:
            shown = official_style(fact.unit or "") or t(lang, "cluster.nobody")
            summary += "\n" + t(lang, "dialog.replaces", unit=shown,
                                origin=t(lang, f"dialog.origin_{_origin(fact)}"))
        return summary


def _step_of(action: cb.ClusterAction) -> Step | None:
    """The step a dialog choice belongs to (None: any step)."""
    if action.step is not None:
        return action.step
    return _STEP_OF_ACTION.get(action.action)


_STEP_OF_ACTION: dict[str, Step] = {
    cb.YEAR: "year", cb.CLUSTER: "cluster", cb.PAGE: "cluster", cb.ROLE: "role",
    cb.UNIT: "unit", cb.NOBODY: "unit", cb.SAVE: "confirm",
}


def _value(dialog: Dialog, step: Step) -> object | None:
    return {"year": dialog.year, "cluster": dialog.cluster_key, "role": dialog.role,
            "unit": dialog.unit}.get(step)


def _origin(fact: cluster_facts.Fact) -> str:
    return "admin" if fact.origin == "admin" else "article"


def _chosen(lang: str, dialog: Dialog) -> str:
    """What was chosen before the current step, in one line."""
    parts: list[str] = []
    position = STEPS.index(dialog.step)
    if dialog.year is not None and position > 0:
        parts.append(str(t(lang, "dialog.chosen_year", year=dialog.year)))
    if dialog.cluster is not None and position > 1:
        parts.append(str(t(lang, "dialog.chosen_cluster", cluster=dialog.cluster)))
    if dialog.role is not None and position > 2:
        parts.append(str(t(lang, f"cluster.role.{dialog.role}")))
    return " · ".join(parts)


def _ticked(label: str, chosen: bool) -> str:
    return f"✔️ {label}" if chosen else label


def _cut(text: str, limit: int) -> str:
    """`text` within `limit` characters, cut at a word."""
    if len(text) <= limit:
        return text
    cut = text[:limit - 1]
    return (cut.rsplit(" ", 1)[0] if " " in cut else cut).rstrip(" ,;-") + "…"


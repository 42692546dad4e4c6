"""Which unit holds which role in a sentence: a small grammar over the spans' tags.

Owns the second step of reading a sentence: `attach` pairs role spans (R) with unit spans (U)
by patterns written over the one-letter tags of `spans.py` (so "Ủy ban MTTQ Việt Nam tỉnh A
được bầu làm Cụm trưởng" is `Uapm R`, whatever the unit's or the verb's spelling). The forms:

  predicate     U [adverbs] verb R         "A làm / là / giữ vai trò / được giao / đảm nhận R"
  respectively  U và U lần lượt verb R, R  "A và B lần lượt là Cụm trưởng, Cụm phó"
  role-first    R [C] [Y] là|:|cho|thuộc về U       "Cụm trưởng năm 2024 là A", "giao ... R
                                                     cho A", "R ... do A đảm nhận"
  pairing       R và R [C] [Y] [lần lượt] là U và U "Cụm trưởng, Cụm phó là A và B"
  parenthesis   U (R [C] [Y])              "A (Cụm trưởng)"
  apposition    U, R [C] [Y],              "A, Cụm trưởng năm 2023, chủ trì"
  list          R U  (list lines only)     "Cụm 1: Cụm trưởng A; Cụm phó B"

Every role takes at most one reading and every unit at most one role: when two forms compete
for a unit (or a role), the closer one (adjacent to the unit: predicate, parenthesis,
apposition) wins over a role-first reading at a distance; a tie drops both. A reading whose
unit is governed (`u`: "Chủ tịch Ủy ban ... tỉnh A") or whose role cannot be a new term (`r`:
former holder, retrospective, residential cluster) still claims its unit and role, and is then
dropped: that is what keeps "đồng chí B, Chủ tịch Ủy ban ... tỉnh A, Cụm trưởng" from being
read as A's leadership.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.cluster.spans import Sentence

Form = str  # "predicate", "copula", "respectively", "role-first", "pairing", "parenthesis",
#             "apposition", "list"
CLOSE = 3  # the unit is next to its role
FAR = 2  # the role names its unit at a distance


@dataclass(slots=True)
class Draft:
    """Units (span indexes; several when coordinated) holding the role at span `role`."""

    units: tuple[int, ...]
    role: int
    form: Form
    strength: int
    start: int = 0  # the reading's extent in the sentence text
    end: int = 0


_UNITS = r"(?P<units>[Uu](?:,?v?[Uu])*?)"
# "được bầu làm", "tiếp tục giữ vai trò", "được các đơn vị trong cụm thống nhất bầu làm",
# "tiếp nhận cờ luân lưu và nhiệm vụ"
_VERB = r"(?:[hbe][oa]*,)?[aYc]*(?:w{1,6}e[ea]*)?[apeY]*[lmhp][lmhpoaYv]*"
_PREDICATE = re.compile(rf"{_UNITS}(?P<verb>{_VERB})$")
_RESPECTIVELY = re.compile(rf"(?P<u1>[Uu]),?v?(?P<u2>[Uu])[aY]*n{_VERB}$")
_NEXT_ROLE = re.compile(r"(?:,|v|,v)(?=[Rr])")
# The unit must close its clause: one followed by a verb is the subject of a new predicate
# ("Bàn giao nhiệm vụ Cụm trưởng: A bàn giao cho B" names B, not A).
_ROLE_FIRST = re.compile(
    r"(?P<mid>[CY]{0,3},?)(?P<conn>a*l|:|[apbe]*k|t|d(?=[Uu]a*[hm]))(?P<units>[Uu](?:v[Uu])?)"
    r"(?![aY]*[epbhlmkd])"
)
# "Bàn giao nhiệm vụ Cụm trưởng năm 2025: A bàn giao (lại) cho B"
_HANDOVER = re.compile(r"[CY]{0,3}[:,][Uu]a*b[ao]*k(?P<units>[Uu])")
_PAIRING = re.compile(
    r"(?:,|v|,v)(?P<r2>[Rr])[CY]{0,3}a*(?P<n>n)?a*(?:l|:)(?P<u1>[Uu])(?:,|v|,v)(?P<u2>[Uu])"
)
_PAREN_LEFT = re.compile(r"[Uu]\($")
_PAREN_RIGHT = re.compile(r"[CY,]{0,4}w{0,3}\)")
_APPOS_LEFT = re.compile(r"[Uu][,\-]o?$")
# "A, đơn vị được bầu làm Cụm trưởng ..., đã ...": a relative clause in apposition
_APPOS_VERB = re.compile(r"(?P<unit>[Uu])[,\-]o?[apeY]*[lmhp][lmhpoaY]*$")
_APPOS_RIGHT = re.compile(r"[CY]{0,3}(?:[,;).\-vS]|$)")
_LIST_LEFT = re.compile(r"(?:^|[;,:\-(]|C:?)$")
_LIST_RIGHT = re.compile(r":?(?P<units>[Uu])(?=[,;.()v\-]|$)")
_COORDINATED = re.compile(r"[Rr](?:,|v|,v)$")


def attach(sentence: Sentence, *, list_line: bool = False) -> list[Draft]:
    """The readings of a sentence that survive competition, usable ones only."""
    tags = sentence.tags
    spans = sentence.spans
    has_cue = any(t in tags for t in "epb")
    drafts: list[Draft] = []
    consumed: set[int] = set()
    roles = sentence.roles
    for n, i in enumerate(roles):
        if i in consumed:
            continue
        lo = max(tags.rfind(";", 0, i) + 1, roles[n - 1] + 1 if n else 0)
        hi = tags.find(";", i)
        hi = len(tags) if hi < 0 else hi
        left = tags[lo:i]
        right = tags[i + 1 : hi]
        found: list[Draft] = []
        # A and B respectively
        m = _RESPECTIVELY.search(left)
        nr = _NEXT_ROLE.match(right)
        if m and nr and n + 1 < len(roles):
            second = roles[n + 1]
            consumed.add(second)
            found += [Draft((lo + m.start("u1"),), i, "respectively", CLOSE),
                      Draft((lo + m.start("u2"),), second, "respectively", CLOSE)]
        elif (m := _PREDICATE.search(left)) is not None:
            units = tuple(lo + m.start("units") + k for k, t in enumerate(m.group("units"))
                          if t in "Uu")
            verb = m.group("verb")
            form = "copula" if not any(t in verb for t in "mhp") else "predicate"
            found.append(Draft(units, i, form, CLOSE))
        if _PAREN_LEFT.search(left) and _PAREN_RIGHT.match(right):
            found.append(Draft((i - 2,), i, "parenthesis", CLOSE))
        elif (m := _APPOS_LEFT.search(left)) is not None and _APPOS_RIGHT.match(right):
            found.append(Draft((lo + m.start(),), i, "apposition", CLOSE))
        elif not found and (m := _APPOS_VERB.search(left)) is not None:
            found.append(Draft((lo + m.start("unit"),), i, "predicate", CLOSE))
        # role first: not for the second of coordinated roles ("bầu Cụm trưởng và Cụm phó ...
        # là A (Cụm trưởng) và B (Cụm phó)"): only the pairing form may read those.
        coordinated = bool(_COORDINATED.search(tags[max(0, i - 3) : i]))
        pair = _PAIRING.match(right)
        if pair and not coordinated:
            second = i + 1 + pair.start("r2")
            consumed.add(second)
            form = "respectively" if pair.group("n") else "pairing"
            found += [Draft((i + 1 + pair.start("u1"),), i, form, FAR),
                      Draft((i + 1 + pair.start("u2"),), second, form, FAR)]
        elif not coordinated and (m := _ROLE_FIRST.match(right)) is not None:
            if not (m.group("conn").endswith("k") and not has_cue):
                units = tuple(i + 1 + m.start("units") + k
                              for k, t in enumerate(m.group("units")) if t in "Uu")
                found.append(Draft(units, i, "role-first", FAR))
        elif not coordinated and (m := _HANDOVER.match(right)) is not None:
            found.append(Draft((i + 1 + m.start("units"),), i, "role-first", FAR))
        elif list_line and _LIST_LEFT.search(left) and (m := _LIST_RIGHT.match(right)):
            found.append(Draft((i + 1 + m.start("units"),), i, "list", FAR))
        drafts += found
    drafts = _compete(drafts)
    out = []
    for d in drafts:
        if spans[d.role].tag != "R" or any(spans[u].tag != "U" for u in d.units):
            continue
        if spans[d.role].role == "leader" and len(d.units) > 1:
            continue  # two leaders of one cluster: not a reading to trust
        d.start = min(spans[d.role].start, *(spans[u].start for u in d.units))
        d.end = max(spans[d.role].end, *(spans[u].end for u in d.units))
        out.append(d)
    return out


def _compete(drafts: list[Draft]) -> list[Draft]:
    """One role per unit and one reading per role; the closer form wins, a tie drops both."""
    def winners(groups: dict[int, list[Draft]], key: object) -> set[int]:
        lost: set[int] = set()
        for group in groups.values():
            if len({key(d) for d in group}) <= 1:  # type: ignore[operator]
                continue
            best = max(d.strength for d in group)
            top = [d for d in group if d.strength == best]
            if len({key(d) for d in top}) > 1:  # type: ignore[operator]
                lost.update(id(d) for d in group)
            else:
                lost.update(id(d) for d in group if d.strength < best)
        return lost

    by_unit: dict[int, list[Draft]] = {}
    by_role: dict[int, list[Draft]] = {}
    for d in drafts:
        for u in d.units:
            by_unit.setdefault(u, []).append(d)
        by_role.setdefault(d.role, []).append(d)
    lost = winners(by_unit, lambda d: d.role) | winners(by_role, lambda d: d.units)
    seen: set[tuple[tuple[int, ...], int]] = set()
    out = []
    for d in drafts:
        if id(d) in lost or (d.units, d.role) in seen:
            continue
        seen.add((d.units, d.role))
        out.append(d)
    return out

"""What an admin types about cluster leadership, read back safely: a year, a cluster's name, a
role, a unit. One reading for the expert's `/setcluster <year> | <cluster> | <role> | <unit>`
and for each step of the /setcluster dialog (bot/chat/cluster_dialog.py).

Pure functions. Names go through bot/cluster's spellings: a cluster is its `cluster_key`, a unit
its `normalize_unit` spelling, and a unit typed in a short form ("Đà Nẵng", "UBMTTQ TP Đà
Nẵng") becomes the spelling the facts already use for the same member (`unit_identity`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot.cluster import cluster_key, normalize_unit
from bot.cluster.units import unit_identity
from bot.text.fold import fold
from storage.cluster_facts import Role

MIN_YEAR, MAX_YEAR = 1990, 2100
MAX_CLUSTER = 150
MAX_UNIT = 200
_MAX_SET_ARGUMENT = 600
_YEAR = re.compile(r"\d{4}")
_NOBODY = {"-", "—", "–", "khong", "khong co", "none", "nobody"}
_GENERIC = {"cum", "thi", "dua", "khoi", "mttq", "cac"}  # "cụm thi đua" alone names no cluster
_ROLES: dict[str, Role] = {
    "cum truong": "leader", "truong cum": "leader", "leader": "leader",
    "cum pho": "deputy", "pho cum": "deputy", "pho truong cum": "deputy",
    "pho cum truong": "deputy", "deputy": "deputy",
}

NOBODY = ""  # the unit of "nobody holds this role" (hides a wrong extracted answer)


def parse_year(text: str) -> int | None:
    """A year between 1990 and 2100, or None."""
    text = text.strip()
    if not _YEAR.fullmatch(text) or not MIN_YEAR <= int(text) <= MAX_YEAR:
        return None
    return int(text)


def named_cluster_key(name: str) -> str:
    """The cluster key of what a user typed; "" when it names no cluster in particular."""
    key = cluster_key(name) if name else ""
    return "" if set(key.split()) <= _GENERIC else key


def parse_cluster(text: str) -> str | None:
    """The typed cluster name (white space tidied), or None when it names no cluster."""
    text = " ".join(text.split())
    if not text or len(text) > MAX_CLUSTER or not named_cluster_key(text):
        return None
    return text


def parse_role(text: str) -> Role | None:
    return _ROLES.get(" ".join(fold(text).split()))


def parse_unit(text: str) -> str | None:
    """The unit's canonical spelling, `NOBODY` for "-" or "không", None when it is no name."""
    text = " ".join(text.split())
    if fold(text) in _NOBODY:
        return NOBODY
    if len(text) > MAX_UNIT * 2:
        return None
    unit = normalize_unit(text)
    if not 3 <= len(unit) <= MAX_UNIT or not any(ch.isalpha() for ch in unit):
        return None
    return unit


def known_spelling(unit: str, known: Iterable[str]) -> str:
    """`unit` as the facts already spell the same member (the first of `known` that is the same
    unit), else as it is."""
    if not unit:
        return unit
    identity = unit_identity(unit)
    if not identity:
        return unit
    return next((k for k in known if unit_identity(k) == identity), unit)


def parse_setcluster(argument: str) -> tuple[int, str, Role, str] | None:
    """(year, cluster, role, unit) of `/setcluster <year> | <cluster> | <role> | <unit>`, or
    None when it is malformed."""
    if len(argument) > _MAX_SET_ARGUMENT:
        return None
    parts = [" ".join(p.split()) for p in argument.split("|")]
    if len(parts) != 4 or not all(parts):
        return None
    year_text, cluster_text, role_text, unit_text = parts
    year = parse_year(year_text)
    cluster = parse_cluster(cluster_text)
    role = parse_role(role_text)
    unit = parse_unit(unit_text)
    if year is None or cluster is None or role is None or unit is None:
        return None
    return year, cluster, role, unit

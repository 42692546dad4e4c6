"""The actions of the cluster review and /setcluster dialog choices, and parsing them back
without trusting them.

Every one starts with "clu:" so the adapter routes all of them (forged ones too) to one handler
that checks the chooser is an admin before anything else (handlers/cluster.py). Shapes:

    clu:ok:<candidate>   clu:no:<candidate>   yes / no to a question
    clu:fix:<candidate>                       correct it: the dialog, prefilled
    clu:later:<candidate>                     the next question instead (this one stays)
    clu:y:<year>                              dialog, year step: that year
    clu:c:<cluster>                           dialog, cluster step: a known cluster (short hash)
    clu:p:<page>                              dialog, cluster step: a page of known clusters
    clu:r:l   clu:r:d                         dialog, role step: Cụm trưởng / Cụm phó
    clu:u:<unit>                              dialog, unit step: a known unit (short hash)
    clu:k:<step>                              dialog: keep the value this step already has
    clu:n                                     dialog, unit step: nobody
    clu:s                                     dialog, confirm step: save
    clu:b:<step>                              dialog: back to the step before <step>
    clu:x                                     dialog: cancel

Cluster keys and unit names may be far longer than the 64 bytes an action holds, so they are
named by a short hash matched back against the known ones (`short_hash`).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from storage.cluster_dialogs import Step

PREFIX = "clu:"
PATTERN = r"^clu:"  # what the adapter routes here: anything that claims to be a cluster choice

CONFIRM, REJECT, CORRECT, LATER = "ok", "no", "fix", "later"
YEAR, CLUSTER, PAGE, ROLE, UNIT, KEEP, NOBODY, SAVE, BACK, CANCEL = (
    "y", "c", "p", "r", "u", "k", "n", "s", "b", "x")
REVIEW_ACTIONS = frozenset({CONFIRM, REJECT, CORRECT, LATER})

_STEPS: dict[str, Step] = {"y": "year", "c": "cluster", "r": "role", "u": "unit",
                           "o": "confirm"}
_STEP_LETTERS = {step: letter for letter, step in _STEPS.items()}
_ROLES = {"l": "leader", "d": "deputy"}
_ROLE_LETTERS = {role: letter for letter, role in _ROLES.items()}

_SHAPE = re.compile(
    r"^clu:(?:(?P<review>ok|no|fix|later):(?P<candidate>\d{1,12})"
    r"|y:(?P<year>\d{4})|c:(?P<cluster>[0-9a-f]{10})|p:(?P<page>\d{1,3})"
    r"|r:(?P<role>[ld])|u:(?P<unit>[0-9a-f]{10})|(?P<stepped>[kb]):(?P<step>[ycruo])"
    r"|(?P<bare>[nsx]))",
    re.ASCII,  # \d: ASCII digits only
)


@dataclass(frozen=True, slots=True)
class ClusterAction:
    """A parsed cluster choice: the action and its one value (by the action's kind)."""

    action: str
    candidate_id: int = 0
    year: int = 0
    hash: str = ""  # a known cluster's or unit's short hash
    page: int = 0
    role: str = ""  # "leader" or "deputy"
    step: Step | None = None  # the step a keep or back choice belongs to

    @property
    def review(self) -> bool:
        return self.action in REVIEW_ACTIONS


def short_hash(value: str) -> str:
    """A stable 10-hex-digit name for a cluster key or a unit, for actions."""
    return hashlib.sha1(value.encode("utf-8"), usedforsecurity=False).hexdigest()[:10]


def review(action: str, candidate_id: int) -> str:
    return f"{PREFIX}{action}:{candidate_id}"


def year(value: int) -> str:
    return f"{PREFIX}{YEAR}:{value}"


def cluster(key: str) -> str:
    return f"{PREFIX}{CLUSTER}:{short_hash(key)}"


def page(number: int) -> str:
    return f"{PREFIX}{PAGE}:{number}"


def role(value: str) -> str:
    return f"{PREFIX}{ROLE}:{_ROLE_LETTERS[value]}"


def unit(name: str) -> str:
    return f"{PREFIX}{UNIT}:{short_hash(name)}"


def keep(step: Step) -> str:
    return f"{PREFIX}{KEEP}:{_STEP_LETTERS[step]}"


def back(step: Step) -> str:
    return f"{PREFIX}{BACK}:{_STEP_LETTERS[step]}"


def bare(action: str) -> str:
    """nobody, save or cancel."""
    return f"{PREFIX}{action}"


def parse(data: str | None) -> ClusterAction | None:
    """The cluster action, or None when `data` is not exactly one of our shapes."""
    if not data or len(data) > 64:
        return None
    match = _SHAPE.fullmatch(data)  # not match(...$): "$" also matches before a final "\n"
    if match is None:
        return None
    if match["review"]:
        return ClusterAction(match["review"], candidate_id=int(match["candidate"]))
    if match["year"]:
        return ClusterAction(YEAR, year=int(match["year"]))
    if match["cluster"]:
        return ClusterAction(CLUSTER, hash=match["cluster"])
    if match["page"]:
        return ClusterAction(PAGE, page=int(match["page"]))
    if match["role"]:
        return ClusterAction(ROLE, role=_ROLES[match["role"]])
    if match["unit"]:
        return ClusterAction(UNIT, hash=match["unit"])
    if match["stepped"]:
        return ClusterAction(match["stepped"], step=_STEPS[match["step"]])
    return ClusterAction(match["bare"])

"""How sure a reading is: a score from its evidence, with the reasons, and what follows.

Owns the thresholds and weights. A reading at or above `SHOW` is shown to readers (/cluster);
one at or above `ASK` is not shown but goes to the admins as a question (SPEC 13); below, it
is dropped. The score is a sum of evidence (the sentence's form, an election verb, where the
year and the cluster came from) with caps for doubts that no evidence outweighs (a speech
restating a role, a proposal or a ranking elsewhere in the sentence, a contradiction in the
article). Reasons are short codes, stable so that the admin review can show and count them:

  form:<form>        the grammar's form (grammar.py): predicate, role-first, parenthesis...
  cue:election       an election or assignment verb (bầu, suy tôn, giao, phân công, do X làm)
  year:<source>      own (next to the role), sentence, paragraph (borrowed), heading (a list's
                     heading sentence)
  cluster:<source>   named (next to the role or in its clause), sentence, article, default
  context:meeting    a speech or a meeting (chủ trì, phát biểu...) without an election verb
  doubt:<what>       modal, negation or ranking elsewhere in the sentence; conflict (the
                     article names two leaders, or one unit in both roles)
"""

from __future__ import annotations

from dataclasses import dataclass

SHOW = 0.8
ASK = 0.5

_FORM = {
    "predicate": 0.6, "respectively": 0.6, "role-first": 0.6, "copula": 0.55, "list": 0.55,
    "pairing": 0.45, "parenthesis": 0.4, "apposition": 0.35,
}  # fmt: skip
_CUE = 0.25
_YEAR = {"own": 0.15, "sentence": 0.15, "heading": 0.1, "paragraph": 0.05}
_CLUSTER = {"named": 0.1, "sentence": 0.1, "article": 0.05, "default": 0.0}
_MEETING_CAP = 0.7  # a restatement in a speech: worth a question, not a headline
_DOUBT_CAP = 0.6


@dataclass(frozen=True, slots=True)
class Evidence:
    form: str
    cue: bool
    year: str
    cluster: str
    meeting: bool
    doubts: tuple[str, ...] = ()


def score(evidence: Evidence) -> tuple[float, tuple[str, ...]]:
    """(confidence in [0, 1], reasons)."""
    reasons = [f"form:{evidence.form}"]
    value = _FORM[evidence.form]
    if evidence.cue:
        value += _CUE
        reasons.append("cue:election")
    value += _YEAR[evidence.year]
    reasons.append(f"year:{evidence.year}")
    value += _CLUSTER[evidence.cluster]
    reasons.append(f"cluster:{evidence.cluster}")
    if evidence.meeting and not evidence.cue:
        value = min(value, _MEETING_CAP)
        reasons.append("context:meeting")
    for doubt in evidence.doubts:
        value = min(value, _DOUBT_CAP)
        reasons.append(f"doubt:{doubt}")
    return round(max(0.0, min(1.0, value)), 2), tuple(reasons)


def with_doubt(confidence: float, reasons: tuple[str, ...], doubt: str
               ) -> tuple[float, tuple[str, ...]]:
    """The same reading with one more doubt (found at the article level)."""
    reason = f"doubt:{doubt}"
    if reason in reasons:
        return confidence, reasons
    return min(confidence, _DOUBT_CAP), (*reasons, reason)

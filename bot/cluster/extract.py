"""Emulation-cluster (cụm thi đua) leadership read from an article's text.

Owns reading a whole article: which unit holds Cụm trưởng (leader) or Cụm phó (deputy) of
which cluster for which year, with the sentence that says so and how sure the reading is.
Pure and cheap enough to run on every ingested article: only sentences that contain "cụm" are
read, and only articles that name a role at all.

A sentence is read in three steps, each in its own module:
1. spans.py: units, roles, clusters and years as spans, and the words with a job (verbs,
   connectives, markers of a proposal, a ranking, a former holder, a speech);
2. grammar.py: roles attached to units by a small grammar over the spans' tags;
3. here: each reading gets its year (next to the role, else elsewhere in its clause or
   sentence, else borrowed from the paragraph or from a list's heading), its cluster (named
   next to the role, else in its clause or sentence, else earlier in the article, else the
   default) and the vetoes; then confidence.py scores it.
Vetoes drop a reading outright: a negation or a proposal ("không", "sẽ", "dự kiến", "đề
xuất") before the role in its clause, a ranking or an award in the reading's own clause
("được suy tôn dẫn đầu"), a question, a residential or industrial cluster, no year, no
cluster. The same words elsewhere in the sentence only lower the confidence.

Across the article: one reading per unit, role, cluster and year (the surest, with the
fullest name); two leaders of one cluster and year, or one unit in both roles, make every
reading involved a question for the admins rather than a fact.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

from bot.cluster import confidence
from bot.cluster.confidence import Evidence
from bot.cluster.grammar import Draft, attach
from bot.cluster.lexicon import Role, words
from bot.cluster.spans import Sentence, Span, read_sentence
from bot.cluster.units import canonical_cluster, cluster_key, modern_tones, unit_identity


@dataclass(frozen=True, slots=True)
class LeadershipFact:
    """One unit holding one role in one emulation cluster for one year.

    `cluster` is the canonical cluster name without the "cụm thi đua" prefix ("5 thành phố trực
    thuộc Trung ương"); `unit` the canonical unit name ("Ủy ban MTTQ Việt Nam thành phố Đà
    Nẵng"); `sentence` the article's sentence it came from, verbatim.
    """

    cluster: str
    year: int
    role: Role
    unit: str
    sentence: str


@dataclass(frozen=True, slots=True)
class Reading:
    """A fact as read, with how sure the reading is and why (see confidence.py)."""

    fact: LeadershipFact
    confidence: float
    reasons: tuple[str, ...]

    @property
    def shown(self) -> bool:
        """Sure enough to show readers; otherwise a question for the admins."""
        return self.confidence >= confidence.SHOW


def extract_leadership(
    text: str, *, default_year: int | None = None, default_cluster: str | None = None
) -> list[LeadershipFact]:
    """The facts an article states surely enough to show readers (see `read_leadership`)."""
    return [r.fact for r in read_leadership(text, default_year=default_year,
                                            default_cluster=default_cluster) if r.shown]


def read_leadership(
    text: str, *, default_year: int | None = None, default_cluster: str | None = None
) -> list[Reading]:
    """Every reading worth showing or asking about, in text order, without duplicates.

    `text` is the title and the body, paragraphs split by blank lines. `default_year` is the
    publication year: it resolves "năm nay" / "năm tới" and bounds a year borrowed from the
    paragraph. `default_cluster` names the cluster when neither the sentence nor the article
    before it does.
    """
    text = unicodedata.normalize("NFC", text)
    lowered = text.lower()
    # Most articles never name a role: two cheap scans settle them before any sentence work.
    if "cụm" not in lowered or not _ROLE_HINT.search(lowered):
        return []
    default = canonical_cluster(default_cluster) if default_cluster else None
    seen: dict[str, str] = {}  # cluster key -> name, named before the current sentence
    heading: _Heading | None = None
    readings: list[Reading] = []
    for paragraph in _PARAGRAPH_BREAK.split(text):
        if "cụm" not in paragraph.lower():
            heading = heading if heading and _list_paragraph(paragraph) else None
            continue
        items = [(s, line_start) for s, line_start in _sentences(paragraph)
                 if "cụm" in s.lower()]
        read = [_Read(s, read_sentence(modern_tones(s)), line_start) for s, line_start in items]
        for index, current in enumerate(read):
            sentence = current.sentence
            list_line = current.line_start and _LIST_START.match(current.text) is not None
            list_line = list_line or sentence.tags.lstrip("-").startswith("C:")
            if heading is not None and not list_line:
                heading = None
            if sentence.roles and not sentence.question:
                context = _context_cluster(seen, default)
                borrowed = _paragraph_year(read, index, default_year)
                readings.extend(_readings(current, context, borrowed, heading, default_year,
                                          list_line=list_line))
            for mention in sentence.named_clusters():
                seen.setdefault(mention.key, mention.cluster or "")
            if _is_heading(current):
                heading = _Heading(_only_year(sentence, default_year), _has_cue(sentence))
    return _resolve(readings)


_ROLE_HINT = re.compile(r"cụm\s+(?:trưởng|phó)|(?:trưởng|phó)\s+cụm")


# --- splitting ------------------------------------------------------------------------------
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
_SENTENCE_END = re.compile(r"[.!?…]+[\"”’»)]*\s+")
_OPENERS = '(["“‘'
_ABBREVIATIONS = words("tp t.p tw t.ư t.w ths ts pgs gs bs đ/c tx tt q p st v.v mr ng")
# A line of a list: a bullet ("-", "•", "1.", "a)") or a cluster's name and a colon.
_LIST_NUMBER = re.compile(r"\s*(?:\d{1,2}|[a-zđ])")
_LIST_START = re.compile(r"\s*(?:[-–•+*]|\d{1,2}[.)]|[a-zđ][.)])\s+|\s*Cụm\b[^:;.]{0,80}:")


def _sentences(paragraph: str) -> Iterator[tuple[str, bool]]:
    """(sentence, starts a line) for a paragraph. Each line is at least one sentence."""
    for line in paragraph.splitlines():
        start = 0
        for m in _SENTENCE_END.finditer(line):
            nxt = line[m.end() : m.end() + 1]
            if not (nxt.isupper() or nxt.isdigit() or nxt in _OPENERS):
                continue
            if _LIST_NUMBER.fullmatch(line[start : m.start()]):
                continue  # "1. Cụm số 1: ...": a list's number, not a sentence
            if m.group().startswith("."):
                words = line[start : m.start()].split()
                last = words[-1].lstrip(_OPENERS) if words else ""
                # "TP. Đà Nẵng", "T.Ư. MTTQ", "N. V. A.": not the end of a sentence.
                if last.lower() in _ABBREVIATIONS or (len(last) == 1 and last.isupper()):
                    continue
            sentence = line[start : m.end()].strip()
            if sentence:
                yield sentence, start == 0
            start = m.end()
        sentence = line[start:].strip()
        if sentence:
            yield sentence, start == 0


def _list_paragraph(paragraph: str) -> bool:
    return all(_LIST_START.match(line) for line in paragraph.splitlines() if line.strip())


@dataclass(slots=True)
class _Read:
    text: str
    sentence: Sentence
    line_start: bool


@dataclass(frozen=True, slots=True)
class _Heading:
    """ "Phân công Cụm trưởng, Cụm phó các cụm thi đua năm 2025 như sau:" before a list."""

    year: int | None
    cue: bool


def _is_heading(current: _Read) -> bool:
    text = current.text.rstrip()
    tags = current.sentence.tags
    return (text.endswith(":") or "như sau" in text.lower()) and (
        bool(current.sentence.roles) or _has_cue(current.sentence)
    ) and "Y" in tags


# --- one sentence ---------------------------------------------------------------------------
_DO_CUE = re.compile(r"d[Uu]a*m")


def _has_cue(sentence: Sentence) -> bool:
    tags = sentence.tags
    return any(t in tags for t in "epb") or _DO_CUE.search(tags) is not None


def _readings(current: _Read, context: tuple[str, str] | None, borrowed: int | None,
              heading: _Heading | None, default_year: int | None, *, list_line: bool
              ) -> list[Reading]:
    sentence = current.sentence
    tags = sentence.tags
    spans = sentence.spans
    # "cụm dân cư", "cụm công nghiệp" in a sentence that never says "thi đua"
    if any(s.word == "cụm-x" for s in spans) and "thi đua" not in sentence.text.lower():
        return []
    drafts = attach(sentence, list_line=list_line)
    if not drafts:
        return []
    cue = _has_cue(sentence) or (heading is not None and heading.cue and list_line)
    meeting = "S" in tags
    attached = _attached_mentions(sentence, drafts)
    out = []
    for draft in drafts:
        role = spans[draft.role]
        clause_lo = sentence.text.rfind(";", 0, draft.start) + 1
        clause_hi = _find(sentence.text, ";", draft.end)
        if _vetoed(sentence, draft, clause_lo, clause_hi):
            continue
        # "X (Cụm trưởng ... năm 2024) chủ trì", "X, Cụm trưởng năm 2023, phát biểu": a role
        # restated in passing. Its year must sit in the aside itself, and next to a ranking or
        # an award it is not read at all ("X, Cụm trưởng, được tặng Bằng khen năm 2023").
        restated = draft.form in ("apposition", "parenthesis") and not cue
        if restated and "K" in tags:
            continue
        doubts = _doubts(sentence, draft, clause_lo, clause_hi)
        if restated:
            year, year_source = _year_within(
                sentence, draft.start, _comma_clause_end(sentence, draft.end, clause_hi),
                default_year)
        else:
            year, year_source = _year_of(sentence, draft, drafts, clause_lo, clause_hi,
                                         default_year)
        if year_source == "none" and list_line and heading is not None and heading.year:
            year, year_source = heading.year, "heading"
        elif year_source == "none" and cue:
            year, year_source = borrowed, "paragraph"
        if year is None:
            continue
        cluster, cluster_source = _cluster_of(sentence, draft, drafts, attached, clause_lo,
                                              clause_hi, context)
        if cluster is None:
            continue
        evidence = Evidence(draft.form, cue, year_source, cluster_source, meeting,
                            tuple(doubts))
        value, reasons = confidence.score(evidence)
        if value < confidence.ASK:
            continue
        for unit_index in draft.units:
            unit = spans[unit_index].unit or ""
            fact = LeadershipFact(cluster, year, role.role or "leader", unit, current.text)
            out.append(Reading(fact, value, reasons))
    return out


def _vetoed(sentence: Sentence, draft: Draft, clause_lo: int, clause_hi: int) -> bool:
    """A negation or a proposal in its clause up to the end of the reading ("X sẽ làm Cụm
    trưởng", "Cụm trưởng ... sẽ do X đảm nhận"); a ranking in the reading's own comma-clause
    ("X (Cụm trưởng) được suy tôn dẫn đầu ...")."""
    scope_end = _comma_clause_end(sentence, draft.end, clause_hi)
    for span in sentence.spans:
        if span.tag in "NM" and clause_lo <= span.start < draft.end:
            return True
        if span.tag == "K" and min(draft.start, clause_hi) <= span.start < scope_end:
            return True
        if span.tag == "K" and _clause_of(sentence, span.start) == _clause_of(
                sentence, draft.start) and span.start < draft.start:
            return True
    return False


def _doubts(sentence: Sentence, draft: Draft, clause_lo: int, clause_hi: int) -> list[str]:
    """Negations, proposals and rankings elsewhere in the sentence (see `_vetoed`)."""
    doubts = set()
    for span in sentence.spans:
        if span.tag == "N" and not clause_lo <= span.start < draft.end:
            doubts.add("negation")
        elif span.tag == "M" and not clause_lo <= span.start < draft.end:
            doubts.add("modal")
        elif span.tag == "K":
            doubts.add("ranking")
    return sorted(doubts)


def _comma_clause_end(sentence: Sentence, pos: int, clause_hi: int) -> int:
    """Where the comma-clause that goes on after `pos` ends (a parenthesis is skipped)."""
    text = sentence.text
    depth = 0
    for k in range(pos, clause_hi):
        ch = text[k]
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        elif ch in ",;" and depth == 0:
            return k
    return clause_hi


def _clause_of(sentence: Sentence, pos: int) -> int:
    """The start of the comma-clause holding `pos`."""
    return max(sentence.text.rfind(",", 0, pos), sentence.text.rfind(";", 0, pos)) + 1


def _find(text: str, char: str, start: int) -> int:
    index = text.find(char, start)
    return len(text) if index < 0 else index


# --- years ----------------------------------------------------------------------------------
def _value(span: Span, default_year: int | None) -> int | None:
    if span.explicit:
        return span.year
    if default_year is None or span.year is None:
        return None
    return default_year + span.year


def _year_of(sentence: Sentence, draft: Draft, drafts: list[Draft], clause_lo: int,
             clause_hi: int, default_year: int | None) -> tuple[int | None, str]:
    """(year, where it came from): "own", "sentence", "none" (no year at all), "ambiguous"."""
    spans = sentence.spans
    years = [s for s in spans if s.tag == "Y"]
    usable = [s for s in years if not s.excluded]
    ends = [spans[i].end for i in sentence.roles] + [d.end for d in drafts if d is not draft]
    starts = [spans[i].start for i in sentence.roles] + [d.start for d in drafts
                                                          if d is not draft]
    prev_end = max([clause_lo, *(e for e in ends if e <= draft.start)])
    next_start = min([clause_hi, *(s for s in starts if s >= draft.end)])
    for lo, hi in ((draft.start, draft.end), (draft.end, next_start), (prev_end, draft.start)):
        values = {_value(y, default_year) for y in usable if lo <= y.start < hi}
        if values:
            return (values.pop(), "own") if len(values) == 1 else (None, "ambiguous")
    values = {_value(y, default_year) for y in usable}
    if len(values) == 1:
        return values.pop(), "sentence"
    if values or years:
        return None, "ambiguous"
    return None, "none"


def _year_within(sentence: Sentence, lo: int, hi: int, default_year: int | None
                 ) -> tuple[int | None, str]:
    values = {_value(s, default_year) for s in sentence.spans
              if s.tag == "Y" and not s.excluded and lo <= s.start < hi}
    return (values.pop(), "own") if len(values) == 1 else (None, "ambiguous")


def _only_year(sentence: Sentence, default_year: int | None) -> int | None:
    values = {_value(s, default_year) for s in sentence.spans
              if s.tag == "Y" and not s.excluded}
    return values.pop() if len(values) == 1 else None


_RETROSPECTIVE = re.compile(r"(?<!\w)(?:năm\s+qua|vừa\s+qua)(?!\w)", re.IGNORECASE)


def _paragraph_year(read: list[_Read], index: int, default_year: int | None) -> int | None:
    """The only term year named by the paragraph's other sentences about the election.

    "Hội nghị đã tiến hành bầu Cụm trưởng, Cụm phó năm 2023. Kết quả, X được bầu làm Cụm
    trưởng." A lending sentence must itself name a role or an election verb: a year from
    "Năm 2021, Hà Nội đã tổ chức nhiều hoạt động của cụm" is the past term's, not the new one's.
    """
    values = set()
    for i, other in enumerate(read):
        sentence = other.sentence
        if i == index or not (sentence.roles or _has_cue(sentence)):
            continue
        if "r" in sentence.tags or any(t in sentence.tags for t in "NMT") \
                or _RETROSPECTIVE.search(other.text):
            continue
        values |= {s.year for s in sentence.spans if s.tag == "Y" and s.explicit
                   and not s.excluded}
    if len(values) != 1:
        return None
    year = values.pop()
    if year is None or (default_year is not None and not default_year <= year <= default_year + 1):
        return None
    return year


# --- clusters -------------------------------------------------------------------------------
_ATTACHED_GAP = re.compile(r"[\s)]*(?:của\s+)?")


def _attached_mentions(sentence: Sentence, drafts: list[Draft]) -> dict[int, int]:
    """Span index of a named cluster -> index of the draft whose role it follows."""
    attached: dict[int, int] = {}
    spans = sentence.spans
    for mi, mention in enumerate(spans):
        if mention.tag != "C" or not (mention.cluster or mention.word == "unreadable"):
            continue
        for di, draft in enumerate(drafts):
            role = spans[draft.role]
            inside = role.start <= mention.start < role.end  # "trưởng cụm thi đua số 2"
            between = sentence.text[role.end : mention.start]
            if inside or (mention.start >= role.end and _ATTACHED_GAP.fullmatch(between)):
                attached[mi] = di
                break
    return attached


def _cluster_of(sentence: Sentence, draft: Draft, drafts: list[Draft], attached: dict[int, int],
                clause_lo: int, clause_hi: int, context: tuple[str, str] | None
                ) -> tuple[str | None, str]:
    spans = sentence.spans
    before: Span | None = None
    after: Span | None = None
    me = drafts.index(draft)
    for mi, mention in enumerate(spans):
        if mention.tag != "C" or not (mention.cluster or mention.word == "unreadable"):
            continue
        owner = attached.get(mi)
        if owner == me:
            return (mention.cluster, "named") if mention.cluster else (None, "unreadable")
        if not clause_lo <= mention.start < clause_hi:
            continue
        if mention.end <= draft.start and owner is None:
            before = mention
        # A cluster named after "B là Cụm phó" also covers "A là Cụm trưởng" before it, but
        # one named after another leader belongs to that leader alone.
        elif (mention.start >= draft.end and after is None
              and (owner is None or spans[drafts[owner].role].role != spans[draft.role].role)):
            after = mention
    if before and after:
        return (before.cluster, "named") if before.key == after.key else (None, "ambiguous")
    chosen = before or after
    if chosen:
        return (chosen.cluster, "named") if chosen.cluster else (None, "unreadable")
    keys = {m.key: m.cluster for m in sentence.named_clusters()}
    if len(keys) == 1:
        return next(iter(keys.values())), "sentence"
    if keys:
        return None, "ambiguous"
    if context is None:
        return None, "none"
    return context


def _context_cluster(seen: dict[str, str], default: str | None) -> tuple[str, str] | None:
    """The cluster the article is about so far: (name, "article" or "default")."""
    if len(seen) == 1:
        return next(iter(seen.values())), "article"
    if default is not None and cluster_key(default) in seen:
        return default, "article"
    if default is not None and not seen:
        return default, "default"
    return None


# --- the article ----------------------------------------------------------------------------
def _resolve(readings: list[Reading]) -> list[Reading]:
    """Drop duplicates; two leaders, or one unit in both roles, make questions, not facts."""
    groups: dict[tuple[str, int], list[Reading]] = {}
    for reading in readings:
        groups.setdefault((cluster_key(reading.fact.cluster), reading.fact.year), []).append(
            reading)
    doubtful: set[int] = set()
    for group in groups.values():
        leaders = {unit_identity(r.fact.unit) for r in group if r.fact.role == "leader"}
        deputies = {unit_identity(r.fact.unit) for r in group if r.fact.role == "deputy"}
        for reading in group:
            identity = unit_identity(reading.fact.unit)
            if (reading.fact.role == "leader" and len(leaders) > 1) or (
                identity in leaders and identity in deputies
            ):
                doubtful.add(id(reading))
    out: list[Reading] = []
    kept: dict[tuple[str, int, str, str], int] = {}
    for reading in readings:
        if id(reading) in doubtful:
            value, reasons = confidence.with_doubt(reading.confidence, reading.reasons,
                                                   "conflict")
            if value < confidence.ASK:
                continue
            reading = Reading(reading.fact, value, reasons)
        fact = reading.fact
        key = (cluster_key(fact.cluster), fact.year, fact.role, unit_identity(fact.unit))
        if key in kept:
            # The same member twice ("Đà Nẵng", "Ủy ban MTTQ ... Đà Nẵng"): keep the surer
            # reading, under the fuller name.
            old = out[kept[key]]
            best = reading if reading.confidence > old.confidence else old
            unit = max((fact.unit, old.fact.unit), key=len)
            out[kept[key]] = Reading(
                LeadershipFact(best.fact.cluster, best.fact.year, best.fact.role, unit,
                               best.fact.sentence), best.confidence, best.reasons)
            continue
        kept[key] = len(out)
        out.append(reading)
    return out


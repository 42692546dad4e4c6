"""Emulation-cluster (cụm thi đua) leadership read from an article's text.

Owns: finding, in an article's title and body, which unit was made Cụm trưởng (leader) or Cụm
phó (deputy) of which cluster for which year, with the sentence that says so. Pure and cheap
enough to run on every ingested article: only sentences that contain "cụm" are looked at.

How a sentence is read (each step answers "nothing" when in doubt, because a wrong leader shown
to an official is worse than none):
1. Vetoes for the whole sentence: negation ("không", "chưa"), proposals and hypotheticals
   ("đề xuất", "đề nghị", "dự kiến", "sẽ", "nếu"), and clusters that are not emulation clusters
   ("cụm dân cư", "cụm công nghiệp") in a sentence that never says "thi đua".
2. Every role word ("Cụm trưởng", "trưởng cụm", "Cụm phó", "phó cụm", "Phó Trưởng Cụm",
   "Phó Cụm trưởng") is an anchor; one preceded by "với vai trò" / "trên cương vị" (a
   retrospective) or by "nguyên" / "từng" (a former holder) is dropped.
3. The anchor's unit comes from one of three forms, tried in order:
   - predicate before the role: "X là / làm / giữ chức / được bầu làm / đảm nhận vai trò <role>"
     (covers "suy tôn X là", "bầu X làm", "giao X làm", "do X làm", "công nhận X là");
   - role first: "<role> [cụm thi đua ...] [năm N] là / : / do / cho X";
   - apposition: "X (<role>)", "X, <role>", "X - <role>" - weak: only in a sentence with an
     election verb and no ranking ("đứng thứ nhất", "dẫn đầu") or meeting/person words
     ("đồng chí", "phát biểu"), since "đồng chí A, Chủ tịch ..., Cụm trưởng, phát biểu" is an
     introduction, not an election.
   X must read as a unit (`units.locate_units`): an organisation plus an administrative unit, a
   bare administrative unit or a province; never a person.
4. The year: the nearest year phrase ("năm 2023", "cho năm 2024", "năm nay", "năm tới") in the
   fact itself, then after it, then before it (within its ";" clause), then the only year of
   the sentence. Years of a review ("tổng kết năm 2021"), dates ("tháng 12 năm 2021", "cuối năm
   2021") and ranges ("2021-2026") are not leadership years. An election sentence without
   any year may borrow the only year of the paragraph's other sentences about the election
   ("Hội nghị tiến hành bầu Cụm trưởng, Cụm phó năm 2023."), if that year is the publication
   year or the next. Otherwise the fact is dropped. A statement without an election verb
   ("X là Cụm trưởng ...") needs its own year.
5. The cluster: the one named right after the role, else the nearest one named in the same
   clause, else the only one named in the sentence, else the only one named earlier in the
   article (title included), else `default_cluster`.
6. Across the article: one leader per cluster and year; if the article names two, or a unit is
   both leader and deputy, those facts are dropped.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from bot.cluster.units import (
    canonical_cluster,
    cluster_key,
    locate_units,
    modern_tones,
    unit_identity,
)

Role = Literal["leader", "deputy"]


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


_L = r"[^\W\d_]"
_NB = rf"(?<!{_L})"
_NA = rf"(?!{_L})"
_YEAR_WORDS = r"(?:\d{4}|nay|tới|sau)"

# --- sentence-level signals -----------------------------------------------------------------
_ROLE = re.compile(
    rf"{_NB}(?:(?P<deputy>phó\s+cụm\s+trưởng|phó\s+trưởng\s+cụm|cụm\s+phó|phó\s+cụm)"
    rf"|(?P<leader>cụm\s+trưởng|trưởng\s+cụm)){_NA}",
    re.IGNORECASE,
)
# Clusters that are not emulation clusters: residential groups, industrial parks, schools...
_NON_EMULATION = (
    r"(?:dân|công\s+nghiệp|CN|trường|tuyến|làng|thôn|bản|khu\s+(?:dân|công|phố)|an\s+ninh"
    r"|sản\s+xuất|liên\s+kết|du\s+lịch|di\s+tích|nhà\s+ở|tổ\s+dân|kinh\s+tế|hộ|chiến\s+đấu)"
)
_NON_EMULATION_AFTER_ROLE = re.compile(rf"\s+(?:cụm\s+)?{_NON_EMULATION}{_NA}", re.IGNORECASE)
_NON_EMULATION_CLUSTER = re.compile(rf"{_NB}cụm\s+{_NON_EMULATION}{_NA}", re.IGNORECASE)
_NEGATION = re.compile(
    rf"{_NB}(?:(?<!hàng\s)không(?!\s+(?:chuyên\s+trách|khí|gian|ngừng|chỉ|ít){_NA})|chưa|chẳng)"
    rf"{_NA}",
    re.IGNORECASE,
)
_HYPOTHETICAL = re.compile(
    rf"{_NB}(?:đề\s+xuất|đề\s+nghị|kiến\s+nghị|dự\s+kiến|dự\s+định|sẽ|nếu|có\s+thể|ứng\s+cử"
    rf"|đề\s+cử|giới\s+thiệu|dự\s+thảo|phương\s+án|xin\s+ý\s+kiến|mong\s+muốn|h[yi]\s+vọng)"
    rf"{_NA}",
    re.IGNORECASE,
)
_RANKING = re.compile(
    rf"{_NB}(?:đứng\s+thứ|xếp\s+thứ|xếp\s+hạng|dẫn\s+đầu|đứng\s+đầu|thứ\s+(?:nhất|nhì|hai|ba)"
    rf"|giải\s+(?:nhất|nhì|ba)|cờ\s+thi\s+đua|bằng\s+khen|tặng|trao){_NA}",
    re.IGNORECASE,
)
_MEETING = re.compile(
    rf"{_NB}(?:đồng\s+chí|đ/c|ông|bà(?!\s+(?:Rịa|con))|chủ\s+tịch|bí\s+thư|phát\s+biểu"
    rf"|chủ\s+trì|cho\s+biết|nhấn\s+mạnh|khẳng\s+định|thay\s+mặt|điều\s+hành|khai\s+mạc"
    rf"|bế\s+mạc|chào\s+mừng){_NA}",
    re.IGNORECASE,
)
# Election verbs. Lower case only: "Giao Thủy" is a district, "giao" a verb.
_CUE = re.compile(
    rf"{_NB}(?:bầu(?!\s+cử{_NA})|suy\s+tôn|giao(?!\s+(?:lưu|thông|dịch|tiếp|ban|hữu|kết|thương)"
    rf"{_NA})|công\s+nhận|thống\s+nhất|nhất\s+trí|lựa\s+chọn|chọn|tín\s+nhiệm|phân\s+công){_NA}"
)
_DO_CUE = re.compile(
    rf"{_NB}do\s+[^,;]{{3,100}}?\s+làm\s+(?:phó\s+)?(?:cụm|trưởng){_NA}", re.IGNORECASE
)
# Signs that a sentence looks back on a past term, so its years say nothing about a new term.
_RETROSPECTIVE = re.compile(
    rf"{_NB}(?:với\s+vai\s+trò|trên\s+cương\s+vị|với\s+tư\s+cách|năm\s+qua|vừa\s+qua){_NA}",
    re.IGNORECASE,
)

# --- the three forms ------------------------------------------------------------------------
_ELECT_VERB = (
    r"(?:bầu\s+chọn|bầu|suy\s+tôn|lựa\s+chọn|chọn|giao|công\s+nhận|phân\s+công"
    r"|tín\s+nhiệm\s+bầu)"
)
_HOLD = (
    r"(?:giữ\s+(?:chức(?:\s+vụ)?|vai\s+trò|cương\s+vị|vị\s+trí|nhiệm\s+vụ)"
    r"|đảm\s+(?:nhận|nhiệm)(?:\s+(?:vai\s+trò|nhiệm\s+vụ|chức(?:\s+vụ)?|vị\s+trí))?"
    r"|nhận\s+nhiệm\s+vụ)"
)
_BEFORE = re.compile(
    rf"{_NB}(?P<resp>lần\s+lượt\s+)?(?:(?:đã\s+)?được\s+{_ELECT_VERB}"
    rf"(?:\s+(?:nhiệm\s+vụ|{_HOLD}|làm|là|vào\s+vị\s+trí))?"
    rf"|(?:(?:tiếp\s+tục|chính\s+thức|vinh\s+dự)\s+)?(?:(?:là|làm)(?:\s+đơn\s+vị)?|{_HOLD}))\s+$"
)
_BEFORE_WINDOW = 120
_RETRO_BEFORE_ROLE = re.compile(
    rf"{_NB}(?:với|trên|trong|ở)\s+(?:vai\s+trò|cương\s+vị|tư\s+cách)(?:\s+(?:là|của))?\s*$",
    re.IGNORECASE,
)
# Lower case only: "Thái Nguyên", "Tây Nguyên" end many unit and cluster names.
_FORMER = re.compile(rf"{_NB}(?:nguyên|từng|vốn|cựu)\s*$")
_AFTER = re.compile(
    rf"(?:\s+(?:của\s+)?(?:cụm\s+)?thi\s+đua(?:\s+[^\s,;:()]+){{0,12}}?)?"
    rf"(?:\s*,?\s*(?:cho\s+)?năm\s+{_YEAR_WORDS})?"
    rf"\s*(?P<conn>là|:|gồm|thuộc\s+về|do|cho){_NA}\s*",
    re.IGNORECASE,
)
_APPOS = re.compile(r"(?P<mark>\(|,|\s[-–])\s*$")
_APPOS_AFTER = re.compile(
    rf"(?:\s*,?\s*(?:(?:cho\s+)?năm\s+{_YEAR_WORDS}"
    rf"|(?:của\s+)?cụm\s+thi\s+đua(?:\s+[^\s,;:()]+){{0,12}}?)){{0,2}}"
    rf"\s*(?:[,;.)]|và{_NA}|$)",
    re.IGNORECASE,
)
_PAREN_AFTER = re.compile(r"[^();]{0,80}?\)")
# Where a unit's name starts, reading leftwards from its predicate. Lower-case verbs only.
_LEFT_BOUNDARY = re.compile(
    rf"[,;:()\[\]\"“”]|{_NB}(?:bầu\s+chọn|bầu|suy\s+tôn|lựa\s+chọn|chọn|giao\s+cho|giao"
    rf"|công\s+nhận|thống\s+nhất|nhất\s+trí|tín\s+nhiệm|phân\s+công|cử|do|đã|là|làm|gồm|rằng"
    rf"|thì|được|thay\s+mặt|với|khi){_NA}"
)
# Where a unit's name ends, reading rightwards after "<role> là". Capital "Cụm" too: the next
# role often starts with it.
_RIGHT_BOUNDARY = re.compile(
    rf"[,;:()\[\]\"“”!?]|\.\s*$|{_NB}(?:năm|cho|làm|là|được|đảm\s+nhận|đảm\s+nhiệm|giữ|cụm|Cụm"
    rf"|của|nhiệm\s+kỳ|giai\s+đoạn|tiếp\s+tục|đã|sẽ|thay|với|tại|lần\s+lượt){_NA}"
)
_PAIR_SEPARATOR = re.compile(r"\s*(?:,\s*và|,|và)\s*")

# --- years ----------------------------------------------------------------------------------
_YEAR = re.compile(
    rf"{_NB}năm\s+(?:(?P<y>(?:19|20)\d{{2}})(?!\d)(?P<range>\s*[-–]\s*(?:19|20)?\d{{2}})?"
    rf"|(?P<rel>nay|tới|sau|kế\s+tiếp){_NA})",
    re.IGNORECASE,
)
# "cuối năm 2021", "tháng 12 năm 2021", "đến năm 2025": a date or a deadline, not a term.
_YEAR_DATE = re.compile(
    rf"{_NB}(?:cuối|đầu|giữa|hết|đến|từ|trước|sau|tháng\s+\S+|ngày\s+\S+)\s+$", re.IGNORECASE
)
_YEAR_DURING = re.compile(rf"{_NB}(?:trong|suốt|qua)\s+$", re.IGNORECASE)
# "tổng kết (công tác thi đua) năm 2021": the year under review, not the year of the new term.
_REVIEWED = re.compile(
    rf"{_NB}(?:tổng\s+kết|sơ\s+kết|kết\s+quả|đánh\s+giá|nhìn\s+lại|báo\s+cáo|thực\s+hiện"
    rf"|hoạt\s+động|công\s+tác|phong\s+trào|nhiệm\s+vụ|chương\s+trình|kế\s+hoạch|phương\s+hướng"
    rf"|giao\s+ước|hội\s+nghị){_NA}",
    re.IGNORECASE,
)
_REVIEW_WORDS = 12
_CLAUSE_PUNCT = re.compile(r"[,;:]")

# --- cluster names --------------------------------------------------------------------------
_CLUSTER_HEAD = re.compile(rf"{_NB}cụm\s+thi\s+đua{_NA}|{_NB}cụm(?=\s+(?:số\s+)?\d)", re.IGNORECASE)
_CLUSTER_ORG = re.compile(
    rf"\s+(?:của\s+)?(?:(?:Ủy\s+ban|UB)\s+)?(?:MTTQ(?:\s*(?:Việt\s+Nam|VN))?"
    rf"|Mặt\s+trận\s+Tổ\s+quốc(?:\s+Việt\s+Nam)?){_NA}",
    re.IGNORECASE,
)
_TOKEN = re.compile(r"\S+")


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_OPENERS = '(["“‘'
_CLOSERS = ',;:.!?)]"”’'
# Cluster names are geographic: "5 thành phố trực thuộc Trung ương", "các tỉnh, thành phố Tây
# Nam Bộ", "số 3". A lower-case word outside this list ends the name ("... chú trọng").
_GEO_WORDS = _words(
    "các số tỉnh thành phố huyện quận thị xã phường trấn trực thuộc trung ương khu vực miền "
    "phía vùng đồng bằng sông duyên hải núi du biên giới ven biển nam bắc đông tây nội ngoại "
    "cao nguyên đảo hai ba bốn sáu bảy tám chín mười"
)
_GEO_DESCRIPTORS = _words("miền vùng khu phía trung đồng duyên ven biên núi cao")
_ADMIN_FIRST = _words("thành tỉnh huyện quận xã phường đơn")
_NAME_STOP = _words("Ủy UB UBND MTTQ MTTQVN Mặt Ban Hội Đoàn Sở Cụm Trưởng Phó Năm Tại Trong")
_WEAK_TAIL = _words("và các của số - – trực thuộc")
_MAX_NAME_TOKENS = 16

# --- sentences ------------------------------------------------------------------------------
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
_SENTENCE_END = re.compile(r"[.!?…]+[\"”’»)]*\s+")
_ABBREVIATIONS = _words("tp t.p tw t.ư t.w ths ts pgs gs bs đ/c tx tt q p st v.v mr ng")


@dataclass(slots=True)
class _Anchor:
    start: int
    end: int
    role: Role
    usable: bool  # False: retrospective, former holder, or not an emulation cluster


@dataclass(slots=True)
class _Draft:
    role: Role
    unit: str
    start: int  # the fact's span in the sentence: unit and role together
    end: int
    role_start: int
    role_end: int
    weak: bool


@dataclass(slots=True)
class _Mention:
    start: int
    end: int
    name: str
    key: str


@dataclass(slots=True)
class _Year:
    start: int
    value: int | None  # None: "năm nay" without a publication year
    explicit: bool
    excluded: bool


@dataclass(slots=True)
class _Sentence:
    text: str
    norm: str
    has_cue: bool
    has_meeting: bool
    has_ranking: bool
    mentions: list[_Mention]
    years: list[_Year]
    roles: list[tuple[int, int]]  # every role word, used or not: each one bounds a fact's year
    drafts: list[_Draft]


def extract_leadership(
    text: str, *, default_year: int | None = None, default_cluster: str | None = None
) -> list[LeadershipFact]:
    """Leadership facts stated in an article (title + body, paragraphs split by blank lines).

    `default_year` is the publication year: it resolves "năm nay" / "năm tới" and bounds a
    year borrowed from the paragraph. `default_cluster` names the cluster when neither the
    sentence nor the article before it does. Facts come in text order, without duplicates.
    """
    text = unicodedata.normalize("NFC", text)
    # Most articles never name a role: two cheap scans settle them before any sentence work.
    if "cụm" not in text.lower() or not _ROLE.search(text):
        return []
    default = canonical_cluster(default_cluster) if default_cluster else None
    seen: dict[str, str] = {}  # cluster key -> name, named before the current sentence
    facts: list[LeadershipFact] = []
    for paragraph in _PARAGRAPH_BREAK.split(text):
        if "cụm" not in paragraph.lower():
            continue
        sentences = [_analyse(s, default_year) for s in _sentences(paragraph) if "cụm" in s.lower()]
        for index, sentence in enumerate(sentences):
            if sentence.drafts:
                context = _context_cluster(seen, default)
                borrowed = _paragraph_year(sentences, index, default_year)
                facts.extend(_facts(sentence, context, borrowed))
            for mention in sentence.mentions:
                seen.setdefault(mention.key, mention.name)
    return _resolve(facts)


# --- splitting ------------------------------------------------------------------------------
def _sentences(paragraph: str) -> Iterator[str]:
    """Sentences of a paragraph. Each line is at least one sentence (titles have no period)."""
    for line in paragraph.splitlines():
        start = 0
        for m in _SENTENCE_END.finditer(line):
            nxt = line[m.end() : m.end() + 1]
            if not (nxt.isupper() or nxt.isdigit() or nxt in _OPENERS):
                continue
            if m.group().startswith("."):
                words = line[start : m.start()].split()
                last = words[-1].lstrip(_OPENERS) if words else ""
                # "TP. Đà Nẵng", "T.Ư. MTTQ", "N. V. A.": not the end of a sentence.
                if last.lower() in _ABBREVIATIONS or (len(last) == 1 and last.isupper()):
                    continue
            sentence = line[start : m.end()].strip()
            if sentence:
                yield sentence
            start = m.end()
        sentence = line[start:].strip()
        if sentence:
            yield sentence


# --- one sentence ---------------------------------------------------------------------------
def _analyse(text: str, default_year: int | None) -> _Sentence:
    norm = modern_tones(text)  # same length as `text`: offsets are shared
    anchors = _anchors(norm)
    sentence = _Sentence(
        text=text,
        norm=norm,
        has_cue=False,
        has_meeting=False,
        has_ranking=False,
        mentions=_mentions(norm),
        years=_years(norm, [a.end for a in anchors], default_year),
        roles=[(a.start, a.end) for a in anchors],
        drafts=[],
    )
    # The remaining scans only matter where a role is named (a few sentences per article).
    if anchors and not _vetoed(norm):
        sentence.has_cue = bool(_CUE.search(norm[:1].lower() + norm[1:]) or _DO_CUE.search(norm))
        sentence.has_meeting = bool(_MEETING.search(norm))
        sentence.has_ranking = bool(_RANKING.search(norm))
        sentence.drafts = _drafts(sentence, anchors)
    return sentence


def _vetoed(norm: str) -> bool:
    return bool(
        _NEGATION.search(norm)
        or _HYPOTHETICAL.search(norm)
        or (_NON_EMULATION_CLUSTER.search(norm) and "thi đua" not in norm.lower())
    )


def _anchors(norm: str) -> list[_Anchor]:
    anchors = []
    for m in _ROLE.finditer(norm):
        role: Role = "deputy" if m.group("deputy") else "leader"
        before = norm[max(0, m.start() - _BEFORE_WINDOW) : m.start()]
        usable = not (
            _NON_EMULATION_AFTER_ROLE.match(norm, m.end())
            or _RETRO_BEFORE_ROLE.search(before)
            or _FORMER.search(before)
        )
        anchors.append(_Anchor(m.start(), m.end(), role, usable))
    return anchors


def _drafts(sentence: _Sentence, anchors: list[_Anchor]) -> list[_Draft]:
    norm = sentence.norm
    drafts: list[_Draft] = []
    consumed: set[int] = set()
    for i, anchor in enumerate(anchors):
        if i in consumed or not anchor.usable:
            continue
        region_start = anchors[i - 1].end if i else 0
        region_end = anchors[i + 1].start if i + 1 < len(anchors) else len(norm)
        window_start = max(region_start, anchor.start - _BEFORE_WINDOW)
        before = _BEFORE.search(norm, window_start, anchor.start)
        if before:
            conn_start = before.start()
            if _FORMER.search(norm, region_start, conn_start):
                continue
            span_start = _unit_start(norm, region_start, conn_start)
            units, offset = locate_units(norm[span_start:conn_start])
            if before.group("resp"):
                drafts.extend(_respectively(norm, anchors, i, span_start + offset, units, consumed))
            else:
                drafts.extend(_one_role(anchor, units, span_start + offset, anchor.end, weak=False))
            continue
        after = _AFTER.match(norm, anchor.end, region_end)
        if after and not (after.group("conn") == "cho" and "giao" not in norm):
            unit_end = _unit_end(norm, after.end(), region_end)
            units, _ = locate_units(norm[after.end() : unit_end])
            drafts.extend(_one_role(anchor, units, anchor.start, unit_end, weak=False))
            continue
        appos = _APPOS.search(norm, region_start, anchor.start)
        if appos and _appos_closes(norm, appos.group("mark"), anchor.end, region_end):
            mark_start = appos.start()
            span_start = _unit_start(norm, region_start, mark_start)
            units, offset = locate_units(norm[span_start:mark_start])
            drafts.extend(_one_role(anchor, units, span_start + offset, anchor.end, weak=True))
    return drafts


def _one_role(
    anchor: _Anchor, units: tuple[str, ...], start: int, end: int, *, weak: bool
) -> list[_Draft]:
    # Two deputies are plausible; two leaders of one cluster are not, so that reading is dropped.
    if not units or (len(units) > 1 and anchor.role == "leader"):
        return []
    return [_Draft(anchor.role, unit, start, end, anchor.start, anchor.end, weak) for unit in units]


def _respectively(
    norm: str,
    anchors: list[_Anchor],
    i: int,
    span_start: int,
    units: tuple[str, ...],
    consumed: set[int],
) -> list[_Draft]:
    """ "A và B lần lượt là Cụm trưởng, Cụm phó": pair the units with the roles, in order."""
    if i + 1 >= len(anchors):
        return []
    first, second = anchors[i], anchors[i + 1]
    consumed.add(i + 1)
    if len(units) != 2 or not second.usable:
        return []
    if not _PAIR_SEPARATOR.fullmatch(norm, first.end, second.start):
        return []
    return [
        _Draft(first.role, units[0], span_start, second.end, first.start, first.end, False),
        _Draft(second.role, units[1], span_start, second.end, second.start, second.end, False),
    ]


def _unit_start(norm: str, lo: int, hi: int) -> int:
    start = lo
    for m in _LEFT_BOUNDARY.finditer(norm, lo, hi):
        start = m.end()
    return start


def _unit_end(norm: str, lo: int, hi: int) -> int:
    m = _RIGHT_BOUNDARY.search(norm, lo, hi)
    return m.start() if m else hi


def _appos_closes(norm: str, mark: str, role_end: int, region_end: int) -> bool:
    if mark == "(":
        return bool(_PAREN_AFTER.match(norm, role_end, region_end))
    return bool(_APPOS_AFTER.match(norm, role_end, region_end))


def _mentions(norm: str) -> list[_Mention]:
    mentions = []
    for m in _CLUSTER_HEAD.finditer(norm):
        pos = m.end()
        org = _CLUSTER_ORG.match(norm, pos)
        if org:
            pos = org.end()
        read = _cluster_name(norm, pos)
        if read:
            name, end = read
            mentions.append(_Mention(m.start(), end, name, cluster_key(name)))
    return mentions


def _cluster_name(norm: str, pos: int) -> tuple[str, int] | None:
    tokens = list(_TOKEN.finditer(norm, pos, min(len(norm), pos + 240)))[:_MAX_NAME_TOKENS]
    words: list[tuple[str, int]] = []  # (word, end offset)
    for i, token in enumerate(tokens):
        raw = token.group()
        if raw[0] in _OPENERS:
            break
        core = raw.rstrip(_CLOSERS)
        trail = raw[len(core) :]
        nxt = tokens[i + 1].group().strip(_OPENERS + _CLOSERS) if i + 1 < len(tokens) else ""
        if not core or not _name_word(core, nxt):
            break
        # "các tỉnh, thành phố Tây Nam Bộ": this comma belongs to the name.
        if trail == "," and core.lower() == "tỉnh" and nxt.lower() == "thành":
            words.append((core + ",", token.start() + len(core) + 1))
            continue
        words.append((core, token.start() + len(core)))
        if trail:
            break
    while words and words[-1][0].lower() in _WEAK_TAIL:
        words.pop()
    if not any(w[0].isupper() or w.isdigit() for w, _ in words):
        return None
    return canonical_cluster(" ".join(w for w, _ in words)), words[-1][1]


def _name_word(word: str, nxt: str) -> bool:
    lower = word.lower()
    if word[0].isupper():
        return word not in _NAME_STOP
    if word.isdigit():
        return len(word) <= 2
    if lower == "năm":  # "năm thành phố" is a number, "năm 2022" a year
        return nxt.lower() in _ADMIN_FIRST
    if lower == "và":  # "trung du và miền núi", but not "A và thành phố B là Cụm phó"
        return nxt.lower() in _GEO_DESCRIPTORS
    return lower in _GEO_WORDS


def _years(norm: str, barriers: list[int], default_year: int | None) -> list[_Year]:
    years = []
    for m in _YEAR.finditer(norm):
        before = norm[max(0, m.start() - 40) : m.start()]
        if m.group("y"):
            value: int | None = int(m.group("y"))
            explicit = True
            excluded = bool(m.group("range")) or bool(_YEAR_DURING.search(before))
        else:
            explicit = False
            excluded = False
            if default_year is None:
                value = None
            else:
                value = default_year if m.group("rel").lower() == "nay" else default_year + 1
        if _YEAR_DATE.search(before) or _reviewed(norm, m.start(), barriers):
            excluded = True
        years.append(_Year(m.start(), value, explicit, excluded))
    return years


def _reviewed(norm: str, pos: int, barriers: list[int]) -> bool:
    lo = max([0, *(b for b in barriers if b <= pos)])
    punct = [p.end() for p in _CLAUSE_PUNCT.finditer(norm, lo, pos)]
    if punct:
        lo = punct[-1]
    window = " ".join(norm[lo:pos].split()[-_REVIEW_WORDS:])
    return bool(_REVIEWED.search(window))


# --- from drafts to facts -------------------------------------------------------------------
def _facts(sentence: _Sentence, context: str | None, borrowed: int | None) -> list[LeadershipFact]:
    drafts = sentence.drafts
    if not drafts:
        return []
    norm = sentence.norm
    attached = _attached_mentions(sentence)
    facts = []
    for draft in drafts:
        clause_lo = norm.rfind(";", 0, draft.start) + 1
        clause_hi = _find(norm, ";", draft.end)
        ends = [end for _, end in sentence.roles] + [d.end for d in drafts]
        starts = [start for start, _ in sentence.roles] + [d.start for d in drafts]
        prev_end = max([clause_lo, *(e for e in ends if e <= draft.start)])
        next_start = min([clause_hi, *(s for s in starts if s >= draft.end)])
        year, source = _year_of(sentence, draft, prev_end, next_start)
        if source == "none" and sentence.has_cue:
            year, source = borrowed, "paragraph"
        if year is None:
            continue
        # "X, Cụm trưởng" is an election only next to an election verb, and never in an
        # introduction ("đồng chí A, ..., Cụm trưởng, phát biểu") or a ranking.
        if draft.weak and (not sentence.has_cue or sentence.has_meeting or sentence.has_ranking):
            continue
        # Without an election verb, "X là Cụm trưởng" counts only as a plain statement with its
        # own year, outside a speech.
        if not sentence.has_cue and (sentence.has_meeting or source == "paragraph"):
            continue
        # Next to a ranking ("được suy tôn dẫn đầu ... năm 2022") the year must sit with the
        # role itself, and the ranking must not follow the fact in its clause.
        if sentence.has_ranking and (
            source != "own" or _RANKING.search(norm, draft.end, next_start)
        ):
            continue
        cluster = _cluster_of(sentence, draft, attached, clause_lo, clause_hi, context)
        if cluster is None:
            continue
        facts.append(LeadershipFact(cluster, year, draft.role, draft.unit, sentence.text))
    return facts


def _find(text: str, char: str, start: int) -> int:
    index = text.find(char, start)
    return len(text) if index < 0 else index


def _year_of(
    sentence: _Sentence, draft: _Draft, prev_end: int, next_start: int
) -> tuple[int | None, str]:
    """(year, where it came from): "own", "sentence", "none" (no year at all), "ambiguous"."""
    usable = [y for y in sentence.years if not y.excluded]
    for lo, hi in ((draft.start, draft.end), (draft.end, next_start), (prev_end, draft.start)):
        values = {y.value for y in usable if lo <= y.start < hi}
        if values:
            return (values.pop(), "own") if len(values) == 1 else (None, "ambiguous")
    values = {y.value for y in usable}
    if len(values) == 1:
        return values.pop(), "sentence"
    if values or sentence.years:
        return None, "ambiguous"
    return None, "none"


def _attached_mentions(sentence: _Sentence) -> dict[int, int]:
    """Mention index -> draft index, for a cluster named right after a role."""
    attached: dict[int, int] = {}
    for mi, mention in enumerate(sentence.mentions):
        for di, draft in enumerate(sentence.drafts):
            between = sentence.norm[draft.role_end : mention.start]
            inside = draft.role_start <= mention.start < draft.role_end  # "trưởng cụm thi đua"
            if inside or (
                mention.start >= draft.role_end and re.fullmatch(r"[\s)]*(?:của\s+)?", between)
            ):
                attached[mi] = di
                break
    return attached


def _cluster_of(
    sentence: _Sentence,
    draft: _Draft,
    attached: dict[int, int],
    clause_lo: int,
    clause_hi: int,
    context: str | None,
) -> str | None:
    before: _Mention | None = None
    after: _Mention | None = None
    for mi, mention in enumerate(sentence.mentions):
        owner = attached.get(mi)
        if owner is not None and sentence.drafts[owner].role_start == draft.role_start:
            return mention.name
        if not clause_lo <= mention.start < clause_hi:
            continue
        if mention.end <= draft.start and owner is None:
            before = mention
        # A cluster named after "B là Cụm phó" also covers "A là Cụm trưởng" before it, but
        # one named after another leader belongs to that leader alone.
        elif (
            mention.start >= draft.end
            and after is None
            and (owner is None or sentence.drafts[owner].role != draft.role)
        ):
            after = mention
    if before and after:
        return before.name if before.key == after.key else None
    chosen = before or after
    if chosen:
        return chosen.name
    keys = {m.key: m.name for m in sentence.mentions}
    if len(keys) == 1:
        return next(iter(keys.values()))
    if keys:
        return None
    return context


def _context_cluster(seen: dict[str, str], default: str | None) -> str | None:
    if len(seen) == 1:
        return next(iter(seen.values()))
    if default is not None and (not seen or cluster_key(default) in seen):
        return default
    return None


def _paragraph_year(sentences: list[_Sentence], index: int, default_year: int | None) -> int | None:
    """The only term year named by the paragraph's other sentences about the election.

    "Hội nghị đã tiến hành bầu Cụm trưởng, Cụm phó năm 2023. Kết quả, X được bầu làm Cụm
    trưởng." A lending sentence must itself name a role or an election verb: a year from
    "Năm 2021, Hà Nội đã tổ chức nhiều hoạt động của cụm" is the past term's, not the new one's.
    """
    values = {
        y.value
        for i, s in enumerate(sentences)
        if i != index and s.years and _lends_year(s)
        for y in s.years
        if y.explicit and not y.excluded
    }
    if len(values) != 1:
        return None
    year = values.pop()
    if year is None or (default_year is not None and not default_year <= year <= default_year + 1):
        return None
    return year


def _lends_year(sentence: _Sentence) -> bool:
    norm = sentence.norm
    return bool(
        (sentence.roles or _CUE.search(norm[:1].lower() + norm[1:]))
        and not _RETROSPECTIVE.search(norm)
        and not _vetoed(norm)
    )


def _resolve(facts: list[LeadershipFact]) -> list[LeadershipFact]:
    """Drop duplicates and contradictions (two leaders, or one unit in both roles)."""
    groups: dict[tuple[str, int], list[LeadershipFact]] = {}
    for fact in facts:
        groups.setdefault((cluster_key(fact.cluster), fact.year), []).append(fact)
    rejected: set[int] = set()
    for group in groups.values():
        leaders = {unit_identity(f.unit) for f in group if f.role == "leader"}
        deputies = {unit_identity(f.unit) for f in group if f.role == "deputy"}
        for fact in group:
            identity = unit_identity(fact.unit)
            if (fact.role == "leader" and len(leaders) > 1) or (
                identity in leaders and identity in deputies
            ):
                rejected.add(id(fact))
    out: list[LeadershipFact] = []
    kept: dict[tuple[str, int, str, str], int] = {}
    for fact in facts:
        if id(fact) in rejected:
            continue
        key = (cluster_key(fact.cluster), fact.year, fact.role, unit_identity(fact.unit))
        if key in kept:
            # Same member spelled twice ("Đà Nẵng", "Ủy ban MTTQ ... Đà Nẵng"): keep the fuller.
            if len(fact.unit) > len(out[kept[key]].unit):
                out[kept[key]] = fact
            continue
        kept[key] = len(out)
        out.append(fact)
    return out

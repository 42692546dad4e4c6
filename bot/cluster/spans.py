"""A sentence as spans: units, roles, clusters, years, and the words with a grammatical job.

Owns the first step of reading a sentence (the lexer): tokens are grouped into `Span`s, each
with a one-letter tag (see `lexicon.py`), so that the grammar (`grammar.py`) can attach roles
to units by looking at tags only. Recognising a unit is a small grammar of its own:

    unit     := [Ban Thường trực] committee locality        "Ủy ban MTTQ Việt Nam tỉnh A",
                                                             "UBMTTQ phường B", "MTTQ quận 3"
              | org-head descriptor [locality]               "Hội Nông dân thành phố",
                                                             "Sở Tư pháp", "Báo Hải Phòng"
              | complete-org [locality]                      "Công an phường C", "Thành đoàn"
              | locality                                     "phường Lê Chân", "quận 1"
              | province                                     "Đà Nẵng" (gazetteer)
    locality := admin-word Place-Name                        "thành phố Hải Phòng", "xã An Hòa"

A unit right after a title or an ordinary noun is governed by it ("Chủ tịch Ủy ban ... tỉnh
A", "Ban quản lý dự án tỉnh A", "phối hợp với Ủy ban ..."): Vietnamese noun phrases put their
head first, so such a unit names where a person works or what a noun belongs to, never a role
holder. Those spans are tagged `u` and the grammar lets them take a role only to drop it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from bot.cluster import lexicon
from bot.cluster.lexicon import Role
from bot.cluster.units import canonical_cluster, cluster_key, normalize_unit
from bot.text.fold import fold

# "T.Ư", "T.W", "T.P" keep their dots; any other dot is punctuation ("TP.HCM" = TP . HCM).
_TOKEN = re.compile(r"T\.[ƯWP]\.?|\w+(?:[/\-–]\w+)*|[^\w\s]")
_PUNCT_TAGS = {",": ",", ";": ";", ":": ":", "(": "(", ")": ")", "-": "-", "–": "-", "—": "-",
               ".": ".", "!": ".", "?": ".", "…": ".", "•": "-", "*": "-", "+": "-",
               "[": "(", "]": ")"}  # fmt: skip
_QUOTES = frozenset("\"“”‘’'«»")
# A unit may take a role only after one of these (or at the start): punctuation, a verb, a
# connective, a year, a cluster or a role. After anything else it is governed ("u").
HOLDER_BEFORE = frozenset(",;:(-.evkdtgnacYCMbphlmoRr")
_YEAR = re.compile(r"(19|20)\d\d")
_RANGE_TOKEN = re.compile(r"(19|20)\d\d[-–](19|20)?\d\d")
_YEAR_DATE = re.compile(
    r"(?<!\w)(?:cuối|đầu|giữa|hết|đến|từ|trước|sau|tháng\s+\S+|ngày\s+\S+|suốt|qua"
    r"|nhiệm\s+kỳ|giai\s+đoạn|khóa)\s+$",
    re.IGNORECASE,
)
# "tổng kết (công tác thi đua) năm 2021": the year under review, not the year of a term.
_REVIEWED = re.compile(
    r"(?<!\w)(?:tổng\s+kết|sơ\s+kết|kết\s+quả\s+(?:thi\s+đua|chấm|bình|thực|hoạt|công|xếp)"
    r"|đánh\s+giá|nhìn\s+lại|báo\s+cáo|thực\s+hiện|hoạt\s+động|công\s+tác|phong\s+trào"
    r"|chương\s+trình|kế\s+hoạch|phương\s+hướng|giao\s+ước|hội\s+nghị|hội\s+thảo|chấm\s+điểm"
    r"|bình\s+xét|khen\s+thưởng|nhiệm\s+vụ|triển\s+khai|thi\s+đua\s+năm)(?!\w)",
    re.IGNORECASE,
)
_REVIEW_WORDS = 12
_ROMAN_TOKEN = re.compile(r"[IVX]{1,4}")
_MAX_NAME = 6
_MAX_DESCRIPTOR = 9
_MAX_CLUSTER_NAME = 16


@dataclass(slots=True)
class Token:
    text: str
    low: str
    start: int
    end: int
    capital: bool


@dataclass(slots=True)
class Span:
    """One span of a sentence. Offsets are in the sentence's text."""

    tag: str
    start: int
    end: int
    word: str = ""  # the lexicon entry, or the lower-case token
    role: Role | None = None
    unit: str | None = None  # canonical unit name
    org: str | None = None  # the organisation part of a unit, as written
    cluster: str | None = None  # canonical cluster name; None: "cụm thi đua" without a name
    key: str = ""
    year: int | None = None  # None: "năm nay" without a publication year
    explicit: bool = False
    excluded: bool = False
    strength: str = ""  # units: "org" (organisation + locality), "place", "org-only"


@dataclass(slots=True)
class Sentence:
    """A sentence read as spans; `tags` has one character per span."""

    text: str
    spans: list[Span]
    tags: str
    question: bool = False
    roles: list[int] = field(default_factory=list)  # indexes of R/r spans

    def named_clusters(self) -> list[Span]:
        return [s for s in self.spans if s.tag == "C" and s.cluster]


def tokens(text: str) -> list[Token]:
    out = []
    for m in _TOKEN.finditer(text):
        word = m.group()
        out.append(Token(word, word.lower(), m.start(), m.end(), word[:1].isupper()))
    return out


# --- lexicon lookup -------------------------------------------------------------------------
def _entries(words: dict[str, str]) -> dict[str, list[tuple[tuple[str, ...], str]]]:
    table: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    for entry, tag in words.items():
        parts = tuple(entry.split())
        table.setdefault(parts[0], []).append((parts, tag))
    for options in table.values():
        options.sort(key=lambda o: -len(o[0]))
    return table


_WORDS = _entries(lexicon.WORDS)
_ROLES = _entries({k: "R" for k in lexicon.ROLES})
_NON_EMULATION = _entries({k: "x" for k in lexicon.NON_EMULATION})
_HEADS_COMPLETE = _entries({" ".join(h): "H" for h in lexicon.ORG_HEADS_COMPLETE})
_HEADS_NAMED = _entries({" ".join(h): "N" for h in lexicon.ORG_HEADS_WITH_NAME})
_ADMIN = _entries({" ".join(a): "A" for a in lexicon.ADMIN_WORDS})
_PROVINCE_KEYS = {re.sub(r"\s*-\s*", "-", fold(p)): p for p in lexicon.PROVINCES}
_PROVINCE_FIRST = {fold(p).split()[0] for p in lexicon.PROVINCES}


def _match(toks: list[Token], i: int, table: dict[str, list[tuple[tuple[str, ...], str]]]
           ) -> tuple[int, str, str] | None:
    """(end index, tag, entry) of the longest entry of `table` starting at token i."""
    options = table.get(toks[i].low)
    if not options:
        return None
    for parts, tag in options:
        end = i + len(parts)
        if end <= len(toks) and all(toks[i + k].low == parts[k] for k in range(1, len(parts))):
            return end, tag, " ".join(parts)
    return None


def _sentence_start(toks: list[Token], i: int) -> bool:
    """Whether token i starts a sentence or a clause (where verbs are capitalised too)."""
    return i == 0 or toks[i - 1].text in _PUNCT_TAGS or toks[i - 1].text in _QUOTES


# --- the lexer ------------------------------------------------------------------------------
def read_sentence(text: str) -> Sentence:
    """The spans of one sentence (`text` in the new tone orthography, NFC)."""
    toks = tokens(text)
    spans: list[Span] = []
    i = 0
    n = len(toks)
    while i < n:
        tok = toks[i]
        if tok.text in _QUOTES:
            i += 1
            continue
        got = (
            _role(toks, i, spans)
            or _cluster(toks, i, spans)
            or _year(toks, i, spans)
            or _unit(toks, i, spans)
            or _word(toks, i, spans)
        )
        if got:
            i = got
            continue
        tag = _PUNCT_TAGS.get(tok.text, "w")
        spans.append(Span(tag, tok.start, tok.end, tok.low))
        i += 1
    sentence = Sentence(text, spans, "".join(s.tag for s in spans), question="?" in text)
    _mark_roles(sentence)
    _mark_years(sentence)
    sentence.tags = "".join(s.tag for s in spans)
    return sentence


def _role(toks: list[Token], i: int, spans: list[Span]) -> int | None:
    got = _match(toks, i, _ROLES)
    if got is None:
        return None
    end, _, entry = got
    role = lexicon.ROLES[entry]
    span = Span("R", toks[i].start, toks[end - 1].end, entry, role=role)
    spans.append(span)
    after = end + 1 if end < len(toks) and toks[end].low == "cụm" else end
    if after < len(toks) and _match(toks, after, _NON_EMULATION):
        span.tag = "r"  # "trưởng cụm dân cư", "cụm trưởng cụm công nghiệp"
        return end
    # "trưởng cụm thi đua số 2", "phó cụm thi đua các quận": the role's last word opens the
    # cluster's name.
    if toks[end - 1].low == "cụm" and end < len(toks) and (
        toks[end].low in ("thi", "số") or _number(toks, end) is not None
    ):
        return _cluster_name(toks, end, spans, head_start=toks[end - 1].start)
    return end


def _cluster(toks: list[Token], i: int, spans: list[Span]) -> int | None:
    if toks[i].low != "cụm":
        return None
    nxt = toks[i + 1].low if i + 1 < len(toks) else ""
    numbered = nxt == "số" or (toks[i].capital and _number(toks, i + 1) is not None)
    # "Cụm các tỉnh Tây Nguyên": a capitalised "Cụm" before a name is the cluster too
    named = toks[i].capital and nxt in ("các", "khối")
    if nxt != "thi" and not numbered and not named:
        if i + 1 < len(toks) and _match(toks, i + 1, _NON_EMULATION):
            spans.append(Span("w", toks[i].start, toks[i].end, "cụm-x"))
        return None
    return _cluster_name(toks, i + 1, spans, head_start=toks[i].start)


def _number(toks: list[Token], i: int) -> str | None:
    """A cluster number: "2", "II", "IV" (Roman numerals are capitals only)."""
    if i >= len(toks):
        return None
    text = toks[i].text
    if text.isdigit() and len(text) <= 2:
        return text
    if _ROMAN_TOKEN.fullmatch(text):
        return text
    return None


def _cluster_name(toks: list[Token], i: int, spans: list[Span], *, head_start: int) -> int:
    """Read "thi đua [của MTTQ ...] <name>" or "[số] N" from token i; append the C span."""
    n = len(toks)
    if i + 1 < n and toks[i].low == "thi" and toks[i + 1].low == "đua":
        i += 2
        i = _skip_front_org(toks, i)
    end_tok = i
    words: list[int] = []  # token indexes
    k = i
    while k < n and len(words) < _MAX_CLUSTER_NAME:
        tok = toks[k]
        nxt = toks[k + 1] if k + 1 < n else None
        pair = f"{tok.low} {nxt.low}" if nxt is not None else ""
        # "các tổ chức chính trị - xã hội", but "5 thành phố ... tổ chức Hội nghị" (a verb)
        if pair in lexicon.CLUSTER_NAME_PAIRS and words and (
            pair != "tổ chức" or toks[words[-1]].low == "các"
        ):
            words += [k, k + 1]
            k += 2
            continue
        if _cluster_word(tok, nxt, first=not words):
            words.append(k)
            k += 1
            # "các tỉnh, thành phố Tây Nam Bộ", "các sở, ngành": this comma is the name's.
            if (nxt is not None and nxt.text == "," and k + 1 < n
                    and toks[k + 1].low in lexicon.CLUSTER_COMMA_NEXT
                    and tok.low in ("tỉnh", "sở", "xã", "quận", "huyện", "phường", "thể", "hội")):
                words.append(k)
                k += 1
            continue
        break
    while words and (toks[words[-1]].low in lexicon.CLUSTER_WEAK_TAIL
                     or toks[words[-1]].text == ","):
        words.pop()
    name = None
    unreadable = False
    if words:
        end_tok = words[-1] + 1
        lows = [toks[w].low for w in words]
        named = any(toks[w].capital or toks[w].text.isdigit() for w in words)
        if named or (lows[0] in ("các", "khối") and len(words) >= 2):
            name = _join([toks[w] for w in words])
            # A name that stops at a word it cannot end on ("các hội quần chúng" read as
            # "các hội" if "quần" were unknown) is not a name to trust.
            unreadable = not _name_boundary(toks, end_tok)
    if name is None:
        end_tok = i
    end = toks[end_tok - 1].end if end_tok > 0 else toks[i].end
    span = Span("C", head_start, max(end, head_start))
    if unreadable:
        span.word = "unreadable"
    elif name is not None:
        number = _number(toks, i) if len(words) == 1 else None
        span.cluster = canonical_cluster(f"số {number}" if number else name)
        span.key = cluster_key(span.cluster)
    spans.append(span)
    return max(end_tok, i)


_NAME_ENDS = lexicon.words(
    "của và tại trong với cho từ là làm do thì đã được gồm có năm theo sẽ đang vừa mới cùng "
    "nhằm về để"
)


# Verbs that often follow a cluster's name, in titles above all ("Cụm thi đua ... tổng kết").
_NAME_VERBS = frozenset({
    "tổng kết", "sơ kết", "ký kết", "triển khai", "phát động", "giao lưu", "ra mắt",
    "kiểm tra", "chấm điểm", "bình xét", "thực hiện", "hoàn thành", "đánh giá", "nhìn lại",
    "chung tay", "tích cực", "đẩy mạnh", "nâng cao", "khảo sát", "giám sát", "thăm", "họp",
    "tập huấn", "trao đổi", "hội thảo", "tọa đàm", "hưởng ứng", "đóng góp", "quyết tâm",
    "hướng về", "vì", "đổi mới", "tăng cường", "bầu", "thống nhất", "gặp mặt", "hội ý",
})  # fmt: skip


def _name_boundary(toks: list[Token], k: int) -> bool:
    """Whether a cluster's name may end before token k."""
    if k >= len(toks):
        return True
    tok = toks[k]
    pair = f"{tok.low} {toks[k + 1].low}" if k + 1 < len(toks) else ""
    return (tok.text in _PUNCT_TAGS or tok.text in _QUOTES or tok.capital or tok.text.isdigit()
            or tok.low in _NAME_ENDS or tok.low in _NAME_VERBS or pair in _NAME_VERBS
            or _match(toks, k, _WORDS) is not None or _match(toks, k, _ROLES) is not None)


def _join(words: list[Token]) -> str:
    out = ""
    for w in words:
        out += w.text if w.text == "," or not out else " " + w.text
    return out


def _skip_front_org(toks: list[Token], i: int) -> int:
    """Skip "(của) (Ủy ban) MTTQ (Việt Nam)" between "cụm thi đua" and the cluster's name."""
    n = len(toks)
    k = i
    if k < n and toks[k].low == "của":
        k += 1
    if k + 1 < n and toks[k].low in ("ủy", "uỷ") and toks[k + 1].low == "ban":
        k += 2
    elif k < n and toks[k].low == "ub":
        k += 1
    if k < n and toks[k].low in lexicon.MTTQ_WORDS:
        k += 1
    elif k + 3 < n and [t.low for t in toks[k : k + 4]] == ["mặt", "trận", "tổ", "quốc"]:
        k += 4
    else:
        return i
    if k + 1 < n and toks[k].low == "việt" and toks[k + 1].low == "nam":
        k += 2
    elif k < n and toks[k].low == "vn":
        k += 1
    return k


_CLUSTER_STOPS = lexicon.words(
    "ủy ub ubnd mttq mttqvn mặt ban hội đoàn sở cụm trưởng phó năm tại trong theo"
)


def _cluster_word(tok: Token, nxt: Token | None, *, first: bool) -> bool:
    low = tok.low
    if tok.text in ("-", "–"):
        return nxt is not None and (nxt.capital or nxt.low in lexicon.CLUSTER_NAME_WORDS)
    if tok.capital:
        return low not in _CLUSTER_STOPS or (first and low in ("trung",))
    if tok.text.isdigit():
        return len(tok.text) <= 2
    if low == "năm":  # "năm thành phố" is a number, "năm 2022" a year
        return nxt is not None and nxt.low in ("thành", "tỉnh", "huyện", "quận", "đơn")
    if low == "và":  # "trung du và miền núi", but not "A và thành phố B là Cụm phó"
        return nxt is not None and nxt.low in lexicon.CLUSTER_AND_NEXT
    return low in lexicon.CLUSTER_NAME_WORDS


def _year(toks: list[Token], i: int, spans: list[Span]) -> int | None:
    if toks[i].low != "năm" or i + 1 >= len(toks):
        return None
    nxt = toks[i + 1]
    if _RANGE_TOKEN.fullmatch(nxt.text):
        spans.append(Span("Y", toks[i].start, nxt.end, "năm", year=int(nxt.text[:4]),
                          explicit=True, excluded=True))
        return i + 2
    if len(nxt.text) == 4 and _YEAR.fullmatch(nxt.text):
        end = i + 2
        excluded = False
        # "năm 2024 - 2025", "năm 2024-25": a range is a period, not one term
        if (end + 1 < len(toks) and toks[end].text in ("-", "–")
                and toks[end + 1].text.isdigit()):
            excluded = True
            end += 2
        spans.append(Span("Y", toks[i].start, toks[end - 1].end, "năm", year=int(nxt.text),
                          explicit=True, excluded=excluded))
        return end
    for words, offset in lexicon.RELATIVE_YEARS.items():
        parts = words.split()
        if [t.low for t in toks[i + 1 : i + 1 + len(parts)]] == parts:
            end = i + 1 + len(parts)
            spans.append(Span("Y", toks[i].start, toks[end - 1].end, "năm " + words,
                              year=offset, explicit=False))
            return end
    return None


def _word(toks: list[Token], i: int, spans: list[Span]) -> int | None:
    tok = toks[i]
    got = _match(toks, i, _WORDS)
    if got is not None and got[1] == "w" and any(t.capital for t in toks[i + 1 : got[0]]):
        # "giao ban" is a briefing, but "giao Ban Dân vận ..." assigns the role to a unit
        single = _match(toks[i : i + 1], 0, _WORDS)
        got = None if single is None else (i + 1, single[1], single[2])
    if got is not None:
        end, tag, entry = got
        if tag != "P" and tok.capital and not _sentence_start(toks, i):
            return None  # "Giao Thủy", "Thái Nguyên": a name, not a verb
        if tag == "N" and (
            (end < len(toks) and toks[end].low in lexicon.NOT_NEGATION)
            or (i > 0 and toks[i - 1].low == "hàng")
        ):
            tag = "w"
        if entry in ("đồng chí", "đ/c"):
            end = _name_run(toks, end)
        spans.append(Span(tag, tok.start, toks[end - 1].end, entry))
        return end
    if tok.low in lexicon.HONORIFICS and i + 1 < len(toks) and toks[i + 1].capital:
        end = _name_run(toks, i + 1)
        spans.append(Span("P", tok.start, toks[end - 1].end, tok.low))
        return end
    return None


def _name_run(toks: list[Token], i: int) -> int:
    """End of a person's name (capitalised words) starting at token i."""
    k = i
    while k < len(toks) and k - i < 5 and toks[k].capital and toks[k].low not in ("ủy", "uỷ"):
        k += 1
    return k


# --- units ----------------------------------------------------------------------------------
def _unit(toks: list[Token], i: int, spans: list[Span]) -> int | None:
    tok = toks[i]
    if not (tok.capital or tok.low in _ADMIN_FIRST):
        return None
    found = _committee(toks, i) or _organisation(toks, i)
    if found is None:
        loc = _locality(toks, i)
        if loc is not None:
            found = (loc, "", "place")
        else:
            prov = _province(toks, i)
            if prov is None:
                return None
            found = (prov, "", "place")
    end, org, strength = found
    if strength == "none":  # an organisation that is no member ("Ủy ban Trung ương MTTQ")
        spans.append(Span("w", tok.start, toks[end - 1].end, "org"))
        return end
    surface = _surface(toks, i, end)
    prev = spans[-1] if spans else None
    # "Ủy ban MTTQ Việt Nam tỉnh A và tỉnh B": B's committee, not the bare province.
    if (not org and len(spans) >= 2 and prev is not None and prev.tag == "v"
            and spans[-2].tag in "Uu" and spans[-2].org):
        org = spans[-2].org
        surface = f"{org} {surface}"
        strength = spans[-2].strength
    tag = "U" if prev is None or prev.tag in HOLDER_BEFORE else "u"
    unit = _canonical(surface)
    spans.append(Span(tag, tok.start, toks[end - 1].end, surface, unit=unit, org=org or None,
                      strength=strength))
    return end


_ADMIN_FIRST = frozenset(a[0] for a in lexicon.ADMIN_WORDS) | {"tp"}


@lru_cache(maxsize=4096)  # pure, and the same names recur in every article
def _canonical(surface: str) -> str:
    return normalize_unit(surface)


def _surface(toks: list[Token], i: int, end: int) -> str:
    out = toks[i].text
    for k in range(i + 1, end):
        glue = toks[k].text in (".",) and toks[k - 1].low == "tp"
        out += toks[k].text if glue else " " + toks[k].text
    return out


def _committee(toks: list[Token], i: int) -> tuple[int, str, str] | None:
    """A Fatherland Front committee and its locality: (end, organisation, strength)."""
    n = len(toks)
    k = i
    if k + 2 < n and toks[k].text == "Ban" and toks[k + 1].low == "thường" \
            and toks[k + 2].low == "trực":
        k += 3
    low = toks[k].low if k < n else ""
    if low in ("ủy", "uỷ") and k + 1 < n and toks[k + 1].low == "ban" and toks[k].capital:
        k += 2
        if k < n and (toks[k].low in lexicon.CENTRAL_WORDS):
            end = k + 1
            while end < n and toks[end].low in ("ương", "mttq", "mttqvn", "việt", "nam", "vn",
                                                "mặt", "trận", "tổ", "quốc", "."):
                end += 1
            return end, "", "none"
        if k < n and toks[k].low == "ub":
            k += 1
    elif low == "ub" and toks[k].text.isupper():
        k += 1
    elif low in ("ubmttq", "ubmttqvn"):
        k += 1
        return _committee_tail(toks, i, k)
    if k < n and toks[k].low in ("mttq", "mttqvn") and toks[k].text.isupper():
        k += 1
    elif (k + 3 < n and toks[k].text == "Mặt" and toks[k + 1].low == "trận"
          and toks[k + 2].low == "tổ" and toks[k + 3].low == "quốc"):
        k += 4
    else:
        return None
    return _committee_tail(toks, i, k)


def _committee_tail(toks: list[Token], i: int, k: int) -> tuple[int, str, str] | None:
    n = len(toks)
    if k + 1 < n and toks[k].low == "việt" and toks[k + 1].low == "nam":
        k += 2
    elif k < n and toks[k].low == "vn":
        k += 1
    if k < n and toks[k].low in lexicon.CENTRAL_WORDS:
        return k + 1, "", "none"
    if [t.low for t in toks[k : k + 4]] == ["và", "các", "đoàn", "thể"]:
        k += 4
    org = _surface(toks, i, k)
    loc = _locality(toks, k) or _province(toks, k)
    if loc is None:
        return k, "", "none"  # "Ủy ban MTTQ Việt Nam các quận": several units, or none
    return loc, org, "org"


def _organisation(toks: list[Token], i: int) -> tuple[int, str, str] | None:
    """Another organisation: "Hội Nông dân quận A", "Sở Tư pháp", "Báo Hải Phòng"."""
    tok = toks[i]
    if not tok.capital:
        return None
    complete = _match(toks, i, _HEADS_COMPLETE)
    named = None if complete else _match(toks, i, _HEADS_NAMED)
    if named is not None:
        k = _descriptor(toks, named[0])
        if k == named[0]:
            return None  # "Ban quản lý ...", "Hội nghị", "Đoàn công tác": no name
    elif complete is None:
        return None
    elif (k := complete[0]) < len(toks) and toks[k].capital and not _starts_locality(toks, k):
        k = _descriptor(toks, k)  # "Thành đoàn Hải Phòng", "Công an Thành phố"
    org = _surface(toks, i, k)
    loc = _locality(toks, k) or _province(toks, k)
    if loc is not None:
        return loc, org, "org"
    bare = _match(toks, k, _ADMIN) if k < len(toks) else None
    if bare is not None and (bare[0] >= len(toks) or not toks[bare[0]].capital):
        return bare[0], org, "org"  # "Hội Liên hiệp Phụ nữ thành phố"
    return k, org, "org-only"


def _descriptor(toks: list[Token], k: int) -> int:
    """End of an organisation's descriptor: "Tư pháp", "Giáo dục và Đào tạo", "PT-TH"."""
    n = len(toks)
    start = k
    lower_run = 0
    last_good = k
    while k < n and k - start < _MAX_DESCRIPTOR:
        tok = toks[k]
        if tok.capital:
            if (_starts_locality(toks, k) or tok.low in lexicon.NAME_STOPS
                    or _starts_phrase(toks, k)):
                break
            lower_run = 0
            k += 1
            last_good = k
            continue
        if tok.low == "và" and k + 1 < n and toks[k + 1].capital and k > start \
                and not _starts_unit(toks, k + 1):
            k += 1
            continue
        if tok.text in ("-", "–") and k + 1 < n and toks[k + 1].capital and k > start:
            k += 1
            continue
        if (k > start and lower_run < 3 and tok.text.isalpha() and tok.low not in _STOP_LOWER
                and tok.low not in _ADMIN_FIRST and not _ends_descriptor(toks, k)):
            lower_run += 1
            k += 1
            last_good = k
            continue
        break
    return last_good


def _ends_descriptor(toks: list[Token], k: int) -> bool:
    """A lower-case word that cannot be part of an organisation's name: a verb, a marker, a
    role ("Sở Tư pháp làm", "Hội Nông dân được"); a lone role noun may be ("Viên chức")."""
    if _match(toks, k, _ROLES):
        return True
    got = _match(toks, k, _WORDS)
    return got is not None and (got[1] != "o" or got[0] - k >= 2)


def _starts_unit(toks: list[Token], k: int) -> bool:
    return bool(_match(toks, k, _HEADS_COMPLETE) or _match(toks, k, _HEADS_NAMED)
                or toks[k].low in ("ủy", "uỷ", "ubmttq", "mttq"))


def _starts_phrase(toks: list[Token], k: int) -> bool:
    """A role, a title or a multiword phrase starts at capitalised token k ("Cụm trưởng",
    "Chủ tịch", "Đồng chí"); a single capitalised word is a name ("Cựu", "Nguyên")."""
    if _match(toks, k, _ROLES):
        return True
    got = _match(toks, k, _WORDS)
    return got is not None and (got[0] - k >= 2 or got[1] == "P")


def _starts_locality(toks: list[Token], k: int) -> bool:
    got = _match(toks, k, _ADMIN)
    return got is not None and (got[0] < len(toks) and (toks[got[0]].capital
                                                        or toks[got[0]].text.isdigit()
                                                        or toks[got[0]].text == "."))


_STOP_LOWER = frozenset(
    {"các", "của", "năm", "tại", "trong", "với", "những", "này", "đó", "cụm", "thi", "ở",
       "nhằm", "về", "mà", "thì", "khi", "nhưng", "hay", "hoặc", "tới", "từ", "qua", "trên",
       "dưới", "sau", "trước"}
)


def _locality(toks: list[Token], k: int) -> int | None:
    """End of "<admin word> <Place Name>" at token k ("thành phố Đà Nẵng", "quận 1")."""
    n = len(toks)
    if k >= n:
        return None
    city = lexicon.CITY_TOKENS.get(toks[k].low)
    if city is not None and "HCM" in toks[k].text.upper():
        return k + 1
    got = _match(toks, k, _ADMIN)
    if got is None:
        return None
    j = got[0]
    if toks[k].low == "tp" and not toks[k].text[:1].isupper():
        return None
    if j < n and toks[j].text == "." and toks[k].low == "tp":
        j += 1
    if j < n and toks[j].text.isdigit() and len(toks[j].text) <= 3:
        return j + 1  # "quận 1", "Phường 12"
    end = _place_name(toks, j)
    return end if end > j else None


def _place_name(toks: list[Token], j: int) -> int:
    n = len(toks)
    k = j
    while k < n and k - j < _MAX_NAME:
        tok = toks[k]
        if tok.text in ("-", "–") and k > j and k + 1 < n and toks[k + 1].capital:
            k += 1
            continue
        if not tok.capital or tok.low in lexicon.NAME_STOPS or _starts_phrase(toks, k):
            break
        k += 1
    if k > j and toks[k - 1].text in ("-", "–"):
        k -= 1
    return k


def _province(toks: list[Token], k: int) -> int | None:
    """End of a province's name (gazetteer) at token k."""
    if k >= len(toks) or not toks[k].capital or fold(toks[k].text).split("-")[0] not in \
            _PROVINCE_FIRST:
        return None
    best = None
    text = ""
    for j in range(k, min(len(toks), k + 6)):
        tok = toks[j]
        if not (tok.capital or tok.text in ("-", "–")):
            break
        text = f"{text} {tok.text}" if text else tok.text
        key = re.sub(r"\s*[-–]\s*", "-", fold(text))
        if key in _PROVINCE_KEYS:
            best = j + 1
    return best


# --- after the lexer: which roles can be new terms, which years are terms --------------------
def _mark_roles(sentence: Sentence) -> None:
    spans = sentence.spans
    for index, span in enumerate(spans):
        if span.tag not in "Rr":
            continue
        sentence.roles.append(index)
        if span.tag == "r":
            continue
        # "nguyên Cụm trưởng", "từng là Cụm trưởng", "với vai trò Cụm trưởng, Cụm phó"
        k = index - 1
        steps = 0
        while k >= 0 and steps < 5:
            tag = spans[k].tag
            if tag in "FT":
                span.tag = "r"
                break
            if tag not in "alo,vRr":
                break
            if tag == "r" and spans[k].role is not None:
                span.tag = "r"  # coordinated with a former role
                break
            k -= 1
            steps += 1
        # "Cụm trưởng năm trước", "Cụm trưởng Cụm thi đua số 3 nhiệm kỳ trước"
        k = index + 1
        while k < len(spans) and spans[k].tag in "CY":
            k += 1
        if k < len(spans) and spans[k].tag == "F":
            span.tag = "r"


def _mark_years(sentence: Sentence) -> None:
    text = sentence.text
    barriers = [s.end for s in sentence.spans if s.tag in "Rr"]
    for span in sentence.spans:
        if span.tag != "Y" or span.excluded:
            continue
        before = text[max(0, span.start - 40) : span.start]
        if _YEAR_DATE.search(before) or _reviewed(text, span.start, barriers):
            span.excluded = True


_CLAUSE_PUNCT = re.compile(r"[,;:()]")


def _reviewed(text: str, pos: int, barriers: list[int]) -> bool:
    lo = max([0, *(b for b in barriers if b <= pos)])
    punct = [p.end() for p in _CLAUSE_PUNCT.finditer(text, lo, pos)]
    if punct:
        lo = punct[-1]
    window = " ".join(text[lo:pos].split()[-_REVIEW_WORDS:])
    return bool(_REVIEWED.search(window))

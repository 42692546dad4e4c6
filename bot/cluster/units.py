"""Names of emulation-cluster members ("units") and of the clusters themselves.

Owns: the canonical spelling of a unit name (`normalize_unit`), deciding whether a span of
text names a unit at all (`locate_units`), the canonical spelling of a cluster name
(`canonical_cluster`) and the accent/case-insensitive key used to match clusters
(`cluster_key`). Pure functions, no I/O.

Vietnamese news spells the same committee many ways ("Uỷ ban MTTQVN TP Đà Nẵng", "Ủy ban Mặt
trận Tổ quốc Việt Nam thành phố Đà Nẵng"); everything that compares units goes through here so
one committee has one name.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache

from bot.text.fold import fold

_L = r"[^\W\d_]"  # one letter (Unicode-aware: Vietnamese letters included)
_NB = rf"(?<!{_L})"  # not preceded by a letter: a word start that also works before "Ủ"
_NA = rf"(?!{_L})"  # not followed by a letter

# --- tone placement -------------------------------------------------------------------------
# Two orthographies coexist: the old one puts the tone on the last vowel of "oa/oe/uy" at the
# end of a syllable ("hoà", "Uỷ"), the new one on the first ("hòa", "Ủy"). Both are correct and
# both appear in the same article (the seed mixes "Uỷ ban" and "Ủy ban"), so matching uses the
# new one. Not after "q": in "quý" the "u" belongs to the consonant. Only at the end of a
# syllable: in "toàn", "hoàng" the tone is on "a" in both orthographies.
_TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")
_OLD_TONE = re.compile(rf"(?<![qQ])([oOuU])([^\W\d_]){_NA}")
_OLD_PAIRS = frozenset({("o", "a"), ("o", "e"), ("u", "y")})


def _move_tone(m: re.Match[str]) -> str:
    first, second = m.group(1), m.group(2)
    parts = unicodedata.normalize("NFD", second)
    tones = [c for c in parts[1:] if c in _TONE_MARKS]
    if not tones or (first.lower(), parts[0].lower()) not in _OLD_PAIRS:
        return m.group(0)
    rest = "".join(c for c in parts if c not in _TONE_MARKS)
    return unicodedata.normalize("NFC", first + tones[0]) + unicodedata.normalize("NFC", rest)


def modern_tones(text: str) -> str:
    """NFC text with old-style tone placement moved to the new style ("Uỷ" -> "Ủy").

    Keeps the length of NFC input, so offsets found in the result are offsets in the input.
    """
    return _OLD_TONE.sub(_move_tone, unicodedata.normalize("NFC", text))


# --- unit names -----------------------------------------------------------------------------
_SPACES = re.compile(r"\s+")
_EDGE_CHARS = " \t\n,.;:!?()[]\"'“”‘’-–"
_ADMIN_WORDS = ("thành phố", "thị trấn", "thị xã", "tỉnh", "quận", "huyện", "xã", "phường")
_ADMIN_CAP = re.compile(
    rf"{_NB}(Thành phố|Thị trấn|Thị xã|Tỉnh|Quận|Huyện|Xã|Phường)(?=\s+(?:{_L}|\d))"
)


def _lower_admin(m: re.Match[str]) -> str:
    # "Thành phố Đà Nẵng" and "thành phố Đà Nẵng" are one unit: the administrative noun is a
    # common noun, only the place name is capitalised. "Xã hội" is not "xã <Name>".
    after = m.string[m.end() :].lstrip()
    return m.group(1).lower() if after[:1].isupper() or after[:1].isdigit() else m.group(1)


_Sub = tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]]
_UNIT_SUBS: tuple[_Sub, ...] = (
    (re.compile(r"\b(?:TP|Tp|T\.P)\.?\s*HCM\b|\bTPHCM\b"), "thành phố Hồ Chí Minh"),
    (re.compile(r"\bHCM\b"), "Hồ Chí Minh"),
    (re.compile(rf"\b(?:TP|Tp|T\.P)\b\.?\s*(?={_L}|\d)"), "thành phố "),
    (re.compile(r"\bUB\s*(?=MTTQ|Mặt\s+trận)", re.IGNORECASE), "Ủy ban "),
    (re.compile(r"\bUBND\b"), "Ủy ban nhân dân"),
    # MTTQ is always "Mặt trận Tổ quốc Việt Nam": "MTTQVN", "MTTQ VN", "MTTQ" and the long
    # form are one organisation.
    (
        re.compile(
            rf"{_NB}(?:MTTQ|Mặt\s+trận\s+Tổ\s+quốc)(?:\s*(?:Việt\s+Nam|VN))?{_NA}", re.IGNORECASE
        ),
        "MTTQ Việt Nam",
    ),
    (re.compile(r"\bT\.?[WƯ]\b\.?"), "Trung ương"),
    (re.compile(rf"{_NB}ủy\s+ban{_NA}", re.IGNORECASE), "Ủy ban"),
    # The standing board acts for its committee; the cluster member is the committee.
    (re.compile(r"^Ban\s+Thường\s+trực\s+", re.IGNORECASE), ""),
    # "MTTQ Việt Nam tỉnh X" said alone means the committee of that province.
    (re.compile(r"^MTTQ Việt Nam\b"), "Ủy ban MTTQ Việt Nam"),
    (_ADMIN_CAP, _lower_admin),
    (re.compile(r"\s*[-–]\s*"), " - "),
)


@lru_cache(maxsize=4096)  # pure, and the same names recur in every article
def normalize_unit(name: str) -> str:
    """Canonical spelling of a unit name.

    "Uỷ ban MTTQVN TP Đà Nẵng" -> "Ủy ban MTTQ Việt Nam thành phố Đà Nẵng". Idempotent.
    """
    text = _SPACES.sub(" ", modern_tones(name)).strip(_EDGE_CHARS)
    for pattern, repl in _UNIT_SUBS:
        text = pattern.sub(repl, text)
    return _SPACES.sub(" ", text).strip(_EDGE_CHARS)


# Where a unit name starts: an organisation, or an administrative unit named by itself.
_ORG_HEAD = re.compile(
    rf"{_NB}(?:Ủy ban|MTTQ|Mặt trận|Ban Thường trực|Liên đoàn|Liên hiệp|Đoàn Thanh niên"
    rf"|Tỉnh đoàn|Thành đoàn|Công đoàn|Công an|Bộ Chỉ huy){_NA}|{_NB}Hội(?= )(?! nghị)"
)
_ADMIN = re.compile(rf"{_NB}(?:{'|'.join(_ADMIN_WORDS)}){_NA}")
# Words that show the span is about a person, a ranking or a clause, not a unit's name.
_PERSON = re.compile(
    rf"{_NB}(?:đồng chí|đ/c|ông|bà(?! Rịa)|chủ tịch|bí thư|trưởng ban|giám đốc|ủy viên"
    rf"|đại diện|lãnh đạo|cán bộ|thường trực){_NA}",
    re.IGNORECASE,
)
_CLAUSE_WORDS = re.compile(
    rf"{_NB}(?:là|làm|được|đã|bầu|suy tôn|giao|công nhận|phát biểu|chủ trì|dẫn đầu|đứng"
    rf"|xếp|thứ|cụm|không|chưa|sẽ|hội nghị){_NA}"
)
# What may precede a unit's name inside the span its predicate points at: punctuation, a
# connective or a year. Nothing else: Vietnamese noun phrases put the head first, so any other
# word before "tỉnh X" is the head of a different noun ("Ban quản lý dự án tỉnh X").
_LEAD = re.compile(
    rf"(?:[\s{re.escape(_EDGE_CHARS)}]+"
    rf"|(?:và|còn|cùng với|cùng|theo kết quả|theo đó|trong đó|kết quả|đồng thời|riêng"
    rf"|tiếp theo|sau đó|tại hội nghị(?: này)?){_NA}"
    rf"|năm\s+(?:\d{{4}}|nay|tới|sau){_NA})*",
    re.IGNORECASE,
)
# "... Hà Nội năm 2023 là Cụm trưởng": the year belongs to the role, not to the name.
_TRAILING_NOISE = re.compile(
    rf"(?:[\s,]+(?:và|cùng|với|(?:cho\s+)?năm\s+(?:\d{{4}}|nay|tới|sau)){_NA})+$"
)

# Provinces and centrally-run cities, so that "Đà Nẵng là Cụm trưởng" is read as a unit while a
# person's name ("Nguyễn Văn An là Cụm trưởng") is not. Spelled in the new tone orthography.
PROVINCES: tuple[str, ...] = (
    "An Giang", "Bà Rịa - Vũng Tàu", "Bạc Liêu", "Bắc Giang", "Bắc Kạn", "Bắc Ninh", "Bến Tre",
    "Bình Dương", "Bình Định", "Bình Phước", "Bình Thuận", "Cà Mau", "Cao Bằng", "Cần Thơ",
    "Đà Nẵng", "Đắk Lắk", "Đắk Nông", "Điện Biên", "Đồng Nai", "Đồng Tháp", "Gia Lai",
    "Hà Giang", "Hà Nam", "Hà Nội", "Hà Tĩnh", "Hải Dương", "Hải Phòng", "Hậu Giang",
    "Hòa Bình", "Hồ Chí Minh", "Huế", "Hưng Yên", "Khánh Hòa", "Kiên Giang", "Kon Tum",
    "Lai Châu", "Lạng Sơn", "Lào Cai", "Lâm Đồng", "Long An", "Nam Định", "Nghệ An",
    "Ninh Bình", "Ninh Thuận", "Phú Thọ", "Phú Yên", "Quảng Bình", "Quảng Nam", "Quảng Ngãi",
    "Quảng Ninh", "Quảng Trị", "Sóc Trăng", "Sơn La", "Tây Ninh", "Thái Bình", "Thái Nguyên",
    "Thanh Hóa", "Thừa Thiên Huế", "Tiền Giang", "Trà Vinh", "Tuyên Quang", "Vĩnh Long",
    "Vĩnh Phúc", "Yên Bái",
)  # fmt: skip
_PROVINCE_BY_KEY = {fold(p): p for p in PROVINCES}

_MAX_ORG_WORDS = 14
_MAX_NAME_WORDS = 6


def _is_place_name(name: str) -> bool:
    words = name.split()
    if not 1 <= len(words) <= _MAX_NAME_WORDS:
        return False
    return all(w == "-" or w[0].isupper() or w.isdigit() for w in words)


def _split_unit(unit: str) -> tuple[str, str] | None:
    """(organisation part, locality part) of a canonical unit name, or None if not a unit."""
    for m in _ADMIN.finditer(unit):
        if not _is_place_name(unit[m.end() :].strip()):
            continue
        org = unit[: m.start()].strip()
        if org and (
            not _ORG_HEAD.match(org)
            or len(org.split()) > _MAX_ORG_WORDS
            or any(c.isdigit() for c in org)
            or _PERSON.search(org)
            or _CLAUSE_WORDS.search(org)
            # "... các huyện A": several localities, not one member.
            or org.split()[-1] in ("và", "các", "những", "mỗi", "từng")
        ):
            return None
        return org, unit[m.start() :]
    return None


@lru_cache(maxsize=4096)  # pure, and the same names recur in every article
def _province(span: str) -> str | None:
    return _PROVINCE_BY_KEY.get(fold(normalize_unit(span)))


def locate_units(span: str) -> tuple[tuple[str, ...], int]:
    """The canonical unit names a span of a sentence refers to, and where the first one starts.

    Accepts "<organisation> <tỉnh|thành phố|...> <Place Name>", a bare administrative unit
    ("thành phố Đà Nẵng") or a bare province name ("Đà Nẵng"), after an optional connective or
    year ("và", "Năm 2023,"). Anything else before the name, or a person's title in it
    ("Chủ tịch Ủy ban ..."), and the span names no unit: ((), 0).
    Two units joined by "và" come back as two names ("Ủy ban MTTQ Việt Nam tỉnh A và tỉnh B"
    -> both committees); "và" inside one name ("Ủy ban MTTQ Việt Nam và các đoàn thể thành
    phố Cần Thơ") does not split, because what follows it is not a unit by itself.
    """
    body = _TRAILING_NOISE.sub("", span.rstrip(_EDGE_CHARS)).rstrip(_EDGE_CHARS)
    lead = _LEAD.match(body)
    offset = lead.end() if lead else 0
    body = body[offset:]
    if not body:
        return (), 0
    province = _province(body)
    if province:
        return (province,), offset
    unit = normalize_unit(body)
    if not (_ORG_HEAD.match(unit) or _ADMIN.match(unit)):
        return (), 0
    for m in re.finditer(r" và ", unit):
        left, right = unit[: m.start()], unit[m.end() :]
        left_parts = _split_unit(left)
        if left_parts is None:
            continue
        if _ADMIN.match(right) and left_parts[0]:
            # "Ủy ban MTTQ Việt Nam tỉnh A và tỉnh B": B's committee, not the bare province.
            right = f"{left_parts[0]} {right}"
        if _split_unit(right) is not None:
            return (left, right), offset
    return ((unit,), offset) if _split_unit(unit) is not None else ((), 0)


@lru_cache(maxsize=4096)
def unit_identity(unit: str) -> str:
    """Folded place name of a unit, to tell whether two spellings may be one member."""
    parts = _split_unit(unit)
    place = parts[1] if parts else unit
    place = _ADMIN.sub("", place)
    return fold(place)


# --- cluster names --------------------------------------------------------------------------
_CLUSTER_PREFIX = re.compile(
    rf"^(?:(?:cụm|khối)\s+thi\s+đua|cụm)\s+(?:của\s+)?(?:(?:Ủy\s+ban|UB)\s+)?"
    rf"(?:(?:MTTQ(?:\s*(?:Việt\s+Nam|VN))?|Mặt\s+trận\s+Tổ\s+quốc(?:\s+Việt\s+Nam)?){_NA}\s*)?"
    rf"|^(?:của\s+)?(?:(?:Ủy\s+ban|UB)\s+)?(?:MTTQ(?:\s*(?:Việt\s+Nam|VN))?"
    rf"|Mặt\s+trận\s+Tổ\s+quốc(?:\s+Việt\s+Nam)?){_NA}\s*",
    re.IGNORECASE,
)
_TW = re.compile(r"\bT\.?[WƯ]\b\.?")
_TP = re.compile(rf"\b(?:TP|Tp|T\.P)\b\.?\s*(?={_L}|\d)")
_COMMON_FIRST = re.compile(r"^(Các|Số|Khu|Miền|Vùng|Tỉnh|Thành phố|Huyện|Quận)\b")


@lru_cache(maxsize=4096)  # pure, and the same names recur in every article
def canonical_cluster(name: str) -> str:
    """Display name of a cluster, without the "cụm thi đua" prefix and with "TW" spelled out.

    "Cụm thi đua MTTQVN 5 thành phố trực thuộc TW" -> "5 thành phố trực thuộc Trung ương".
    """
    text = _SPACES.sub(" ", modern_tones(name)).strip(_EDGE_CHARS)
    text = _CLUSTER_PREFIX.sub("", text)
    text = _TW.sub("Trung ương", text)
    text = _TP.sub("thành phố ", text)
    text = _COMMON_FIRST.sub(lambda m: m.group(1).lower(), text)
    return _SPACES.sub(" ", text).strip(_EDGE_CHARS)


_KEY_PREFIX = re.compile(
    r"^(?:(?:cum|khoi) thi dua |cum )?(?:cua )?(?:(?:uy ban|ub) )?"
    r"(?:mttq(?: ?(?:viet nam|vn))?|mat tran to quoc(?: viet nam)?)?\s*"
)
_KEY_TW = re.compile(r"\btw\b|(?<=\btruc thuoc )(?:tu|t u|t w)\b")
_NUMBER_WORDS = {
    "hai": "2", "ba": "3", "bon": "4", "nam": "5", "sau": "6", "bay": "7", "tam": "8",
    "chin": "9", "muoi": "10",
}  # fmt: skip
_KEY_NUMBER = re.compile(
    rf"^({'|'.join(_NUMBER_WORDS)}) (?=thanh pho|tinh|huyen|quan|xa|phuong|don vi)"
)


@lru_cache(maxsize=4096)  # pure, and the same names recur in every article
def cluster_key(name: str) -> str:
    """Accent/case-insensitive key of a cluster name, for matching what a user types.

    "Cụm thi đua MTTQVN 5 thành phố trực thuộc TW", "5 thanh pho truc thuoc trung uong" and
    "năm thành phố trực thuộc Trung ương" have one key.
    """
    text = _TW.sub("Trung ương", modern_tones(name))
    text = _TP.sub("thành phố ", text)
    key = re.sub(r"[^\w]+", " ", fold(text))
    key = _KEY_PREFIX.sub("", key)
    key = _KEY_TW.sub("trung uong", key)
    key = _KEY_NUMBER.sub(lambda m: _NUMBER_WORDS[m.group(1)] + " ", key)
    return _SPACES.sub(" ", key).strip()

"""Names of emulation-cluster members ("units") and of the clusters themselves.

Owns: the canonical spelling of a unit name (`normalize_unit`), when two spellings are one
member (`unit_identity`), the canonical spelling of a cluster name (`canonical_cluster`) and
the accent/case-insensitive key used to match clusters (`cluster_key`). Pure functions, no
I/O. Finding units in a sentence is spans.py's job.

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
    (re.compile(r"\bHĐND\b"), "Hội đồng nhân dân"),
    (re.compile(r"\bHội LHPN\b"), "Hội Liên hiệp Phụ nữ"),
    (re.compile(r"\bHội CCB\b"), "Hội Cựu chiến binh"),
    (re.compile(r"\bHội ND\b"), "Hội Nông dân"),
    (re.compile(r"\bHội CTĐ\b"), "Hội Chữ thập đỏ"),
    (re.compile(r"\bLĐLĐ\b"), "Liên đoàn Lao động"),
    (re.compile(r"\bĐoàn TNCS\b"), "Đoàn Thanh niên Cộng sản"),
    (re.compile(r"\bĐài (?:PT\s*[-–]\s*TH|PTTH)\b"), "Đài Phát thanh và Truyền hình"),
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


_ADMIN_WORD = re.compile(rf"{_NB}(?:thành phố|thị trấn|thị xã|tỉnh|quận|huyện|phường|xã){_NA}")
_FRONT = re.compile(r"^Ủy ban MTTQ Việt Nam(?: và các đoàn thể)?\s*")


@lru_cache(maxsize=4096)
def unit_identity(unit: str) -> str:
    """Folded organisation and place of a unit, to tell whether two spellings are one member.

    A Front committee is its place ("Ủy ban MTTQ Việt Nam thành phố Đà Nẵng", "thành phố Đà
    Nẵng" and "Đà Nẵng" are one member); another organisation keeps its name ("Báo Hải
    Phòng" and "Hội Nông dân thành phố Hải Phòng" are two).
    """
    text = _FRONT.sub("", normalize_unit(unit))
    return fold(_ADMIN_WORD.sub(" ", text))


# Official style (Decree 30/2020/NĐ-CP, appendix II): "Thành phố" is part of the proper name
# of Thành phố Hồ Chí Minh, so it is capitalised there, where "thành phố Hà Nội" is not. Stored
# names keep the one canonical spelling above (identity folds case anyway); names are shown
# through this.
_HCM_CITY = re.compile(r"\bthành phố Hồ Chí Minh\b")


def official_style(name: str) -> str:
    """A unit or cluster name as readers see it: "Thành phố Hồ Chí Minh" capitalised."""
    return _HCM_CITY.sub("Thành phố Hồ Chí Minh", name)


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
_BARE_NUMBER = re.compile(r"\d{1,2}|[IVX]{1,4}")
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
    text = _SPACES.sub(" ", text).strip(_EDGE_CHARS)
    # "Cụm 1", "Cụm IV": the number is the name; shown as "số 1", "số IV".
    return f"số {text}" if _BARE_NUMBER.fullmatch(text) else text


_KEY_PREFIX = re.compile(
    r"^(?:(?:cum|khoi) thi dua |cum )?(?:cua )?(?:(?:uy ban|ub) )?"
    r"(?:mttq(?: ?(?:viet nam|vn))?|mat tran to quoc(?: viet nam)?)?\s*"
)
_KEY_TW = re.compile(r"\btw\b|(?<=\btruc thuoc )(?:tu|t u|t w)\b")
_NUMBER_WORDS = {
    "hai": "2", "ba": "3", "bon": "4", "nam": "5", "sau": "6", "bay": "7", "tam": "8",
    "chin": "9", "muoi": "10",
}  # fmt: skip
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "vi": 6, "vii": 7, "viii": 8, "ix": 9,
          "x": 10, "xi": 11, "xii": 12}  # fmt: skip
_KEY_ROMAN = re.compile(rf"\bso ({'|'.join(sorted(_ROMAN, key=len, reverse=True))})\b")
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
    # "số II" and "số 2" are one cluster
    key = _KEY_ROMAN.sub(lambda m: f"so {_ROMAN[m.group(1)]}", key)
    return _SPACES.sub(" ", key).strip()

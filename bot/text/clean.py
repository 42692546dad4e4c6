"""HTML to plain text, and Unicode/white-space normalisation, for every piece of article text.

This runs once per feed entry (title, description, content), so it is regex and `str` work only:
no HTML parser, no lxml. Feed HTML is often malformed (Dân trí writes
``<a .../><img .../></a></br>``), so tags are removed by pattern rather than by building a tree.
Every pattern here is linear in the input: a tag match cannot cross another ``<`` and unclosed
comments/scripts are handled with ``str.find``, so a hostile description cannot make it quadratic.

Vietnamese text must be NFC: feeds mix precomposed letters with combining tone marks (and HTML
entities such as ``&atilde;`` expand to base letters that may be followed by combining marks), and
search, folding and Telegram's length checks all assume one code point per visible letter.
"""

from __future__ import annotations

import html
import re
import unicodedata

# Elements whose content is never visible text.
_HIDDEN_START = re.compile(r"<!--|<(script|style|noscript|template|iframe|svg|object)\b", re.I)
# Tags that end a line of text in a browser; replaced by a newline so words do not glue together.
_BLOCK_TAG = re.compile(
    r"</?(?:p|div|br|li|ul|ol|h[1-6]|tr|td|th|table|tbody|thead|blockquote|section|article|"
    r"header|footer|aside|nav|figure|figcaption|pre|hr|dd|dt|dl|main|address|caption)"
    r"(?=[\s/>])[^<>]*>",
    re.I,
)
# Any other tag, declaration or processing instruction. `[^<>]*` keeps the scan linear; the price
# is that an attribute value containing ">" leaves a fragment behind (feedparser's sanitiser
# already escapes those in feed HTML). A tag name is ASCII, so text in angle brackets such as a
# programme's name "<Tết sum vầy>" (seen escaped in titles) is kept.
_ANY_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9:-]*(?=[\s/>])[^<>]*>|<![^<>]*>|<\?[^<>]*>")
_IMG_TAG = re.compile(r"<img\b[^<>]*>", re.I)
_IMG_ATTRS = {
    name: re.compile(
        rf"""(?<![-\w:.]){name}\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""", re.I
    )
    for name in ("data-src", "data-original", "src", "width", "height")
}
_LEADING_INT = re.compile(r"\s*(\d{1,5})(?:\.\d*)?\s*(?:px)?\s*$", re.I)
_H_SPACE = re.compile(r"[^\S\n]+")
_MULTI_NL = re.compile(r"\s*\n\s*")

# Invisible characters that survive copy/paste from Vietnamese CMSes: zero-width space/joiners,
# BOM, soft hyphen. They break word matching and accent folding, so they go. So do characters
# that only serve to deceive or break things downstream: bidirectional overrides, embeddings,
# isolates and marks (U+202E turns "gpj.exe" around; Vietnamese never needs them), lone UTF-16
# surrogates (from "&#xD800;": SQLite cannot store them and the whole poll failed) and the
# noncharacters U+FFFE/U+FFFF.
_INVISIBLE = re.compile(
    "[\u200b\u200c\u200d\u2060\ufeff\u00ad\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069"
    "\ud800-\udfff\ufffe\uffff]"
)
# Control characters (C0 but tab and line breaks, DEL, C1): NUL and friends have no place in
# text shown to readers. Replaced by a space so that the words they separated stay apart.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def normalize_text(s: str, *, keep_paragraphs: bool = False) -> str:
    """NFC-normalise and collapse white space (incl. NBSP) to single spaces, trimmed.

    Invisible, bidirectional-control and control characters and lone surrogates are removed
    (controls become spaces), so every stored text is printable and encodable as UTF-8.

    With `keep_paragraphs`, line breaks survive as paragraph separators: every non-empty line
    becomes a paragraph and paragraphs are joined with a blank line ("\\n\\n").
    """
    if not s:
        return ""
    s = _INVISIBLE.sub("", s)
    s = _CONTROL.sub(" ", s)
    if keep_paragraphs:
        lines = (" ".join(line.split()) for line in s.splitlines())
        s = "\n\n".join(line for line in lines if line)
    else:
        s = " ".join(s.split())
    return unicodedata.normalize("NFC", s)


def strip_unsafe(s: str) -> str:
    """`s` without the characters `normalize_text` removes, and nothing else changed (for URLs,
    ids and other strings that are not prose)."""
    if not s:
        return ""
    return _CONTROL.sub("", _INVISIBLE.sub("", s))


def _drop_hidden(markup: str) -> str:
    """Remove comments and script/style-like elements; an unclosed one hides the rest."""
    match = _HIDDEN_START.search(markup)
    if match is None:
        return markup
    parts: list[str] = []
    pos = 0
    while match is not None:
        parts.append(markup[pos : match.start()])
        if match.group(1) is None:  # a comment
            end = markup.find("-->", match.end())
            pos = -1 if end < 0 else end + 3
        else:
            closing = re.compile(rf"</{match.group(1)}\s*>", re.I).search(markup, match.end())
            pos = -1 if closing is None else closing.end()
        if pos < 0:
            break
        match = _HIDDEN_START.search(markup, pos)
    else:
        parts.append(markup[pos:])
    return "".join(parts)


def html_to_text(markup: str, *, keep_paragraphs: bool = False) -> str:
    """Reduce an HTML fragment (possibly malformed) to NFC plain text.

    Tags are stripped, entities decoded (named ones too: ``&atilde;`` -> "ã", also when a feed
    double-escaped them inside CDATA), white space collapsed. With `keep_paragraphs`, block
    elements (p, div, br, li...) become paragraph breaks ("\\n\\n"); otherwise one line.
    """
    if not markup:
        return ""
    text = markup
    if "<" in text:
        text = _drop_hidden(text)
        text = _BLOCK_TAG.sub("\n", text)
        text = _ANY_TAG.sub("", text)
    if "&" in text:
        text = html.unescape(text)
    return normalize_text(text, keep_paragraphs=keep_paragraphs)


def _int_attr(value: str | None) -> int | None:
    """A width/height attribute as pixels: "180", "180px" -> 180; "100%" or junk -> None."""
    if not value:
        return None
    match = _LEADING_INT.match(value)
    return int(match.group(1)) if match else None


def extract_img_srcs(markup: str) -> list[tuple[str, int | None, int | None]]:
    """Every ``<img>`` in `markup` as (src, width, height), in document order.

    Width/height come from the tag's attributes when present (None otherwise). Lazy-loading
    pages put the real URL in ``data-src``/``data-original`` and a placeholder (often a
    ``data:`` URI) in ``src``; the real one is preferred. ``data:`` URIs are never returned.
    """
    if "<" not in markup:
        return []
    found: list[tuple[str, int | None, int | None]] = []
    for match in _IMG_TAG.finditer(markup):
        tag = match.group(0)
        src = ""
        for key in ("data-src", "data-original", "src"):
            candidate = _img_attr(tag, key)
            if candidate:
                candidate = html.unescape(candidate).strip() if "&" in candidate else candidate
                if candidate and candidate[:5].lower() != "data:":
                    src = candidate
                    break
        if src:
            found.append((src, _int_attr(_img_attr(tag, "width")),
                          _int_attr(_img_attr(tag, "height"))))
    return found


def _img_attr(tag: str, name: str) -> str | None:
    """The value of attribute `name` in an <img> tag (quoted or not), or None."""
    match = _IMG_ATTRS[name].search(tag, 4)
    if match is None:
        return None
    value = match.group(1)
    if value is None:
        value = match.group(2) if match.group(2) is not None else match.group(3)
    return value.strip()

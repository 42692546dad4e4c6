"""Telegram's text rules as the sandbox applies them: HTML ``parse_mode``, lengths, entities.

Owns three things Telegram does to message text:

* parsing ``parse_mode=HTML`` into visible text plus MessageEntity dicts, refusing what Telegram's
  parser refuses (unknown tags, unclosed or misnested tags, a bare ``<``), with Telegram's
  "can't parse entities: ..." wording and UTF-8 byte offsets (https://core.telegram.org/bots/api#html-style);
* measuring length in UTF-16 code units, the unit of Telegram's limits and entity offsets
  (an emoji outside the BMP counts 2);
* detecting ``/command`` entities in what a user types, which PTB's CommandHandler relies on.

One deliberate difference: Telegram's parser (tdlib) keeps an ``&`` that does not start a known
entity as literal text, but the Bot API documentation says every ``&`` must be escaped. The sandbox
follows the documentation and refuses a bare ``&`` (and named entities other than ``&lt; &gt; &amp;
&quot;``), so a bot that forgets to escape fails here instead of in production on the day a
``&nbsp;`` or ``&copy`` shows up.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

# Tags Telegram accepts (https://core.telegram.org/bots/api#html-style), mapped to entity types.
_SIMPLE_TAGS: dict[str, str] = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "code": "code",
    "pre": "pre",
    "tg-spoiler": "spoiler",
}
SUPPORTED_TAGS: frozenset[str] = frozenset({*_SIMPLE_TAGS, "a", "span", "blockquote", "tg-emoji"})

_SPECIAL = re.compile(r"[<&]")
_ENTITY = re.compile(r"&(?:(lt|gt|amp|quot)|#([0-9]{1,8})|#[xX]([0-9a-fA-F]{1,8}));")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_TAG_NAME_END = re.compile(r"[\s>]")
_TAG_CLOSE = re.compile(r"\s*>")
_ATTR = re.compile(r"""\s+([^\s=>"'/]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+)))?""")
# A bot command as Telegram marks it: "/" + up to 32 of [A-Za-z0-9_], optionally "@botname",
# not glued to a preceding word or path ("a/b" is not a command).
_COMMAND = re.compile(r"(?<![\w/])/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?![\w/])")


class HtmlError(ValueError):
    """HTML that Telegram refuses; the message is the detail after "can't parse entities: "."""


@dataclass(frozen=True, slots=True)
class ParsedText:
    """Text as Telegram stores it: visible characters, entities, length in UTF-16 units."""

    text: str
    entities: tuple[dict[str, Any], ...]
    utf16_length: int


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit Telegram counts limits and offsets in."""
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le")) >> 1


def plain(text: str) -> ParsedText:
    """Text sent without parse_mode: it is shown as is."""
    return ParsedText(text, (), utf16_len(text))


def html_to_plain(source: str) -> str:
    """The visible text of valid Telegram HTML (for terminal rendering and assertions)."""
    return parse_html(source).text


def command_entities(text: str) -> list[dict[str, Any]]:
    """``bot_command`` entities for every /command in `text`, as Telegram adds them."""
    if "/" not in text:
        return []
    entities: list[dict[str, Any]] = []
    for match in _COMMAND.finditer(text):
        entities.append(
            {
                "type": "bot_command",
                "offset": utf16_len(text[: match.start()]),
                "length": utf16_len(match.group()),
            }
        )
    return entities


def _byte_offset(source: str, index: int) -> int:
    # Telegram reports positions as UTF-8 byte offsets into the text it received.
    return len(source[:index].encode("utf-8"))


def _decode_entity(source: str, index: int) -> tuple[str, int]:
    """Decode the character entity starting at `index` (an "&"); returns (char, end index)."""
    match = _ENTITY.match(source, index)
    if match is None:
        raise HtmlError(
            f"Unsupported HTML entity at byte offset {_byte_offset(source, index)}: "
            'a literal "&" must be written "&amp;" (allowed: &lt; &gt; &amp; &quot; &#NN; &#xHH;)'
        )
    name, decimal, hexadecimal = match.groups()
    if name is not None:
        return _NAMED[name], match.end()
    code = int(decimal, 10) if decimal is not None else int(hexadecimal, 16)
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        raise HtmlError(f"Invalid character entity at byte offset {_byte_offset(source, index)}")
    return chr(code), match.end()


def _unescape_attribute(value: str) -> str:
    # Attribute values may hold entities too (an href with "&amp;" in its query string).
    if "&" not in value:
        return value
    return _ENTITY.sub(lambda m: _decode_entity(m.group(), 0)[0], value)


@dataclass(slots=True)
class _Open:
    """A start tag waiting for its end tag."""

    name: str
    offset: int  # UTF-16 offset in the visible text where the entity starts
    attrs: dict[str, str]


def _parse_start_tag(source: str, start: int) -> tuple[str, dict[str, str], int]:
    """Parse ``<name attr=...>`` at `start`; returns (lower-case name, attributes, end index)."""
    name_end = _TAG_NAME_END.search(source, start + 1)
    if name_end is None:
        raise HtmlError(f"Unclosed start tag at byte offset {_byte_offset(source, start)}")
    name = source[start + 1 : name_end.start()].lower()
    if name not in SUPPORTED_TAGS:
        raise HtmlError(
            f'Unsupported start tag "{name}" at byte offset {_byte_offset(source, start)}'
        )
    attrs: dict[str, str] = {}
    pos = name_end.start()
    while True:
        close = _TAG_CLOSE.match(source, pos)
        if close is not None:
            return name, attrs, close.end()
        attr = _ATTR.match(source, pos)
        if attr is None:
            if source.find(">", pos) < 0:
                raise HtmlError(f"Unclosed start tag at byte offset {_byte_offset(source, start)}")
            raise HtmlError(
                f'Malformed attribute in the tag "{name}" at byte offset '
                f"{_byte_offset(source, pos)}"
            )
        value = next((v for v in attr.groups()[1:] if v is not None), "")
        attrs[attr.group(1).lower()] = _unescape_attribute(value)
        pos = attr.end()


def _check_start_tag(source: str, start: int, name: str, attrs: dict[str, str]) -> None:
    """Refuse the attribute combinations Telegram refuses."""
    if name == "span" and attrs.get("class") != "tg-spoiler":
        raise HtmlError(
            f'Tag "span" must have class "tg-spoiler" at byte offset {_byte_offset(source, start)}'
        )
    if name == "tg-emoji" and not attrs.get("emoji-id"):
        raise HtmlError(
            f'Tag "tg-emoji" must have attribute "emoji-id" at byte offset '
            f"{_byte_offset(source, start)}"
        )


def _entity_for(tag: _Open, length: int) -> dict[str, Any] | None:
    """The MessageEntity dict a closed tag produces, or None when it produces none."""
    entity: dict[str, Any] = {"type": "", "offset": tag.offset, "length": length}
    if tag.name in _SIMPLE_TAGS:
        entity["type"] = _SIMPLE_TAGS[tag.name]
        language = tag.attrs.get("class", "")
        if tag.name == "code" and language.startswith("language-"):
            entity["language"] = language.removeprefix("language-")
    elif tag.name == "span":
        entity["type"] = "spoiler"
    elif tag.name == "a":
        href = tag.attrs.get("href", "")
        if not href:
            return None
        entity["type"] = "text_link"
        entity["url"] = href
    elif tag.name == "blockquote":
        entity["type"] = "expandable_blockquote" if "expandable" in tag.attrs else "blockquote"
    else:  # tg-emoji
        entity["type"] = "custom_emoji"
        entity["custom_emoji_id"] = tag.attrs["emoji-id"]
    return entity


def _close(entities: list[dict[str, Any]], tag: _Open, end: int) -> None:
    """Turn a closed tag into an entity; Telegram drops empty ones."""
    length = end - tag.offset
    if length <= 0:
        return
    entity = _entity_for(tag, length)
    if entity is None:
        return
    # <pre><code class="language-x">...</code></pre> is one pre entity with a language.
    if entity["type"] == "pre" and entities:
        inner = entities[-1]
        if (
            inner["type"] == "code"
            and "language" in inner
            and inner["offset"] == entity["offset"]
            and inner["length"] == length
        ):
            entities.pop()
            entity["language"] = inner["language"]
    entities.append(entity)


def parse_html(source: str) -> ParsedText:
    """Parse Telegram HTML into visible text and entities, or raise HtmlError.

    One pass over the special characters only (``<`` and ``&``), so a 1,000-character caption
    with a dozen tags costs a dozen regex matches, not a per-character loop.
    """
    if "<" not in source and "&" not in source:
        return plain(source)
    out: list[str] = []
    entities: list[dict[str, Any]] = []
    stack: list[_Open] = []
    pos = 0
    offset16 = 0  # UTF-16 length of what `out` holds so far
    while True:
        special = _SPECIAL.search(source, pos)
        if special is None:
            tail = source[pos:]
            out.append(tail)
            offset16 += utf16_len(tail)
            break
        index = special.start()
        if index > pos:
            chunk = source[pos:index]
            out.append(chunk)
            offset16 += utf16_len(chunk)
        if source[index] == "&":
            char, pos = _decode_entity(source, index)
            out.append(char)
            offset16 += 1 if char <= "\uffff" else 2
            continue
        if source.startswith("</", index):
            end = source.find(">", index + 2)
            if end < 0:
                raise HtmlError(f"Unclosed end tag at byte offset {_byte_offset(source, index)}")
            name = source[index + 2 : end].strip().lower()
            if not stack:
                raise HtmlError(f"Unexpected end tag at byte offset {_byte_offset(source, index)}")
            if name != stack[-1].name:
                raise HtmlError(
                    f"Unmatched end tag at byte offset {_byte_offset(source, index)}, "
                    f'expected "</{stack[-1].name}>", found "</{name}>"'
                )
            _close(entities, stack.pop(), offset16)
            pos = end + 1
            continue
        name, attrs, pos = _parse_start_tag(source, index)
        _check_start_tag(source, index, name, attrs)
        stack.append(_Open(name, offset16, attrs))
    if stack:
        raise HtmlError(f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return ParsedText("".join(out), tuple(entities), offset16)

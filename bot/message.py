"""The core's vocabulary: what the bot says, to whom, and who is asking, as plain data.

Nothing here knows a chat platform. Each channel (Telegram, Zalo) has a renderer in
`bot/render/` that turns these values into its own format (HTML and inline keyboards, or plain
text and numbered choices) and a sender in its adapter package that delivers them.

- `ChatRef`: a chat is a (channel, chat id) pair, `UserRef` a person likewise; ids are text
  because channels differ (Telegram's are integers, Zalo's are strings). A `ChatRef` may also
  name one topic of a forum (`thread`): a chat and each of its topics are different *readers*
  (each has its own subscriptions and deliveries, and what is sent to a topic appears in that
  topic only), while what belongs to the chat itself (its settings, whether it still accepts
  messages, its pacing: a group's 20 messages a minute cover all its topics) is the chat's
  (`ChatRef.base`).
- `Text`: text with neutral emphasis (bold, italic, code...) and links, as a sequence of `Span`s.
  Values put into a text are never parsed, so user data needs no escaping here: each renderer
  escapes for its own format. `markup()` reads the small neutral markup of the i18n templates
  (``**bold**``, ``__italic__``, `` `code` ``, three backticks for a block) into a `Text`.
- `Choice`: a button (Telegram) or a numbered choice (Zalo): a label and either the action it
  sends back or a URL it opens.
- `Message`: text, optional photo, rows of choices. `Notice`: the answer to a pressed choice.
- `Who`: who is asking (the chat, its type, the user, whether they may change its settings).
- `Limits`: how much text and how many choices a channel's message holds, so the core can lay a
  long answer out (cut a card's summary, list what fits and count the rest, page a long list of
  choices) in the room the channel declares, and whether its photos must be web addresses.
"""

from __future__ import annotations

import json
import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

TELEGRAM = "telegram"  # the channel name of Telegram chats (existing rows were migrated to it)
ZALO = "zalo"  # the channel name of Zalo Bot Platform chats

# Chat types whose pacing is a group's (20 messages a minute) rather than a person's (1 a second).
GROUP_TYPES = frozenset({"group", "supergroup", "channel"})


@dataclass(frozen=True, slots=True)
class ChatRef:
    """A chat: the channel it lives on and the channel's id for it (as text); with `thread`,
    one topic of that chat (a forum topic's id on Telegram)."""

    channel: str
    id: str
    thread: str | None = None

    def __str__(self) -> str:  # in log lines: "telegram:12345", a topic "telegram:-100123#7"
        if self.thread is None:
            return f"{self.channel}:{self.id}"
        return f"{self.channel}:{self.id}#{self.thread}"

    @property
    def base(self) -> ChatRef:
        """The chat itself (without the topic): what its settings, state and pacing key on."""
        return self if self.thread is None else ChatRef(self.channel, self.id)

    def topic(self, thread: str | None) -> ChatRef:
        """The reader `thread` of this chat (None: the chat itself)."""
        return ChatRef(self.channel, self.id, thread or None)


@dataclass(frozen=True, slots=True)
class UserRef:
    """A person: the channel and the channel's id for them (as text)."""

    channel: str
    id: str

    def __str__(self) -> str:
        return f"{self.channel}:{self.id}"


def is_group(chat_type: str) -> bool:
    """Whether a chat of this stored type is paced as a group (many readers, 20 a minute)."""
    return chat_type in GROUP_TYPES


# --- rich text -----------------------------------------------------------------------------------

BOLD = "bold"
ITALIC = "italic"
UNDERLINE = "underline"
STRIKE = "strike"
SPOILER = "spoiler"
CODE = "code"
PRE = "pre"  # a preformatted block
QUOTE = "quote"  # a quoted block
STYLES = frozenset({BOLD, ITALIC, UNDERLINE, STRIKE, SPOILER, CODE, PRE, QUOTE})
_PLAIN: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Span:
    """A run of text with one formatting: its styles and the URL it links to (or None)."""

    text: str
    styles: frozenset[str] = _PLAIN
    link: str | None = None


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units (the unit Telegram's limits count; an emoji outside the BMP
    counts 2). Never less than the number of characters, so a limit met in these units is also
    met in characters (Zalo counts characters)."""
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le")) // 2


class Text:
    """Immutable rich text: spans of plain characters with styles and links.

    `str(text)` is the plain text. Texts concatenate with `+` (a `str` is plain text) and join
    with `Text.join`. Adjacent spans of the same formatting are merged, so equal texts compare
    equal however they were built.
    """

    __slots__ = ("_plain", "spans")

    spans: tuple[Span, ...]

    def __init__(self, spans: Iterable[Span] | str = ()) -> None:
        if isinstance(spans, str):
            self.spans = (Span(spans),) if spans else ()
        else:
            self.spans = _normalized(spans)
        self._plain: str | None = None

    # -- reading ---------------------------------------------------------------------------------

    @property
    def plain(self) -> str:
        if self._plain is None:
            self._plain = "".join(s.text for s in self.spans)
        return self._plain

    def __str__(self) -> str:
        return self.plain

    def __repr__(self) -> str:
        return f"Text({list(self.spans)!r})"

    def __bool__(self) -> bool:
        return bool(self.spans)

    def __contains__(self, part: str) -> bool:
        return part in self.plain

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Text) and self.spans == other.spans

    def __hash__(self) -> int:
        return hash(self.spans)

    @property
    def length(self) -> int:
        """The visible length in UTF-16 code units (formatting and links do not count)."""
        return utf16_len(self.plain)

    # -- building --------------------------------------------------------------------------------

    def __add__(self, other: Text | str) -> Text:
        if isinstance(other, str):
            other = Text(other)
        return Text(self.spans + other.spans)

    def __radd__(self, other: str) -> Text:
        return Text(other) + self

    def styled(self, *styles: str) -> Text:
        """This text with `styles` added to every span."""
        extra = frozenset(styles)
        return Text(Span(s.text, s.styles | extra, s.link) for s in self.spans)

    def linked(self, url: str) -> Text:
        """This text as a link to `url`."""
        return Text(Span(s.text, s.styles, url) for s in self.spans)

    def tail(self, start: int) -> Text:
        """This text from character `start` of its plain text on, with its formatting."""
        spans: list[Span] = []
        position = 0
        for span in self.spans:
            end = position + len(span.text)
            if end > start:
                spans.append(Span(span.text[max(start - position, 0):], span.styles, span.link))
            position = end
        return Text(spans)

    def lstrip(self) -> Text:
        """This text without its leading white space."""
        plain = self.plain
        return self.tail(len(plain) - len(plain.lstrip()))

    @staticmethod
    def join(separator: Text | str, parts: Iterable[Text | str]) -> Text:
        sep = Text(separator) if isinstance(separator, str) else separator
        spans: list[Span] = []
        for n, part in enumerate(parts):
            if n:
                spans.extend(sep.spans)
            spans.extend((Text(part) if isinstance(part, str) else part).spans)
        return Text(spans)


def _normalized(spans: Iterable[Span]) -> tuple[Span, ...]:
    merged: list[Span] = []
    for span in spans:
        if not span.text:
            continue
        if merged and merged[-1].styles == span.styles and merged[-1].link == span.link:
            last = merged.pop()
            span = Span(last.text + span.text, span.styles, span.link)
        merged.append(span)
    return tuple(merged)


def plain(text: Text | str) -> Text:
    return text if isinstance(text, Text) else Text(text)


def bold(text: Text | str) -> Text:
    return plain(text).styled(BOLD)


def italic(text: Text | str) -> Text:
    return plain(text).styled(ITALIC)


def code(text: Text | str) -> Text:
    return plain(text).styled(CODE)


def link(text: Text | str, url: str) -> Text:
    return plain(text).linked(url)


# --- the neutral markup of templates ----------------------------------------------------------

# Markers, longest first: ``` (a preformatted block), ** (bold), __ (italic), ` (code).
_MARKERS = (("```", PRE), ("**", BOLD), ("__", ITALIC), ("`", CODE))
_FORMATTER = string.Formatter()


@lru_cache(maxsize=1024)
def _parse_template(template: str) -> tuple[tuple[str, frozenset[str], str | None, str], ...]:
    """The template as (literal text, styles, field name or None, format spec) pieces."""
    pieces: list[tuple[str, frozenset[str], str | None, str]] = []
    styles: set[str] = set()
    for literal, name, spec, conversion in _FORMATTER.parse(template):
        if conversion:
            raise ValueError(f"conversions are not supported in templates: {template!r}")
        i = start = 0
        while i < len(literal):
            for marker, style in _MARKERS:
                if literal.startswith(marker, i):
                    if i > start:
                        pieces.append((literal[start:i], frozenset(styles), None, ""))
                    styles.symmetric_difference_update({style})
                    i += len(marker)
                    start = i
                    break
            else:
                i += 1
        if start < len(literal):
            pieces.append((literal[start:], frozenset(styles), None, ""))
        if name is not None:
            pieces.append(("", frozenset(styles), name, spec or ""))
    if styles:
        raise ValueError(f"unbalanced markup in template {template!r}")
    return tuple(pieces)


def markup(template: str, values: Mapping[str, object] | None = None) -> Text:
    """`template` (neutral markup with ``{name}`` fields) as a `Text`, the fields filled in.

    A value that is a `Text` keeps its own formatting (the template's styles are added); any
    other value is formatted with `format()` and stays plain text: nothing in a value is ever
    read as markup.
    """
    spans: list[Span] = []
    for literal, styles, name, spec in _parse_template(template):
        if name is None:
            spans.append(Span(literal, styles))
            continue
        if values is None or name not in values:
            raise KeyError(name)
        value = values[name]
        if isinstance(value, Text):
            spans.extend(Span(s.text, s.styles | styles, s.link) for s in value.spans)
        else:
            spans.append(Span(format(value, spec), styles))
    return Text(spans)


# --- stored form ---------------------------------------------------------------------------------


def to_stored(text: Text) -> str:
    """A text as stored in the database (JSON: a list of [text], [text, styles] or
    [text, styles, url])."""
    items: list[list[object]] = []
    for span in text.spans:
        item: list[object] = [span.text]
        if span.styles or span.link:
            item.append(sorted(span.styles))
        if span.link:
            item.append(span.link)
        items.append(item)
    return json.dumps(items, ensure_ascii=False, separators=(",", ":"))


def from_stored(stored: str) -> Text:
    """A stored text back. Rows written before migration 0008 held the HTML that Telegram was
    sent; the migration wrapped them as ``{"html": ...}`` and they are read back as rich text."""
    value = json.loads(stored)
    if isinstance(value, dict):
        from bot.render.html import parse_html  # legacy rows only

        return parse_html(str(value.get("html", "")))
    spans = []
    for item in value:
        styles = frozenset(s for s in (item[1] if len(item) > 1 else ()) if s in STYLES)
        spans.append(Span(str(item[0]), styles, item[2] if len(item) > 2 else None))
    return Text(spans)


# --- messages ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Choice:
    """One choice offered with a message: it sends `action` back to the bot when chosen, or
    opens `url`. Telegram shows it as an inline button, Zalo as a numbered line."""

    label: str
    action: str | None = None
    url: str | None = None

    def __post_init__(self) -> None:
        if (self.action is None) == (self.url is None):
            raise ValueError("a choice has exactly one of action and url")
        if self.action is not None and not self.action:
            raise ValueError("a choice's action must not be empty")


Choices = tuple[tuple[Choice, ...], ...]


def rows(choices: Iterable[Choice], per_row: int) -> Choices:
    """`choices` laid out `per_row` to a row."""
    found = list(choices)
    return tuple(tuple(found[i:i + per_row]) for i in range(0, len(found), per_row))


@dataclass(frozen=True, slots=True)
class Photo:
    """A photo to send: a web URL (the platform fetches it), a local file (uploaded), or a
    platform's own id for a photo it stored earlier (`channel` says whose)."""

    ref: str
    kind: Literal["url", "file", "file_id"]
    channel: str | None = None


@dataclass(frozen=True, slots=True)
class Document:
    """A file sent as a document (an export): its name and content, uploaded as they are."""

    name: str
    content: bytes


@dataclass(frozen=True, slots=True)
class Message:
    """One message: `text` (the photo's or document's caption when there is one), choices
    below it. A channel that cannot send documents sends the text alone."""

    text: Text
    choices: Choices = ()
    photo: Photo | None = None
    silent: bool = False  # delivered without a notification sound
    document: Document | None = None


@dataclass(frozen=True, slots=True)
class Notice:
    """The answer to a pressed choice: a short pop-up (`text`, empty for none; `alert` asks for
    a dialog), a new version of the pressed message (`edit`), and/or a new message (`send`)."""

    text: Text = field(default_factory=Text)
    edit: Message | None = None
    send: Message | None = None
    alert: bool = False


@dataclass(frozen=True, slots=True)
class MessageRef:
    """A message the bot sent: where, the channel's id for it, and (for the channel's own use)
    what it shows now, so an edit can tell whether its text changes."""

    chat: ChatRef
    id: str
    shown: str | None = None


@dataclass(frozen=True, slots=True)
class Who:
    """Who is asking: the chat, its type, the user (the channel's id, as text), and whether they
    may change the chat's settings (in a private chat the user may; in a group only the group's
    admins may: the adapter asks the platform and sets `can_manage`)."""

    chat: ChatRef
    chat_type: str
    user_id: str | None
    can_manage: bool = True
    language_hint: str | None = None
    user_name: str | None = None  # the person's name as the platform shows it (reports)

    @property
    def group(self) -> bool:
        return is_group(self.chat_type)

    @property
    def user(self) -> UserRef | None:
        """The person asking (None for a channel post or an anonymous group admin)."""
        return UserRef(self.chat.channel, self.user_id) if self.user_id is not None else None


@dataclass(frozen=True, slots=True)
class Limits:
    """How much one message of a channel holds: visible text (UTF-16 units) with and without a
    photo, and choices (every list the core lays out fits these: bot/chat/listing.py); and which
    photos it takes: `web_photos_only` means only an https URL the platform fetches itself
    (Zalo: no uploads, no platform file ids), so a local photo goes by its address on the bot's
    web server, or not at all."""

    text: int
    caption: int
    choices: int = 100
    web_photos_only: bool = False

    def of(self, *, photo: bool) -> int:
        return self.caption if photo else self.text

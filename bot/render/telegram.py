"""Telegram's renderer: a `Message` as the Bot API takes it (HTML, an inline keyboard, limits).

Pure: no python-telegram-bot here; `bot/telegram/sender.py` turns `Rendered` into API calls.
- Text is Telegram's HTML parse mode (https://core.telegram.org/bots/api#html-style): every
  character of the text escaped, styles as <b> <i> <u> <s> <tg-spoiler> <code> <pre>
  <blockquote>, links as <a href>.
- Limits (https://core.telegram.org/bots/api#sendmessage, #sendphoto) are counted after entity
  parsing, in UTF-16 code units: 4096 for a text, 1024 for a photo's caption. The core lays its
  messages out within `LIMITS`, so the cut here is only a last resort (logged).
- Choices become inline buttons; a button's callback_data holds 1-64 bytes
  (https://core.telegram.org/bots/api#inlinekeyboardbutton), and a longer action is a bug.
  Telegram refuses a keyboard of more than 100 buttons ("reply markup is too long"; not in the
  Bot API documentation, long known: https://github.com/tginfo/Telegram-Limits): the core pages
  its lists within `LIMITS.choices`, and a keyboard that still has more is cut here (logged), as
  a last resort like the text.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from dataclasses import dataclass

from bot.message import (
    BOLD,
    CODE,
    ITALIC,
    PRE,
    QUOTE,
    SPOILER,
    STRIKE,
    UNDERLINE,
    Choice,
    Choices,
    Document,
    Limits,
    Message,
    Photo,
    Text,
)
from bot.render.html import LINK, to_html
from bot.text.cut import cut_to

log = logging.getLogger(__name__)

CHANNEL = "telegram"
PARSE_MODE = "HTML"
LIMITS = Limits(text=4096, caption=1024, choices=100)
CAPTION_LIMIT = LIMITS.caption
TEXT_LIMIT = LIMITS.text
CALLBACK_DATA_LIMIT = 64
# Telegram shows a pop-up answer to a pressed button of at most 200 characters.
ANSWER_LIMIT = 200

TAGS = {
    BOLD: "b", ITALIC: "i", UNDERLINE: "u", STRIKE: "s", SPOILER: "tg-spoiler", CODE: "code",
    PRE: "pre", QUOTE: "blockquote", LINK: "a",
}


@dataclass(frozen=True, slots=True)
class Button:
    """An inline keyboard button as the Bot API has it: opens `url` or sends `callback_data`."""

    text: str
    url: str | None = None
    callback_data: str | None = None


Keyboard = tuple[tuple[Button, ...], ...]


@dataclass(frozen=True, slots=True)
class Rendered:
    """A message ready for sendMessage / sendPhoto (`text` is the caption with a photo)."""

    text: str
    photo: Photo | None
    buttons: Keyboard
    silent: bool = False
    document: Document | None = None

    @property
    def limit(self) -> int:
        return LIMITS.of(photo=self.photo is not None or self.document is not None)


def html(text: Text) -> str:
    """`text` in Telegram's HTML parse mode."""
    return to_html(text, TAGS)


def keyboard(choices: Choices) -> Keyboard:
    """The inline keyboard of `choices` (ValueError for an action Telegram would refuse)."""
    count = sum(len(row) for row in choices)
    if count > LIMITS.choices:
        log.warning("a keyboard of %d buttons was cut to Telegram's %d", count, LIMITS.choices)
        kept: list[tuple[Choice, ...]] = []
        room = LIMITS.choices
        for row in choices:
            if room <= 0:
                break
            kept.append(row[:room])
            room -= len(kept[-1])
        choices = tuple(kept)
    rows = []
    for row in choices:
        buttons = []
        for choice in row:
            if choice.action is not None:
                size = len(choice.action.encode())
                if not 1 <= size <= CALLBACK_DATA_LIMIT:
                    raise ValueError(f"callback_data must be 1-{CALLBACK_DATA_LIMIT} bytes, "
                                     f"{choice.action[:20]!r}… has {size}")
                buttons.append(Button(choice.label, callback_data=choice.action))
            else:
                buttons.append(Button(choice.label, url=choice.url))
        rows.append(tuple(buttons))
    return tuple(rows)


def render(message: Message) -> Rendered:
    """`message` for the Bot API, within Telegram's limits."""
    # A document's caption has a photo caption's limit.
    limit = LIMITS.of(photo=message.photo is not None or message.document is not None)
    text = message.text
    if text.length > limit:
        log.warning("a message of %d characters was cut to Telegram's %d", text.length, limit)
        text = cut_to(text, limit)
    return Rendered(html(text), message.photo, keyboard(message.choices), message.silent,
                    message.document)


def answer_text(text: Text) -> str:
    """A pop-up answer to a pressed button: plain text within Telegram's 200 characters."""
    return str(cut_to(text, ANSWER_LIMIT))


class RenderCache:
    """Rendered messages by identity: a push renders its one card once, not per recipient."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._items: OrderedDict[int, tuple[Message, Rendered]] = OrderedDict()

    def render(self, message: Message) -> Rendered:
        key = id(message)
        found = self._items.get(key)
        if found is not None and found[0] is message:
            self._items.move_to_end(key)
            return found[1]
        rendered = render(message)
        self._items[key] = (message, rendered)
        if len(self._items) > self.size:
            self._items.popitem(last=False)
        return rendered

"""Zalo's renderer: a `Message` as the Zalo Bot Platform takes it: plain text, numbered choices,
photos as https URLs, 2,000 characters.

Pure: nothing here talks to Zalo; `bot/zalo/sender.py` turns `Rendered` into API calls.
- Zalo shows plain text (SPEC 5a): emphasis is dropped (the words stay), a link is written as
  its text followed by its address ("Tiêu đề (https://...)"; just the address when the text is
  the address).
- Zalo has no buttons. A choice that sends an action becomes a numbered line ("1. ✅ An sinh xã
  hội") that the reader answers by writing the number; `Rendered.actions` lists the actions in
  that order, for the adapter to remember per chat. A choice whose label is nothing but its
  number (the numbered lists of /latest, /search, the 📰 sources of /cluster) is not repeated:
  the text shows that number already. A line tells the reader how to answer.
- A choice that opens a URL ("Đọc bài gốc") is written as "label: address", last, so a card
  ends with the article's link.
- Text and captions hold 1-2,000 characters (counted here in UTF-16 units, never fewer than
  characters). The core lays messages out in `LIMITS`, which leaves room for the lines added
  here; when the written-out link addresses make a text too long (a digest of many articles),
  they are left out (the words stay); only when that is not enough is the text cut, at a
  sentence or word boundary, never the choices.
- A photo goes as an https URL Zalo fetches itself; any other photo (a local file, a platform's
  file id, http://) is left out and the message goes as text (`bot.delivery.card.channel_photo`
  turns archive photos into their https address on the bot's web server before this).
"""

from __future__ import annotations

import logging
import re
from collections import OrderedDict
from dataclasses import dataclass

from bot.i18n import t
from bot.message import Choice, Limits, Message, Text, utf16_len
from bot.text.cut import shorten_text

log = logging.getLogger(__name__)

CHANNEL = "zalo"
# https://bot.zaloplatforms.com/docs: sendMessage text and sendPhoto caption, 1-2,000 characters.
TEXT_LIMIT = 2000
# What the core lays its texts out in: the rest is room for the numbered choices, the answer
# hint and the link lines this renderer adds.
LIMITS = Limits(text=1700, caption=1700, web_photos_only=True)
# A choice's label is a button's few words; a longer one is cut (it must never crowd out text).
_LABEL_MAX = 80
_CHOICES_BETWEEN = "   "  # between choices of one row on one line


@dataclass(frozen=True, slots=True)
class Rendered:
    """A message ready for sendMessage / sendPhoto: `text` (the caption with a photo), the
    photo's https URL, and the actions of its numbered choices (choice n = actions[n - 1])."""

    text: str
    photo: str | None
    actions: tuple[str, ...]


def plain(text: Text) -> str:
    """`text` as Zalo's plain text: emphasis dropped, links written out."""
    out: list[str] = []
    for span in text.spans:
        out.append(span.text)
        url = span.link
        if url and url not in span.text:
            out.append(f" ({url})")
    return "".join(out)


def _implicit(label: str, number: int) -> bool:
    """True when the label says nothing but its own number (the text shows the numbers)."""
    return re.fullmatch(rf"\W*{number}", label) is not None


def _label(choice: Choice) -> str:
    label = " ".join(choice.label.split())
    return shorten_text(label, _LABEL_MAX)


def choice_lines(message: Message, lang: str) -> tuple[list[str], list[str], tuple[str, ...]]:
    """(numbered lines with the answer hint, link lines, actions in number order)."""
    numbered: list[str] = []
    links: list[str] = []
    actions: list[str] = []
    for row in message.choices:
        items: list[str] = []
        for choice in row:
            if choice.action is not None:
                actions.append(choice.action)
                number = len(actions)
                if not _implicit(choice.label, number):
                    items.append(f"{number}. {_label(choice)}")
            elif choice.url is not None:
                links.append(f"🔗 {_label(choice)}: {choice.url}")
        if items:
            numbered.append(_CHOICES_BETWEEN.join(items))
    if actions:
        key = "zalo.choose_one" if len(actions) == 1 else "zalo.choose"
        numbered.append(str(t(lang, key, last=len(actions))))
    return numbered, links, tuple(actions)


def render(message: Message, lang: str) -> Rendered:
    """`message` for Zalo within its 2,000 characters (see the module docstring)."""
    numbered, links, actions = choice_lines(message, lang)
    body = plain(message.text).strip()
    blocks = [block for block in ("\n".join(numbered), "\n".join(links)) if block]
    tail = "\n\n".join(blocks)
    while links and utf16_len(tail) > TEXT_LIMIT // 2:
        # An absurdly long address must not leave no room for the text: drop links first.
        log.warning("zalo: a link line of %d characters was left out", utf16_len(links[-1]))
        links.pop()
        tail = "\n\n".join(b for b in ("\n".join(numbered), "\n".join(links)) if b)
    room = TEXT_LIMIT - (utf16_len(tail) + 2 if tail else 0)
    if utf16_len(body) > room:
        # The core laid the text out counting what shows (a link's words, not its address):
        # written-out addresses are what does not fit, so they go first (a digest stays whole).
        body = str(message.text).strip()
    if utf16_len(body) > room:
        log.warning("zalo: a text of %d characters was cut to %d", utf16_len(body), room)
        body = shorten_text(body, room)
    text = "\n\n".join(part for part in (body, tail) if part) or "…"
    if utf16_len(text) > TEXT_LIMIT:  # choices beyond any sense: keep the limit regardless
        text = shorten_text(text, TEXT_LIMIT)
    photo = message.photo
    url = photo.ref if photo is not None and photo.kind == "url" and _https(photo.ref) else None
    return Rendered(text, url, actions)


def _https(url: str) -> bool:
    return url[:8].lower() == "https://" and len(url) > 8


class RenderCache:
    """Rendered messages by identity and language: a push renders its one card once per
    language, not per recipient."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._items: OrderedDict[tuple[int, str], tuple[Message, Rendered]] = OrderedDict()

    def render(self, message: Message, lang: str) -> Rendered:
        key = (id(message), lang)
        found = self._items.get(key)
        if found is not None and found[0] is message:
            self._items.move_to_end(key)
            return found[1]
        rendered = render(message, lang)
        self._items[key] = (message, rendered)
        if len(self._items) > self.size:
            self._items.popitem(last=False)
        return rendered

"""A digest's "more" button: the articles that did not fit its message, as a paged list.

Plain data in (`Who`, ids), `Message`/`Notice` out; no chat-platform objects here.
Choices: "dgm:<digest id>" (on the digest) sends the first page as a new message;
"dgp:<digest id>:<page>" (on that list) shows another page in place. Each article opens with
the reader's usual "open:<id>" choice. `more_choices` is the digest message's own choice, added
by the outbox when it sends a digest.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.chat.reader import Reader
from bot.i18n import t
from bot.message import Choice, Choices, Message, Notice, Who
from storage import articles, digests

MORE = "dgm"  # dgm:<digest id>   the digest's "more" choice: its other articles, as a list
PAGE = "dgp"  # dgp:<digest id>:<page>
FAMILY = r"^(dgm|dgp):"  # what the digest's choice handler receives
PAGE_SIZE = 10
_BUTTON = re.compile(r"^(dgm):(\d{1,12})$|^(dgp):(\d{1,12}):(\d{1,4})$", re.ASCII)


@dataclass(frozen=True, slots=True)
class DigestButton:
    action: str  # MORE or PAGE
    digest_id: int
    page: int = 0


def parse_button(data: str | None) -> DigestButton | None:
    """The button, or None when `data` is not one of ours (forged or garbage)."""
    if not data or len(data) > 64:
        return None
    match = _BUTTON.fullmatch(data)
    if match is None:
        return None
    if match.group(1):
        return DigestButton(MORE, int(match.group(2)))
    return DigestButton(PAGE, int(match.group(4)), int(match.group(5)))


def more_choices(digest_id: int, overflow: int, lang: str) -> Choices:
    """The digest message's choices: "more" when articles did not fit."""
    if overflow <= 0:
        return ()
    return ((Choice(str(t(lang, "digest.more", count=overflow)), action=f"{MORE}:{digest_id}"),),)


class DigestPages:
    """The "more" list of a digest; languages come from the reader core."""

    def __init__(self, reader: Reader) -> None:
        self.reader = reader
        self.db = reader.db

    async def more(self, who: Who, digest_id: int, page: int = 0, *, edit: bool = False
                   ) -> Notice:
        """Page `page` of the digest's other articles: a new message, or (`edit`) in place."""
        lang = await self.reader.language(who)
        digest = await digests.get(self.db, digest_id)
        if digest is None or digest.chat != who.chat:
            return Notice(t(lang, "digest.expired"), alert=True)
        pages = max(1, -(-digest.overflow // PAGE_SIZE))
        if not 0 <= page < pages:
            return Notice(t(lang, "button.invalid"))
        ids = await digests.overflow(self.db, digest_id, offset=page * PAGE_SIZE,
                                     limit=PAGE_SIZE)
        found = await articles.get_many(self.db, ids)
        if not found:
            return Notice(t(lang, "digest.expired"), alert=True)
        title = t(lang, "digest.more_title", count=digest.overflow, page=page + 1, pages=pages)
        listing = self.reader.article_list(lang, title, found,
                                           limits=self.reader.common.limits(who.chat.channel))
        nav: list[Choice] = []
        if page > 0:
            nav.append(Choice(str(t(lang, "search.previous")),
                              action=f"{PAGE}:{digest_id}:{page - 1}"))
        if page + 1 < pages:
            nav.append(Choice(str(t(lang, "search.next")),
                              action=f"{PAGE}:{digest_id}:{page + 1}"))
        reply = Message(listing.text, listing.choices + ((tuple(nav),) if nav else ()))
        return Notice(edit=reply) if edit else Notice(send=reply)

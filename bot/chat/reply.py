"""What the core answers: channel-neutral replies (HTML text, optional photo, inline buttons)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.delivery.card import Button, Card

Keyboard = tuple[tuple[Button, ...], ...]


@dataclass(frozen=True, slots=True)
class Reply:
    """One message to send (or to edit into): `text` is HTML; with `photo` it is the caption."""

    text: str
    buttons: Keyboard = ()
    photo: str | None = None

    @classmethod
    def from_card(cls, card: Card) -> Reply:
        return cls(text=card.text, buttons=card.buttons, photo=card.photo)


@dataclass(frozen=True, slots=True)
class Notice:
    """A short pop-up answer to a button press (answerCallbackQuery), plus optional edits."""

    text: str
    edit: Reply | None = None  # new text/keyboard for the message whose button was pressed
    send: Reply | None = None  # a new message to send in the chat
    alert: bool = False


@dataclass(frozen=True, slots=True)
class Who:
    """Who is asking: the chat, its type, the user, and whether they may change its settings.

    In a private chat the user may; in a group only the group's admins may (the adapter asks the
    chat platform and sets `can_manage`).
    """

    chat_id: int
    chat_type: str
    user_id: int | None
    can_manage: bool = True
    language_hint: str | None = None

"""A Zalo update as the core sees it, and where its text goes: the same handlers as Telegram's.

Zalo sends text only (`message.text.received`); the bot answers people in private chats (the Zalo
Bot Platform has no group admins to ask, and a bot cannot be given buttons anyway). A text is:
- a command ("/latest hoat dong 3", "/TinMoi"): the command's English name or Vietnamese alias,
  matched without case or accents (phones capitalise the first letter), then the same `Request`
  as on Telegram; admin commands are checked against NEWSBOT_ZALO_ADMIN_IDS here (Telegram gates
  them at registration);
- a number ("2", "2."): the answer to the chat's latest numbered choices (SPEC 5a), dispatched as
  the `Press` a Telegram button would have made, to the same button routes;
- anything else: the hint of `handlers.fallback.plain_text`.

`ZaloConversation` is the outbound path as a Zalo chat sees it: Zalo can neither edit a message
nor show a pop-up, so a pressed choice's answer (its notice text and the redrawn message) goes
out as one new message, whose choices then replace the old ones.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import re
from dataclasses import dataclass, replace
from typing import Any

from bot.core import Core
from bot.delivery.outbound import Conversation, Outbound
from bot.i18n import t
from bot.logs import redact
from bot.message import ZALO, ChatRef, Message, MessageRef, Notice, Text, Who
from bot.text.fold import fold
from handlers import Command, Content, Press, Request, Routes
from storage import choices as stored_choices

log = logging.getLogger(__name__)

TEXT_EVENT = "message.text.received"
PRIVATE = "PRIVATE"
_COMMAND = re.compile(r"^/(\S+)")
# "2", " 2 ", "2.", "#2", "số 2": a number answers the latest choices.
_NUMBER = re.compile(r"^\s*(?:số\s*|so\s*|#)?(\d{1,3})\s*[.)]?\s*$", re.IGNORECASE)
_MAX_TEXT = 4096  # Zalo's own limit is 2,000; anything longer is not from Zalo


@dataclass(frozen=True, slots=True)
class ZaloMessage:
    """The parts of a Zalo update the bot uses."""

    chat_id: str
    chat_type: str
    user_id: str
    display_name: str
    text: str
    message_id: str


def _text_id(value: object) -> str | None:
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    text = str(value)
    return text if 0 < len(text) <= 128 else None


def _object(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def unwrap(payload: dict[str, Any]) -> dict[str, Any]:
    """The update itself: a webhook may wrap it as {"ok": true, "result": update}."""
    result = payload.get("result")
    if "event_name" not in payload and isinstance(result, dict):
        return result
    return payload


def update_key(payload: dict[str, Any]) -> str:
    """A stable key of the update, so the same update received twice is stored once: its
    message id (Zalo's updates carry no update id), else a hash of its content."""
    update = unwrap(payload)
    message = update.get("message")
    if isinstance(message, dict):
        message_id = _text_id(message.get("message_id"))
        if message_id is not None:
            return f"m:{message_id}"
    canonical = json.dumps(update, sort_keys=True, ensure_ascii=False)
    return "h:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:32]


def parse(payload: dict[str, Any]) -> ZaloMessage | None:
    """The text message in a Zalo update; None (logged) for anything the bot does not answer."""
    update = unwrap(payload)
    event = update.get("event_name")
    message = update.get("message")
    if not isinstance(message, dict):
        log.info("zalo: an update without a message ignored (event %r)", str(event)[:40])
        return None
    chat = _object(message.get("chat"))
    sender = _object(message.get("from"))
    chat_id = _text_id(chat.get("id"))
    user_id = _text_id(sender.get("id"))
    if chat_id is None or user_id is None:
        log.warning("zalo: an update without a chat or sender id ignored")
        return None
    if sender.get("is_bot") is True:
        return None  # bots do not talk to bots
    chat_type = str(chat.get("chat_type") or PRIVATE).upper()
    if chat_type != PRIVATE:
        log.info("zalo: chat=%s of type %s ignored: the bot answers private chats only",
                 chat_id, chat_type[:20])
        return None
    text = message.get("text")
    if event != TEXT_EVENT or not isinstance(text, str):
        log.info("zalo: chat=%s event %r ignored (the bot reads text messages)", chat_id,
                 str(event)[:40])
        return None
    name = sender.get("display_name") or sender.get("name") or ""
    return ZaloMessage(chat_id, "private", user_id, str(name)[:100], text[:_MAX_TEXT],
                       _text_id(message.get("message_id")) or "")


def split_command(text: str) -> tuple[str, str]:
    """("latest", "hoat dong 3") of "/latest hoat dong 3"; ("", text) when no command."""
    match = _COMMAND.match(text.strip())
    if match is None:
        return "", text
    name = match.group(1).split("@", 1)[0]
    return name, text.strip()[match.end():].strip()


def number_of(text: str) -> int | None:
    """The number a text answers with, None when it is no number."""
    match = _NUMBER.match(text)
    return int(match.group(1)) if match else None


class ZaloConversation(Conversation):
    """The outbound path as one Zalo chat sees it (see the module docstring)."""

    async def answer(self, text: Text | None = None, *, alert: bool = False) -> None:
        if text:
            await self.reply(Message(text))

    async def edit(self, target: MessageRef, message: Message) -> MessageRef | None:
        (sent,) = await self.reply(message)
        return sent

    async def notice(self, notice: Notice) -> MessageRef | None:
        shown = notice.edit if self.pressed is not None else None
        if shown is not None:
            if notice.text:
                shown = replace(shown, text=notice.text + "\n\n" + shown.text)
            (sent,) = await self.reply(shown)
            if sent is not None:
                self.pressed = sent
        elif notice.text:
            await self.reply(Message(notice.text))
        if notice.send is not None:
            (sent,) = await self.reply(notice.send)
            return sent
        return None


class ZaloDispatcher:
    """Feeds Zalo updates to the handlers (the inbox's `handle` for the Zalo channel)."""

    def __init__(self, routes: Routes, core: Core, outbound: Outbound) -> None:
        self.routes = routes
        self.core = core
        self.outbound = outbound
        self._commands: dict[str, Command] = {fold(name): command for command in routes.commands
                                              for name in command.names}
        # Replies go out in the order their updates were taken from the inbox (arrival order).
        self._arrival = itertools.count(1)
        self.handled = 0

    async def handle(self, payload: dict[str, Any]) -> None:
        message = parse(payload)
        if message is None:
            return
        who = Who(ChatRef(ZALO, message.chat_id), message.chat_type, message.user_id,
                  user_name=" ".join(message.display_name.split())[:64] or None)
        out = ZaloConversation(self.outbound, who.chat, group=False,
                               arrival=float(next(self._arrival)))
        try:
            await self._dispatch(who, out, message.text)
        except Exception as exc:
            log.error(redact(f"unhandled error (chat={who.chat} message={message.text[:60]!r}): "
                             f"{type(exc).__name__}: {exc}", self.core.settings.secrets()),
                      exc_info=exc)
            try:
                lang = await self.core.reader.language(who)
                await out.reply(Message(t(lang, "error.generic")))
            except Exception:  # the error path must never raise
                log.debug("could not tell the user about the error", exc_info=True)
        self.handled += 1

    async def _dispatch(self, who: Who, out: ZaloConversation, text: str) -> None:
        core, routes = self.core, self.routes
        name, argument = split_command(text)
        if name:
            request = Request(who, core, out, name, argument)
            command = self._commands.get(fold(name))
            if command is None:
                await routes.unknown_command(request)
            elif command.admin and not core.common.is_admin(who):
                await routes.refuse(request)
            else:
                content = Content(Text(text.strip())) if command.rich else None
                await command.run(replace(request, content=content))
            return
        number = number_of(text)
        if number is None:
            await routes.text(Request(who, core, out, "", text))
            return
        found = await stored_choices.get(core.db, who.chat)
        lang = await core.reader.language(who)
        if found is None or not found.actions:
            await out.reply(Message(t(lang, "zalo.no_choices")))
            return
        if not 1 <= number <= len(found.actions):
            key = "zalo.number_invalid" if len(found.actions) > 1 else "zalo.number_invalid_one"
            await out.reply(Message(t(lang, key, number=number, last=len(found.actions))))
            return
        out.pressed = MessageRef(who.chat, found.message_id or "")
        press = Press(who, core, out, found.actions[number - 1])
        for family in routes.buttons:
            if family.owns(press.data):
                await family.run(press)
                return
        await routes.unknown_button(press)

"""Channels and the bot's membership in chats, as the sandbox plays them (SPEC section 9).

- `post_channel_post`: someone posts in a channel (`POST /sandbox/messages` with
  ``"chat_type": "channel"``): a ``channel_post`` update, which has no user (``sender_chat`` is
  the channel itself), as on Telegram.
- `set_membership`: the bot is added to a chat (as ``administrator`` or ``member``) or removed
  from it (``left``, ``kicked``) (`POST /sandbox/chats/<id> {"member": ...}`): the chat's state
  changes (sending to a chat the bot was removed from answers 403, as on Telegram) and a
  ``my_chat_member`` update is queued with the old and new status.
- `bot_member`: the bot's ChatMember object in a chat (``getChatMember`` and the updates).

Forum topics are in ``SandboxState.post_message`` (``thread_id``) and the send methods
(``message_thread_id``).
"""

from __future__ import annotations

import time
from typing import Any

from bot.sandbox.html_check import command_entities
from bot.sandbox.state import Chat, ControlError, SandboxState, default_chat_type

MEMBER_STATUSES = ("administrator", "member", "left", "kicked")
# The rights of an administrator, as Telegram lists them (all granted but promoting others).
_ADMIN_RIGHTS = (
    "can_manage_chat", "can_delete_messages", "can_manage_video_chats", "can_restrict_members",
    "can_change_info", "can_invite_users", "can_post_stories", "can_edit_stories",
    "can_delete_stories",
)
_DEFAULT_ADDER = 1000  # who adds the bot when the control call names nobody (and no admin)


def bot_member(state: SandboxState, chat: Chat, status: str, *,
               can_post: bool = True) -> dict[str, Any]:
    """The bot's ChatMember object with `status` in `chat`."""
    member: dict[str, Any] = {"status": status, "user": state.bot_user()}
    if status == "administrator":
        member.update({"can_be_edited": False, "is_anonymous": False})
        member.update(dict.fromkeys(_ADMIN_RIGHTS, True))
        member["can_promote_members"] = False
        if chat.type == "channel":
            member.update({"can_post_messages": can_post, "can_edit_messages": can_post})
        else:
            member["can_pin_messages"] = True
    elif status == "kicked":
        member["until_date"] = 0
    return member


def post_channel_post(state: SandboxState, chat_id: int, text: str, *,
                      chat_title: str | None = None,
                      author_signature: str | None = None) -> tuple[int, int]:
    """Someone posts `text` in channel `chat_id`; returns (update_id, message_id)."""
    if chat_id >= 0:
        raise ControlError("a channel's id is negative")
    existing = state.chats.get(chat_id)
    if existing is not None and existing.type != "channel":
        raise ControlError(f"chat {chat_id} is a {existing.type}, not a channel")
    if not text:
        raise ControlError("text is empty")
    chat = state.ensure_chat(chat_id, "channel")
    if chat_title:
        chat.title = chat_title
    message_id = state.next_message_id()
    chat_data = state.chat_dict(chat)
    post: dict[str, Any] = {
        "message_id": message_id,
        "date": int(time.time()),
        "chat": chat_data,
        "sender_chat": chat_data,
        "text": text,
    }
    entities = command_entities(text)
    if entities:
        post["entities"] = entities
    if author_signature:
        post["author_signature"] = author_signature
    return state.enqueue_update({"channel_post": post}), message_id


def set_membership(state: SandboxState, chat_id: int, status: str, *,
                   chat_type: str | None = None, title: str | None = None,
                   by_user: int | None = None, can_post: bool = True,
                   admins: list[int] | None = None) -> dict[str, Any]:
    """The bot's status in `chat_id` becomes `status`; queues the ``my_chat_member`` update.
    `admins`: the chat's admins (the first is its creator), set first. Returns the chat's
    summary."""
    if status not in MEMBER_STATUSES:
        raise ControlError(f'"member" must be one of {", ".join(MEMBER_STATUSES)}')
    existing = state.chats.get(chat_id)
    kind = chat_type or (existing.type if existing else default_chat_type(chat_id))
    if existing is not None and existing.type != kind:
        raise ControlError(f"chat {chat_id} is a {existing.type}, not a {kind}")
    if (kind == "private") != (chat_id > 0):
        raise ControlError("a private chat's id is its user's (positive) id; group and channel "
                           "ids are negative")
    if kind == "private" and (status == "administrator" or admins):
        raise ControlError("a private chat has no administrators")
    if kind == "channel" and status == "member":
        raise ControlError("a bot in a channel is an administrator (or not there at all)")
    # Checked; from here on nothing fails.
    chat = state.ensure_chat(chat_id, kind)
    if title is not None:
        chat.title = title
    if admins is not None:
        chat.admins = tuple(admins)
    old = chat.bot_status or ("left" if existing is None else "member")
    chat.bot_status = status
    if chat.type == "private":
        chat.blocked = status == "kicked"
    else:
        chat.left = status == "left"
        chat.kicked = status == "kicked"
    adder = by_user if by_user is not None else (
        chat.id if chat.type == "private" else (chat.admins[0] if chat.admins
                                                 else _DEFAULT_ADDER))
    update = {
        "chat": state.chat_dict(chat),
        "from": state.user(adder).to_dict(),
        "date": int(time.time()),
        "old_chat_member": bot_member(state, chat, old),
        "new_chat_member": bot_member(state, chat, status, can_post=can_post),
    }
    state.enqueue_update({"my_chat_member": update})
    return chat.summary()

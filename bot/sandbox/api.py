"""The Bot API methods the sandbox implements, with Telegram's checks and error wording.

Each method is a function ``(state, params) -> result`` (getUpdates is async) registered in
``METHODS`` under its lower-case name, because Telegram matches method names case-insensitively.
``params`` are already typed by ``bot.sandbox.params``. A refusal raises ``ApiError``, which
the server renders as Telegram's error JSON with the matching HTTP status.

What is checked, as Telegram does (https://core.telegram.org/bots/api): empty text, text over
4096 and captions over 1024 UTF-16 code units after entity parsing, HTML ``parse_mode``,
inline keyboards (exactly one action per button, callback_data 1-64 bytes, at most 100
buttons), blocked,
deactivated, kicked and migrated chats, edits that change nothing, unknown file ids and photo
URLs that cannot be fetched (the sandbox never fetches: a host ending in ``.invalid`` or a path
containing ``unfetchable`` plays that part). Markdown parse modes are accepted but not validated.
"""

from __future__ import annotations

import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from bot.sandbox.channels import bot_member
from bot.sandbox.errors import ApiError, bad_request, chat_migrated, forbidden
from bot.sandbox.html_check import HtmlError, ParsedText, plain
from bot.sandbox.params import UploadedFile
from bot.sandbox.state import Chat, PhotoFile, Record, SandboxState, Webhook, parse_text

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_ANSWER_TEXT = 200
# Telegram refuses an inline keyboard of more than 100 buttons with "reply markup is too long"
# (undocumented; https://github.com/tginfo/Telegram-Limits).
MAX_INLINE_BUTTONS = 100
_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
_COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")
# Every inline button needs exactly one of these (https://core.telegram.org/bots/api#inlinekeyboardbutton).
_BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)

Params = dict[str, Any]


# --------------------------------------------------------------------------- checks


def _parse_mode(params: Params) -> str | None:
    mode = params.get("parse_mode")
    if not mode:
        return None
    lowered = str(mode).lower()
    if lowered == "html":
        return "HTML"
    if lowered in ("markdown", "markdownv2"):
        return "MarkdownV2" if lowered == "markdownv2" else "Markdown"
    raise bad_request(f"unsupported parse_mode {mode!r}")


def _parse(text: str, parse_mode: str | None, entities: Any) -> ParsedText:
    """Visible text of `text`; explicit entities win over parse_mode, as on Telegram."""
    if entities:
        if not isinstance(entities, list):
            raise bad_request("can't parse entities JSON object")
        return plain(text)
    try:
        return parse_text(text, parse_mode)
    except HtmlError as exc:
        raise bad_request(f"can't parse entities: {exc}") from None


def _check_text(params: Params) -> tuple[str, str | None, ParsedText]:
    text = params.get("text")
    if not isinstance(text, str) or not text:
        raise bad_request("message text is empty")
    parse_mode = _parse_mode(params)
    parsed = _parse(text, parse_mode, params.get("entities"))
    if not parsed.text.strip():
        raise bad_request("message text is empty")
    if parsed.utf16_length > MAX_TEXT:
        raise bad_request("message is too long")
    return text, parse_mode, parsed


def _check_caption(params: Params) -> tuple[str | None, str | None, ParsedText | None]:
    caption = params.get("caption")
    parse_mode = _parse_mode(params)
    if not caption:
        return None, parse_mode, None
    if not isinstance(caption, str):
        caption = str(caption)
    parsed = _parse(caption, parse_mode, params.get("caption_entities"))
    if parsed.utf16_length > MAX_CAPTION:
        raise bad_request("message caption is too long")
    return caption, parse_mode, parsed


def _check_button(button: Any) -> None:
    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
        raise bad_request(
            'can\'t parse inline keyboard button: Field "text" must be of type String'
        )
    actions = [name for name in _BUTTON_ACTIONS if name in button]
    if not actions:
        raise bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    if len(actions) > 1:
        raise bad_request(
            "can't parse inline keyboard button: exactly one of the optional fields must be used, "
            f"found {', '.join(actions)}"
        )
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= (
            MAX_CALLBACK_DATA_BYTES
        ):
            raise bad_request("BUTTON_DATA_INVALID")
    if "url" in button:
        url = button["url"]
        scheme = urlsplit(url).scheme.lower() if isinstance(url, str) else ""
        if not isinstance(url, str) or not url.strip() or scheme not in ("http", "https", "tg"):
            raise bad_request(f"inline keyboard button URL '{url}' is invalid: Wrong HTTP URL")


def _check_markup(markup: Any) -> dict[str, Any] | None:
    """Validate reply_markup (already JSON-decoded); returns it, or None when absent."""
    if markup is None or markup == "":
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise bad_request(
                'field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays'
            )
        if sum(len(row) for row in rows) > MAX_INLINE_BUTTONS:
            raise bad_request("reply markup is too long")
        for row in rows:
            for button in row:
                _check_button(button)
    elif not any(key in markup for key in ("keyboard", "remove_keyboard", "force_reply")):
        raise bad_request("can't parse reply keyboard markup JSON object")
    return markup


def _check_reachable(chat: Chat) -> None:
    """Refuse sending to a chat the bot cannot write to, with Telegram's wording."""
    if chat.migrate_to is not None:
        raise chat_migrated(chat.migrate_to)
    if chat.type == "private":
        if chat.deactivated:
            raise forbidden("user is deactivated")
        if chat.blocked:
            raise forbidden("bot was blocked by the user")
        return
    kind = chat.type if chat.type in ("supergroup", "channel") else "group"
    if chat.deactivated:
        raise forbidden(f"the {kind} chat was deleted")
    if chat.kicked:
        raise forbidden(f"bot was kicked from the {kind} chat")
    if chat.left:
        raise forbidden(f"bot is not a member of the {kind} chat")


def _chat(
    state: SandboxState, params: Params, *, reachable: bool = True, store: bool = False
) -> Chat:
    chat_id = params.get("chat_id")
    if chat_id is None or chat_id == "":
        raise bad_request("chat_id is empty")
    if not isinstance(chat_id, int) or chat_id == 0:
        # "@username" ids and 0 are not simulated.
        raise bad_request("chat not found")
    chat = state.ensure_chat(chat_id) if store else state.chat(chat_id)
    if reachable:
        _check_reachable(chat)
    return chat


def _reply_to(state: SandboxState, chat: Chat, params: Params) -> int | None:
    reply = params.get("reply_parameters")
    if isinstance(reply, dict):
        message_id = reply.get("message_id")
        allow_missing = bool(reply.get("allow_sending_without_reply"))
    else:
        message_id = params.get("reply_to_message_id")
        allow_missing = bool(params.get("allow_sending_without_reply"))
    if message_id is None:
        return None
    target = state.messages.get(message_id) if isinstance(message_id, int) else None
    if target is None or target.chat_id != chat.id:
        if allow_missing:
            return None
        raise bad_request("message to be replied not found")
    return message_id


def _photo(state: SandboxState, params: Params) -> tuple[PhotoFile, str]:
    """The photo a sendPhoto refers to and how the bot gave it (URL, file_id, upload)."""
    photo = params.get("photo")
    if isinstance(photo, str) and photo.startswith("attach://"):
        photo = params.get(photo.removeprefix("attach://"))
        if photo is None:
            raise bad_request("wrong file identifier/HTTP URL specified")
    if photo is None or photo == "":
        raise bad_request("there is no photo in the request")
    if isinstance(photo, UploadedFile):
        if not photo.content:
            raise bad_request("file must be non-empty")
        return state.photo_for_upload(photo.content), f"upload:{photo.filename}"
    if not isinstance(photo, str):
        raise bad_request("wrong file identifier/HTTP URL specified")
    if photo.startswith(("http://", "https://")):
        parts = urlsplit(photo)
        host = (parts.hostname or "").lower()
        if not host or host.endswith(".invalid") or "unfetchable" in parts.path:
            # Stands in for a photo Telegram's servers fail to download.
            raise bad_request("failed to get HTTP URL content")
        return state.photo_for_key(photo, 100_000), photo
    known = state.files.get(photo)
    if known is None:
        raise bad_request("wrong file identifier/HTTP URL specified")
    return known, photo


def _thread(chat: Chat, params: Params) -> int | None:
    """The forum topic a message goes to (message_thread_id), checked as Telegram does: topics
    exist in supergroups only."""
    thread = params.get("message_thread_id")
    if thread is None or thread == "":
        return None
    if not isinstance(thread, int) or thread <= 0 or chat.type != "supergroup":
        raise bad_request("message thread not found")
    return thread


def _extra(params: Params, reply_to: int | None) -> dict[str, Any] | None:
    extra: dict[str, Any] = {}
    if reply_to is not None:
        extra["reply_to_message_id"] = reply_to
    for key in ("entities", "caption_entities"):
        if params.get(key):
            extra[key] = params[key]
    if params.get("allow_paid_broadcast"):
        extra["allow_paid_broadcast"] = True  # a paid broadcast's message (tests check it)
    return extra or None


def _now() -> int:
    return int(time.time())


# --------------------------------------------------------------------------- sending


def send_message(state: SandboxState, params: Params) -> dict[str, Any]:
    """sendMessage."""
    text, parse_mode, parsed = _check_text(params)
    markup = _check_markup(params.get("reply_markup"))
    chat = _chat(state, params)
    reply_to = _reply_to(state, chat, params)
    thread = _thread(chat, params)
    state.admit(chat.id)
    record = Record(0, "sendMessage", chat.id, state.next_message_id(), _now())
    record.thread_id = thread
    record.text = state.intern(text)
    record.parse_mode = parse_mode
    record.reply_markup = markup
    record.disable_notification = bool(params.get("disable_notification"))
    record.extra = _extra(params, reply_to)
    state.add_sent(record)
    assert record.message_id is not None
    state.messages[record.message_id] = record
    return state.message_dict(record, text=parsed)


def send_photo(state: SandboxState, params: Params) -> dict[str, Any]:
    """sendPhoto by URL, by upload, or by a file_id the sandbox handed out."""
    caption, parse_mode, parsed = _check_caption(params)
    markup = _check_markup(params.get("reply_markup"))
    photo, given = _photo(state, params)
    chat = _chat(state, params)
    reply_to = _reply_to(state, chat, params)
    thread = _thread(chat, params)
    state.admit(chat.id)
    record = Record(0, "sendPhoto", chat.id, state.next_message_id(), _now())
    record.thread_id = thread
    record.caption = state.intern(caption) if caption else None
    record.photo = state.intern(given)
    record.photo_file_id = photo.largest_file_id
    record.parse_mode = parse_mode if caption else None
    record.reply_markup = markup
    record.disable_notification = bool(params.get("disable_notification"))
    record.extra = _extra(params, reply_to)
    state.add_sent(record)
    assert record.message_id is not None
    state.messages[record.message_id] = record
    return state.message_dict(record, caption=parsed)


# Documents kept readable in /sandbox/sent (tests check an exported file's content).
_DOCUMENT_TEXT_BYTES = 1024 * 1024
_DOCUMENT_BYTES = 50 * 1024 * 1024  # Telegram's upload limit for bots


def send_document(state: SandboxState, params: Params) -> dict[str, Any]:
    """sendDocument by upload (or a file_id/URL, taken as given). /sandbox/sent shows the
    file's name and size under "document", and its text (UTF-8, up to 1 MB) as
    "document_text"."""
    caption, parse_mode, parsed = _check_caption(params)
    markup = _check_markup(params.get("reply_markup"))
    document = params.get("document")
    if isinstance(document, str) and document.startswith("attach://"):
        document = params.get(document.removeprefix("attach://"))
    if document is None or document == "":
        raise bad_request("there is no document in the request")
    chat = _chat(state, params)
    reply_to = _reply_to(state, chat, params)
    state.admit(chat.id)
    record = Record(0, "sendDocument", chat.id, state.next_message_id(), _now())
    extra = _extra(params, reply_to) or {}
    if isinstance(document, UploadedFile):
        if not document.content:
            raise bad_request("file must be non-empty")
        if len(document.content) > _DOCUMENT_BYTES:
            raise ApiError(413, "Request Entity Too Large")
        number = record.message_id
        extra["document"] = {"file_id": f"sandbox-document-{number}",
                             "file_unique_id": f"sandbox-document-u{number}",
                             "file_name": document.filename,
                             "file_size": len(document.content)}
        if len(document.content) <= _DOCUMENT_TEXT_BYTES:
            extra["document_text"] = document.content.decode("utf-8", "replace")
    elif isinstance(document, str):
        extra["document"] = {"file_id": document, "file_unique_id": document}
    else:
        raise bad_request("wrong file identifier/HTTP URL specified")
    record.caption = state.intern(caption) if caption else None
    record.parse_mode = parse_mode if caption else None
    record.reply_markup = markup
    record.disable_notification = bool(params.get("disable_notification"))
    record.extra = extra
    state.add_sent(record)
    assert record.message_id is not None
    state.messages[record.message_id] = record
    return state.message_dict(record, caption=parsed)


# --------------------------------------------------------------------------- editing


def _edit_target(state: SandboxState, params: Params) -> tuple[Chat, Record]:
    if params.get("inline_message_id"):
        # Inline mode is not simulated, so no inline message exists.
        raise bad_request("message to edit not found")
    chat = _chat(state, params)
    message_id = params.get("message_id")
    if message_id is None:
        raise bad_request("message identifier is not specified")
    record = state.messages.get(message_id)
    if record is None or record.chat_id != chat.id:
        raise bad_request("message to edit not found")
    if record.from_user is not None:
        raise bad_request("message can't be edited")
    return chat, record


def _edited(method: str, old: Record) -> Record:
    """A new version of `old` (same message), logged as sent and made current."""
    new = Record(0, method, old.chat_id, old.message_id, old.date)
    new.text, new.caption, new.photo = old.text, old.caption, old.photo
    new.photo_file_id, new.parse_mode = old.photo_file_id, old.parse_mode
    new.reply_markup, new.extra = old.reply_markup, old.extra
    new.disable_notification = old.disable_notification
    new.thread_id = old.thread_id
    new.edit_date = _now()
    return new


def _commit_edit(state: SandboxState, chat: Chat, new: Record) -> None:
    state.admit(chat.id)
    state.add_sent(new)
    assert new.message_id is not None
    state.messages[new.message_id] = new


def _same(a: ParsedText | None, b: ParsedText | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return a.text == b.text and a.entities == b.entities


def edit_message_text(state: SandboxState, params: Params) -> dict[str, Any]:
    """editMessageText; without reply_markup the inline keyboard is removed, as on Telegram."""
    text, parse_mode, parsed = _check_text(params)
    markup = _check_markup(params.get("reply_markup"))
    chat, old = _edit_target(state, params)
    if old.text is None:
        raise bad_request("there is no text in the message to edit")
    old_text, _ = state.parsed_content(old)
    if _same(old_text, parsed) and old.reply_markup == markup:
        raise bad_request(_NOT_MODIFIED)
    new = _edited("editMessageText", old)
    new.text, new.parse_mode, new.reply_markup = state.intern(text), parse_mode, markup
    extra = {k: v for k, v in (old.extra or {}).items() if k != "entities"}
    if params.get("entities"):
        extra["entities"] = params["entities"]
    new.extra = extra or None
    _commit_edit(state, chat, new)
    return state.message_dict(new, text=parsed)


def edit_message_caption(state: SandboxState, params: Params) -> dict[str, Any]:
    """editMessageCaption (an empty caption removes it)."""
    caption, parse_mode, parsed = _check_caption(params)
    markup = _check_markup(params.get("reply_markup"))
    chat, old = _edit_target(state, params)
    if old.photo_file_id is None:
        raise bad_request("there is no caption in the message to edit")
    _, old_caption = state.parsed_content(old)
    if _same(old_caption, parsed) and old.reply_markup == markup:
        raise bad_request(_NOT_MODIFIED)
    new = _edited("editMessageCaption", old)
    new.caption = state.intern(caption) if caption else None
    new.parse_mode, new.reply_markup = (parse_mode if caption else None), markup
    entities = params.get("caption_entities")
    extra = {k: v for k, v in (old.extra or {}).items() if k != "caption_entities"}
    if entities:
        extra["caption_entities"] = entities
    new.extra = extra or None
    _commit_edit(state, chat, new)
    return state.message_dict(new, caption=parsed)


def edit_message_reply_markup(state: SandboxState, params: Params) -> dict[str, Any]:
    """editMessageReplyMarkup (no reply_markup removes the keyboard)."""
    markup = _check_markup(params.get("reply_markup"))
    chat, old = _edit_target(state, params)
    if old.reply_markup == markup:
        raise bad_request(_NOT_MODIFIED)
    new = _edited("editMessageReplyMarkup", old)
    new.reply_markup = markup
    _commit_edit(state, chat, new)
    return state.message_dict(new)


def delete_message(state: SandboxState, params: Params) -> bool:
    """deleteMessage."""
    chat = _chat(state, params, reachable=False)
    message_id = params.get("message_id")
    if not isinstance(message_id, int):
        raise bad_request("message identifier is not specified")
    record = state.messages.get(message_id)
    if record is None or record.chat_id != chat.id:
        raise bad_request("message to delete not found")
    del state.messages[message_id]
    state.add_sent(Record(0, "deleteMessage", chat.id, message_id, _now()))
    return True


# --------------------------------------------------------------------------- callbacks, actions


def answer_callback_query(state: SandboxState, params: Params) -> bool:
    """answerCallbackQuery: each query can be answered once."""
    query_id = str(params.get("callback_query_id") or "")
    ref = state.callbacks.pop(query_id, None)
    if ref is None:
        raise bad_request("query is too old and response timeout expired or query ID is invalid")
    text = params.get("text")
    if text is not None and len(str(text)) > MAX_ANSWER_TEXT:
        state.callbacks[query_id] = ref  # a refused answer does not use the query up
        raise bad_request("MESSAGE_TOO_LONG")
    record = Record(0, "answerCallbackQuery", ref.chat_id, ref.message_id, _now())
    record.text = str(text) if text is not None else None
    record.extra = {
        "callback_query_id": query_id,
        "show_alert": bool(params.get("show_alert")),
        "user_id": ref.user_id,
    }
    if params.get("url"):
        record.extra["url"] = params["url"]
    state.add_sent(record)
    return True


def send_chat_action(state: SandboxState, params: Params) -> bool:
    """sendChatAction (checked, not recorded)."""
    _chat(state, params)
    if params.get("action") not in _CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    return True


# --------------------------------------------------------------------------- chats


def get_chat(state: SandboxState, params: Params) -> dict[str, Any]:
    """getChat: a ChatFullInfo with the fields PTB requires."""
    chat = _chat(state, params, reachable=False)
    info = state.chat_dict(chat)
    info.update(
        {
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }
    )
    return info


def _member(state: SandboxState, chat: Chat, user_id: int) -> dict[str, Any]:
    if user_id == state.bot_id and chat.bot_status is not None:
        return bot_member(state, chat, chat.bot_status)
    user = state.bot_user() if user_id == state.bot_id else state.user(user_id).to_dict()
    if chat.type != "private" and chat.admins and user_id == chat.admins[0]:
        return {"status": "creator", "user": user, "is_anonymous": False}
    if chat.type != "private" and user_id in chat.admins:
        rights = (
            "can_manage_chat",
            "can_delete_messages",
            "can_manage_video_chats",
            "can_restrict_members",
            "can_promote_members",
            "can_change_info",
            "can_invite_users",
            "can_post_stories",
            "can_edit_stories",
            "can_delete_stories",
            "can_pin_messages",
        )
        member: dict[str, Any] = {
            "status": "administrator",
            "user": user,
            "can_be_edited": False,
            "is_anonymous": False,
        }
        member.update(dict.fromkeys(rights, True))
        member["can_promote_members"] = False
        return member
    # Users the sandbox never saw in the group count as members (lenient, like chats).
    return {"status": "member", "user": user}


def get_chat_member(state: SandboxState, params: Params) -> dict[str, Any]:
    """getChatMember: creator/administrator for the group's admins, member otherwise."""
    chat = _chat(state, params, reachable=False)
    user_id = params.get("user_id")
    if not isinstance(user_id, int):
        raise bad_request("user not found")
    if chat.type == "private" and user_id not in (chat.id, state.bot_id):
        raise bad_request("user not found")
    return _member(state, chat, user_id)


def get_chat_administrators(state: SandboxState, params: Params) -> list[dict[str, Any]]:
    """getChatAdministrators."""
    chat = _chat(state, params, reachable=False)
    if chat.type == "private":
        raise bad_request("there are no administrators in the private chat")
    return [_member(state, chat, user_id) for user_id in chat.admins]


def leave_chat(state: SandboxState, params: Params) -> bool:
    """leaveChat: the bot is then no longer a member of the group."""
    chat = _chat(state, params, reachable=False, store=True)
    if chat.type == "private":
        raise bad_request("chat member status can't be changed in private chats")
    chat.left = True
    return True


# --------------------------------------------------------------------------- bot settings


def _scope_key(params: Params) -> tuple[str, str]:
    scope = params.get("scope") or {"type": "default"}
    if not isinstance(scope, dict) or not isinstance(scope.get("type"), str):
        raise bad_request("can't parse BotCommandScope JSON object")
    key = ",".join(f"{k}={scope[k]}" for k in sorted(scope))
    language = params.get("language_code") or ""
    if language and not re.fullmatch(r"[a-z]{2}", str(language)):
        raise bad_request("invalid language code specified")
    return key, str(language)


def set_my_commands(state: SandboxState, params: Params) -> bool:
    """setMyCommands per scope and language_code (an empty list deletes)."""
    commands = params.get("commands")
    if not isinstance(commands, list) or len(commands) > 100:
        raise bad_request("can't parse commands JSON object")
    checked: list[dict[str, str]] = []
    for command in commands:
        if not isinstance(command, dict):
            raise bad_request("can't parse BotCommand JSON object")
        name = command.get("command")
        description = command.get("description")
        if not isinstance(name, str) or not _COMMAND_NAME.fullmatch(name):
            raise bad_request("BOT_COMMAND_INVALID")
        if not isinstance(description, str) or not 1 <= len(description) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        checked.append({"command": name, "description": description})
    key = _scope_key(params)
    if checked:
        state.commands[key] = checked
    else:
        state.commands.pop(key, None)
    return True


def get_my_commands(state: SandboxState, params: Params) -> list[dict[str, str]]:
    """getMyCommands: exactly what was set for that scope and language (no fallback)."""
    return list(state.commands.get(_scope_key(params), []))


def delete_my_commands(state: SandboxState, params: Params) -> bool:
    """deleteMyCommands."""
    state.commands.pop(_scope_key(params), None)
    return True


def _bot_text_setter(field: str, limit: int) -> Callable[[SandboxState, Params], bool]:
    def setter(state: SandboxState, params: Params) -> bool:
        value = str(params.get(field) or "")
        if len(value) > limit:
            raise bad_request(f"{field} is too long")
        _, language = _scope_key({"language_code": params.get("language_code")})
        state.bot_texts[(field, language)] = value
        return True

    setter.__doc__ = f"setMy{field.title().replace('_', '')}."
    return setter


def _bot_text_getter(field: str) -> Callable[[SandboxState, Params], dict[str, str]]:
    def getter(state: SandboxState, params: Params) -> dict[str, str]:
        _, language = _scope_key({"language_code": params.get("language_code")})
        default = state.bot_first_name if field == "name" else ""
        return {field: state.bot_texts.get((field, language), default)}

    return getter


def get_me(state: SandboxState, params: Params) -> dict[str, Any]:
    """getMe."""
    return {
        **state.bot_user(),
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


# --------------------------------------------------------------------------- updates, webhook


async def get_updates(state: SandboxState, params: Params) -> list[dict[str, Any]]:
    """getUpdates (long polling)."""
    allowed = params.get("allowed_updates")
    if allowed is not None and not isinstance(allowed, list):
        raise bad_request("can't parse allowed_updates JSON object")
    return await state.get_updates(
        offset=params.get("offset"),
        limit=params.get("limit"),
        wait=params.get("timeout"),
        allowed_updates=allowed,
    )


_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")


def set_webhook(state: SandboxState, params: Params) -> bool:
    """setWebhook: updates are then POSTed to `url` (``bot.sandbox.webhook``), not polled.

    An empty url removes the webhook, as Telegram does. Like a local Bot API server, the
    sandbox accepts http:// URLs and any port (Telegram itself wants https on 443/80/88/8443).
    """
    url = str(params.get("url") or "")
    if not url:
        state.set_webhook(None, drop_pending=bool(params.get("drop_pending_updates")))
        return True
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise bad_request("bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443"
                          if parts.scheme else "bad webhook: Failed to resolve host")
    secret = params.get("secret_token")
    if secret is not None and not _SECRET_TOKEN.fullmatch(str(secret)):
        raise bad_request("secret token contains unallowed characters")
    connections = params.get("max_connections")
    if connections is None:
        connections = 40
    if not isinstance(connections, int) or not 1 <= connections <= 100:
        raise bad_request("bad webhook: max_connections must be between 1 and 100")
    allowed = params.get("allowed_updates")
    if allowed is not None:
        if not isinstance(allowed, list):
            raise bad_request("can't parse allowed_updates JSON object")
        state.allowed_updates = frozenset(allowed) if allowed else None
    state.set_webhook(Webhook(url, str(secret) if secret else None, connections),
                      drop_pending=bool(params.get("drop_pending_updates")))
    return True


def delete_webhook(state: SandboxState, params: Params) -> bool:
    """deleteWebhook: back to getUpdates (pending updates kept unless dropped)."""
    state.set_webhook(None, drop_pending=bool(params.get("drop_pending_updates")))
    return True


def get_webhook_info(state: SandboxState, params: Params) -> dict[str, Any]:
    """getWebhookInfo: the url ("" without a webhook), pending updates, the last error."""
    info: dict[str, Any] = {
        "url": state.webhook_url,
        "has_custom_certificate": False,
        "pending_update_count": len(state.updates),
    }
    hook = state.webhook
    if hook is not None:
        info["max_connections"] = hook.max_connections
        if hook.last_error_date is not None:
            info["last_error_date"] = hook.last_error_date
            info["last_error_message"] = hook.last_error_message
        if state.allowed_updates is not None:
            info["allowed_updates"] = sorted(state.allowed_updates)
    return info


def _true(state: SandboxState, params: Params) -> bool:
    """close / logOut: nothing to do locally."""
    return True


# --------------------------------------------------------------------------- registry


SyncHandler = Callable[[SandboxState, Params], Any]
AsyncHandler = Callable[[SandboxState, Params], Awaitable[Any]]


@dataclass(frozen=True, slots=True)
class Method:
    """A Bot API method: its canonical name (for stats) and implementation."""

    name: str
    handler: SyncHandler | None = None
    async_handler: AsyncHandler | None = None


def _registry() -> dict[str, Method]:
    sync: dict[str, SyncHandler] = {
        "getMe": get_me,
        "sendMessage": send_message,
        "sendPhoto": send_photo,
        "sendDocument": send_document,
        "editMessageText": edit_message_text,
        "editMessageCaption": edit_message_caption,
        "editMessageReplyMarkup": edit_message_reply_markup,
        "deleteMessage": delete_message,
        "answerCallbackQuery": answer_callback_query,
        "sendChatAction": send_chat_action,
        "getChat": get_chat,
        "getChatMember": get_chat_member,
        "getChatAdministrators": get_chat_administrators,
        "leaveChat": leave_chat,
        "setMyCommands": set_my_commands,
        "getMyCommands": get_my_commands,
        "deleteMyCommands": delete_my_commands,
        "setMyDescription": _bot_text_setter("description", 512),
        "getMyDescription": _bot_text_getter("description"),
        "setMyShortDescription": _bot_text_setter("short_description", 120),
        "getMyShortDescription": _bot_text_getter("short_description"),
        "setMyName": _bot_text_setter("name", 64),
        "getMyName": _bot_text_getter("name"),
        "setWebhook": set_webhook,
        "deleteWebhook": delete_webhook,
        "getWebhookInfo": get_webhook_info,
        "close": _true,
        "logOut": _true,
    }
    methods = {name.lower(): Method(name, handler=handler) for name, handler in sync.items()}
    methods["getupdates"] = Method("getUpdates", async_handler=get_updates)
    return methods


# Keyed by lower-case name: Telegram matches method names case-insensitively.
METHODS: dict[str, Method] = _registry()

"""The outbound path of a bot account (bot/delivery/outbound.py) with a plain in-memory `Sender`
(what each channel adapter implements): an interactive message is retried until it is sent, or
given up for a reason. Telegram's side is tested end to end through the sandbox."""

from __future__ import annotations

from collections import deque

import pytest

from bot.delivery.outbound import Conversation, Outbound, SendOutcome, Status, Undelivered
from bot.delivery.pacing import Pacer, Priority
from bot.message import ChatRef, Message, MessageRef, Notice, Photo, Text

CHAT = ChatRef("zalo", "u-1")


class ScriptedSender:
    """Answers each request with the next scripted outcome (then SENT), and records it."""

    channel = "zalo"

    def __init__(self, *script: SendOutcome) -> None:
        self.script = deque(script)
        self.calls: list[tuple[str, str, Message | Text]] = []

    def _next(self) -> SendOutcome:
        return self.script.popleft() if self.script else SendOutcome(Status.SENT)

    async def send(self, chat: ChatRef, message: Message, priority: Priority) -> SendOutcome:
        self.calls.append(("send", chat.id, message))
        outcome = self._next()
        if outcome.status is Status.SENT:
            return SendOutcome(Status.SENT, message_id=str(len(self.calls)), shown="shown")
        return outcome

    async def edit(self, target: MessageRef, message: Message,
                   priority: Priority) -> SendOutcome:
        self.calls.append(("edit", target.id, message))
        return self._next()

    async def answer(self, callback: str, text: Text, alert: bool) -> SendOutcome:
        self.calls.append(("answer", callback, text))
        return self._next()


def outbound(sender: ScriptedSender, **options: object) -> tuple[Outbound, list[float]]:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    pacer = Pacer(global_rate=None, private_interval=0, pause_margin=0)
    return Outbound(sender, pacer, sleep=sleep, **options), slept  # type: ignore[arg-type]


async def test_flood_control_is_waited_out_and_the_same_message_sent() -> None:
    sender = ScriptedSender(SendOutcome(Status.RETRY_AFTER, retry_after=0.01),
                            SendOutcome(Status.RETRY_AFTER, retry_after=0.01))
    out, _ = outbound(sender)
    message = Message(Text("Xin chào"))
    sent = await out.send(CHAT, message, group=False)
    assert sent == MessageRef(CHAT, "3", "shown")
    assert [c[2] for c in sender.calls] == [message] * 3
    assert out.flood_waits == 2


async def test_temporary_errors_are_retried_with_backoff_then_given_up() -> None:
    sender = ScriptedSender(*[SendOutcome(Status.TEMPORARY, reason="502")] * 2)
    out, slept = outbound(sender, retry_base=1.0)
    assert await out.send(CHAT, Message(Text("a")), group=False) is not None
    assert slept == [1.0, 2.0]
    broken = ScriptedSender(*[SendOutcome(Status.TEMPORARY, reason="502")] * 10)
    out, slept = outbound(broken, max_attempts=3)
    with pytest.raises(Undelivered, match="502"):
        await out.send(CHAT, Message(Text("a")), group=False)
    assert len(broken.calls) == 3


async def test_a_gone_chat_ends_quietly_and_a_refused_message_raises() -> None:
    out, _ = outbound(ScriptedSender(SendOutcome(Status.CHAT_GONE, reason="blocked")))
    assert await out.send(CHAT, Message(Text("a")), group=False) is None
    out, _ = outbound(ScriptedSender(SendOutcome(Status.PERMANENT, reason="too long")))
    with pytest.raises(Undelivered, match="too long"):
        await out.send(CHAT, Message(Text("a")), group=False)


async def test_a_migrated_chat_gets_it_at_its_new_id() -> None:
    moved: list[tuple[ChatRef, ChatRef]] = []

    async def on_migrated(old: ChatRef, new: ChatRef) -> None:
        moved.append((old, new))

    sender = ScriptedSender(SendOutcome(Status.MIGRATED, new_chat_id="u-2"))
    out, _ = outbound(sender, on_migrated=on_migrated)
    sent = await out.send(CHAT, Message(Text("a")), group=True)
    assert sent is not None
    assert sent.chat == ChatRef("zalo", "u-2")
    assert [c[1] for c in sender.calls] == ["u-1", "u-2"]
    assert moved == [(CHAT, ChatRef("zalo", "u-2"))]


async def test_a_photo_the_platform_refuses_gives_way_to_the_text() -> None:
    sender = ScriptedSender(SendOutcome(Status.PHOTO_REJECTED, reason="bad photo"))
    out, _ = outbound(sender)
    card = Message(Text("Tin"), photo=Photo("https://x.vn/a.jpg", "url"))
    assert await out.send(CHAT, card, group=False) is not None
    first, second = (c[2] for c in sender.calls)
    assert isinstance(first, Message)
    assert first.photo is not None
    assert isinstance(second, Message)
    assert second.photo is None
    assert second.text == card.text


async def test_a_conversation_answers_a_press_then_edits_then_sends() -> None:
    sender = ScriptedSender()
    out, _ = outbound(sender)
    pressed = MessageRef(CHAT, "41", "old")
    talk = Conversation(out, CHAT, group=False, arrival=7, callback="q1", pressed=pressed)
    sent = await talk.notice(Notice(Text("Đã lưu"), edit=Message(Text("mới")),
                                    send=Message(Text("thêm"))))
    assert [(kind, ref) for kind, ref, _ in sender.calls] == [("answer", "q1"), ("edit", "41"),
                                                              ("send", "u-1")]
    assert sent is not None
    without_callback = Conversation(out, CHAT, group=False, arrival=8)
    await without_callback.answer(Text("x"))  # nothing to answer: nothing sent
    assert len(sender.calls) == 3

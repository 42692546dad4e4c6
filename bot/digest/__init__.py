"""The daily digest: when a chat's digest is due (scheduler.py) and what it says (compose.py).

Channel-neutral; the chat side (settings, the "more" button) is bot/chat/reader.py and
bot/chat/digest.py, the SQL storage/digests.py. Digests go through the outbox like pushes.
"""

"""The Zalo adapter: everything that knows the Zalo Bot Platform (SPEC 5a), and the only package
that talks to its API.

No SDK: the Zalo Bot Platform's HTTP API is small and Telegram-like, and the one published Python
package (`python-zalo-bot` on PyPI) is a fork of an old python-telegram-bot whose webhook helpers
call `asyncio.run()` (which fails inside the running event loop this bot lives in) and which
points at an old API host. So the REST API is called directly with httpx (`client.py`).

- `client.py`: the REST client (`POST <base><token>/<method>`, the {ok, result, error_code,
  description} envelope, errors as exceptions; the token never in a log line or error);
- `sender.py`: the account's `Sender` (rendered messages as API calls, Zalo's answers as the
  channel-neutral `SendOutcome`s, numbered choices remembered per chat);
- `throttle.py`: Zalo's pacing (no published numbers: a configured rate, slowed by every 429);
- `incoming.py`: a Zalo update as the core's `Who`, and dispatching its text to the handlers
  (commands, numbered answers to the same button routes as Telegram's presses);
- `polling.py`: the getUpdates loop, feeding the inbox;
- `channel.py`: the assembly, plugging the account into the core and receiving updates by long
  polling or by webhook (the route itself is `bot/web/zalo.py`).
The rendering (plain text, numbered choices, 2,000 characters) is pure and lives in
`bot/render/zalo.py`.
"""

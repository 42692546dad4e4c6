"""Which sources are polled: the sources file (the starting list) combined with the changes
admins made from the chat (storage/chat_sources.py).

The rule, in order:
1. Every source of the file is used, unless a chat change of the same name says 'removed'
   (/removesource of a file source: it stays removed after a restart, although the file still
   lists it; `/addsource` of its URL brings it back under a new name).
2. Every source added from the chat ('added': a feed URL, with the category it forces, if any)
   is used, unless the file has a source of the same name: the file wins then (edit one or
   the other), and a log line says so.

So editing the file and restarting still works as before, and what admins change in the chat
survives restarts and reaches every process (each process reads the changes before each poll).
Sources added from the chat are always remote feeds (http/https): the chat can never make the
bot read a local file.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from bot.config import SourceConfig
from storage.chat_sources import ADDED, REMOVED, SourceChange

log = logging.getLogger(__name__)


def combine(file_sources: Sequence[SourceConfig], changes: Sequence[SourceChange]
            ) -> list[SourceConfig]:
    """The sources to poll (see the module docstring), file sources first."""
    removed = {c.name for c in changes if c.status == REMOVED}
    in_file = {s.name for s in file_sources}
    found = [s for s in file_sources if s.name not in removed]
    for change in changes:
        if change.status != ADDED or change.url is None:
            continue
        if change.name in in_file:
            log.warning("source %s is in the sources file and was also added from the chat: "
                        "the file's is used", change.name)
            continue
        try:
            found.append(SourceConfig(name=change.name, kind="rss", url=change.url,
                                      category=change.category))
        except ValueError as exc:  # a row this version cannot use: skip it, keep the others
            log.warning("source %s added from the chat is not usable: %s", change.name, exc)
    return found

"""/cluster (/cum): emulation-cluster leadership; /setcluster: an admin sets or corrects it.

/setcluster is an admin command: the adapter lets only admins reach it (anyone else is refused
politely, and logged), and the core checks again (`ClusterCommands.set_leadership`).
"""

from __future__ import annotations

from handlers import Command, Request, Route


async def cluster(req: Request) -> None:
    """Show the latest leadership of every cluster, a year's, or one cluster's."""
    # The raw text after the command: "|" separated parts keep their spaces.
    await req.out.reply(await req.core.cluster.show(req.who, req.argument))


async def setcluster(req: Request) -> None:
    """Set or correct a year's cluster leader or deputy (admins)."""
    await req.out.reply(await req.core.cluster.set_leadership(req.who, req.argument))


def routes() -> list[Route]:
    return [Command(("cluster", "cum"), cluster), Command(("setcluster",), setcluster, admin=True)]

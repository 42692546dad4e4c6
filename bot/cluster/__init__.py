"""Emulation clusters (cụm thi đua): who leads which cluster in which year, read from articles.

The reader is pure text processing, no storage and no chat library: `read_leadership` turns an
article's text into `Reading`s (a `LeadershipFact` with a confidence and its reasons), and
`extract_leadership` keeps the facts sure enough to show readers; `normalize_unit` and
`cluster_key` give units and clusters one spelling, so facts from different articles (and what
a user types) can be compared. `bot.cluster.scanner` (not imported here: it reads and writes
storage) runs the reader over stored articles.
"""

from bot.cluster.confidence import ASK, SHOW
from bot.cluster.extract import LeadershipFact, Reading, extract_leadership, read_leadership
from bot.cluster.lexicon import Role
from bot.cluster.units import canonical_cluster, cluster_key, normalize_unit

__all__ = [
    "ASK",
    "SHOW",
    "LeadershipFact",
    "Reading",
    "Role",
    "canonical_cluster",
    "cluster_key",
    "extract_leadership",
    "normalize_unit",
    "read_leadership",
]

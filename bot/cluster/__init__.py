"""Emulation clusters (cụm thi đua): who leads which cluster in which year, read from articles.

Pure text processing, no storage and no chat library: `extract_leadership` turns an article's
text into `LeadershipFact`s; `normalize_unit` and `cluster_key` give units and clusters one
spelling, so facts from different articles (and what a user types) can be compared.
"""

from bot.cluster.extract import LeadershipFact, Role, extract_leadership
from bot.cluster.units import canonical_cluster, cluster_key, normalize_unit

__all__ = [
    "LeadershipFact",
    "Role",
    "canonical_cluster",
    "cluster_key",
    "extract_leadership",
    "normalize_unit",
]

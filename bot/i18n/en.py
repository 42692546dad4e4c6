"""English texts: a complete translation of `vi`."""

TEXTS: dict[str, str] = {
    # Command line
    "cli.ingest.source": "{name}: {new} new, {seen} already stored, {errors} errors",
    "cli.ingest.total": "Total: {total} new articles",
    # Article card
    "card.read_original": "Read the original",
    "card.more": "Read more",
    "card.like": "👍",
    "card.meta": "{category} · {when}",
}

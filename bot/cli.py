"""The `newsbot` command line: run, demo, ingest, rescan-clusters, migrate, copy-db, sources
(OPML import and export), sandbox, --version.

Exit codes: 0 ok, 2 usage or configuration error (a bad setting, a missing or bad sources file,
a database file this version cannot use), 1 anything else — always with one line on stderr.
Each command imports what it needs when it runs, so `newsbot --help` stays fast.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections.abc import Sequence
from importlib import metadata

from bot.config import ConfigError, Settings, load_settings, load_sources
from bot.logs import configure_logging, redact
from storage.db import DatabaseError, WrongDatabaseError, password_of

log = logging.getLogger("newsbot")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newsbot",
        description="Bot tin tức MTTQ / news bot: run on Telegram, try the demo, ingest sources.",
    )
    parser.add_argument("-V", "--version", action="version", version=f"newsbot {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser("run", help="run the bot on Telegram and/or Zalo (long polling or webhook)")
    demo = sub.add_parser("demo", help="the bot on the bundled sample news, in a terminal chat")
    demo.add_argument("--channel", choices=("telegram", "zalo"), default="telegram",
                      help="the chat as a Telegram (default) or a Zalo reader sees it")
    ingest = sub.add_parser("ingest", help="pull every source once and store new articles")
    ingest.add_argument("--source", metavar="NAME", help="only this source")
    ingest.add_argument("--json", action="store_true", help="print one JSON object")
    sub.add_parser("rescan-clusters",
                   help="re-read every stored article for cluster leadership (after an upgrade)")
    sub.add_parser("migrate", help="bring the database's schema to this version (NEWSBOT_DATABASE)")
    copy = sub.add_parser("copy-db", help="copy an installation's SQLite database into an empty "
                                         "PostgreSQL database, verifying every table's count")
    copy.add_argument("source", metavar="SQLITE_PATH")
    copy.add_argument("target", metavar="POSTGRESQL_URL")
    copy.add_argument("--force", action="store_true",
                      help="copy even when the target already holds data (it is emptied first)")
    sources = sub.add_parser("sources", help="the news sources as OPML: import a list, export "
                                             "the sources polled")
    sources_sub = sources.add_subparsers(dest="sources_command", required=True,
                                         metavar="import|export")
    opml_in = sources_sub.add_parser(
        "import", help="add the feeds of an OPML file as sources (as /addsource would)")
    opml_in.add_argument("file", metavar="FILE")
    opml_in.add_argument("--folder-as-category", action="store_true",
                         help="a feed's OPML folder becomes the category it forces")
    opml_out = sources_sub.add_parser("export", help="print the sources polled as OPML")
    opml_out.add_argument("--output", "-o", metavar="FILE",
                          help="write to FILE instead of standard output")
    sandbox = sub.add_parser("sandbox", help="a local fake Telegram Bot API and Zalo Bot "
                                             "Platform for trying the bot")
    sandbox.add_argument("--host", default="127.0.0.1")
    sandbox.add_argument("--port", type=int, default=8081)
    sandbox.add_argument("--flood-limits", action="store_true",
                         help="enforce Telegram's rate limits (429 with retry_after)")
    sandbox.add_argument("--zalo-quota", type=float, default=None, metavar="PER_SECOND",
                         help="answer Zalo sends beyond this many per second with 429 "
                              "'Quota exceeded' (default: no quota)")
    return parser


def _version() -> str:
    """The installed package's version (pyproject.toml's, as pip recorded it)."""
    try:
        return metadata.version("newsbot")
    except metadata.PackageNotFoundError:  # run from a checkout that was never installed
        return "(not installed)"


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # --help, --version (0) and usage errors (2): argparse printed
        return exc.code if isinstance(exc.code, int) else 2
    secrets: list[str] = []
    for value in vars(args).values():  # a database URL given on the command line
        if isinstance(value, str) and (password := password_of(value)):
            secrets.append(password)
    try:
        settings = load_settings()
        secrets.extend(settings.secrets())
        level = settings.log_level
        if args.command == "demo" and "log_level" not in settings.model_fields_set:
            level = "WARNING"  # the demo's terminal is the chat: keep log lines out of it
        configure_logging(level, secrets)
        for note in settings.notes:  # deprecated settings that were migrated
            log.warning("%s", note)
        if args.command == "run":
            from bot.run import run

            # Without a channel or its sources the bot would have nothing to do: refuse (exit
            # 2) before anything is started, as for any other configuration error.
            if settings.bot_token is None and not settings.zalo_enabled:
                settings.token()  # names NEWSBOT_BOT_TOKEN (or set NEWSBOT_ZALO_BOT_TOKEN)
            load_sources(settings.sources_file)
            run(settings)
            return 0
        return asyncio.run(_dispatch(args, settings))
    except ConfigError as exc:
        print(f"newsbot: {exc}", file=sys.stderr)
        return 2
    except WrongDatabaseError as exc:  # NEWSBOT_DATABASE names the wrong file
        print(f"newsbot: NEWSBOT_DATABASE: {exc}", file=sys.stderr)
        return 2
    except DatabaseError as exc:
        print(f"newsbot: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    except Exception as exc:
        log.debug("fatal error", exc_info=True)
        print(redact(f"newsbot: {type(exc).__name__}: {exc}", secrets), file=sys.stderr)
        return 1


async def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "ingest":
        return await _ingest(settings, only=args.source, as_json=args.json)
    if args.command == "rescan-clusters":
        return await _rescan_clusters(settings)
    if args.command == "migrate":
        return await _migrate(settings)
    if args.command == "copy-db":
        return await _copy_db(settings, args.source, args.target, force=args.force)
    if args.command == "sources":
        if args.sources_command == "import":
            return await _sources_import(settings, args.file,
                                         folder_as_category=args.folder_as_category)
        return await _sources_export(settings, args.output)
    if args.command == "sandbox":
        from bot.sandbox import serve_forever

        await serve_forever(args.host, args.port, args.flood_limits, zalo_quota=args.zalo_quota)
        return 0
    if args.command == "demo":
        from bot.demo import run_demo

        return await run_demo(settings, channel=args.channel)
    raise AssertionError(args.command)


async def _ingest(settings: Settings, *, only: str | None, as_json: bool) -> int:
    from bot.i18n import t
    from bot.ingest.fetch import make_client
    from bot.ingest.pipeline import Ingestor
    from storage.db import open_database

    source_configs = load_sources(settings.sources_file)
    db = await open_database(settings.database)
    try:
        async with make_client(settings.fetch_timeout) as http:
            from bot.cluster.scanner import ClusterScanner

            ingestor = Ingestor(db, source_configs, settings, http,
                                after_store=[ClusterScanner(settings.tz).after_store])
            # The sources file with the changes made from the chat (/addsource...).
            polled = await ingestor.reload_sources()
            if only is not None and only not in {s.name for s in polled}:
                names = ", ".join(s.name for s in polled)
                raise ConfigError(f"--source: no source named {only!r} (known: {names})")
            # A manual ingest means "now": back-off applies to the scheduler only.
            report = await ingestor.run_once(only=only, respect_backoff=False)
    finally:
        await db.close()
    if as_json:
        print(json.dumps(report.as_json(), ensure_ascii=False))
    else:
        lang = settings.default_language
        for src in report.sources:
            print(t(lang, "cli.ingest.source", name=src.name, new=src.new, seen=src.seen,
                    errors=len(src.errors)))
            for error in src.errors:
                print(f"    ! {error}")
        print(t(lang, "cli.ingest.total", total=report.new_total))
    return 1 if any(s.errors and not s.new and not s.seen for s in report.sources) else 0


async def _rescan_clusters(settings: Settings) -> int:
    """Re-extract cluster leadership from every stored article, with progress on stderr."""
    from bot.cluster.scanner import ClusterScanner
    from bot.i18n import t
    from storage.db import open_database

    lang = settings.default_language
    last_shown = -1.0

    def progress(done: int, total: int) -> None:
        nonlocal last_shown
        share = done / total if total else 1.0
        if done == total or share - last_shown >= 0.05:  # every 5%, and the end
            last_shown = share
            print(t(lang, "cli.rescan.progress", done=done, total=total), file=sys.stderr,
                  flush=True)

    db = await open_database(settings.database)
    try:
        report = await ClusterScanner(settings.tz).rescan(db, progress)
    finally:
        await db.close()
    print(t(lang, "cli.rescan.done", articles=report.articles, facts=report.facts))
    return 0


async def _migrate(settings: Settings) -> int:
    """Apply the migrations this version has and the database lacks (also done by `run`)."""
    from storage.db import migrate_database, without_password

    before, after = await migrate_database(settings.database)
    where = without_password(str(settings.database))
    if before == after:
        print(f"{where}: schema version {after}, nothing to migrate")
    else:
        print(f"{where}: migrated from schema version {before} to {after}")
    return 0


async def _copy_db(settings: Settings, source: str, target: str, *, force: bool) -> int:
    """Copy a SQLite installation into PostgreSQL, table by table, with progress on stderr and
    every table's count verified."""
    from pathlib import Path

    from storage.copy import copy_database

    def progress(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    report = await copy_database(Path(source), target, force=force, progress=progress)
    for table, count in report.counts.items():
        print(f"{table}: {count}")
    print(f"copied {report.total} rows in {len(report.counts)} tables, every count verified "
          f"({report.seconds:.1f} s)")
    return 0


async def _sources_import(settings: Settings, file: str, *, folder_as_category: bool) -> int:
    """Add the http(s) feeds of an OPML file as sources (stored like /addsource's)."""
    import time
    from pathlib import Path

    from bot.admin.source_changes import import_feeds
    from bot.i18n import t
    from bot.ingest.opml import OpmlError, parse_opml
    from bot.message import UserRef
    from storage.db import open_database

    try:
        data = await asyncio.to_thread(Path(file).read_bytes)
    except OSError as exc:
        raise ConfigError(f"{file}: cannot read: {exc.strerror or exc}") from None
    try:
        feeds, skipped = parse_opml(data)
    except OpmlError as exc:
        raise ConfigError(f"{file}: {exc}") from None
    file_sources = load_sources(settings.sources_file)
    db = await open_database(settings.database)
    try:
        report = await import_feeds(db, file_sources, feeds, admin=UserRef("cli", "import"),
                                    now=int(time.time()), folder_as_category=folder_as_category)
    finally:
        await db.close()
    lang = settings.default_language
    print(t(lang, "cli.sources.imported", count=len(report.added),
            names=", ".join(report.added) or "—"))
    print(t(lang, "cli.sources.known", count=len(report.known)))
    refused = skipped + report.refused
    print(t(lang, "cli.sources.refused", count=len(refused)))
    for line in refused:
        print(f"    ! {line}")
    return 0


async def _sources_export(settings: Settings, output: str | None) -> int:
    """Print (or write) the sources polled now as OPML."""
    from pathlib import Path

    from bot.admin.source_changes import export_document
    from storage.db import open_database

    file_sources = load_sources(settings.sources_file)
    db = await open_database(settings.database)
    try:
        document, _, left_out = await export_document(db, file_sources,
                                                      title=settings.organisation)
    finally:
        await db.close()
    if output:
        await asyncio.to_thread(Path(output).write_bytes, document.content)
    else:
        sys.stdout.write(document.content.decode("utf-8"))
        sys.stdout.flush()
    if left_out:
        print(f"newsbot: {left_out} source(s) without a URL (archives, local files) are not "
              "in the OPML", file=sys.stderr)
    return 0

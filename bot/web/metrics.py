"""Prometheus metrics (``GET /metrics``), in a registry of their own per web app.

Two kinds of figures:
- read from the database at scrape time (they survive restarts and hold for every process of a
  shared database): articles ingested and errors per source, each source's health, the push
  queue length, the last successful push, updates waiting in the inbox, and the health verdict;
- counted by this process as things happen, through the delivery worker's observer
  (`bot.delivery.observer`): deliveries by final status, send requests by outcome and their
  duration, 429s (flood control), and webhook updates received (new and repeated).

The registry is not prometheus_client's global one, so two bots (or tests) in one process never
share counters, and nothing is registered at import time.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from bot.web.health import HealthReport

# Send requests take tens of milliseconds; a slow Bot API or a timeout shows in the top buckets.
SEND_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


@dataclass(frozen=True, slots=True)
class SourceFigures:
    name: str
    articles: int
    errors: int
    ok: bool
    last_success_at: int | None


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What the database said at the start of a scrape."""

    health: HealthReport
    sources: tuple[SourceFigures, ...] = ()
    inbox_unhandled: dict[str, int] = field(default_factory=dict)
    # Counted by this process: channel -> (new updates stored, repeats ignored).
    updates_received: dict[str, tuple[int, int]] = field(default_factory=dict)


class _DatabaseCollector(Collector):
    """Yields the latest `Snapshot` as metric families."""

    def __init__(self) -> None:
        self.snapshot: Snapshot | None = None

    def collect(self) -> Iterator[Metric]:
        snap = self.snapshot
        if snap is None:
            return
        updates = CounterMetricFamily("newsbot_updates_received", "Updates received by webhook "
                                      "by this process: new ones, and repeats ignored",
                                      labels=["channel", "kind"])
        for channel, (new, repeats) in sorted(snap.updates_received.items()):
            updates.add_metric([channel, "new"], new)
            updates.add_metric([channel, "repeat"], repeats)
        yield updates
        f = snap.health.figures
        healthy = GaugeMetricFamily("newsbot_healthy", "1 when /healthz answers 200, else 0")
        healthy.add_metric([], 1.0 if snap.health.ok else 0.0)
        yield healthy
        database = GaugeMetricFamily("newsbot_database_up", "1 when the database answers")
        database.add_metric([], 1.0 if f.database_ok else 0.0)
        yield database
        if not f.database_ok:
            return
        queue = GaugeMetricFamily("newsbot_delivery_queue_length",
                                  "Deliveries waiting to be sent (push, broadcast, digest)")
        queue.add_metric([], f.queue)
        yield queue
        if f.last_push_at is not None:
            push = GaugeMetricFamily("newsbot_last_push_timestamp_seconds",
                                     "Unix time of the latest successful delivery")
            push.add_metric([], f.last_push_at)
            yield push
        articles = CounterMetricFamily("newsbot_articles_ingested",
                                       "New articles stored, per source", labels=["source"])
        errors = CounterMetricFamily("newsbot_source_errors",
                                     "Failed polls and unreadable files, per source",
                                     labels=["source"])
        up = GaugeMetricFamily("newsbot_source_up", "1 when the source's latest poll worked",
                               labels=["source"])
        success = GaugeMetricFamily("newsbot_source_last_success_timestamp_seconds",
                                    "Unix time of the source's latest successful poll",
                                    labels=["source"])
        for src in snap.sources:
            articles.add_metric([src.name], src.articles)
            errors.add_metric([src.name], src.errors)
            up.add_metric([src.name], 1.0 if src.ok else 0.0)
            if src.last_success_at is not None:
                success.add_metric([src.name], src.last_success_at)
        yield from (articles, errors, up, success)
        inbox = GaugeMetricFamily("newsbot_inbox_unhandled",
                                  "Updates received and not handled yet", labels=["channel"])
        for channel, count in sorted(snap.inbox_unhandled.items()):
            inbox.add_metric([channel], count)
        yield inbox


class BotMetrics:
    """The bot's metrics: a per-app registry, the worker's observer, the scrape's text."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.deliveries = Counter("newsbot_deliveries", "Deliveries ended by this process, by "
                                  "status (pending = rescheduled after a temporary error)",
                                  ["status"], registry=self.registry)
        self.send_requests = Counter("newsbot_send_requests", "Send requests to the chat "
                                     "platform, by outcome", ["outcome"], registry=self.registry)
        self.send_seconds = Histogram("newsbot_send_duration_seconds",
                                      "Duration of one send request", buckets=SEND_BUCKETS,
                                      registry=self.registry)
        self.rate_limited = Counter("newsbot_rate_limited", "429 answers (flood control) to "
                                    "send requests", registry=self.registry)
        self._database = _DatabaseCollector()
        self.registry.register(self._database)

    # -- bot.delivery.observer.DeliveryObserver ------------------------------------------------

    def on_send(self, outcome: str, seconds: float) -> None:
        self.send_requests.labels(outcome).inc()
        self.send_seconds.observe(seconds)
        if outcome == "retry_after":
            self.rate_limited.inc()

    def on_result(self, status: str) -> None:
        self.deliveries.labels(status).inc()

    # -- scraping ------------------------------------------------------------------------------

    def render(self, snapshot: Snapshot) -> bytes:
        """The Prometheus text format, with `snapshot` as the database figures."""
        self._database.snapshot = snapshot
        return generate_latest(self.registry)

"""The node's operating figures in Prometheus' text format, for `/metrics`.

What a monitoring system scrapes every few seconds: the cameras this node records and their
state, frames received and lost, stream bytes, reconnections, HTTP requests and their
latency by route, and the process' own CPU, memory and open files. Counts only: no camera
names, images, plates or log records. Reading them passes the policy gate
(`platform.metrics`: the platform administrator, or a machine token with scope
`metrics:read`); a refusal is recorded, a granted scrape is not (it looks at nothing).
The figures are read from the running services at each scrape; only the HTTP ones are
kept here, counted by the web layer's middleware.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Histogram, ProcessCollector, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy.orm import Session

from belfort import __version__
from belfort.media.service import MediaService
from belfort.policy import Action, Actor, PolicyGate

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
STATES = ("starting", "connecting", "online", "offline")
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class _Recording(Collector):
    """The cameras this node records, read from their ingests at each scrape."""

    def __init__(self, media: MediaService) -> None:
        self.media = media

    def collect(self) -> Iterator[Metric]:
        ingests = self.media.ingests()
        states = Counter(ingest.status.state for ingest in ingests)
        by_state = GaugeMetricFamily("belfort_cameras", "Cameras this node records, by stream state.", labels=["state"])
        for state in (*STATES, *sorted(set(states) - set(STATES))):
            by_state.add_metric([state], states.get(state, 0))
        yield by_state
        yield GaugeMetricFamily("belfort_cameras_recording", "Cameras this node records.", value=len(ingests))
        totals = {
            "frames_received": sum(ingest.status.frames_total for ingest in ingests),
            "frames_lost": sum(ingest.frames_lost() for ingest in ingests),
            "stream_bytes_received": sum(ingest.status.bytes_total for ingest in ingests),
            "camera_reconnects": sum(ingest.status.reconnects for ingest in ingests),
        }
        helps = {
            "frames_received": "Frames received from the cameras this node records.",
            "frames_lost": "Frames the cameras sent that could not be recorded (a packet was lost).",
            "stream_bytes_received": "Video bytes received from the cameras this node records.",
            "camera_reconnects": "Times a camera's stream was opened again after it failed or ended.",
        }
        for name, value in totals.items():
            yield CounterMetricFamily(f"belfort_{name}", helps[name], value=value)
        info = GaugeMetricFamily("belfort_build_info", "The Belfort version this node runs.", labels=["version"])
        info.add_metric([__version__], 1)
        yield info


class MetricsService:
    """The registry a node's `/metrics` answers from, and the gate in front of it."""

    def __init__(self, gate: PolicyGate, media: MediaService) -> None:
        self.gate = gate
        self.registry = CollectorRegistry(auto_describe=True)
        self.registry.register(_Recording(media))
        ProcessCollector(registry=self.registry)
        self.http_latency = Histogram(
            "belfort_http_request_duration_seconds",
            "Time to answer an HTTP request, by method, route and status class.",
            ["method", "route", "status"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )

    def observe_http(self, method: str, route: str, status: int, seconds: float) -> None:
        """One answered request; `route` is the route's template (`/api/cameras/{ref}`), never
        the path asked, so that the figures stay few whatever is asked."""
        self.http_latency.labels(method, route, f"{status // 100}xx").observe(seconds)

    def render(self, session: Session, actor: Actor) -> bytes:
        """The figures in Prometheus' text format, for who may read them."""
        self.gate.require_function(session, actor, "metrics", Action.READ_METRICS)
        return generate_latest(self.registry)

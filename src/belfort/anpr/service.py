"""The ANPR capability as the rest of Belfort sees it: hotlists, reads, search, sections.

`app.py` builds one `AnprService`; its parts keep their own rules (see their modules).
`start` clears what an interrupted hotlist import left, compiles the hotlists, keeps them
compiled as they change, watches hotlist files, erases reads and hits past their retention
once an hour, and sends webhooks; `stop` ends those threads.
"""

from __future__ import annotations

import logging
import threading

from belfort.anpr.hotlists import HotlistService
from belfort.anpr.images import ImageStore
from belfort.anpr.pictures import ReadPictures
from belfort.anpr.reads import ReadService
from belfort.anpr.search import PlateSearch
from belfort.anpr.sections import SectionService
from belfort.anpr.webhooks import WebhookSender
from belfort.cameras.service import CameraService
from belfort.db import Database
from belfort.events import EventBus
from belfort.keys import SignedLinks
from belfort.policy import PolicyGate
from belfort.settings import Settings
from belfort.timeutil import Clock, utcnow

log = logging.getLogger(__name__)

PURGE_SECONDS = 3600.0


class AnprService:
    def __init__(
        self,
        settings: Settings,
        db: Database,
        gate: PolicyGate,
        cameras: CameraService,
        bus: EventBus,
        links: SignedLinks,
        clock: Clock = utcnow,
    ) -> None:
        self.settings = settings
        self.db = db
        self.links = links
        self.images = ImageStore(settings.data_dir / "anpr", settings.anpr.max_image_kb * 1024)
        self.hotlists = HotlistService(
            db, gate, clock, settings.anpr.hotlist_dirs or [settings.data_dir / "hotlists"], settings.zone
        )
        self.reads = ReadService(gate, cameras, self.hotlists, self.images, bus, clock)
        self.search = PlateSearch(gate, cameras, clock)
        self.pictures = ReadPictures(gate, self.images, links)
        self.sections = SectionService(gate, cameras, clock)
        self.webhooks = WebhookSender(settings.anpr.webhooks, settings.site_name, settings.language, settings.zone)
        self.reads.listeners.append(self.webhooks)
        self._stop = threading.Event()
        self._purger: threading.Thread | None = None

    def start(self, watch_seconds: float = 10.0) -> None:
        self.hotlists.remove_stale_generations()
        self.hotlists.build_all()
        self.hotlists.start(watch_seconds)
        self._purger = threading.Thread(target=self._purge_loop, name="anpr-retention", daemon=True)
        self._purger.start()

    def purge(self) -> tuple[int, int]:
        """Erase reads and hits past retention now; (reads, hits) erased."""
        with self.db.session() as session:
            return self.reads.purge(
                session, self.settings.anpr.read_retention_days, self.settings.anpr.hit_retention_days
            )

    def _purge_loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.purge()
            except Exception:
                log.exception("ANPR retention failed")
            self._stop.wait(PURGE_SECONDS)

    def stop(self) -> None:
        self._stop.set()
        self.hotlists.stop()
        self.webhooks.stop()
        if self._purger is not None:
            self._purger.join(timeout=5)

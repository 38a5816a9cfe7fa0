"""Composition root: builds the services from settings and hands them to the web app.

This is the only module that knows which implementation serves which role; services
receive their collaborators as arguments. Start-up applies database migrations.
"""

from __future__ import annotations

from dataclasses import dataclass

from belfort.anpr.camera_reader import reader_factory
from belfort.anpr.service import AnprService
from belfort.audit import AuditLog
from belfort.auth.service import AccountService
from belfort.cameras.service import CameraService
from belfort.datadir import prepare_data_folders
from belfort.db import Database
from belfort.events import EventBus
from belfort.evidence.service import ExportService
from belfort.evidence.signing import SigningKey
from belfort.keys import SiteKeys
from belfort.media.service import MediaService
from belfort.policy import PolicyGate, PolicyRules
from belfort.retention.holds import HoldService
from belfort.retention.sweeper import RetentionSweeper
from belfort.settings import Settings
from belfort.timeutil import Clock, utcnow


@dataclass
class Services:
    settings: Settings
    db: Database
    clock: Clock
    audit: AuditLog
    gate: PolicyGate
    accounts: AccountService
    cameras: CameraService
    holds: HoldService
    media: MediaService
    keys: SiteKeys
    exports: ExportService
    bus: EventBus
    anpr: AnprService
    sweeper: RetentionSweeper | None = None

    def start_recording(self) -> None:
        """Open storage, recover after a crash, record every enabled camera and sweep retention."""
        self.media.start()
        assert self.media.storage is not None
        budget = int(self.settings.recording.size_budget_gb * 1024**3)
        self.sweeper = RetentionSweeper(self.db, self.gate, self.media.storage, budget, self.clock)
        self.sweeper.start(self.settings.recording.sweep_interval_seconds)

    def close(self) -> None:
        self.exports.stop()
        self.anpr.stop()
        if self.sweeper is not None:
            self.sweeper.stop()
        self.media.stop()
        self.db.dispose()


def policy_rules(settings: Settings) -> PolicyRules:
    return PolicyRules(
        administrative_consult_days=settings.policy.administrative_consult_days,
        police_max_retention_days=settings.policy.police_max_retention_days,
        justification_min_length=settings.policy.justification_min_length,
    )


def build_services(settings: Settings, clock: Clock = utcnow, migrate: bool = True) -> Services:
    """Open the data folder (refusing one others may open) and the database (migrating it)
    and wire the services."""
    prepare_data_folders(settings)
    db = Database(
        settings.database_url, echo=settings.database.echo, busy_timeout=settings.database.busy_timeout_seconds
    )
    if migrate:
        db.migrate()
    audit = AuditLog(clock)
    gate = PolicyGate(audit, policy_rules(settings), clock)
    cameras = CameraService(gate, settings.policy, clock)
    holds = HoldService(gate, clock)
    media = MediaService(settings, db, clock)
    bus = EventBus()
    anpr = AnprService(settings, db, gate, cameras, bus, clock)
    media.analysers.append(reader_factory(settings.anpr, db, anpr.reads))
    services = Services(
        settings=settings,
        db=db,
        clock=clock,
        audit=audit,
        gate=gate,
        accounts=AccountService(gate, audit, settings.security, clock),
        cameras=cameras,
        holds=holds,
        media=media,
        keys=SiteKeys(settings.data_dir),
        exports=ExportService(
            db,
            gate,
            cameras,
            holds,
            media,
            SigningKey(settings.data_dir),
            settings.data_dir / "exports",
            settings.site_name,
            clock,
        ),
        bus=bus,
        anpr=anpr,
    )
    services.media.load_storage_areas()
    return services

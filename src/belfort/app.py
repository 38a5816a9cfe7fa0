"""Composition root: builds the services from settings and hands them to the web app.

This is the only module that knows which implementation serves which role; services
receive their collaborators as arguments. Start-up applies database migrations.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from belfort.alarms.incidents import IncidentService
from belfort.alarms.intake import AlarmIntake
from belfort.alarms.motion import MotionAlarms
from belfort.alarms.premises import PremisesService
from belfort.alarms.receiver import AlarmReceiver, SupervisionWatch
from belfort.alarms.status import ReceiverReports
from belfort.anpr.camera_reader import reader_factory
from belfort.anpr.service import AnprService
from belfort.anpr.webhooks import WebhookSender
from belfort.audit import AuditLog
from belfort.auth.service import AccountService
from belfort.cameras.groups import GroupService
from belfort.cameras.service import CameraService
from belfort.cluster.nodes import NodeService
from belfort.datadir import prepare_data_folders
from belfort.db import Database
from belfort.dpo.subject_requests import SubjectRequestService
from belfort.events import EventBus, NatsBus
from belfort.evidence.service import ExportService
from belfort.evidence.signing import SigningKey
from belfort.governance.biometrics import Biometrics
from belfort.governance.review import AuditReview
from belfort.judicial.authorisations import AuthorisationService, find_term
from belfort.judicial.drones import DroneMissions
from belfort.keys import CredentialBox, SignedLinks
from belfort.media.service import MediaService
from belfort.metrics import MetricsService
from belfort.policy import PolicyGate, PolicyRules
from belfort.retention.holds import HoldService
from belfort.retention.sweeper import RetentionSweeper
from belfort.settings import Settings
from belfort.sharing.grants import GrantService
from belfort.sharing.requests import RequestService, describe_request
from belfort.sharing.use import UseService
from belfort.staffing.designations import DesignationService
from belfort.staffing.shifts import ShiftService
from belfort.staffing.supervision import SupervisionService
from belfort.timeutil import Clock, utcnow
from belfort.transparency.processing import ProcessingRegister
from belfort.transparency.register import RegisterService
from belfort.transparency.report import AnnualReportService
from belfort.viewing.live import LapsedStreamWatch, LiveViewing
from belfort.viewing.playback import Playback
from belfort.wall.service import WallService


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
    links: SignedLinks
    live: LiveViewing
    playback: Playback
    review: AuditReview
    biometrics: Biometrics
    wall: WallService
    exports: ExportService
    bus: EventBus | NatsBus
    anpr: AnprService
    groups: GroupService
    grants: GrantService
    camera_use: UseService
    authorisations: AuthorisationService
    drone_missions: DroneMissions
    requests: RequestService
    premises: PremisesService
    incidents: IncidentService
    intake: AlarmIntake
    alarm_status: ReceiverReports
    designations: DesignationService
    shifts: ShiftService
    supervisor_board: SupervisionService
    register: RegisterService
    processing_register: ProcessingRegister
    subject_requests: SubjectRequestService
    annual_report: AnnualReportService
    metrics: MetricsService
    nodes: NodeService
    sweeper: RetentionSweeper | None = None
    lapsed_streams: LapsedStreamWatch | None = None
    receiver: AlarmReceiver | None = None
    supervision: SupervisionWatch | None = None

    def start_recording(self) -> None:
        """Open storage, recover after a crash, record every enabled camera and sweep retention."""
        self.media.start()
        assert self.media.storage is not None
        budget = int(self.settings.recording.size_budget_gb * 1024**3)
        self.sweeper = RetentionSweeper(
            self.db, self.gate, self.media.storage, self.settings.policy, budget, self.clock
        )
        self.sweeper.start(self.settings.recording.sweep_interval_seconds)
        self._watch_lapsed_streams()

    def _watch_lapsed_streams(self) -> None:
        """End live streams whose grant no longer holds, on every node that serves viewers."""
        if self.lapsed_streams is None:
            self.lapsed_streams = LapsedStreamWatch(self.db, self.live)
            self.lapsed_streams.start()

    def start_alarms(self) -> None:
        """Listen for DC-09 alarms (when configured) and watch supervision and incidents' grants."""
        alarms = self.settings.alarms
        if alarms.receiver:
            self.receiver = AlarmReceiver(
                alarms.host, alarms.tcp_port, alarms.udp_port, self.premises, self.intake, self.clock
            )
            with contextlib.suppress(OSError):  # the status page and the log say why; the rest serves on
                self.receiver.start()
        self.supervision = SupervisionWatch(
            self.intake, alarms.supervision_grace_seconds, alarms.receipt_days, alarms.check_seconds
        )
        self.supervision.start()

    def start_node(self) -> None:
        """Say, every few seconds, that this node runs and how it fares (`belfort.cluster`);
        a web node follows the states other nodes announce of the cameras they record."""
        self.nodes.start()
        if "web" in self.settings.node.roles:
            self.media.board.follow(self.bus)
            self._watch_lapsed_streams()

    def close(self) -> None:
        self.nodes.stop()
        self.media.board.stop()
        if self.receiver is not None:
            self.receiver.stop()
        if self.supervision is not None:
            self.supervision.stop()
        self.exports.stop()
        self.requests.webhooks.stop()
        self.anpr.stop()
        if self.sweeper is not None:
            self.sweeper.stop()
        if self.lapsed_streams is not None:
            self.lapsed_streams.stop()
        self.media.stop()
        self.bus.close()
        self.db.dispose()


def policy_rules(settings: Settings) -> PolicyRules:
    return PolicyRules(
        administrative_consult_days=settings.policy.administrative_consult_days,
        police_max_retention_days=settings.policy.police_max_retention_days,
        justification_min_length=settings.policy.justification_min_length,
        zone=settings.zone,
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
    gate = PolicyGate(audit, policy_rules(settings), clock, authorisations=find_term)
    accounts = AccountService(gate, audit, settings.security, clock)
    cameras = CameraService(gate, settings.policy, CredentialBox(settings.data_dir), clock)
    with db.session() as session:
        cameras.move_credentials(session)
    holds = HoldService(gate, cameras, settings.policy, clock, settings.zone)
    media = MediaService(settings, db, cameras, clock)
    links = SignedLinks(settings.data_dir, clock)
    designations = DesignationService(gate, settings.staffing, settings.zone, clock)
    shifts = ShiftService(gate, settings.staffing, settings.zone, clock)
    live = LiveViewing(gate, cameras, accounts, media.live, designations, clock, media, links)
    bus = NatsBus(settings.bus.url, settings.node.name) if settings.bus.url else EventBus()
    anpr = AnprService(settings, db, gate, cameras, bus, links, clock)
    media.analysers.append(reader_factory(settings.anpr, db, anpr.reads))
    groups = GroupService(gate, cameras, clock)
    exports = ExportService(
        db,
        gate,
        cameras,
        holds,
        media,
        SigningKey(settings.data_dir),
        settings.data_dir / "exports",
        settings.site_name,
        clock,
        settings.zone,
    )
    grants = GrantService(gate, cameras, groups, bus, live.stop_under_grant, clock)
    webhooks = WebhookSender(
        settings.sharing.webhooks,
        settings.site_name,
        settings.language,
        settings.zone,
        describe=describe_request,
        name="sharing-webhooks",
    )
    requests = RequestService(
        gate, groups, grants, exports, bus, webhooks, settings.policy.administrative_consult_days, clock
    )
    premises = PremisesService(gate, cameras, CredentialBox(settings.data_dir), db, clock)
    incidents = IncidentService(gate, premises, bus, live.stop_under_grant, clock)
    media.analysers.append(MotionAlarms(db, incidents).for_camera)
    playback = Playback(gate, cameras, media, links, settings.policy, clock)
    services = Services(
        settings=settings,
        db=db,
        clock=clock,
        audit=audit,
        gate=gate,
        accounts=accounts,
        cameras=cameras,
        holds=holds,
        media=media,
        links=links,
        live=live,
        playback=playback,
        review=AuditReview(gate, audit, live),
        biometrics=Biometrics(gate),
        metrics=MetricsService(gate, media),
        nodes=NodeService(gate, db, media, settings.node, clock),
        wall=WallService(gate, cameras, clock),
        exports=exports,
        bus=bus,
        anpr=anpr,
        groups=groups,
        grants=grants,
        camera_use=UseService(gate, live),
        authorisations=AuthorisationService(gate, cameras, clock),
        drone_missions=DroneMissions(gate, cameras, media, settings.recording.segment_seconds, clock),
        requests=requests,
        premises=premises,
        incidents=incidents,
        intake=AlarmIntake(db, gate, premises, incidents, clock),
        alarm_status=ReceiverReports(gate, premises),
        designations=designations,
        shifts=shifts,
        supervisor_board=SupervisionService(
            gate, designations, shifts, live.streams_open, settings.staffing, settings.zone, clock
        ),
        register=RegisterService(gate, cameras, clock),
        processing_register=ProcessingRegister(gate, cameras, settings, settings.zone, clock),
        subject_requests=SubjectRequestService(gate, cameras, playback, exports, settings.dpo, settings.zone, clock),
        annual_report=AnnualReportService(
            gate, links, settings.policy, settings.anpr, settings.site_name, settings.zone, clock
        ),
    )
    services.media.load_storage_areas()
    media.leases.recorders = services.nodes.live_recorders
    media.remote_areas = services.nodes.remote_areas
    media.bus = bus
    media.node_address = services.nodes.node_address
    media.links = links
    return services

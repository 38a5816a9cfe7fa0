"""Configuration: one TOML file plus environment overrides, validated once at start.

Sources, later wins: built-in defaults, the TOML file (`--config FILE` or `BELFORT_CONFIG`),
environment variables `BELFORT_<SECTION>__<KEY>` (for example `BELFORT_SERVER__PORT=9000`),
then command-line flags such as `--data`. A bad value never reaches the services: loading
raises `SettingsError` naming the key and what it expects.
"""

from __future__ import annotations

import ipaddress
import os
import re
import socket
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from belfort.i18n import LANGUAGES, is_language
from belfort.law import FACE_RECOGNITION_FORBIDDEN, asks_for_face_recognition

ENV_PREFIX = "BELFORT_"
DEFAULT_DATA_DIR = Path("./belfort-data")


class SettingsError(Exception):
    """A configuration problem a person must fix: the message names the key."""


class FaceRecognitionAsked(SettingsError):
    """A configuration that asks for face recognition, face search or biometric matching:
    refused by law whatever its value. `settings` are the rest of the configuration, valid,
    so that the command can record the refusal in the site's audit log before it stops."""

    def __init__(self, message: str, keys: list[str], settings: Settings) -> None:
        super().__init__(message)
        self.keys = keys
        self.settings = settings


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class ServerSettings(_Section):
    host: str = "127.0.0.1"
    port: Annotated[int, Field(ge=1, le=65535)] = 8080
    secure_cookies: bool = False
    """Mark the session cookie Secure; set true whenever Belfort is served over HTTPS."""
    log_format: Literal["text", "json"] = "text"
    """How the process writes its log on stderr: lines for a person, or one JSON object a line
    for a log collector (docs/logs.md)."""
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    trusted_proxies: list[str] = Field(default_factory=list)
    """Addresses or networks of the reverse proxies in front of Belfort. Only from these is
    `X-Forwarded-For` believed; sign-in throttling counts per client address, so behind a
    proxy this must name it. Empty: the connecting address is the client."""

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        return [part.strip() for part in value.split(",") if part.strip()] if isinstance(value, str) else value

    @field_validator("trusted_proxies")
    @classmethod
    def _addresses(cls, value: list[str]) -> list[str]:
        for entry in value:
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(
                    f"'{entry}' is not an IP address or network; write it like 10.0.0.2, 10.0.0.0/24 or fd00::/8"
                ) from None
        return value


class DatabaseSettings(_Section):
    url: str = ""
    """SQLAlchemy URL. Empty means SQLite (WAL) at `<data>/belfort.db`.
    PostgreSQL: `postgresql+psycopg://user:password@host:5432/belfort`."""
    echo: bool = False
    busy_timeout_seconds: Annotated[float, Field(gt=0, le=60)] = 5.0
    """How long a request waits for a lock another one holds (SQLite's busy timeout,
    PostgreSQL's lock_timeout) or for a free connection; then it is answered 503 with
    Retry-After. Long enough for any normal write, short enough for a person to wait."""

    @field_validator("url")
    @classmethod
    def _known_backend(cls, value: str) -> str:
        if value and not value.startswith(("sqlite", "postgresql")):
            raise ValueError("expected an sqlite:/// or postgresql+psycopg:// URL, or empty for the default")
        return value


class SecuritySettings(_Section):
    login_free_failures_per_name: Annotated[int, Field(ge=1, le=100)] = 5
    """Failed sign-ins with one user name from one client address before each further
    attempt from there must wait."""
    login_free_failures_per_address: Annotated[int, Field(ge=1, le=10_000)] = 20
    """Failed sign-ins from one client address, whatever the names, before each further
    attempt from there must wait."""
    login_failure_window_minutes: Annotated[int, Field(ge=1, le=24 * 60)] = 15
    """Failures are forgotten this long after the last one, or after the last wait ended."""
    login_backoff_seconds: Annotated[float, Field(gt=0, le=3600)] = 1.0
    """The first wait; each further failure doubles it."""
    login_backoff_max_seconds: Annotated[float, Field(gt=0, le=24 * 3600)] = 900.0
    """The longest wait."""
    session_hours: Annotated[float, Field(gt=0, le=24 * 7)] = 12.0
    """How long a sign-in lasts: one control-room shift by default."""
    password_min_length: Annotated[int, Field(ge=8, le=128)] = 12
    password_hash_time_cost: Annotated[int, Field(ge=1, le=20)] = 3
    """Argon2id passes over memory per password hash (RFC 9106's second recommendation: 3)."""
    password_hash_memory_kib: Annotated[int, Field(ge=8, le=4 * 1024 * 1024)] = 64 * 1024
    """Argon2id memory per hash in KiB (64 MiB by default). Stored hashes keep the cost they
    were made with and are re-hashed at the next sign-in once the setting changes."""
    password_hash_parallelism: Annotated[int, Field(ge=1, le=64)] = 4
    """Argon2id lanes per hash."""

    @model_validator(mode="after")
    def _backoff_grows(self) -> SecuritySettings:
        if self.login_backoff_max_seconds < self.login_backoff_seconds:
            raise ValueError("login_backoff_max_seconds must be at least login_backoff_seconds")
        if self.password_hash_memory_kib < 8 * self.password_hash_parallelism:
            raise ValueError("password_hash_memory_kib must be at least 8 times password_hash_parallelism")
        return self


class PolicySettings(_Section):
    administrative_consult_days: Annotated[int, Field(ge=1, le=365)] = 30
    """Police-law recordings older than this need a judicial purpose with the prosecutor's reference."""
    police_max_retention_days: Annotated[int, Field(ge=1, le=365)] = 365
    camera_law_max_retention_days: Annotated[int, Field(ge=1, le=365)] = 30
    justification_min_length: Annotated[int, Field(ge=1, le=200)] = 10


class RecordingSettings(_Section):
    storage_dir: Path | None = None
    """Where segments are written; default `<data_dir>/recordings`."""
    segment_seconds: Annotated[int, Field(ge=30, le=120)] = 60
    """Target length of one segment file; files are cut at the first keyframe after it."""
    size_budget_gb: Annotated[float, Field(ge=0)] = 0.0
    """Evict oldest footage (with a warning) when the storage holds more; 0 means no budget."""
    sweep_interval_seconds: Annotated[int, Field(ge=5, le=3600)] = 60
    reconnect_min_seconds: Annotated[float, Field(gt=0, le=60)] = 1.0
    reconnect_max_seconds: Annotated[float, Field(gt=0, le=600)] = 30.0
    read_timeout_seconds: Annotated[float, Field(gt=0, le=120)] = 10.0
    """A camera that sends nothing for this long is treated as offline."""
    read_threads: Annotated[int, Field(ge=0, le=64)] = 0
    """Threads that read every camera's RTSP connection (`belfort.media.readloop`); 0: one per core."""
    autostart: bool = True
    """Record enabled cameras whenever `belfort serve` runs."""


class AnprSettings(_Section):
    read_retention_days: Annotated[int, Field(ge=1, le=365)] = 365
    """Plate reads and their images are erased after this many days."""
    hit_retention_days: Annotated[int, Field(ge=1, le=3650)] = 365
    """Hits (a read that matched a hotlist, with how it was handled) are erased after this many days."""
    reader_fps: Annotated[float, Field(gt=0, le=25)] = 2.0
    """Frames per second the built-in reader reads of each ANPR camera."""
    reader_countries: list[str] = Field(default_factory=lambda: ["BE", "NL", "FR", "DE", "LU"])
    """Plate formats the built-in reader accepts."""
    vehicle_seconds: Annotated[float, Field(gt=0, le=60)] = 3.0
    """Reads of one plate on one camera closer together than this are one passing vehicle."""
    webhooks: list[str] = Field(default_factory=list)
    """URLs every new hit is POSTed to as JSON."""
    max_image_kb: Annotated[int, Field(ge=16, le=10_240)] = 1024
    """Largest plate crop or overview picture a sender may attach."""
    hotlist_dirs: list[Path] = Field(default_factory=list)
    """Folders whose CSV files a hotlist may watch (symlinks resolved: nothing outside them is
    read). Empty: `<data_dir>/hotlists`, created readable by Belfort's user only when missing."""

    @field_validator("hotlist_dirs", mode="before")
    @classmethod
    def _comma_separated_dirs(cls, value: object) -> object:
        return [part.strip() for part in value.split(",") if part.strip()] if isinstance(value, str) else value

    @field_validator("hotlist_dirs")
    @classmethod
    def _absolute_dirs(cls, value: list[Path]) -> list[Path]:
        for folder in value:
            if not folder.is_absolute():
                raise ValueError(f"'{folder}' is not an absolute path; give the folder from the root: /srv/hotlists")
        return value

    @field_validator("webhooks")
    @classmethod
    def _web_addresses(cls, value: list[str]) -> list[str]:
        for url in value:
            if not url.startswith(("http://", "https://")):
                raise ValueError(f"'{url}' is not an http:// or https:// address")
        return value


class SharingSettings(_Section):
    webhooks: list[str] = Field(default_factory=list)
    """URLs every new access request and every decision on one is POSTed to as JSON."""

    @field_validator("webhooks")
    @classmethod
    def _web_addresses(cls, value: list[str]) -> list[str]:
        return AnprSettings._web_addresses(value)


class AlarmSettings(_Section):
    receiver: bool = True
    """Listen for DC-09 alarm messages when the platform serves."""
    host: str = "127.0.0.1"
    """The address the DC-09 receiver listens on (0.0.0.0: every interface)."""
    tcp_port: Annotated[int, Field(ge=0, le=65535)] = 12000
    """0: any free port (tests)."""
    udp_port: Annotated[int, Field(ge=0, le=65535)] = 12000
    supervision_grace_seconds: Annotated[float, Field(ge=0, le=3600)] = 30.0
    """How long past its polling interval a supervised premises may stay silent before a fault."""
    check_seconds: Annotated[float, Field(gt=0, le=60)] = 5.0
    """How often supervision and the end of incidents' live views are checked."""
    receipt_days: Annotated[int, Field(ge=1, le=365)] = 90
    """How long the receiver's log of messages (accepted or not) is kept."""


class RegisterSettings(_Section):
    requests_per_minute: Annotated[float, Field(gt=0, le=6000)] = 30.0
    """How many pages, searches and exports of the public camera register one client address
    may ask for a minute, on average (an IPv6 client: its /64 network)."""
    burst: Annotated[int, Field(ge=1, le=1000)] = 10
    """How many it may ask for at once before the average applies; then it is answered 429."""
    max_clients: Annotated[int, Field(ge=100, le=1_000_000)] = 10_000
    """How many client addresses are remembered; beyond, the longest quiet ones are forgotten."""


class DpoSettings(_Section):
    subject_answer_months: Annotated[int, Field(ge=1, le=3)] = 1
    """A data-subject request is answered within this many months of receipt (GDPR art. 12(3)):
    to the same day of the month, or the month's last day, moved to the next working day when
    it falls on a weekend or a Belgian public holiday (Regulation 1182/71, art. 3)."""
    subject_extension_months: Annotated[int, Field(ge=0, le=2)] = 2
    """How many further months an extension gives, with a reason told to the requester
    (GDPR art. 12(3): at most two)."""
    subject_reminder_days: Annotated[int, Field(ge=1, le=60)] = 7
    """A request still open this many days before its deadline is shown as due soon."""
    declaration_valid_months: Annotated[int, Field(ge=1, le=24)] = 12
    """A camera-law declaration is validated again this many months after its last validation
    (the camera law of 21 March 2007 asks for a yearly validation)."""
    declaration_reminder_days: Annotated[int, Field(ge=1, le=180)] = 30
    """A declaration whose validation falls due within this many days is shown as due soon."""


class StaffingSettings(_Section):
    designation_warning_days: Annotated[int, Field(ge=1, le=365)] = 30
    """A designation to watch live that ends within this many days is listed as expiring soon."""
    max_shift_hours: Annotated[int, Field(ge=1, le=48)] = 24
    """The longest shift that may be planned."""
    anomaly_hours: Annotated[int, Field(ge=1, le=168)] = 12
    """How far back the supervisor dashboard looks for viewings outside a shift and long sessions."""
    refusals_per_hour: Annotated[int, Field(ge=1, le=1000)] = 5
    """A person refused this many times in the last hour is flagged."""
    long_session_minutes: Annotated[int, Field(ge=1, le=1440)] = 120
    """One person watching one camera live longer than this without a break is flagged."""
    volume_min_cameras: Annotated[int, Field(ge=2, le=10_000)] = 15
    """A person flagged for unusual volume watched at least this many distinct cameras in the last hour..."""
    volume_factor: Annotated[float, Field(ge=1, le=100)] = 3.0
    """... and more than this many times their usual: the median of distinct cameras per hour over
    the hours they watched in the previous `volume_baseline_days` days."""
    volume_baseline_days: Annotated[int, Field(ge=1, le=90)] = 14


TILE_HOST = re.compile(r"(?:\{[a-z]\}\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)*")
"""A tile server's host name; its first label may be a placeholder such as `{s}`."""


class MapSettings(_Section):
    tile_url: str = ""
    """Where the map's tiles come from, as a template with {z}, {x} and {y}, for example
    `https://tiles.example.org/{z}/{x}/{y}.png`. Empty: Belfort serves `tile_dir` itself."""
    tile_dir: Path | None = None
    """A local tile folder laid out `<z>/<x>/<y>.png`, for sites without internet; default
    `<data_dir>/tiles`. Used when `tile_url` is empty."""
    attribution: Annotated[str, Field(max_length=300)] = ""
    """The tiles' credit line, shown in the map's corner (OpenStreetMap's licence asks for one)."""
    center: tuple[float, float] = (50.8466, 4.3528)
    """Latitude and longitude the map opens on when no camera has a position."""
    zoom: Annotated[int, Field(ge=0, le=19)] = 13
    max_zoom: Annotated[int, Field(ge=0, le=22)] = 19

    @field_validator("tile_url")
    @classmethod
    def _tile_template(cls, value: str) -> str:
        if value and (
            not value.startswith(("https://", "http://")) or not all(part in value for part in ("{z}", "{x}", "{y}"))
        ):
            raise ValueError("give an http(s) URL with {z}, {x} and {y}, or leave it empty to serve tile_dir")
        if value and TILE_HOST.fullmatch(urlsplit(value).hostname or "") is None:
            raise ValueError(
                "the host may hold letters, digits, dots and hyphens; only its first part may be "
                "a placeholder such as {s}"
            )
        return value

    @field_validator("tile_dir", mode="before")
    @classmethod
    def _empty_is_default(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("center")
    @classmethod
    def _on_earth(cls, value: tuple[float, float]) -> tuple[float, float]:
        latitude, longitude = value
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            raise ValueError("give a latitude between -90 and 90 and a longitude between -180 and 180")
        return value


NODE_ROLES = ("recorder", "web", "analytics")


class NodeSettings(_Section):
    name: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$")] = Field(
        default_factory=lambda: _host_name()
    )
    """This process' name among the platform's nodes (`belfort serve --node NAME`): its
    heartbeat and its event-bus consumers carry it. Letters, digits, '-' and '_'; the host's
    name by default."""
    roles: list[Literal["recorder", "web", "analytics"]] = Field(default_factory=lambda: list(NODE_ROLES))
    """What the node does: records cameras, serves people and the API, reads plates."""
    capacity: Annotated[int, Field(ge=1, le=5000)] = 200
    """How many cameras the node may record: the cameras are spread over the recording nodes
    in proportion to it; beyond the sum of all capacities nodes record more rather than leave
    a camera unrecorded."""
    heartbeat_seconds: Annotated[float, Field(ge=1, le=60)] = 5.0
    """How often the node writes its heartbeat; one silent for three of these is shown down."""
    url: str = ""
    """Where the other nodes reach this node's HTTP server, e.g. `http://10.0.0.11:8080`: a
    web node fetches the footage a recording node holds from there. Empty for a node alone."""
    lease_seconds: Annotated[float, Field(ge=3, le=300)] = 15.0
    """How long a recording node's hold on a camera lasts without renewal. A node that cannot
    renew stops writing a third of this before the hold runs out; another node takes the
    camera once it has run out."""
    lease_renew_seconds: Annotated[float, Field(gt=0, le=60)] = 3.0
    """How often a recording node renews its holds, takes free cameras and gives up extra ones."""

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if value and not re.fullmatch(r"https?://[^/\s?#]+", value):
            raise ValueError("give the node's address as http://HOST:PORT (or https://), without a path")
        return value

    @model_validator(mode="after")
    def _renew_before_the_fence(self) -> NodeSettings:
        if self.lease_renew_seconds * 3 > self.lease_seconds:
            raise ValueError(
                "lease_renew_seconds must be at most a third of lease_seconds, so a hold is renewed "
                "several times before the node has to stop writing"
            )
        return self

    @field_validator("roles", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        return [part.strip() for part in value.split(",") if part.strip()] if isinstance(value, str) else value


class BusSettings(_Section):
    url: str = ""
    """NATS server(s) with JetStream that several Belfort processes share events through, e.g.
    `nats://10.0.0.5:4222` (comma-separated for a cluster). Empty: events stay inside this
    process, as for a single server."""

    @field_validator("url")
    @classmethod
    def _nats_url(cls, value: str) -> str:
        for part in filter(None, (item.strip() for item in value.split(","))):
            if not part.startswith(("nats://", "tls://")):
                raise ValueError(f"'{part}' is not a NATS URL; write it like nats://10.0.0.5:4222")
        return value.strip()


def _host_name() -> str:
    name = "".join(c if c.isalnum() or c in "-_" else "-" for c in socket.gethostname()).strip("-_")
    return name[:64] or "belfort"


class Settings(_Section):
    model_config = ConfigDict(extra="forbid", validate_assignment=True, serialize_by_alias=True)

    data_dir: Path = DEFAULT_DATA_DIR
    site_name: Annotated[str, Field(min_length=1, max_length=100)] = "Belfort"
    language: str = "en"
    """Pages' language for a person who chose none and whose browser asks for none of
    Belfort's: nl, fr, de or en."""
    time_zone: str = "Europe/Brussels"
    """The site's time zone: every time a page shows or a person types is local to it
    (storage, the audit log and evidence manifests stay UTC)."""
    server: ServerSettings = Field(default_factory=ServerSettings)
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    security: SecuritySettings = Field(default_factory=SecuritySettings)
    policy: PolicySettings = Field(default_factory=PolicySettings)
    recording: RecordingSettings = Field(default_factory=RecordingSettings)
    anpr: AnprSettings = Field(default_factory=AnprSettings)
    sharing: SharingSettings = Field(default_factory=SharingSettings)
    alarms: AlarmSettings = Field(default_factory=AlarmSettings)
    map: MapSettings = Field(default_factory=MapSettings)
    dpo: DpoSettings = Field(default_factory=DpoSettings)
    public_register: RegisterSettings = Field(default_factory=RegisterSettings, alias="register")
    """The `[register]` section (named apart in Python: `register` is a method of every model class)."""
    staffing: StaffingSettings = Field(default_factory=StaffingSettings)
    node: NodeSettings = Field(default_factory=NodeSettings)
    bus: BusSettings = Field(default_factory=BusSettings)

    @field_validator("language")
    @classmethod
    def _spoken(cls, value: str) -> str:
        if not is_language(value):
            raise ValueError(f"'{value}' is not one of Belfort's languages; give one of {', '.join(LANGUAGES)}")
        return value

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"'{value}' is not a time zone name; write it like Europe/Brussels") from None
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def tile_dir(self) -> Path:
        return self.map.tile_dir or self.data_dir / "tiles"

    @property
    def storage_dir(self) -> Path:
        return self.recording.storage_dir or self.data_dir / "recordings"

    @property
    def database_url(self) -> str:
        if self.database.url:
            return self.database.url
        return f"sqlite:///{(self.data_dir / 'belfort.db').resolve()}"


def _describe(error: Mapping[str, Any]) -> str:
    key = ".".join(str(part) for part in error["loc"]) or "(top level)"
    if error["type"] == "extra_forbidden":
        return f"{key}: unknown setting; remove it or check its spelling (see docs/configuration.md)"
    return f"{key}: {error['msg']}"


def _env_overrides(environ: Mapping[str, str]) -> dict[str, Any]:
    overrides: dict[str, Any] = {}
    for name, value in environ.items():
        if not name.startswith(ENV_PREFIX) or name == "BELFORT_CONFIG":
            continue
        path = name[len(ENV_PREFIX) :].lower().split("__")
        node = overrides
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = value
    return overrides


def _merge(base: dict[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def read_config_file(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise SettingsError(f"config file {path} does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"config file {path} is not valid TOML: {exc}") from None


def load_settings(
    config_file: Path | None = None,
    data_dir: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Build validated settings from file, environment and flags, or raise SettingsError."""
    env = os.environ if environ is None else environ
    if config_file is None and env.get("BELFORT_CONFIG"):
        config_file = Path(env["BELFORT_CONFIG"])
    raw: dict[str, Any] = read_config_file(config_file) if config_file else {}
    raw = _merge(raw, _env_overrides(env))
    if data_dir is not None:
        raw["data_dir"] = str(data_dir)
    source = f" in {config_file}" if config_file else ""
    asked = _biometric_keys(raw)
    try:
        settings = Settings.model_validate(_without(raw, asked))
    except ValidationError as exc:
        problems = "; ".join(_describe(error) for error in exc.errors())
        raise SettingsError(f"invalid configuration{source}: {problems}") from None
    if asked:
        raise FaceRecognitionAsked(
            f"refused configuration{source}: {', '.join(asked)}: {FACE_RECOGNITION_FORBIDDEN}", asked, settings
        )
    return settings


def _biometric_keys(raw: Mapping[str, Any], prefix: str = "") -> list[str]:
    """The dotted keys of `raw` (at any depth) that ask for faces or biometrics."""
    keys = []
    for key, value in raw.items():
        dotted = f"{prefix}{key}"
        if asks_for_face_recognition(str(key)):
            keys.append(dotted)
        elif isinstance(value, Mapping):
            keys.extend(_biometric_keys(value, f"{dotted}."))
    return keys


def _without(raw: Mapping[str, Any], dotted: list[str]) -> dict[str, Any]:
    """`raw` without the keys named in `dotted`."""
    kept: dict[str, Any] = {}
    for key, value in raw.items():
        if key in dotted:
            continue
        inner = [name.split(".", 1)[1] for name in dotted if name.startswith(f"{key}.")]
        if not (inner and isinstance(value, Mapping)):
            kept[key] = value
        elif rest := _without(value, inner):
            kept[key] = rest
    return kept

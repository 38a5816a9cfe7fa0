"""The `belfort` command: serve, demo, and the administrator's tools.

Every subcommand that touches data takes `--config FILE` and `--data DIR`. Errors a
person can fix print one line on stderr and exit non-zero (2 for configuration and
usage, 1 otherwise); they never print a traceback.
"""

from __future__ import annotations

import getpass
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click
from sqlalchemy.exc import DBAPIError

from belfort import __version__
from belfort.datadir import make_files_private
from belfort.db.engine import is_busy
from belfort.errors import BelfortError
from belfort.policy.model import Action, Actor, system_actor
from belfort.settings import Settings, SettingsError, load_settings

F = TypeVar("F", bound=Callable[..., Any])
CAMERA_KINDS = ("fixed", "temporary", "mobile_ptz", "drone", "bodycam", "anpr")
"""`belfort.cameras.service.KINDS`, written out so the command starts without loading the media stack."""


def cli_actor() -> Actor:
    """The local operator of the command line: audited as `cli:<os user>`."""
    return system_actor(f"cli:{getpass.getuser()}")


def fail(message: str, code: int = 1) -> None:
    click.echo(f"belfort: {message}", err=True)
    sys.exit(code)


def data_options(func: F) -> F:
    """Add --config and --data, and pass validated `settings` to the command."""

    @click.option(
        "--config",
        "config_file",
        type=click.Path(path_type=Path, dir_okay=False),
        help="TOML settings file (default: $BELFORT_CONFIG).",
    )
    @click.option(
        "--data",
        "data_dir",
        type=click.Path(path_type=Path, file_okay=False),
        help="Data folder: database, keys, recordings.",
    )
    @wraps(func)
    def wrapper(*args: Any, config_file: Path | None, data_dir: Path | None, **kwargs: Any) -> Any:
        try:
            settings = load_settings(config_file, data_dir)
        except SettingsError as exc:
            fail(str(exc), 2)
        return func(*args, settings=settings, **kwargs)

    return wrapper  # type: ignore[return-value]


@contextmanager
def opened(settings: Settings) -> Iterator[Any]:
    """Services for one command, closed afterwards; user errors become one line."""
    from belfort.app import build_services

    services = None
    try:
        services = build_services(settings)
        yield services
    except BelfortError as exc:
        fail(exc.message)
    except OSError as exc:
        fail(f"cannot use the data folder {settings.data_dir}: {exc.strerror or exc}")
    except DBAPIError as exc:
        if not is_busy(exc):
            raise
        fail("the database is busy (another process holds its write lock): try again in a few seconds")
    finally:
        if services is not None:
            services.close()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="belfort")
def main() -> None:
    """Belfort: open video platform for cities and police zones."""
    make_files_private()


def _serve(services: Any, host: str, port: int) -> None:
    import uvicorn

    from belfort.web.app import create_app, server_config

    services.exports.resume()
    services.anpr.start()
    config = server_config(create_app(services), host=host, port=port, log_level="info", access_log=True)
    uvicorn.Server(config).run()


@main.command()
@data_options
@click.option("--host", help="Address to listen on (default from settings: 127.0.0.1).")
@click.option("--port", type=click.IntRange(1, 65535), help="Port to listen on (default from settings: 8080).")
def serve(settings: Settings, host: str | None, port: int | None) -> None:
    """Run the platform: web app and API."""
    with opened(settings) as services:
        if settings.recording.autostart:
            services.start_recording()
        _serve(services, host or settings.server.host, port or settings.server.port)


@main.command()
@data_options
@click.option("--host", default=None, help="Address to listen on (default 127.0.0.1).")
@click.option("--port", type=click.IntRange(1, 65535), default=None, help="Port (default 8080).")
@click.option("--no-serve", is_flag=True, help="Only seed the demo data and print the accounts.")
def demo(settings: Settings, host: str | None, port: int | None, no_serve: bool) -> None:
    """Seed a demo site (police zone, city, shop; one user per role) and serve it."""
    from belfort.demo import seed_demo

    if "data_dir" not in settings.model_fields_set:
        settings.data_dir = Path("./demo-data")
    if "reader_fps" not in settings.anpr.model_fields_set:
        settings.anpr.reader_fps = 1.0  # the demo's ANPR camera shares two cores with six others
    with opened(settings) as services:
        accounts = seed_demo(services)
        address = f"http://{host or settings.server.host}:{port or settings.server.port}"
        click.echo(f"Belfort demo in {settings.data_dir.resolve()}")
        click.echo(f"{'user':<12}{'role':<12}{'organisation':<20}password")
        for account in accounts:
            click.echo(f"{account.username:<12}{account.role:<12}{account.organisation:<20}{account.password}")
        if no_serve:
            return
        services.start_recording()
        click.echo(f"Recording {len(services.media.running_cameras())} simulated cameras into {settings.storage_dir}")
        click.echo(f"Open {address} and sign in with one of the accounts above.")
        _serve(services, host or settings.server.host, port or settings.server.port)


@main.command()
@data_options
def migrate(settings: Settings) -> None:
    """Create or upgrade the database schema (also done at every start)."""
    with opened(settings) as services:
        click.echo(f"database at newest schema ({services.db.dialect})")


@main.group()
def config() -> None:
    """Inspect the configuration."""


@config.command("check")
@data_options
def config_check(settings: Settings) -> None:
    """Validate the settings and print the effective values (secrets hidden)."""
    shown = settings.model_dump(mode="json")
    if shown["database"]["url"]:
        url = shown["database"]["url"]
        if "@" in url:
            scheme, _, rest = url.partition("://")
            shown["database"]["url"] = f"{scheme}://***@{rest.split('@', 1)[1]}"
    for section, values in shown.items():
        if isinstance(values, dict):
            for key, value in values.items():
                click.echo(f"{section}.{key} = {value}")
        else:
            click.echo(f"{section} = {values}")


@main.group()
def org() -> None:
    """Manage organisations (police zones, cities, businesses, transit, alarm centres)."""


@org.command("add")
@data_options
@click.option("--name", required=True, help="Unique name, e.g. 'Politiezone Kortrijk'.")
@click.option(
    "--kind", required=True, type=click.Choice(["police_zone", "city", "business", "transit", "alarm_centre", "other"])
)
def org_add(settings: Settings, name: str, kind: str) -> None:
    """Add an organisation."""
    with opened(settings) as services, services.db.session() as session:
        created = services.accounts.add_organisation(session, cli_actor(), name, kind)
        click.echo(f"organisation {created.name} ({created.kind}) id {created.id}")


@org.command("list")
@data_options
def org_list(settings: Settings) -> None:
    """List organisations."""
    with opened(settings) as services, services.db.session() as session:
        for item in services.accounts.list_organisations(session, cli_actor()):
            click.echo(f"{item.id}  {item.kind:<13} {item.name}")


@main.group()
def user() -> None:
    """Manage user accounts."""


@user.command("add")
@data_options
@click.option("--username", required=True)
@click.option(
    "--role", required=True, type=click.Choice(["operator", "inspector", "supervisor", "dpo", "admin", "partner"])
)
@click.option("--org", "organisation", required=True, help="Organisation name or id.")
@click.option("--full-name", default="")
@click.option(
    "--password",
    default=None,
    help="Initial password; read from $BELFORT_PASSWORD or generated and printed when omitted.",
)
def user_add(
    settings: Settings, username: str, role: str, organisation: str, full_name: str, password: str | None
) -> None:
    """Add a user; prints a generated password when none is given."""
    import os

    from belfort.auth.service import generate_password

    secret = password or os.environ.get("BELFORT_PASSWORD") or generate_password()
    with opened(settings) as services, services.db.session() as session:
        created = services.accounts.add_user(
            session,
            cli_actor(),
            username=username,
            role=role,
            organisation=organisation,
            password=secret,
            full_name=full_name,
        )
        click.echo(f"user {created.username} ({created.role}, {created.organisation.name}) id {created.id}")
        if not password and not os.environ.get("BELFORT_PASSWORD"):
            click.echo(f"password: {secret}")


@user.command("list")
@data_options
def user_list(settings: Settings) -> None:
    """List user accounts."""
    with opened(settings) as services, services.db.session() as session:
        now = services.clock()
        for item in services.accounts.list_users(session, cli_actor()):
            state = "disabled" if not item.active else "throttled" if item.throttled_until(now) else "active"
            click.echo(f"{item.username:<20} {item.role:<11} {state:<9} {item.organisation.name}")


@user.command("set")
@data_options
@click.argument("username")
@click.option("--full-name", default=None)
@click.option(
    "--role", type=click.Choice(["operator", "inspector", "supervisor", "dpo", "admin", "partner"]), default=None
)
@click.option("--org", "organisation", default=None, help="Organisation name or id.")
@click.option(
    "--new-password",
    is_flag=True,
    help="Set a new password: read from $BELFORT_PASSWORD, or generated and printed. Ends the account's sessions.",
)
def user_set(
    settings: Settings,
    username: str,
    full_name: str | None,
    role: str | None,
    organisation: str | None,
    new_password: bool,
) -> None:
    """Change an account; options not given stay as they are."""
    import os

    from belfort.auth.service import generate_password

    secret = (os.environ.get("BELFORT_PASSWORD") or generate_password()) if new_password else None
    with opened(settings) as services, services.db.session() as session:
        changed = services.accounts.update_user(
            session, cli_actor(), username, full_name=full_name, role=role, organisation=organisation, password=secret
        )
        click.echo(f"user {changed.username} ({changed.role}, {changed.organisation.name}) changed")
        if new_password and not os.environ.get("BELFORT_PASSWORD"):
            click.echo(f"password: {secret}")


@user.command("disable")
@data_options
@click.argument("username")
def user_disable(settings: Settings, username: str) -> None:
    """Disable an account and end its sessions."""
    with opened(settings) as services, services.db.session() as session:
        services.accounts.set_active(session, cli_actor(), username, False)
        click.echo(f"user {username} disabled")


@user.command("enable")
@data_options
@click.argument("username")
def user_enable(settings: Settings, username: str) -> None:
    """Enable an account and clear the sign-in throttling of its name."""
    with opened(settings) as services, services.db.session() as session:
        services.accounts.set_active(session, cli_actor(), username, True)
        click.echo(f"user {username} enabled")


@main.group()
def token() -> None:
    """Manage API tokens for machine clients (ANPR cameras and patrol cars)."""


@token.command("create")
@data_options
@click.option("--name", required=True, help="What the client is, e.g. 'anpr-e17-kortrijk-noord'.")
@click.option("--org", "organisation", required=True, help="Organisation name or id the client belongs to.")
@click.option("--scope", "scopes", multiple=True, required=True, help="Scope; repeat for several.")
@click.option("--valid-days", type=click.IntRange(1, 3650), default=None, help="Expiry; none by default.")
def token_create(
    settings: Settings, name: str, organisation: str, scopes: tuple[str, ...], valid_days: int | None
) -> None:
    """Issue a token; its secret is printed once."""
    with opened(settings) as services, services.db.session() as session:
        created, secret = services.accounts.create_token(
            session,
            cli_actor(),
            name=name,
            organisation=organisation,
            scopes=list(scopes),
            valid_days=valid_days,
        )
        click.echo(f"token {created.name} id {created.id} scopes {created.scopes}")
        click.echo(secret)


@token.command("list")
@data_options
def token_list(settings: Settings) -> None:
    """List tokens (never their secrets)."""
    with opened(settings) as services, services.db.session() as session:
        for item in services.accounts.list_tokens(session, cli_actor()):
            state = "revoked" if item.revoked_at else "valid"
            click.echo(f"{item.id}  {item.prefix}…  {state:<8} {item.scopes:<30} {item.name}")


@token.command("revoke")
@data_options
@click.argument("token_id")
def token_revoke(settings: Settings, token_id: str) -> None:
    """Revoke a token by id."""
    with opened(settings) as services, services.db.session() as session:
        services.accounts.revoke_token(session, cli_actor(), token_id)
        click.echo(f"token {token_id} revoked")


@main.group()
def camera() -> None:
    """Manage the camera registry."""


def _camera_line(item: Any, status: dict[str, Any]) -> str:
    state = "removed" if item.removed_at else ("enabled" if item.enabled else "disabled")
    return (
        f"{item.id}  {item.name:<28} {item.kind:<10} {item.legal_regime:<10} {state:<8} "
        f"{status.get('state', ''):<13} {item.organisation.name}"
    )


@camera.command("add")
@data_options
@click.option("--name", required=True)
@click.option("--org", "organisation", required=True, help="Owner organisation, name or id.")
@click.option("--url", "main_url", required=True, help="Main stream, rtsp://host[:port]/path or sim://NAME.")
@click.option("--sub-url", default="", help="Optional sub-stream URL.")
@click.option("--username", default=None, help="User name of the camera's streams.")
@click.option(
    "--password",
    default=None,
    help="Password of the camera's streams; read from $BELFORT_CAMERA_PASSWORD when omitted. Stored encrypted.",
)
@click.option(
    "--kind",
    type=click.Choice(CAMERA_KINDS),
    default="fixed",
    show_default=True,
)
@click.option(
    "--regime",
    "legal_regime",
    type=click.Choice(["police", "camera_law"]),
    default=None,
    help="Default: police for police zones, camera_law for other owners.",
)
@click.option("--transport", type=click.Choice(["tcp", "udp"]), default="tcp", show_default=True)
@click.option("--street", default="")
@click.option("--area", default="")
@click.option("--lat", "latitude", type=float, default=None)
@click.option("--lon", "longitude", type=float, default=None)
@click.option(
    "--retention-days",
    "retention_max_days",
    type=int,
    default=None,
    help="Maximum retention (default: the legal maximum of the regime).",
)
@click.option("--min-retention-days", "retention_min_days", type=int, default=None)
@click.option(
    "--consent",
    "council_consent_ref",
    default="",
    help="Reference of the municipal council's consent (required to enable a police camera).",
)
@click.option("--enable/--disabled", "enabled", default=False, help="Start recording at once.")
def camera_add(settings: Settings, **fields: Any) -> None:
    """Register a camera."""
    import os

    from belfort.cameras.service import CameraSpec

    if fields["password"] is None and os.environ.get("BELFORT_CAMERA_PASSWORD"):
        fields["password"] = os.environ["BELFORT_CAMERA_PASSWORD"]
    with opened(settings) as services, services.db.session() as session:
        created = services.cameras.add(session, cli_actor(), CameraSpec(**fields))
        click.echo(
            f"camera {created.name} id {created.id} ({created.legal_regime}, "
            f"{'enabled' if created.enabled else 'disabled'}, kept {created.retention_max_days} days)"
        )


@camera.command("list")
@data_options
@click.option("--all", "include_removed", is_flag=True, help="Include removed cameras.")
def camera_list(settings: Settings, include_removed: bool) -> None:
    """List cameras."""
    with opened(settings) as services, services.db.session() as session:
        for item in services.cameras.visible(session, cli_actor(), include_removed=include_removed):
            click.echo(_camera_line(item, {}))


@camera.command("show")
@data_options
@click.argument("ref")
def camera_show(settings: Settings, ref: str) -> None:
    """Show one camera (by id or name); credentials are never shown."""
    from belfort.cameras.service import redact_url

    with opened(settings) as services, services.db.session() as session:
        item = services.cameras.require(session, cli_actor(), ref, Action.VIEW_CAMERA)
        rows = {
            "id": item.id,
            "name": item.name,
            "organisation": item.organisation.name,
            "kind": item.kind,
            "legal regime": item.legal_regime,
            "main stream": redact_url(item.main_url),
            "sub-stream": redact_url(item.sub_url) or "-",
            "credentials": "stored (never shown)" if item.username or item.password_enc else "-",
            "transport": item.transport,
            "street": item.street or "-",
            "area": item.area or "-",
            "position": f"{item.latitude}, {item.longitude}" if item.latitude is not None else "-",
            "retention": f"{item.retention_min_days} to {item.retention_max_days} days",
            "council consent": item.council_consent_ref or "-",
            "state": "removed" if item.removed_at else ("enabled" if item.enabled else "disabled"),
        }
        for key, value in rows.items():
            click.echo(f"{key + ':':<17}{value}")


def _camera_update(settings: Settings, ref: str, message: str, **fields: Any) -> None:
    from belfort.cameras.service import CameraSpec

    with opened(settings) as services, services.db.session() as session:
        item = services.cameras.update(session, cli_actor(), ref, CameraSpec(**fields))
        click.echo(f"camera {item.name} {message}")


@camera.command("set")
@data_options
@click.argument("ref")
@click.option("--name", default=None)
@click.option("--org", "organisation", default=None, help="New owner (refused while the camera holds footage).")
@click.option("--url", "main_url", default=None, help="Main stream, rtsp://host[:port]/path or sim://NAME.")
@click.option("--sub-url", default=None, help="Sub-stream URL ('' removes it).")
@click.option("--username", default=None, help="User name of the streams ('' removes it).")
@click.option("--password", default=None, help="New stream password ('' removes it); or $BELFORT_CAMERA_PASSWORD.")
@click.option(
    "--kind", type=click.Choice(["fixed", "temporary", "mobile_ptz", "drone", "bodycam", "anpr"]), default=None
)
@click.option("--regime", "legal_regime", type=click.Choice(["police", "camera_law"]), default=None)
@click.option("--transport", type=click.Choice(["tcp", "udp"]), default=None)
@click.option("--street", default=None)
@click.option("--area", default=None)
@click.option("--lat", "latitude", type=float, default=None)
@click.option("--lon", "longitude", type=float, default=None)
@click.option("--clear-position", is_flag=True, help="Forget the exact position.")
@click.option("--retention-days", "retention_max_days", type=int, default=None)
@click.option("--min-retention-days", "retention_min_days", type=int, default=None)
@click.option("--consent", "council_consent_ref", default=None, help="Reference of the municipal council's consent.")
@click.option("--enable/--disable", "enabled", default=None, help="Record the camera, or stop recording it.")
def camera_set(settings: Settings, ref: str, **fields: Any) -> None:
    """Change a camera (by id or name); options not given stay as they are."""
    import os

    from belfort.cameras.service import CameraSpec

    if fields["password"] is None and os.environ.get("BELFORT_CAMERA_PASSWORD"):
        fields["password"] = os.environ["BELFORT_CAMERA_PASSWORD"]
    with opened(settings) as services, services.db.session() as session:
        item = services.cameras.update(session, cli_actor(), ref, CameraSpec(**fields))
        click.echo(f"camera {item.name} changed ({'enabled' if item.enabled else 'disabled'})")


@camera.command("enable")
@data_options
@click.argument("ref")
def camera_enable(settings: Settings, ref: str) -> None:
    """Enable a camera (a police camera needs its council consent reference)."""
    _camera_update(settings, ref, "enabled", enabled=True)


@camera.command("disable")
@data_options
@click.argument("ref")
def camera_disable(settings: Settings, ref: str) -> None:
    """Stop recording a camera."""
    _camera_update(settings, ref, "disabled", enabled=False)


@camera.command("remove")
@data_options
@click.argument("ref")
def camera_remove(settings: Settings, ref: str) -> None:
    """Remove a camera; its footage stays until its retention ends."""
    with opened(settings) as services, services.db.session() as session:
        item = services.cameras.remove(session, cli_actor(), ref)
        click.echo(f"camera {item.name} removed; its recordings are kept until retention erases them")


@main.command()
@data_options
def record(settings: Settings) -> None:
    """Record every enabled camera without the web app (one recording node)."""
    import signal
    import threading

    with opened(settings) as services:
        services.start_recording()
        report = services.media.recovery
        if report is not None and not report.clean:
            click.echo(f"recovery: {report.summary()}")
        click.echo(f"recording into {services.settings.storage_dir}; stop with Ctrl-C")
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        signal.signal(signal.SIGINT, lambda *_: stop.set())
        while not stop.wait(5):
            services.media.sync_cameras()


@main.group()
def storage() -> None:
    """Check the recording storage."""


@storage.command("check")
@data_options
def storage_check(settings: Settings) -> None:
    """Reconcile every segment file with the index (run while nothing records)."""
    from belfort.media.recovery import recover
    from belfort.media.service import open_storage

    with opened(settings) as services:
        area = open_storage(services.db, settings.storage_dir, services.clock)
        area.lock()
        with services.db.session() as session:
            report = recover(session, area, services.cameras.camera_ids(session), services.clock, full=True)
        area.unlock()
        click.echo(f"storage {area.root}: {report.summary()}")


@main.group()
def audit() -> None:
    """Check the audit chain."""


@audit.command("verify")
@data_options
def audit_verify(settings: Settings) -> None:
    """Verify the hash chain; exit 0 with the record count when intact."""
    from belfort.audit import verify_chain
    from belfort.words import plural

    with opened(settings) as services, services.db.session() as session:
        result = verify_chain(session)
    if not result.ok:
        fail(f"audit chain broken after {result.count} good records: {result.problem}", 1)
    click.echo(f"audit chain intact: {plural(result.count, 'record')}, head {result.head_hash}")


@main.command()
@click.argument("package", type=click.Path(path_type=Path))
@click.option(
    "--public-key",
    "public_key_file",
    type=click.Path(path_type=Path),
    help="The public key (PEM) the issuing site publishes: the package must be signed by it.",
)
def verify(package: Path, public_key_file: Path | None) -> None:
    """Check an evidence package offline: signature, every file, nothing added or removed.

    Needs no settings, data folder or database. Exits 0 when intact, 1 when not.
    """
    from belfort.evidence.package import verify_package
    from belfort.evidence.signing import fingerprint_of

    public_pem = None
    if public_key_file is not None:
        try:
            public_pem = public_key_file.read_bytes()
            fingerprint_of(public_pem)
        except OSError as exc:
            fail(f"cannot read the public key {public_key_file}: {exc.strerror or exc}", 2)
        except ValueError:
            fail(f"{public_key_file} is not an Ed25519 public key in PEM form: give the key the site publishes", 2)
    try:
        package.open("rb").close()
    except OSError as exc:
        fail(f"cannot read {package}: {exc.strerror or exc}", 2)
    result = verify_package(package, public_pem)
    if not result.ok:
        for problem in result.problems:
            click.echo(f"belfort: {problem}", err=True)
        sys.exit(1)
    count = len(result.manifest["files"]) if result.manifest else 0
    click.echo(f"package intact: {count} files, signed by key {result.fingerprint}")


@main.group()
def anpr() -> None:
    """Number plate reading."""


@anpr.command("read")
@click.argument("images", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--country",
    "countries",
    multiple=True,
    type=click.Choice(["BE", "NL", "FR", "DE", "LU", "US"], case_sensitive=False),
    help="Plate formats to accept; repeat for several (default: BE, NL, FR, DE, LU).",
)
@click.option(
    "--candidates",
    type=click.IntRange(0, 20),
    default=0,
    help="Also print up to N alternative readings, as plate and confidence columns.",
)
@click.option(
    "--look-closer",
    is_flag=True,
    help="Where a picture shows no plate, look again at its halves (small plates in photos; slower).",
)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per picture, with every field.")
def anpr_read(
    images: tuple[Path, ...], countries: tuple[str, ...], candidates: int, look_closer: bool, as_json: bool
) -> None:
    """Read the plate in each picture: one line `path<TAB>plate<TAB>confidence` each.

    Plate and confidence are empty when no plate is found. Needs no settings, data folder or
    database. A picture that cannot be opened is reported on stderr; the others are still
    read, and the command then exits 1.
    """
    import json

    import numpy as np
    from PIL import Image, ImageOps

    from belfort.anpr.reader import PlateReader

    reader = PlateReader(countries=[country.upper() for country in countries] or None, look_closer=look_closer)
    failed = False
    for path in images:
        try:
            with Image.open(path) as opened_image:
                picture = np.asarray(ImageOps.exif_transpose(opened_image).convert("RGB"))
        except (OSError, ValueError, Image.DecompressionBombError) as exc:
            click.echo(f"belfort: cannot read {path}: {getattr(exc, 'strerror', None) or exc}", err=True)
            failed = True
            continue
        reads = reader.read(picture)
        top = reads[0] if reads else None
        if as_json:
            fields = {
                "path": str(path),
                "plate": top.plate if top else None,
                "display": top.display if top else None,
                "country": top.country if top else None,
                "confidence": top.confidence if top else None,
                "box": list(top.box) if top else None,
                "candidates": [list(each) for each in top.candidates] if top else [],
                "text": top.text if top else None,
            }
            click.echo(json.dumps(fields, ensure_ascii=False))
            continue
        columns = [str(path), top.plate if top else "", f"{top.confidence:.2f}" if top else ""]
        if top is not None:
            for plate, confidence in top.candidates[1 : candidates + 1]:
                columns += [plate, f"{confidence:.2f}"]
        click.echo("\t".join(columns))
    if failed:
        sys.exit(1)

"""The `belfort` command: serve, demo, and the administrator's tools.

Every subcommand that touches data takes `--config FILE` and `--data DIR`. Errors a
person can fix print one line on stderr and exit non-zero (2 for configuration and
usage, 1 otherwise); they never print a traceback.
"""

from __future__ import annotations

import getpass
import socket
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click
from sqlalchemy.exc import DBAPIError

from belfort import __version__
from belfort.datadir import make_files_private
from belfort.db.engine import is_busy
from belfort.errors import BelfortError, Forbidden
from belfort.i18n import LANGUAGES
from belfort.policy.model import Action, Actor, system_actor
from belfort.settings import FaceRecognitionAsked, Settings, SettingsError, load_settings

F = TypeVar("F", bound=Callable[..., Any])
CAMERA_KINDS = ("fixed", "temporary", "mobile_ptz", "drone", "bodycam", "anpr")
"""`belfort.cameras.service.KINDS`, written out so the command starts without loading the media stack."""


def cli_actor() -> Actor:
    """The local operator of the command line: audited as `cli:<os user>`."""
    return system_actor(f"cli:{getpass.getuser()}")


def fail(message: str, code: int = 1) -> NoReturn:
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
        except FaceRecognitionAsked as exc:
            record_face_recognition_asked(exc)
            fail(str(exc), 2)
        except SettingsError as exc:
            fail(str(exc), 2)
        return func(*args, settings=settings, **kwargs)

    return wrapper  # type: ignore[return-value]


def record_face_recognition_asked(asked: FaceRecognitionAsked) -> None:
    """Record in the site's audit log that its configuration asked for face recognition,
    refused; the command stops after this (the site's data folder is that of the rest of
    the configuration)."""
    with opened(asked.settings) as services, services.db.session() as session:
        for key in asked.keys:
            try:
                services.biometrics.refuse(session, system_actor("configuration"), key, "configuration")
            except Forbidden:
                continue


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


def _listening(settings: Settings, host: str | None, port: int | None) -> socket.socket:
    """The server's socket (`--host`/`--port` over `[server]`), bound and listening before
    anything starts: a port in use is one line and exit code 1, not a node that records for a
    few seconds and then stops; and a request that comes while the node is still starting waits
    in the socket's queue instead of being refused."""
    host = host or settings.server.host
    port = port or settings.server.port
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(2048)
    except OSError as error:
        sock.close()
        fail(f"cannot listen on {host}:{port}: {error.strerror}; stop what uses it or choose another --port", 1)
    return sock


def _serve(services: Any, listener: socket.socket) -> None:
    from belfort.web.app import create_app

    services.exports.resume()
    services.anpr.start()
    _run_http(services, create_app(services), listener, access_log=True)


def _run_http(services: Any, app: Any, listener: socket.socket, access_log: bool) -> None:
    """Serve `app` with uvicorn on `listener` until SIGTERM or Ctrl-C, logging as the settings say."""
    import uvicorn

    from belfort.logs import log_config
    from belfort.web.app import server_config

    server = services.settings.server
    host, port = listener.getsockname()[:2]
    config = server_config(
        app,
        host=host,
        port=port,
        log_config=log_config(server.log_format, server.log_level),
        log_level=server.log_level,
        access_log=access_log,
    )
    uvicorn.Server(config).run(sockets=[listener])


@main.command()
@data_options
@click.option("--host", help="Address to listen on (default from settings: 127.0.0.1).")
@click.option("--port", type=click.IntRange(1, 65535), help="Port to listen on (default from settings: 8080).")
@click.option("--node", "node", default=None, help="This node's name among the platform's (default: [node] name).")
def serve(settings: Settings, host: str | None, port: int | None, node: str | None) -> None:
    """Run the platform: web app and API."""
    _name_node(settings, node)
    listener = _listening(settings, host, port)
    with opened(settings) as services:
        services.start_node()
        if settings.recording.autostart and "recorder" in settings.node.roles:
            services.start_recording()
        services.start_alarms()
        _serve(services, listener)


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
    listener = None if no_serve else _listening(settings, host, port)
    with opened(settings) as services:
        accounts = seed_demo(services)
        click.echo(f"Belfort demo in {settings.data_dir.resolve()}")
        click.echo(f"{'user':<12}{'role':<12}{'organisation':<20}password")
        for account in accounts:
            click.echo(f"{account.username:<12}{account.role:<12}{account.organisation:<20}{account.password}")
        if listener is None:
            return
        services.start_node()
        services.start_recording()
        services.start_alarms()
        click.echo(f"Recording {len(services.media.running_cameras())} simulated cameras into {settings.storage_dir}")
        bound_host, bound_port = listener.getsockname()[:2]
        click.echo(f"Open http://{bound_host}:{bound_port} and sign in with one of the accounts above.")
        _serve(services, listener)


def _name_node(settings: Settings, node: str | None) -> None:
    """`--node NAME` over the settings' name; a bad one is a usage error."""
    if node is None:
        return
    from pydantic import ValidationError

    try:
        settings.node.name = node
    except ValidationError:
        fail(f"--node: '{node}' is not a node name; use letters, digits, '-' and '_' (at most 64)", 2)


@main.group()
def cluster() -> None:
    """The platform's nodes."""


@cluster.command("status")
@data_options
def cluster_status(settings: Settings) -> None:
    """Each node: up or down, roles, cameras recorded of its capacity, holds, last heartbeat, storage."""
    from belfort.i18n import format_ago

    with opened(settings) as services, services.db.session() as session:
        views = services.nodes.listed(session, cli_actor())
        if not views:
            click.echo("no node has run against this database yet")
        for view in views:
            node = view.node
            state = "up" if view.up else "DOWN"
            free = node.storage_free_bytes / 1e9
            renewed = (
                f" (renewed {format_ago(view.oldest_renewal_seconds, 'en')})"
                if view.oldest_renewal_seconds is not None
                else ""
            )
            click.echo(
                f"{node.name:<20} {state:<5} {node.roles:<26} cameras {node.cameras_recording}/{node.capacity} "
                f"({node.cameras_online} online)  holds {view.holds}{renewed}  "
                f"heartbeat {format_ago(view.silent_seconds, 'en')}  storage {free:.1f} GB free  {node.version}"
            )


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
    "--role",
    required=True,
    type=click.Choice(["operator", "inspector", "supervisor", "dpo", "admin", "partner", "security_guard"]),
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
    "--role",
    type=click.Choice(["operator", "inspector", "supervisor", "dpo", "admin", "partner", "security_guard"]),
    default=None,
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
    """Manage API tokens for machine clients (ANPR cameras, alarm centres, monitoring)."""


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
@click.option(
    "--url", "main_url", default="", help="Main stream, rtsp://host[:port]/path or sim://NAME (none for a drone)."
)
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


def _acting_for(session: Any, ref: str) -> Actor:
    """The command line's operator acting for organisation `ref` (name or id): audited as
    `cli:<os user>`, deciding as that organisation's own people would be decided."""
    import dataclasses

    from belfort.auth.service import find_organisation
    from belfort.policy.model import OrganisationKind

    org = find_organisation(session, ref.strip())
    return dataclasses.replace(
        cli_actor(),
        organisation_id=org.id,
        organisation_name=org.name,
        organisation_kind=OrganisationKind(org.kind),
    )


def _words(values: tuple[str, ...]) -> list[str]:
    """Option values given comma-separated, repeated, or both: `live,playback` or `--rights live --rights ptz`."""
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def _local_moment(settings: Settings, option: str, text: str | None) -> Any:
    """A moment typed as local time of the site (or with its offset), as aware UTC; a bad one is a usage error."""
    from belfort.timeutil import parse_local

    if text is None or not text.strip():
        return None
    try:
        return parse_local(text, settings.zone)
    except ValueError as exc:
        fail(
            f"{option}: '{text[:40]}' is not a time: write it like 2026-05-01T08:00 or 2026-05-01T08:00+02:00 ({exc})",
            2,
        )
    return None


def _grant_line(settings: Settings, row: Any, people: dict[str, str], now: Any) -> str:
    """One grant on one line: id, state, owner -> receiver, what it opens and on which terms."""
    from belfort.cameras.grants import members
    from belfort.timeutil import local_text

    grant = row.grant
    zone = settings.zone
    if grant.revoked_at is not None:
        state = "revoked"
    elif grant.valid_until is not None and grant.valid_until <= now:
        state = "ended"
    elif grant.valid_from > now:
        state = "waiting"
    else:
        state = "active"
    if grant.camera is not None:
        target = f"camera {grant.camera.name}"
    else:
        names = ", ".join(camera.name for camera in row.cameras) or "none now"
        target = f"group {grant.group.name if grant.group else '?'} ({names})"
    until = local_text(grant.valid_until, zone) if grant.valid_until else "revoked"
    parts = [
        f"{grant.id}  {state:<7} {grant.owner.name} -> {grant.grantee.name}: {target}",
        f"rights {','.join(members(grant.rights))}",
        f"from {local_text(grant.valid_from, zone)} until {until}",
        f"purposes {','.join(members(grant.purposes)) or 'any'}",
    ]
    if grant.footage_from or grant.footage_until:
        start = local_text(grant.footage_from, zone) if grant.footage_from else "..."
        end = local_text(grant.footage_until, zone) if grant.footage_until else "..."
        parts.append(f"footage {start} to {end}")
    narrowed = [
        f"rights {','.join(members(grant.narrow_rights))}" if grant.narrow_rights else "",
        f"roles {','.join(members(grant.narrow_roles))}" if grant.narrow_roles else "",
        f"people {','.join(people.get(i, i) for i in members(grant.narrow_people))}" if grant.narrow_people else "",
    ]
    if any(narrowed):
        parts.append("narrowed to " + " ".join(part for part in narrowed if part))
    parts.append(f"reason: {grant.reason}")
    if grant.revoked_at is not None:
        parts.append(f"revoked {local_text(grant.revoked_at, zone)} by {grant.revoked_by}: {grant.revoke_reason}")
    return "  ".join(parts)


def _usernames(session: Any) -> dict[str, str]:
    from sqlalchemy import select

    from belfort.auth.models import User

    return {str(uid): name for uid, name in session.execute(select(User.id, User.username)).all()}


def _find_grant(session: Any, ref: str) -> Any:
    import uuid

    from belfort.cameras.models import Grant

    try:
        return session.get(Grant, uuid.UUID(ref.strip()))
    except ValueError:
        return None


@main.group()
def grant() -> None:
    """Share cameras with other organisations: grants, their narrowing and revocation."""


@grant.command("add")
@data_options
@click.option("--owner", required=True, help="The organisation that owns the cameras and grants (name or id).")
@click.option("--to", "grantee", required=True, help="The organisation that receives the grant (name or id).")
@click.option("--camera", "cameras", multiple=True, help="A camera of the owner (name or id); repeat for several.")
@click.option("--group", default="", help="One of the owner's camera groups (name or id), instead of cameras.")
@click.option(
    "--rights",
    multiple=True,
    required=True,
    help="Comma-separated: live, playback, export, ptz, anpr_reads, anpr_hits.",
)
@click.option("--reason", required=True, help="Why the grant is given (at least 10 characters).")
@click.option("--from", "valid_from", default=None, help="Start, local time of the site or with offset (default: now).")
@click.option("--until", "valid_until", default=None, help="End, local time or with offset (default: until revoked).")
@click.option(
    "--purpose",
    "purposes",
    multiple=True,
    help="Only for this purpose: administrative or judicial; repeat for both (default: any purpose).",
)
@click.option("--footage-from", default=None, help="Oldest footage the grant opens (local time or with offset).")
@click.option("--footage-until", default=None, help="Newest footage the grant opens (local time or with offset).")
def grant_add(
    settings: Settings,
    owner: str,
    grantee: str,
    cameras: tuple[str, ...],
    group: str,
    rights: tuple[str, ...],
    reason: str,
    valid_from: str | None,
    valid_until: str | None,
    purposes: tuple[str, ...],
    footage_from: str | None,
    footage_until: str | None,
) -> None:
    """Grant an organisation rights on cameras (one grant each) or on a group (one grant)."""
    from belfort.sharing.grants import GrantRow, GrantService, GrantSpec

    spec = GrantSpec(
        grantee=grantee,
        rights=_words(rights),
        reason=reason,
        cameras=tuple(cameras),
        group=group,
        valid_from=_local_moment(settings, "--from", valid_from),
        valid_until=_local_moment(settings, "--until", valid_until),
        purposes=_words(purposes),
        footage_from=_local_moment(settings, "--footage-from", footage_from),
        footage_until=_local_moment(settings, "--footage-until", footage_until),
    )
    with opened(settings) as services, services.db.session() as session:
        actor = _acting_for(session, owner)
        for ref in cameras:
            item = services.cameras.find(session, ref)
            if item is not None and item.organisation_id != actor.organisation_id:
                fail(
                    f"camera {item.name} belongs to {item.organisation.name}, not {actor.organisation_name}: "
                    "only its owner grants access to it"
                )
        made = services.grants.add(session, actor, spec)
        people = _usernames(session)
        for item in made:
            row = GrantRow(item, GrantService.cameras_of(session, item))
            click.echo(_grant_line(settings, row, people, services.clock()))


@grant.command("list")
@data_options
@click.option("--org", "organisation", default=None, help="Only this organisation's grants (name or id).")
@click.option("--given", "side", flag_value="given", default=None, help="Only the grants the organisation gave.")
@click.option("--received", "side", flag_value="received", help="Only the grants the organisation received.")
@click.option("--ended", is_flag=True, help="Include revoked and ended grants.")
def grant_list(settings: Settings, organisation: str | None, side: str | None, ended: bool) -> None:
    """List grants, newest first: one line each, times local to the site."""
    if side and not organisation:
        fail("--given and --received need --org: whose grants?", 2)
    with opened(settings) as services, services.db.session() as session:
        people = _usernames(session)
        if organisation:
            actor = _acting_for(session, organisation)
            rows = []
            if side in (None, "given"):
                rows += services.grants.given(session, actor, include_ended=ended)
            if side in (None, "received"):
                rows += services.grants.received(session, actor, include_ended=ended)
        else:
            rows = []
            for item in services.accounts.list_organisations(session, cli_actor()):
                actor = _acting_for(session, str(item.id))
                rows += services.grants.given(session, actor, include_ended=ended)
        rows.sort(key=lambda row: row.grant.created_at, reverse=True)
        now = services.clock()
        for row in rows:
            click.echo(_grant_line(settings, row, people, now))


@grant.command("revoke")
@data_options
@click.argument("grant_id")
@click.option("--reason", required=True, help="Why the grant ends (at least 10 characters); shown to its viewers.")
@click.option("--owner", default=None, help="The owner organisation (name or id); checked against the grant's.")
def grant_revoke(settings: Settings, grant_id: str, reason: str, owner: str | None) -> None:
    """End a grant now: live streams under it stop, its playback links and pending exports are refused."""
    with opened(settings) as services, services.db.session() as session:
        found = _find_grant(session, grant_id)
        if owner is not None:
            actor = _acting_for(session, owner)
            if found is not None and found.owner_organisation_id != actor.organisation_id:
                fail(f"grant {grant_id} was given by {found.owner.name}, not {actor.organisation_name}")
        else:
            actor = _acting_for(session, str(found.owner_organisation_id)) if found is not None else cli_actor()
        revoked = services.grants.revoke(session, actor, grant_id, reason)
        click.echo(f"grant {revoked.id} of {revoked.owner.name} to {revoked.grantee.name} revoked")


@grant.command("narrow")
@data_options
@click.argument("grant_id")
@click.option("--rights", default=None, help="Keep only these rights (comma-separated); '' keeps all the owner gave.")
@click.option("--roles", default=None, help="Only these roles (comma-separated); '' lifts the limit.")
@click.option("--people", default=None, help="Only these user names of the receiver (comma-separated); '' lifts it.")
def grant_narrow(settings: Settings, grant_id: str, rights: str | None, roles: str | None, people: str | None) -> None:
    """Narrow a received grant (the receiving side); options not given stay as they are, never wider than given."""
    from belfort.cameras.grants import members
    from belfort.sharing.grants import GrantRow, GrantService, Narrowing

    with opened(settings) as services, services.db.session() as session:
        found = _find_grant(session, grant_id)
        actor = _acting_for(session, str(found.grantee_organisation_id)) if found is not None else cli_actor()
        names = _usernames(session)
        kept = {
            "rights": members(found.narrow_rights) if found else [],
            "roles": members(found.narrow_roles) if found else [],
            "people": [names.get(uid, uid) for uid in members(found.narrow_people)] if found else [],
        }
        narrowing = Narrowing(
            rights=_words((rights,)) if rights is not None else kept["rights"],
            roles=_words((roles,)) if roles is not None else kept["roles"],
            people=_words((people,)) if people is not None else kept["people"],
        )
        narrowed = services.grants.narrow(session, actor, grant_id, narrowing)
        row = GrantRow(narrowed, GrantService.cameras_of(session, narrowed))
        click.echo(_grant_line(settings, row, names, services.clock()))


@main.group()
def group() -> None:
    """Camera groups: hand-picked, or every camera of an area, a street or an owner."""


@group.command("add")
@data_options
@click.argument("name")
@click.option("--org", "organisation", required=True, help="The organisation the group belongs to (name or id).")
@click.option("--rule", type=click.Choice(["picked", "area", "street", "owner"]), required=True)
@click.option("--value", default="", help="The area, the street, or the owner organisation's name (not for picked).")
@click.option("--camera", "cameras", multiple=True, help="A camera of a picked group (name or id); repeat for several.")
def group_add(
    settings: Settings, name: str, organisation: str, rule: str, value: str, cameras: tuple[str, ...]
) -> None:
    """Make a camera group; a rule group follows its cameras as they are registered or changed."""
    if cameras and rule != "picked":
        fail("--camera is for a picked group; a group by rule takes its cameras from --value", 2)
    with opened(settings) as services, services.db.session() as session:
        actor = _acting_for(session, organisation)
        made = services.groups.create(session, actor, name, rule, value, cameras)
        count = _member_count(session, made.id)
        click.echo(f"group {made.name} of {actor.organisation_name} ({made.rule}, {count}) id {made.id}")


def _member_count(session: Any, group_id: Any) -> str:
    from sqlalchemy import func, select

    from belfort.cameras.models import CameraGroupMember
    from belfort.words import plural

    statement = select(func.count()).select_from(CameraGroupMember).where(CameraGroupMember.group_id == group_id)
    return plural(int(session.scalar(statement) or 0), "camera")


def _group_lines(session: Any, views: list[Any]) -> Iterator[str]:
    from sqlalchemy import select

    from belfort.auth.models import Organisation
    from belfort.cameras.groups import describe_rule
    from belfort.words import plural

    owners = {str(uid): name for uid, name in session.execute(select(Organisation.id, Organisation.name)).all()}
    for view in views:
        names = ", ".join(camera.name for camera in view.cameras) or "-"
        yield (
            f"{view.group.id}  {view.group.organisation.name}: {view.group.name}  "
            f"({describe_rule(view.group, owners)}, {plural(len(view.cameras), 'camera')}): {names}"
        )


@group.command("list")
@data_options
@click.option("--org", "organisation", default=None, help="Only this organisation's groups (name or id).")
def group_list(settings: Settings, organisation: str | None) -> None:
    """List camera groups with their cameras."""
    with opened(settings) as services, services.db.session() as session:
        if organisation:
            actors = [_acting_for(session, organisation)]
        else:
            orgs = services.accounts.list_organisations(session, cli_actor())
            actors = [_acting_for(session, str(item.id)) for item in orgs]
        for actor in actors:
            for line in _group_lines(session, services.groups.listed(session, actor)):
                click.echo(line)


@group.command("cameras")
@data_options
@click.argument("name")
@click.option("--org", "organisation", required=True, help="The organisation the group belongs to (name or id).")
@click.option("--camera", "cameras", multiple=True, help="A camera (name or id); repeat; none empties the group.")
def group_cameras(settings: Settings, name: str, organisation: str, cameras: tuple[str, ...]) -> None:
    """Set the cameras of a picked group (replaces its list)."""
    with opened(settings) as services, services.db.session() as session:
        actor = _acting_for(session, organisation)
        changed = services.groups.set_cameras(session, actor, name, cameras)
        count = _member_count(session, changed.id)
        click.echo(f"group {changed.name} of {actor.organisation_name} now has {count}")


@group.command("remove")
@data_options
@click.argument("name")
@click.option("--org", "organisation", required=True, help="The organisation the group belongs to (name or id).")
def group_remove(settings: Settings, name: str, organisation: str) -> None:
    """Delete a camera group that no grant names (grants, revoked ones too, stay on record)."""
    with opened(settings) as services, services.db.session() as session:
        actor = _acting_for(session, organisation)
        services.groups.remove(session, actor, name)
        click.echo(f"group {name} of {actor.organisation_name} removed")


@main.command()
@data_options
@click.option("--node", "node", default=None, help="This node's name among the platform's (default: [node] name).")
@click.option("--host", default=None, help="Address to answer other nodes and Prometheus on (default: [server] host).")
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=None,
    help="Port to answer on (default: [server] port). Without it or [node] url, the node answers nothing.",
)
def record(settings: Settings, node: str | None, host: str | None, port: int | None) -> None:
    """Record cameras without the web app: every enabled one alone, its share in a cluster.

    In a cluster (`[node] url` set, or --port), the node also answers the web nodes for its
    footage, and Prometheus at /metrics."""
    import signal
    import threading

    _name_node(settings, node)
    serving = bool(settings.node.url) or port is not None
    listener = _listening(settings, host, port) if serving else None
    with opened(settings) as services:
        app = None
        if listener is not None:  # built before recording starts, so the node answers soon after
            from belfort.web.app import create_node_app

            app = create_node_app(services)
        services.start_node()
        services.start_recording()
        report = services.media.recovery
        if report is not None and not report.clean:
            click.echo(f"recovery: {report.summary()}")
        click.echo(f"recording into {services.settings.storage_dir}; stop with Ctrl-C")
        if listener is not None:
            _run_http(services, app, listener, False)
            return
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        signal.signal(signal.SIGINT, lambda *_: stop.set())
        while not stop.wait(1):  # the media service renews its camera holds and follows the registry itself
            pass


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


# -- access requests ---------------------------------------------------------------------


@main.group()
def request() -> None:
    """Access requests: another organisation asks for access to cameras; the owner decides."""


def _find_request(session: Any, ref: str) -> Any:
    import uuid

    from belfort.sharing.models import AccessRequest

    try:
        return session.get(AccessRequest, uuid.UUID(ref.strip()))
    except ValueError:
        return None


def _find_export(session: Any, ref: str) -> Any:
    import uuid

    from belfort.evidence.models import EvidenceExport

    return session.get(EvidenceExport, uuid.UUID(ref))


def _request_line(settings: Settings, row: Any) -> str:
    from belfort.cameras.grants import members
    from belfort.timeutil import local_text

    found = row.request
    asked = f"group {row.group.name}" if row.group else ", ".join(camera.name for camera in row.cameras)
    columns = [
        str(found.id),
        found.state,
        f"{found.requester_organisation.name} ({found.requester_name}) -> {found.owner_organisation.name}",
        asked,
        ",".join(members(found.rights)),
        f"{local_text(found.footage_from, settings.zone)} - {local_text(found.footage_until, settings.zone)}",
        found.purpose,
        found.case_number,
    ]
    if found.decision_reason:
        columns.append(found.decision_reason)
    return "\t".join(columns)


@request.command("list")
@data_options
@click.option("--org", "organisation", default=None, help="Only this organisation's requests (name or id).")
@click.option(
    "--box",
    type=click.Choice(["inbox", "outbox"]),
    default="inbox",
    show_default=True,
    help="inbox: requests to the organisation; outbox: requests it made.",
)
def request_list(settings: Settings, organisation: str | None, box: str) -> None:
    """List access requests, newest first: one line each, times local to the site."""
    with opened(settings) as services, services.db.session() as session:
        rows = []
        orgs = (
            [organisation]
            if organisation
            else [str(item.id) for item in services.accounts.list_organisations(session, cli_actor())]
        )
        for ref in orgs:
            actor = _acting_for(session, ref)
            if box == "inbox":
                rows += services.requests.inbox(session, actor)
            else:
                rows += services.requests.outbox(session, actor, mark_seen=False)
        rows.sort(key=lambda row: row.request.created_at, reverse=True)
        for row in rows:
            click.echo(_request_line(settings, row))


@request.command("approve")
@data_options
@click.argument("request_id")
@click.option(
    "--cameras", multiple=True, help="Keep only these of the cameras asked for (names or ids, comma-separated)."
)
@click.option("--rights", multiple=True, help="Keep only these of the rights asked for (comma-separated).")
@click.option(
    "--footage-from", default=None, help="Oldest footage, inside the range asked (local time or with offset)."
)
@click.option(
    "--footage-until", default=None, help="Newest footage, inside the range asked (local time or with offset)."
)
@click.option("--until", "valid_until", default=None, help="When the grant ends (default: until revoked).")
@click.option("--export-only", is_flag=True, help="Build the signed package for the requester instead of granting.")
@click.option("--note", default="", help="Said to the requester with the decision.")
def request_approve(
    settings: Settings,
    request_id: str,
    cameras: tuple[str, ...],
    rights: tuple[str, ...],
    footage_from: str | None,
    footage_until: str | None,
    valid_until: str | None,
    export_only: bool,
    note: str,
) -> None:
    """Approve a request as the owner: as asked, narrower, or as export only (the package is built before returning)."""
    from belfort.sharing.requests import Approval

    approval = Approval(
        cameras=_words(cameras),
        rights=_words(rights),
        footage_from=_local_moment(settings, "--footage-from", footage_from),
        footage_until=_local_moment(settings, "--footage-until", footage_until),
        valid_until=_local_moment(settings, "--until", valid_until),
        note=note,
    )
    with opened(settings) as services:
        with services.db.session() as session:
            found = _find_request(session, request_id)
            actor = _acting_for(session, str(found.owner_organisation_id)) if found is not None else cli_actor()
            if export_only:
                decided = services.requests.approve_export_only(session, actor, request_id, approval)
                exports = decided.export_ids.split()
                requester = decided.requester_organisation.name
            else:
                made = services.requests.approve(session, actor, request_id, approval)
                for grant in made:
                    target = grant.camera.name if grant.camera else (grant.group.name if grant.group else "")
                    click.echo(f"grant {grant.id} to {grant.grantee.name}: {target}")
                return
        if not services.exports.wait_idle(3600):
            fail("the package is still being built; it is finished when `belfort serve` runs again")
        with services.db.session() as session:
            for export_id in exports:
                row = _find_export(session, export_id)
                state = row.state if row else "missing"
                click.echo(
                    f"package {export_id} for {requester}: {state}" + (f" ({row.error})" if row and row.error else "")
                )


@request.command("refuse")
@data_options
@click.argument("request_id")
@click.option(
    "--reason", required=True, help="Why the request is refused (at least 10 characters); the requester reads it."
)
def request_refuse(settings: Settings, request_id: str, reason: str) -> None:
    """Refuse a request as the owner, saying why."""
    with opened(settings) as services, services.db.session() as session:
        found = _find_request(session, request_id)
        actor = _acting_for(session, str(found.owner_organisation_id)) if found is not None else cli_actor()
        refused = services.requests.refuse(session, actor, request_id, reason)
        click.echo(f"request {refused.id} of {refused.requester_organisation.name} refused")


@main.group()
def premises() -> None:
    """Alarm premises: an alarm centre's subscribers, their DC-09 accounts and keys, and camera consents."""


def _zones(values: tuple[str, ...]) -> dict[str, str] | None:
    """`--zone 3="Shop window"` options as a zone map; None when none was given."""
    if not values:
        return None
    zones = {}
    for value in values:
        number, sep, name = value.partition("=")
        if not sep or not number.strip() or not name.strip():
            fail(f"--zone: write a zone as NUMBER=NAME, such as 3=Shop window (not '{value[:40]}')", 2)
        zones[number.strip()] = name.strip()
    return zones


def _premises_line(settings: Settings, item: Any) -> str:
    from belfort.timeutil import local_text

    key = f"key AES-{item.key_bits} {item.key_fingerprint}" if item.key_bits else "no key"
    if item.supervision_seconds <= 0:
        supervision = "unsupervised"
    elif item.fault_since is not None:
        supervision = f"FAULT since {local_text(item.fault_since, settings.zone)}"
    else:
        supervision = f"polled every {item.supervision_seconds} s"
    heard = local_text(item.last_message_at, settings.zone) if item.last_message_at else "never"
    return "  ".join(
        [
            f"{item.id}  {item.name}",
            f"account {item.prefix}:{item.account}",
            f"{item.centre.name} -> {item.police.name}",
            item.address,
            key,
            supervision,
            f"last message {heard}",
        ]
    )


def _premises_actor(services: Any, session: Any, ref: str) -> Actor:
    """The command line's operator acting for the alarm centre of premises `ref`."""
    view = services.premises.view(session, cli_actor(), ref)
    return _acting_for(session, str(view.premises.centre_organisation_id))


@premises.command("add")
@data_options
@click.argument("name")
@click.option("--centre", required=True, help="The alarm centre the premises belongs to (name or id).")
@click.option("--subscriber", required=True, help="Who the alarm centre's contract is with.")
@click.option("--address", required=True, help="Where the premises is.")
@click.option("--municipality", default="", help="Its municipality.")
@click.option("--contact", default="", help="Whom the police call (key holder, phone).")
@click.option("--police", required=True, help="The police zone that intervenes (name or id).")
@click.option("--prefix", default="0", show_default=True, help="DC-09 account prefix (L), hexadecimal.")
@click.option("--account", required=True, help="DC-09 account number (#), 3 to 16 hexadecimal characters.")
@click.option("--zone", "zones", multiple=True, help="An alarm zone as NUMBER=NAME; repeat for several.")
@click.option("--supervision", type=int, default=0, help="Seconds between supervision polls (0: not supervised).")
@click.option("--live-minutes", type=int, default=60, show_default=True, help="How long an alarm opens live view.")
@click.option("--prealarm", type=int, default=120, show_default=True, help="Seconds before the alarm to play back.")
@click.option(
    "--key-bits", type=click.Choice(["0", "128", "192", "256"]), default="0", help="Make an AES key (shown once)."
)
def premises_add(settings: Settings, name: str, centre: str, key_bits: str, **fields: Any) -> None:
    """Register a premises of an alarm centre; with --key-bits its new key is printed once."""
    from belfort.alarms.premises import PremisesSpec

    spec = PremisesSpec(
        name=name,
        subscriber=fields["subscriber"],
        address=fields["address"],
        municipality=fields["municipality"],
        contact=fields["contact"],
        police=fields["police"],
        prefix=fields["prefix"],
        account=fields["account"],
        zones=_zones(fields["zones"]) or {},
        supervision_seconds=fields["supervision"],
        live_minutes=fields["live_minutes"],
        prealarm_seconds=fields["prealarm"],
    )
    with opened(settings) as services, services.db.session() as session:
        actor = _acting_for(session, centre)
        made, key = services.premises.add(session, actor, spec, int(key_bits))
        click.echo(_premises_line(settings, made))
        if key:
            click.echo(f"key {key}  (shown this once: program it into the transmitter now)")


@premises.command("list")
@data_options
@click.option(
    "--org", "organisation", default=None, help="Only those this alarm centre runs or this police zone intervenes at."
)
def premises_list(settings: Settings, organisation: str | None) -> None:
    """List premises: account, centre -> police zone, key, supervision; one line each."""
    with opened(settings) as services, services.db.session() as session:
        org = _acting_for(session, organisation).organisation_id if organisation else None
        for item in services.premises.visible(session, cli_actor()):
            if org is None or org in (item.centre_organisation_id, item.police_organisation_id):
                click.echo(_premises_line(settings, item))


@premises.command("show")
@data_options
@click.argument("ref")
def premises_show(settings: Settings, ref: str) -> None:
    """One premises with its zones and the consents given for it (never its key)."""
    from belfort.timeutil import local_text

    with opened(settings) as services, services.db.session() as session:
        view = services.premises.view(session, cli_actor(), ref)
        item = view.premises
        click.echo(_premises_line(settings, item))
        click.echo(
            f"subscriber {item.subscriber}  municipality {item.municipality or '-'}  contact {item.contact or '-'}"
        )
        click.echo(f"live view {item.live_minutes} min  playback from {item.prealarm_seconds} s before the alarm")
        for number, label in sorted(services.premises.zones_of(item).items(), key=lambda z: int(z[0])):
            click.echo(f"zone {number}: {label}")
        now = services.clock()
        for consent in view.consents:
            if consent.withdrawn_at is not None:
                state = f"withdrawn {local_text(consent.withdrawn_at, settings.zone)}: {consent.withdraw_reason}"
            elif consent.valid_until is not None and consent.valid_until <= now:
                state = "ended"
            else:
                until = local_text(consent.valid_until, settings.zone) if consent.valid_until else "withdrawn"
                state = f"holds until {until}"
            scope = ",".join(s for s, on in (("live", consent.live), ("prealarm", consent.prealarm)) if on)
            click.echo(
                f"consent {consent.id}  camera {consent.camera.name} of {consent.owner.name}  {scope}  {state}"
                + (f"  ref {consent.reference}" if consent.reference else "")
            )


@premises.command("key")
@data_options
@click.argument("ref")
@click.option("--bits", type=click.Choice(["0", "128", "192", "256"]), default=None, help="Make a new key (0: none).")
@click.option("--hex", "key_hex", default=None, help="Use this key (hexadecimal), already in the transmitter.")
def premises_key(settings: Settings, ref: str, bits: str | None, key_hex: str | None) -> None:
    """Replace a premises' AES key: a new one is printed once, or set the one the transmitter uses."""
    if (bits is None) == (key_hex is None):
        fail("give either --bits (a new key is made) or --hex (the key the transmitter uses)", 2)
    with opened(settings) as services, services.db.session() as session:
        actor = _premises_actor(services, session, ref)
        if key_hex is not None:
            item = services.premises.set_key(session, actor, ref, key_hex)
            click.echo(_premises_line(settings, item))
            return
        item, key = services.premises.new_key(session, actor, ref, int(bits or 0))
        click.echo(_premises_line(settings, item))
        if key:
            click.echo(f"key {key}  (shown this once: program it into the transmitter now)")


@premises.command("remove")
@data_options
@click.argument("ref")
def premises_remove(settings: Settings, ref: str) -> None:
    """Remove a premises: its alarms are no longer accepted; its incidents stay."""
    with opened(settings) as services, services.db.session() as session:
        actor = _premises_actor(services, session, ref)
        item = services.premises.remove(session, actor, ref)
        click.echo(f"premises {item.name} ({item.prefix}:{item.account}) removed")


@premises.command("consent")
@data_options
@click.argument("ref")
@click.option("--camera", required=True, help="The camera (name or id); its owner gives the consent.")
@click.option("--no-live", is_flag=True, help="Not for live view.")
@click.option("--no-prealarm", is_flag=True, help="Not for playback of the minutes before the alarm.")
@click.option("--until", "valid_until", default=None, help="When the consent ends (default: until withdrawn).")
@click.option("--reference", default="", help="The signed form or contract the consent rests on.")
def premises_consent(
    settings: Settings,
    ref: str,
    camera: str,
    no_live: bool,
    no_prealarm: bool,
    valid_until: str | None,
    reference: str,
) -> None:
    """The camera owner's consent that the camera is forwarded to the premises' police zone on an alarm."""
    from belfort.alarms.premises import ConsentSpec

    spec = ConsentSpec(
        camera=camera,
        live=not no_live,
        prealarm=not no_prealarm,
        valid_until=_local_moment(settings, "--until", valid_until),
        reference=reference,
    )
    with opened(settings) as services, services.db.session() as session:
        found = services.cameras.find(session, camera)
        actor = _acting_for(session, str(found.organisation_id)) if found is not None else cli_actor()
        given = services.premises.consent(session, actor, ref, spec)
        click.echo(
            f"consent {given.id}: camera {given.camera.name} of {given.owner.name} to "
            f"{given.premises.police.name} on alarms at {given.premises.name}"
        )


@premises.command("withdraw-consent")
@data_options
@click.argument("consent_id")
@click.option("--reason", required=True, help="Why the consent ends (at least 10 characters).")
def premises_withdraw_consent(settings: Settings, consent_id: str, reason: str) -> None:
    """End a consent now, as the camera's owner: later alarms no longer forward the camera."""
    import uuid

    from belfort.alarms.models import Consent

    with opened(settings) as services, services.db.session() as session:
        try:
            found = session.get(Consent, uuid.UUID(consent_id.strip()))
        except ValueError:
            found = None
        actor = _acting_for(session, str(found.owner_organisation_id)) if found is not None else cli_actor()
        withdrawn = services.premises.withdraw(session, actor, consent_id, reason)
        click.echo(f"consent {withdrawn.id} for camera {withdrawn.camera.name} withdrawn")


@main.group()
def incidents() -> None:
    """The incident queues: alarms from premises and cameras, and how they were handled."""


def _incident_line(settings: Settings, item: Any) -> str:
    from belfort.timeutil import local_text

    where = (
        f"{item.premises.name} ({item.premises.address})"
        if item.premises
        else (f"camera {item.camera.name}" if item.camera else "")
    )
    parts = [
        f"#{item.number}",
        f"{item.state:<12}",
        item.category,
        where,
        f"alarm {local_text(item.alarm_at, settings.zone)}",
    ]
    if item.zone:
        parts.append(f"zone {item.zone}" + (f" {item.zone_name}" if item.zone_name else ""))
    if item.live_until is not None:
        parts.append(f"live until {local_text(item.live_until, settings.zone)}")
    if item.outcome:
        parts.append(f"outcome {item.outcome}")
    return "  ".join(part for part in parts if part)


def _incident_actor(services: Any, session: Any, ref: str) -> Actor:
    """The command line's operator acting for the organisation whose queue holds incident `ref`."""
    view = services.incidents.view(session, cli_actor(), ref)
    return _acting_for(session, str(view.incident.organisation_id))


@incidents.command("list")
@data_options
@click.option("--org", "organisation", default=None, help="Only this organisation's queue (name or id).")
@click.option("--all", "include_closed", is_flag=True, help="Include closed incidents.")
def incidents_list(settings: Settings, organisation: str | None, include_closed: bool) -> None:
    """List incidents, newest first: one line each, times local to the site."""
    with opened(settings) as services, services.db.session() as session:
        refs = (
            [organisation]
            if organisation
            else [str(item.id) for item in services.accounts.list_organisations(session, cli_actor())]
        )
        found = []
        for ref in refs:
            found += services.incidents.queue(session, _acting_for(session, ref), include_closed=include_closed)
        found.sort(key=lambda item: item.opened_at, reverse=True)
        for item in found:
            click.echo(_incident_line(settings, item))


@incidents.command("show")
@data_options
@click.argument("ref")
def incidents_show(settings: Settings, ref: str) -> None:
    """One incident: its premises, cameras and timeline."""
    from belfort.timeutil import local_text

    with opened(settings) as services, services.db.session() as session:
        view = services.incidents.view(session, _incident_actor(services, session, ref), ref)
        item = view.incident
        click.echo(_incident_line(settings, item))
        if item.premises is not None:
            found = item.premises
            click.echo(
                f"premises {found.name}, {found.address}  subscriber {found.subscriber}  centre {found.centre.name}"
            )
            if found.contact:
                click.echo(f"contact {found.contact}")
        for camera in view.cameras:
            until = local_text(camera.live_until, settings.zone) if camera.live_until else "-"
            click.echo(f"camera {camera.name} of {camera.owner}  {'ended' if camera.ended else 'live'} until {until}")
        for entry in view.entries:
            text = f": {entry.text}" if entry.text else ""
            click.echo(f"{local_text(entry.at, settings.zone)}  {entry.kind}  {entry.actor}{text}")


@incidents.command("ack")
@data_options
@click.argument("ref")
def incidents_ack(settings: Settings, ref: str) -> None:
    """Acknowledge an incident: it is taken in hand."""
    with opened(settings) as services:
        with services.db.session() as session:
            item = services.incidents.acknowledge(session, _incident_actor(services, session, ref), ref)
            changed = _incident_change(item)
            line = _incident_line(settings, item)
        services.incidents.announce([changed])
        click.echo(line)


@incidents.command("note")
@data_options
@click.argument("ref")
@click.option("--text", required=True, help="What was dispatched or found.")
def incidents_note(settings: Settings, ref: str, text: str) -> None:
    """Add a note to an incident's timeline."""
    with opened(settings) as services:
        with services.db.session() as session:
            item = services.incidents.note(session, _incident_actor(services, session, ref), ref, text)
            changed = _incident_change(item)
            line = _incident_line(settings, item)
        services.incidents.announce([changed])
        click.echo(line)


@incidents.command("close")
@data_options
@click.argument("ref")
@click.option(
    "--outcome",
    required=True,
    help="intervention, arrest, false_alarm, cancelled, no_trace or other.",
)
@click.option("--note", default="", help="A closing note.")
def incidents_close(settings: Settings, ref: str, outcome: str, note: str) -> None:
    """Close an incident with its outcome; its live view ends."""
    with opened(settings) as services:
        with services.db.session() as session:
            item = services.incidents.close(session, _incident_actor(services, session, ref), ref, outcome, note)
            changed = _incident_change(item)
            line = _incident_line(settings, item)
        services.incidents.announce([changed])
        click.echo(line)


def _incident_change(item: Any) -> Any:
    from belfort.alarms.incidents import Change

    return Change(item.organisation_id, item.id, "updated")


# -- public camera register ----------------------------------------------------------------


@main.group()
def register() -> None:
    """The public camera register: owners' entries, which cameras it lists, and its export."""


@register.command("profile")
@data_options
@click.option("--org", "organisation", required=True, help="The owner organisation, name or id.")
@click.option("--slug", default=None, help="Its page's name: /register/<slug> (default: made from the name).")
@click.option("--name", "public_name", default=None, help="Its name in the register (default: the organisation's).")
@click.option("--dpo-name", default=None)
@click.option("--dpo-email", default=None, help="Required the first time.")
@click.option("--dpo-phone", default=None)
@click.option("--dpo-address", default=None, help="The DPO's postal address.")
@click.option("--legal-basis-police", default=None, help="Empty: the law's own words.")
@click.option("--legal-basis-camera-law", default=None, help="Empty: the law's own words.")
@click.option("--pictogram", default=None, help="The pictogram's text (empty: the standard wording).")
@click.option("--website", default=None)
def register_profile(settings: Settings, organisation: str, **fields: Any) -> None:
    """Create or change an organisation's entry in the register (options left out keep their value)."""
    from belfort.transparency.register import ProfileSpec

    with opened(settings) as services, services.db.session() as session:
        profile = services.register.save_profile(session, _acting_for(session, organisation), ProfileSpec(**fields))
        click.echo(f"register entry of {profile.public_name}: /register/{profile.slug} (DPO {profile.dpo_email})")


@register.command("publish")
@data_options
@click.argument("ref")
@click.option("--municipality", default=None, help="The municipality it films in (required the first time).")
@click.option("--purpose", default=None, help='Its purpose in public words, e.g. "traffic safety".')
def register_publish(settings: Settings, ref: str, municipality: str | None, purpose: str | None) -> None:
    """List a camera (by id or name) in the public register."""
    from belfort.transparency.register import PublicationSpec

    with opened(settings) as services, services.db.session() as session:
        spec = PublicationSpec(public=True, municipality=municipality, purpose=purpose)
        camera = services.register.publish(session, cli_actor(), ref, spec)
        listed = "listed" if camera.enabled else "listed once it is enabled"
        click.echo(f"camera {camera.name} public in the register ({listed}): {camera.street or '(no street)'}")


@register.command("unpublish")
@data_options
@click.argument("ref")
def register_unpublish(settings: Settings, ref: str) -> None:
    """Take a camera (by id or name) out of the public register."""
    from belfort.transparency.register import PublicationSpec

    with opened(settings) as services, services.db.session() as session:
        camera = services.register.publish(session, cli_actor(), ref, PublicationSpec(public=False))
        click.echo(f"camera {camera.name} no longer in the register")


@register.command("export")
@data_options
@click.option("--format", "form", type=click.Choice(["csv", "json"]), default="csv", show_default=True)
@click.option("--street", default="", help="Only streets named like this.")
@click.option("--municipality", default="")
@click.option("--area", default="")
@click.option("--owner", default="", help="Only this owner's page name.")
@click.option("--base-url", default="", help="The site's address, for the owners' pages: https://belfort.example.be.")
def register_export(
    settings: Settings, form: str, street: str, municipality: str, area: str, owner: str, base_url: str
) -> None:
    """Print the register's rows, as anyone may download them (in English)."""
    import json

    from belfort.transparency.register import RegisterQuery, export_csv, export_record

    with opened(settings) as services, services.db.session() as session:
        rows = services.register.rows(session, RegisterQuery(street, municipality, area, owner))
        records = [export_record(row, str, base_url.rstrip("/")) for row in rows]
    if form == "json":
        click.echo(json.dumps({"rows": records}, ensure_ascii=False, indent=2))
    else:
        click.echo(export_csv(records), nl=False)


# -- the annual report ---------------------------------------------------------------------


@main.group()
def report() -> None:
    """Reports for the council and the DPO: the annual report of an organisation."""


@report.command("annual")
@data_options
@click.option("--organisation", "--org", "organisation", required=True, help="The organisation, name or id.")
@click.option("--year", default="", help="The calendar year, local to the site (default: last year).")
@click.option("--pdf", "pdf_file", type=click.Path(path_type=Path, dir_okay=False), help="Write the PDF document here.")
@click.option(
    "--language",
    type=click.Choice(LANGUAGES),
    default=None,
    help="The PDF's language (default: the site's).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON, as the API gives them.")
def report_annual(
    settings: Settings, organisation: str, year: str, pdf_file: Path | None, language: str | None, as_json: bool
) -> None:
    """Count an organisation's year: print its figures, or write them as a PDF (audited)."""
    from pydantic import TypeAdapter

    from belfort.i18n import translate
    from belfort.transparency.report import AnnualReport
    from belfort.transparency.report_pdf import pdf
    from belfort.transparency.report_tables import cell, sections

    with opened(settings) as services, services.db.session() as session:
        service = services.annual_report
        chosen = service.year(year) if year.strip() else service.default_year()
        figures = service.report(session, cli_actor(), organisation, chosen, form="pdf" if pdf_file else "cli")
        session.commit()
        if pdf_file is not None:
            try:
                pdf_file.write_bytes(pdf(figures, language or settings.language, settings.zone))
            except OSError as exc:
                fail(f"cannot write {pdf_file}: {exc.strerror or exc}")
            click.echo(f"annual report {figures.year} of {figures.organisation} written to {pdf_file}")
            return
    if as_json:
        click.echo(TypeAdapter(AnnualReport).dump_json(figures, indent=2).decode())
        return
    click.echo(f"Annual report {figures.year} of {figures.organisation}")
    for number, part in enumerate(sections(figures), start=1):
        click.echo(f"\n{number}. {translate(part.title, 'en')}")
        header = [translate(column, "en") for column in part.columns[1:]]
        if not part.rows:
            click.echo("  nothing to count in this year")
        for row in part.rows:
            values = ", ".join(
                f"{name} {cell(value, 'en', settings.zone)}" for name, value in zip(header, row.values, strict=True)
            )
            click.echo(f"  {translate(row.label, 'en')}: {values}{'  (needs attention)' if row.flagged else ''}")
        for note in part.notes:
            click.echo(f"  {translate(note, 'en')}")


def _cli_day(option: str, text: str | None) -> Any:
    """A day typed as YYYY-MM-DD, or None; a bad one is a usage error."""
    from datetime import date

    if text is None or not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        fail(f"{option}: '{text[:40]}' is not a day: write it like 2026-05-01", 2)
    return None


@main.group()
def ropa() -> None:
    """The register of processing activities: read it, write it out, keep its parts and declarations."""


@ropa.command("show")
@data_options
@click.option("--org", "organisation", required=True, help="The organisation whose register (name or id).")
def ropa_show(settings: Settings, organisation: str) -> None:
    """Print the register, drawn from the platform now, as Markdown."""
    from belfort.transparency.processing_document import markdown

    with opened(settings) as services, services.db.session() as session:
        view = services.processing_register.read(session, cli_actor(), organisation)
        click.echo(markdown(view, "en", settings.zone), nl=False)


@ropa.command("export")
@data_options
@click.option("--org", "organisation", required=True, help="The organisation whose register (name or id).")
@click.option("--format", "form", type=click.Choice(["pdf", "markdown"]), default="pdf", show_default=True)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), required=True, help="The file to write.")
@click.option("--language", type=click.Choice(["en", "nl", "fr", "de"]), default=None, help="Default: the site's.")
def ropa_export(settings: Settings, organisation: str, form: str, output: Path, language: str | None) -> None:
    """Write the register to a PDF or Markdown file."""
    from belfort.transparency.processing_document import markdown, pdf

    with opened(settings) as services, services.db.session() as session:
        view = services.processing_register.read(session, cli_actor(), organisation)
        spoken = language or settings.language
        body = pdf(view, spoken, settings.zone) if form == "pdf" else markdown(view, spoken, settings.zone).encode()
    try:
        output.write_bytes(body)
    except OSError as exc:
        fail(f"cannot write {output}: {exc.strerror or exc}")
    click.echo(f"register of processing activities of {view.organisation} written to {output}")


@ropa.command("edit")
@data_options
@click.option("--org", "organisation", required=True, help="The organisation whose register (name or id).")
@click.option(
    "--section",
    type=click.Choice(["description", "data_subjects", "recipients", "transfers", "measures"]),
    required=True,
)
@click.option("--text", required=True, help="The new text of the part (the old one is kept in the history).")
def ropa_edit(settings: Settings, organisation: str, section: str, text: str) -> None:
    """Replace a free-text part of the register."""
    with opened(settings) as services, services.db.session() as session:
        services.processing_register.edit(session, cli_actor(), section, text, organisation)
        click.echo(f"{section} saved; the earlier text is kept in the history")


@ropa.command("declare")
@data_options
@click.argument("camera")
@click.option("--ref", "reference", required=True, help="The declaration's reference.")
@click.option("--validated", required=True, help="The day it was made or last validated, YYYY-MM-DD.")
def ropa_declare(settings: Settings, camera: str, reference: str, validated: str) -> None:
    """Record a camera's declaration to the police services and its last validation."""
    day = _cli_day("--validated", validated)
    with opened(settings) as services, services.db.session() as session:
        services.processing_register.declare(session, cli_actor(), camera, reference, day)
        click.echo(f"declaration {reference} of {camera} recorded, validated on {day.isoformat()}")


def _subject_line(row: Any, service: Any) -> str:
    urgency = service.urgency_of(row)
    flag = f" ({urgency.value.replace('_', ' ')})" if urgency and urgency.value != "ok" else ""
    closed = f" closed {row.closed_on.isoformat()}" if row.closed_on else ""
    return (
        f"{row.reference}  {row.status:<9} received {row.received_on.isoformat()}  "
        f"answer by {row.due_on.isoformat()}{flag}{closed}  {row.requester_name}"
    )


@main.group("subject-request")
def subject_request() -> None:
    """Data-subject requests: a person asks for the footage of themselves; the DPO answers in time."""


@subject_request.command("add")
@data_options
@click.option("--org", "organisation", required=True, help="The organisation that received it (name or id).")
@click.option("--name", required=True, help="The requester's name.")
@click.option("--contact", required=True, help="How to reach the requester.")
@click.option("--identity-check", required=True, help="How the identity was checked, e.g. 'ID card seen at the desk'.")
@click.option("--checked-by", required=True, help="Who checked the identity.")
@click.option("--from", "start", required=True, help="Start of the footage asked for, local time of the site.")
@click.option("--until", "end", required=True, help="End of the footage asked for (at most 24 hours later).")
@click.option("--received", default=None, help="The day of receipt, YYYY-MM-DD (default: today).")
@click.option("--camera", "cameras", multiple=True, help="A camera of the organisation; repeat for several.")
@click.option("--place", default="", help="The street or area, to find the cameras when none is named.")
@click.option("--description", default="", help="How to recognise the person: clothes, what they carried.")
def subject_request_add(settings: Settings, organisation: str, **fields: Any) -> None:
    """Record a request whose requester's identity was checked."""
    from belfort.dpo.subject_requests import SubjectRequestSpec

    spec = SubjectRequestSpec(
        requester_name=fields["name"],
        requester_contact=fields["contact"],
        identity_check=fields["identity_check"],
        identity_checked_by=fields["checked_by"],
        period_start=_local_moment(settings, "--from", fields["start"]),
        period_end=_local_moment(settings, "--until", fields["end"]),
        received_on=_cli_day("--received", fields["received"]),
        cameras=_words(fields["cameras"]),
        place=fields["place"],
        description=fields["description"],
    )
    with opened(settings) as services, services.db.session() as session:
        row = services.subject_requests.record(session, _acting_for(session, organisation), spec)
        click.echo(_subject_line(row, services.subject_requests))


@subject_request.command("list")
@data_options
@click.option("--org", "organisation", required=True, help="The organisation (name or id).")
@click.option("--open", "open_only", is_flag=True, help="Only the requests still to answer.")
def subject_request_list(settings: Settings, organisation: str, open_only: bool) -> None:
    """List the requests: open ones by deadline, then the closed ones."""
    with opened(settings) as services, services.db.session() as session:
        service = services.subject_requests
        for row in service.listed(session, _acting_for(session, organisation), open_only):
            click.echo(_subject_line(row, service))


@subject_request.command("extend")
@data_options
@click.argument("reference")
@click.option("--org", "organisation", required=True, help="The organisation (name or id).")
@click.option("--reason", required=True, help="Why more time is needed (told to the requester).")
@click.option("--informed", is_flag=True, help="The requester was told of the extension and its reason.")
def subject_request_extend(settings: Settings, reference: str, organisation: str, reason: str, informed: bool) -> None:
    """Extend a request's deadline once."""
    with opened(settings) as services, services.db.session() as session:
        actor = _acting_for(session, organisation)
        row = services.subject_requests.extend(session, actor, reference, reason, informed)
        click.echo(_subject_line(row, services.subject_requests))


@subject_request.command("answer")
@data_options
@click.argument("reference")
@click.option("--org", "organisation", required=True, help="The organisation (name or id).")
@click.option("--outcome", required=True, help="The answer given.")
@click.option("--sent", required=True, help="What was sent to the requester, and how.")
@click.option("--on", "answered_on", default=None, help="The day it was answered, YYYY-MM-DD (default: today).")
def subject_request_answer(
    settings: Settings, reference: str, organisation: str, outcome: str, sent: str, answered_on: str | None
) -> None:
    """Close a request as answered."""
    day = _cli_day("--on", answered_on)
    with opened(settings) as services, services.db.session() as session:
        actor = _acting_for(session, organisation)
        row = services.subject_requests.answer(session, actor, reference, outcome, sent, day)
        click.echo(_subject_line(row, services.subject_requests))


@subject_request.command("refuse")
@data_options
@click.argument("reference")
@click.option("--org", "organisation", required=True, help="The organisation (name or id).")
@click.option("--reason", required=True, help="Why it is refused (told to the requester).")
def subject_request_refuse(settings: Settings, reference: str, organisation: str, reason: str) -> None:
    """Close a request as refused."""
    with opened(settings) as services, services.db.session() as session:
        row = services.subject_requests.refuse(session, _acting_for(session, organisation), reference, reason)
        click.echo(_subject_line(row, services.subject_requests))


@subject_request.command("find")
@data_options
@click.argument("reference")
@click.option("--org", "organisation", required=True, help="The organisation (name or id).")
def subject_request_find(settings: Settings, reference: str, organisation: str) -> None:
    """Look for the request's footage: per camera, what it recorded in the period, or why not."""
    from belfort.timeutil import local_text

    with opened(settings) as services, services.db.session() as session:
        found = services.subject_requests.find(session, _acting_for(session, organisation), reference)
        for footage in found:
            if footage.refused:
                click.echo(f"{footage.camera}: {footage.refused}")
                continue
            pieces = ", ".join(
                f"{local_text(start, settings.zone)} → {local_text(end, settings.zone)}"
                for start, end in footage.pieces
            )
            click.echo(f"{footage.camera}: {pieces}")


@subject_request.command("export")
@data_options
@click.argument("reference")
@click.option(
    "--user", "person", required=True, help="The DPO the package is made by (user name): decided and recorded as them."
)
@click.option("--camera", required=True, help="One of the request's cameras.")
@click.option("--from", "start", required=True, help="Start of the range, local time, inside the request's period.")
@click.option("--until", "end", required=True, help="End of the range, local time, inside the request's period.")
@click.option(
    "--output", required=True, type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Where to write the signed package (a ZIP).",
)  # fmt: skip
def subject_request_export(
    settings: Settings, reference: str, person: str, camera: str, start: str, end: str, output: Path
) -> None:
    """Build the signed package of a range, other people's faces blurred, for the requester."""
    import shutil

    from belfort.auth.service import actor_of_user
    from belfort.evidence.service import ExportItem

    item = ExportItem(camera, _local_moment(settings, "--from", start), _local_moment(settings, "--until", end))
    with opened(settings) as services:
        with services.db.session() as session:
            user = services.accounts.user_by_name(session, person)
            if not user.active:
                fail(f"user '{user.username}' is disabled")
            dpo = actor_of_user(user)
            export_id = services.subject_requests.export(session, dpo, reference, [item]).id
        services.exports.build(export_id)
        with services.db.session() as session:
            row, path = services.subject_requests.package(session, dpo, reference, str(export_id))
            shutil.copyfile(path, output)
            click.echo(f"{reference}: package {row.id} written to {output} (faces blurred, sha256 {row.sha256})")


@main.group()
def designation() -> None:
    """Designations to watch live: who the chief designated, trained when, until when."""


def _designation_line(row: Any) -> str:
    item = row.designation
    supervisor = f" under {item.supervisor.username}" if item.supervisor else ""
    ended = f" revoked {item.revoked_at:%Y-%m-%d} by {item.revoked_by}: {item.revoke_reason}" if item.revoked_at else ""
    return (
        f"{item.id}  {item.person.username:<16} trained {item.trained_on}  valid until {item.valid_until}"
        f"{supervisor}  {row.standing.value}{ended}"
    )


@designation.command("add")
@data_options
@click.option("--org", "organisation", required=True, help="The organisation whose person this is (name or id).")
@click.option("--user", "person", required=True, help="The person designated (user name or id).")
@click.option("--trained", "trained_on", required=True, help="The day of the training, YYYY-MM-DD.")
@click.option("--valid-until", "valid_until", required=True, help="The last day the designation holds, YYYY-MM-DD.")
@click.option("--training", default="", help="Which training: a course, a certificate number.")
@click.option("--supervisor", default="", help="A private security guard's supervising inspector (user name).")
def designation_add(
    settings: Settings,
    organisation: str,
    person: str,
    trained_on: str,
    valid_until: str,
    training: str,
    supervisor: str,
) -> None:
    """Designate a person to watch live (replaces their designation in force)."""
    from belfort.staffing.designations import DesignationRow, DesignationSpec, standing

    spec = DesignationSpec(
        person, _cli_day("--trained", trained_on), _cli_day("--valid-until", valid_until), training, supervisor
    )
    with opened(settings) as services, services.db.session() as session:
        made = services.designations.add(session, _acting_for(session, organisation), spec)
        state = standing(made, services.designations.today(), settings.staffing.designation_warning_days)
        click.echo(_designation_line(DesignationRow(made, state)))


@designation.command("list")
@data_options
@click.option("--org", "organisation", required=True, help="The organisation (name or id).")
@click.option("--all", "include_ended", is_flag=True, help="Include expired, revoked and replaced designations.")
def designation_list(settings: Settings, organisation: str, include_ended: bool) -> None:
    """List an organisation's designations, and whether it requires them."""
    with opened(settings) as services, services.db.session() as session:
        actor = _acting_for(session, organisation)
        required = services.designations.required(session, actor)
        click.echo(f"live view {'needs' if required else 'does not need'} a designation in {actor.organisation_name}")
        for row in services.designations.listed(session, actor, include_ended=include_ended):
            click.echo(_designation_line(row))


@designation.command("revoke")
@data_options
@click.argument("designation_id")
@click.option("--org", "organisation", required=True, help="The organisation (name or id).")
@click.option("--reason", required=True, help="Why the designation ends.")
def designation_revoke(settings: Settings, designation_id: str, organisation: str, reason: str) -> None:
    """Revoke a designation now."""
    with opened(settings) as services, services.db.session() as session:
        item = services.designations.revoke(session, _acting_for(session, organisation), designation_id, reason)
        click.echo(f"designation of {item.person.username} revoked; live view is refused to them from now on")


@designation.command("require")
@data_options
@click.option("--org", "organisation", required=True, help="The organisation (name or id).")
@click.option("--on/--off", "required", required=True, help="Whether only designated people watch live.")
def designation_require(settings: Settings, organisation: str, required: bool) -> None:
    """Switch on (or off) that only designated people watch live in an organisation."""
    with opened(settings) as services, services.db.session() as session:
        org = services.designations.set_required(session, _acting_for(session, organisation), required)
        click.echo(f"live view {'needs' if required else 'no longer needs'} a designation in {org.name}")


@main.group()
def shift() -> None:
    """Planned shifts in the control room and the team chief on duty."""


def _shift_line(settings: Settings, item: Any) -> str:
    from belfort.timeutil import local_text

    chief = "  team chief" if item.team_chief else ""
    state = f"  cancelled by {item.cancelled_by}" if item.cancelled_at else ""
    start, end = local_text(item.starts_at, settings.zone), local_text(item.ends_at, settings.zone)
    return f"{item.id}  {item.person.username:<16} {start} → {end}{chief}{state}"


@shift.command("add")
@data_options
@click.option("--org", "organisation", required=True, help="The organisation (name or id).")
@click.option("--user", "person", required=True, help="The person on duty (user name or id).")
@click.option("--start", required=True, help="Local time, like 2026-05-01T07:00 (or with its offset).")
@click.option("--end", required=True, help="Local time; the shift ends just before it.")
@click.option("--team-chief", is_flag=True, help="The team chief on duty (a person with the team chief's role).")
def shift_add(settings: Settings, organisation: str, person: str, start: str, end: str, team_chief: bool) -> None:
    """Plan a shift."""
    from belfort.staffing.shifts import ShiftSpec

    spec = ShiftSpec(
        person, _local_moment(settings, "--start", start), _local_moment(settings, "--end", end), team_chief
    )
    with opened(settings) as services, services.db.session() as session:
        click.echo(_shift_line(settings, services.shifts.add(session, _acting_for(session, organisation), spec)))


@shift.command("list")
@data_options
@click.option("--org", "organisation", required=True, help="The organisation (name or id).")
@click.option("--from", "since", default=None, help="Local time (default: now).")
@click.option("--days", default=7, type=click.IntRange(1, 62), help="How many days from then (default 7).")
def shift_list(settings: Settings, organisation: str, since: str | None, days: int) -> None:
    """List the shifts of an organisation, cancelled ones too."""
    from datetime import timedelta

    with opened(settings) as services, services.db.session() as session:
        start = _local_moment(settings, "--from", since) or services.clock()
        actor = _acting_for(session, organisation)
        for item in services.shifts.listed(session, actor, start, start + timedelta(days=days)):
            click.echo(_shift_line(settings, item))


@shift.command("cancel")
@data_options
@click.argument("shift_id")
@click.option("--org", "organisation", required=True, help="The organisation (name or id).")
def shift_cancel(settings: Settings, shift_id: str, organisation: str) -> None:
    """Cancel a shift still to come or under way."""
    with opened(settings) as services, services.db.session() as session:
        item = services.shifts.cancel(session, _acting_for(session, organisation), shift_id)
        click.echo(f"shift of {item.person.username} cancelled")


def _authorisation_line(settings: Settings, row: Any, now: Any) -> str:
    """One judicial authorisation on one line: id, state, reference, kind, case, scope, expiry."""
    from belfort.timeutil import local_text

    zone = settings.zone
    if row.revoked_at is not None:
        state = "revoked"
    elif row.expires_at <= now:
        state = "expired"
    else:
        state = "in-force"
    cameras = "all cameras" if row.all_cameras else ", ".join(camera.name for camera in row.cameras)
    parts = [
        f"{row.id}  {state:<8} {row.organisation.name}: {row.reference} ({row.kind}, {row.decided_on.isoformat()})",
        f"case {row.case_number}, {row.magistrate}",
        f"cameras {cameras}",
        f"footage {local_text(row.footage_from, zone)} to {local_text(row.footage_until, zone)}",
        f"expires {local_text(row.expires_at, zone)}",
    ]
    if row.revoked_at is not None:
        parts.append(f"revoked {local_text(row.revoked_at, zone)} by {row.revoked_by}: {row.revoke_reason}")
    return "  ".join(parts)


@main.group()
def authorisation() -> None:
    """Judicial authorisations: a prosecutor's decision or an investigating judge's order, cited by reference."""


@authorisation.command("add")
@data_options
@click.option("--org", "organisation", required=True, help="The organisation whose case it is (name or id).")
@click.option(
    "--kind",
    required=True,
    type=click.Choice(["prosecutor_decision", "investigating_judge_order"]),
    help="Who decided.",
)
@click.option("--reference", required=True, help="The decision's reference, cited on purpose forms.")
@click.option("--date", "decided_on", required=True, help="The date of the decision, YYYY-MM-DD.")
@click.option("--magistrate", required=True, help="The magistrate or office that decided.")
@click.option("--case", "case_number", required=True, help="The case number.")
@click.option("--camera", "cameras", multiple=True, help="A camera it covers (name or id); repeat for several.")
@click.option("--all-cameras", is_flag=True, help="It covers every camera the organisation may consult.")
@click.option("--footage-from", required=True, help="Oldest footage it opens (local time or with offset).")
@click.option("--footage-until", required=True, help="End of the footage it opens, exclusive (local time or offset).")
@click.option("--expires", required=True, help="From this moment on it opens nothing (local time or with offset).")
def authorisation_add(
    settings: Settings,
    organisation: str,
    kind: str,
    reference: str,
    decided_on: str,
    magistrate: str,
    case_number: str,
    cameras: tuple[str, ...],
    all_cameras: bool,
    footage_from: str,
    footage_until: str,
    expires: str,
) -> None:
    """Register a judicial authorisation (audited)."""
    from datetime import date

    from belfort.judicial.authorisations import AuthorisationSpec

    try:
        day = date.fromisoformat(decided_on.strip())
    except ValueError:
        fail(f"--date: '{decided_on[:40]}' is not a date: write it like 2026-11-02", 2)
    spec = AuthorisationSpec(
        kind=kind,
        reference=reference,
        decided_on=day,
        magistrate=magistrate,
        case_number=case_number,
        footage_from=_local_moment(settings, "--footage-from", footage_from),
        footage_until=_local_moment(settings, "--footage-until", footage_until),
        expires_at=_local_moment(settings, "--expires", expires),
        cameras=cameras,
        all_cameras=all_cameras,
    )
    with opened(settings) as services, services.db.session() as session:
        row = services.authorisations.register(session, _acting_for(session, organisation), spec)
        click.echo(_authorisation_line(settings, row, services.clock()))


@authorisation.command("list")
@data_options
@click.option("--org", "organisation", default=None, help="Only this organisation's (name or id).")
@click.option("--ended", is_flag=True, help="Include revoked and expired authorisations.")
def authorisation_list(settings: Settings, organisation: str | None, ended: bool) -> None:
    """List judicial authorisations, newest decision first: one line each, times local to the site."""
    with opened(settings) as services, services.db.session() as session:
        actor = _acting_for(session, organisation) if organisation else cli_actor()
        now = services.clock()
        for row in services.authorisations.listed(session, actor, include_ended=ended):
            click.echo(_authorisation_line(settings, row, now))


@authorisation.command("revoke")
@data_options
@click.argument("ref")
@click.option("--org", "organisation", required=True, help="The organisation that registered it (name or id).")
@click.option("--reason", required=True, help="Why it is no longer used (at least 10 characters).")
def authorisation_revoke(settings: Settings, ref: str, organisation: str, reason: str) -> None:
    """Revoke an authorisation (its id or reference): looks citing it are refused from now on."""
    with opened(settings) as services, services.db.session() as session:
        row = services.authorisations.revoke(session, _acting_for(session, organisation), ref, reason)
        click.echo(f"authorisation {row.reference} of {row.organisation.name} revoked")


def _mission_line(settings: Settings, row: Any) -> str:
    """One drone mission on one line: id, take-off, minutes, regime, area, purpose, footage."""
    from belfort.timeutil import local_text

    mission = row.mission
    minutes = round(row.duration.total_seconds() / 60)
    authorised = f" under {mission.authorisation.reference}" if mission.authorisation else ""
    return (
        f"{mission.id}  {local_text(mission.started_at, settings.zone)}  {minutes} min  {mission.regime}{authorised}  "
        f"{mission.area}: {mission.purpose}  drone {mission.camera.name}, {row.segments} recording(s), "
        f"{round(row.footage_seconds)} s of footage"
    )


@main.group()
def drone() -> None:
    """The drone missions log, its videos and the yearly report to the council."""


@drone.command("log")
@data_options
@click.option("--org", "organisation", required=True, help="The organisation that flew (name or id).")
@click.option("--drone", "camera", required=True, help="The drone: a camera of kind drone (name or id).")
@click.option("--regime", required=True, type=click.Choice(["administrative", "judicial"]))
@click.option("--authorisation", default="", help="Judicial: the reference of the authorisation it flew under.")
@click.option("--requested-by", "requesting", required=True, help="The officer who asked for the flight.")
@click.option("--responsible", required=True, help="The officer responsible for it.")
@click.option("--purpose", required=True, help="What the flight was for.")
@click.option("--proportionality", required=True, help="Why flying was proportionate (40+ characters, 6+ words).")
@click.option("--subsidiarity", required=True, help="Why less intrusive means would not have done (same rule).")
@click.option("--area", required=True, help="The area flown over.")
@click.option("--take-off", "started", required=True, help="Local time or with offset.")
@click.option("--landing", "ended", required=True, help="Local time or with offset.")
@click.option(
    "--video",
    "videos",
    multiple=True,
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="A video file the drone recorded (MP4 or MKV), starting at take-off; repeat for several.",
)
def drone_log(
    settings: Settings,
    organisation: str,
    camera: str,
    regime: str,
    authorisation: str,
    requesting: str,
    responsible: str,
    purpose: str,
    proportionality: str,
    subsidiarity: str,
    area: str,
    started: str,
    ended: str,
    videos: tuple[Path, ...],
) -> None:
    """Log a drone flight (audited): refused without a justification of substance."""
    from belfort.judicial.drones import MissionSpec, Video

    spec = MissionSpec(
        regime=regime,
        camera=camera,
        requesting_officer=requesting,
        responsible_officer=responsible,
        purpose=purpose,
        proportionality=proportionality,
        subsidiarity=subsidiarity,
        area=area,
        started_at=_local_moment(settings, "--take-off", started),
        ended_at=_local_moment(settings, "--landing", ended),
        authorisation=authorisation,
    )
    with opened(settings) as services, services.db.session() as session:
        row = services.drone_missions.log(session, _acting_for(session, organisation), spec, [Video(v) for v in videos])
        click.echo(_mission_line(settings, row))


@drone.command("video")
@data_options
@click.argument("mission_id")
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option("--org", "organisation", required=True, help="The organisation that flew (name or id).")
@click.option("--start", default=None, help="When the recording started, local time (default: take-off).")
def drone_video(settings: Settings, mission_id: str, path: Path, organisation: str, start: str | None) -> None:
    """Import one more video of a logged mission as its drone's footage (audited)."""
    from belfort.judicial.drones import Video

    video = Video(path, _local_moment(settings, "--start", start))
    with opened(settings) as services, services.db.session() as session:
        row = services.drone_missions.add_video(session, _acting_for(session, organisation), mission_id, video)
        click.echo(_mission_line(settings, row))


@drone.command("report")
@data_options
@click.option("--org", "organisation", required=True, help="The organisation (name or id).")
@click.option("--year", required=True, type=click.IntRange(2000, 2999), help="The calendar year, local time.")
@click.option("--csv", "as_csv", is_flag=True, help="Write the council's CSV instead of one line per mission.")
def drone_report(settings: Settings, organisation: str, year: int, as_csv: bool) -> None:
    """The year's drone missions, as reported to the council (a recorded consultation)."""
    from belfort.judicial.drones import report_csv

    with opened(settings) as services, services.db.session() as session:
        report = services.drone_missions.report(session, _acting_for(session, organisation), year)
        if as_csv:
            click.echo(report_csv(report, settings.zone), nl=False)
            return
        for row in report.missions:
            click.echo(_mission_line(settings, row))
        minutes = round(report.flight_time.total_seconds() / 60)
        click.echo(f"{len(report.missions)} mission(s) in {year}: {minutes} min of flight")

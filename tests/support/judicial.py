"""Judicial authorisations for tests of looks at police footage older than 30 days: since
the 30-day rule accepts only a registered prosecutor's decision or investigating judge's
order, such a test registers one first (for every camera, over the year before the
services' clock, unless told otherwise)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from fractions import Fraction
from pathlib import Path

import av

from belfort.app import Services
from belfort.judicial.authorisations import AuthorisationSpec
from belfort.judicial.models import JudicialAuthorisation
from tests.conftest import POLICE, SYSTEM
from tests.support.cameras import cached_clip


def register_authorisation(
    services: Services,
    reference: str = "KO.21.L7.000123/26",
    *,
    kind: str = "prosecutor_decision",
    organisation: str = POLICE,
    cameras: Sequence[str] = (),
    footage_from: datetime | None = None,
    footage_until: datetime | None = None,
    expires_at: datetime | None = None,
) -> JudicialAuthorisation:
    """Register an authorisation of `organisation` (on the command line's authority)."""
    now = services.clock()
    with services.db.session() as session:
        row = services.authorisations.register(
            session,
            SYSTEM,
            AuthorisationSpec(
                kind=kind,
                reference=reference,
                decided_on=date.fromordinal(now.date().toordinal() - 1),
                magistrate="Procureur des Konings, Antwerpen",
                case_number="AN.21.L7.1234/26",
                footage_from=footage_from or now - timedelta(days=365),
                footage_until=footage_until or now + timedelta(days=1),
                expires_at=expires_at or now + timedelta(days=90),
                cameras=cameras,
                all_cameras=not cameras,
                organisation=organisation,
            ),
        )
        session.expunge(row)
        return row


def drone_video(folder: Path, suffix: str = ".mp4", seconds: int = 4, fps: int = 10) -> Path:
    """A real video as a drone hands it over: the cached synthetic H.264 clip, remuxed
    (not re-encoded) into MP4 or MKV with timestamps at `fps`."""
    clip = cached_clip(width=320, height=240, fps=fps, seconds=seconds, bitrate=200_000, gop_seconds=1)
    path = folder / f"flight-{seconds}s{suffix}"
    with av.open(str(clip.path), format="h264") as source, av.open(str(path), "w") as target:
        stream_in = source.streams.video[0]
        stream_out = target.add_stream_from_template(stream_in)
        stream_out.time_base = Fraction(1, fps)
        index = 0
        for packet in source.demux(stream_in):
            if packet.size == 0:
                continue
            packet.pts = packet.dts = index
            packet.duration = 1
            packet.time_base = Fraction(1, fps)
            packet.stream = stream_out
            target.mux(packet)
            index += 1
    return path

"""Pictures of plate reads (plate crop, overview), for the person who was shown the read.

A hit or a search result a person was allowed to see comes with signed links to its
pictures, bound to that person and that read; fetching them needs no new decision. A link
that is forged, expired, someone else's or another read's is refused, and the refusal is
recorded like any other.
"""

from __future__ import annotations

import uuid
from pathlib import Path

from sqlalchemy.orm import Session

from belfort.anpr.images import ImageStore
from belfort.anpr.models import PlateRead
from belfort.errors import Forbidden, NotFound, Unseen
from belfort.i18n import _
from belfort.keys import BadLink, LinkKind, SignedLinks
from belfort.policy import Action, Actor, LegalRegime, PolicyGate, Resource, ResourceKind

LINK_SECONDS = 3600


def _holder(actor: Actor) -> str:
    return str(actor.id or actor.name)


class ReadPictures:
    def __init__(self, gate: PolicyGate, images: ImageStore, links: SignedLinks) -> None:
        self.gate = gate
        self.images = images
        self.links = links

    def link(self, actor: Actor, read_id: uuid.UUID) -> str:
        """The link to a read's pictures, for the person just shown the read."""
        return self.links.sign(LinkKind.READ_PICTURE, {"sub": _holder(actor), "read": str(read_id)}, LINK_SECONDS)

    def picture(self, session: Session, actor: Actor, read_id: uuid.UUID, kind: str, link: str) -> Path:
        """The file of a read's `kind` picture ("crop" or "overview"), under its link."""
        read = session.get(PlateRead, read_id)
        resource = Resource(
            ResourceKind.PLATE_READS,
            str(read_id),
            f"{kind} of read {read.plate}" if read else f"{kind} of read",
            read.organisation_id if read else None,
            LegalRegime.POLICE,
            start=read.ts if read else None,
            asked=str(read_id),
            known=read is not None,
        )
        try:
            claims = self.links.read(LinkKind.READ_PICTURE, link)
        except BadLink as exc:
            self.gate.refuse(
                session, actor, Action.SEARCH_PLATES, resource, Forbidden(exc.args[0] if exc.args else str(exc))
            )
        if claims.get("sub") != _holder(actor) or claims.get("read") != str(read_id):
            self.gate.refuse(
                session, actor, Action.SEARCH_PLATES, resource, Unseen(_("no such picture under this link"))
            )
        relative = (read.crop_path if kind == "crop" else read.overview_path) if read else ""
        path = self.images.path(relative)
        if path is None:
            picture = _("the overview picture") if kind == "overview" else _("the plate crop")
            raise NotFound(_("{picture} of this read is no longer kept", picture=picture))
        return path

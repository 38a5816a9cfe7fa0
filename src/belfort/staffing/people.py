"""The people designations and shifts are about, as the gate weighs them.

A person is named by user name or id. Whoever names a person of another organisation, or
no one, is refused by the gate in the words it uses for what does not exist (rule
`organisation` or `unknown`, answered 404), so a designation form never confirms that an
account exists elsewhere. Nothing here decides access.
"""

from __future__ import annotations

import unicodedata
import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from belfort.auth.models import User
from belfort.errors import InvalidInput
from belfort.i18n import _
from belfort.policy import Actor, Resource, ResourceKind

MAX_REF = 120


def find_person(session: Session, ref: str) -> User | None:
    """The account named by user name (as typed, any case) or id; None when there is none."""
    text = ref.strip()
    try:
        return session.get(User, uuid.UUID(text))
    except ValueError:
        return session.scalars(select(User).where(User.username == text.lower())).first()


def person_resource(user: User | None, ref: str) -> Resource:
    """The person as the gate weighs a change about them: whose organisation they belong to."""
    asked = ref.strip()[:MAX_REF]
    if user is None:
        return Resource(ResourceKind.USER, "", asked, asked=asked, known=False)
    return Resource(
        ResourceKind.USER,
        str(user.id),
        user.username,
        user.organisation_id,
        asked=asked,
        owner_name=user.organisation.name,
    )


def organisation_of(actor: Actor) -> uuid.UUID:
    """The organisation whose designations or shifts the actor manages; the command line
    names one (`--org`)."""
    if actor.organisation_id is None:
        raise InvalidInput(_("organisation: name the organisation whose people this is about"))
    return actor.organisation_id


def printable(text: str, field: str, longest: int) -> str:
    """`text` stripped, or InvalidInput naming `field` when it holds control characters or is too long."""
    if any(unicodedata.category(character) == "Cc" for character in text):
        raise InvalidInput(_("{field}: type it again without control characters", field=field))
    cleaned = text.strip()
    if len(cleaned) > longest:
        raise InvalidInput(_("{field}: write at most {count} characters", field=field, count=longest))
    return cleaned

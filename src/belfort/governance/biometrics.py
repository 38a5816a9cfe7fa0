"""Face recognition, face search and biometric matching: asked for, refused, recorded.

Belfort has no such function and never will on this legal basis (`belfort.law`). A request
for one, by a person or an API token, still passes the policy gate like every other look,
so that the refusal names the law and the attempt stands in the audit log for the team
chief and the data protection officer to see. Nothing here looks at an image.
"""

from __future__ import annotations

from typing import NoReturn

from sqlalchemy.orm import Session

from belfort.errors import Forbidden
from belfort.policy import Action, Actor, PolicyGate, Resource, ResourceKind


class Biometrics:
    def __init__(self, gate: PolicyGate) -> None:
        self.gate = gate

    def refuse(self, session: Session, actor: Actor, asked: str, via: str) -> NoReturn:
        """Record and raise the refusal of `asked` (the operation named: an API path, a
        setting), which came `via` the API or the configuration."""
        decision = self.gate.authorize(
            session,
            actor,
            Action.IDENTIFY_FACES,
            Resource(ResourceKind.PAGE, asked[:200], asked[:200]),
            detail={"asked": asked[:200], "via": via},
        )
        raise Forbidden(decision.reason)

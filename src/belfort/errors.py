"""Errors a person can cause and fix. Each carries a message that says what to do.

The web layer turns them into HTTP 4xx answers and the CLI into one line and an exit
code; neither ever shows a traceback for them.
"""


class BelfortError(Exception):
    status_code = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(BelfortError):
    status_code = 422


class NotFound(BelfortError):
    status_code = 404


class Conflict(BelfortError):
    status_code = 409


class Refusal(BelfortError):
    """A refusal whose audit trail must survive: the unit of work that raises it still
    commits what it wrote (the audit record, a failed-login count). Raise it before
    making any other change."""

    status_code = 403


class Forbidden(Refusal):
    """The policy gate refused; the message is the decision's reason."""

    def __init__(self, message: str, needs: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.needs = needs
        """What the person could supply to be allowed (e.g. `purpose`), as in the decision."""


class Unseen(Refusal):
    """The policy gate refused a resource the person may not even learn exists (another
    organisation's, another person's, or none by that reference): answered as not found."""

    status_code = 404


class Unavailable(Refusal):
    """Granted by the rules, but there is nothing to serve (a camera that does not stream now)."""

    status_code = 409


class LoginRefused(Refusal):
    status_code = 401

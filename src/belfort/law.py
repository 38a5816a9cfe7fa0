"""What Belfort refuses whoever asks, because the law gives it no basis: face recognition.

A leaf module (it imports only `belfort.i18n`), so that the policy's rules and the settings
name the same law in the same words. No code path in Belfort identifies faces: the face
detector in `evidence/faces.py` only finds faces to blur them in exports, and keeps nothing.
"""

from __future__ import annotations

import re

from belfort.i18n import _

FACE_RECOGNITION_FORBIDDEN = _(
    "Face recognition is not allowed: neither the Police Function Act nor the camera law of 21 March "
    "2007 gives a legal basis for identifying people by their face, and biometric data may be processed "
    "to identify someone only where a law authorises it (GDPR art. 9, Law Enforcement Directive art. 10). "
    "Belfort has no such function."
)
"""The sentence every refusal of face recognition, face search or biometric matching gives."""

_BIOMETRIC = re.compile(r"(^|[_\-. ])(face|faces|facial|biometric|biometrics)($|[_\-. ])", re.IGNORECASE)


def asks_for_face_recognition(name: str) -> bool:
    """Whether a setting's name asks for faces or biometrics to be matched: one of its words
    is face(s), facial or biometric(s) (`face_recognition`, `biometric_matching`; not
    `interface`)."""
    return bool(_BIOMETRIC.search(name))

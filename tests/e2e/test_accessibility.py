"""The main pages in Chromium, checked for accessibility and for the screens they are used on.

axe-core (node_modules/axe-core, installed by `make install`) runs its WCAG 2 A and AA
rules on each page as a supervisor, an administrator and a visitor on the sign-in page
see it; no violation may be serious or critical. axe is served to the page from the site's
own address (an intercepted request), so the page runs under its real Content-Security-
Policy, which refuses inline scripts. The answers go to test-artifacts/accessibility.json.
On the same pages every stop of the Tab key shows the focus, and the first one offers to
skip to the content.

On a 1366x768 laptop and a 1920x1080 desk screen no page scrolls sideways (the wall and the
camera page have their own, stricter test in test_screens.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from belfort.anpr.hotlists import parse_csv
from belfort.anpr.models import Hotlist
from belfort.anpr.reads import IncomingRead
from belfort.app import Services
from belfort.policy.model import system_actor
from tests.conftest import POLICE, SYSTEM, Population
from tests.e2e.conftest import NAVIGATION_TIMEOUT_MS, TIMEOUT_MS, add_grote_markt, artifact
from tests.e2e.test_audit_page import sign_in
from tests.e2e.test_wall import JUSTIFICATION

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
AXE_PATH = "/__axe__/axe.min.js"  # never a route of Belfort's: the test answers it
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa"]}, "resultTypes": ["violations"]}
BLOCKING = {"serious", "critical"}

HOTLIST = b"plate,category,priority,valid until,note\n1-ABC-234,stolen,1,,grey Volkswagen Golf\n"

# What a supervisor opens (every area but administration), then an administrator.
SUPERVISOR_PAGES = [
    "/",
    "/wall",
    "/cameras",
    "/cameras/{camera}",
    "/evidence",
    "/holds",
    "/anpr/search",
    "/anpr/hits",
    "/anpr/hotlists",
    "/audit",
    "/map",
    "/account",
    "/incidents",
    "/alarms/premises",
    "/alarms/receiver",
    "/reports/annual",
    "/staffing/supervision",
    "/staffing/shifts",
    "/authorisations",
    "/drones",
    "/drones/report",
]
ADMIN_PAGES = ["/admin", "/governance", "/register/profile", "/staffing/designations"]
VISITOR_PAGES = ["/login", "/register"]
"""Pages for anyone, without signing in."""
# The wall and the camera page: test_screens.py holds them to every control in view.
OWN_SCREEN_TEST = frozenset({"/wall", "/cameras/{camera}"})
SCREENS = [{"width": 1366, "height": 768}, {"width": 1920, "height": 1080}]


@pytest.fixture
def site(services: Services, population: Population) -> dict[str, str]:
    """A police camera with a position (not recording), a hotlist and an open hit on it."""
    camera = add_grote_markt(
        services, "rtsp://192.0.2.10/stream", latitude=50.9307, longitude=5.3378, council_consent_ref="GR/2026/041"
    )
    with services.db.session() as session:
        police = next(o for o in services.accounts.list_organisations(session, SYSTEM) if o.name == POLICE)
        hotlist = Hotlist(organisation_id=police.id, name="National", updated_at=services.clock(), updated_by="test")
        session.add(hotlist)
        session.flush()
        services.anpr.hotlists.replace_entries(session, SYSTEM, hotlist, parse_csv(HOTLIST))
    services.anpr.hotlists.build_now(police.id)
    with services.db.session() as session:
        read = IncomingRead("1-ABC-234", services.clock(), 0.93, camera=str(camera.id))
        ingested = services.anpr.reads.ingest(
            session, system_actor("test reader"), f"camera:{camera.id}", police.id, [read], audit=False
        )
        assert ingested[0].hits, "the hotlisted plate makes a hit"
    return {"camera": str(camera.id)}


def open_page(page: Page, url: str) -> None:
    """Go to `url` and wait until the page is drawn (the wall: its shift's purpose stated)."""
    answer = page.goto(url)
    assert answer is not None and answer.ok, f"{url}: HTTP {answer.status if answer else '-'}"
    page.wait_for_load_state("networkidle")
    if url.endswith("/wall"):
        dialog = page.locator("#purpose-dialog")
        dialog.get_by_label("Justification").fill(JUSTIFICATION)
        dialog.get_by_role("button", name="Start watching").click()
        expect(page.locator("#wall-page")).to_have_attribute("data-ready", "true")


def walk(
    browser: Browser, base_url: str, site: dict[str, str], leave: frozenset[str] = frozenset()
) -> Iterator[tuple[str, Page]]:
    """Each checked page but those in `leave`, opened by the person who uses it (a visitor
    for the sign-in page), each person in a browser context of their own: (path, tab)."""
    if not AXE.is_file():
        pytest.fail(f"{AXE} is missing: run `make install` (npm ci)", pytrace=False)
    people: list[tuple[str | None, list[str]]] = [
        (None, [path for path in VISITOR_PAGES if path not in leave]),
        ("supervisor", [path.format(**site) for path in SUPERVISOR_PAGES if path not in leave]),
        ("admin", [path for path in ADMIN_PAGES if path not in leave]),
    ]
    for who, paths in people:
        context = browser.new_context(viewport={"width": 1440, "height": 900})
        try:
            context.set_default_timeout(TIMEOUT_MS)
            context.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
            context.route(
                f"{base_url}{AXE_PATH}", lambda route: route.fulfill(path=AXE, content_type="text/javascript")
            )
            page = context.new_page()
            page.goto(f"{base_url}/login")
            if who is not None:
                sign_in(page, who)
                expect(page).not_to_have_url(f"{base_url}/login")
            for path in paths:
                open_page(page, f"{base_url}{path}")
                yield path, page
        finally:
            context.close()


def axe_violations(page: Page, base_url: str) -> list[dict[str, Any]]:
    """axe-core's WCAG 2 A and AA violations on the page as it stands."""
    page.add_script_tag(url=f"{base_url}{AXE_PATH}")
    results: dict[str, Any] = page.evaluate("options => axe.run(document, options)", AXE_OPTIONS)
    return list(results["violations"])


# What has the focus after a Tab, and whether it shows it (an outline or a ring of shadow);
# null once the focus has left the page's controls (back on the body).
FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const outlined = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
  const name = el.id || el.getAttribute("aria-label") || el.getAttribute("name") || el.textContent.trim().slice(0, 30);
  return { shown: outlined || style.boxShadow !== "none", name: `${el.tagName.toLowerCase()} '${name}'` };
}"""
TAB_STOPS = 40


def unseen_focus(page: Page) -> list[str]:
    """The first TAB_STOPS stops of the Tab key on the page that do not show the focus."""
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    unseen = []
    for _ in range(TAB_STOPS):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused is None:
            break
        if not focused["shown"]:
            unseen.append(focused["name"])
    return unseen


def describe(findings: dict[str, list[dict[str, Any]]]) -> str:
    """One line per violation: page, rule, impact, what it asks and where (first five)."""
    lines = []
    for path, violations in findings.items():
        for violation in violations:
            targets = [" ".join(map(str, node["target"])) for node in violation["nodes"]]
            where = "; ".join(targets[:5]) + (f" and {len(targets) - 5} more" if len(targets) > 5 else "")
            lines.append(f"{path}: {violation['id']} ({violation['impact']}): {violation['help']}: {where}")
    return "\n".join(lines)


def test_the_main_pages_have_no_serious_accessibility_violation_and_show_the_focus(
    live_server: str, site: dict[str, str], browser: Browser
) -> None:
    every: dict[str, list[dict[str, Any]]] = {}
    unseen: list[str] = []
    for path, page in walk(browser, live_server, site):
        every[path] = axe_violations(page, live_server)
        unseen += [f"{path}: {name}" for name in unseen_focus(page)]
    artifact("accessibility.json").write_text(json.dumps(every, indent=1, ensure_ascii=False))
    blocking = {path: [v for v in violations if v["impact"] in BLOCKING] for path, violations in every.items()}
    blocking = {path: violations for path, violations in blocking.items() if violations}
    assert len(every) == len(VISITOR_PAGES) + len(SUPERVISOR_PAGES) + len(ADMIN_PAGES)
    assert not blocking, "serious or critical accessibility violations:\n" + describe(blocking)
    assert not unseen, "the keyboard's focus is not shown on:\n" + "\n".join(unseen)


SCROLL_WIDTH = "() => ({ scroll: document.scrollingElement.scrollWidth, inner: window.innerWidth })"


def test_no_main_page_scrolls_sideways_on_a_laptop_or_a_desk_screen(
    live_server: str, site: dict[str, str], browser: Browser
) -> None:
    wider: list[str] = []
    checked = 0
    for path, page in walk(browser, live_server, site, leave=OWN_SCREEN_TEST):
        for screen in SCREENS:
            page.set_viewport_size(screen)
            width = page.evaluate(SCROLL_WIDTH)
            checked += 1
            if width["scroll"] > width["inner"]:
                name = f"{path.strip('/').replace('/', '-') or 'home'}-{screen['width']}x{screen['height']}"
                page.screenshot(path=artifact(f"sideways-{name}.png"))
                wider.append(f"{path} at {screen['width']}x{screen['height']}: {width['scroll']} px wide")
    pages = len(VISITOR_PAGES) + len(SUPERVISOR_PAGES) + len(ADMIN_PAGES) - len(OWN_SCREEN_TEST)
    assert checked == len(SCREENS) * pages
    assert not wider, "pages wider than the window:\n" + "\n".join(wider)


def test_the_first_tab_offers_to_skip_to_the_content(live_server: str, population: Population, page: Page) -> None:
    page.goto(f"{live_server}/login?next=/audit")
    sign_in(page, "supervisor")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to the content")
    expect(skip).to_be_focused()
    box = skip.bounding_box()
    assert box is not None and box["width"] > 20 and box["height"] > 10, f"the focused link shows: {box}"
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('main') !== null"), "the next Tab is in the page's content"
    expect(page.locator("header a").first).not_to_be_focused()

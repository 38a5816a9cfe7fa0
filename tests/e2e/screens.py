"""What a screen shows without scrolling: every control of a page inside the window."""

from __future__ import annotations

from playwright.sync_api import Page

CONTROLS_OUT_OF_VIEW = """() => {
  const width = window.innerWidth, height = window.innerHeight;
  const selector = 'button, input:not([type=hidden]), select, textarea, a[href], summary, canvas[tabindex], video, '
    + 'output';
  const outside = [];
  for (const el of document.querySelectorAll(selector)) {
    if (el.closest('dialog:not([open]), template')) continue;
    const closed = el.closest('details:not([open])');
    if (closed && el.parentElement !== closed) continue; // folded away: only its summary shows
    const own = el.getBoundingClientRect();
    if (!own.width || !own.height || getComputedStyle(el).visibility === 'hidden') continue;
    // A control in a list that scrolls by itself (the camera tree) needs only the list in view.
    let box = own;
    for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
      const style = getComputedStyle(up);
      const scrolls = /auto|scroll/.test(style.overflowY) && up.scrollHeight > up.clientHeight + 1;
      if (scrolls) { box = up.getBoundingClientRect(); break; }
    }
    if (box.left < -0.5 || box.top < -0.5 || box.right > width + 0.5 || box.bottom > height + 0.5) {
      const name = el.id || el.getAttribute('aria-label') || el.textContent.trim().slice(0, 30) || el.tagName;
      outside.push(`${el.tagName.toLowerCase()} '${name}' at ${Math.round(own.left)},${Math.round(own.top)}`
        + ` ${Math.round(own.width)}x${Math.round(own.height)}`);
    }
  }
  const page = document.scrollingElement;
  return { outside, scrolls: page.scrollHeight > height + 1 || page.scrollWidth > width + 1 };
}"""


def controls_out_of_view(page: Page) -> list[str]:
    """The visible controls (buttons, fields, links, the timeline, the video) not wholly inside
    the window, and whether the page itself would scroll; empty when none is out of view."""
    found = page.evaluate(CONTROLS_OUT_OF_VIEW)
    return [*found["outside"], *(["the page scrolls"] if found["scrolls"] else [])]


def unlabelled_dialogs(page: Page) -> list[str]:
    """The page's dialogs without a name that assistive tools read out (aria-labelledby)."""
    return page.evaluate(
        """() => [...document.querySelectorAll('dialog')].filter(d => {
            const id = d.getAttribute('aria-labelledby');
            const title = id && document.getElementById(id);
            return !(title && title.textContent.trim()) && !d.getAttribute('aria-label');
        }).map(d => d.id)"""
    )


def outline_of_focus(page: Page) -> str:
    """The outline the focused element shows ("none" when focus is invisible)."""
    return page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement); return `${s.outlineStyle} ${s.outlineWidth}` }"
    )

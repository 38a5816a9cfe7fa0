"""Rendering a PDF the way a reader's viewer would: poppler's pdftoppm (Debian poppler-utils),
one PNG per page, kept in test-artifacts/ for a person to look at."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def rendered_pages(document: Path, name: str, dpi: int = 60) -> list[Path]:
    """Render every page of `document`; the pictures, saved as test-artifacts/<name>-<n>.png.
    Fails the test with poppler's message when the file does not open."""
    with tempfile.TemporaryDirectory() as folder:
        rendered = subprocess.run(
            ["pdftoppm", "-r", str(dpi), "-png", str(document), str(Path(folder) / "page")],
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
        assert rendered.returncode == 0, f"pdftoppm could not render {document.name}: {rendered.stderr}"
        ARTIFACTS.mkdir(exist_ok=True)
        saved = []
        for number, picture in enumerate(sorted(Path(folder).glob("page-*.png")), start=1):
            saved.append(Path(shutil.copyfile(picture, ARTIFACTS / f"{name}-{number}.png")))
    return saved

"""A dashboard's files: its own page (``index.html``) and script in a directory of its
own, over the files every dashboard shares (``sim/dashboard/assets/``: uPlot and its
style sheet, ``common.js``, ``dashboard.css``). All are served from the server itself
under ``/omsim/ui/static/`` (no CDN: a lab may have no internet), by name from a fixed
list, so no path reaches anything else.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from fastapi.responses import HTMLResponse, Response

SHARED = Path(__file__).resolve().parent / "assets"
PAGE = "/omsim/ui"
STATIC = f"{PAGE}/static"
LOGIN = f"{PAGE}/login"
MEDIA = {".js": "text/javascript", ".css": "text/css"}
SHARED_FILES = ("uPlot.iife.min.js", "uPlot.min.css", "common.js", "dashboard.css")


class Shell:
    """The files of one dashboard: ``own`` holds its ``index.html`` and ``scripts``."""

    def __init__(self, own: Path, scripts: tuple[str, ...]) -> None:
        self.files = {name: SHARED / name for name in SHARED_FILES}
        self.files.update({name: own / name for name in scripts})
        self.index = own / "index.html"

    def page(self) -> HTMLResponse:
        return HTMLResponse(self.index.read_text())

    def static(self, name: str) -> Response | None:
        """The file ``name`` (None: not one of this dashboard's)."""
        path = self.files.get(name)
        if path is None:
            return None
        return Response(path.read_bytes(), media_type=MEDIA[path.suffix],
                        headers={"Cache-Control": "no-cache"})


def login_page(title: str, intro: str, fields: dict[str, tuple[str, str]],
               problem: str = "", status: int = 401) -> HTMLResponse:
    """The form that asks for the secret: ``fields`` maps each input's name to its label
    and type (``text``, ``password``); it posts to :data:`LOGIN`. ``intro`` is HTML."""
    inputs = "\n  ".join(
        f'<label>{escape(label)} <input type="{kind}" name="{name}" '
        f'id="{name.replace("_", "-")}"{" autofocus" if n == 0 else ""}></label>'
        for n, (name, (label, kind)) in enumerate(fields.items()))
    text = (SHARED / "login.html").read_text()
    for key, value in (("{title}", escape(title)), ("{heading}", escape(title.split(":")[0])),
                       ("{intro}", intro), ("{problem}", escape(problem)),
                       ("{action}", LOGIN), ("{fields}", inputs)):
        text = text.replace(key, value)
    return HTMLResponse(text, status_code=status)

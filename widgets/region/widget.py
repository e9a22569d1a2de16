"""Region picker: 市州 → 区县 → 乡镇（街道）→ 村（居）, one drop-down per level, down to the question's ``depth``.

The drop-downs are ordinary selects in the page's form (``q6.city``, ``q6.county``, ``q6.township``,
``q6.village``), so the picker works with full page loads: "下一步" saves the levels chosen so far and the page
comes back with the next level's options. With htmx, choosing a level swaps in the picker with the next level
filled (``GET <base>/widgets/region/levels``); only the options of the chosen path are ever sent.

The stored value is the code with its path and names (see :mod:`shenbao.regions.picker`). A page opened from a
village's QR code (``?region=620102001001``) shows the picker already set to that village; the farmer checks it
and goes on.

Each served pack has its own hooks instance (``self.place``): a question without a ``root`` starts in its pack's
province, and an answer is checked against its pack's divisions. The cascade route serves every pack's pickers:
it gets the application's divisions by dependency injection and the picker's ``root`` in its query.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from litestar import MediaType, Request, Response, get
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromQuery

from shenbao.forms.model import Region
from shenbao.regions import (
    LEVELS,
    Divisions,
    clean_region,
    code_of,
    level_of,
    picker_view,
    walk_choices,
)
from shenbao.web.services import Services
from shenbao.widgets import Cleaned, FormData, WidgetHooks

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@get("/levels", name="widgets:region:levels", include_in_schema=False)
async def levels(
    services: NamedDependency[Services],
    divisions: NamedDependency[Divisions],
    request: Request[Any, Any, Any],
    name: FromQuery[str],
    depth: FromQuery[str],
    root: FromQuery[str] = "",
) -> Response[str]:
    """The picker again, with the level after the one just chosen filled in (an htmx swap).

    It depends on its query alone, so phones and proxies may keep it: the same township's villages are
    fetched once.
    """
    if depth not in LEVELS or (root and root not in divisions) or not _NAME.match(name):
        raise NotFoundException("没有这一级地区")
    chosen = {level: str(request.query_params.get(f"{name}.{level}") or "") for level in LEVELS}
    code = walk_choices(divisions, root, depth, chosen)
    view = picker_view(divisions, name=name, root=root, depth=depth, code=code)
    html = services.renderer.render("widgets/region/cascade.html", view=view)
    return Response(html, media_type=MediaType.HTML, headers={"Cache-Control": "public, max-age=3600"})


class RegionWidget(WidgetHooks[Region]):
    """The drop-downs read from the post, checked and drawn; the route fetches the next level's options."""

    STYLES = ("widget.css",)
    ROUTES = (levels,)

    def _root(self, question: Region) -> str:
        return question.root or self.place.divisions.default_root()

    def extract(self, question: Region, data: FormData) -> str | None:
        """The deepest code the posted drop-downs agree on (or a code posted whole, as ``q6=620102001``)."""
        chosen = {level: (data.get(f"{question.id}.{level}") or [""])[0] for level in LEVELS}
        code = walk_choices(self.place.divisions, self._root(question), question.depth, chosen)
        if not code:
            code = (data.get(question.id) or [""])[0].strip()
        return code or None

    def clean(self, question: Region, value: Any) -> Cleaned:
        """A known code under the question's root at exactly its depth becomes ``{"code", "path", "label"}``."""
        return clean_region(self.place.divisions, value, self._root(question), question.depth)

    def context(self, question: Region, value: Any, page: Mapping[str, Any]) -> dict[str, Any]:
        """The picker for the draft's code, or for the QR code's village when nothing is chosen yet."""
        divisions, root = self.place.divisions, self._root(question)
        code, preset = code_of(value), False
        wanted = str(page.get("preset_region") or "").strip()
        if not code and wanted and divisions.is_within(wanted, root):
            # A village code on a township question: keep the part the question asks for.
            deepest = LEVELS.index(question.depth)
            path = [division.code for division in divisions.path(wanted)]
            code, preset = (
                [each for each in path if LEVELS.index(level_of(each) or "village") <= deepest][-1],
                True,
            )
        view = picker_view(divisions, name=question.id, root=root, depth=question.depth, code=code)
        return {"picker": view, "preset": preset}

"""The layers import downwards only: a newcomer can tell from the tree where a rule, a change, a query and a page go.

``forms`` and ``workflow`` are pure (no database, no web, no use case); ``store`` knows no page and no use case;
``cases`` knows no page; only ``web`` (and the app and plugin that mount it) speaks HTTP. Within ``web``, the
farmer's, the staff's and the API's packages know nothing of each other.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "platform" / "shenbao"

FORBIDDEN = {
    "forms": ("shenbao.web", "shenbao.store", "shenbao.cases", "shenbao.notify", "litestar", "piccolo"),
    "workflow": ("shenbao.web", "shenbao.store", "shenbao.cases", "shenbao.notify", "litestar", "piccolo"),
    "store": ("shenbao.web", "shenbao.cases", "litestar"),
    "cases": ("shenbao.web", "litestar"),
    "notify": ("shenbao.web", "shenbao.cases", "litestar"),
    "web/farmer": ("shenbao.web.staff", "shenbao.web.api", "shenbao.web.admin"),
    "web/staff": ("shenbao.web.farmer", "shenbao.web.api", "shenbao.web.admin"),
    "web/api": ("shenbao.web.farmer", "shenbao.web.staff", "shenbao.web.admin"),
    "web/admin": ("shenbao.web.farmer", "shenbao.web.api"),
}
"""Each layer (a package under ``shenbao``) and the modules it may never import. Each audience of ``web`` is one
package that imports none of the others: what two of them share sits at ``web/`` level."""


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_a_layer_imports_nothing_above_it(layer: str) -> None:
    broken = [
        f"{path.relative_to(PACKAGE)} imports {name}"
        for path in sorted((PACKAGE / layer).rglob("*.py"))
        for name in sorted(_imports(path))
        if any(name == banned or name.startswith(f"{banned}.") for banned in FORBIDDEN[layer])
    ]
    assert broken == [], "\n".join(broken)


def test_every_layer_named_exists() -> None:
    assert all((PACKAGE / layer / "__init__.py").is_file() for layer in FORBIDDEN)

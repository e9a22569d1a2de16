"""How the JSON API reads a request body: only ``application/json``, and never nested deeper than an answer can be."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.exceptions import ClientException, HTTPException
from litestar.status_codes import HTTP_415_UNSUPPORTED_MEDIA_TYPE

__all__ = ["MAX_DEPTH", "NOT_JSON", "TOO_DEEP", "ApiRequest", "depth_of"]

MAX_DEPTH = 32
"""The deepest body the API reads: a household's signatures are 5 levels deep."""
TOO_DEEP = f"请求的 JSON 嵌套太深（最多{MAX_DEPTH}层）：请按 /api/schema 的格式发送"
NOT_JSON = "请求体必须是 JSON：请加请求头 Content-Type: application/json"


def depth_of(value: Any, limit: int = MAX_DEPTH) -> int:
    """How deeply lists and objects nest in ``value`` (a scalar is 0), counted without recursion up to ``limit + 1``."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            depth += 1
            deepest = max(deepest, depth)
            if depth > limit:
                return depth
            stack.extend((child, depth) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


def _is_json(content_type: str) -> bool:
    return content_type.partition(";")[0].strip().lower() == "application/json"


class ApiRequest(Request[Any, Any, Any]):
    """A request whose JSON body is read only when it says it is JSON, and refused when nested too deep.

    msgspec raises ``RecursionError`` on a body nested about a thousand deep; a shallower one that is still
    deeper than any answer is refused too, before anything walks it.
    """

    async def json(self) -> Any:
        if not _is_json(self.headers.get("content-type", "")):
            raise HTTPException(status_code=HTTP_415_UNSUPPORTED_MEDIA_TYPE, detail=NOT_JSON)
        try:
            value = await super().json()
        except RecursionError:
            raise ClientException(detail=TOO_DEEP) from None
        if depth_of(value) > MAX_DEPTH:
            raise ClientException(detail=TOO_DEEP)
        return value

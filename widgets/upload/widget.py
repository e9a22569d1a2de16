"""Pictures of documents (户口簿, 身份证): several photos, from the camera or the album, shown as thumbnails.

The seed's step 3 (上传申请材料) asks for the household register and the identity cards. The page has one file
input (``accept="image/*" multiple``: the phone offers its camera and its album); the script shrinks a big
photo on a canvas (to spare a 3G connection) and sends each one on its own
(``POST <base>/widgets/upload/upload?n=<its number>``). The answer is the list of the stored files'
references, ``[{"file": "<sha256>", "type": "image/jpeg"}, ...]``, kept as JSON text in one hidden input.
Should an upload fail, the picture goes with the form as a ``data:`` URL in that list, and ``receive``
stores it then; the JSON API sends pictures that way too.

Without script the pictures chosen in a plain file input named after the question come with the section's
multipart post and are added to the list (``shenbao.web.answers``); ``receive`` checks and stores them as the
upload route does. A "删掉这张" tick box under each kept picture stands for the script's "删掉" button.

Every picture is checked as the camera's are (a whole JPEG, PNG or WebP image within the question's
``max_bytes``), re-encoded as a JPEG without EXIF and kept by content hash.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec
from litestar import Request, Response, post
from litestar.di import NamedDependency
from litestar.params import FromQuery

from shenbao.files import ImageRejected, encode_jpeg, kept_image, open_image
from shenbao.forms.model import Upload
from shenbao.web.services import Services
from shenbao.web.upload_access import upload_services
from shenbao.web.widget_routes import UPLOAD_CEILING, upload_limit, upload_response
from shenbao.widgets import Cleaned, FormData, WidgetHooks, WidgetServices, rejected, rejection

MEDIA_TYPE = "image/jpeg"
DEFAULT_MAX_BYTES = 5 * 1024 * 1024
MAX_SIDE = 2000
"""Longer side of a kept document photo: the small print of a 户口簿 page stays legible."""
_RETRY = "请重新选择"


def prepare_document(content: bytes, max_bytes: int) -> bytes:
    """Check an uploaded picture and re-encode it as a clean JPEG.

    Raises:
        ImageRejected: not a JPEG, PNG or WebP picture, cut short, or too big.
    """
    image = open_image(content, max_bytes=max_bytes, formats=("JPEG", "PNG", "WEBP"), max_side=MAX_SIDE)
    return encode_jpeg(image, max_side=MAX_SIDE)


def _problem(number: int, error: ImageRejected) -> str:
    """``第2张不是图片，请重新选择``: which picture, what is wrong, what to do."""
    what = str(error).replace("这不是一张图片", "不是图片")
    return f"第{number}张{what}" if error.complete else f"第{number}张{what}，{_RETRY}"


async def store_document(raw: Any, number: int, max_bytes: int, services: WidgetServices) -> Any:
    """The stored reference for one picture (bytes, a data URL or a reference), or a :func:`rejected` value."""
    try:
        ref = await services.files.receive_image(
            raw, max_bytes=max_bytes, media_type=MEDIA_TYPE, prepare=prepare_document
        )
    except ImageRejected as error:
        return rejected(_problem(number, error))
    return ref.as_value()


def _items(raw: Any) -> list[Any] | None:
    """The pictures in a raw answer: a list, or its JSON text; ``None`` when it is neither."""
    if isinstance(raw, str):
        if not raw.strip():
            return []
        try:
            raw = msgspec.json.decode(raw)
        except msgspec.DecodeError:
            return None
    return raw if isinstance(raw, list) else None


@post(
    "/upload",
    name="widgets:upload:upload",
    include_in_schema=False,
    request_max_body_size=UPLOAD_CEILING,
    status_code=200,
)
async def upload(
    request: Request[Any, Any, Any], services: NamedDependency[Services], n: FromQuery[int] = 1
) -> Response[Any]:
    """Keep one picture the script sends (the request body; ``n`` is its place in the list, for messages) for
    the page's draft (``409`` before the draft exists: the script then sends it with the page)."""
    admitted = await upload_services(request, services)
    if isinstance(admitted, Response):
        return admitted
    limit = upload_limit(services, Upload, DEFAULT_MAX_BYTES)
    value = await store_document(await request.body(), max(n, 1), limit, admitted)
    return upload_response(value, services)


class UploadWidget(WidgetHooks[Upload]):
    """Pictures of documents: ``receive`` stores each, ``clean`` checks the list, the route uploads one."""

    SCRIPTS = ("widget.js",)
    STYLES = ("widget.css",)
    ROUTES = (upload,)

    def extract(self, question: Upload, data: FormData) -> Any:
        """The one hidden input's JSON list (several inputs of that name, from a hand-made form, are joined).

        Without script, each kept picture has a "删掉这张" tick box (``<id>._drop``, its place in the list): the
        ticked ones are left out.
        """
        posted = [value for value in data.get(question.id, []) if value.strip()]
        dropped = set(data.get(f"{question.id}._drop", []))
        if len(posted) == 1:
            items = _items(posted[0])
            if items is None:
                return posted[0]
            return [item for index, item in enumerate(items) if str(index) not in dropped]
        joined: list[Any] = []
        for value in posted:
            items = _items(value)
            joined += items if items is not None else [value]
        return joined

    async def receive(self, question: Upload, raw: Any, services: WidgetServices) -> Any:
        """Store every picture not stored yet and check every reference; the first refusal refuses the answer."""
        items = _items(raw)
        if items is None:
            return rejected(f"照片没有保存好，{_RETRY}")
        if len(items) > question.max_files:
            return rejected(f"最多上传{question.max_files}张照片")
        kept: list[Any] = []
        for number, item in enumerate(items, start=1):
            value = await store_document(item, number, question.max_bytes, services)
            if rejection(value) is not None:
                return value
            kept.append(value)
        return kept

    def clean(self, question: Upload, value: Any) -> Cleaned:
        """Only a list of kept pictures' references, no more than ``max_files``, is an answer."""
        if value is None or value == "" or value == []:
            return [], []
        items = _items(value)
        if items is None:
            return [], [f"照片没有保存好，{_RETRY}"]
        if len(items) > question.max_files:
            return [], [f"最多上传{question.max_files}张照片"]
        refs = []
        for number, item in enumerate(items, start=1):
            ref = kept_image(item, MEDIA_TYPE)
            if ref is None:
                return [], [f"第{number}张照片没有保存好，{_RETRY}"]
            refs.append(ref.as_value())
        return refs, []

    def context(self, question: Upload, value: Any, page: Mapping[str, Any]) -> dict[str, Any]:
        """The kept pictures' references and the JSON text the hidden input posts (only whole lists of them)."""
        refs: list[Any] = []
        if rejection(value) is None:
            cleaned, problems = self.clean(question, value)
            refs = [] if problems else cleaned
        return {
            "refs": refs,
            "posted": msgspec.json.encode(refs).decode() if refs else "",
            "max_files": question.max_files,
        }

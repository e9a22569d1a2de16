"""Live photo: the phone's camera with a preview, a shutter and a retake; never the album.

The seed's question 46: "只能当时调用现场照片，不能上传相册照片". With script the page has no file input at all: the
script opens the camera (front first), draws the shutter frame on a canvas and uploads it as a JPEG
(``POST <base>/widgets/photo/upload``); the answer then holds only the stored file's reference,
``{"file": "<sha256>", "type": "image/jpeg"}``. Should the upload fail, the photo goes with the form instead,
as a ``data:`` URL in the same hidden input, and ``receive`` stores it then; the JSON API sends photos that way.

Without script the page shows ``<input type="file" accept="image/*" capture="user">`` (a phone opens its front
camera for it, not the album) and the photo comes with the section's multipart post under the question's id;
``receive`` takes its bytes the same way (``shenbao.web.answers``).

Every photo is checked with Pillow (an image, whole, within the question's ``max_bytes``), re-encoded as a
JPEG no larger than 1600 pixels with no EXIF (no GPS position, no phone model), and kept by content hash.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from litestar import Request, Response, post
from litestar.di import NamedDependency

from shenbao.files import (
    ImageRejected,
    clean_kept_image,
    encode_jpeg,
    kept_image_context,
    open_image,
)
from shenbao.forms.model import CameraPhoto
from shenbao.web.services import Services
from shenbao.web.upload_access import upload_services
from shenbao.web.widget_routes import UPLOAD_CEILING, upload_limit, upload_response
from shenbao.widgets import Cleaned, WidgetHooks, WidgetServices, rejected

MEDIA_TYPE = "image/jpeg"
DEFAULT_MAX_BYTES = 5 * 1024 * 1024
MAX_SIDE = 1600
"""Longer side of a kept photo (the camera script sends at most 1280; a phone's own camera app far more)."""
_RETRY = "请重新拍照"


def prepare_photo(content: bytes, max_bytes: int) -> bytes:
    """Check an uploaded photo and re-encode it as a clean JPEG.

    Raises:
        ImageRejected: not a JPEG, PNG or WebP picture, cut short, or too big.
    """
    image = open_image(content, max_bytes=max_bytes, formats=("JPEG", "PNG", "WEBP"), max_side=MAX_SIDE)
    return encode_jpeg(image, max_side=MAX_SIDE)


async def store_photo(raw: Any, max_bytes: int, services: WidgetServices) -> dict[str, Any]:
    """The stored reference for ``raw`` (bytes, a data URL or a reference), or a :func:`rejected` value."""
    try:
        ref = await services.files.receive_image(
            raw, max_bytes=max_bytes, media_type=MEDIA_TYPE, prepare=prepare_photo
        )
    except ImageRejected as error:
        return rejected(error.advice(_RETRY))
    return ref.as_value()


@post(
    "/upload",
    name="widgets:photo:upload",
    include_in_schema=False,
    request_max_body_size=UPLOAD_CEILING,
    status_code=200,
)
async def upload(request: Request[Any, Any, Any], services: NamedDependency[Services]) -> Response[Any]:
    """Keep the JPEG the camera script sends (the request body) for the page's draft; answer with its reference
    and thumbnail (``409`` before the draft exists: the script then sends the photo with the page)."""
    admitted = await upload_services(request, services)
    if isinstance(admitted, Response):
        return admitted
    value = await store_photo(
        await request.body(), upload_limit(services, CameraPhoto, DEFAULT_MAX_BYTES), admitted
    )
    return upload_response(value, services)


class PhotoWidget(WidgetHooks[CameraPhoto]):
    """A live photo: ``receive`` stores it, ``clean`` accepts only its reference, the route uploads it."""

    SCRIPTS = ("widget.js",)
    STYLES = ("widget.css",)
    ROUTES = (upload,)

    async def receive(self, question: CameraPhoto, raw: Any, services: WidgetServices) -> Any:
        """Check and keep the photo within the question's ``max_bytes``; a refusal comes back rejected."""
        return await store_photo(raw, question.max_bytes, services)

    def clean(self, question: CameraPhoto, value: Any) -> Cleaned:
        """Only a kept image's reference is an answer (``receive`` has checked the image itself)."""
        return clean_kept_image(value, MEDIA_TYPE, f"照片没有保存好，{_RETRY}")

    def context(self, question: CameraPhoto, value: Any, page: Mapping[str, Any]) -> dict[str, Any]:
        """The kept image's reference and the text its hidden input posts."""
        return kept_image_context(value, MEDIA_TYPE)

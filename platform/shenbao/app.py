"""``create_app``: the standalone application (the platform plus compression and the OpenAPI document)."""

from __future__ import annotations

from litestar import Litestar
from litestar.config.compression import CompressionConfig
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin

from shenbao import __version__
from shenbao.plugin import ShenbaoPlugin
from shenbao.settings import Settings
from shenbao.web.ops import probe_paths
from shenbao.web.ops.logs import configure_logging
from shenbao.web.pages import SKIP_COMPRESSION

__all__ = ["create_app"]


def create_app(settings: Settings | None = None) -> Litestar:
    """Build the standalone app from ``settings`` (read from the environment when omitted)."""
    settings = settings or Settings.from_env()
    app = Litestar(
        plugins=[ShenbaoPlugin(settings)],
        compression_config=CompressionConfig(
            backend="gzip", minimum_size=512, gzip_compress_level=6, exclude_opt_key=SKIP_COMPRESSION
        ),
        openapi_config=OpenAPIConfig(
            title="申报 shenbao API",
            version=__version__,
            path="/api/schema",
            render_plugins=[ScalarRenderPlugin()],
        ),
        debug=settings.debug,
    )
    # Now, not only at start-up: under ``uvicorn --factory`` its own lines before the start are JSON too.
    configure_logging(settings.log_format, probes=probe_paths(""))
    return app

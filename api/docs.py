"""The interactive API documentation at ``/docs``, entirely from this server.

FastAPI's default ``/docs`` page loads Swagger UI from a CDN, so it is blank without internet.
Here the page is FastAPI's own (:func:`fastapi.openapi.docs.get_swagger_ui_html`) with every
asset from the pinned ``swagger-ui-bundle-v2`` package, served under :data:`ASSETS_PATH`.
ReDoc (also from a CDN) is not offered.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from starlette.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

#: Where Swagger UI's files are served.
ASSETS_PATH = "/docs-assets"
DOCS_PATH = "/docs"


def install_docs(app: FastAPI) -> None:
    """Serve ``/docs`` (Swagger UI of ``app.openapi_url``) and its assets from the installed package.

    ``app`` must be built with ``docs_url=None`` and ``redoc_url=None``.
    """
    openapi_url = app.openapi_url or "/openapi.json"
    app.mount(ASSETS_PATH, StaticFiles(directory=str(swagger_ui_path)), name="docs-assets")

    async def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{app.title} — docs",
            swagger_js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS_PATH}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS_PATH}/favicon-32x32.png",
            swagger_ui_parameters={"persistAuthorization": True, "validatorUrl": None},  # no call to a validator host
        )

    app.add_api_route(DOCS_PATH, swagger_ui, methods=["GET"], include_in_schema=False)

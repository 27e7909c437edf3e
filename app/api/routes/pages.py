"""The web page, plotly.js, the API reference and the health check."""

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.templating import Jinja2Templates

from app.api.deps import ServicesDep
from app.api.responses import ApiJSONResponse
from app.api.schemas.common import error_responses
from app.api.schemas.networks import Health
from app.paths import plotly_js_path, templates_dir

router = APIRouter()
templates = Jinja2Templates(directory=str(templates_dir()))


# The page and the health check accept HEAD too, which probes and proxies
# may send. The server sends the headers of GET and no body.
@router.api_route(
    "/", methods=["GET", "HEAD"], response_class=HTMLResponse, include_in_schema=False
)
def index(request: Request) -> HTMLResponse:
    """Render the single page of the app."""
    return templates.TemplateResponse(request, "index.html")


@router.get("/static/vendor/plotly.min.js", include_in_schema=False)
def plotly_js() -> FileResponse:
    """Serve plotly.js from the installed plotly Python package."""
    return FileResponse(plotly_js_path(), media_type="text/javascript")


SWAGGER_UI = "/static/vendor/swagger-ui"


@router.get("/docs", response_class=HTMLResponse, include_in_schema=False)
def api_reference() -> HTMLResponse:
    """Render Swagger UI for /openapi.json from the app's own copy of it."""
    return get_swagger_ui_html(
        openapi_url="/openapi.json",
        title="backprop-viz API",
        swagger_js_url=f"{SWAGGER_UI}/swagger-ui-bundle.js",
        swagger_css_url=f"{SWAGGER_UI}/swagger-ui.css",
        swagger_favicon_url=f"{SWAGGER_UI}/favicon-32x32.png",
    )


@router.get(
    "/healthz",
    response_model=Health,
    tags=["health"],
    responses=error_responses(503),
)
def healthz(services: ServicesDep) -> ApiJSONResponse:
    """Return {"status": "ok"} when a database query succeeds (Docker health check)."""
    services.db.connection().execute("SELECT 1").fetchone()
    return ApiJSONResponse({"status": "ok"})


@router.head("/healthz", include_in_schema=False)
def healthz_head(services: ServicesDep) -> ApiJSONResponse:
    """Check the database as GET /healthz does; the server leaves out the body."""
    return healthz(services)

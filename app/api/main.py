"""The FastAPI application: `create_app` wires settings, storage and routes.

Run it with `uvicorn --factory app.api.main:create_app`; without arguments
the settings come from the environment (see app.settings).
"""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from app.api.data import DatasetResolver
from app.api.deps import Services
from app.api.errors import install_error_handlers
from app.api.middleware import BodyLimitMiddleware, RequestIdMiddleware
from app.api.networks import NetworkService
from app.api.openapi_text import api_description
from app.api.responses import ApiJSONResponse
from app.api.routes import (
    datasets,
    edits,
    history,
    networks,
    pages,
    passes,
    predictions,
    training,
)
from app.api.store.db import Database
from app.api.training import TrainingRunner
from app.paths import static_dir
from app.settings import Settings

logger = logging.getLogger(__name__)


def build_services(settings: Settings) -> Services:
    db = Database(settings.db_path)
    resolver = DatasetResolver(db, settings)
    network_service = NetworkService(db, resolver, settings)
    runner = TrainingRunner(db, network_service, settings)
    return Services(
        settings=settings,
        db=db,
        datasets=resolver,
        networks=network_service,
        training=runner,
    )


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; settings default to Settings.from_env()."""
    settings = settings or Settings.from_env()
    services = build_services(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        services.db.start_checkpoints()
        services.training.start_up()
        logger.info(
            "backprop-viz started with database %s and limits %s",
            settings.db_path,
            settings.limits.describe(),
        )
        try:
            yield
        finally:
            services.training.shut_down()
            services.db.close()
            logger.info("backprop-viz stopped")

    app = FastAPI(
        title="backprop-viz",
        version="0.1.0",
        summary="Step through backpropagation in Michael Nielsen's notation",
        description=api_description(settings.limits),
        default_response_class=ApiJSONResponse,
        lifespan=lifespan,
        # FastAPI's own /docs loads Swagger UI from a CDN; pages.py serves it
        # from static/vendor instead, so the reference works offline.
        docs_url=None,
        redoc_url=None,
    )
    app.state.services = services
    install_error_handlers(app)
    # Routes are matched in this order, so the passes that a student steps
    # through many times a minute come first. No two routers share a path.
    for module in (
        passes,
        pages,
        networks,
        edits,
        history,
        training,
        predictions,
        datasets,
    ):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=static_dir()), name="static")
    app.add_middleware(
        BodyLimitMiddleware,
        max_body_bytes=settings.limits.max_body_bytes,
        path_limits={"/api/networks/import": settings.limits.max_import_bytes},
    )
    app.add_middleware(RequestIdMiddleware)
    return app

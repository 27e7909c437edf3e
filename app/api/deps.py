"""The objects that route handlers receive through FastAPI's dependencies."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Path, Request

from app.api.data import DatasetResolver
from app.api.networks import NetworkService
from app.api.store.db import Database
from app.api.training import TrainingRunner
from app.settings import Settings


@dataclass
class Services:
    settings: Settings
    db: Database
    datasets: DatasetResolver
    networks: NetworkService
    training: TrainingRunner


async def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]
NetworkId = Annotated[
    str,
    Path(
        min_length=1,
        max_length=64,
        description="A network id returned by POST /api/networks",
        examples=["Zb3k9xWq1sT0mPq8vY2aRg"],
    ),
]

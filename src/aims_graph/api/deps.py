"""FastAPI dependencies: how a route reaches the service and the settings the application was made with."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from ..config import Settings
from .service import Service


async def get_service(request: Request) -> Service:
    """The running service (opened in the lifespan, stored on ``app.state``).

    ``async`` so FastAPI calls it on the event loop: a plain function dependency costs a thread hop per
    request."""
    service: Service = request.app.state.service
    return service


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


ServiceDep = Annotated[Service, Depends(get_service)]
SettingsDep = Annotated[Settings, Depends(get_settings)]

"""FastAPI dependencies: how a route reaches the service the application opened at start-up."""

from __future__ import annotations

from fastapi import Request

from .service import Service


def get_service(request: Request) -> Service:
    """The running service (opened in the lifespan, stored on ``app.state``)."""
    service: Service = request.app.state.service
    return service

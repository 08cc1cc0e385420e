"""Shared fixtures: where the repository and ../shared are, and ready-made stores."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from servers import OxigraphServer, oxigraph_serve

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
REFERENCE = SHARED / "reference"


@pytest.fixture
def shared_reference() -> Path:
    """The verified reference material beside the checkout; tests that need it skip without it."""
    if not REFERENCE.is_dir():
        pytest.skip(f"../shared/reference is not beside the checkout (looked in {REFERENCE})")
    return REFERENCE


@pytest.fixture(scope="session")
def oxigraph_server() -> Iterator[OxigraphServer]:
    """One real `oxigraph serve` (in memory) for the whole session; tests use their own graph names."""
    with oxigraph_serve() as server:
        yield server

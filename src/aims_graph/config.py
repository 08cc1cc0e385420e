"""Settings in one object, read from the environment (prefix ``AIMS_``) and overridden by CLI options."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path

from .errors import UserInputError


@dataclass
class Settings:
    """Everything a running aims-graph can be configured with."""

    host: str = "127.0.0.1"
    port: int = 8000
    store: Path | None = None
    endpoint: str | None = None
    update_endpoint: str | None = None
    graph_store_endpoint: str | None = None
    endpoint_user: str | None = None
    endpoint_password: str | None = None
    endpoint_token: str | None = None
    data: list[Path] = field(default_factory=list)
    base_iri: str = "https://w3id.org/aims-graph/"
    token_file: Path | None = None
    query_timeout: float = 30.0
    workers: int = 2
    row_limit: int = 100_000
    max_body_bytes: int = 50 * 1024 * 1024
    # Expensive requests (queries, validation, reports, writes) one client address may have running at once;
    # more answer 429. Behind a reverse proxy every client shares the proxy's address: raise it there.
    client_concurrency: int = 4
    cors_origins: list[str] = field(default_factory=list)

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: object) -> Settings:
        env = dict(os.environ if environ is None else environ)
        values: dict[str, object] = {}
        for f in fields(cls):
            raw = env.get(f"AIMS_{f.name.upper()}")
            if raw is None:
                continue
            values[f.name] = _convert(f.name, str(f.type), raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]


def _convert(name: str, type_name: str, raw: str) -> object:
    try:
        if type_name.startswith("int"):
            return int(raw)
        if type_name.startswith("float"):
            return float(raw)
        if type_name.startswith("Path"):
            return Path(raw)
        if type_name.startswith("list[Path]"):
            return [Path(p) for p in raw.split(os.pathsep) if p]
        if type_name.startswith("list[str]"):
            return [p.strip() for p in raw.split(",") if p.strip()]
    except ValueError:
        raise UserInputError(f"AIMS_{name.upper()}={raw!r} is not a valid {type_name}") from None
    return raw

"""One error hierarchy, mapped once to HTTP statuses (api/) and once to exit codes (cli.py)."""

from __future__ import annotations


class AimsGraphError(Exception):
    """Base of every error aims-graph raises on purpose."""

    http_status = 500
    exit_code = 2


class UserInputError(AimsGraphError):
    """Something the user gave us is wrong: a file, a parameter, a query."""

    http_status = 400


class FileFormatError(UserInputError):
    """An RDF file whose format is unknown or that cannot be read."""


class RDFSyntaxError(UserInputError):
    """An RDF document that does not parse; names the file and, where known, the line."""

    def __init__(self, source: str, message: str, line: int | None = None) -> None:
        self.source = source
        self.line = line
        where = f"{source}, line {line}" if line is not None else source
        super().__init__(f"{where}: {message}")


class UnsafeInputError(UserInputError):
    """Input refused for safety: a DOCTYPE in RDF/XML, a remote JSON-LD context, a SERVICE clause."""


class QuerySyntaxError(UserInputError):
    """A SPARQL query that does not parse; the parser's multi-line complaint is folded onto one line."""

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(part.strip() for part in message.splitlines() if part.strip()))


class UnknownQueryError(UserInputError):
    """A named query that does not exist."""

    http_status = 404


class ParameterError(UserInputError):
    """A missing, unknown or ill-typed query parameter."""


class NotFoundError(AimsGraphError):
    """A graph, resource or catalogue entry that does not exist."""

    http_status = 404


class ShapesError(UserInputError):
    """A shapes graph that is not valid SHACL or uses what the engine cannot run."""


class StoreError(AimsGraphError):
    """The store failed: a remote endpoint unreachable or answering with an error."""

    http_status = 502


class QueryTimeoutError(AimsGraphError):
    """A query ran past the time limit and was stopped."""

    http_status = 503


class ServiceBusyError(QueryTimeoutError):
    """Every query worker stayed busy for the whole time limit: try again shortly (503 with Retry-After)."""

    retry_after = 2


class TooManyRequestsError(AimsGraphError):
    """One client already has as many expensive requests running as it may (429 with Retry-After)."""

    http_status = 429
    retry_after = 1


class TooLargeError(UserInputError):
    """A request body or result larger than the configured limit."""

    http_status = 413


class AuthenticationError(AimsGraphError):
    """A write without a bearer token."""

    http_status = 401


class PermissionDeniedError(AimsGraphError):
    """A write with a wrong token, or writes switched off."""

    http_status = 403


class ReasonerUnavailableError(AimsGraphError):
    """OWL reasoning needs a Java runtime that is not installed."""


class ImmutableGraphError(PermissionDeniedError):
    """A write to a snapshot graph: a snapshot is a record of the past and never changes."""

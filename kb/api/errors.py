"""Errors the API reports to clients as they are (everything else is masked), and page sizes."""

from __future__ import annotations

from graphql import GraphQLError

# Every list is paged: `first` defaults to DEFAULT_PAGE and may be at most MAX_PAGE.
DEFAULT_PAGE = 20
MAX_PAGE = 100


class ApiError(Exception):
    """A problem with the request (bad id, page size too large, bad cursor): shown to the client."""


def check_first(first: int, cap: int = MAX_PAGE, name: str = "first") -> int:
    """Validate a page size argument: 0 <= first <= cap."""
    if first < 0:
        raise ApiError(f"`{name}` must not be negative")
    if first > cap:
        raise ApiError(f"`{name}` is {first}; the maximum page size is {cap}")
    return first


def is_client_error(error: GraphQLError) -> bool:
    """A syntax, validation or request error (the client's doing), not a fault of the server."""
    original = error.original_error
    return original is None or isinstance(original, ApiError | GraphQLError)

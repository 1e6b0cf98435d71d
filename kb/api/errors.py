"""Errors the API reports to clients as they are (everything else is masked)."""

from __future__ import annotations

from graphql import GraphQLError


class ApiError(Exception):
    """A problem with the request (bad id, page size too large, bad cursor): shown to the client."""


MAX_PAGE = 100


def check_first(first: int, cap: int = MAX_PAGE, name: str = "first") -> int:
    """Validate a page size argument: 0 <= first <= cap."""
    if first < 0:
        raise ApiError(f"`{name}` must not be negative")
    if first > cap:
        raise ApiError(f"`{name}` is {first}; the maximum page size is {cap}")
    return first


def should_mask(error: GraphQLError) -> bool:
    """Mask internal errors; keep validation errors and ApiErrors readable."""
    original = error.original_error
    return not (original is None or isinstance(original, ApiError | GraphQLError))

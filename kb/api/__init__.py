"""The GraphQL API (strawberry on starlette) and entity IRI pages.

Everything here reads through the :class:`kb.store.base.Store` interface only; the GraphQL
types are generated from the ontology registry (:mod:`kb.api.types`).
"""

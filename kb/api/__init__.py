"""The GraphQL API (strawberry on starlette) and entity IRI pages, reading through the
:class:`kb.store.base.Store` interface only; the GraphQL types come from the ontology registry."""

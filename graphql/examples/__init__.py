"""Data package: the documented GraphQL operations (shipped as kb.graphql_examples; see kb/paths.py)."""

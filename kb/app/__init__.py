"""The application layer: the command line and the load pipeline.

It sits above kb's core (model, stores, API, RDF) and the loaders, and is the only place
where the two meet: no core module and no loader imports it (import-linter checks this).
"""

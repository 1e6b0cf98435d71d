"""RDF for policing-kb: the OWL ontology, SHACL shapes and JSON-LD context derived from the
registry; streaming exports (N-Triples, N-Quads, Turtle, TriG, JSON-LD); SHACL validation;
entity descriptions for IRI dereferencing; a read-only SPARQL endpoint.

Everything reads the KB only through the :class:`kb.store.base.Store` interface.
"""

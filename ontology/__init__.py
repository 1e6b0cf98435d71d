"""Data package: the ontology registry and its derived files (shipped as kb.ontology_files; see kb/paths.py)."""

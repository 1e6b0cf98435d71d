"""Data package: the reference tables (shipped as kb.reference_data; see kb/paths.py)."""

"""Loaders: source files in, :class:`kb.model.Facts` out. Loaders never touch a store."""

"""policing-kb: a knowledge base of UK police forces, officers, oversight bodies and cases."""

__version__ = "0.1.0"

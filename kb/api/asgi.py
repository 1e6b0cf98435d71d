"""The API configured from the environment, for uvicorn workers (see kb.api.app.from_env):

uvicorn --factory kb.api.asgi:app --host 0.0.0.0 --port 8000 --workers 2
"""

from kb.api.app import from_env as app

__all__ = ["app"]

"""``python -m helpers.local_backend --state-dir DIR``: run the local backend process (see server.py)."""

from .server import main

main()

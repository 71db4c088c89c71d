"""The self-hosted training backend (``arkor server``), installed with the ``local`` extra.

Layers, each calling only the one below it:

- ``app.py``: FastAPI routes only (parse, authorize, call, serialize).
- ``store.py``: SQLite persistence, the single source of truth.
- ``runner.py``: the job queue and worker subprocesses; cancel; crash handling.
- ``engine/``: training and inference; the only place torch is imported, and
  only ever inside worker subprocesses, never in the server process.
"""

"""The self-hosted training backend (``arkor server``), installed with the ``local`` extra.

Layers, each calling only the one below it:

- ``serve.py``: ``ServerSettings`` and ``serve()`` (uvicorn in the foreground);
  ``app.py``: ``create_app()``, error answers; ``routes/``: the routes only
  (parse, authorize, call, serialize); ``auth.py``: who may see what.
- ``store.py``: SQLite persistence, the single source of truth; ``events.py``:
  live wake-ups of event streams and their SSE rendering.
- ``runner.py``: the job queue and training worker subprocesses; cancel; crash
  handling. ``inference.py``: the chat worker subprocess.
- ``worker.py``: the code that runs inside those subprocesses, over ``engine/``.
- ``engine/``: training and inference; the only place torch is imported, and
  only ever inside worker subprocesses, never in the server process.
"""

"""Tests of the database layer, and helpers for tests/unit/{scheduler,share}.

The checkout's top-level ``alembic/`` directory (the migration scripts, a
regular package) shadows the alembic library whenever the checkout root
comes first on sys.path, as pytest puts it. This package is imported
before any of its modules, and before any test that uses its fixtures:
import the library here, before manila_repl.db.migration does.
"""
import os
import sys

_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))


def _import_alembic_library():
    loaded = sys.modules.get('alembic')
    if loaded is not None and not os.path.abspath(
            loaded.__file__).startswith(os.path.join(_ROOT, 'alembic')):
        return
    for name in [m for m in sys.modules
                 if m == 'alembic' or m.startswith('alembic.')]:
        del sys.modules[name]
    saved = sys.path[:]
    sys.path[:] = [p for p in sys.path
                   if os.path.abspath(p or os.curdir) != _ROOT]
    try:
        import alembic.autogenerate
        import alembic.command
        import alembic.config
        import alembic.migration
        import alembic.script  # noqa: F401
    finally:
        sys.path[:] = saved


_import_alembic_library()

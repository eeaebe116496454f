"""Console scripts. Each main() first picks oslo.service's threading
backend: no eventlet, no monkey-patching anywhere."""
import sys

from oslo_service import backend

_PATCHABLE = ('os', 'select', 'socket', 'thread', 'time')


def _keep_eventlet_out():
    """Make ``import eventlet`` fail in this process, unless something
    (a green WSGI server) imported it already.

    The threading backend never uses eventlet, but when it is installed
    (oslo.service requires it) futurist, oslo.concurrency and kombu import
    it just to check whether it monkey-patched anything; with its DNS
    resolver that is ~18 MiB of every daemon. Each of those imports is
    optional (guarded by ``except ImportError``).
    """
    if 'eventlet' not in sys.modules:
        sys.modules['eventlet'] = None


#: What pecan imports for its template renderers (we answer JSON only) and
#: mako's error pages highlight with (pygments: ~4.6 MiB of the API
#: process). Not jinja2: oslo.middleware's healthcheck needs it.
_TEMPLATING = ('genshi', 'kajiki', 'pygments')


def keep_templating_out():
    """Make the optional template engines of pecan (each import guarded by
    ``except ImportError``) fail to import in the API process, unless
    something imported them already."""
    for name in _TEMPLATING:
        sys.modules.setdefault(name, None)


def init_backend():
    _keep_eventlet_out()
    try:
        backend.init_backend(backend.BackendType.THREADING)
    except backend.exceptions.BackendAlreadySelected:
        pass


def monkey_patched():
    """Modules eventlet has monkey-patched in this process (eventlet may be
    imported, as oslo.service and futurist pull it in; patched it must not
    be)."""
    if sys.modules.get('eventlet') is None:
        return []
    from eventlet import patcher
    return [m for m in _PATCHABLE if patcher.is_monkey_patched(m)]


def concurrency_report():
    """One line for the start-up log (the functional tests read it)."""
    kind = backend.get_backend_type()
    patched = monkey_patched()
    if kind != backend.BackendType.THREADING or patched:
        raise RuntimeError('manila-repl must run on the threading backend, '
                           'unpatched (backend %s, patched %s)' %
                           (kind, patched))
    return ('Concurrency: oslo.service threading backend; monkey-patched: '
            'nothing')

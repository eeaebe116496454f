"""Console scripts. Each main() first picks oslo.service's threading
backend: no eventlet, no monkey-patching anywhere."""
from oslo_service import backend


def init_backend():
    try:
        backend.init_backend(backend.BackendType.THREADING)
    except backend.exceptions.BackendAlreadySelected:
        pass

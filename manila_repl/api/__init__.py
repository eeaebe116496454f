"""The REST API: a pecan application wire-compatible with Manila's v2."""
import pecan

CONTEXT_KEY = 'manila_repl.context'


def context():
    """The RequestContext of the request being served."""
    return pecan.request.environ[CONTEXT_KEY]

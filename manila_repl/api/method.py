"""``expose``: a pecan controller method answering JSON with a status."""
import functools
import json

import pecan


def expose(status_code=200, methods=None):
    """Expose a method that returns a dict (the JSON body) or None.

    The response carries ``status_code``; None means an empty body.
    ``methods``: the HTTP methods a handler that is no RestController verb
    serves (routes.py answers 405 to the others).
    """
    def decorator(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            response = pecan.response
            # Set first: the method may change it (promote: 200 or 202).
            response.status = status_code
            result = func(*args, **kwargs)
            if result is None:
                return ''
            response.content_type = 'application/json'
            return json.dumps(result)
        if methods is not None:
            wrapper.http_methods = tuple(methods)
        return pecan.expose(content_type='application/json')(wrapper)
    return decorator

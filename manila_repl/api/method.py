"""``expose``: a pecan controller method answering JSON with a status."""
import functools
import json

import pecan


def expose(status_code=200):
    """Expose a method that returns a dict (the JSON body) or None.

    The response carries ``status_code``; None means an empty body.
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
        return pecan.expose(content_type='application/json')(wrapper)
    return decorator

"""Request body and query validation.

``schema(s)`` decorates a controller method: the JSON body (parsed and
checked by input_checks for every route, see middleware.InputChecks) is checked
against ``s`` and passed as ``body``; anything wrong is a 400 before the
method runs, so that a bad request changes nothing.
"""
import functools

import jsonschema
import pecan

from manila_repl import exception
from manila_repl.api import input_checks
from manila_repl.conf import CONF

#: Bodies read as JSON: those pecan parses itself too (for every method
#: but GET, before any hook runs), ours, and bodies without a type.
_JSON_TYPES = ('', 'application/json', 'application/javascript')
#: Where read_body leaves the parsed, checked JSON body of a request.
BODY_KEY = 'manila_repl.body'


def _is_json(content_type):
    return content_type in _JSON_TYPES or content_type.endswith('+json')


def read_body(request):
    """Parse and check (input_checks) the JSON body of a request before
    pecan parses it (middleware.InputChecks, for every method but GET)."""
    if not _is_json(request.content_type or ''):
        return
    raw = request.body
    if raw and raw.strip():
        request.environ[BODY_KEY] = input_checks.parse_json(raw)


def check_content_type(request):
    """A body that is there but was not read as JSON is refused (400)."""
    if BODY_KEY not in request.environ and request.body.strip():
        raise exception.InvalidInput(
            reason=f'unsupported Content-Type {request.content_type}; '
                   'send application/json')


def parse_body(request=None):
    """The request's JSON body (read_body parsed it), or 400 if none."""
    request = request or pecan.request
    if BODY_KEY not in request.environ:
        raise exception.InvalidInput(reason='the request has no body')
    return request.environ[BODY_KEY]


def _error_message(error):
    path = '/'.join(str(p) for p in error.absolute_path)
    if path:
        return f'invalid input for {path}: {error.message}'
    return f'invalid request body: {error.message}'


def validate(schema_, body):
    validator = jsonschema.Draft7Validator(schema_)
    error = jsonschema.exceptions.best_match(validator.iter_errors(body))
    if error is not None:
        raise exception.InvalidInput(reason=_error_message(error))


def schema(schema_):
    """Parse and validate the body; pass it as the ``body`` keyword."""
    jsonschema.Draft7Validator.check_schema(schema_)
    validator = jsonschema.Draft7Validator(schema_)

    def decorator(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            body = parse_body()
            error = jsonschema.exceptions.best_match(
                validator.iter_errors(body))
            if error is not None:
                raise exception.InvalidInput(reason=_error_message(error))
            kwargs['body'] = body
            return func(*args, **kwargs)
        return wrapper
    return decorator


def limit_offset(params=None):
    """``limit`` and ``offset`` query parameters (limit capped)."""
    params = pecan.request.GET if params is None else params
    limit = params.get('limit')
    offset = params.get('offset')
    limit = (input_checks.integer('limit', limit, minimum=0)
             if limit not in (None, '') else None)
    offset = (input_checks.integer('offset', offset, minimum=0)
              if offset not in (None, '') else None)
    if limit is None or limit > CONF.api.max_limit:
        limit = CONF.api.max_limit
    return limit, offset


def bool_param(name, value):
    from oslo_utils import strutils
    try:
        return strutils.bool_from_string(value, strict=True)
    except ValueError:
        raise exception.InvalidInput(
            reason=f'{name} must be a boolean, not {value!r}')

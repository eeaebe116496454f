"""Manila's error bodies: ``{"<faultName>": {"code": N, "message": ...}}``.
"""
import json

import webob

FAULT_NAMES = {
    400: 'badRequest',
    401: 'unauthorized',
    403: 'forbidden',
    404: 'itemNotFound',
    405: 'badMethod',
    409: 'conflictingRequest',
    413: 'overLimit',
    415: 'badMediaType',
    429: 'overLimit',
    501: 'notImplemented',
    503: 'serviceUnavailable',
}

INTERNAL_ERROR = ('The server has either erred or is incapable of '
                  'performing the requested operation.')


def fault_body(code, message):
    name = FAULT_NAMES.get(code, 'computeFault')
    return {name: {'code': code, 'message': message}}


def fault_response(code, message, headers=None):
    body = fault_body(code, message)
    if code in (413, 429) and headers and headers.get('Retry-After'):
        # Manila's overLimit also says when to retry.
        body[FAULT_NAMES[code]]['retryAfter'] = headers['Retry-After']
    response = webob.Response(
        status=code, content_type='application/json', charset='UTF-8',
        body=json.dumps(body).encode())
    if headers:
        response.headers.update(headers)
    return response


def from_exception(exc):
    """A fault response for a manila_repl or webob exception, or None."""
    from manila_repl import exception
    if isinstance(exc, exception.ManilaReplException):
        code = exc.code if 400 <= exc.code < 600 else 500
        message = exc.msg if code != 500 else INTERNAL_ERROR
        return fault_response(code, message,
                              getattr(exc, 'headers', None))
    if isinstance(exc, webob.exc.HTTPException):
        code = exc.code
        if code < 400:
            return None
        message = exc.detail or exc.explanation or exc.title
        headers = {}
        if code == 405:
            message = 'This method is not allowed on this resource.'
            if exc.headers.get('Allow'):
                headers['Allow'] = exc.headers['Allow']
        return fault_response(code, message, headers)
    return None

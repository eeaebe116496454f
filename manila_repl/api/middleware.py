"""WSGI middleware composed in code by app.setup_app (no Paste)."""
import re
import time
import urllib.parse
import uuid

import webob
from oslo_log import log as logging

from manila_repl import context as ctx_mod
from manila_repl import exception
from manila_repl.api import CONTEXT_KEY, faults, input_checks, validation

LOG = logging.getLogger(__name__)

REQUEST_ID_KEY = 'openstack.request_id'
REQUEST_ID_HEADERS = ('x-openstack-request-id', 'x-compute-request-id')

#: Paths answered without authentication: the version documents.
_PUBLIC_PATH = re.compile(r'^/(v2/?)?$')
#: Answered without authentication unless credentials come with it (an
#: administrator's get the detailed answer).
HEALTHCHECK_PATH = '/healthcheck'


def is_public(environ):
    path = environ.get('PATH_INFO') or '/'
    if path == HEALTHCHECK_PATH:
        return not environ.get('HTTP_X_AUTH_TOKEN')
    return bool(_PUBLIC_PATH.match(path))


def is_root(environ):
    """The root version document, the one path without a microversion."""
    return (environ.get('PATH_INFO') or '/') == '/'


class RequestId:
    """Give every request an id and every response both id headers."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        request_id = f'req-{uuid.uuid4()}'
        environ[REQUEST_ID_KEY] = request_id

        def _start_response(status, headers, exc_info=None):
            names = {h[0].lower() for h in headers}
            for header in REQUEST_ID_HEADERS:
                if header not in names:
                    headers.append((header, request_id))
            return start_response(status, headers, exc_info)

        return self.app(environ, _start_response)


class RequestLog:
    """One line per request, carrying that request's id (as the log lines
    the request writes meanwhile do: its context is the thread's current
    one while it runs)."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        def finished(status, seconds):
            ctx = environ.get(CONTEXT_KEY) or ctx_mod.RequestContext(
                request_id=environ.get(REQUEST_ID_KEY), overwrite=False)
            LOG.info('%s %s status: %s time: %.3f',
                     environ.get('REQUEST_METHOD'), _uri(environ),
                     status or '-', seconds, context=ctx)
        return call_observed(self.app, environ, start_response, finished)


def call_observed(app, environ, start_response, finished):
    """Call ``app``, then ``finished(status code or None, seconds)``."""
    started = time.monotonic()
    seen = {}

    def _start_response(status, headers, exc_info=None):
        seen['status'] = status.split(' ', 1)[0]
        return start_response(status, headers, exc_info)

    try:
        return app(environ, _start_response)
    finally:
        finished(seen.get('status'), time.monotonic() - started)


def _uri(environ, limit=300):
    """The request's path and query, printable and bounded (a log line is
    no place for a NUL byte or 100 KiB of path). WSGI gives the path as
    latin-1 text of its bytes."""
    path = (environ.get('PATH_INFO') or '/').encode('latin-1', 'replace')
    uri = urllib.parse.quote(path, safe="/;:@&=+$,-_.!~*'()")
    if environ.get('QUERY_STRING'):
        uri += '?' + urllib.parse.quote(
            environ['QUERY_STRING'].encode('latin-1', 'replace'),
            safe="/;:@&=+$,-_.!~*'()%?")
    return uri if len(uri) <= limit else uri[:limit] + '...'


class FaultWrapper:
    """Turn any exception that escaped the application into a fault body.
    """

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        try:
            return self.app(environ, start_response)
        except Exception as exc:
            response = faults.from_exception(exc)
            if response is None or response.status_int >= 500:
                LOG.exception('Unexpected error serving %s %s',
                              environ.get('REQUEST_METHOD'),
                              environ.get('PATH_INFO'))
            if response is None:
                response = faults.fault_response(500, faults.INTERNAL_ERROR)
            return response(environ, start_response)


class InputChecks:
    """input_checks on the path, the query string and the JSON body of
    every request, before pecan or webob read them: bytes that are not
    UTF-8 fail there, and pecan parses any JSON body (for every method but
    GET) before a hook could look at it."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        try:
            input_checks.check_path(environ.get('PATH_INFO'))
            input_checks.check_query(environ.get('QUERY_STRING'))
            if environ.get('REQUEST_METHOD') != 'GET':
                validation.read_body(webob.Request(environ))
        except (exception.InvalidInput, exception.RequestTooLarge) as e:
            return faults.fault_response(e.code, e.msg)(environ,
                                                        start_response)
        return self.app(environ, start_response)


class BodySizeLimit:
    """Refuse a body over ``limit`` bytes with 413 before anything reads
    it: at once when Content-Length says so, else (a chunked body) when
    reading passes the limit."""

    def __init__(self, app, limit):
        self.app = app
        self.limit = limit

    def __call__(self, environ, start_response):
        length = environ.get('CONTENT_LENGTH')
        if length:
            try:
                too_large = int(length) > self.limit
            except ValueError:
                return faults.fault_response(
                    400, 'Content-Length is not a number.')(
                        environ, start_response)
            if too_large:
                return self._refuse(environ, start_response)
        elif environ.get('wsgi.input') is not None:
            environ['wsgi.input'] = _LimitedInput(environ['wsgi.input'],
                                                  self.limit)
            environ['webob.is_body_seekable'] = False
        return self.app(environ, start_response)

    def _refuse(self, environ, start_response):
        return faults.fault_response(413, _too_large(self.limit))(
            environ, start_response)


def _too_large(limit):
    return ('The request body is larger than %d bytes ([api]/'
            'max_request_body_size).' % limit)


class _LimitedInput:
    """A wsgi.input that raises RequestTooLarge past ``limit`` bytes."""

    def __init__(self, stream, limit):
        self.stream = stream
        self.left = limit
        self.limit = limit

    def _count(self, data):
        self.left -= len(data)
        if self.left < 0:
            raise exception.RequestTooLarge(_too_large(self.limit))
        return data

    def read(self, size=-1):
        if size is None or size < 0:
            size = self.left + 1
        return self._count(self.stream.read(min(size, self.left + 1)))

    def readline(self, size=-1):
        if size is None or size < 0:
            size = self.left + 1
        return self._count(self.stream.readline(min(size, self.left + 1)))

    def __iter__(self):
        return iter(self.readline, b'')


class NoAuth:
    """``X-Auth-Token: user:project`` (project falls back to the user).

    Roles come from ``X-Roles`` (comma separated) when sent, else
    ``admin``: like Manila, noauth callers are administrators unless they
    say otherwise.
    """

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        if is_public(environ):
            return self.app(environ, start_response)
        token = environ.get('HTTP_X_AUTH_TOKEN', '').strip()
        if not token:
            return faults.fault_response(
                401, 'Authentication required: send X-Auth-Token '
                     '"user:project".')(environ, start_response)
        user, _sep, project = token.partition(':')
        project = project or user
        try:
            # Both end up in columns (shares.project_id, ...).
            input_checks.check_token_part('the user of X-Auth-Token', user)
            input_checks.check_token_part('the project of X-Auth-Token',
                                          project)
        except exception.InvalidInput as e:
            return faults.fault_response(
                401, 'Authentication required: X-Auth-Token must be '
                     '"user:project": %s.' % e.msg)(environ, start_response)
        roles_header = environ.get('HTTP_X_ROLES')
        if roles_header is not None:
            roles = [r.strip() for r in roles_header.split(',') if r.strip()]
        else:
            roles = ['admin']
        # The request's context becomes its thread's current one, whose
        # request id oslo.log prints (with overwrite=False a server thread
        # kept the id of the first request it served).
        environ[CONTEXT_KEY] = ctx_mod.RequestContext(
            user_id=user, project_id=project, roles=roles,
            auth_token=token, request_id=environ.get(REQUEST_ID_KEY),
            overwrite=True)
        return self.app(environ, start_response)


class KeystoneContext:
    """After keystonemiddleware's auth_token: the context from its headers.
    """

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        req = webob.Request(environ)
        if req.headers.get('X-Identity-Status', 'Confirmed') != 'Confirmed':
            return faults.fault_response(
                401, 'Authentication required.')(environ, start_response)
        ctx = ctx_mod.RequestContext.from_environ(
            environ, request_id=environ.get(REQUEST_ID_KEY), overwrite=True)
        environ[CONTEXT_KEY] = ctx
        return self.app(environ, start_response)


class PublicBypass:
    """Send the version documents around authentication."""

    def __init__(self, authenticated, public):
        self.authenticated = authenticated
        self.public = public

    def __call__(self, environ, start_response):
        if is_public(environ):
            return self.public(environ, start_response)
        return self.authenticated(environ, start_response)


def keystone(app, conf):
    """``app`` behind keystonemiddleware (imported only when configured).
    """
    try:
        from keystonemiddleware import auth_token
    except ImportError:
        raise RuntimeError('[api]/auth_strategy = keystone needs '
                           'keystonemiddleware: pip install '
                           'keystonemiddleware')
    authenticated = auth_token.AuthProtocol(
        KeystoneContext(app), {'oslo_config_config': conf})
    return PublicBypass(authenticated, app)

"""WSGI middleware composed in code by app.setup_app (no Paste)."""
import re
import uuid

import webob
from oslo_log import log as logging

from manila_repl import context as ctx_mod
from manila_repl.api import CONTEXT_KEY, faults

LOG = logging.getLogger(__name__)

REQUEST_ID_KEY = 'openstack.request_id'
REQUEST_ID_HEADERS = ('x-openstack-request-id', 'x-compute-request-id')

#: Paths answered without authentication: the version documents.
_PUBLIC_PATH = re.compile(r'^/(v2/?)?$')


def is_public(environ):
    return bool(_PUBLIC_PATH.match(environ.get('PATH_INFO') or '/'))


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
        roles_header = environ.get('HTTP_X_ROLES')
        if roles_header is not None:
            roles = [r.strip() for r in roles_header.split(',') if r.strip()]
        else:
            roles = ['admin']
        environ[CONTEXT_KEY] = ctx_mod.RequestContext(
            user_id=user, project_id=project, roles=roles,
            auth_token=token, request_id=environ.get(REQUEST_ID_KEY),
            overwrite=False)
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
            environ, request_id=environ.get(REQUEST_ID_KEY), overwrite=False)
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

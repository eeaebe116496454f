"""A small HTTP session for Manila's v2 API.

Every request carries ``X-OpenStack-Manila-API-Version``; error bodies
(``{"<faultName>": {"code": N, "message": "..."}}``) become a
:class:`ClientError` carrying the service's message. Authentication is a
plain ``X-Auth-Token`` (noauth's ``user:project``, or a Keystone token), or
a keystoneauth1 session that finds the ``sharev2`` endpoint in the catalog.
"""
import json

import requests

API_VERSION = '2.95'
DEFAULT_ENDPOINT = 'http://127.0.0.1:8786/v2'
SERVICE_TYPE = 'sharev2'
GENERIC_NOT_FOUND = 'The resource could not be found.'


class ClientError(Exception):
    """A request failed; ``str()`` is the one line to show the user."""

    def __init__(self, message, code=None):
        super().__init__(message)
        self.code = code


class NotFound(ClientError):
    pass


def error_message(response):
    """The service's message from Manila's fault body, else the status."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and len(body) == 1:
        fault = next(iter(body.values()))
        if isinstance(fault, dict) and fault.get('message'):
            return fault['message']
    text = (response.text or '').strip()
    reason = response.reason or ''
    summary = ('%s %s' % (response.status_code, reason)).strip()
    if text and len(text) < 300 and '<' not in text:
        return '%s: %s' % (summary, text)
    return summary


def _connection_message(url, exc):
    text = str(exc).lower()
    if 'refused' in text:
        why = 'connection refused'
    elif 'name or service not known' in text or 'resolve' in text:
        why = 'host name not found'
    elif isinstance(exc, requests.Timeout):
        why = 'timed out'
    else:
        why = exc.__class__.__name__
    return 'cannot connect to %s: %s' % (url, why)


class Session:
    """Calls relative to the v2 endpoint: ``get('/share-replicas')``.

    :param endpoint: the v2 endpoint, e.g. http://127.0.0.1:8786/v2; with
        ``auth_session`` it may be None (looked up in the catalog).
    :param token: sent as ``X-Auth-Token`` (without ``auth_session``).
    :param auth_session: a keystoneauth1 session, or None.
    """

    def __init__(self, endpoint=None, token=None, auth_session=None,
                 version=API_VERSION, timeout=60, interface=None,
                 region_name=None):
        self.endpoint = endpoint.rstrip('/') if endpoint else None
        self.token = token
        self.auth_session = auth_session
        self.version = version
        self.timeout = timeout
        self.interface = interface
        self.region_name = region_name
        self._requests = None if auth_session else requests.Session()

    def _headers(self):
        headers = {'X-OpenStack-Manila-API-Version': self.version,
                   'Accept': 'application/json'}
        if self.token and not self.auth_session:
            headers['X-Auth-Token'] = self.token
        return headers

    def url(self, path):
        if self.endpoint:
            return self.endpoint + path
        endpoint = self.auth_session.get_endpoint(
            service_type=SERVICE_TYPE, interface=self.interface,
            region_name=self.region_name)
        if not endpoint:
            raise ClientError('no %s endpoint in the service catalog; '
                              'give one with --endpoint' % SERVICE_TYPE)
        self.endpoint = endpoint.rstrip('/')
        return self.endpoint + path

    def request(self, method, path, body=None, params=None):
        """The decoded JSON body (or None); raises ClientError."""
        headers = self._headers()
        data = None
        if body is not None:
            headers['Content-Type'] = 'application/json'
            data = json.dumps(body)
        url = self.endpoint + path if self.endpoint else path
        try:
            url = self.url(path)
            if self.auth_session:
                response = self.auth_session.request(
                    url, method, data=data, params=params, headers=headers,
                    raise_exc=False, timeout=self.timeout)
            else:
                response = self._requests.request(
                    method, url, data=data, params=params, headers=headers,
                    timeout=self.timeout)
        except requests.ConnectionError as exc:
            raise ClientError(_connection_message(url, exc)) from None
        except requests.Timeout as exc:
            raise ClientError(_connection_message(url, exc)) from None
        except Exception as exc:
            # keystoneauth1 wraps connection errors in its own classes.
            if type(exc).__module__.startswith('keystoneauth1'):
                raise ClientError(str(exc)) from None
            raise
        if response.status_code >= 400:
            cls = NotFound if response.status_code == 404 else ClientError
            message = error_message(response)
            if message == GENERIC_NOT_FOUND:
                # Names nothing: say what was asked (e.g. a path this
                # service does not serve).
                message = '%s (%s %s)' % (message, method, url)
            raise cls(message, response.status_code)
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise ClientError('%s answered %s with a body that is not JSON'
                              % (url, response.status_code)) from None

    def get(self, path, params=None):
        return self.request('GET', path, params=params)

    def post(self, path, body=None):
        return self.request('POST', path, body=body)

    def put(self, path, body=None):
        return self.request('PUT', path, body=body)

    def delete(self, path):
        return self.request('DELETE', path)

    def action(self, collection, resource_id, name, argument=None):
        return self.post('/%s/%s/action' % (collection, resource_id),
                         {name: argument})

"""auth_strategy=keystone, with a stand-in for keystonemiddleware."""
import sys
import types

import pytest
import webtest

from manila_repl.api import app as api_app
from manila_repl.conf import CONF
from tests.unit.api.conftest import assert_fault


class FakeAuthProtocol:
    """Accepts the token "good" as project p1 with the given roles."""

    def __init__(self, app, conf):
        self.app = app

    def __call__(self, environ, start_response):
        if environ.get('HTTP_X_AUTH_TOKEN') != 'good':
            start_response('401 Unauthorized',
                           [('Content-Type', 'application/json')])
            return [b'{"error": {"code": 401}}']
        environ.update({'HTTP_X_IDENTITY_STATUS': 'Confirmed',
                        'HTTP_X_PROJECT_ID': 'p1', 'HTTP_X_USER_ID': 'u1',
                        'HTTP_X_ROLES': environ.get('HTTP_X_TEST_ROLES',
                                                    'member')})
        return self.app(environ, start_response)


@pytest.fixture
def keystone_app(db, monkeypatch):
    package = types.ModuleType('keystonemiddleware')
    module = types.ModuleType('keystonemiddleware.auth_token')
    module.AuthProtocol = FakeAuthProtocol
    package.auth_token = module
    monkeypatch.setitem(sys.modules, 'keystonemiddleware', package)
    monkeypatch.setitem(sys.modules, 'keystonemiddleware.auth_token',
                        module)
    CONF.set_override('auth_strategy', 'keystone', group='api')
    yield webtest.TestApp(api_app.setup_app(CONF))
    CONF.clear_override('auth_strategy', group='api')


def test_keystone_context(keystone_app, db):
    db.share_type()
    headers = {'X-Auth-Token': 'good',
               'X-OpenStack-Manila-API-Version': '2.95'}
    keystone_app.get('/', status=300)
    keystone_app.get('/v2/', status=200)
    keystone_app.get('/v2/types', status=401, headers={})
    assert keystone_app.get('/v2/types', headers=headers).json[
        'share_types']
    response = keystone_app.get('/v2/services', headers=headers,
                                status=403)
    assert_fault(response, 403, 'forbidden')
    keystone_app.get('/v2/services', status=200,
                     headers=dict(headers, **{'X-Test-Roles': 'admin'}))
    share = keystone_app.post_json('/v2/shares', {'share': {
        'share_proto': 'NFS', 'size': 1}}, headers=headers).json['share']
    assert share['project_id'] == 'p1' and share['user_id'] == 'u1'

"""Endpoint, token and keystoneauth1 options (no Keystone server)."""
import subprocess
import sys

import pytest
from keystoneauth1.identity import generic

from manila_repl.client import http
from manila_repl.client import shell


def _options(argv, environ):
    shell.ManilaReplApp.argv = tuple(argv)
    shell.ManilaReplApp.environ = environ
    try:
        app = shell.ManilaReplApp()
        options, _rest = app.parser.parse_known_args(argv)
    finally:
        shell.ManilaReplApp.environ = shell.os.environ
    return options


@pytest.fixture
def clean_env(monkeypatch):
    for name in list(shell.os.environ):
        if name.startswith(('OS_', 'MANILA_REPL_')):
            monkeypatch.delenv(name)
    return monkeypatch


def test_defaults_without_keystone(clean_env):
    options = _options(['share', 'list'], {})
    assert options.os_auth_type is None
    session = shell.make_session(options, {})
    assert session.endpoint == http.DEFAULT_ENDPOINT
    assert session.auth_session is None
    assert session.token is None


def test_endpoint_and_token_from_environment(clean_env):
    env = {'MANILA_REPL_ENDPOINT': 'http://h:1/v2/',
           'MANILA_REPL_TOKEN': 'u:p'}
    session = shell.make_session(_options([], env), env)
    assert session.endpoint == 'http://h:1/v2'
    assert session._headers()['X-Auth-Token'] == 'u:p'
    assert session._headers()['X-OpenStack-Manila-API-Version'] == '2.95'


def test_options_win_over_environment(clean_env):
    env = {'MANILA_REPL_ENDPOINT': 'http://h:1/v2', 'MANILA_REPL_TOKEN': 'x'}
    options = _options(['--endpoint', 'http://o:2/v2', '--token', 'a:b'],
                       env)
    session = shell.make_session(options, env)
    assert (session.endpoint, session.token) == ('http://o:2/v2', 'a:b')


def test_os_auth_url_selects_keystone_password(clean_env):
    clean_env.setenv('OS_AUTH_URL', 'http://keystone:5000/v3')
    clean_env.setenv('OS_USERNAME', 'alice')
    clean_env.setenv('OS_PASSWORD', 'secret')
    clean_env.setenv('OS_PROJECT_NAME', 'demo')
    clean_env.setenv('OS_USER_DOMAIN_NAME', 'Default')
    clean_env.setenv('OS_PROJECT_DOMAIN_NAME', 'Default')
    env = dict(shell.os.environ)
    options = _options(['--os-region-name', 'r1', 'share', 'list'], env)
    assert options.os_auth_type == 'password'
    session = shell.make_session(options, env)
    assert session.endpoint is None        # from the catalog
    assert session.region_name == 'r1'
    assert session.interface == 'public'
    auth = session.auth_session.auth
    assert isinstance(auth, generic.Password)
    assert auth.auth_url == 'http://keystone:5000/v3'
    assert auth._username == 'alice'
    assert auth._project_name == 'demo'
    assert 'X-Auth-Token' not in session._headers()


def test_auth_type_option_and_explicit_endpoint(clean_env):
    argv = ['--os-auth-type', 'token', '--os-auth-url', 'http://ks/v3',
            '--os-token', 'tok', '--os-project-id', 'p1',
            '--endpoint', 'http://m:8786/v2', 'share', 'list']
    options = _options(argv, {})
    session = shell.make_session(options, {})
    assert options.os_auth_type == 'token'
    assert isinstance(session.auth_session.auth, generic.Token)
    assert session.endpoint == 'http://m:8786/v2'


def test_auth_type_none_uses_the_default_endpoint(clean_env):
    options = _options(['--os-auth-type', 'none'], {})
    session = shell.make_session(options, {})
    assert session.endpoint == http.DEFAULT_ENDPOINT
    assert session.auth_session is not None


def test_keystone_requested():
    assert shell.keystone_requested(['--os-auth-url=http://k'], {})
    assert shell.keystone_requested([], {'OS_AUTH_TYPE': 'password'})
    assert not shell.keystone_requested(['--token', 'a:b'], {})


def test_client_imports_nothing_from_the_server():
    code = ('import sys, manila_repl.client.shell, '
            'manila_repl.client.replicas, manila_repl.client.shares, '
            'manila_repl.client.types, manila_repl.client.snapshots, '
            'manila_repl.client.access, manila_repl.client.quotas, '
            'manila_repl.client.pools, manila_repl.client.services, '
            'manila_repl.client.zones\n'
            'print(sorted(m for m in sys.modules if m.startswith('
            '"manila_repl.") and not m.startswith("manila_repl.client")))')
    out = subprocess.run([sys.executable, '-c', code], check=True,
                         capture_output=True, text=True).stdout
    assert out.strip() == '[]'


def test_global_options_leave_the_commands_options_alone(clean_env):
    """--timeout after the command is the command's (--wait's)."""
    argv = ['replica', 'create', 'x', '--wait', '--timeout', '0.1']
    options = _options(argv, {})
    assert not hasattr(options, 'timeout')

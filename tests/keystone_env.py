"""A real Keystone for tests: pip-installed into a cached venv
(tests/keystone-requirements.txt), on SQLite with fernet tokens, served by
gunicorn with one worker on 127.0.0.1, torn down after.

Used by tests/functional/test_keystone.py and tests/tempest/run.py::

    with keystone_env.Keystone(workdir) as ks:
        ks.register_manila('http://127.0.0.1:8786/v2')
        people = ks.personas(('alpha', 'beta'))
        token = ks.token('alpha-member', project='alpha')

``python -m tests.keystone_env`` builds (or finds) the cached venv and
prints its path and how long it took.
"""
import os
import signal
import socket
import subprocess
import sys
import time

import requests

from tests import cached_venv
from tests.functional import deployment

REQUIREMENTS = os.path.join(os.path.dirname(__file__),
                            'keystone-requirements.txt')
ADMIN_PASSWORD = 'keystone-admin-secret'
PASSWORD = 'secret-password'
SERVICE_PASSWORD = 'manila-service-secret'
REGION = 'RegionOne'
#: The roles of Manila's personas, in the order of what they may do.
PERSONAS = ('reader', 'member', 'admin')


def venv():
    """The cached Keystone venv (built on first use); BuildError if pip
    cannot build it here."""
    return cached_venv.ensure('keystone', REQUIREMENTS)


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def wait_for(predicate, what, timeout, process=None, log=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError('%s: the process exited (%s)%s' % (
                what, process.returncode, _tail(log)))
        if predicate():
            return
        time.sleep(0.1)
    raise RuntimeError('timed out after %ss waiting for %s%s' %
                       (timeout, what, _tail(log)))


def _tail(path):
    if not path or not os.path.exists(path):
        return ''
    with open(path, errors='replace') as f:
        return '\n' + f.read()[-3000:]


class Keystone:
    """One Keystone: its database, key repositories and gunicorn server in
    ``workdir``. ``token_expiration`` in seconds."""

    def __init__(self, workdir, token_expiration=3600):
        self.workdir = str(workdir)
        self.token_expiration = token_expiration
        self.port = None
        self.url = None
        self._servers = []
        self._admin_token = None
        self._role_ids = {}

    # -- life cycle ---------------------------------------------------------
    def __enter__(self):
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc):
        self.stop()

    def start(self):
        self.venv = venv()
        os.makedirs(self.workdir, exist_ok=True)
        self.port = free_port()
        self.url = 'http://127.0.0.1:%d/v3' % self.port
        self.config = self._write_config('keystone.conf',
                                         self.token_expiration)
        for step in (['db_sync'],
                     ['fernet_setup', '--keystone-user', 'root',
                      '--keystone-group', 'root'],
                     ['credential_setup', '--keystone-user', 'root',
                      '--keystone-group', 'root'],
                     ['bootstrap', '--bootstrap-password', ADMIN_PASSWORD,
                      '--bootstrap-region-id', REGION,
                      '--bootstrap-public-url', self.url,
                      '--bootstrap-internal-url', self.url,
                      '--bootstrap-admin-url', self.url]):
            self._manage(step)
        self._serve(self.config, self.port, 'keystone')

    def stop(self):
        # Signal all first: each takes a moment to stop.
        for process in self._servers:
            if process.popen.poll() is None:
                process.popen.send_signal(signal.SIGTERM)
        for process in self._servers:
            process.kill(signal.SIGTERM)
        self._servers = []

    def serve_another(self, token_expiration):
        """A second server on the same database and keys whose tokens last
        ``token_expiration`` s: its tokens are valid at either server until
        they expire. Returns its identity URL."""
        port = free_port()
        config = self._write_config('keystone-%d.conf' % port,
                                    token_expiration)
        self._serve(config, port, 'keystone-%d' % port)
        return 'http://127.0.0.1:%d/v3' % port

    def _bin(self, name):
        return os.path.join(self.venv, 'bin', name)

    def _write_config(self, name, token_expiration):
        path = os.path.join(self.workdir, name)

        def keys(kind):
            return os.path.join(self.workdir, kind + '-keys')
        with open(path, 'w') as f:
            f.write('\n'.join([
                '[DEFAULT]',
                'use_stderr = true',
                '[database]',
                'connection = sqlite:///%s' % os.path.join(
                    self.workdir, 'keystone.db'),
                '[token]',
                'provider = fernet',
                'expiration = %d' % token_expiration,
                '[fernet_tokens]',
                'key_repository = %s' % keys('fernet'),
                '[fernet_receipts]',
                'key_repository = %s' % keys('receipt'),
                '[credential]',
                'key_repository = %s' % keys('credential'),
                '[identity]',
                # bcrypt's cheapest cost: tempest makes users by the dozen.
                'password_hash_rounds = 4',
                '[cache]',
                'enabled = false',
                '']))
        return path

    def _manage(self, argv):
        result = subprocess.run(
            [self._bin('keystone-manage'), '--config-file', self.config]
            + argv, capture_output=True, text=True, stdin=subprocess.DEVNULL)
        if result.returncode != 0:
            raise RuntimeError('keystone-manage %s failed:\n%s' % (
                argv[0], result.stderr[-3000:]))

    def _serve(self, config, port, name):
        log_path = os.path.join(self.workdir, name + '.log')
        env = dict(os.environ, OS_KEYSTONE_CONFIG_FILES=config)
        # Keystone parses sys.argv as its own options: hide gunicorn's.
        with open(os.path.join(self.workdir, 'keystone_wsgi.py'), 'w') as f:
            f.write('import sys\nsys.argv = sys.argv[:1]\n'
                    'from keystone.wsgi.api import application  # noqa\n')
        process = deployment.Process(
            name, [self._bin('gunicorn'), '--workers', '1',
                   '--bind', '127.0.0.1:%d' % port, '--timeout', '120',
                   '--pythonpath', self.workdir, 'keystone_wsgi:application'],
            log_path, env=env)
        self._servers.append(process)
        popen = process.start()
        url = 'http://127.0.0.1:%d/v3' % port

        def up():
            try:
                # The worker imports Keystone before its first answer.
                return requests.get(url, timeout=60).status_code == 200
            except requests.RequestException:
                return False
        wait_for(up, 'Keystone on %s' % url, 90, popen, log_path)

    def log(self):
        return _tail(os.path.join(self.workdir, 'keystone.log'))

    # -- tokens -------------------------------------------------------------
    def authenticate(self, username, password=PASSWORD, project=None,
                     url=None):
        """POST /v3/auth/tokens; the response (token in X-Subject-Token)."""
        scope = ({'project': {'name': project, 'domain': {'id': 'default'}}}
                 if project else None)
        auth = {'identity': {'methods': ['password'], 'password': {'user': {
            'name': username, 'domain': {'id': 'default'},
            'password': password}}}}
        if scope:
            auth['scope'] = scope
        return requests.post((url or self.url) + '/auth/tokens',
                             json={'auth': auth}, timeout=30)

    def token(self, username, password=PASSWORD, project=None, url=None):
        response = self.authenticate(username, password, project, url)
        if response.status_code != 201:
            raise RuntimeError('no token for %s: %s %s' % (
                username, response.status_code, response.text[:300]))
        return response.headers['X-Subject-Token']

    def token_valid(self, token):
        """What Keystone itself says of ``token``."""
        response = self._call('GET', '/auth/tokens',
                              headers={'X-Subject-Token': token},
                              expect=(200, 404, 401))
        return response.status_code == 200

    # -- the admin API ------------------------------------------------------
    def _call(self, method, path, body=None, expect=(200, 201, 204),
              headers=None):
        if self._admin_token is None:
            self._admin_token = self.token('admin', ADMIN_PASSWORD,
                                           project='admin')
        response = requests.request(
            method, self.url + path, json=body, timeout=30,
            headers=dict(headers or {}, **{'X-Auth-Token':
                                           self._admin_token}))
        if response.status_code not in expect:
            raise RuntimeError('%s %s: %s %s' % (
                method, path, response.status_code, response.text[:500]))
        return response

    def _find(self, collection, name):
        items = self._call('GET', '/%s?name=%s' % (collection, name)).json()[
            collection]
        return items[0]['id'] if items else None

    def role(self, name):
        if name not in self._role_ids:
            self._role_ids[name] = self._find('roles', name) or self._call(
                'POST', '/roles', {'role': {'name': name}}).json()['role'][
                    'id']
        return self._role_ids[name]

    def project(self, name):
        return self._find('projects', name) or self._call(
            'POST', '/projects', {'project': {
                'name': name, 'domain_id': 'default'}}).json()['project'][
                    'id']

    def user(self, name, password=PASSWORD, project_id=None):
        body = {'user': {'name': name, 'password': password,
                         'domain_id': 'default'}}
        if project_id:
            body['user']['default_project_id'] = project_id
        return self._find('users', name) or self._call(
            'POST', '/users', body).json()['user']['id']

    def grant(self, role, user_id, project_id):
        self._call('PUT', '/projects/%s/users/%s/roles/%s' % (
            project_id, user_id, self.role(role)))

    def personas(self, projects):
        """For each project, users ``<project>-reader``, ``-member`` and
        ``-admin`` holding that role there (password PASSWORD).
        Returns {project: {'id': ..., 'reader': user_id, ...}}."""
        found = {}
        for name in projects:
            project_id = self.project(name)
            found[name] = {'id': project_id}
            for role in PERSONAS:
                user_id = self.user('%s-%s' % (name, role))
                self.grant(role, user_id, project_id)
                found[name][role] = user_id
        return found

    def register_manila(self, endpoint):
        """Manila's services and endpoints (``sharev2`` and
        ``shared-file-system``, both at ``endpoint``), and the service user
        ``manila`` (admin and service roles in project ``service``) that
        keystonemiddleware validates tokens with."""
        for service_type, name in (('sharev2', 'manilav2'),
                                   ('shared-file-system', 'manila')):
            service = self._call('POST', '/services', {'service': {
                'type': service_type, 'name': name,
                'description': 'manila-repl'}}).json()['service']
            for interface in ('public', 'internal', 'admin'):
                self._call('POST', '/endpoints', {'endpoint': {
                    'service_id': service['id'], 'interface': interface,
                    'region_id': REGION, 'url': endpoint}})
        service_project = self.project('service')
        user_id = self.user('manila', SERVICE_PASSWORD, service_project)
        for role in ('admin', 'service'):
            self.grant(role, user_id, service_project)

    def authtoken_config(self):
        """manila-repl's [keystone_authtoken] section for this Keystone."""
        return '\n'.join([
            '[keystone_authtoken]',
            'www_authenticate_uri = %s' % self.url,
            'auth_url = %s' % self.url,
            'auth_type = password',
            'username = manila',
            'password = %s' % SERVICE_PASSWORD,
            'project_name = service',
            'user_domain_id = default',
            'project_domain_id = default',
            'region_name = %s' % REGION,
            '']) + '\n'


def main():
    start = time.monotonic()
    path = venv()
    print('%s (built in %.0f s; this call %.1f s)' % (
        path, cached_venv.build_seconds(path), time.monotonic() - start))


if __name__ == '__main__':
    sys.exit(main())

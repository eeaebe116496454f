"""manila-repl-all behind a real Keystone (pip-installed into a cached
venv, SQLite, fernet tokens, gunicorn): real tokens through
keystonemiddleware, Manila's personas in two projects, tenant isolation,
token failures and a policy file override.

Skips (FAILS under MANILA_REPL_REQUIRE_SERVICES=1) when the Keystone venv
cannot be built here.
"""
import pytest

from tests import cached_venv
from tests import keystone_env
from tests import manila_all
from tests.functional import deployment
from tests.functional import services

PROJECTS = ('alpha', 'beta')
#: A rule overridden in the policy file manila-repl starts with.
POLICY_FILE = '"availability_zone:index": "role:admin"\n'


@pytest.fixture(scope='module')
def stack(tmp_path_factory):
    try:
        keystone_env.venv()
    except cached_venv.BuildError as exc:
        services.unavailable('Keystone', str(exc).splitlines()[0])
    workdir = tmp_path_factory.mktemp('keystone-stack')
    policy_file = workdir / 'policy.yaml'
    policy_file.write_text(POLICY_FILE)
    with keystone_env.Keystone(workdir / 'keystone') as ks:
        manila = manila_all.ManilaAll(
            workdir / 'manila', ks, {'az1': 'az1', 'az2': 'az2'},
            driver='fake', extra_config=[
                '[oslo_policy]', 'policy_file = %s' % policy_file])
        ks.register_manila(manila.endpoint)
        people = ks.personas(PROJECTS)
        try:
            manila.start()
            yield Stack(ks, manila, people)
        except BaseException:
            print(manila.log())
            raise
        finally:
            manila.stop()


class Stack:
    def __init__(self, keystone, manila, people):
        self.keystone = keystone
        self.manila = manila
        self.people = people
        self._clients = {}

    def client(self, project, role):
        """An API client with a real token of ``<project>-<role>``."""
        key = (project, role)
        if key not in self._clients:
            token = self.keystone.token('%s-%s' % key, project=project)
            self._clients[key] = deployment.ApiClient(self.manila.endpoint,
                                                      token=token)
        return self._clients[key]


def _ok(response, code=200):
    assert response.status_code == code, response.text
    return response.json() if response.content else None


def _fault(response, code):
    assert response.status_code == code, response.text
    body = response.json()
    assert len(body) == 1 and list(body.values())[0]['code'] == code, body


@pytest.fixture(scope='module')
def resources(stack):
    """alpha's share type (admin), share, replica, snapshot and access
    rule (member), each available."""
    admin = stack.client('alpha', 'admin')
    member = stack.client('alpha', 'member')
    _ok(admin.post('/types', {'share_type': {
        'name': 'replicated', 'extra_specs': {
            'driver_handles_share_servers': False,
            'replication_type': 'readable', 'snapshot_support': True}}}))
    share = _ok(member.post('/shares', {'share': {
        'share_proto': 'NFS', 'size': 1, 'share_type': 'replicated',
        'availability_zone': 'az1'}}))['share']
    member.wait(lambda: member.get('/shares/%s' % share['id']).json()[
        'share']['status'] == 'available', 'the share', timeout=60)
    replica = _ok(member.post('/share-replicas', {'share_replica': {
        'share_id': share['id'], 'availability_zone': 'az2'}}), 202)[
            'share_replica']
    member.wait(lambda: member.get('/share-replicas/%s' % replica['id'])
                .json()['share_replica']['status'] == 'available',
                'the replica', timeout=60)
    snapshot = _ok(member.post('/snapshots', {'snapshot': {
        'share_id': share['id']}}), 202)['snapshot']
    member.wait(lambda: member.get('/snapshots/%s' % snapshot['id'])
                .json()['snapshot']['status'] == 'available',
                'the snapshot', timeout=60)
    rule = _ok(member.post('/shares/%s/action' % share['id'], {
        'allow_access': {'access_type': 'ip',
                         'access_to': '10.0.0.0/24'}}))['access']
    return {'share': share['id'], 'replica': replica['id'],
            'snapshot': snapshot['id'], 'rule': rule['id']}


def test_tokens(stack):
    endpoint = stack.manila.endpoint
    for token in ('garbage', 'admin:admin', ''):
        client = deployment.ApiClient(endpoint, token=token)
        _fault(client.get('/shares'), 401)
    # The version documents need no token.
    assert deployment.ApiClient(endpoint, token='garbage').get(
        '/').status_code == 200
    _ok(stack.client('alpha', 'member').get('/shares'))


def test_expired_token(stack):
    """A token Keystone has let expire is refused (401) by manila-repl."""
    short = stack.keystone.serve_another(token_expiration=2)
    token = stack.keystone.token('alpha-member', project='alpha', url=short)
    deployment.ApiClient.wait(
        lambda: not stack.keystone.token_valid(token),
        'Keystone to call the token expired', timeout=30, interval=0.5)
    client = deployment.ApiClient(stack.manila.endpoint, token=token)
    _fault(client.get('/shares'), 401)


PER_PROJECT = [
    '/shares/{share}', '/shares/{share}/export_locations',
    '/share-replicas/{replica}', '/share-replicas/{replica}/export-locations',
    '/snapshots/{snapshot}', '/share-access-rules/{rule}',
    '/share-access-rules?share_id={share}',
]


@pytest.mark.parametrize('path', PER_PROJECT)
def test_other_project_sees_nothing(stack, resources, path):
    path = path.format(**resources)
    for role in ('reader', 'member', 'admin'):
        if role != 'admin':
            # An admin of another project is an admin everywhere.
            _fault(stack.client('beta', role).get(path), 404)
    _ok(stack.client('alpha', 'reader').get(path))


def test_other_project_lists_and_changes_nothing(stack, resources):
    beta = stack.client('beta', 'member')
    for collection, key in (('/shares/detail', 'shares'),
                            ('/share-replicas/detail', 'share_replicas'),
                            ('/snapshots/detail', 'snapshots')):
        assert _ok(beta.get(collection))[key] == []
    share = resources['share']
    assert _ok(beta.get('/share-replicas/detail?share_id=%s' % share))[
        'share_replicas'] == []
    _fault(beta.delete('/shares/%s' % share), 404)
    _fault(beta.delete('/share-replicas/%s' % resources['replica']), 404)
    _fault(beta.delete('/snapshots/%s' % resources['snapshot']), 404)
    _fault(beta.post('/shares/%s/action' % share, {'deny_access': {
        'access_id': resources['rule']}}), 404)
    _fault(beta.post('/share-replicas', {'share_replica': {
        'share_id': share, 'availability_zone': 'az2'}}), 404)
    alpha = _ok(stack.client('alpha', 'member').get('/shares/detail'))
    assert [s['id'] for s in alpha['shares']] == [share]


def test_project_in_the_path(stack, resources):
    """/v2/{project_id}/... must name the token's project: another one is
    Manila's 400 ("malformed request URL"), for an administrator too, and
    never a way into another project's resources."""
    alpha, beta = (stack.people[p]['id'] for p in PROJECTS)
    share = resources['share']
    for role in ('reader', 'admin'):
        client = stack.client('alpha', role)
        _ok(client.get('/%s/shares/%s' % (alpha, share)))
        _fault(client.get('/%s/shares/%s' % (beta, share)), 400)
        _fault(client.get('/%s/shares/detail' % beta), 400)
    outsider = stack.client('beta', 'member')
    _fault(outsider.get('/%s/shares/%s' % (alpha, share)), 400)
    _fault(outsider.get('/%s/shares/%s' % (beta, share)), 404)
    _fault(outsider.delete('/%s/shares/%s' % (alpha, share)), 400)
    # all_tenants and project_id list other projects for an admin only.
    query = '/shares/detail?all_tenants=1&project_id=%s' % alpha
    assert _ok(outsider.get(query))['shares'] == []
    assert [x['id'] for x in _ok(stack.client('beta', 'admin').get(query))[
        'shares']] == [share]
    # Resources Manila has and this service does not serve: 501 with a
    # reason, with or without the project in the path.
    for path in ('/share-networks', '/%s/share-networks/detail' % beta):
        _fault(outsider.get(path), 501)


def test_quotas_of_another_project(stack):
    """A member or reader sees its own project's quotas only (403 for
    another's, as Manila); changing them is for admins."""
    alpha = stack.people['alpha']['id']
    beta = stack.people['beta']['id']
    for role in ('reader', 'member'):
        client = stack.client('alpha', role)
        assert _ok(client.get('/quota-sets/%s' % alpha))['quota_set'][
            'id'] == alpha
        _fault(client.get('/quota-sets/%s' % beta), 403)
        _fault(client.request('PUT', '/quota-sets/%s' % alpha, json={
            'quota_set': {'shares': 5}}), 403)
    _ok(stack.client('alpha', 'admin').get('/quota-sets/%s' % beta))


ADMIN_ONLY = [
    ('get', '/services', None, 200),
    ('get', '/scheduler-stats/pools', None, 200),
    ('get', '/share_instances', None, 200),
    ('post', '/share-replicas/{replica}/action',
     {'reset_replica_state': {'replica_state': 'out_of_sync'}}, 202),
    ('post', '/share-replicas/{replica}/action', {'resync': None}, 202),
    ('post', '/shares/{share}/action',
     {'reset_status': {'status': 'available'}}, 202),
]


@pytest.mark.parametrize('verb,path,body,code', ADMIN_ONLY)
def test_admin_only(stack, resources, verb, path, body, code):
    path = path.format(**resources)
    for role in ('member', 'reader'):
        client = stack.client('alpha', role)
        _fault(client.request(verb.upper(), path, json=body), 403)
    admin = stack.client('alpha', 'admin')
    assert admin.request(verb.upper(), path, json=body).status_code == code


def test_reader_changes_nothing(stack, resources):
    reader = stack.client('alpha', 'reader')
    _fault(reader.post('/shares', {'share': {
        'share_proto': 'NFS', 'size': 1}}), 403)
    _fault(reader.delete('/shares/%s' % resources['share']), 403)
    _fault(reader.post('/snapshots', {'snapshot': {
        'share_id': resources['share']}}), 403)
    _fault(reader.delete('/share-replicas/%s' % resources['replica']), 403)
    assert _ok(reader.get('/shares/%s' % resources['share']))['share'][
        'status'] == 'available'


def test_member_and_admin_views_of_a_replica(stack, resources):
    path = '/share-replicas/%s' % resources['replica']
    member = _ok(stack.client('alpha', 'member').get(path))['share_replica']
    admin = _ok(stack.client('alpha', 'admin').get(path))['share_replica']
    assert not {'host', 'share_server_id', 'cast_rules_to_readonly'} & set(
        member)
    assert admin['host'].startswith('keystone-tests@az2')
    assert member['id'] == admin['id']


def test_policy_file_override(stack):
    """availability_zone:index is overridden to admins only."""
    for role in ('member', 'reader'):
        _fault(stack.client('alpha', role).get('/availability-zones'), 403)
    zones = _ok(stack.client('alpha', 'admin').get('/availability-zones'))
    assert {z['name'] for z in zones['availability_zones']} == {'az1', 'az2'}

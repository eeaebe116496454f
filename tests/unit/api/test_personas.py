"""Manila's personas: a project reader lists and shows but changes
nothing; a member changes its project's resources; admin-only actions
need the admin role. RBAC as a table, one row per call."""
import json

import pytest

from manila_repl import policies
from manila_repl.policies import base
from tests.unit.api.conftest import assert_fault


@pytest.fixture
def share(db):
    type_id = db.share_type()
    share_id = db.share(type_id=type_id)
    replica_id = db.instance(share_id, paths=['10.0.0.1:/a'])
    return share_id, replica_id


READS = [
    '/v2/shares', '/v2/shares/detail', '/v2/shares/{share}',
    '/v2/shares/{share}/export_locations', '/v2/types',
    '/v2/share-replicas/detail?share_id={share}',
    '/v2/share-replicas/{replica}',
    '/v2/share-replicas/{replica}/export-locations',
    '/v2/share-access-rules?share_id={share}', '/v2/snapshots/detail',
    '/v2/availability-zones', '/v2/quota-sets/p1',
]

#: (method, path, body): what a reader may not do (403, nothing changes).
WRITES = [
    ('post', '/v2/shares', {'share': {'share_proto': 'NFS', 'size': 1}}),
    ('delete', '/v2/shares/{share}', None),
    ('post', '/v2/shares/{share}/action', {'extend': {'new_size': 2}}),
    ('post', '/v2/shares/{share}/action', {'allow_access': {
        'access_type': 'ip', 'access_to': '10.0.0.9'}}),
    ('post', '/v2/share-replicas', {'share_replica': {
        'share_id': '{share}', 'availability_zone': 'az2'}}),
    ('delete', '/v2/share-replicas/{replica}', None),
    ('post', '/v2/share-replicas/{replica}/action', {'promote': None}),
    ('post', '/v2/snapshots', {'snapshot': {'share_id': '{share}'}}),
]

#: Admin-only calls: 403 for a member and a reader.
ADMIN_ONLY = [
    ('get', '/v2/services', None),
    ('get', '/v2/scheduler-stats/pools', None),
    ('get', '/v2/share_instances', None),
    ('get', '/v2/types/{type}/extra_specs', None),
    ('post', '/v2/types', {'share_type': {'name': 'x', 'extra_specs': {
        'driver_handles_share_servers': False}}}),
    ('post', '/v2/shares/{share}/action', {'reset_status': {
        'status': 'error'}}),
    ('post', '/v2/share-replicas/{replica}/action', {'resync': None}),
    ('post', '/v2/share-replicas/{replica}/action', {'reset_status': {
        'status': 'error'}}),
    ('put', '/v2/quota-sets/p1', {'quota_set': {'shares': 5}}),
]


def _fill(text, ids):
    return text.format(**ids)


def _body(body, ids):
    return json.loads(json.dumps(body).replace('{share}', ids['share']))


def _ids(db, share):
    from manila_repl.db import models
    share_id, replica_id = share
    type_id = db.get(models.Share, share_id).share_type_id
    return {'share': share_id, 'replica': replica_id, 'type': type_id}


@pytest.mark.parametrize('path', READS)
def test_reader_reads(client, db, share, path):
    client.get(_fill(path, _ids(db, share)), roles='reader')


@pytest.mark.parametrize('verb,path,body', WRITES)
def test_reader_changes_nothing(client, db, share, verb, path, body):
    ids = _ids(db, share)
    kwargs = {'roles': 'reader', 'status': 403}
    if body is not None:
        kwargs['body'] = _body(body, ids)
    response = getattr(client, verb)(_fill(path, ids), **kwargs)
    assert_fault(response, 403, 'forbidden')
    shares = client.get('/v2/shares', roles='reader').json['shares']
    assert [s['id'] for s in shares] == [ids['share']]


@pytest.mark.parametrize('roles', ['member', 'reader'])
@pytest.mark.parametrize('verb,path,body', ADMIN_ONLY)
def test_admin_only(client, db, share, roles, verb, path, body):
    ids = _ids(db, share)
    kwargs = {'roles': roles, 'status': 403}
    if body is not None:
        kwargs['body'] = _body(body, ids)
    assert_fault(getattr(client, verb)(_fill(path, ids), **kwargs), 403,
                 'forbidden')


def test_no_role_no_access(client, db, share):
    """A token with none of the personas' roles reads nothing."""
    assert_fault(client.get('/v2/shares', roles='other', status=403), 403,
                 'forbidden')


def test_every_rule_is_project_scoped():
    for rule in policies.list_rules():
        assert rule.scope_types == base.PROJECT_SCOPE, rule.name


def test_every_checked_rule_is_registered():
    """Each ``can(...)`` in the code names its rule by a constant of a
    policies module (never a string), and that rule is registered (an
    unregistered one raises PolicyNotRegistered: a 500)."""
    import importlib
    import pathlib
    import re

    import manila_repl
    registered = {r.name for r in policies.list_rules()}
    root = pathlib.Path(manila_repl.__file__).parent
    checked = set()
    for path in root.rglob('*.py'):
        text = path.read_text()
        assert not re.search(r"\.can\(\s*f?'", text), path
        aliases = {alias: importlib.import_module(
                       'manila_repl.policies.' + module)
                   for module, alias in re.findall(
                       r'from manila_repl\.policies import (\w+) as (\w+)',
                       text)}
        for alias, name in re.findall(
                r"\.can\(\s*(\w+)\.([A-Z_]+)", text):
            value = getattr(aliases[alias], name)
            checked |= (set(value.values()) if isinstance(value, dict)
                        else {value})
    assert checked and checked <= registered, checked - registered
    # Every rule constant of every policies module is one registered.
    for module in root.joinpath('policies').glob('*.py'):
        mod = importlib.import_module('manila_repl.policies.' + module.stem)
        for name, value in vars(mod).items():
            if name.isupper() and isinstance(value, str) and ':' in value \
                    and '%(' not in value and not value.startswith(
                        ('rule:', 'role:', '(')):
                assert value in registered, (module.stem, name)

"""Access rules over HTTP: the share actions and /v2/share-access-rules,
codes, views per microversion, validation, ownership, promote guard."""
import pytest
import sqlalchemy as sa

from manila_repl.db import models, session
from manila_repl.share import access
from tests.unit.api.conftest import assert_fault

ACCESS_FIELDS = {'id', 'share_id', 'access_level', 'access_to',
                 'access_type', 'state', 'access_key', 'created_at',
                 'updated_at', 'metadata'}


@pytest.fixture
def share(db):
    """A readable share of p1: active in az1, a replica in az2."""
    share_id = db.share()
    db.instance(share_id)
    db.instance(share_id, replica_state='in_sync', host='node@az2#pool0',
                az='az2')
    return share_id


def allow(client, share_id, status=200, version='2.95', project='p1',
          **rule):
    body = {'allow_access': dict({'access_type': 'ip',
                                  'access_to': '10.0.0.0/24'}, **rule)}
    return client.post(f'/v2/shares/{share_id}/action', body,
                       status=status, version=version, project=project)


def set_maps(state):
    with session.transaction() as s:
        s.execute(sa.update(models.ShareInstanceAccessMap)
                  .values(state=state))


def test_allow_show_list_deny(client, share):
    rule = allow(client, share, access_level='ro',
                 metadata={'k': 'v'}).json['access']
    assert set(rule) == ACCESS_FIELDS
    assert rule['share_id'] == share
    assert (rule['access_level'], rule['state'], rule['metadata']) == \
        ('ro', 'queued_to_apply', {'k': 'v'})
    shown = client.get(f"/v2/share-access-rules/{rule['id']}").json
    assert shown['access']['id'] == rule['id']
    listed = client.get(
        f'/v2/share-access-rules?share_id={share}').json['access_list']
    assert [r['id'] for r in listed] == [rule['id']]
    assert 'share_id' not in listed[0]
    share_view = client.get(f'/v2/shares/{share}').json['share']
    assert share_view['access_rules_status'] == 'syncing'
    set_maps(access.ACTIVE)
    assert client.get(f'/v2/shares/{share}').json['share'][
        'access_rules_status'] == 'active'
    response = client.post(f'/v2/shares/{share}/action',
                           {'deny_access': {'access_id': rule['id']}},
                           status=202)
    assert response.body == b''
    assert client.get(f"/v2/share-access-rules/{rule['id']}").json[
        'access']['state'] == 'queued_to_deny'


def test_default_level_rw_and_error_state(client, share):
    rule = allow(client, share).json['access']
    assert rule['access_level'] == 'rw'
    set_maps(access.ERROR)
    assert client.get(f"/v2/share-access-rules/{rule['id']}").json[
        'access']['state'] == 'error'
    detail = client.get('/v2/shares/detail').json['shares']
    assert detail[0]['access_rules_status'] == 'error'


def test_legacy_access_list_and_views(client, share):
    rule = allow(client, share, version='2.7').json['access']
    assert set(rule) == {'id', 'share_id', 'access_level', 'access_to',
                         'access_type', 'state'}
    assert rule['state'] == 'new'
    listed = client.post(f'/v2/shares/{share}/action',
                         {'access_list': None}, version='2.44',
                         status=200).json['access_list']
    assert set(listed[0]) == {'id', 'access_level', 'access_to',
                              'access_type', 'state', 'access_key',
                              'created_at', 'updated_at'}
    assert listed[0]['state'] == 'queued_to_apply'
    client.post(f'/v2/shares/{share}/action', {'access_list': None},
                status=404)
    client.get(f'/v2/share-access-rules?share_id={share}', version='2.44',
               status=404)
    set_maps(access.ACTIVE)
    listed = client.post(f'/v2/shares/{share}/action',
                         {'os-access_list': None}, version='2.27',
                         status=200).json['access_list']
    assert listed[0]['state'] == 'active'


@pytest.mark.parametrize('rule', [
    {'access_type': 'ipx'},
    {'access_to': '10.0.0.1/24'},
    {'access_to': '300.0.0.1'},
    {'access_to': 'not-an-ip'},
    {'access_level': 'rx'},
    {'access_type': 'user', 'access_to': 'abc'},
    {'access_type': 'user', 'access_to': 'bad user'},
    {'access_type': 'cert', 'access_to': 'x' * 65},
    {'access_type': 'cephx', 'access_to': 'client.alice'},
    {'access_to': ''},
])
def test_invalid_rules_400(client, share, rule):
    assert_fault(allow(client, share, status=400, **rule), 400,
                 'badRequest')


def test_version_gated_types(client, share):
    allow(client, share, status=400, version='2.37', access_to='fd00::/64')
    allow(client, share, version='2.38', access_to='fd00::/64')
    allow(client, share, status=400, version='2.12', access_type='cephx',
          access_to='alice')
    allow(client, share, access_type='cephx', access_to='alice')
    allow(client, share, access_type='user', access_to='bob@example')
    allow(client, share, access_type='cert', access_to='client.example')


def test_missing_fields_400(client, share):
    client.post(f'/v2/shares/{share}/action',
                {'allow_access': {'access_type': 'ip'}}, status=400)
    client.post(f'/v2/shares/{share}/action', {'deny_access': {}},
                status=400)


def test_duplicate_400(client, share):
    allow(client, share, access_to='10.0.0.1')
    message = assert_fault(allow(client, share, status=400,
                                 access_to='10.0.0.1/32',
                                 access_level='ro'), 400, 'badRequest')
    assert 'exists' in message


def test_other_project_404(client, share):
    rule = allow(client, share).json['access']
    allow(client, share, status=404, project='p2', roles='member')
    client.get(f"/v2/share-access-rules/{rule['id']}", project='p2',
               roles='member', status=404)
    client.get(f'/v2/share-access-rules?share_id={share}', project='p2',
               roles='member', status=404)
    client.post(f'/v2/shares/{share}/action',
                {'deny_access': {'access_id': rule['id']}}, project='p2',
                roles='member', status=404)


def test_unknown_rule_404(client, share):
    client.post(f'/v2/shares/{share}/action',
                {'deny_access': {'access_id': 'nope'}}, status=404)
    client.get('/v2/share-access-rules/nope', status=404)


def test_share_id_required(client, share):
    client.get('/v2/share-access-rules', status=400)


def test_during_promote_409(client, db, share):
    rule = allow(client, share).json['access']
    db.update(models.Share, share, task_state='replication_change')
    allow(client, share, status=409, access_to='10.0.0.9')
    client.post(f'/v2/shares/{share}/action',
                {'deny_access': {'access_id': rule['id']}}, status=409)


def test_unavailable_share_400(client, db):
    share_id = db.share()
    db.instance(share_id, status='creating')
    allow(client, share_id, status=400)


def test_maps_on_every_instance(client, share):
    rule = allow(client, share).json['access']
    with session.reader() as r:
        states = r.scalars(
            sa.select(models.ShareInstanceAccessMap.state)
            .where(models.ShareInstanceAccessMap.access_id ==
                   rule['id'])).all()
    assert states == ['queued_to_apply'] * 2


def test_replica_in_error(client, db):
    """A replica in error: allow_access is refused below 2.74 (400, as
    Manila) and allowed from 2.74; the share's access_rules_status counts
    only available instances, so the broken replica's maps leave it
    active."""
    share_id = db.share()
    db.instance(share_id)
    broken = db.instance(share_id, replica_state='error', status='error',
                         host='node@az2#pool0', az='az2')
    for version in ('2.11', '2.73'):
        assert_fault(allow(client, share_id, status=400, version=version),
                     400, 'badRequest')
    assert client.get(f'/v2/share-access-rules?share_id={share_id}').json[
        'access_list'] == []
    allow(client, share_id, version='2.74')
    set_maps(access.ACTIVE)
    with session.transaction() as s:
        s.execute(sa.update(models.ShareInstanceAccessMap)
                  .where(models.ShareInstanceAccessMap.share_instance_id ==
                         broken).values(state=access.ERROR))
    assert client.get(f'/v2/shares/{share_id}').json['share'][
        'access_rules_status'] == 'active'


@pytest.fixture
def nfs_backend():
    """az1 (where the share's active instance is) as a btrfs backend
    exporting through ganesha, with ip rules no wider than /16."""
    from manila_repl.conf import CONF, backend_config
    from manila_repl.share.drivers import btrfs  # noqa: F401  (options)
    from tests.unit.db import fixtures
    backend_config(CONF, 'az1')
    overrides = fixtures.Overrides()
    overrides.set('share_driver', 'btrfs', group='az1')
    overrides.set('access_ip_min_prefix_ipv4', 16, group='az1')
    try:
        yield
    finally:
        overrides.restore()


@pytest.mark.parametrize('rule, message', [
    ({'access_type': 'user', 'access_to': 'alice'}, 'enforces only ip'),
    ({'access_type': 'cert', 'access_to': 'client.example'},
     'enforces only ip'),
    ({'access_type': 'cephx', 'access_to': 'alice'}, 'enforces only ip'),
    ({'access_to': '10.0.0.0/8'}, 'wider than /16'),
    ({'access_to': '10.0.0.1/24'}, 'not a valid IP'),
    ({'access_level': 'admin'}, 'access level'),
])
def test_what_an_nfs_backend_refuses_is_400_and_changes_nothing(
        client, share, nfs_backend, rule, message):
    response = allow(client, share, status=400, **rule)
    assert_fault(response, 400, 'badRequest')
    assert message in response.json['badRequest']['message']
    assert client.get(f'/v2/share-access-rules?share_id={share}'
                      ).json['access_list'] == []


def test_an_nfs_backend_takes_ip_rules_once(client, share, nfs_backend):
    allow(client, share, access_to='10.7.0.0/16')
    allow(client, share, access_to='10.9.8.7', access_level='ro')
    response = allow(client, share, status=400, access_to='10.7.0.0/16',
                     access_level='ro')
    assert 'exists' in response.json['badRequest']['message']
    assert len(client.get(f'/v2/share-access-rules?share_id={share}'
                          ).json['access_list']) == 2


def test_a_rules_error_reason_is_shown(client, share):
    rule = allow(client, share).json['access']
    with session.transaction() as s:
        s.execute(sa.update(models.ShareInstanceAccessMap)
                  .values(state=access.ERROR,
                          state_reason='ganesha on 10.0.0.5: ganesha is '
                                       'not running'))
    shown = client.get(f"/v2/share-access-rules/{rule['id']}").json
    assert shown['access']['state'] == 'error'
    assert shown['access']['state_reason'] == \
        'ganesha on 10.0.0.5: ganesha is not running'

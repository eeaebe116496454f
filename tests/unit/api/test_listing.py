"""List filters, sorting and paging of shares, snapshots and replicas:
Manila's filters, applied in SQL before paging (db/listing.py)."""
import datetime
import itertools

import pytest

from manila_repl import constants as c
from manila_repl.db import models
from manila_repl.share import snapshot_api
from tests.unit.api.conftest import assert_fault

Share = models.Share


def _ids(response, key='shares'):
    return [x['id'] for x in response.json[key]]


@pytest.fixture
def shares(db):
    """Six shares of p1 (s0..s5, created in that order; s3..s5 in error)
    and one of p2; s1 is public, s2 has metadata and an export path."""
    type_id = db.share_type(name='gold')
    ids = []
    for n in range(6):
        share_id = db.share()
        db.update(Share, share_id, display_name='s%d' % n,
                  display_description='Share number %d' % n,
                  created_at=datetime.datetime(2026, 1, 1, 0, n),
                  size=n + 1, share_type_id=type_id if n % 2 else None)
        db.instance(share_id, status='error' if n >= 3 else 'available',
                    host='node@az%d#pool0' % (n % 3 + 1),
                    paths=['10.0.0.%d:/s%d' % (n, n)])
        ids.append(share_id)
    db.update(Share, ids[1], is_public=True)
    db.update(Share, ids[2], metadata_={'tier': 'gold', 'app': 'db'})
    other = db.share(project='p2')
    db.update(Share, other, display_name='s0')
    db.instance(other)
    return {'mine': ids, 'other': other, 'type': type_id}


def test_share_filters(client, shares):
    ids = shares['mine']

    def listed(query, **kw):
        return _ids(client.get('/v2/shares/detail?' + query, **kw))

    assert listed('') == ids[::-1]
    assert listed('name=s2') == [ids[2]]
    assert listed('name~=S&sort_dir=asc', version='2.36') == ids
    # Before 2.36 Manila drops name~ (every share is listed).
    assert listed('name~=s4', version='2.35') == ids[::-1]
    assert listed('description~=NUMBER%205') == [ids[5]]
    assert listed('description=Share%20number%201') == [ids[1]]
    assert listed('name~=%25') == []              # % is no wildcard
    assert listed('status=error&sort_dir=asc') == ids[3:]
    assert listed('share_type_id=' + shares['type']) == ids[5::-2]
    assert listed('share_type=gold') == ids[5::-2]
    assert listed('share_type=nope') == []
    assert listed('host=node@az2') == [ids[4], ids[1]]
    assert listed('host=node@az2%23pool0&sort_key=name') == [ids[4], ids[1]]
    assert listed('export_location_path=10.0.0.3:/s3') == [ids[3]]
    assert listed('export_location_path=10.0.0.3:/s3',
                  version='2.34') == ids[::-1]
    assert listed("metadata={'tier': 'gold'}") == [ids[2]]
    assert listed("metadata={'tier': 'silver'}") == []
    assert listed("extra_specs={'driver_handles_share_servers': 'False'}"
                  ) == ids[5::-2]
    assert listed('share_network_id=x') == []
    assert listed('snapshot_id=x') == []
    assert listed('unknown_filter=1&availability_zone=x') == ids[::-1]
    assert listed('is_public=true', roles='member', project='p2') == [
        shares['other'], ids[1]]


def test_soft_deleted_and_openstack_share_show(client, shares):
    """python-manilaclient finds a share by name by listing twice from
    2.69: live shares and ``is_soft_deleted=True`` ones. None is ever soft
    deleted here: the second list is empty (it used to repeat the first,
    and ``openstack share show <name>`` said "multiple matches")."""
    assert _ids(client.get('/v2/shares/detail?all_tenants=1&'
                           'is_soft_deleted=True')) == []
    assert len(_ids(client.get('/v2/shares/detail?is_soft_deleted=false'))
               ) == 6
    assert len(_ids(client.get('/v2/shares/detail?is_soft_deleted=True',
                               version='2.68'))) == 6
    assert_fault(client.get('/v2/shares?is_soft_deleted=maybe',
                            status=400), 400, 'badRequest')


def test_share_filters_page_in_sql(client, shares):
    """A filtered page is full: the filter runs before LIMIT/OFFSET."""
    ids = shares['mine']
    page = client.get('/v2/shares?status=available&limit=2&sort_dir=asc')
    assert _ids(page) == ids[:2]
    page = client.get('/v2/shares?status=error&limit=2&offset=1&'
                      'sort_dir=asc')
    assert _ids(page) == ids[4:6]
    counted = client.get('/v2/shares?status=error&limit=1&with_count=true')
    assert counted.json['count'] == 3 and len(_ids(counted)) == 1
    assert 'count' not in client.get('/v2/shares?with_count=true',
                                     version='2.41').json


def test_share_sorting(client, shares):
    ids = shares['mine']

    def order(query):
        return _ids(client.get('/v2/shares/detail?' + query))

    assert order('sort_key=name&sort_dir=asc') == ids
    assert order('sort_key=size&sort_dir=desc') == ids[::-1]
    # Ties go by id.
    assert order('sort_key=status&sort_dir=desc') == sorted(ids[3:]) + \
        sorted(ids[:3])
    assert order('sort_key=host&sort_dir=asc') == sorted(
        [ids[0], ids[3]]) + sorted([ids[1], ids[4]]) + sorted(
            [ids[2], ids[5]])
    assert order('sort_key=share_network_id') == sorted(ids)
    for bad in ('sort_key=bogus', 'sort_dir=sideways',
                'sort_key=metadata'):
        message = assert_fault(client.get('/v2/shares?' + bad, status=400),
                               400, 'badRequest')
        assert 'sort_' in message


def test_projects_listed(client, shares):
    ids = shares['mine']
    every = set(ids) | {shares['other']}
    assert set(_ids(client.get('/v2/shares?all_tenants=1'))) == every
    assert _ids(client.get('/v2/shares?project_id=p2')) == [shares['other']]
    assert _ids(client.get('/v2/shares?all_tenants=1&project_id=p2&'
                           'name=s0')) == [shares['other']]
    # A member's all_tenants or project_id changes nothing.
    assert _ids(client.get('/v2/shares?all_tenants=1&project_id=p1',
                           roles='member', project='p2')) == [
        shares['other']]
    assert_fault(client.get('/v2/shares?all_tenants=perhaps', status=400),
                 400, 'badRequest')


@pytest.fixture
def snapshots(db):
    """Four snapshots of one p1 share with an active and an in_sync
    replica: n0 available, n1 creating on the in_sync one, n2 error on
    the active one, n3 without any instance (reads error)."""
    share_id = db.share()
    active = db.instance(share_id)
    in_sync = db.instance(share_id, replica_state=c.REPLICA_STATE_IN_SYNC,
                          host='node@az2#pool0', az='az2')
    lagging = db.instance(share_id, replica_state='out_of_sync',
                          host='node@az3#pool0', az='az3')
    statuses = [('available', 'available', 'error'),
                ('available', 'creating', 'available'),
                ('error', 'available', 'available'), None]
    ids = []
    for n, states in enumerate(statuses):
        snapshot = models.ShareSnapshot(
            share_id=share_id, project_id='p1', user_id='u',
            display_name='n%d' % n, display_description='Snap %d' % n,
            size=n + 1, share_proto='NFS',
            created_at=datetime.datetime(2026, 1, 1, 0, n))
        for instance, status in zip((active, in_sync, lagging),
                                    states or ()):
            snapshot.instances.append(models.ShareSnapshotInstance(
                share_instance_id=instance, status=status))
        ids.append(db.add(snapshot))
    return {'ids': ids, 'share': share_id}


def test_snapshot_filters_and_sorting(client, snapshots):
    ids = snapshots['ids']

    def listed(query, **kw):
        return _ids(client.get('/v2/snapshots/detail?' + query, **kw),
                    'snapshots')

    assert listed('') == ids[::-1]
    assert listed('status=available') == [ids[0]]
    assert listed('status=creating') == [ids[1]]
    assert listed('status=error') == [ids[3], ids[2]]
    assert listed('status=error&limit=1&offset=1') == [ids[2]]
    assert listed('name=n1') == [ids[1]]
    assert listed('name~=N&sort_dir=asc') == ids
    assert listed('description~=snap%203') == [ids[3]]
    assert listed('size=3') == [ids[2]]
    assert listed('share_id=' + snapshots['share']) == ids[::-1]
    assert listed('share_id=other') == []
    assert listed("metadata={'k': 'v'}") == []
    assert listed("metadata={'k': 'v'}", version='2.72') == ids[::-1]
    assert listed('bogus=1') == ids[::-1]
    assert listed('sort_key=status&sort_dir=asc') == sorted(
        [ids[2], ids[3]]) + [ids[1], ids[0]]
    assert listed('sort_key=size&sort_dir=asc') == ids
    counted = client.get('/v2/snapshots?with_count=1&status=error&limit=1')
    assert counted.json['count'] == 2
    assert_fault(client.get('/v2/snapshots?sort_key=host', status=400),
                 400, 'badRequest')
    assert listed('all_tenants=1', roles='member', project='p2') == []


def test_snapshot_status_in_sql_is_the_shown_one(client, db):
    """The SQL filter (db.listing) and the status shown
    (snapshot_api.aggregate) agree on every mix of instance statuses and
    replica states, two instances at a time."""
    share_id = db.share()
    states = (c.REPLICA_STATE_ACTIVE, c.REPLICA_STATE_IN_SYNC,
              c.REPLICA_STATE_OUT_OF_SYNC)
    replicas = {state: db.instance(share_id, replica_state=state,
                                   host='node@%s#p' % state)
                for state in states}
    statuses = snapshot_api.SNAPSHOT_STATUSES
    for pair in itertools.product(itertools.product(statuses, states),
                                  repeat=2):
        snapshot = models.ShareSnapshot(
            share_id=share_id, project_id='p1', user_id='u', size=1,
            share_proto='NFS')
        for status, state in set(pair):
            snapshot.instances.append(models.ShareSnapshotInstance(
                share_instance_id=replicas[state], status=status))
        db.add(snapshot)
    shown = {x['id']: x['status'] for x in client.get(
        '/v2/snapshots/detail?limit=1000').json['snapshots']}
    assert len(shown) > 100
    for status in statuses:
        found = set(_ids(client.get('/v2/snapshots?limit=1000&status=' +
                                    status), 'snapshots'))
        assert found == {i for i, s in shown.items() if s == status}, status


def test_replica_filters_and_paging(client, db):
    share_id = db.share()
    db.instance(share_id)
    other = db.share()
    db.instance(other)
    for n in range(3):
        db.instance(share_id, replica_state='in_sync', az='az%d' % n,
                    created_at=datetime.datetime(2026, 1, 2, 0, n))
    rows = client.get('/v2/share-replicas?share_id=' + share_id).json[
        'share_replicas']
    assert len(rows) == 4
    page = client.get('/v2/share-replicas/detail?share_id=%s&limit=2&'
                      'offset=1&status=error&sort_key=bogus' % share_id)
    assert _ids(page, 'share_replicas') == [r['id'] for r in rows[1:3]]
    assert len(client.get('/v2/share-replicas').json['share_replicas']) == 5

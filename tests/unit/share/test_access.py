"""Access rule flows (share/access.py) with fake backends: every instance
gets the rules, read-only on readable replicas, none on dr replicas;
promotes flip levels; one failing instance is isolated; deny removes."""
import json

import pytest

from manila_repl import constants as c
from manila_repl import context as ctx_mod
from manila_repl.db import models
from manila_repl.db import session
from manila_repl.share import access, access_api, instance_db
from manila_repl.share import api as share_api
from manila_repl.share import recovery, replication
from tests.unit.db import fixtures

ADMIN = ctx_mod.get_admin_context()


def _share(drivers, rows, replication_type='readable'):
    share_id = rows.share(replication_type=replication_type)
    ids = {'id': share_id,
           'active': rows.instance(share_id, backend='az1'),
           'r2': rows.instance(share_id, backend='az2',
                               replica_state=c.REPLICA_STATE_IN_SYNC)}
    _, active = instance_db.load(ids['active'])
    drivers['az1'].create_share(active)
    drivers['az1'].add_replica(active, instance_db.load(ids['r2'])[1])
    return ids


@pytest.fixture
def share(drivers, rows):
    return _share(drivers, rows)


def files(drivers, backend, instance_id):
    view = instance_db.load(instance_id)[1]
    with open(drivers[backend].access_path(view)) as f:
        return {(r['access_to'], r['access_level']) for r in json.load(f)}


def states(access_id):
    with session.reader() as r:
        return sorted(m.state for m in r.query(
            models.ShareInstanceAccessMap).filter_by(access_id=access_id))


def test_readable_replica_gets_ro(drivers, rows, share):
    rule = access_api.allow_access(ADMIN, share['id'], 'ip', '10.0.0.0/24')
    assert rule['state'] == access.QUEUED_TO_APPLY
    assert states(rule['id']) == [access.QUEUED_TO_APPLY] * 2
    done = access.update_access(drivers['az1'], share['id'])
    assert set(done.values()) == {True}
    assert states(rule['id']) == [access.ACTIVE] * 2
    assert files(drivers, 'az1', share['active']) == {('10.0.0.0/24', 'rw')}
    assert files(drivers, 'az2', share['r2']) == {('10.0.0.0/24', 'ro')}
    assert access_api.rules_status([share['id']]) == {share['id']: 'active'}


def test_dr_replica_gets_none_and_writable_all_rw(drivers, rows):
    dr = _share(drivers, rows, 'dr')
    access_api.allow_access(ADMIN, dr['id'], 'user', 'alice', 'rw')
    access.update_access(drivers['az1'], dr['id'])
    assert files(drivers, 'az1', dr['active']) == {('alice', 'rw')}
    assert files(drivers, 'az2', dr['r2']) == set()


def test_promote_flips_levels(drivers, rows, share):
    access_api.allow_access(ADMIN, share['id'], 'ip', '10.0.0.1', 'rw')
    access.update_access(drivers['az1'], share['id'])
    assert share_api.promote_replica(ADMIN, share['r2'])
    replication.promote_replica(drivers['az2'], share['r2'])
    assert files(drivers, 'az2', share['r2']) == {('10.0.0.1', 'rw')}
    assert files(drivers, 'az1', share['active']) == {('10.0.0.1', 'ro')}


def test_failure_on_one_instance_is_isolated(drivers, rows, share,
                                             tmp_path):
    rule = access_api.allow_access(ADMIN, share['id'], 'ip', '10.0.0.1')
    (tmp_path / 'backends' / 'az2' / 'offline').touch()
    done = access.update_access(drivers['az1'], share['id'])
    assert done == {share['active']: True, share['r2']: False}
    assert states(rule['id']) == [access.ACTIVE, access.ERROR]
    assert access_api.get_access(ADMIN, rule['id'])['state'] == 'error'
    assert access_api.rules_status([share['id']])[share['id']] == 'error'
    # An errored rule can be denied: gone everywhere.
    (tmp_path / 'backends' / 'az2' / 'offline').unlink()
    access_api.deny_access(ADMIN, share['id'], rule['id'])
    access.update_access(drivers['az1'], share['id'])
    assert access_api.list_access(ADMIN, share['id']) == []


def test_not_supported_driver(drivers, rows, share, monkeypatch):
    def update_access(view, rules):
        raise NotImplementedError('update_access')
    monkeypatch.setattr(drivers['az1'], 'update_access', update_access)
    rule = access_api.allow_access(ADMIN, share['id'], 'ip', '10.0.0.1')
    access.update_access(drivers['az1'], share['id'])
    assert states(rule['id']) == [access.ERROR] * 2


def test_driver_per_rule_state(drivers, rows, share, monkeypatch):
    first = access_api.allow_access(ADMIN, share['id'], 'ip', '10.0.0.1')
    second = access_api.allow_access(ADMIN, share['id'], 'ip', '10.0.0.2')
    real = drivers['az1'].update_access
    monkeypatch.setattr(
        drivers['az1'], 'update_access',
        lambda view, rules: (real(view, rules) or
                             {second['id']: 'error'}))
    access.update_access(drivers['az1'], share['id'])
    assert states(first['id']) == [access.ACTIVE] * 2
    assert states(second['id']) == [access.ERROR] * 2


def test_deny_removes(drivers, rows, share):
    keep = access_api.allow_access(ADMIN, share['id'], 'ip', '10.0.0.1')
    gone = access_api.allow_access(ADMIN, share['id'], 'ip', '10.0.0.2')
    access.update_access(drivers['az1'], share['id'])
    access_api.deny_access(ADMIN, share['id'], gone['id'])
    assert access_api.get_access(ADMIN, gone['id'])['state'] == \
        access.QUEUED_TO_DENY
    assert access_api.rules_status([share['id']])[share['id']] == 'syncing'
    access.update_access(drivers['az1'], share['id'])
    assert [r['id'] for r in access_api.list_access(ADMIN, share['id'])] \
        == [keep['id']]
    assert files(drivers, 'az2', share['r2']) == {('10.0.0.1', 'ro')}
    assert rows.get(models.ShareAccessRule, gone['id']) is None


def test_new_replica_gets_every_rule(drivers, rows, share):
    rule = access_api.allow_access(ADMIN, share['id'], 'ip', '10.0.0.1')
    access.update_access(drivers['az1'], share['id'])
    new = rows.instance(share['id'], backend='az3',
                        status=c.STATUS_CREATING,
                        replica_state=c.REPLICA_STATE_OUT_OF_SYNC)
    replication.add_replica(drivers['az1'], new)
    assert rows.instance_row(new).status == c.STATUS_AVAILABLE
    assert states(rule['id']) == [access.ACTIVE] * 3
    assert files(drivers, 'az3', new) == {('10.0.0.1', 'ro')}


def test_access_failure_does_not_fail_replica_add(drivers, rows, share,
                                                  conf_db):
    rule = access_api.allow_access(ADMIN, share['id'], 'ip', '10.0.0.1')
    conf_db.set('fake_fail_methods', ['update_access'], group='az1')
    new = rows.instance(share['id'], backend='az3',
                        status=c.STATUS_CREATING,
                        replica_state=c.REPLICA_STATE_OUT_OF_SYNC)
    replication.add_replica(drivers['az1'], new)
    assert rows.instance_row(new).status == c.STATUS_AVAILABLE
    assert states(rule['id']) == [access.ERROR] * 3


def test_transitional_instances_wait(drivers, rows, share):
    """An instance in transition keeps its maps queued for the flow that
    ends the transition."""
    rule = access_api.allow_access(ADMIN, share['id'], 'ip', '10.0.0.1')
    rows.update(models.ShareInstance, share['r2'],
                status=c.STATUS_REPLICATION_CHANGE)
    access.update_access(drivers['az1'], share['id'])
    assert states(rule['id']) == [access.ACTIVE, access.QUEUED_TO_APPLY]


def test_recovery_reruns_pending(drivers, rows, share):
    rule = access_api.allow_access(ADMIN, share['id'], 'ip', '10.0.0.1')
    work = fixtures.pending(fixtures.backend_host('az1'))
    assert ('update_access', share['id']) in work
    assert ('update_access', share['id']) not in fixtures.pending(
        fixtures.backend_host('az2'))
    recovery.recover(drivers['az1'], fixtures.backend_host('az1'))
    assert states(rule['id']) == [access.ACTIVE] * 2
    assert fixtures.pending(fixtures.backend_host('az1')) == []

"""Extend and shrink on the active's manager (resize.py) with fake
backends: every replica resized, failures visible, data loss refused,
recovery after a restart."""
import json

import pytest

from manila_repl import constants as c
from manila_repl import context as ctx_mod
from manila_repl.share import instance_db, recovery, resize, resize_api
from manila_repl.share import api as share_api
from tests.unit.db import fixtures

ADMIN = ctx_mod.get_admin_context()


@pytest.fixture(autouse=True)
def no_casts(monkeypatch):
    class Casts:
        def __init__(self):
            self.sent = []

        def __getattr__(self, name):
            return lambda *a, **kw: self.sent.append((name, a, kw))

    casts = Casts()
    monkeypatch.setattr(share_api, '_share', casts)
    return casts


@pytest.fixture
def share(drivers, rows):
    """Readable share of 2 GiB: active on az1, in_sync replicas on az2
    and az3, each with storage."""
    share_id = rows.share(size=2)
    ids = {'id': share_id,
           'active': rows.instance(share_id, backend='az1'),
           'r2': rows.instance(share_id, backend='az2',
                               replica_state=c.REPLICA_STATE_IN_SYNC),
           'r3': rows.instance(share_id, backend='az3',
                               replica_state=c.REPLICA_STATE_IN_SYNC)}
    _, active = instance_db.load(ids['active'])
    drivers['az1'].create_share(active)
    for name in ('r2', 'r3'):
        drivers['az1'].add_replica(active, instance_db.load(ids[name])[1])
    return ids


def _file(root, backend, instance_id):
    return json.loads((root / backend / f'{instance_id}.json').read_text())


def _sizes(tmp_path, share):
    root = tmp_path / 'backends'
    return [_file(root, b, share[k])['size']
            for b, k in (('az1', 'active'), ('az2', 'r2'), ('az3', 'r3'))]


def test_extend_resizes_every_replica(drivers, rows, share, tmp_path,
                                      no_casts):
    resize_api.extend_share(ADMIN, share['id'], 5)
    name, args, _ = no_casts.sent[-1]
    assert name == 'extend_share'
    assert args[1] == fixtures.host('az1')
    resize.extend_share(drivers['az1'], share['id'], 5)
    assert _sizes(tmp_path, share) == [5, 5, 5]
    assert rows.share_row(share['id']).size == 5
    assert rows.share_row(share['id']).task_state is None
    for instance in rows.instances_of(share['id']):
        assert (instance.status, instance.status_message) == (
            c.STATUS_AVAILABLE, None)
    # A late or repeated cast: nothing to do.
    resize.extend_share(drivers['az1'], share['id'], 7)
    assert rows.share_row(share['id']).size == 5


def test_shrink_resizes_every_replica(drivers, rows, share, tmp_path):
    resize_api.shrink_share(ADMIN, share['id'], 1)
    resize.shrink_share(drivers['az1'], share['id'], 1)
    assert _sizes(tmp_path, share) == [1, 1, 1]
    assert rows.share_row(share['id']).size == 1


def test_one_replica_failing_is_visible(drivers, rows, share, tmp_path):
    resize_api.extend_share(ADMIN, share['id'], 4)
    (tmp_path / 'backends' / 'az3' / 'offline').touch()
    resize.extend_share(drivers['az1'], share['id'], 4)
    r3 = rows.instance_row(share['r3'])
    assert r3.status == c.STATUS_EXTENDING_ERROR
    assert r3.status_message.startswith('Extending to 4 GiB failed: ')
    assert 'az3' in r3.status_message
    for key in ('active', 'r2'):
        assert rows.instance_row(share[key]).status == c.STATUS_AVAILABLE
    share_row = rows.share_row(share['id'])
    assert (share_row.size, share_row.task_state) == (2, None)


def test_injected_failure_on_active(drivers, rows, share, conf_db):
    conf_db.set('fake_fail_methods', ['extend_share'], group='az1')
    resize_api.extend_share(ADMIN, share['id'], 4)
    resize.extend_share(drivers['az1'], share['id'], 4)
    active = rows.instance_row(share['active'])
    assert active.status == c.STATUS_EXTENDING_ERROR
    assert 'injected failure of extend_share' in active.status_message
    assert rows.share_row(share['id']).size == 2
    # The share shows its active replica's status.
    assert share_api.get_share(ADMIN, share['id']).instances
    assert share_api._primary(
        share_api.get_share(ADMIN, share['id'])).status == 'extending_error'


def test_shrink_refused_on_data_loss(drivers, rows, share, tmp_path):
    path = tmp_path / 'backends' / 'az1' / f"{share['active']}.json"
    data = json.loads(path.read_text())
    data['used'] = 2
    path.write_text(json.dumps(data))
    resize_api.shrink_share(ADMIN, share['id'], 1)
    resize.shrink_share(drivers['az1'], share['id'], 1)
    assert _sizes(tmp_path, share) == [2, 2, 2]
    for instance in rows.instances_of(share['id']):
        assert instance.status == c.STATUS_AVAILABLE
        assert instance.status_message.startswith(
            'Shrinking to 1 GiB would lose data')
    assert rows.share_row(share['id']).size == 2
    assert rows.share_row(share['id']).task_state is None


def test_shrink_refused_on_a_replica_grows_the_others_back(
        drivers, rows, share, tmp_path):
    path = tmp_path / 'backends' / 'az3' / f"{share['r3']}.json"
    data = json.loads(path.read_text())
    data['used'] = 2
    path.write_text(json.dumps(data))
    resize_api.shrink_share(ADMIN, share['id'], 1)
    resize.shrink_share(drivers['az1'], share['id'], 1)
    assert _sizes(tmp_path, share) == [2, 2, 2]
    assert {i.status for i in rows.instances_of(share['id'])} == {
        c.STATUS_AVAILABLE}


def test_driver_without_resize(drivers, rows, share, monkeypatch):
    from manila_repl.share import driver as driver_mod

    class Bare:
        extend_share = driver_mod.ResizeMixin.extend_share

    resize_api.extend_share(ADMIN, share['id'], 3)
    bare = Bare()
    resize.extend_share(bare, share['id'], 3)
    for instance in rows.instances_of(share['id']):
        assert instance.status == c.STATUS_EXTENDING_ERROR
        assert 'does not support' in instance.status_message


def test_unreplicated_share(drivers, rows, tmp_path):
    share_id = rows.share(replication_type=None, size=1)
    instance_id = rows.instance(share_id, backend='az2',
                                replica_state=None)
    drivers['az2'].create_share(instance_db.load(instance_id)[1])
    resize_api.extend_share(ADMIN, share_id, 3)
    resize.extend_share(drivers['az2'], share_id, 3)
    assert _file(tmp_path / 'backends', 'az2', instance_id)['size'] == 3
    assert rows.share_row(share_id).size == 3


def test_recovery_finishes_an_interrupted_resize(drivers, rows, share,
                                                 tmp_path):
    resize_api.extend_share(ADMIN, share['id'], 6)
    # az2's manager owns no active replica: nothing for it.
    assert ('resize_share', share['id']) not in fixtures.pending(
        fixtures.backend_host('az2'))
    work = fixtures.flows(recovery.recover(
        drivers['az1'], fixtures.backend_host('az1')))
    assert ('resize_share', share['id']) in work
    assert _sizes(tmp_path, share) == [6, 6, 6]
    assert rows.share_row(share['id']).size == 6
    assert {i.status for i in rows.instances_of(share['id'])} == {
        c.STATUS_AVAILABLE}


def test_recovery_fails_visibly_without_a_size(drivers, rows, share):
    from manila_repl.db import models
    resize_api.shrink_share(ADMIN, share['id'], 1)
    # A row from before task_size was recorded (or damaged by hand).
    rows.update(models.Share, share['id'], task_size=None)
    recovery.recover(drivers['az1'], fixtures.backend_host('az1'))
    for instance in rows.instances_of(share['id']):
        assert instance.status == c.STATUS_SHRINKING_ERROR
        assert 'interrupted' in instance.status_message
    assert rows.share_row(share['id']).task_state is None

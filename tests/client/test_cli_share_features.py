"""The CLI's snapshot, access rule, resize and quota commands against the
real service (manila-repl-all with fake backends)."""
import json
import os
import uuid

import pytest


@pytest.fixture(scope='module')
def snap_share(cli):
    type_name = 'snappy-' + uuid.uuid4().hex[:6]
    cli('type', 'create', type_name, '--replication-type', 'readable',
        '--extra-specs', 'snapshot_support=True')
    return cli.json('share', 'create', 'NFS', '1', '--share-type',
                    type_name, '--availability-zone', 'az1', '--wait')['id']


def test_snapshot_create_list_delete(cli, snap_share):
    snap = cli.json('snapshot', 'create', snap_share, '--name', 's1',
                    '--wait')
    assert snap['status'] == 'available'
    listed = cli.json('snapshot', 'list')
    assert [s['Name'] for s in listed if s['ID'] == snap['id']] == ['s1']
    cli('snapshot', 'delete', snap['id'], '--wait')
    assert snap['id'] not in [s['ID'] for s in cli.json('snapshot', 'list')]


def test_access_rule_create_list_delete(cli, snap_share):
    rule = cli.json('share', 'access', 'create', snap_share, 'ip',
                    '10.1.0.0/24', '--access-level', 'ro', '--wait')
    assert (rule['access_to'], rule['access_level'], rule['state']) == (
        '10.1.0.0/24', 'ro', 'active')
    rules = cli.json('share', 'access', 'list', snap_share)
    assert [r['Access To'] for r in rules] == ['10.1.0.0/24']
    cli('share', 'access', 'delete', snap_share, rule['id'], '--wait')
    assert cli.json('share', 'access', 'list', snap_share) == []


def test_extend_and_shrink(cli, snap_share):
    cli('share', 'extend', snap_share, '3', '--wait')
    assert cli.json('share', 'show', snap_share)['size'] == 3
    cli('share', 'shrink', snap_share, '2', '--wait')
    assert cli.json('share', 'show', snap_share)['size'] == 2
    failed = cli('share', 'shrink', snap_share, '5', expect=1)
    assert failed.stderr.strip()


def test_refused_shrink_with_wait_exits_1_at_once(cli, snap_share,
                                                  all_in_one):
    cli('share', 'extend', snap_share, '4', '--wait')
    # The fake driver refuses to shrink below what the share holds.
    path = os.path.join(all_in_one.fake_root('az1'), '%s.json' % (
        _active_instance(cli, snap_share)))
    with open(path) as f:
        data = json.load(f)
    data['used'] = 3
    with open(path, 'w') as f:
        json.dump(data, f)
    failed = cli('share', 'shrink', snap_share, '2', '--wait',
                 '--timeout', '60', expect=1)
    assert 'refused' in failed.stderr
    assert cli.json('share', 'show', snap_share)['size'] == 4


def _active_instance(cli, share_id):
    replicas = cli.json('replica', 'list', '--share', share_id)
    return next(r['ID'] for r in replicas if r['Replica State'] == 'active')


def test_quota_show_and_set(cli):
    project = 'proj-' + uuid.uuid4().hex[:6]
    cli('quota', 'set', project, '--shares', '7')
    shown = cli.json('quota', 'show', project)
    assert shown['shares'] == 7

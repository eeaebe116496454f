"""The installed manila-repl command against manila-repl-all: output in
table and json, exit codes, --wait and its failures."""
import json
import os
import uuid

import pytest


UUID_LEN = 36


@pytest.fixture(scope='module')
def share(cli):
    """A readable type and a 1 GiB share in az1, through the CLI."""
    type_name = 'readable-' + uuid.uuid4().hex[:6]
    table = cli('type', 'create', type_name, '--replication-type',
                'readable').stdout
    assert '| Name                 | %s' % type_name in table
    assert 'replication_type=readable' in table
    assert 'driver_handles_share_servers=false' in table
    types = cli.json('type', 'list')
    listed = [t for t in types if t['Name'] == type_name]
    assert listed[0]['Optional Extra Specs'] == {
        'replication_type': 'readable'}
    assert listed[0]['Visibility'] == 'public'

    name = 'docs-' + uuid.uuid4().hex[:6]
    created = cli('share', 'create', 'NFS', '1', '--name', name,
                  '--share-type', type_name, '--availability-zone', 'az1',
                  '--wait', '-f', 'json')
    share = json.loads(created.stdout)
    assert share['status'] == 'available'
    assert share['replication_type'] == 'readable'
    assert share['export_locations']
    # Not a terminal: one plain line per state.
    assert created.stderr.splitlines()[-1].endswith(
        'share %s: available' % share['id'])
    return share


def test_listings_in_table_json_and_value(cli, share):
    table = cli('share', 'list').stdout.splitlines()
    assert [c.strip() for c in table[1].split('|')[1:-1]] == [
        'ID', 'Name', 'Size', 'Share Proto', 'Status', 'Is Public',
        'Share Type Name', 'Host', 'Availability Zone']
    assert any(share['id'] in line and ' available ' in line
               for line in table)

    zones = cli.json('az', 'list')
    assert sorted(z['Name'] for z in zones) == ['az1', 'az2', 'az3']
    pools = cli('pool', 'list', '-f', 'value', '-c', 'Name').stdout.split()
    assert sorted(pools)[0].endswith('@az1#pool0')
    services = cli.json('service', 'list')
    assert {s['Binary'] for s in services} == {'manila-scheduler',
                                               'manila-share'}
    assert {s['State'] for s in services} == {'up'}
    shown = cli.json('share', 'show', share['name'])
    assert shown['id'] == share['id']


def test_replication_workflow(cli, share):
    created = cli('replica', 'create', share['id'], '--availability-zone',
                  'az2', '--wait', '-f', 'json')
    replica = json.loads(created.stdout)
    assert (replica['status'], replica['replica_state'],
            replica['availability_zone']) == ('available', 'in_sync', 'az2')
    assert replica['export_locations']
    lines = created.stderr.splitlines()
    assert lines[0].endswith('replica %s: creating / out_of_sync'
                             % replica['id'])
    assert lines[-1].endswith('available / in_sync')

    listed = cli.json('replica', 'list', '--share', share['name'])
    assert [(r['Availability Zone'], r['Replica State']) for r in listed] \
        == [('az1', 'active'), ('az2', 'in_sync')]
    assert listed[1]['Last Sync']            # the timestamp in json
    table = cli('replica', 'list', '--share', share['id']).stdout
    header = table.splitlines()[1]
    assert [c.strip() for c in header.split('|')[1:-1]] == [
        'ID', 'Status', 'Replica State', 'Share ID', 'Host',
        'Availability Zone', 'Updated At', 'Last Sync']
    row = next(line for line in table.splitlines() if replica['id'] in line)
    assert row.rstrip(' |').endswith(' ago')    # the age in a table

    active = listed[0]['ID']
    promoted = cli('replica', 'promote', replica['id'], '--wait')
    assert promoted.stdout == ''
    assert promoted.stderr.splitlines()[-1].endswith('available / active')
    states = {r['ID']: r['Replica State']
              for r in cli.json('replica', 'list', '--share', share['id'])}
    assert states[replica['id']] == 'active'
    assert states[active] in ('out_of_sync', 'in_sync')

    cli('replica', 'resync', active, '--wait')
    shown = cli.json('replica', 'show', active)
    assert shown['replica_state'] == 'in_sync'
    assert shown['last_sync_at']

    locations = cli.json('replica', 'export-locations', replica['id'])
    assert [(loc['Availability Zone'], loc['Replica State'])
            for loc in locations] == [('az2', 'active')]
    assert locations[0]['Path']

    # The active replica cannot be deleted: the service's message, exit 1.
    refused = cli('replica', 'delete', replica['id'], expect=1)
    assert 'is the active replica' in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    # Nor a share with replicas.
    refused = cli('share', 'delete', share['id'], expect=1)
    assert 'replica' in refused.stderr

    deleted = cli('replica', 'delete', active, '--wait')
    assert deleted.stderr.splitlines()[-1].endswith('deleted')
    cli('replica', 'show', active, expect=1)


def test_wait_fails_on_injected_driver_error(cli, all_in_one):
    type_name = 'readable-' + uuid.uuid4().hex[:6]
    cli('type', 'create', type_name, '--replication-type', 'readable')
    share = cli.json('share', 'create', 'NFS', '1', '--share-type',
                     type_name, '--availability-zone', 'az1', '--wait')
    inject = os.path.join(all_in_one.fake_root('az1'), 'inject.json')
    with open(inject, 'w') as f:
        json.dump({'fail': ['add_replica']}, f)
    try:
        failed = cli('replica', 'create', share['id'],
                     '--availability-zone', 'az3', '--wait', expect=1)
    finally:
        os.unlink(inject)
    assert failed.stdout == ''
    last = failed.stderr.strip().splitlines()[-1]
    assert last.startswith('replica ')
    assert 'status is error' in last
    assert 'injected failure of add_replica on az1' in last
    assert 'error / error' in failed.stderr      # the transition shown
    # ... and the newest user message about the replica.
    assert last.endswith(' -- create: The share driver of the active '
                         'replica failed to create this replica; its status '
                         'is error. Delete it and add a replica again.')
    replica_id = last.split()[1].rstrip(':')
    _check_messages(cli, replica_id)

    # --timeout: a slow driver, a short patience.
    with open(inject, 'w') as f:
        json.dump({'delay': {'add_replica': 3}}, f)
    try:
        slow = cli('replica', 'create', share['id'], '--availability-zone',
                   'az2', '--wait', '--timeout', '0.1', expect=1)
    finally:
        os.unlink(inject)
    assert 'timed out after 0.1s waiting for replica' in slow.stderr


def _check_messages(cli, replica_id):
    """message list|show|delete on the message of a failed replica add."""
    listed = cli.json('message', 'list', '--resource-id', replica_id)
    assert [(m['Resource Type'], m['Action ID'], m['Detail ID'])
            for m in listed] == [('SHARE_REPLICA', '002', '103')]
    table = cli('message', 'list', '--resource-type', 'share_replica',
                '--action-id', '002').stdout.splitlines()
    assert [c.strip() for c in table[1].split('|')[1:-1]] == [
        'ID', 'Resource Type', 'Resource ID', 'Action ID', 'User Message',
        'Detail ID', 'Created At']
    message_id = listed[0]['ID']
    shown = cli.json('message', 'show', message_id)
    assert list(shown) == ['id', 'resource_type', 'resource_id',
                           'action_id', 'user_message', 'message_level',
                           'detail_id', 'created_at', 'expires_at',
                           'request_id', 'project_id']
    assert (shown['resource_id'], shown['message_level']) == (replica_id,
                                                              'ERROR')
    # The request id of the replica create that failed.
    assert shown['request_id'].startswith('req-')
    assert cli.json('message', 'list', '--request-id',
                    shown['request_id'])[0]['ID'] == message_id
    assert cli.json('message', 'list', '--since',
                    '2999-01-01T00:00:00Z') == []
    cli('message', 'delete', message_id)
    gone = cli('message', 'show', message_id, expect=1)
    assert gone.stderr.strip() == (
        'Message %s could not be found.' % message_id)
    assert cli.json('message', 'list', '--resource-id', replica_id) == []


def test_errors_are_one_line_and_exit_1(cli, all_in_one, share):
    missing = cli('replica', 'show', str(uuid.uuid4()), expect=1)
    assert missing.stderr.strip().endswith('could not be found.')
    assert len(missing.stderr.strip().splitlines()) == 1

    # Not served yet: the service's answer, exit 1.
    # Served: extending a 1 GiB share to 1 GiB is a 400.
    extend = cli('share', 'extend', share['id'], '1', expect=1)
    assert 'must be greater than the current size' in extend.stderr
    assert len(extend.stderr.strip().splitlines()) == 1
    # Served, but this share's type has no snapshot_support (Manila: 422).
    snapshot = cli('snapshot', 'create', share['id'], expect=1)
    assert snapshot.stderr.strip() == (
        'Snapshots cannot be created for share %s since it does not have '
        'that capability.' % share['id'])

    refused = cli('share', 'list', expect=1, env_update={
        'MANILA_REPL_ENDPOINT': 'http://127.0.0.1:9/v2'})
    assert refused.stderr.strip() == (
        'cannot connect to http://127.0.0.1:9/v2/shares/detail: '
        'connection refused')

    anonymous = cli('share', 'list', expect=1,
                    env_update={'MANILA_REPL_TOKEN': ''})
    assert 'Authentication required' in anonymous.stderr

    cli('share', 'create', 'NFS', 'big', expect=2)        # argparse
    assert cli('--help').stdout.count('replica ') >= 7

"""Replicas on other hosts, served over NFS, through the whole stack.

Two storage hosts made by hosts.py (each a network namespace with its own
mount namespace: a loopback btrfs, sshd, nfs-ganesha), reached by the
share managers over ssh only, in two availability zones; NFS clients are
further namespaces using the user-space libnfs client. api, scheduler and
the managers are real processes over RabbitMQ and PostgreSQL. The replica
status interval is 300 s: what happens sooner is the probe of unreachable
hosts, or an explicit resync.
"""
import os
import random
import time

import pytest

from manila_repl.share.drivers import ssh
from tests.functional import deployment
from tests.functional import hosts
from tests.functional import services
from tests.functional import workflow

MOUNT = hosts.MOUNT_POINT


def backend_lines(net, host, known_hosts):
    return ['share_driver = btrfs',
            'btrfs_ssh_host = %s' % host.ip,
            'btrfs_ssh_user = root',
            'btrfs_mount_point = %s' % MOUNT,
            'btrfs_pool_name = pool-%s' % host.name,
            'ssh_private_key_file = %s' % net.key,
            'ssh_known_hosts_file = %s' % known_hosts,
            'ganesha_pid_file = %s' % hosts.GANESHA_PID,
            'ganesha_log_file = %s' % hosts.GANESHA_LOG,
            'access_ip_min_prefix_ipv4 = 16']


@pytest.fixture(scope='module')
def stack(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('nfs-hosts')
    with hosts.TestNet() as net:
        h1, h2 = net.storage_host('h1'), net.storage_host('h2')
        net.trust_each_other([h1, h2])
        clients = {'rw': net.client('rw'), 'ro': net.client('ro'),
                   'none': net.client('none'),
                   # On h2's side of the partition the test makes.
                   'side': net.side_client(h2, 'side')}
        known = {}
        for name, line in (('bt1', h1.known_hosts_line()),
                           ('bt2', h2.known_hosts_line()),
                           # h1's address with h2's key: a mismatch.
                           ('bad', h2.known_hosts_line().replace(
                               h2.ip, h1.ip))):
            known[name] = str(tmp / ('%s.known_hosts' % name))
            with open(known[name], 'w') as f:
                f.write(line)
        backends = {'bt1': backend_lines(net, h1, known['bt1']),
                    'bt2': backend_lines(net, h2, known['bt2']),
                    'bad': backend_lines(net, h1, known['bad'])}
        with services.rabbit_vhost() as transport_url, \
                services.database('postgresql') as db_url:
            dep = deployment.Deployment(tmp / 'run', transport_url, db_url,
                                        interval=300, backends=backends)
            try:
                dep.start(pools=2)
                yield dep, net, {'bt1': h1, 'bt2': h2}, clients
            except BaseException:
                print(dep.logs())
                for h in (h1, h2):
                    print('===== ganesha %s\n%s' % (
                        h.name, h.ganesha_log()[-3000:]))
                raise
            finally:
                dep.stop()
                _close_connections(dep, net, backends)


def _close_connections(dep, net, backends):
    """The managers' shared ssh connections outlive them: end them."""
    for name in backends:
        section = dict(line.split(' = ', 1) for line in backends[name])
        ssh.Transport(name, section['btrfs_ssh_host'], user='root',
                      known_hosts=section['ssh_known_hosts_file'],
                      private_key=net.key, control_dir=os.path.join(
                          dep.tmp, 'ssh', 'cm')).close()


# -- API helpers ------------------------------------------------------------
def locations(api, instance_id):
    r = api.get('/share-replicas/%s/export-locations' % instance_id)
    assert r.status_code == 200, r.text
    return r.json()['export_locations']


def nfs_location(api, instance_id):
    found = [x for x in locations(api, instance_id)
             if not x['is_admin_only']]
    assert len(found) == 1, found
    return found[0]['path']


def allow(api, share_id, client_ip, level, status=200):
    r = api.post('/shares/%s/action' % share_id, {'allow_access': {
        'access_type': 'ip', 'access_to': client_ip, 'access_level': level}})
    assert r.status_code == status, r.text
    return r.json()


def wait_rules(api, share_id, state='active'):
    def settled():
        rules = api.get('/share-access-rules?share_id=%s' % share_id).json()[
            'access_list']
        return all(r['state'] == state for r in rules) and rules
    return api.wait(settled, 'access rules %s' % state, timeout=60)


def resync(api, replica_id):
    before = api.replica(replica_id)['last_sync_at']
    r = api.post('/share-replicas/%s/action' % replica_id, {'resync': None})
    assert r.status_code == 202, r.text
    api.wait(lambda: api.replica(replica_id)['last_sync_at'] != before and
             api.replica(replica_id)['replica_state'] == 'in_sync',
             'a resync of %s' % replica_id, timeout=60)


def make_tree(root, seed):
    rnd = random.Random(seed)
    for d in ('', 'docs', 'docs/deep/er', 'bin'):
        os.makedirs(os.path.join(root, d), exist_ok=True)
        for n in range(3):
            with open(os.path.join(root, d, 'f%d' % n), 'wb') as f:
                f.write(rnd.randbytes(rnd.randint(0, 200000)))


def without_probes(digest):
    return {k: v for k, v in digest.items() if not k.startswith('probe')}


def export_files(host):
    directory = host.path('etc-ganesha', 'export.d')
    return sorted(n for n in os.listdir(directory) if n[0].isdigit())


# -- the scenario -----------------------------------------------------------
def test_nfs_replicas_on_two_hosts(stack, tmp_path):
    dep, net, by_backend, clients = stack
    api = dep.api
    rw, ro, none, side = (clients[k] for k in ('rw', 'ro', 'none', 'side'))
    h1, h2 = by_backend['bt1'], by_backend['bt2']

    share_id = workflow.create_share(api, workflow.create_replicated_type(
        api), az='bt1')
    a = api.replicas(share_id)['bt1']['id']
    paths = locations(api, a)
    assert {(x['path'], x['preferred'], x['is_admin_only'])
            for x in paths} == {
        ('%s:/shares/%s' % (h1.ip, a), True, False),
        ('%s/shares/%s' % (MOUNT, a), False, True)}
    loc_a = nfs_location(api, a)

    for client, level in ((rw, 'rw'), (ro, 'ro'), (side, 'rw')):
        allow(api, share_id, client.ip, level)
    wait_rules(api, share_id)

    # rw writes a tree; ro reads the same bytes and cannot write; a
    # client without a rule cannot mount.
    tree = tmp_path / 'tree'
    make_tree(str(tree), 1)
    assert rw.put_tree(loc_a, str(tree)) is True
    written = rw.digest(loc_a)
    assert ro.digest(loc_a) == written
    assert 'ROFS' in ro.write(loc_a, 'nope', b'x')
    assert none.can_mount(loc_a) is not True

    # The replica, host to host; served read-only with the same bytes.
    r = workflow.add_replica(api, share_id, 'bt2')
    workflow.wait_replica(api, r, 'the replica in sync', status='available',
                          replica_state='in_sync')
    wait_rules(api, share_id)
    loc_r = nfs_location(api, r)
    assert loc_r == '%s:/shares/%s' % (h2.ip, r)
    assert [x['preferred'] for x in locations(api, r)
            if not x['is_admin_only']] == [False]
    assert ro.digest(loc_r) == written
    assert rw.digest(loc_r) == written
    assert 'ROFS' in rw.write(loc_r, 'nope', b'x')
    assert none.can_mount(loc_r) is not True

    _planned_promote(api, share_id, a, r, loc_a, loc_r, rw, tmp_path)
    _resize_snapshot_access(api, share_id, a, r, h1, h2, ro, loc_a, loc_r)
    _unplanned_promote(api, share_id, a, r, loc_a, loc_r, rw, side, h2,
                       tmp_path)

    # Deleting a replica removes its export and its subvolume.
    assert api.delete('/share-replicas/%s' % r).status_code == 202
    api.wait(lambda: list(api.replicas(share_id)) == ['bt1'],
             'the replica deleted', timeout=60)
    assert export_files(h2) == []
    assert h2.exec('ls', '-A', MOUNT + '/shares').split() == []
    assert h2.exec('findmnt', '-n', '-o', 'TARGET', check=False).count(
        '/run/manila-repl/exports') == 0


def _planned_promote(api, share_id, a, r, loc_a, loc_r, rw, tmp_path):
    """While a client writes to the active every 100 ms: promote the
    replica. When it reads active, the old active refuses writes, the new
    one takes them, and every acknowledged write is on the new one."""
    samples_file = str(tmp_path / 'planned.jsonl')
    with rw.probing(samples_file, {'a': loc_a, 'r': loc_r}) as samples:
        time.sleep(0.5)         # some writes acknowledged before
        workflow.promote(api, r)
        workflow.wait_replica(api, r, 'the new active',
                              replica_state='active', status='available')
        assert 'ROFS' in rw.write(loc_a, 'after-promote', b'x')
        assert rw.write(loc_r, 'on-the-new-active', b'new') is True
        # Let the prober see the new state too.
        done = time.monotonic()
        api.wait(lambda: any(s['t'] > done and s['target'] == 'r'
                             for s in samples()), 'samples after', 10)
    acked = {s['file'] for s in samples() if s['ok'] and s['target'] == 'a'}
    assert acked, 'no write reached the old active before the promote'
    on_new = rw.digest(loc_r)
    lost = acked - set(on_new)
    assert not lost, 'acknowledged writes lost: %s' % sorted(lost)
    # The old active, read-only now, catches up at a resync.
    resync(api, a)
    assert without_probes(rw.digest(loc_a)) == without_probes(
        rw.digest(loc_r))


def _resize_snapshot_access(api, share_id, a, r, h1, h2, ro, loc_a, loc_r):
    """Resize, a snapshot and a rule change reach both hosts."""
    r_ = api.post('/shares/%s/action' % share_id, {'extend': {'new_size': 2}})
    assert r_.status_code == 202, r_.text
    api.wait(lambda: api.get('/shares/%s' % share_id).json()['share'][
        'status'] == 'available', 'the extend', timeout=60)
    for host, instance in ((h1, a), (h2, r)):
        out = host.exec('sh', '-c', 'btrfs qgroup show -rf --raw "$(readlink'
                        ' -f %s/shares/%s)" | tail -1' % (MOUNT, instance))
        assert out.split()[3] == str(2 << 30), (host.name, out)

    snap = api.post('/snapshots', {'snapshot': {'share_id': share_id,
                                                'name': 'nfs'}})
    assert snap.status_code == 202, snap.text
    snap_id = snap.json()['snapshot']['id']
    api.wait(lambda: api.get('/snapshots/%s' % snap_id).json()['snapshot'][
        'status'] == 'available', 'the snapshot', timeout=60)
    for host, instance in ((h1, a), (h2, r)):
        assert host.exec('ls', '%s/.snap/%s' % (MOUNT, instance)).split(), \
            host.name

    ro_rule = [x for x in api.get('/share-access-rules?share_id=%s' %
                                  share_id).json()['access_list']
               if x['access_to'] == ro.ip][0]
    r_ = api.post('/shares/%s/action' % share_id,
                  {'deny_access': {'access_id': ro_rule['id']}})
    assert r_.status_code == 202, r_.text
    api.wait(lambda: ro.ip not in [
        x['access_to'] for x in api.get('/share-access-rules?share_id=%s' %
                                        share_id).json()['access_list']],
        'the rule denied', timeout=60)
    for host in (h1, h2):
        for name in export_files(host):
            with open(host.path('etc-ganesha', 'export.d', name)) as f:
                assert ro.ip not in f.read()
    assert ro.can_mount(loc_a) is not True
    assert ro.can_mount(loc_r) is not True


def _unplanned_promote(api, share_id, a, r, loc_a, loc_r, rw, side, h2,
                       tmp_path):
    """The active's host (h2 now) is cut off; a is promoted. A client on
    h2's side writes there during the partition; when the link returns
    h2's writable export goes within 10 s, h2 is re-seeded from a, and
    that write never reaches a."""
    resync(api, a)
    h2.partition()
    cut = time.monotonic()
    try:
        workflow.promote(api, a)
        workflow.wait_replica(api, a, 'a active again, h2 cut off',
                              replica_state='active', status='available')
        took = time.monotonic() - cut
        assert took < 30, 'the unplanned promote took %.1fs' % took
        print('unplanned promote: active after %.1fs' % took)
        assert api.replica(r)['replica_state'] == 'error'
        assert side.write(loc_r, 'written-during-partition',
                          b'lost') is True
        assert rw.write(loc_a, 'written-on-the-new-active', b'kept') is True
        samples_file = str(tmp_path / 'unplanned.jsonl')
        with rw.probing(samples_file, {'a': loc_a, 'r': loc_r}) as samples:
            time.sleep(1)
            h2.heal()
            healed = time.monotonic()
            # The old active is fenced, then re-seeded: no status loop
            # run (300 s) is needed.
            workflow.wait_replica(api, r, 'h2 re-seeded',
                                  replica_state='in_sync',
                                  status='available')
            settled = time.monotonic()
            api.wait(lambda: any(s['t'] > settled + 1 and
                                 s['target'] == 'r' for s in samples()),
                     'samples after the re-seed', 15)
    finally:
        h2.heal()
    # A write is accepted when it is acknowledged ("done").
    seen = samples()
    late = [s for s in seen if s['target'] == 'r' and s['ok']]
    window = (max(s['done'] for s in late) - healed) if late else 0.0
    print('writes accepted by the returning old active: %d, the last '
          '%.2fs after the link came back (%d samples in all)' % (
              len(late), window, len(seen)))
    assert window < 10
    for s in late:
        assert s['done'] >= healed, s   # none while it was cut off
    for s in seen:
        if s['target'] == 'a':
            assert s['ok'], s       # the new active takes every write
    final = rw.digest(loc_a)
    assert 'written-during-partition' not in final
    assert not {s['file'] for s in late} & set(final)
    resync(api, r)
    assert without_probes(rw.digest(loc_r)) == without_probes(
        rw.digest(loc_a))
    assert 'written-on-the-new-active' in rw.digest(loc_r)


# -- what is refused --------------------------------------------------------
def test_refusals_are_4xx_or_reasons(stack):
    dep, net, by_backend, clients = stack
    api = dep.api
    h1 = by_backend['bt1']

    # A backend whose host key does not match is down, saying so.
    def bad_service():
        services_ = api.get('/services').json()['services']
        found = [x for x in services_ if x['host'].endswith('@bad')]
        return found and found[0]['state'] == 'down' and \
            found[0].get('state_reason') and found[0]
    try:
        service = api.wait(bad_service, 'the bad backend down', timeout=30)
    except AssertionError:
        print(api.get('/services').json())
        raise
    assert 'does not match' in service['state_reason']

    share_id = workflow.create_share(api, workflow.create_replicated_type(
        api), az='bt1')
    allow(api, share_id, clients['rw'].ip, 'rw')
    wait_rules(api, share_id)
    before = api.get('/share-access-rules?share_id=%s' % share_id).json()
    for rule in ({'access_to': '10.0.0.300'},          # malformed
                 {'access_to': '10.0.0.0/8'},          # wider than /16
                 {'access_to': clients['rw'].ip},      # a duplicate
                 {'access_level': 'admin'},
                 {'access_type': 'user', 'access_to': 'alice'},
                 {'access_type': 'cert', 'access_to': 'client.example'}):
        body = dict({'access_type': 'ip', 'access_to': clients['ro'].ip,
                     'access_level': 'ro'}, **rule)
        r = api.post('/shares/%s/action' % share_id, {'allow_access': body})
        assert r.status_code == 400, (rule, r.text)
        assert r.json()['badRequest']['message'], r.text
    assert api.get('/share-access-rules?share_id=%s' %
                   share_id).json() == before

    # ganesha stopped on the share's host: the new rule reads error with
    # the reason; nothing answers 500.
    h1.stop_ganesha()
    try:
        rule = allow(api, share_id, clients['ro'].ip, 'ro')['access']
        shown = api.wait(lambda: (lambda x: x if x['state'] == 'error'
                                  else None)(api.get(
                                      '/share-access-rules/%s' % rule['id']
                                  ).json()['access']), 'the rule in error',
                         timeout=60)
        assert 'ganesha is not running' in shown['state_reason']
        for path in ('/shares/%s' % share_id,
                     '/share-access-rules?share_id=%s' % share_id,
                     '/share-replicas/detail?share_id=%s' % share_id):
            assert api.get(path).status_code == 200
    finally:
        h1.start_ganesha()

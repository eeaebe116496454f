"""btrfs backends on two storage hosts over ssh, exported through ganesha.

The hosts are those of the functional tests (tests/functional/hosts.py:
network namespaces with their own mount namespace, sshd, ganesha and a
loopback btrfs on a sparse file; root needed). The driver runs here, as a
share manager does, and reaches both hosts over ssh only (shared
connections, host keys checked). Four measurements:

1. sync: a share of ``--size-mib`` MiB (16 MiB files of random data) with
   a replica on the second host; each round rewrites ``--churn`` of it
   (random 1 MiB blocks, on the host), then times, in alternating order,
   the driver's ``update_replica_status`` (snapshot, ``btrfs send -p |
   ssh B btrfs receive`` run ON host A, qgroup limit, the replica's export
   moved to the new snapshot, pruning) and a bare ``ssh A btrfs send -p |
   ssh B btrfs receive`` of the same delta relayed through this host (a
   chain of its own, snapshot included, the same shared connections);
2. the fixed cost of a sync without changes (``--idle`` syncs);
3. one access rule change on a host already holding ``--exports``
   exports (bind-mounted subvolumes, one ganesha export each): the
   driver's ``update_access`` of one share, while a client reads a file
   through another export every 20 ms (its reads and failures during the
   change are reported);
4. planned promote after ``--churn`` of unsynced changes: the time
   ``set_active_replica`` takes until the new host serves the share
   read-write (it returns then), and the bytes that crossed the network
   from the old host (its veth counters).

    sudo .venv/bin/python -m benchmarks.nfs_hosts --size-mib 1024 \
        --churn 0.1 --rounds 7 --exports 1000
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time

from benchmarks import common
from benchmarks.btrfs_sync import Share
from manila_repl.conf import CONF, backend_config
from manila_repl.share import manager
from manila_repl.share.drivers.btrfs import commands
from manila_repl.share.drivers import btrfs  # noqa: F401  (options)
from manila_repl.share.drivers import ganesha
from manila_repl.share.drivers import ssh
from tests.functional import hosts
from tests.unit.db import fixtures

FILE_MIB = 16
MOUNT = hosts.MOUNT_POINT

# Run on a host: write N files of 16 MiB of random data, or rewrite a
# fraction of them in random 1 MiB blocks; then sync.
_FILL = '''
import os, random, sys
root, files = sys.argv[1], int(sys.argv[2])
churn, rng = float(sys.argv[3]), random.Random(int(sys.argv[4]))
names = ['f%04d' % i for i in range(files)]
if churn == 0:
    for n in names:
        with open(os.path.join(root, n), 'wb') as f:
            for _ in range(16):
                f.write(rng.randbytes(1 << 20))
else:
    for _ in range(int(files * 16 * churn)):
        with open(os.path.join(root, rng.choice(names)), 'r+b') as f:
            f.seek(rng.randrange(16) << 20)
            f.write(rng.randbytes(1 << 20))
os.sync()
'''

# Run on a host: N subvolumes bind-mounted under the export root.
_MANY = r'''
set -e
for i in $(seq 1 "$2"); do
    id=$(printf '00000000-0000-4000-8000-%012d' "$i")
    btrfs -q subvolume create "$1/shares/$id"
    echo "$i" > "$1/shares/$id/f"
    mkdir -p "/run/manila-repl/exports/$id"
    mount --bind "$1/shares/$id" "/run/manila-repl/exports/$id"
done
'''


def timed(func):
    start = time.perf_counter()
    result = func()
    return time.perf_counter() - start, result


def veth_bytes(net, host):
    """Bytes host sent into the bridge so far (its veth, seen here)."""
    index = host.ip.rsplit('.', 1)[1]
    with open('/sys/class/net/%sv%s/statistics/rx_bytes' % (net.tag,
                                                           index)) as f:
        return int(f.read())


def runner(host, name):
    """Commands on a host as the driver of backend ``name`` runs them (its
    ssh options, its shared connection)."""
    return commands.Runner(ssh.Transport.for_backend(
        CONF, name, host.ip, user='root'))


def summary(values):
    return '%.3f (%.3f-%.3f)' % (statistics.median(values), min(values),
                                 max(values))


def setup_drivers(net, by_name, tmp):
    fixtures._ensure_parsed()
    overrides = fixtures.Overrides()
    overrides.set('state_path', tmp)
    drivers = {}
    for name, host in by_name.items():
        known = os.path.join(tmp, '%s.known_hosts' % name)
        with open(known, 'w') as f:
            f.write(host.known_hosts_line())
        backend_config(CONF, name)
        for opt, value in (('share_driver', 'btrfs'),
                           ('replication_domain', 'd'),
                           ('btrfs_ssh_host', host.ip),
                           ('btrfs_ssh_user', 'root'),
                           ('btrfs_mount_point', MOUNT),
                           ('btrfs_recovery_point_objective', 3600),
                           ('ssh_private_key_file', net.key),
                           ('ssh_known_hosts_file', known),
                           ('ganesha_pid_file', hosts.GANESHA_PID),
                           ('ganesha_log_file', hosts.GANESHA_LOG)):
            overrides.set(opt, value, group=name)
    for name in by_name:
        drivers[name] = manager.load_driver(name)
        drivers[name].do_setup()
    return drivers, overrides


def bench_sync(args, net, a, b, drivers, share, client):
    src = '%s/shares/%s' % (MOUNT, share.rows['a']['id'])
    files = args.size_mib // FILE_MIB
    a.exec('python3', '-c', _FILL, src, files, 0, 1, timeout=3600)
    rule = [{'id': 'r1', 'access_type': 'ip', 'access_to': client.ip,
             'access_level': 'rw'}]
    drivers['a'].update_access(share.view('a'), rule)
    t_full, _ = timed(lambda: drivers['a'].add_replica(share.view('a'),
                                                       share.view('b')))
    ro = [dict(rule[0], access_level='ro')]
    drivers['a'].update_access(share.view('b'), ro)
    print('full copy of %d MiB host to host (add_replica): %.2f s' %
          (args.size_mib, t_full))

    runner_a, runner_b = runner(a, 'a'), runner(b, 'b')
    a.exec('mkdir', '-p', MOUNT + '/bare')
    b.exec('mkdir', '-p', MOUNT + '/bare')

    def bare(n):
        snap = '%s/bare/s%d' % (MOUNT, n)
        runner_a.execute('btrfs', 'subvolume', 'snapshot', '-r', src, snap)
        parent = '%s/bare/s%d' % (MOUNT, n - 1) if n else None
        commands.pipe(runner_a.wrap(commands.send_words(snap, parent)),
                      runner_b.wrap(commands.receive_words(MOUNT +
                                                           '/bare')))
        if parent:
            # The bare chain keeps what the next round needs, as the
            # driver does (the driver prunes during its transfer).
            runner_a.execute('btrfs', 'subvolume', 'delete', parent)
            runner_b.execute('btrfs', 'subvolume', 'delete', parent)

    t_bare_full, _ = timed(lambda: bare(0))
    print('full copy bare, relayed here: %.2f s' % t_bare_full)
    bare_times, driver_times = [], []
    for n in range(1, args.rounds + 1):
        a.exec('python3', '-c', _FILL, src, files, args.churn, n,
               timeout=3600)

        def do_bare():
            bare_times.append(timed(lambda: bare(n))[0])

        def do_driver():
            view = share.view('b')
            driver_times.append(timed(
                lambda: drivers['a'].update_replica_status(view))[0])
        for step in (do_bare, do_driver) if n % 2 else (do_driver,
                                                        do_bare):
            step()
            a.exec('sync')
            b.exec('sync')
        print('round %d: bare %.3f s, driver %.3f s' % (
            n, bare_times[-1], driver_times[-1]))
    mb, md = statistics.median(bare_times), statistics.median(driver_times)
    print('| sync, %d MiB, %d%% rewritten | bare ssh A send \\| ssh B '
          'receive %s | driver host to host %s | %+.1f%% |' % (
              args.size_mib, round(args.churn * 100), summary(bare_times),
              summary(driver_times), (md / mb - 1) * 100))

    idle = [timed(lambda: drivers['a'].update_replica_status(
        share.view('b')))[0] for _ in range(args.idle)]
    print('| sync without changes (fixed cost) | %s s |' % summary(idle))
    # Same bytes on both sides, read over NFS (the replica's export).
    loc_a = '%s:/shares/%s' % (a.ip, share.rows['a']['id'])
    loc_b = '%s:/shares/%s' % (b.ip, share.rows['b']['id'])
    da, db = client.digest(loc_a), client.digest(loc_b)
    assert da == db, 'the replica differs from the active'
    print('checked: %d files equal on both hosts over NFS' % len(da))


def bench_promote(args, net, a, b, drivers, share, client):
    src = '%s/shares/%s' % (MOUNT, share.rows['a']['id'])
    files = args.size_mib // FILE_MIB
    drivers['a'].update_replica_status(share.view('b'))
    a.exec('python3', '-c', _FILL, src, files, args.churn, 999,
           timeout=3600)
    before = veth_bytes(net, a)
    rules = [{'id': 'r1', 'access_type': 'ip', 'access_to': client.ip,
              'access_level': 'rw'}]
    took, updates = timed(lambda: drivers['b'].set_active_replica(
        share.view('b'), access_rules=rules))
    moved = veth_bytes(net, a) - before
    share.apply(updates)
    loc_b = '%s:/shares/%s' % (b.ip, share.rows['b']['id'])
    assert client.write(loc_b, 'after-promote', b'x') is True
    print('| planned promote, %d MiB, %d%% unsynced | writable on the new '
          'host after %.2f s | %.1f MiB from the old host |' % (
              args.size_mib, round(args.churn * 100), took, moved / 2 ** 20))


def bench_exports(args, net, a, drivers, client):
    # A share of its own to change; many others exported beside it.
    share = Share([('a', 'active')], 1)
    drivers['a'].create_share(share.view('a'))
    t_many, _ = timed(lambda: a.exec('sh', '-c', _MANY, 'sh', MOUNT,
                                     args.exports, timeout=3600))
    host = ganesha.GaneshaHost(runner(a, 'a').transport, a.ip,
                               pid_file=hosts.GANESHA_PID,
                               log_file=hosts.GANESHA_LOG,
                               reload_timeout=600)
    batch = [ganesha.Export(
        '00000000-0000-4000-8000-%012d' % i,
        '/run/manila-repl/exports/00000000-0000-4000-8000-%012d' % i,
        '/shares/00000000-0000-4000-8000-%012d' % i,
        (ganesha.Client(client.ip, 'ro'),), source='bench')
        for i in range(1, args.exports + 1)]
    t_add = 0.0
    for start in range(0, len(batch), 250):
        t_add += timed(lambda: host.apply(batch[start:start + 250]))[0]
    print('%d exports made: subvolumes and mounts %.1f s, ganesha exports '
          'in batches of 250: %.1f s' % (args.exports, t_many, t_add))
    rule = {'id': 'r', 'access_type': 'ip', 'access_to': client.ip,
            'access_level': 'rw'}
    drivers['a'].update_access(share.view('a'), [rule])

    reads = []
    stop = threading.Event()
    other = '%s:/shares/00000000-0000-4000-8000-%012d' % (a.ip, 7)
    out = os.path.join(args.tmp, 'reads.jsonl')

    def reader():
        # One process reading through another export every 20 ms.
        script = ('import json, sys, time; sys.path.insert(0, %r)\n'
                  'import nfs_client as n\n'
                  'while True:\n'
                  '    t = time.monotonic()\n'
                  '    try:\n'
                  '        with n.Mount(%r, %r) as m: ok = m.read("/f") '
                  '== b"7\\n"\n'
                  '    except n.NfsError: ok = False\n'
                  '    print(json.dumps([t, time.monotonic(), ok]), '
                  'flush=True)\n'
                  '    time.sleep(0.02)\n') % (
            os.path.dirname(hosts.NFS_CLIENT), a.ip,
            other.split(':', 1)[1])
        with open(out, 'w') as f:
            proc = subprocess.Popen(['ip', 'netns', 'exec', client.ns,
                                     sys.executable, '-c', script],
                                    stdout=f)
            stop.wait()
            proc.terminate()
            proc.wait()

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        time.sleep(1)
        changes = []
        for level in ('ro', 'rw', 'ro', 'rw', 'ro'):
            t0 = time.monotonic()
            took, _ = timed(lambda: drivers['a'].update_access(
                share.view('a'), [dict(rule, access_level=level)]))
            changes.append((t0, t0 + took, took))
            time.sleep(0.5)
    finally:
        stop.set()
        thread.join()
    with open(out) as f:
        reads.extend(json.loads(line) for line in f if line.strip())
    during = [r for r in reads if any(r[1] >= c0 and r[0] <= c1
                                      for c0, c1, _ in changes)]
    print('| one rule change beside %d exports | %s s | reads through '
          'another export during the changes: %d, failed %d, slowest '
          '%.3f s |' % (args.exports, summary([c[2] for c in changes]),
                        len(during), sum(1 for r in during if not r[2]),
                        max((r[1] - r[0] for r in during), default=0)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--size-mib', type=int, default=1024)
    parser.add_argument('--churn', type=float, default=0.1)
    parser.add_argument('--rounds', type=int, default=7)
    parser.add_argument('--idle', type=int, default=11)
    parser.add_argument('--exports', type=int, default=1000)
    args = parser.parse_args()
    print('Machine:', common.machine())
    size = max(8 << 30, args.size_mib * 8 << 20)
    with tempfile.TemporaryDirectory(prefix='nfs-bench-') as tmp, \
            hosts.TestNet() as net:
        args.tmp = tmp
        a, b = net.storage_host('a', size=size), net.storage_host(
            'b', size=size)
        net.trust_each_other([a, b])
        client = net.client('c')
        drivers, overrides = setup_drivers(net, {'a': a, 'b': b}, tmp)
        try:
            share = Share([('a', 'active'), ('b', 'out_of_sync')],
                          max(1, args.size_mib * 2 // 1024))
            drivers['a'].create_share(share.view('a'))
            bench_sync(args, net, a, b, drivers, share, client)
            bench_promote(args, net, a, b, drivers, share, client)
            if args.exports:
                bench_exports(args, net, a, drivers, client)
        finally:
            for host, name in ((a, 'a'), (b, 'b')):
                runner(host, name).transport.close()
            overrides.restore()


if __name__ == '__main__':
    main()

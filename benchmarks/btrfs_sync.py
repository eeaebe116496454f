"""btrfs driver: incremental sync against a bare ``btrfs send -p | btrfs
receive`` of the same delta, and promote-to-writable time.

Two loopback btrfs file systems (sparse files, root needed). A share of
``--size-mib`` MiB (16 MiB files of random data) gets a replica on the
second file system; beside it, a bare chain of snapshots of the same
share is received into a plain directory of the second file system.
Each round rewrites ``--churn`` of the data (random 1 MiB blocks), syncs
to disk (untimed), then times, in alternating order:

- bare: ``btrfs subvolume snapshot -r`` + ``btrfs send -p prev | btrfs
  receive`` (the pipe alone is reported too);
- driver: ``update_replica_status`` (snapshot, the same pipe, qgroup limit,
  symlink swap, pruning of the previous generation on both sides, run
  during the pipe).

Then: ``set_active_replica`` planned (old active answers: freeze, final
incremental of a 1 MiB change, writable snapshot, demote) and unplanned
(old active's file system unmounted: writable snapshot only). Both copies
are compared with the share by checksums at the end.

    sudo .venv/bin/python -m benchmarks.btrfs_sync --size-mib 1024 \
        --churn 0.1 --rounds 7
"""
import argparse
import os
import random
import statistics
import subprocess
import tempfile
import time

from oslo_utils import uuidutils

from benchmarks import common
from manila_repl.conf import CONF, backend_config
from manila_repl.share import manager
from manila_repl.share import views
from manila_repl.share.drivers import btrfs  # noqa: F401  (options)
from tests import btrfs_loop
from tests.unit.db import fixtures

FILE_MIB = 16


def run(*argv):
    subprocess.run(argv, check=True, capture_output=True)


def timed(func):
    start = time.perf_counter()
    func()
    return time.perf_counter() - start


class Share:
    """Views of one share's instances, kept as the manager would."""

    def __init__(self, backends, size=4):
        self.rows = {b: {'id': uuidutils.generate_uuid(),
                         'share_id': 's', 'host': fixtures.host(b),
                         'availability_zone': b, 'status': 'available',
                         'replica_state': state, 'size': size,
                         'share_proto': 'NFS',
                         'replication_type': 'readable'}
                     for b, state in backends}
        share_id = uuidutils.generate_uuid()
        for row in self.rows.values():
            row['share_id'] = share_id

    def view(self, backend):
        by_id = {v.id: v for v in views.from_rows(list(self.rows.values()))}
        return by_id[self.rows[backend]['id']]

    def apply(self, updates):
        by_id = {r['id']: r for r in self.rows.values()}
        for u in updates:
            by_id[u['id']]['replica_state'] = u['replica_state']


def churn(root, files, fraction, rng):
    blocks = int(len(files) * FILE_MIB * fraction)
    for _ in range(blocks):
        name = rng.choice(files)
        with open(os.path.join(root, name), 'r+b') as f:
            f.seek(rng.randrange(FILE_MIB) << 20)
            f.write(os.urandom(1 << 20))
    return blocks


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--size-mib', type=int, default=1024)
    parser.add_argument('--churn', type=float, default=0.1)
    parser.add_argument('--rounds', type=int, default=7)
    parser.add_argument('--promotes', type=int, default=5)
    args = parser.parse_args()
    rng = random.Random(42)
    print('Machine:', common.machine())
    fixtures._ensure_parsed()
    image_size = max(8 << 30, args.size_mib * 8 << 20)
    with tempfile.TemporaryDirectory(prefix='btrfs-bench-') as tmp, \
            btrfs_loop.filesystems(tmp, ('b1', 'b2'),
                                   size=image_size) as loops:
        overrides = fixtures.Overrides()
        drivers = {}
        for name in ('b1', 'b2'):
            backend_config(CONF, name)
            overrides.set('share_driver', 'btrfs', group=name)
            overrides.set('replication_domain', 'd', group=name)
            overrides.set('btrfs_mount_point', loops[name].mount_point,
                          group=name)
            overrides.set('btrfs_recovery_point_objective', 3600,
                          group=name)
            drivers[name] = manager.load_driver(name)
            drivers[name].do_setup()
        b1, b2 = (loops[n].mount_point for n in ('b1', 'b2'))
        share = Share([('b1', 'active'), ('b2', 'out_of_sync')])
        drivers['b1'].create_share(share.view('b1'))
        src = os.path.join(b1, 'shares', share.rows['b1']['id'])
        files = ['f%04d' % i for i in range(args.size_mib // FILE_MIB)]
        for name in files:
            with open(os.path.join(src, name), 'wb') as f:
                for _ in range(FILE_MIB):
                    f.write(os.urandom(1 << 20))
        run('sync')
        bare_src = os.path.join(b1, 'bare')
        bare_dst = os.path.join(b2, 'bare')
        os.makedirs(bare_src)
        os.makedirs(bare_dst)

        def bare_snapshot(n):
            path = os.path.join(bare_src, 's%d' % n)
            run('btrfs', 'subvolume', 'snapshot', '-r', src, path)
            return path

        def bare_send(n):
            argv = ['btrfs', '-q', 'send']
            if n:
                argv += ['-p', os.path.join(bare_src, 's%d' % (n - 1))]
            send = subprocess.Popen(argv + [os.path.join(bare_src,
                                                         's%d' % n)],
                                    stdout=subprocess.PIPE)
            recv = subprocess.Popen(['btrfs', '-q', 'receive', bare_dst],
                                    stdin=send.stdout)
            send.stdout.close()
            assert recv.wait() == 0 and send.wait() == 0

        full_bare = timed(lambda: (bare_snapshot(0), bare_send(0)))
        full_driver = timed(lambda: drivers['b1'].add_replica(
            share.view('b1'), share.view('b2')))
        print('full: bare %.2f s, driver add_replica %.2f s' %
              (full_bare, full_driver))
        bare, pipe_only, driver = [], [], []
        for n in range(1, args.rounds + 1):
            blocks = churn(src, files, args.churn, rng)
            run('sync')

            def do_bare():
                t0 = time.perf_counter()
                bare_snapshot(n)
                t1 = time.perf_counter()
                bare_send(n)
                t2 = time.perf_counter()
                bare.append(t2 - t0)
                pipe_only.append(t2 - t1)
                # The bare chain keeps only what the next round needs.
                run('btrfs', 'subvolume', 'delete',
                    os.path.join(bare_src, 's%d' % (n - 1)))

            def do_driver():
                view = share.view('b2')         # not part of the sync
                driver.append(timed(lambda: drivers['b1']
                                    .update_replica_status(view)))
            for step in ((do_bare, do_driver) if n % 2
                         else (do_driver, do_bare)):
                step()
                # Untimed. (Waiting for the cleaner with ``btrfs subvolume
                # sync`` too took minutes per round with quotas enabled.)
                run('sync')
            print('round %d: %d MiB rewritten; bare %.3f s (pipe %.3f s), '
                  'driver %.3f s' % (n, blocks, bare[-1], pipe_only[-1],
                                     driver[-1]))
        replica = os.path.join(b2, 'shares', share.rows['b2']['id'])
        expected = btrfs_loop.tree_digest(src)
        assert btrfs_loop.tree_digest(replica) == expected
        assert btrfs_loop.tree_digest(os.path.join(
            bare_dst, 's%d' % args.rounds)) == expected
        mb, md = statistics.median(bare), statistics.median(driver)
        mp = statistics.median(pipe_only)
        print('| %d MiB, %d%% rewritten | %.3f (%.3f-%.3f) | %.3f | '
              '%.3f (%.3f-%.3f) | %+.1f%% | %+.1f%% |' % (
                  args.size_mib, round(args.churn * 100), mb, min(bare),
                  max(bare), mp, md, min(driver), max(driver),
                  (md / mb - 1) * 100, (md / mp - 1) * 100))

        planned, unplanned = [], []
        here, there = 'b1', 'b2'
        for _ in range(args.promotes):
            root = os.path.join(loops[here].mount_point, 'shares',
                                share.rows[here]['id'])
            with open(os.path.join(root, files[0]), 'r+b') as f:
                f.write(os.urandom(1 << 20))
            run('sync')
            planned.append(timed(lambda: share.apply(
                drivers[there].set_active_replica(share.view(there)))))
            here, there = there, here
            drivers[here].update_replica_status(share.view(there))
        for _ in range(args.promotes):
            loops[here].unmount()
            try:
                unplanned.append(timed(lambda: share.apply(
                    drivers[there].set_active_replica(share.view(there)))))
            finally:
                loops[here].mount()
            here, there = there, here
            drivers[here].update_replica_status(share.view(there))
        print('promote planned (final sync of 1 MiB): median %.3f s '
              '(%.3f-%.3f); unplanned (old active unmounted): median '
              '%.3f s (%.3f-%.3f)' % (
                  statistics.median(planned), min(planned), max(planned),
                  statistics.median(unplanned), min(unplanned),
                  max(unplanned)))
        overrides.restore()


if __name__ == '__main__':
    main()

"""The localdir driver's incremental sync against bare rsync of the same tree.

    .venv/bin/python -m benchmarks.localdir_sync                 # defaults
    .venv/bin/python -m benchmarks.localdir_sync --files 20000 --rounds 7

A source tree of ``--files`` files (512 B to 32 KiB, one in 100 of 1 MiB)
is made under ``--dir`` (default: a temporary directory). Each round
changes it (rewrites ``--churn`` % of the files (default 1), adds and
deletes half as many), then
times, in an order rotated every round (page cache fairness):

- driver: ``LocalDirShareDriver.update_replica_status`` of a replica on
  another localdir backend (rsync into the staging directory, which holds
  the generation before the replica's, then the atomic swap and the
  metadata write);
- bare, same delta: ``rsync`` with the driver's options
  (``localdir.RSYNC_OPTIONS``: --archive --delete --modify-window=-1
  --stats) into one of two copies used in turn, so that each is two
  rounds behind the source exactly like the driver's staging directory:
  the same files are compared and the same changes (two rounds' worth)
  written. The target is measured against this one;
- bare, one copy: the same rsync into a single copy one round behind.
  This is the cost of plain rsync into the exported directory, which
  writes each change once but is not swap-safe; the driver's difference
  to it is the price of the staging copy (each change is written into
  both generations, over two syncs).

Wall time and CPU time (user + system of this process and its children)
are reported; CPU is less disturbed by other load on the machine.

Target: the driver's median under 1.10 x the bare same-delta median. The
one-off seeding of staging (a clone of the replica,
``cp --reflink=auto -a``) on the first sync after add_replica is
reported apart.
"""
import argparse
import datetime
import os
import platform
import random
import resource
import shutil
import statistics
import subprocess
import tempfile
import time
import uuid

from manila_repl.conf import CONF, backend_config
from manila_repl.share import views
from manila_repl.share.drivers import localdir

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def machine(path):
    model = '?'
    with open('/proc/cpuinfo') as f:
        for line in f:
            if line.startswith('model name'):
                model = line.split(':', 1)[1].strip()
                break
    with open('/proc/meminfo') as f:
        mem_kb = int(f.readline().split()[1])
    fs = subprocess.run(['df', '--output=fstype', path], capture_output=True,
                        text=True).stdout.split()[-1]
    rsync = subprocess.run(['rsync', '--version'], capture_output=True,
                           text=True).stdout.split('\n')[0].split()[2]
    commit = subprocess.run(['git', 'rev-parse', '--short', 'HEAD'],
                            cwd=ROOT, capture_output=True,
                            text=True).stdout.strip()
    return ('nproc %d, %s, %.1f GiB RAM, %s file system, rsync %s, Python '
            '%s, commit %s, %s UTC' % (
                os.cpu_count(), model, mem_kb / 2 ** 20, fs, rsync,
                platform.python_version(), commit,
                datetime.datetime.now(datetime.timezone.utc)
                .strftime('%Y-%m-%d %H:%M')))


def make_tree(top, count, rng):
    names = []
    for i in range(count):
        rel = os.path.join('d%03d' % (i % 200), 'f%06d' % i)
        write(top, rel, rng)
        names.append(rel)
    return names


def write(top, rel, rng):
    path = os.path.join(top, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    size = (1 << 20) if rng.random() < 0.01 else rng.randint(512, 32768)
    with open(path, 'wb') as f:
        f.write(rng.randbytes(size))


def mutate(top, names, rng, serial, churn):
    count = len(names)
    changed = max(2, int(count * churn / 100))
    for rel in rng.sample(names, changed):
        write(top, rel, rng)
    for rel in rng.sample(names, changed // 2):
        os.unlink(os.path.join(top, rel))
        names.remove(rel)
    for i in range(changed // 2):
        rel = os.path.join('d%03d' % (i % 200), 'n%03d_%05d' % (serial, i))
        write(top, rel, rng)
        names.append(rel)


def timed(func):
    """(wall s, CPU s of this process and its children) of ``func()``."""
    def cpu():
        return sum(getattr(resource.getrusage(who), field)
                   for who in (resource.RUSAGE_SELF,
                               resource.RUSAGE_CHILDREN)
                   for field in ('ru_utime', 'ru_stime'))
    cpu0, start = cpu(), time.perf_counter()
    func()
    return time.perf_counter() - start, cpu() - cpu0


def bare_rsync(src, target):
    subprocess.run(['rsync', *localdir.RSYNC_OPTIONS, src + '/',
                    target + '/'], check=True, stdout=subprocess.DEVNULL)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--files', type=int, default=20000)
    parser.add_argument('--rounds', type=int, default=7)
    parser.add_argument('--churn', type=float, default=1.0,
                        help='%% of the files rewritten per round')
    parser.add_argument('--dir', help='where to build the trees')
    parser.add_argument('--seed', type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    work = tempfile.mkdtemp(prefix='localdir-bench-', dir=args.dir)
    try:
        run(args, rng, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(args, rng, work):
    for name in ('bench1', 'bench2'):
        backend_config(CONF, name)
        CONF.set_override('localdir_path', os.path.join(work, name),
                          group=name)
    drivers = {n: localdir.LocalDirShareDriver(CONF[n], CONF, n)
               for n in ('bench1', 'bench2')}
    for d in drivers.values():
        d.do_setup()
    ids = {'bench1': str(uuid.uuid4()), 'bench2': str(uuid.uuid4())}
    rows = [{'id': ids[n], 'share_id': 'bench', 'host': 'node@%s#pool0' % n,
             'availability_zone': n, 'status': 'available',
             'replica_state': 'active' if n == 'bench1' else 'in_sync',
             'size': 1000, 'share_proto': 'NFS',
             'replication_type': 'readable'} for n in ids]
    vs = {v.id: v for v in views.from_rows(rows)}
    active, replica = vs[ids['bench1']], vs[ids['bench2']]
    driver = drivers['bench1']
    driver.create_share(active)
    src = driver.share_path(active)
    t = time.perf_counter()
    names = make_tree(src, args.files, rng)
    made = time.perf_counter() - t
    total = sum(os.path.getsize(os.path.join(src, n)) for n in names)
    print('tree: %d files, %.0f MiB (made in %.1f s)' % (
        len(names), total / 2 ** 20, made))

    one = os.path.join(work, 'bare-one')
    pair = [os.path.join(work, 'bare-a'), os.path.join(work, 'bare-b')]
    full_bare = timed(lambda: bare_rsync(src, one))[0]
    full_driver = timed(lambda: driver.add_replica(active, replica))[0]
    for target in pair:
        bare_rsync(src, target)
    mutate(src, names, rng, 0, args.churn)
    # Now: replica and staging-to-be at generation 0, the source at 1.
    bare_rsync(src, one)
    seed = timed(lambda: driver.update_replica_status(replica))[0]
    bare_rsync(src, pair[1])
    # Replica and pair[1] at 1, staging and pair[0] at 0.
    print('full copy: bare rsync %.2f s, add_replica %.2f s; first update '
          '(seeds staging with a clone) %.2f s' % (full_bare, full_driver,
                                                   seed))

    times = {'driver': [], 'same': [], 'one': []}
    for r in range(1, args.rounds + 1):
        mutate(src, names, rng, r, args.churn)
        # pair[(r - 1) % 2] is at generation r - 1, two behind the
        # source (r + 1), like the driver's staging.
        same = pair[(r - 1) % 2]
        runs = [('driver', lambda: driver.update_replica_status(replica)),
                ('same', lambda: bare_rsync(src, same)),
                ('one', lambda: bare_rsync(src, one))]
        runs = runs[r % 3:] + runs[:r % 3]
        for what, func in runs:
            times[what].append(timed(func))
        print('round %d: driver %.3f s, bare same delta %.3f s, bare one '
              'copy %.3f s' % (r, times['driver'][-1][0],
                               times['same'][-1][0], times['one'][-1][0]))
    # Every copy holds the source's files (checksums; bare rsync may leave
    # a directory's mtime off by less than a second, so not compared).
    for target in (one, pair[(args.rounds - 1) % 2],
                   driver.share_path(replica)):
        out = subprocess.run(
            ['rsync', '--recursive', '--links', '--perms', '--checksum',
             '--delete', '--dry-run', '--itemize-changes', src + '/',
             target + '/'], capture_output=True, text=True, check=True)
        assert not out.stdout.strip(), (target, out.stdout[:500])

    def med(what, i):
        return statistics.median(t[i] for t in times[what])
    print()
    print('machine: %s' % machine(work))
    print('| %d files, %.0f MiB, %d rounds (%g%% rewritten, %g%% added, '
          '%g%% deleted per round) | wall median (min-max) s | CPU median '
          's |' % (len(names), total / 2 ** 20, args.rounds, args.churn,
                   args.churn / 2, args.churn / 2))
    print('|---|---|---|')
    for what, label in (
            ('one', 'bare rsync, one copy one round behind'),
            ('same', 'bare rsync, same delta (copy two rounds behind)'),
            ('driver', 'localdir update_replica_status')):
        walls = [t[0] for t in times[what]]
        print('| %s | %.3f (%.3f-%.3f) | %.3f |' % (
            label, med(what, 0), min(walls), max(walls), med(what, 1)))
    for i, kind in ((0, 'wall'), (1, 'CPU')):
        d = med('driver', i)
        print('driver against bare, %s: %+.1f%% same delta (target < 10%%), '
              '%+.1f%% one copy' % (
                  kind, 100 * (d - med('same', i)) / med('same', i),
                  100 * (d - med('one', i)) / med('one', i)))

if __name__ == '__main__':
    main()

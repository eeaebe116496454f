"""One replica status cycle (replica_status.run_cycle) over N replicas on one
backend, fake driver, no RPC: wall time and SQL statements per cycle.

    .venv/bin/python -m benchmarks.periodic_cycle            # SQLite file
    .venv/bin/python -m benchmarks.periodic_cycle --db postgresql
    .venv/bin/python -m benchmarks.periodic_cycle --db-url URL  # empty DB

Targets: a cycle over 10,000 replicas under 5 s; statements bounded by the
batch count (10,000 / 500 = 20 batches), not by the replica count.
"""
import argparse
import collections
import contextlib
import json
import os
import shutil
import statistics
import tempfile
import time

import sqlalchemy as sa
from sqlalchemy import event

from benchmarks import common
from manila_repl import constants as c
from manila_repl import rpc
from manila_repl.conf import CONF, backend_config
from manila_repl.db import migration, models, session
from manila_repl.share import manager, replica_status
from manila_repl.share.drivers import fake  # noqa: F401  (its options)

NODE = 'bench'
ACTIVE, REPLICA = 'az1', 'az2'


class StatementCounter:
    def __init__(self):
        self.counts = collections.Counter()
        self.executemany_rows = 0
        self.on = False

    def __call__(self, conn, cursor, statement, params, context,
                 executemany):
        if not self.on:
            return
        self.counts[statement.split(None, 1)[0].upper()] += 1
        if executemany:
            self.executemany_rows += len(params)

    def total(self):
        return sum(self.counts.values())

    def reset(self):
        self.counts.clear()
        self.executemany_rows = 0


@contextlib.contextmanager
def database(args, tmp):
    if args.db_url:
        yield args.db_url
    elif args.db == 'sqlite':
        yield 'sqlite:///' + os.path.join(tmp, 'bench.sqlite')
    else:
        from tests.functional import services
        with services.database(args.db) as url:
            yield url


def configure(url, tmp):
    CONF([], project='manila-repl', default_config_files=[])
    rpc.set_defaults('fake://')
    CONF.set_override('connection', url, group='database')
    CONF.set_override('state_path', tmp)
    CONF.set_override('transport_url', 'fake://')
    CONF.set_override('replica_status_interval', 300, group='share')
    drivers = {}
    for name in (ACTIVE, REPLICA):
        backend_config(CONF, name)
        CONF.set_override('share_driver', 'fake', group=name)
        CONF.set_override('backend_availability_zone', name, group=name)
        CONF.set_override('replication_domain', 'bench', group=name)
        CONF.set_override('fake_root_path', os.path.join(tmp, 'fake'),
                          group=name)
        drivers[name] = manager.load_driver(name)
        drivers[name].do_setup()
    session.reset()
    return drivers


def write_active_files(root, made):
    """The active instances' storage, in the fake driver's format."""
    directory = os.path.join(root, ACTIVE)
    for _share, active, _replicas in made:
        with open(os.path.join(directory, active + '.json'), 'w') as f:
            json.dump({'id': active, 'size': 1, 'generation': 1,
                       'writable': True}, f)


def check(made):
    with session.reader() as r:
        states = collections.Counter(r.scalars(
            sa.select(models.ShareInstance.replica_state)).all())
    return dict(states)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--db', choices=('sqlite', 'postgresql', 'mariadb'),
                        default='sqlite',
                        help='fresh database of this kind (default sqlite '
                             'file in a temporary directory)')
    parser.add_argument('--db-url', help='an existing EMPTY database')
    parser.add_argument('--replicas', type=int, default=10000)
    parser.add_argument('--batch-size', type=int, default=500)
    parser.add_argument('--cycles', type=int, default=5)
    parser.add_argument('--profile', action='store_true',
                        help='cProfile the last cycle (top 25, cumulative)')
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix='bench-cycle-')
    try:
        with database(args, tmp) as url:
            run(args, url, tmp)
    finally:
        session.reset()
        shutil.rmtree(tmp, ignore_errors=True)


def run(args, url, tmp):
    drivers = configure(url, tmp)
    engine = session.get_engine()
    migration.upgrade()
    print('machine:', common.machine())
    print('database: %s' % engine.url.render_as_string(hide_password=True)
          .replace(tmp, '<tmp>'))

    t0 = time.perf_counter()
    made = common.populate(
        engine, args.replicas, common.host(NODE, ACTIVE),
        [common.host(NODE, REPLICA)],
        replica_state=c.REPLICA_STATE_OUT_OF_SYNC)
    write_active_files(os.path.join(tmp, 'fake'), made)
    if engine.dialect.name == 'postgresql':
        with engine.connect() as conn:
            conn.execute(sa.text('ANALYZE'))
            conn.commit()
    print('setup: %d shares, %d instances, active files written in %.1f s'
          % (len(made), 2 * len(made), time.perf_counter() - t0))

    counter = StatementCounter()
    event.listen(sa.engine.Engine, 'before_cursor_execute', counter)
    driver = drivers[ACTIVE]
    in_driver = [0.0]
    update = driver.update_replica_status

    def timed_update(view):
        t = time.perf_counter()
        try:
            return update(view)
        finally:
            in_driver[0] += time.perf_counter() - t

    # Split the cycle: the fake driver's file IO vs SQL and the loop.
    driver.update_replica_status = timed_update
    backend = '%s@%s' % (NODE, ACTIVE)
    times = []
    for n in range(args.cycles):
        counter.reset()
        in_driver[0] = 0.0
        counter.on = True
        profiler = None
        if args.profile and n == args.cycles - 1:
            import cProfile
            profiler = cProfile.Profile()
            profiler.enable()
        t0 = time.perf_counter()
        updated, batches = replica_status.run_cycle(
            driver, backend, batch_size=args.batch_size)
        elapsed = time.perf_counter() - t0
        if profiler:
            profiler.disable()
        counter.on = False
        times.append(elapsed)
        print('cycle %d: %.2f s (fake driver %.2f s, rest %.2f s), %d '
              'replicas updated, %d batches read, %d SQL statements %s '
              '(executemany rows %d)' % (
                  n + 1, elapsed, in_driver[0], elapsed - in_driver[0],
                  updated, batches, counter.total(), dict(counter.counts),
                  counter.executemany_rows))
        if profiler:
            import pstats
            pstats.Stats(profiler).sort_stats('cumulative').print_stats(25)
    event.remove(sa.engine.Engine, 'before_cursor_execute', counter)
    print('replica states after: %s' % check(made))
    print('RESULT periodic_cycle %s replicas=%d batch=%d: median %.2f s '
          '(min %.2f, max %.2f) over %d cycles; %d statements/cycle for '
          '%d batches' % (engine.dialect.name, args.replicas,
                          args.batch_size, statistics.median(times),
                          min(times), max(times), len(times),
                          counter.total(), batches))


if __name__ == '__main__':
    main()

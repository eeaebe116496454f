"""How the periodic cycle and a paged list grow with the table: 1,000,
10,000 and 100,000 replicas.

    .venv/bin/python -m benchmarks.scale_curve [--db sqlite|postgresql|mariadb]
        [--sizes 1000,10000,100000] [--cycles 3] [--duration 5]

One database, filled in steps with bulk INSERTs (common.populate): at each
size N there are N readable shares, each with its active instance on
``bench@az1`` and one replica on ``bench@az2`` (N replicas, 2N instance
rows), the actives' files written in the fake driver's format.

At each size:

1. the periodic cycle of the az1 backend (replica_status.run_cycle, fake
   driver without delays, batch 500) run --cycles times in this process
   after one cycle that writes every new replica's file (not counted):
   median seconds, microseconds per replica;
2. GET /v2/share-replicas/detail?limit=100 against manila-repl-api (its
   own process, transport fake://, debug off) on the same database, from
   4 client threads for --duration s: req/s, median and p99.

Targets (issue 11): a cycle <= 2 s at 10,000 and <= 20 s at 100,000
replicas on SQLite and PostgreSQL; the list's p99 growing with the page
size, not the table size.
"""
import argparse
import os
import shutil
import statistics
import tempfile
import time

import sqlalchemy as sa

from benchmarks import api_throughput
from benchmarks import common
from benchmarks import periodic_cycle
from manila_repl import constants as c
from manila_repl.db import migration, session
from manila_repl.share import replica_status
from tests.functional import deployment


def api_server(url, tmp):
    port = deployment.free_port()
    config = os.path.join(tmp, 'api.conf')
    with open(config, 'w') as f:
        f.write('[DEFAULT]\ntransport_url = fake://\nstate_path = %s\n'
                'debug = false\n[database]\nconnection = %s\n'
                '[api]\nbind_port = %d\n' % (tmp, url, port))
    api = deployment.Process('api', [deployment.script('manila-repl-api'),
                                     '--config-file', config],
                             os.path.join(tmp, 'api.log'))
    api.start()
    deployment.ApiClient('http://127.0.0.1:%d/v2' % port).wait_until_up()
    return api, 'http://127.0.0.1:%d/v2' % port


def analyze(engine):
    if engine.dialect.name == 'postgresql':
        with engine.connect() as conn:
            conn.execute(sa.text('ANALYZE'))
            conn.commit()
    elif engine.dialect.name == 'mysql':
        with engine.connect() as conn:
            for table in ('shares', 'share_instances'):
                conn.execute(sa.text('ANALYZE TABLE ' + table))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--db', choices=('sqlite', 'postgresql', 'mariadb'),
                        default='sqlite')
    parser.add_argument('--db-url', help='an existing EMPTY database')
    parser.add_argument('--sizes', default='1000,10000,100000')
    parser.add_argument('--cycles', type=int, default=3)
    parser.add_argument('--batch-size', type=int, default=500)
    parser.add_argument('--duration', type=float, default=5.0)
    parser.add_argument('--threads', type=int, default=4)
    args = parser.parse_args()
    sizes = [int(x) for x in args.sizes.split(',')]
    tmp = tempfile.mkdtemp(prefix='bench-scale-')
    try:
        with periodic_cycle.database(args, tmp) as url:
            run(args, url, tmp, sizes)
    finally:
        session.reset()
        shutil.rmtree(tmp, ignore_errors=True)


def run(args, url, tmp, sizes):
    drivers = periodic_cycle.configure(url, tmp)
    engine = session.get_engine()
    migration.upgrade()
    print('machine:', common.machine())
    print('load average: %s' % open('/proc/loadavg').read().split()[:3])
    print('database:', engine.dialect.name, engine.driver)
    driver = drivers[periodic_cycle.ACTIVE]
    backend = '%s@%s' % (periodic_cycle.NODE, periodic_cycle.ACTIVE)
    stored, table = 0, []
    for size in sizes:
        t0 = time.perf_counter()
        made = common.populate(
            engine, size - stored,
            common.host(periodic_cycle.NODE, periodic_cycle.ACTIVE),
            [common.host(periodic_cycle.NODE, periodic_cycle.REPLICA)],
            replica_state=c.REPLICA_STATE_OUT_OF_SYNC)
        periodic_cycle.write_active_files(os.path.join(tmp, 'fake'), made)
        analyze(engine)
        stored = size
        print('-- %d replicas (%d instance rows): filled in %.1f s' % (
            size, 2 * size, time.perf_counter() - t0), flush=True)
        t0 = time.perf_counter()
        replica_status.run_cycle(driver, backend, args.batch_size)
        print('first cycle (writes the new replicas\' files): %.2f s' % (
            time.perf_counter() - t0))
        times = []
        for _ in range(args.cycles):
            t0 = time.perf_counter()
            updated, _batches = replica_status.run_cycle(
                driver, backend, args.batch_size)
            times.append(time.perf_counter() - t0)
            assert updated == size, (updated, size)
        cycle = statistics.median(times)
        print('cycles: %s s' % ', '.join('%.2f' % t for t in times))
        session.reset()    # the API process gets the database to itself
        api, endpoint = api_server(url, tmp)
        try:
            flat, elapsed = api_throughput.load(
                endpoint + '/share-replicas/detail?limit=100',
                args.threads, args.duration, 100)
        finally:
            api.kill(15)
        row = (size, cycle, cycle / size * 1e6, len(flat) / elapsed,
               statistics.median(flat) * 1000,
               common.percentile(flat, 99) * 1000)
        table.append(row)
        print('RESULT %d replicas: cycle %.2f s (%.0f us/replica); list '
              'limit=100: %.0f req/s, median %.1f ms, p99 %.1f ms' % row,
              flush=True)
    print('\n| replicas | cycle (median of %d) | per replica | '
          'detail?limit=100, %d threads | median | p99 |' % (
              args.cycles, args.threads))
    print('|---|---|---|---|---|---|')
    for row in table:
        print('| {:,} | {:.2f} s | {:.0f} us | {:.0f} req/s | {:.1f} ms | '
              '{:.1f} ms |'.format(*row))


if __name__ == '__main__':
    main()

"""What Prometheus metrics cost: the replica status cycle and API
throughput with ``[metrics]/enabled`` on and off, in interleaved rounds
(the machine is shared: each round runs both, in alternating order, and
the medians are compared).

    .venv/bin/python -m benchmarks.metrics_cost cycle [--rounds 21]
    .venv/bin/python -m benchmarks.metrics_cost api [--rounds 5]

cycle: one backend's status cycle over --replicas replicas (fake driver,
SQLite file, as benchmarks/periodic_cycle.py), on: exactly what the share
manager adds (the replica gauges' GROUP BY query, the cycle timer, every
driver call timed, each replica's sync age observed); a third arm runs
off again (A/A control: the noise the on/off difference reads in), the
arms' order rotating each round.
api: manila-repl-api as its own process on PostgreSQL (as
benchmarks/api_throughput.py): GET /v2/share-replicas/detail (100 rows)
and ?share_id=X (3 rows), 4 client threads; on: the route hook and the
request counter and histogram. Target: under 3% each.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import tempfile
import time

import sqlalchemy as sa

from benchmarks import api_throughput
from benchmarks import common
from benchmarks import periodic_cycle
from tests.functional import deployment
from manila_repl.conf import CONF
from manila_repl.db import migration, session
from manila_repl import metrics
from manila_repl.share import replica_metrics, replica_status


def _loadavg():
    return '%.2f %.2f %.2f' % os.getloadavg()


def _overhead(off, on):
    return (statistics.median(on) / statistics.median(off) - 1) * 100


def cycle(args):
    tmp = tempfile.mkdtemp(prefix='bench-metrics-')
    try:
        url = 'sqlite:///' + os.path.join(tmp, 'bench.sqlite')
        drivers = periodic_cycle.configure(url, tmp)
        engine = session.get_engine()
        migration.upgrade()
        made = common.populate(
            engine, args.replicas,
            common.host(periodic_cycle.NODE, periodic_cycle.ACTIVE),
            [common.host(periodic_cycle.NODE, periodic_cycle.REPLICA)])
        periodic_cycle.write_active_files(os.path.join(tmp, 'fake'), made)
        backend = '%s@%s' % (periodic_cycle.NODE, periodic_cycle.ACTIVE)
        plain = drivers[periodic_cycle.ACTIVE]
        CONF.set_override('enabled', True, group='metrics')
        metrics.setup(CONF)
        # One wrapped driver for every run, as a manager keeps one.
        wrapped = metrics.instrument_driver(plain, backend)

        def cycle_once(driver):
            t0, c0 = time.perf_counter(), time.process_time()
            # What ShareManager.update_replicas_status does.
            replica_metrics.refresh(backend)
            with metrics.status_cycle(backend):
                replica_status.run_cycle(driver, backend, args.batch_size)
            return time.perf_counter() - t0, time.process_time() - c0

        def run(on):
            if on:
                return cycle_once(wrapped)
            # Off: every recording function returns at once, as in a
            # daemon with [metrics]/enabled = false.
            with metrics.suspended():
                return cycle_once(plain)

        # Warm: the first sync of each replica, and the metrics' creation.
        run(False)
        run(True)
        # Arms: off, on, and off again as a control (A/A: what two
        # identical arms differ by here is the noise the A/B reads in);
        # each round rotates their order.
        arms = ('off', 'on', 'control')
        times = {arm: [] for arm in arms}
        cpu = {arm: [] for arm in arms}
        print('load average before: %s' % _loadavg())
        for n in range(args.rounds):
            for arm in arms[n % 3:] + arms[:n % 3]:
                wall, used = run(arm == 'on')
                times[arm].append(wall)
                cpu[arm].append(used)
            print('round %d: %s' % (n + 1, ', '.join(
                '%s %.3f s (CPU %.3f s)' % (arm, times[arm][-1],
                                            cpu[arm][-1])
                for arm in arms)))
        print('load average after: %s' % _loadavg())
        added = _added_per_cycle(backend, args.replicas)
        print('RESULT metrics_cost cycle components: %.1f ms per cycle '
              '(the gauges\' query, each driver call timed, each '
              'replica\'s sync age): %.1f%% of the off median' % (
                  added * 1000, added / statistics.median(times['off']) *
                  100))
        print('RESULT metrics_cost cycle sqlite replicas=%d over %d rounds: '
              'wall off median %.3f s, on %.3f s (%+.1f%%), control %+.1f%%; '
              'CPU of this process off median %.3f s, on %.3f s (%+.1f%%), '
              'control %+.1f%%' % (
                  args.replicas, args.rounds,
                  statistics.median(times['off']),
                  statistics.median(times['on']),
                  _overhead(times['off'], times['on']),
                  _overhead(times['off'], times['control']),
                  statistics.median(cpu['off']), statistics.median(cpu['on']),
                  _overhead(cpu['off'], cpu['on']),
                  _overhead(cpu['off'], cpu['control'])))
    finally:
        metrics.reset()
        session.reset()
        shutil.rmtree(tmp, ignore_errors=True)


def _added_per_cycle(backend, replicas):
    """What metrics add to one cycle, timed in tight loops (the A/B
    medians above drown in the machine's noise): the replica gauges'
    query, the driver wrapper, and each saved replica's observation."""
    import datetime

    metrics.setup(CONF)

    class Plain:
        backend_name = 'bench'

        def update_replica_status(self, view):
            return None

    plain = Plain()
    wrapped = metrics.instrument_driver(plain, backend)
    loops = 20000

    def per_call(func):
        t0 = time.process_time()
        for _ in range(loops):
            func(None)
        return (time.process_time() - t0) / loops

    wrapper = per_call(wrapped.update_replica_status) - per_call(
        plain.update_replica_status)
    now = datetime.datetime(2026, 1, 1, 0, 1)
    rows = [{'id': str(n), 'host': backend + '#pool0', 'last_sync_at': now,
             'replica_state': 'in_sync'} for n in range(500)]
    params = [{'b_id': str(n), 'b_state': 'in_sync', 'b_synced': now}
              for n in range(500)]
    t0 = time.process_time()
    for _ in range(40):
        replica_metrics.saved(None, rows, params, now)
    saved = (time.process_time() - t0) / (40 * 500)
    t0 = time.process_time()
    for _ in range(10):
        replica_metrics.refresh(backend)
    refresh = (time.process_time() - t0) / 10
    print('components: driver wrapper %.2f us/call, sync age %.2f '
          'us/replica, gauges query %.1f ms' % (
              wrapper * 1e6, saved * 1e6, refresh * 1000))
    return refresh + replicas * (wrapper + saved)


def _cpu_seconds(pid):
    """User + system CPU of a process so far (/proc/<pid>/stat)."""
    with open('/proc/%d/stat' % pid) as f:
        fields = f.read().rpartition(')')[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')


def _api(tmp, db_url, on):
    port = deployment.free_port()
    config = os.path.join(tmp, 'api-%s.conf' % ('on' if on else 'off'))
    with open(config, 'w') as f:
        f.write('[DEFAULT]\ntransport_url = fake://\nstate_path = %s\n'
                'debug = false\n[database]\nconnection = %s\n'
                '[api]\nbind_port = %d\n[metrics]\nenabled = %s\nport = %d\n'
                % (tmp, db_url, port, on, deployment.free_port()))
    process = deployment.Process(
        'api', [deployment.script('manila-repl-api'), '--config-file',
                config], os.path.join(tmp, 'api.log'))
    process.start()
    deployment.ApiClient('http://127.0.0.1:%d/v2' % port).wait_until_up()
    return process, 'http://127.0.0.1:%d/v2/share-replicas/detail' % port


def api(args):
    from tests.functional import services

    tmp = tempfile.mkdtemp(prefix='bench-metrics-api-')
    try:
        with services.database('postgresql') as db_url:
            config = os.path.join(tmp, 'sync.conf')
            with open(config, 'w') as f:
                f.write('[database]\nconnection = %s\n' % db_url)
            subprocess.run([deployment.script('manila-repl-manage'),
                            '--config-file', config, 'db', 'sync'],
                           check=True, capture_output=True)
            engine = sa.create_engine(db_url)
            made = common.populate(engine, 50, 'bench@az1#pool0',
                                   ['bench@az2#pool0'])
            common.populate(engine, 1000, 'bench@az1#pool0',
                            ['bench@az2#pool0', 'bench@az3#pool0'])
            api_throughput.analyze(engine)
            engine.dispose()
            share_id = made[0][0]
            rates = {(path, on): [] for path in ('detail', 'one share')
                     for on in (False, True)}
            # The API process's CPU per request: less at the mercy of the
            # machine's load than the rate.
            cpu = {key: [] for key in rates}
            print('load average before: %s' % _loadavg())
            for n in range(args.rounds):
                for on in ((False, True) if n % 2 else (True, False)):
                    process, base = _api(tmp, db_url, on)
                    try:
                        for path, url, rows in (
                                ('detail', base + '?limit=100', 100),
                                ('one share', base + '?share_id=' +
                                 share_id, 2)):
                            used = _cpu_seconds(process.popen.pid)
                            flat, elapsed = api_throughput.load(
                                url, args.threads, args.duration, rows)
                            used = _cpu_seconds(process.popen.pid) - used
                            rates[path, on].append(len(flat) / elapsed)
                            cpu[path, on].append(used / len(flat))
                    finally:
                        process.kill(15)
                print('round %d: %s' % (n + 1, ', '.join(
                    '%s %s %.0f req/s' % (path, 'on' if on else 'off',
                                          values[-1])
                    for (path, on), values in sorted(rates.items()))))
            print('load average after: %s' % _loadavg())
            for path in ('detail', 'one share'):
                off, on = rates[path, False], rates[path, True]
                print('RESULT metrics_cost api %s, %d threads: off median '
                      '%.0f req/s, on median %.0f req/s: %+.1f%% '
                      'throughput over %d rounds' % (
                          path, args.threads, statistics.median(off),
                          statistics.median(on),
                          (statistics.median(on) / statistics.median(off)
                           - 1) * 100, args.rounds))
                off, on = cpu[path, False], cpu[path, True]
                print('RESULT metrics_cost api %s: API CPU per request off '
                      'median %.2f ms, on median %.2f ms: %+.1f%%' % (
                          path, statistics.median(off) * 1000,
                          statistics.median(on) * 1000,
                          _overhead(off, on)))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('what', choices=('cycle', 'api'))
    parser.add_argument('--rounds', type=int, default=7)
    parser.add_argument('--replicas', type=int, default=10000)
    parser.add_argument('--batch-size', type=int, default=500)
    parser.add_argument('--duration', type=float, default=8.0)
    parser.add_argument('--threads', type=int, default=4)
    args = parser.parse_args()
    print('machine:', common.machine())
    if args.what == 'cycle':
        cycle(args)
    else:
        api(args)


if __name__ == '__main__':
    main()

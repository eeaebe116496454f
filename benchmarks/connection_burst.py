"""A burst of concurrent connections against manila-repl-api.

    .venv/bin/python -m benchmarks.connection_burst [--connections 200]
        [--rounds 5] [--backlogs 128,5]

api, scheduler and three fake share managers as their own processes
(tests/functional/deployment.py) over a fresh RabbitMQ vhost and a fresh
PostgreSQL database holding 50 replicated shares (100 instances, bulk
INSERTs). The API is the built-in cheroot server with its default 16
threads, run once per ``--backlogs`` value (``[api]/backlog``: 128 is the
default; 5 for contrast), with debug logging off.

Each burst opens ``--connections`` TCP connections at once (one asyncio
loop: every connect is issued before any answer is read), each sending
one request (``Connection: close``) and reading the answer to its end;
``--rounds`` bursts per path, after one not counted (it opens the
database connections of the server's threads): ``GET /v2/shares`` (50
shares) and ``GET /v2/share-replicas/detail`` (100 replicas). Per path
and backlog it prints the connections, those reset, refused, timed out
(``--timeout`` s) or answered with nothing (must all be 0), the status
counts, the latency of each connection (connect to last byte; median,
p90, p99, max) and each burst's total time (first connect to last
answer), with the load average before and after: the machine is shared.
Exits 1 if any connection failed under the default backlog.
"""
import argparse
import asyncio
import collections
import os
import shutil
import statistics
import sys
import tempfile
import time

import sqlalchemy as sa

from benchmarks import common
from tests.functional import deployment
from tests.functional import services

PATHS = ('/v2/shares', '/v2/share-replicas/detail')
DEFAULT_BACKLOG = 128
FAILURES = ('reset', 'refused', 'timeout', 'empty', 'other')


def request(path):
    return ('GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n'
            'X-Auth-Token: admin:admin\r\n'
            'X-OpenStack-Manila-API-Version: 2.95\r\n'
            'Connection: close\r\n\r\n' % path).encode()


async def _one(port, payload):
    reader, writer = await asyncio.open_connection('127.0.0.1', port)
    try:
        writer.write(payload)
        await writer.drain()
        return await reader.read()          # to EOF: Connection: close
    finally:
        writer.close()


async def _timed(port, payload, timeout):
    """(outcome, status line or None, seconds from connect to the end)."""
    t0 = time.perf_counter()
    try:
        data = await asyncio.wait_for(_one(port, payload), timeout)
    except ConnectionResetError:
        return 'reset', None, time.perf_counter() - t0
    except ConnectionRefusedError:
        return 'refused', None, time.perf_counter() - t0
    except asyncio.TimeoutError:
        return 'timeout', None, time.perf_counter() - t0
    except OSError as e:
        return 'other', repr(e), time.perf_counter() - t0
    elapsed = time.perf_counter() - t0
    if not data:
        return 'empty', None, elapsed
    return 'answered', data.split(b'\r\n', 1)[0].decode(), elapsed


async def _burst(port, path, connections, timeout):
    payload = request(path)
    t0 = time.perf_counter()
    results = await asyncio.gather(*(
        _timed(port, payload, timeout) for _ in range(connections)))
    return results, time.perf_counter() - t0


def burst(port, path, connections, timeout):
    """One burst: ([(outcome, status line, seconds)], total seconds)."""
    return asyncio.run(_burst(port, path, connections, timeout))


def loadavg():
    with open('/proc/loadavg') as f:
        return ' '.join(f.read().split()[:3])


def kernel_facts():
    facts = []
    for name in ('net/core/somaxconn', 'net/ipv4/tcp_max_syn_backlog',
                 'net/ipv4/tcp_abort_on_overflow', 'net/ipv4/tcp_syncookies'):
        try:
            with open('/proc/sys/' + name) as f:
                facts.append('%s=%s' % (name.rsplit('/', 1)[1],
                                        f.read().strip()))
        except OSError:
            pass
    return ', '.join(facts)


def report(backlog, path, rounds, connections):
    """Print one line of figures; returns the number of failures."""
    outcomes = collections.Counter()
    statuses = collections.Counter()
    latencies, totals = [], []
    for results, total in rounds:
        totals.append(total)
        for outcome, status, seconds in results:
            outcomes[outcome] += 1
            if status and outcome == 'answered':
                statuses[status.split(' ', 2)[1]] += 1
            latencies.append(seconds)
    failed = sum(outcomes[k] for k in FAILURES)
    ms = [x * 1000 for x in latencies]
    print('RESULT backlog %d, GET %s: %d connections (%d bursts of %d); '
          'reset %d, refused %d, timeout %d, empty %d, other %d; '
          'statuses %s; latency ms median %.0f, p90 %.0f, p99 %.0f, '
          'max %.0f; burst total s median %.2f, max %.2f' % (
              backlog, path, len(latencies), len(rounds), connections,
              outcomes['reset'], outcomes['refused'], outcomes['timeout'],
              outcomes['empty'], outcomes['other'],
              dict(sorted(statuses.items())), statistics.median(ms),
              common.percentile(ms, 90), common.percentile(ms, 99),
              max(ms), statistics.median(totals), max(totals)))
    return failed


def restart_api(dep, tmp, backlog):
    """The API process again, with ``[api]/backlog`` = ``backlog``."""
    api = dep.processes['api']
    api.kill(15)
    extra = os.path.join(tmp, 'backlog-%d.conf' % backlog)
    with open(extra, 'w') as f:
        f.write('[api]\nbacklog = %d\n' % backlog)
    api.argv = [a for a in api.argv if 'backlog-' not in a]
    if backlog != DEFAULT_BACKLOG:
        api.argv += ['--config-file', extra]
    api.start()
    dep.api.wait_until_up()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--connections', type=int, default=200)
    parser.add_argument('--rounds', type=int, default=5)
    parser.add_argument('--timeout', type=float, default=60.0,
                        help='seconds a connection may take in all')
    parser.add_argument('--backlogs', default='128,5',
                        help='[api]/backlog values, comma separated')
    args = parser.parse_args()
    backlogs = [int(b) for b in args.backlogs.split(',')]
    print('machine:', common.machine())
    print('kernel:', kernel_facts())
    others = common.busy()
    print('other test runs now: %d%s' % (
        len(others), ''.join('\n  ' + line[:150] for line in others)))
    tmp = tempfile.mkdtemp(prefix='bench-burst-')
    failed = 0
    try:
        with services.rabbit_vhost() as transport_url, \
                services.database('postgresql') as db_url:
            dep = deployment.Deployment(
                tmp, transport_url, db_url, interval=300,
                extra_config='[DEFAULT]\ndebug = false\n')
            with dep.running():
                engine = sa.create_engine(db_url)
                common.populate(engine, 50, 'bench@az1#pool0',
                                ['bench@az2#pool0'])
                engine.dispose()
                for backlog in backlogs:
                    restart_api(dep, tmp, backlog)
                    for path in PATHS:
                        # One burst first, not counted: every server
                        # thread has its database connection.
                        dep.api.get(path[len('/v2'):]).raise_for_status()
                        burst(dep.port, path, args.connections,
                              args.timeout)
                        before = loadavg()
                        rounds = [burst(dep.port, path, args.connections,
                                        args.timeout)
                                  for _ in range(args.rounds)]
                        print('load average before %s, after %s' % (
                            before, loadavg()))
                        lost = report(backlog, path, rounds,
                                      args.connections)
                        if backlog == DEFAULT_BACKLOG:
                            failed += lost
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())

"""Throughput and latency of GET /v2/share-replicas/detail against
manila-repl-api as its own process on a fresh PostgreSQL database filled
with bulk INSERTs (transport fake://: list calls cast nothing).

    .venv/bin/python -m benchmarks.api_throughput [--duration 10]

1. 100 replicas stored (50 shares: active + 1 replica each): GET
   /v2/share-replicas/detail answers all 100 rows; 4 client threads, one
   requests.Session each, for --duration seconds. Target >= 250 req/s,
   p99 < 50 ms (upstream Manila: 25 req/s).
2. 10,000 replicas stored (3,300 more shares with active + 2 replicas):
   GET /v2/share-replicas/detail?share_id=X of one 3-replica share.
   Target p99 < 20 ms.
The client runs in this process on the same 2 cores as the API.
"""
import argparse
import os
import shutil
import subprocess
import tempfile
import threading
import time

import requests
import sqlalchemy as sa

from benchmarks import common
from tests.functional import deployment
from tests.functional import services

HEADERS = {'X-Auth-Token': 'admin:admin',
           'X-OpenStack-Manila-API-Version': '2.95'}


def load(url, threads, duration, expect_rows):
    """``threads`` clients GET ``url`` for ``duration`` s; latencies."""
    latencies = [[] for _ in range(threads)]
    errors = []
    start = threading.Barrier(threads + 1)
    stop_at = [0.0]

    def client(n):
        s = requests.Session()
        s.headers.update(HEADERS)
        s.get(url).raise_for_status()        # connection up, warm
        start.wait()
        mine = latencies[n]
        while True:
            t0 = time.perf_counter()
            if t0 >= stop_at[0]:
                break
            r = s.get(url)
            t1 = time.perf_counter()
            if r.status_code != 200 or \
                    len(r.json()['share_replicas']) != expect_rows:
                errors.append((r.status_code, r.text[:200]))
                break
            mine.append(t1 - t0)
        s.close()

    workers = [threading.Thread(target=client, args=(n,))
               for n in range(threads)]
    for w in workers:
        w.start()
    stop_at[0] = time.perf_counter() + 3600
    start.wait()
    t0 = time.perf_counter()
    stop_at[0] = t0 + duration
    for w in workers:
        w.join()
    elapsed = time.perf_counter() - t0
    if errors:
        raise AssertionError('bad answers: %s' % errors[:3])
    flat = [x for part in latencies for x in part]
    return flat, elapsed


def report(name, flat, elapsed):
    print('RESULT %s: %.0f req/s (%d requests in %.1f s); latency %s' % (
        name, len(flat) / elapsed, len(flat), elapsed, common.summary(flat)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--duration', type=float, default=10.0)
    parser.add_argument('--threads', type=int, default=4)
    parser.add_argument('--api-threads', type=int,
                        help='[api]/threads of the server (default: its '
                             'default)')
    args = parser.parse_args()
    print('machine:', common.machine())
    tmp = tempfile.mkdtemp(prefix='bench-api-')
    api = None
    try:
        with services.database('postgresql') as db_url:
            port = deployment.free_port()
            config = os.path.join(tmp, 'api.conf')
            with open(config, 'w') as f:
                f.write('[DEFAULT]\ntransport_url = fake://\n'
                        'state_path = %s\ndebug = false\n'
                        '[database]\nconnection = %s\n'
                        '[api]\nbind_port = %d\n' % (tmp, db_url, port))
                if args.api_threads:
                    f.write('threads = %d\n' % args.api_threads)
            subprocess.run([deployment.script('manila-repl-manage'),
                            '--config-file', config, 'db', 'sync'],
                           check=True, capture_output=True)
            engine = sa.create_engine(db_url)
            common.populate(engine, 50, 'bench@az1#pool0',
                            ['bench@az2#pool0'])
            analyze(engine)
            api = deployment.Process(
                'api', [deployment.script('manila-repl-api'),
                        '--config-file', config],
                os.path.join(tmp, 'api.log'))
            api.start()
            client = deployment.ApiClient('http://127.0.0.1:%d/v2' % port)
            client.wait_until_up()
            base = 'http://127.0.0.1:%d/v2/share-replicas/detail' % port

            flat, elapsed = load(base, args.threads, args.duration, 100)
            report('detail list, 100 rows of 100 stored, %d threads'
                   % args.threads, flat, elapsed)

            made = common.populate(engine, 3300, 'bench@az1#pool0',
                                   ['bench@az2#pool0', 'bench@az3#pool0'])
            analyze(engine)
            with engine.connect() as conn:
                stored = conn.scalar(sa.text(
                    'SELECT count(*) FROM share_instances'))
            share_id = made[len(made) // 2][0]
            url = base + '?share_id=' + share_id
            flat, elapsed = load(url, 1, args.duration, 3)
            report('detail?share_id=X (3 rows of %d stored), 1 thread'
                   % stored, flat, elapsed)
            flat, elapsed = load(url, args.threads, args.duration, 3)
            report('detail?share_id=X (3 rows of %d stored), %d threads'
                   % (stored, args.threads), flat, elapsed)
            flat, elapsed = load(base + '?limit=100', args.threads,
                                 args.duration, 100)
            report('detail?limit=100 (100 rows of %d stored), %d threads'
                   % (stored, args.threads), flat, elapsed)
            engine.dispose()
            api.kill(15)
            api = None
    finally:
        if api is not None:
            print(api.log()[-3000:])
            api.kill()
        shutil.rmtree(tmp, ignore_errors=True)


def analyze(engine):
    with engine.connect() as conn:
        conn.execute(sa.text('ANALYZE'))
        conn.commit()


if __name__ == '__main__':
    main()

"""A burst of replica creates through the processes deployment (api,
scheduler, 3 share managers; RabbitMQ and PostgreSQL).

    .venv/bin/python -m benchmarks.create_burst [--shares 50] [--threads 8]

50 shares active in az1 (made first, not timed), then 100 POST
/v2/share-replicas (one replica in az2 and one in az3 per share; every az2
request is queued before any az3 one) from 8 client threads, one
requests.Session each. Reported: requests per second (100 / time from the
first request sent to the last answer) and the time from the last answer
until every replica reads available (GET /v2/share-replicas/detail every
50 ms). Targets: >= 25 creates/s, all available within 5 s of the last
request (upstream Manila: 2.6 creates/s).
"""
import argparse
import queue
import threading
import time

from benchmarks import common
from benchmarks import deployed
from tests.functional import deployment
from tests.functional import workflow


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--shares', type=int, default=50)
    parser.add_argument('--threads', type=int, default=8)
    parser.add_argument('--db', default='postgresql',
                        choices=('postgresql', 'mariadb'))
    parser.add_argument('--interval', type=int, default=300,
                        help='replica_status_interval of the managers')
    args = parser.parse_args()
    print('machine:', common.machine())
    with deployed.deployed(args.db, interval=args.interval) as dep:
        api = dep.api
        # 150 instances: over the default share_replicas quota (100).
        r = api.request('PUT', '/quota-sets/admin', json={'quota_set': {
            'share_replicas': -1, 'replica_gigabytes': -1}})
        assert r.status_code == 200, r.text
        type_id = workflow.create_replicated_type(api)
        t0 = time.perf_counter()
        shares = [workflow.create_share(api, type_id, az='az1')
                  for _ in range(args.shares)]
        print('setup: %d shares available in %.1f s' % (
            len(shares), time.perf_counter() - t0))
        run(api, shares, args.threads)


def burst(api, shares, threads):
    """POST a replica in az2 and az3 of every share from ``threads``
    clients, then poll until every one is available: {'total', 'first',
    'last' (answer), 'done', 'posts' (seconds of each POST)}."""
    work = queue.Queue()
    for az in ('az2', 'az3'):
        for share_id in shares:
            work.put((share_id, az))
    total = work.qsize()
    created, answered, errors = [], [], []
    barrier = threading.Barrier(threads + 1)

    def client():
        own = deployment.ApiClient(api.endpoint)
        own.get('/')                       # connection up
        barrier.wait()
        while True:
            try:
                share_id, az = work.get_nowait()
            except queue.Empty:
                return
            t = time.perf_counter()
            r = own.post('/share-replicas', {'share_replica': {
                'share_id': share_id, 'availability_zone': az}})
            answered.append(time.perf_counter())
            if r.status_code != 202:
                errors.append(r.text[:300])
                continue
            created.append((r.json()['share_replica']['id'],
                            answered[-1] - t))

    workers = [threading.Thread(target=client) for _ in range(threads)]
    for w in workers:
        w.start()
    barrier.wait()
    first = time.perf_counter()
    for w in workers:
        w.join()
    last = max(answered)
    if errors:
        raise AssertionError('%d creates failed: %s' % (len(errors),
                                                        errors[:3]))
    ids = {rid for rid, _ in created}
    statuses = {}
    while time.perf_counter() - last < 120:
        rows = api.get('/share-replicas/detail').json()['share_replicas']
        statuses = {r['id']: r['status'] for r in rows if r['id'] in ids}
        if len(statuses) == len(ids) and all(
                s in ('available', 'error') for s in statuses.values()):
            break
        time.sleep(0.05)
    done = time.perf_counter()
    bad = {s for s in statuses.values() if s != 'available'}
    if bad or len(statuses) != len(ids):
        raise AssertionError('not all available after 120 s: %s' % bad)
    return {'total': total, 'first': first, 'last': last, 'done': done,
            'posts': [d for _, d in created]}


def run(api, shares, threads):
    b = burst(api, shares, threads)
    total, first, last, done = b['total'], b['first'], b['last'], b['done']
    print('POST latency: %s' % common.summary(b['posts']))
    print('RESULT create burst: %d creates from %d threads in %.2f s = '
          '%.1f creates/s; all available %.2f s after the last answer '
          '(%.2f s after the first request)' % (
              total, threads, last - first, total / (last - first),
              done - last, done - first))


if __name__ == '__main__':
    main()

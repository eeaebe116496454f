"""Soak: malformed requests against a running manila-repl-all.

The requests are those of the malformed-request test (tests/unit/api/
malformed.py: every route's valid requests and their mutations: wrong
methods, bad path ids, query parameters, headers and bodies), shuffled
and repeated up to ``--requests``, sent over HTTP from ``--threads``
clients. Every ``--chunk`` requests the world they refer to (a replicated
share with a replica, a snapshot, an access rule, the share type) is made
afresh through the API, as the requests that still succeed change it.

Prints the number of answers by status code; exits 1 if any was a 5xx,
if a connection failed, or if the server logged an unexpected error. Run:

    .venv/bin/python -m benchmarks.malformed_soak --requests 20000
"""
import argparse
import collections
import concurrent.futures
import random
import sys
import tempfile
import threading
import time

import requests as http

from benchmarks import common
from tests.client import server
from tests.unit.api import malformed

TOKEN = 'p1-user:p1'
UNLIMITED = {'quota_set': {k: -1 for k in (
    'shares', 'gigabytes', 'snapshots', 'snapshot_gigabytes',
    'share_replicas', 'replica_gigabytes')}}


class Api:
    def __init__(self, endpoint):
        self.endpoint = endpoint
        self.session = http.Session()
        self.session.headers.update({
            'X-Auth-Token': TOKEN, 'X-OpenStack-Manila-API-Version': '2.95',
            'Content-Type': 'application/json'})

    def call(self, method, path, body=None, ok=(200, 202)):
        response = self.session.request(method, self.endpoint + path,
                                        json=body, timeout=60)
        if response.status_code not in ok:
            raise RuntimeError('%s %s: %s %s' % (method, path,
                                                 response.status_code,
                                                 response.text[:300]))
        return response.json() if response.content else None

    def until(self, path, predicate, what):
        return server.until(lambda: predicate(self.call('GET', path)), what,
                            timeout=60)


def make_world(api, n):
    """The resources malformed.IDS names, made afresh (the requests that
    succeed change them: specs, statuses, deletes): {fixed: real} for the
    requests' text."""
    api.call('PUT', '/quota-sets/p1', UNLIMITED)
    type_name = 'replicated-%d' % n
    type_id = api.call('POST', '/types', {'share_type': {
        'name': type_name, 'extra_specs': {
            'driver_handles_share_servers': False,
            'replication_type': 'readable',
            'snapshot_support': True}}})['share_type']['id']
    share = api.call('POST', '/shares', {'share': {
        'share_proto': 'NFS', 'size': 1, 'name': 's',
        'share_type': type_name, 'availability_zone': 'az1'}})['share']
    api.until('/shares/%s' % share['id'],
              lambda r: r['share']['status'] == 'available', 'the share')
    replica = api.call('POST', '/share-replicas', {'share_replica': {
        'share_id': share['id'], 'availability_zone': 'az2'}})
    replica_id = replica['share_replica']['id']
    api.until('/share-replicas/%s' % replica_id,
              lambda r: r['share_replica']['status'] == 'available',
              'the replica')
    snapshot = api.call('POST', '/snapshots', {'snapshot': {
        'share_id': share['id'], 'name': 'n'}})['snapshot']
    api.until('/snapshots/%s' % snapshot['id'],
              lambda r: r['snapshot']['status'] == 'available',
              'the snapshot')
    rule = api.call('POST', '/shares/%s/action' % share['id'], {
        'allow_access': {'access_type': 'ip', 'access_to': '10.0.0.1'}})
    replicas = api.call('GET', '/share-replicas/detail?share_id=%s'
                        % share['id'])['share_replicas']
    active = next(r['id'] for r in replicas if r['replica_state'] == 'active')
    locations = api.call('GET', '/shares/%s/export_locations'
                         % share['id'])['export_locations']
    instances = api.call('GET', '/snapshot-instances?snapshot_id=%s'
                         % snapshot['id'])['snapshot_instances']
    real = {'type': type_id, 'share': share['id'], 'active': active,
            'replica': replica_id, 'snapshot': snapshot['id'],
            'snapshot_instance': instances[0]['id'],
            'rule': rule['access']['id'],
            'export_location': locations[0]['id']}
    texts = {malformed.IDS[key]: value for key, value in real.items()}
    texts['replicated'] = type_name
    return texts


def send(session, endpoint, request):
    """The status code, or the connection error's name."""
    root = endpoint[:-len('/v2')]
    try:
        response = session.request(
            request.method, root + request.url(), data=request.encoded(),
            headers=malformed.headers(request, TOKEN), timeout=60)
    except http.RequestException as e:
        return type(e).__name__, request
    return response.status_code, request


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--requests', type=int, default=20000)
    parser.add_argument('--chunk', type=int, default=500)
    parser.add_argument('--threads', type=int, default=4)
    parser.add_argument('--seed', type=int, default=1)
    args = parser.parse_args(argv)

    table = list(malformed.requests())
    rng = random.Random(args.seed)
    print('Machine: %s' % common.machine())
    others = common.busy()
    print('Other test processes on the machine at the start: %d%s' % (
        len(others), ' (a loaded machine: read the counts, not the rate)'
        if others else ''))
    print('%d distinct requests (%d routes), shuffled, %d sent from %d '
          'threads, a new world every %d' % (
              len(table), len({(r.method, r.path) for r in table
                               if r.why == 'valid'}),
              args.requests, args.threads, args.chunk))
    counts = collections.Counter()
    failures = []
    sessions = {}

    def session():
        key = threading.get_ident()
        if key not in sessions:
            sessions[key] = http.Session()
        return sessions[key]

    with tempfile.TemporaryDirectory(prefix='soak-') as tmp, \
            server.started(tmp) as running, \
            concurrent.futures.ThreadPoolExecutor(args.threads) as pool:
        api = Api(running.endpoint)
        sent = 0
        worlds = 0
        busy = 0.0
        started = time.monotonic()
        while sent < args.requests:
            texts = make_world(api, worlds)
            worlds += 1
            batch = [rng.choice(table).replacing(texts)
                     for _ in range(min(args.chunk, args.requests - sent))]
            t = time.monotonic()
            for status, request in pool.map(
                    lambda r: send(session(), running.endpoint, r), batch):
                counts[status] += 1
                if not isinstance(status, int) or status >= 500:
                    failures.append((status, request))
            busy += time.monotonic() - t
            sent += len(batch)
        elapsed = time.monotonic() - started
        alive = http.get(running.endpoint[:-len('/v2')] + '/',
                         timeout=30).status_code
        log = running.log()
    unexpected = log.count('Unexpected error serving')
    print('Answers by status (%d requests, %d worlds, %.0f s in all, '
          '%.0f requests/s while sending):' % (
              sent, worlds, elapsed, sent / busy))
    for status, n in sorted(counts.items(), key=lambda kv: str(kv[0])):
        print('  %s: %d' % (status, n))
    print('5xx or connection failures: %d; "Unexpected error" in the '
          'server log: %d; GET / at the end: %s' % (
              len(failures), unexpected, alive))
    for status, request in failures[:20]:
        print('  %s %r' % (status, request))
    return 1 if failures or unexpected or alive != 300 else 0


if __name__ == '__main__':
    sys.exit(main())

"""The API under faults, with api, scheduler and share managers as
separate processes on a RabbitMQ node of this module's own
(throwaway_rabbit), so that stopping the broker disturbs nobody else:

- a burst of 200 concurrent connections: none reset, every one answered;
- the broker goes away: RPC calls answer 503 within their bound, reads
  that need only the database and the version document keep answering
  meanwhile, a create answers 503 and leaves nothing behind, each share
  manager logs one warning (not a traceback per report); the broker comes
  back and everything works again.
"""
import os
import socket
import threading
import time

import pytest
import requests

from tests.functional import deployment
from tests.functional import services
from tests.functional import throwaway_rabbit

RPC_CALL_TIMEOUT = 5
#: The API's connection retries wait this long between attempts: a call
#: on the dead broker is blocked for about this long before it fails.
RETRY_INTERVAL = 4
EXTRA_CONFIG = '''[api]
rpc_call_timeout = %d
rpc_connect_retries = 1
[oslo_messaging_rabbit]
rabbit_retry_interval = %d
rabbit_retry_backoff = 0
''' % (RPC_CALL_TIMEOUT, RETRY_INTERVAL)


@pytest.fixture(scope='module')
def rabbit(tmp_path_factory):
    with throwaway_rabbit.node(tmp_path_factory.mktemp('rabbit')) as node:
        yield node


@pytest.fixture(scope='module')
def deployed(rabbit, tmp_path_factory):
    with services.database('postgresql') as db_url:
        tmp = tmp_path_factory.mktemp('faults')
        dep = deployment.Deployment(tmp, rabbit.url, db_url)
        extra = os.path.join(str(tmp), 'faults.conf')
        with open(extra, 'w') as f:
            f.write(EXTRA_CONFIG)
        for process in dep.processes.values():
            process.argv += ['--config-file', extra]
        with dep.running():
            yield dep


def _raw_get(port, path, results, barrier):
    """One connection, one request (Connection: close), the status line."""
    barrier.wait()
    try:
        with socket.create_connection(('127.0.0.1', port), timeout=60) as s:
            s.sendall(('GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n'
                       'X-Auth-Token: admin:admin\r\nConnection: close\r\n'
                       '\r\n' % path).encode())
            data = b''
            while chunk := s.recv(65536):
                data += chunk
        results.append(data.split(b'\r\n', 1)[0])
    except OSError as e:
        results.append(repr(e).encode())


def test_a_burst_of_200_connections_is_answered(deployed):
    results = []
    barrier = threading.Barrier(200)
    threads = [threading.Thread(target=_raw_get, args=(
        deployed.port, '/' if n % 2 else '/v2/shares', results, barrier))
        for n in range(200)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = sorted(set(results))
    assert len(results) == 200
    assert statuses == [b'HTTP/1.1 200 OK', b'HTTP/1.1 300 Multiple Choices'
                        ], statuses


def test_a_chunked_body_over_the_limit_is_413(deployed):
    def chunks():
        for _ in range(200):
            yield b'x' * 1024
    response = requests.post(
        deployed.api.endpoint + '/shares', data=chunks(), timeout=60,
        headers={'X-Auth-Token': 'admin:admin',
                 'Content-Type': 'application/json'})
    assert response.status_code == 413
    assert response.json()['overLimit']['code'] == 413


def _log_count(dep, name, text):
    return dep.processes[name].log().count(text)


DOWN = 'are not reaching the schedulers'
BACK = 'reach the schedulers again'


def test_broker_outage(deployed, rabbit):
    api = deployed.api
    share = api.post('/shares', {'share': {'share_proto': 'NFS', 'size': 1,
                                           'name': 'before'}}).json()['share']
    api.wait(lambda: api.get('/shares/%s' % share['id']).json()['share']
             ['status'] == 'available', 'the share to be available')
    shares_before = api.get('/shares').json()['shares']

    rabbit.stop()
    try:
        _while_the_broker_is_down(deployed, shares_before)
    finally:
        rabbit.start()

    # Back: pools, creates and the managers' reports work again.
    api.wait(lambda: api.pool_count() == 3,
             'the pools of every backend again', timeout=60)
    share = api.post('/shares', {'share': {'share_proto': 'NFS', 'size': 1,
                                           'name': 'after'}})
    assert share.status_code == 200, share.text
    share_id = share.json()['share']['id']
    api.wait(lambda: api.get('/shares/%s' % share_id).json()['share']
             ['status'] == 'available', 'a share made after the outage',
             timeout=60)
    for name in deployment.BACKENDS:
        api.wait(lambda: _log_count(deployed, name, BACK) == 1,
                 '%s to log that its reports reach the schedulers' % name,
                 timeout=60)
        log = deployed.processes[name].log()
        assert log.count(DOWN) == 1, name
        assert 'Periodic task publish_stats failed' not in log, name


def _while_the_broker_is_down(deployed, shares_before):
    api = deployed.api
    pending = set()
    pools = []
    lock = threading.Lock()

    def get_pools(n):
        with lock:
            pending.add(n)
        started = time.monotonic()
        response = requests.get(api.endpoint + '/scheduler-stats/pools',
                                headers=api.session.headers, timeout=120)
        with lock:
            pending.discard(n)
            pools.append((response, time.monotonic() - started))

    threads = [threading.Thread(target=get_pools, args=(n,))
               for n in range(24)]
    for thread in threads:
        thread.start()
    # Meanwhile the version document and reads that need only the database
    # answer, while calls are still waiting on the broker.
    fast = []
    for path in ('/', '/shares', '/shares/detail',
                 '/shares/%s' % shares_before[0]['id'],
                 '/share-replicas/detail', '/types'):
        url = (api.endpoint[:-len('/v2')] + '/' if path == '/'
               else api.endpoint + path)
        response = requests.get(url, headers=api.session.headers,
                                timeout=120)
        with lock:
            fast.append((path, response.status_code, len(pending)))
    for thread in threads:
        thread.join()
    for path, status, waiting in fast:
        assert status in (200, 300), (path, status)
        assert waiting > 0, ('%s answered only after every call to the '
                             'broker had ended' % path)
    assert len(pools) == 24
    for response, elapsed in pools:
        assert response.status_code == 503, response.text
        assert 'message bus' in response.json()['serviceUnavailable'][
            'message']
        assert elapsed < 3 * (RPC_CALL_TIMEOUT + RETRY_INTERVAL), elapsed

    # A create answers 503 and leaves nothing behind.
    response = api.post('/shares', {'share': {'share_proto': 'NFS',
                                              'size': 1, 'name': 'during'}})
    assert response.status_code == 503, response.text
    assert 'nothing was changed' in response.json()['serviceUnavailable'][
        'message']
    assert api.get('/shares').json()['shares'] == shares_before

    # Each share manager says once that its reports are not getting
    # through (it tries every stats_report_interval = 2 s).
    for name in deployment.BACKENDS:
        api.wait(lambda: _log_count(deployed, name, DOWN) == 1,
                 '%s to log that the broker is gone' % name, timeout=60)

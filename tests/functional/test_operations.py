"""What an operator watches and drives, over the real processes (api,
scheduler and a manila-repl-share per backend on RabbitMQ and
PostgreSQL), each serving its own metrics:

- the metrics, scraped and parsed with prometheus_client's parser: the
  replication lag of a backend grows while it is unreachable and falls
  once it is back; API requests by route template;
- notifications: a consumer on RabbitMQ receives a promote's start/end;
- ``manila-repl-manage service disable`` stops placement on a backend,
  ``enable`` resumes it;
- ``/healthcheck`` turns unhealthy (503) while the database is down, on
  a PostgreSQL cluster of the test's own.
"""
import json
import os
import signal
import subprocess

import kombu
import pytest
import requests
from prometheus_client import parser

from tests.functional import deployment
from tests.functional import services
from tests.functional import throwaway_postgres
from tests.functional import workflow

NOTIFICATIONS = '''[oslo_messaging_notifications]
driver = messagingv2
'''


@pytest.fixture(scope='module')
def deployed(tmp_path_factory):
    with services.rabbit_vhost() as rabbit_url, \
            services.database('postgresql') as db_url:
        tmp = tmp_path_factory.mktemp('operations')
        dep = deployment.Deployment(tmp, rabbit_url, db_url,
                                    extra_config=NOTIFICATIONS)
        dep.rabbit_url = rabbit_url
        dep.metrics = {}
        for name, process in dep.processes.items():
            port = deployment.free_port()
            path = os.path.join(str(tmp), 'metrics-%s.conf' % name)
            with open(path, 'w') as f:
                f.write('[metrics]\nenabled = true\nport = %d\n' % port)
            process.argv += ['--config-file', path]
            dep.metrics[name] = 'http://127.0.0.1:%d/metrics' % port
        with dep.running():
            yield dep


def scrape(dep, process):
    """{(name, frozenset of labels): value} of one process's metrics."""
    text = requests.get(dep.metrics[process], timeout=10).text
    return {(sample.name, frozenset(sample.labels.items())): sample.value
            for family in parser.text_string_to_metric_families(text)
            for sample in family.samples}


def lag(dep, backend):
    return scrape(dep, backend).get(
        ('manila_repl_replication_lag_seconds',
         frozenset({('backend', 'ft@%s' % backend)})))


def test_replication_lag_grows_while_a_backend_is_unreachable(deployed):
    dep, api = deployed, deployed.api
    share_id, replica_id = workflow.replicated_share(api, 'lag-type')
    api.wait(lambda: (lag(dep, 'az2') or 99) < 3, 'a small lag on az2')
    counts = scrape(dep, 'az2')
    assert counts[('manila_repl_replicas', frozenset(
        {('backend', 'ft@az2'), ('replica_state', 'in_sync')}))] >= 1

    offline = os.path.join(dep.tmp, 'fake', 'az2', 'offline')
    open(offline, 'w').close()
    try:
        first = api.wait(lambda: (lag(dep, 'az2') or 0) > 3 and
                         lag(dep, 'az2'), 'the lag to grow', timeout=60)
        api.wait(lambda: lag(dep, 'az2') > first + 2,
                 'the lag to grow further', timeout=60)
    finally:
        os.unlink(offline)
    api.wait(lambda: lag(dep, 'az2') < 3, 'the lag to fall', timeout=60)
    workflow.wait_replica(api, replica_id, 'the replica back in_sync',
                          status='available', replica_state='in_sync')

    # The loop of az1 (the active's) measured its driver calls and the
    # failed checks meanwhile.
    az1 = scrape(dep, 'az1')
    calls = [v for (name, labels), v in az1.items()
             if name == 'manila_repl_driver_call_duration_seconds_count' and
             ('method', 'update_replica_status') in labels]
    assert calls and calls[0] > 0
    cycles = [v for (name, _), v in az1.items() if name ==
              'manila_repl_replica_status_cycle_duration_seconds_count']
    assert cycles and cycles[0] > 0
    routes = {dict(labels).get('route') for (name, labels) in scrape(
        dep, 'api') if name == 'manila_repl_api_requests_total'}
    assert {'/v2/shares', '/v2/share-replicas/{id}'} <= routes
    assert not any(share_id in r or replica_id in r for r in routes)


def _notifications(dep, queue):
    """Every message waiting in ``queue`` (oslo.messaging's v2 envelope
    opened), consumed."""
    got = []
    with kombu.Connection(dep.rabbit_url.replace('rabbit://', 'amqp://'),
                          connect_timeout=10) as conn:
        channel = conn.channel()
        while True:
            message = kombu.Queue(queue, channel=channel,
                                  no_declare=True).get(no_ack=True)
            if message is None:
                return got
            body = message.payload
            if isinstance(body, str):
                body = json.loads(body)
            got.append(json.loads(body['oslo.message']))


def test_a_promote_is_notified_on_rabbitmq(deployed):
    dep, api = deployed, deployed.api
    share_id, replica_id = workflow.replicated_share(api, 'notified')
    seen = []

    def promote_events():
        seen.extend(_notifications(dep, 'notifications.info'))
        return [m for m in seen if m['event_type'].startswith(
            'share_replica.promote.') and
            m['payload']['share_instance_id'] == replica_id]

    workflow.promote(api, replica_id)
    events = api.wait(lambda: len(promote_events()) >= 2 and
                      promote_events(), 'the promote\'s notifications')
    assert [e['event_type'] for e in events] == [
        'share_replica.promote.start', 'share_replica.promote.end']
    start, end = events
    assert start['publisher_id'] == end['publisher_id'] == 'share.ft@az2'
    assert start['priority'] == 'INFO'
    assert end['payload']['replica_state'] == 'active'
    assert end['payload']['share_id'] == share_id
    assert end['payload']['payload_version'] == '1.0'
    created = [m['event_type'] for m in seen
               if m['payload'].get('share_id') == share_id]
    assert 'share.create.start' in created and 'share.create.end' in created


def manage(dep, *argv):
    return subprocess.run([deployment.script('manila-repl-manage'),
                           '--config-file', dep.config, *argv],
                          capture_output=True, text=True, timeout=60)


def test_a_disabled_backend_gets_no_new_share(deployed):
    dep, api = deployed, deployed.api
    type_id = workflow.create_replicated_type(api, 'placed')
    assert manage(dep, 'service', 'disable', 'ft@az3').returncode == 0
    try:
        r = api.post('/shares', {'share': {
            'share_proto': 'NFS', 'size': 1, 'share_type': type_id,
            'availability_zone': 'az3'}})
        assert r.status_code == 200, r.text
        share_id = r.json()['share']['id']
        api.wait(lambda: api.get('/shares/%s' % share_id).json()['share']
                 ['status'] == 'error', 'the share to fail placement')
        listed = api.get('/services?host=ft@az3').json()['services']
        assert [s['status'] for s in listed] == ['disabled']
    finally:
        assert manage(dep, 'service', 'enable', 'ft@az3').returncode == 0
    assert workflow.create_share(api, type_id, az='az3')


def test_healthcheck_turns_unhealthy_while_the_database_is_down(
        tmp_path):
    with throwaway_postgres.cluster() as cluster, \
            services.rabbit_vhost() as rabbit_url:
        db_url = cluster.create_database('manila_repl')
        dep = deployment.Deployment(tmp_path, rabbit_url, db_url)
        dep.db_sync()
        api = dep.processes['api']
        api.start()
        url = 'http://127.0.0.1:%d/healthcheck' % dep.port
        try:
            dep.api.wait_until_up()
            healthy = requests.get(url, timeout=10)
            assert healthy.status_code == 200, healthy.text
            assert 'database OK' in healthy.text
            assert 'message bus OK' in healthy.text
            cluster.stop('fast')
            down = requests.get(url, timeout=30, headers={
                'X-Auth-Token': 'admin:admin',
                'Accept': 'application/json'})
            assert down.status_code == 503
            reasons = {r['reason'] for r in down.json()['reasons']}
            assert reasons == {'database unreachable', 'message bus OK'}
            cluster.start()
            dep.api.wait(lambda: requests.get(url, timeout=30).status_code
                         == 200, 'healthy again')
        except BaseException:
            print(api.log()[-6000:])
            raise
        finally:
            api.kill()


def test_api_metrics_of_every_gunicorn_worker(tmp_path):
    """Under gunicorn the master, which serves no request, serves the
    counts of its workers (prometheus_client's multi-process mode)."""
    port, metrics_port = deployment.free_port(), deployment.free_port()
    config = tmp_path / 'api.conf'
    config.write_text(
        '[DEFAULT]\nstate_path = %s\ntransport_url = fake://\n'
        '[database]\nconnection = sqlite:///%s\n'
        '[metrics]\nenabled = true\nport = %d\n' %
        (tmp_path, tmp_path / 'db.sqlite', metrics_port))
    subprocess.run([deployment.script('manila-repl-manage'), '--config-file',
                    str(config), 'db', 'sync'], check=True,
                   capture_output=True)
    env = dict(os.environ, MANILA_REPL_CONFIG_FILE=str(config),
               PROMETHEUS_MULTIPROC_DIR=str(tmp_path / 'metrics'))
    gunicorn = deployment.Process(
        'gunicorn', [deployment.script('gunicorn'), '--config',
                     'python:manila_repl.api.gunicorn_conf', '--workers',
                     '2', '--threads', '4', '--bind', '127.0.0.1:%d' % port,
                     'manila_repl.api.wsgi:application'],
        str(tmp_path / 'gunicorn.log'), env=env)
    gunicorn.start()
    api = deployment.ApiClient('http://127.0.0.1:%d/v2' % port)
    try:
        api.wait_until_up()
        for _ in range(40):
            # New connections: the workers take turns accepting them.
            assert requests.get(api.endpoint + '/shares', headers=dict(
                api.session.headers), timeout=10).status_code == 200
        text = requests.get('http://127.0.0.1:%d/metrics' % metrics_port,
                            timeout=10).text
        counted = [s for family in parser.text_string_to_metric_families(
            text) for s in family.samples
            if s.name == 'manila_repl_api_requests_total' and
            s.labels['route'] == '/v2/shares']
        assert sum(s.value for s in counted) == 40
    except BaseException:
        print(gunicorn.log()[-6000:])
        raise
    finally:
        gunicorn.kill(signal.SIGTERM)

"""api, scheduler and three share managers as separate processes over
RabbitMQ, with PostgreSQL and with MariaDB (through mysqlclient, the
documented driver, and PyMySQL), driven over HTTP."""
import concurrent.futures
import json
import os

import pytest

from tests.functional import deployment
from tests.functional import fake_gates
from tests.functional import services
from tests.functional import workflow


@pytest.fixture(scope='module',
                params=['postgresql', 'mariadb', 'mariadb-pymysql'])
def deployed(request, tmp_path_factory):
    with services.rabbit_vhost() as transport_url, \
            services.database(request.param) as db_url:
        dep = deployment.Deployment(tmp_path_factory.mktemp(request.param),
                                    transport_url, db_url)
        try:
            dep.start()
            yield dep
        except BaseException:
            print(dep.logs())
            raise
        finally:
            dep.stop()


def test_replication_workflow(deployed):
    def take_down(az):
        deployed.processes[az].kill()          # kill -9

    def bring_back(az):
        deployed.processes[az].start()

    try:
        workflow.run(deployed.api, take_down, bring_back)
    except BaseException:
        print(deployed.logs())
        raise


def test_daemons_are_not_monkey_patched(deployed):
    for name, process in deployed.processes.items():
        log = process.log()
        assert 'Concurrency: oslo.service threading backend' in log, name
        assert 'monkey-patched: nothing' in log, name


def test_dead_share_manager_shows_down(deployed):
    api = deployed.api

    def state(host):
        services = api.get('/services').json()['services']
        return {s['host']: s['state'] for s in services
                if s['binary'] == 'manila-share'}.get(host)

    assert state('ft@az3') == 'up'
    deployed.processes['az3'].kill()
    try:
        api.wait(lambda: state('ft@az3') == 'down',
                 'az3 to be shown down', timeout=20)
    finally:
        deployed.processes['az3'].start()
    api.wait(lambda: state('ft@az3') == 'up', 'az3 to be up again',
             timeout=20)


def test_concurrent_promotes_through_two_api_workers(deployed, tmp_path):
    """One promote wins, every other gets 409, across API processes: the
    guard is in the database, not in a process."""
    port = deployment.free_port()
    extra = tmp_path / 'api2.conf'
    extra.write_text('[api]\nbind_port = %d\n' % port)
    api2_proc = deployment.Process(
        'api2', [deployment.script('manila-repl-api'), '--config-file',
                 deployed.config, '--config-file', str(extra)],
        str(tmp_path / 'api2.log'))
    api2_proc.start()
    api, api2 = deployed.api, deployment.ApiClient(
        'http://127.0.0.1:%d/v2' % port)
    # Hold each promote in the driver long enough for all requests to race.
    injects = [os.path.join(deployed.tmp, 'fake', az, 'inject.json')
               for az in ('az2', 'az3')]
    try:
        api2.wait_until_up()
        type_id = workflow.create_replicated_type(api)
        share_id = workflow.create_share(api, type_id)
        replicas = [workflow.add_replica(api, share_id, az)
                    for az in ('az2', 'az3')]
        for rid in replicas:
            workflow.wait_replica(api, rid, 'replica available',
                                  status='available', replica_state='in_sync')
        for path in injects:
            with open(path, 'w') as f:
                json.dump({'delay': {'set_active_replica': 2}}, f)

        def promote(i):
            client = (api, api2)[i % 2]
            rid = replicas[i % 2]
            return client.post('/share-replicas/%s/action' % rid,
                               {'promote': None}).status_code

        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            codes = sorted(pool.map(promote, range(8)))
        assert codes == [202] + [409] * 7, codes
        # Meanwhile: deleting a replica is refused too.
        assert api2.delete('/share-replicas/%s' % replicas[0]
                           ).status_code == 409
        api.wait(lambda: all(r['status'] == 'available'
                             for r in api.replicas(share_id).values()),
                 'the promote to finish', timeout=30)
        assert len(workflow.actives(api, share_id)) == 1
    finally:
        for path in injects:
            if os.path.exists(path):
                os.unlink(path)
        api2_proc.kill()


def test_manager_killed_mid_add_replica_finishes_it_on_restart(deployed):
    """kill -9 while the driver is inside add_replica (held at its gate,
    fake.py): on restart the manager finds the replica still creating and
    finishes it, under the share's lock."""
    api = deployed.api
    type_id = workflow.create_replicated_type(api)
    share_id = workflow.create_share(api, type_id, az='az1')
    az1 = fake_gates.FakeBackend(deployed, 'az1')
    az1.close('add_replica')
    try:
        rid = workflow.add_replica(api, share_id, 'az2')
        az1.wait_inside('add_replica', rid)
        deployed.processes['az1'].kill()
    finally:
        az1.open('add_replica')
    assert api.replica(rid)['status'] == 'creating'
    deployed.processes['az1'].start()
    workflow.wait_replica(api, rid, 'the replica finished after restart',
                          status='available', replica_state='in_sync')
    assert workflow.actives(api, share_id) == ['az1']

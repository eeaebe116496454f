"""manila-repl-all: every service in one process on SQLite and fake://,
its demo backends on the localdir driver."""
import os
import pathlib
import signal
import socket
import subprocess

from prometheus_client import parser
import pytest
import requests

from tests.functional import deployment
from tests.functional import workflow


METRICS = 'http://127.0.0.1:9786/metrics'


def _start(argv, env=None, log=None):
    return subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, env=env)


def _stop(proc):
    proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise AssertionError('manila-repl-all did not stop on SIGTERM')


@pytest.fixture
def all_in_one(tmp_path):
    port = deployment.free_port()
    conf = tmp_path / 'all.conf'
    # Metrics on (every driver call measured), on a port of its own.
    conf.write_text('[metrics]\nport = %d\n' % deployment.free_port() +
                    '[api]\nbind_port = %d\n[share]\n'
                    'replica_status_interval = 1\nstats_report_interval = 2\n'
                    '[DEFAULT]\nreport_interval = 1\n' % port)
    log_path = tmp_path / 'all.log'
    with open(log_path, 'wb') as log:
        proc = _start([deployment.script('manila-repl-all'),
                       '--state-path', str(tmp_path / 'state'),
                       '--config-file', str(conf)], log=log)
    api = deployment.ApiClient('http://127.0.0.1:%d/v2' % port)
    try:
        api.wait_until_up()
        api.wait(lambda: api.pool_count() == 3, 'three demo pools',
                 timeout=60)
        yield api, tmp_path / 'state'
    except BaseException:
        print(log_path.read_text(errors='replace')[-8000:])
        raise
    finally:
        assert _stop(proc) == 0


def test_workflow_on_embedded_defaults(all_in_one):
    api, state = all_in_one
    root = state / 'localdir'
    assert {p.name for p in root.iterdir()} == {'az1', 'az2', 'az3'}

    # Inside one process there is no manager to kill: az1's storage goes
    # away instead, as if its file system were unmounted (the localdir
    # driver's backend directory is moved away, then back).
    def take_down(az):
        (root / az).rename(root / (az + '.away'))

    def bring_back(az):
        (root / (az + '.away')).rename(root / az)

    workflow.run(api, take_down, bring_back)


def _tree(path):
    return {str(p.relative_to(path)): (p.read_bytes() if p.is_file()
                                       else None, p.stat().st_mode)
            for p in sorted(path.rglob('*'))}


def test_data_reaches_replicas_on_embedded_defaults(all_in_one):
    api, state = all_in_one
    type_id = workflow.create_replicated_type(api)
    share_id = workflow.create_share(api, type_id)
    share = api.get('/shares/%s/export_locations' % share_id).json()
    active = pathlib.Path(share['export_locations'][0]['path'])
    assert active.parent == state / 'localdir' / 'az1' / 'shares'
    (active / 'docs').mkdir()
    (active / 'docs' / 'a.txt').write_text('written through the export\n')
    replica_id = workflow.add_replica(api, share_id, 'az2')
    workflow.wait_replica(api, replica_id, 'in_sync', status='available',
                          replica_state='in_sync')
    replica = state / 'localdir' / 'az2' / 'shares' / replica_id
    assert _tree(replica) == _tree(active)
    # The status loop (every second here) carries later writes over.
    (active / 'docs' / 'a.txt').unlink()
    (active / 'b.txt').write_text('later\n')
    def same():
        try:
            return _tree(replica) == _tree(active)
        except FileNotFoundError:  # walked into a directory being swapped
            return False
    api.wait(same, 'the replica to follow the active share')


def test_no_arguments_starts_on_embedded_defaults(tmp_path):
    """`manila-repl-all` with no arguments: SQLite under the home directory,
    fake://, the three demo backends, the API on 127.0.0.1:8786."""
    env = dict(os.environ, HOME=str(tmp_path))
    log_path = tmp_path / 'all.log'
    with open(log_path, 'wb') as log:
        proc = _start([deployment.script('manila-repl-all')], env=env,
                      log=log)
    api = deployment.ApiClient('http://127.0.0.1:8786/v2')
    try:
        api.wait_until_up()
        zones = api.wait(lambda: sorted(
            z['name'] for z in api.get('/availability-zones')
            .json()['availability_zones']) or None, 'availability zones')
        assert zones == ['az1', 'az2', 'az3']
        root = requests.get('http://127.0.0.1:8786/', timeout=10)
        assert root.status_code == 300
        # Every service's metrics on one endpoint: the API's, and each
        # demo backend's (its status loop ran at start).
        families = {f.name: f for f in parser.text_string_to_metric_families(
            requests.get(METRICS, timeout=10).text)}
        assert {s.labels['route'] for s in families[
            'manila_repl_api_requests'].samples} >= {
                '/v2/availability-zones'}
        assert {s.labels['backend'] for s in families[
            'manila_repl_replication_lag_seconds'].samples} == {
                '%s@%s' % (socket.gethostname(), az)
                for az in ('az1', 'az2', 'az3')}
        assert 'manila_repl_rpc_errors' in families
    finally:
        assert _stop(proc) == 0
    out = log_path.read_text()
    assert 'API listening on http://127.0.0.1:8786/v2' in out
    assert 'Prometheus metrics of every service on %s.' % METRICS in out
    assert 'stop it with Ctrl-C' in out
    assert (tmp_path / '.local' / 'share' / 'manila-repl' /
            'manila-repl.sqlite').exists()

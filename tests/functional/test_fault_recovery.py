"""Faults in the middle of work, with real processes over RabbitMQ and
PostgreSQL: nothing stays in a transitional state.

Each test stops a share manager (kill -9) or the database at an exact
point of a flow: the fake driver says ``inside-<method>`` in a marker file
and waits while ``gate-<method>`` exists (fake.py), so no test sleeps or
relies on a delay. The pending work sweep runs every second on work older
than two seconds here (``[share]/pending_work_*``).
"""
import contextlib
import hashlib
import json
import os
import shutil
import signal
import stat
import uuid

import pytest

from tests.functional import deployment
from tests.functional import fake_gates
from tests.functional import services
from tests.functional import throwaway_postgres
from tests.functional import workflow

SWEEP = ('[share]\npending_work_sweep_interval = 1\n'
         'pending_work_min_age = 2\n')
#: Managers killed and restarted by a test are never judged down
#: meanwhile: their promotes wait for them (dead_owners.py gives up a
#: promote whose new active's service is down).
PATIENT = '[DEFAULT]\nservice_down_time = 60\n'


def deploy(tmp, transport_url, db_url, **kwargs):
    dep = deployment.Deployment(tmp, transport_url, db_url, **kwargs)
    try:
        dep.start()
    except BaseException:
        print(dep.logs())
        dep.stop()
        raise
    return dep


@pytest.fixture(scope='module')
def deployed(tmp_path_factory):
    with services.rabbit_vhost() as transport_url, \
            services.database('postgresql') as db_url:
        dep = deploy(tmp_path_factory.mktemp('faults'), transport_url,
                     db_url, extra_config=PATIENT + SWEEP)
        try:
            yield dep
        finally:
            dep.stop()


@contextlib.contextmanager
def logs_on_failure(dep):
    try:
        yield
    except BaseException:
        print(dep.logs())
        raise


@pytest.fixture
def faults(deployed):
    """The deployment; afterwards every gate is open and every process
    runs again."""
    backends = {name: fake_gates.FakeBackend(deployed, name)
                for name in deployed.backends}
    try:
        with logs_on_failure(deployed):
            yield deployed, backends
    finally:
        for backend in backends.values():
            backend.open_all()
        for process in deployed.processes.values():
            if process.popen.poll() is not None:
                process.start()


def replica_with_states(api, share_id):
    return {az: (r['status'], r['replica_state'])
            for az, r in api.replicas(share_id).items()}


def test_new_actives_manager_killed_inside_promote(faults):
    """kill -9 of the new active's manager inside set_active_replica: the
    share waits in replication_change (409 meanwhile) until that manager
    is back; its recovery, under the share's lock, finishes the promote."""
    dep, backends = faults
    api = dep.api
    share_id, r2 = workflow.replicated_share(api, 'promote-kill')
    backends['az2'].close('set_active_replica')
    workflow.promote(api, r2)
    backends['az2'].wait_inside('set_active_replica', r2)
    dep.processes['az2'].kill()
    backends['az2'].open('set_active_replica')
    assert {s for s, _ in replica_with_states(api, share_id).values()} == {
        'replication_change'}
    assert api.post('/share-replicas/%s/action' % r2,
                    {'promote': None}).status_code == 409
    dep.processes['az2'].start()
    workflow.wait_replica(api, r2, 'the promote finished after restart',
                          status='available', replica_state='active')
    assert workflow.actives(api, share_id) == ['az2']
    assert {s for s, _ in replica_with_states(api, share_id).values()} == {
        'available'}


# -- the new active's manager dies and stays dead -------------------------

@pytest.fixture(scope='module')
def short_down_time(tmp_path_factory):
    """Services down after 5 s without a heartbeat (deployment.py), the
    sweep every second on work older than 2 s."""
    with services.rabbit_vhost() as transport_url, \
            services.database('postgresql') as db_url:
        dep = deploy(tmp_path_factory.mktemp('dead-owner'), transport_url,
                     db_url, extra_config=SWEEP)
        try:
            with logs_on_failure(dep):
                yield dep
        finally:
            dep.stop()


def _fake_file(dep, backend, instance_id):
    return os.path.join(dep.tmp, 'fake', backend, instance_id + '.json')


def _edit(path, **values):
    with open(path) as f:
        data = json.load(f)
    data.update(values)
    with open(path, 'w') as f:
        json.dump(data, f)
    return data


def test_promote_given_up_when_the_new_actives_manager_stays_dead(
        short_down_time):
    """kill -9 of the new active's manager inside set_active_replica, not
    restarted: once its service is down and the promote older than the
    minimum age, the old active's manager gives the promote up with a
    message; the share takes requests again on the same active. When the
    dead manager returns, its replica is re-synced to in_sync. Never two
    actives at any sample."""
    dep = short_down_time
    api = dep.api
    az2 = fake_gates.FakeBackend(dep, 'az2')
    share_id, r2 = workflow.replicated_share(api, 'dead-new-active')
    r1 = api.replicas(share_id)['az1']['id']
    samples = []

    def sample():
        replicas = replica_with_states(api, share_id)
        samples.append(replicas)
        actives = [az for az, (_, state) in replicas.items()
                   if state == 'active']
        assert actives == ['az1'], samples
        return api.replica(r2)

    def given_up():
        replica = sample()
        return replica if replica['status'] == 'available' else None

    az2.close('set_active_replica')
    try:
        workflow.promote(api, r2)
        az2.wait_inside('set_active_replica', r2)
        # What the driver has done when its manager dies (it is held at
        # the gate, the status loop skips a share being promoted): the
        # target writable, the old active frozen.
        _edit(_fake_file(dep, 'az2', r2), writable=True, generation=99)
        _edit(_fake_file(dep, 'az1', r1), writable=False)
        dep.processes['az2'].kill()
    finally:
        az2.open('set_active_replica')
    assert api.post('/share-replicas/%s/action' % r2,
                    {'promote': None}).status_code == 409

    given_up = api.wait(given_up, 'the promote given up by az1')
    assert given_up['replica_state'] == 'error'
    assert given_up['status_message'].startswith(
        'Promotion of replica %s abandoned: its backend ft@az2 has been '
        'down since ' % r2), given_up
    assert 'Giving up promote_replica of %s' % r2 in \
        dep.processes['az1'].log()
    assert dep.processes['az2'].popen.poll() is not None
    assert api.get('/shares/%s' % share_id).json()['share'][
        'status'] == 'available'
    with open(_fake_file(dep, 'az1', r1)) as f:
        assert json.load(f)['writable'] is True
    # The share takes requests again.
    r3 = workflow.add_replica(api, share_id, 'az3')
    workflow.wait_replica(api, r3, 'a new replica in az3',
                          status='available', replica_state='in_sync')

    dep.processes['az2'].start()
    api.wait(lambda: sample()['replica_state'] == 'in_sync',
             'the half promoted replica re-synced')
    with open(_fake_file(dep, 'az2', r2)) as f:
        data = json.load(f)
    with open(_fake_file(dep, 'az1', r1)) as f:
        assert (data['writable'], data['generation']) == (
            False, json.load(f)['generation'])
    assert 'Redoing promote_replica' not in dep.processes['az2'].log()
    sample()


def _dead_old_active_with(dep, backends, method, start_work):
    """A share active on az1 with an in_sync replica on az3; ``start_work``
    starts a piece of az1's work that reaches the driver's ``method``;
    az1's manager is killed there and the az3 replica promoted. Returns
    (share id, az1's replica id, az3's, the id start_work returned)."""
    api = dep.api
    type_id = workflow.create_replicated_type(api)
    share_id = workflow.create_share(api, type_id, az='az1')
    r3 = workflow.add_replica(api, share_id, 'az3')
    workflow.wait_replica(api, r3, 'the az3 replica in_sync',
                          status='available', replica_state='in_sync')
    r1 = api.replicas(share_id)['az1']['id']
    backends['az1'].close(method)
    target = start_work(api, share_id)
    backends['az1'].wait_inside(method, target)
    dep.processes['az1'].kill()
    workflow.promote(api, r3)
    workflow.wait_replica(api, r3, 'az3 to be active',
                          status='available', replica_state='active')
    return share_id, r1, r3, target


def _assert_old_active_says_why(api, r1, r3):
    """Marked error in the promote's transaction, with the reason."""
    old = api.replica(r1)
    assert old['replica_state'] == 'error'
    assert old['status_message'].startswith(
        'Replica %s was promoted while this replica, the active one until '
        'then, could not be reached' % r3), old


def test_dead_old_actives_pending_add_finished_by_the_sweep(faults):
    """kill -9 of the active's manager inside add_replica, then a promote
    of another replica: the new active's manager finishes the add (the
    work is its own now), without the old manager coming back."""
    dep, backends = faults
    api = dep.api
    share_id, r1, r3, r2 = _dead_old_active_with(
        dep, backends, 'add_replica',
        lambda api, share_id: workflow.add_replica(api, share_id, 'az2'))
    _assert_old_active_says_why(api, r1, r3)
    workflow.wait_replica(api, r2, 'the add finished by the sweep',
                          status='available', replica_state='in_sync')
    assert dep.processes['az1'].popen.poll() is not None
    assert workflow.actives(api, share_id) == ['az3']
    assert 'Redoing add_replica of %s' % r2 in dep.processes['az3'].log()
    with open(os.path.join(dep.tmp, 'fake', 'az2', r2 + '.json')) as f:
        assert json.load(f)['writable'] is False


def test_dead_old_actives_pending_delete_finished_by_the_sweep(faults):
    dep, backends = faults
    api = dep.api

    def delete_az2_replica(api, share_id):
        r2 = workflow.add_replica(api, share_id, 'az2')
        workflow.wait_replica(api, r2, 'the az2 replica in_sync',
                              status='available', replica_state='in_sync')
        assert api.delete('/share-replicas/%s' % r2).status_code == 202
        return r2

    share_id, r1, r3, r2 = _dead_old_active_with(
        dep, backends, 'remove_replica', delete_az2_replica)
    _assert_old_active_says_why(api, r1, r3)
    api.wait(lambda: api.get('/share-replicas/%s' % r2).status_code == 404,
             'the delete finished by the sweep')
    assert dep.processes['az1'].popen.poll() is not None
    assert not os.path.exists(os.path.join(dep.tmp, 'fake', 'az2',
                                           r2 + '.json'))
    assert sorted(api.replicas(share_id)) == ['az1', 'az3']


# -- the database restarts during a promote -----------------------------

@pytest.fixture(scope='module')
def own_database(tmp_path_factory):
    """A deployment on a PostgreSQL cluster of its own (restarted by the
    tests); final writes retried for up to 10 s."""
    with throwaway_postgres.cluster() as cluster, \
            services.rabbit_vhost() as transport_url:
        db_url = cluster.create_database('manila_repl')
        dep = deploy(tmp_path_factory.mktemp('db-restart'), transport_url,
                     db_url, extra_config=SWEEP + (
                         '[database]\nfinal_write_retry_timeout = 10\n'))
        try:
            yield dep, cluster
        finally:
            dep.stop()


def _promote_with_database_down(dep, cluster, until_log):
    """Promote az2's replica; stop the database while the driver is inside
    set_active_replica; let the driver finish; start the database once
    az2's log shows ``until_log`` after that point."""
    api = dep.api
    backend = fake_gates.FakeBackend(dep, 'az2')
    share_id, r2 = workflow.replicated_share(
        api, 'db-restart-' + uuid.uuid4().hex[:6])
    log = dep.processes['az2']
    backend.close('set_active_replica')
    try:
        workflow.promote(api, r2)
        backend.wait_inside('set_active_replica', r2)
        seen = log.log().count(until_log)
        cluster.stop()
    finally:
        backend.open('set_active_replica')
    try:
        api.wait(lambda: log.log().count(until_log) > seen,
                 '%r in the log of az2' % until_log)
    finally:
        cluster.start()
    return share_id, r2


def _assert_promoted(api, share_id, r2):
    workflow.wait_replica(api, r2, 'the promote recorded',
                          status='available', replica_state='active')
    assert workflow.actives(api, share_id) == ['az2']
    assert {s for s, _ in replica_with_states(api, share_id).values()} == {
        'available'}


@pytest.mark.parametrize('until_log, redone', [
    # Back within the retries: the write itself goes through.
    ('Database write _finish_promote.<locals>.finish', False),
    # Down longer: the flow gives up, the sweep redoes the promote.
    ('Exception during message handling', True)])
def test_database_restart_during_a_promote(own_database, until_log,
                                           redone):
    dep, cluster = own_database
    with logs_on_failure(dep):
        share_id, r2 = _promote_with_database_down(dep, cluster, until_log)
        _assert_promoted(dep.api, share_id, r2)
        assert redone == ('Redoing promote_replica of %s' % r2 in
                          dep.processes['az2'].log())


# -- data movers die with their manager ----------------------------------

RSYNC = '''#!/bin/sh
# The test's rsync: the real one; a crawl while $DIR/slow exists.
DIR=%(dir)s
echo $$ >> "$DIR/pids"
if [ -e "$DIR/slow" ]; then exec %(rsync)s --bwlimit=16 "$@"; fi
exec %(rsync)s "$@"
'''


@pytest.fixture(scope='module')
def localdir(tmp_path_factory):
    """Two localdir backends whose managers find a slowed rsync first on
    their PATH."""
    real = shutil.which('rsync')
    if real is None:
        services.unavailable('rsync', 'not installed (apt-get install '
                                      'rsync)')
    tmp = tmp_path_factory.mktemp('rsync-kill')
    tools = tmp / 'bin'
    tools.mkdir()
    wrapper = tools / 'rsync'
    wrapper.write_text(RSYNC % {'dir': tools, 'rsync': real})
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR)
    backends = {name: ['share_driver = localdir',
                       'localdir_path = %s' % (tmp / 'backends' / name)]
                for name in ('az1', 'az2')}
    with services.rabbit_vhost() as transport_url, \
            services.database('postgresql') as db_url:
        dep = deployment.Deployment(tmp / 'run', transport_url, db_url,
                                    backends=backends, extra_config=SWEEP)
        for name in backends:
            dep.processes[name].env = dict(os.environ, PATH='%s:%s' % (
                tools, os.environ.get('PATH', '/usr/bin:/bin')))
        try:
            dep.start()
            yield dep, tools, tmp / 'backends'
        except BaseException:
            print(dep.logs())
            raise
        finally:
            dep.stop()


def movers(path):
    """Pids of the live processes whose command line names ``path``."""
    pids = []
    for entry in os.listdir('/proc'):
        if not entry.isdigit():
            continue
        try:
            with open('/proc/%s/cmdline' % entry, 'rb') as f:
                argv = f.read().split(b'\0')
            with open('/proc/%s/stat' % entry) as f:
                zombie = f.read().rsplit(') ', 1)[1][0] == 'Z'
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
        if not zombie and any(path.encode() in a for a in argv):
            pids.append(int(entry))
    return pids


def digest(root):
    result = {}
    for top, _dirs, files in os.walk(root):
        for name in files:
            with open(os.path.join(top, name), 'rb') as f:
                result[os.path.relpath(os.path.join(top, name), root)] = \
                    hashlib.sha256(f.read()).hexdigest()
    return result


def test_rsync_dies_with_its_manager_and_the_redo_copies_afresh(localdir):
    """kill -9 of the active's manager while its rsync of a new replica
    runs: rsync (and its own forks) die with it; after the restart the
    redo discards the half-written staging area and the replica is a
    correct copy."""
    dep, tools, roots = localdir
    api = dep.api
    staging = None
    try:
        type_id = workflow.create_replicated_type(api)
        share_id = workflow.create_share(api, type_id, az='az1')
        active = api.replicas(share_id)['az1']
        source = api.get('/share-replicas/%s/export-locations' %
                         active['id']).json()['export_locations'][0]['path']
        with open(os.path.join(source, 'big.bin'), 'wb') as f:
            f.write(os.urandom(4 << 20))
        with open(os.path.join(source, 'small.txt'), 'w') as f:
            f.write('small\n')
        (tools / 'slow').touch()
        r2 = workflow.add_replica(api, share_id, 'az2')
        staging = str(roots / 'az2' / 'staging' / r2)

        def transferring():
            # rsync's temporary file in staging has its first bytes.
            try:
                return any(e.is_file() and e.stat().st_size > 0
                           for e in os.scandir(staging))
            except FileNotFoundError:
                return False
        api.wait(transferring, 'rsync to be writing into staging')
        pid = int((tools / 'pids').read_text().split()[-1])
        assert pid in movers(staging)
        own_group = os.getpgid(pid) == pid
        dep.processes['az1'].kill()
        api.wait(lambda: not movers(staging),
                 'rsync to die with its manager', timeout=20)
        assert own_group
        assert api.replica(r2)['status'] == 'creating'
        (tools / 'slow').unlink()
        dep.processes['az1'].start()
        workflow.wait_replica(api, r2, 'the replica redone after restart',
                              status='available', replica_state='in_sync')
        target = api.get('/share-replicas/%s/export-locations' % r2
                         ).json()['export_locations'][0]['path']
        assert digest(target) == digest(source)
        assert not os.path.exists(staging + '.incomplete')
    except BaseException:
        print(dep.logs())
        raise
    finally:
        for pid in movers(staging) if staging else ():
            os.kill(pid, signal.SIGKILL)
        if (tools / 'slow').exists():
            (tools / 'slow').unlink()
        if dep.processes['az1'].popen.poll() is not None:
            dep.processes['az1'].start()

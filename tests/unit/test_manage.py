"""manila-repl-manage's operator commands, as an operator runs them (the
installed script, on a SQLite database), and their exit statuses."""
import datetime
import subprocess

import pytest

from manila_repl import constants as c
from manila_repl.db import models, services
from manila_repl import context
from tests.functional import deployment
from tests.unit.db import fixtures

OLD = datetime.datetime(2020, 1, 1)


@pytest.fixture
def db(tmp_path):
    with fixtures.temp_database(tmp_path) as overrides:
        config = tmp_path / 'manage.conf'
        config.write_text('[DEFAULT]\nstate_path = %s\n[database]\n'
                          'connection = sqlite:///%s\n' %
                          (tmp_path, tmp_path / 'db.sqlite'))
        yield overrides, str(config)


@pytest.fixture
def rows(db):
    return fixtures.Rows()


def manage(db, *argv):
    result = subprocess.run(
        [deployment.script('manila-repl-manage'), '--config-file', db[1],
         *argv], capture_output=True, text=True, timeout=120)
    return result.returncode, result.stdout, result.stderr


def words(table):
    """upgrade check's table as one line of words."""
    return ' '.join(table.replace('|', ' ').split())


def service(rows, host, binary=c.BINARY_SHARE, updated_at=None):
    rows.add(models.Service(host=host, binary=binary, topic='t',
                            report_count=1,
                            updated_at=updated_at or datetime.datetime.now(
                                datetime.timezone.utc).replace(tzinfo=None)))


def test_disable_then_enable_a_backend(db, rows):
    service(rows, 'node@az1')
    status, out, _ = manage(db, 'service', 'disable', 'node@az1')
    assert status == 0 and 'no new shares or replicas' in out
    assert services.disabled_hosts(c.BINARY_SHARE) == {'node@az1'}
    status, out, _ = manage(db, 'service', 'list')
    assert 'disabled' in out
    assert manage(db, 'service', 'enable', 'node@az1')[0] == 0
    assert services.disabled_hosts(c.BINARY_SHARE) == set()
    status, _, err = manage(db, 'service', 'disable', 'node@az9')
    assert status == 1 and 'No manila-repl-share service on host node@az9' \
        in err
    assert manage(db, 'service', 'disable')[0] == 2


def test_the_scheduler_places_nothing_on_a_disabled_backend(
        db, rows, tmp_path):
    drivers = fixtures.make_backends(db[0], tmp_path / 'backends')
    scheduler = fixtures.scheduler_of(drivers)
    for name in ('az1', 'az2', 'az3'):
        service(rows, fixtures.backend_host(name))
    assert manage(db, 'service', 'disable', 'node@az1')[0] == 0

    def place_in_az1():
        instance = rows.instance(rows.share(), status=c.STATUS_CREATING,
                                 placed=False, zone='az1')
        scheduler.create_share_instance(context.get_admin_context(),
                                        instance)
        return rows.instance_row(instance)
    refused = place_in_az1()
    assert refused.status == c.STATUS_ERROR and refused.host is None
    assert 'No valid host' in refused.status_message
    # Its existing instances are no concern of placement; enabled again,
    # it takes new ones.
    assert manage(db, 'service', 'enable', 'node@az1')[0] == 0
    assert place_in_az1().host == 'node@az1#pool0'


def test_cleanup_removes_long_silent_services_only(db, rows):
    service(rows, 'ctl', binary='manila-repl-scheduler', updated_at=OLD)
    service(rows, 'node@gone', updated_at=OLD)
    service(rows, 'node@kept', updated_at=OLD)
    service(rows, 'node@live')
    rows.instance(rows.share(), backend='kept')
    status, out, err = manage(db, 'service', 'cleanup', '--older-than',
                              '3600')
    assert 'Removed manila-repl-scheduler on ctl' in out
    assert 'Removed manila-repl-share on node@gone' in out
    assert 'Kept manila-repl-share on node@kept: it still holds 1' in err
    assert status == 1
    assert services.hosts(c.BINARY_SHARE) == {'node@kept', 'node@live'}
    assert manage(db, 'service', 'cleanup', '--older-than', '1')[0] == 2


def test_update_host_moves_every_instance_keeping_its_pool(db, rows):
    service(rows, 'node@az1', updated_at=OLD)
    share = rows.share()
    first = rows.instance(share, backend='az1')
    second = rows.instance(share, backend='az2',
                           replica_state=c.REPLICA_STATE_IN_SYNC)
    status, out, _ = manage(db, 'share', 'update-host', '--from', 'node@az1',
                            '--to', 'newnode@az1')
    assert status == 0 and 'Moved 1 share instances' in out, out
    assert rows.instance_row(first).host == 'newnode@az1#pool0'
    assert rows.instance_row(second).host == 'node@az2#pool0'
    # Nothing left there; a target that holds instances needs --force.
    assert manage(db, 'share', 'update-host', '--from', 'node@az1',
                  '--to', 'newnode@az1')[0] == 1
    status, _, err = manage(db, 'share', 'update-host', '--from',
                            'newnode@az1', '--to', 'node@az2')
    assert status == 1 and '--force' in err
    assert manage(db, 'share', 'update-host', '--from', 'newnode@az1',
                  '--to', 'node@az2', '--force')[0] == 0
    assert rows.instance_row(first).host == 'node@az2#pool0'
    for bad in ('node', 'node@az1#pool0', 'node@az2'):
        assert manage(db, 'share', 'update-host', '--from', bad,
                      '--to', 'node@az2')[0] == 2


def test_update_host_refuses_a_live_backend(db, rows):
    service(rows, 'node@az1')
    rows.instance(rows.share(), backend='az1')
    status, _, err = manage(db, 'share', 'update-host', '--from', 'node@az1',
                            '--to', 'other@az1')
    assert status == 1 and 'node@az1 is up' in err


def test_upgrade_check(db, rows, tmp_path):
    service(rows, 'node@az1')
    rows.instance(rows.share(), backend='az1')
    status, out, _ = manage(db, 'upgrade', 'check')
    assert status == 0, out
    assert 'Check: Database schema Result: Success' in words(out)
    # An instance on a backend no service reports: failure.
    rows.instance(rows.share(), backend='az7')
    status, out, _ = manage(db, 'upgrade', 'check')
    assert status == 2 and 'node@az7 (1)' in out, out


def test_upgrade_check_policy_file(db, rows, tmp_path):
    policy = tmp_path / 'policy.yaml'
    extra = tmp_path / 'policy.conf'
    extra.write_text('[oslo_policy]\npolicy_file = %s\n' % policy)
    policy.write_text('"share:create": "role:admin"\n'
                      '"share:creat": "role:admin"\n')
    status, out, _ = manage(db, '--config-file', str(extra), 'upgrade',
                            'check')
    assert status == 1 and 'have (misspelt?): share:creat.' in words(out)
    policy.write_text('"share:create": [oops\n')
    status, out, _ = manage(db, '--config-file', str(extra), 'upgrade',
                            'check')
    assert status == 2 and 'does not load' in words(out), out

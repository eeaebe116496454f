"""The replica status loop's cases of tests/unit/share/test_replica_status.py
on PostgreSQL and MariaDB: the loop's batch read and its save differ by
database (on PostgreSQL one UPDATE joined to the answers as arrays, on the
others a page of single-row UPDATEs), and each must keep the conditional
save: a replica deleted, put in transition or made active meanwhile is
left alone."""
import pytest

from manila_repl import constants as c
from tests.functional import services
from tests.unit.db import fixtures
from tests.unit.share import test_replica_status as cases
from tests.unit.share.conftest import drivers, rows  # noqa: F401 (fixtures)


@pytest.fixture(params=['postgresql', 'mariadb'])
def conf_db(request, tmp_path):
    with services.database(request.param) as url:
        with fixtures.temp_database(tmp_path, url) as overrides:
            yield overrides


test_cycle_marks_replicas_in_sync = cases.test_cycle_marks_replicas_in_sync
test_cycle_only_touches_shares_whose_active_is_ours = \
    cases.test_cycle_only_touches_shares_whose_active_is_ours
test_shares_with_a_task_are_skipped = cases.test_shares_with_a_task_are_skipped
test_one_failing_replica_does_not_stop_the_others = \
    cases.test_one_failing_replica_does_not_stop_the_others
test_replica_deleted_meanwhile_is_not_resurrected = \
    cases.test_replica_deleted_meanwhile_is_not_resurrected
test_share_deleted_meanwhile = cases.test_share_deleted_meanwhile
test_replica_changed_meanwhile_is_left_alone = \
    cases.test_replica_changed_meanwhile_is_left_alone


def test_one_read_and_one_write_per_batch(drivers, rows):  # noqa: F811
    made = cases.make_shares(drivers, 250)
    with cases.count_statements() as counts:
        assert cases.replica_status.run_cycle(
            drivers['az1'], cases.AZ1, 100) == (250, 3)
    assert (counts['SELECT'], counts['UPDATE']) == (3, 3)
    assert set(cases.states(rows, cases.replica_ids(made))) == {
        c.REPLICA_STATE_IN_SYNC}

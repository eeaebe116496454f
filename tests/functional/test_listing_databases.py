"""The list filters, sorting and paging of tests/unit/api/test_listing.py
on PostgreSQL and MariaDB: their SQL (JSON metadata, case-insensitive
substrings, the snapshot status aggregate, ORDER BY a correlated
subquery) differs from SQLite's."""
import pytest

from manila_repl.conf import CONF
from tests.functional import services
from tests.unit.api import conftest
from tests.unit.api import test_listing as cases
from tests.unit.api.conftest import client, db  # noqa: F401 (fixtures)
from tests.unit.api.test_listing import shares, snapshots  # noqa: F401


@pytest.fixture(scope='module', params=['postgresql', 'mariadb'])
def database(request):
    with services.database(request.param) as url:
        try:
            with conftest.migrated(url):
                yield
        finally:
            CONF.clear_override('connection', group='database')


test_share_filters = cases.test_share_filters
test_soft_deleted_and_openstack_share_show = \
    cases.test_soft_deleted_and_openstack_share_show
test_share_filters_page_in_sql = cases.test_share_filters_page_in_sql
test_share_sorting = cases.test_share_sorting
test_projects_listed = cases.test_projects_listed
test_snapshot_filters_and_sorting = cases.test_snapshot_filters_and_sorting
test_snapshot_status_in_sql_is_the_shown_one = \
    cases.test_snapshot_status_in_sql_is_the_shown_one
test_replica_filters_and_paging = cases.test_replica_filters_and_paging

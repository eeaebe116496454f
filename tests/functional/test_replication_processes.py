"""api, scheduler and three share managers as separate processes over
RabbitMQ, with PostgreSQL and with MariaDB, driven over HTTP."""
import pytest

from tests.functional import deployment
from tests.functional import services
from tests.functional import workflow


@pytest.fixture(scope='module', params=['postgresql', 'mariadb'])
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

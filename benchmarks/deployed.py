"""A benchmark deployment: tests.functional's processes (api, scheduler,
one manila-repl-share per backend) over a fresh RabbitMQ vhost and a fresh
PostgreSQL (or MariaDB) database, torn down on exit."""
import contextlib
import shutil
import tempfile

from tests.functional import deployment
from tests.functional import services


@contextlib.contextmanager
def deployed(db='postgresql', interval=300):
    tmp = tempfile.mkdtemp(prefix='bench-deploy-')
    try:
        with services.rabbit_vhost() as transport_url, \
                services.database(db) as db_url:
            dep = deployment.Deployment(tmp, transport_url, db_url,
                                        interval=interval)
            try:
                dep.start()
                yield dep
            except BaseException:
                print(dep.logs())
                raise
            finally:
                dep.stop()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

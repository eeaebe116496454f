"""The real services functional tests run against, and what to do when one
is missing: skip with the reason on a laptop, FAIL when
MANILA_REPL_REQUIRE_SERVICES=1 (as .ci/run sets)."""
import contextlib
import os
import shutil
import socket
import subprocess
import uuid

import pytest

RABBIT = ('127.0.0.1', 5672)
POSTGRES_URL = os.environ.get(
    'MANILA_REPL_TEST_POSTGRES', 'postgresql+psycopg2://postgres@127.0.0.1:5432/test')
MARIADB_URL = os.environ.get(
    'MANILA_REPL_TEST_MARIADB', 'mysql+mysqldb://root@127.0.0.1:3306/test')
#: The MariaDB drivers a deployment may use (the URL's dialect): kinds
#: ``mariadb`` (the documented default, mysqlclient) and ``mariadb-pymysql``.
MARIADB_DRIVERS = {'mariadb': 'mysql+mysqldb',
                   'mariadb-pymysql': 'mysql+pymysql'}


def required():
    return os.environ.get('MANILA_REPL_REQUIRE_SERVICES') == '1'


def unavailable(what, why):
    message = '%s is not available: %s' % (what, why)
    if required():
        pytest.fail(message + ' (MANILA_REPL_REQUIRE_SERVICES=1)')
    pytest.skip(message)


def _port_open(address):
    try:
        with socket.create_connection(address, timeout=2):
            return True
    except OSError:
        return False


@contextlib.contextmanager
def rabbit_vhost():
    """A fresh RabbitMQ vhost: no queue of another run can steal a cast."""
    if not _port_open(RABBIT):
        unavailable('RabbitMQ', 'nothing listens on %s:%d' % RABBIT)
    ctl = shutil.which('rabbitmqctl')
    if ctl is None or os.geteuid() != 0:
        unavailable('RabbitMQ', 'rabbitmqctl (as root) is needed to make a '
                                'vhost per test run')
    vhost = 'manila-repl-test-' + uuid.uuid4().hex[:8]
    subprocess.run([ctl, '-q', 'add_vhost', vhost], check=True,
                   capture_output=True)
    try:
        subprocess.run([ctl, '-q', 'set_permissions', '-p', vhost, 'guest',
                        '.*', '.*', '.*'], check=True, capture_output=True)
        yield 'rabbit://guest:guest@%s:%d/%s' % (RABBIT + (vhost,))
    finally:
        subprocess.run([ctl, '-q', 'delete_vhost', vhost],
                       capture_output=True)


@contextlib.contextmanager
def database(kind):
    """A fresh, empty database on the PostgreSQL or MariaDB server
    (``kind``: postgresql, or one of MARIADB_DRIVERS)."""
    import sqlalchemy as sa

    base = POSTGRES_URL if kind == 'postgresql' else MARIADB_URL
    url = sa.engine.make_url(base)
    if kind in MARIADB_DRIVERS:
        url = url.set(drivername=MARIADB_DRIVERS[kind])
        base = url.render_as_string(hide_password=False)
    if not _port_open((url.host, url.port)):
        unavailable(kind, 'nothing listens on %s:%s' % (url.host, url.port))
    name = 'manila_repl_' + uuid.uuid4().hex[:10]
    admin = sa.create_engine(base, isolation_level='AUTOCOMMIT')
    try:
        with admin.connect() as conn:
            conn.execute(sa.text('CREATE DATABASE ' + name))
    except sa.exc.OperationalError as e:
        admin.dispose()
        unavailable(kind, str(e).splitlines()[0])
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            if kind == 'postgresql':
                conn.execute(sa.text(
                    'SELECT pg_terminate_backend(pid) FROM pg_stat_activity '
                    'WHERE datname = :n AND pid <> pg_backend_pid()'),
                    {'n': name})
            conn.execute(sa.text('DROP DATABASE IF EXISTS ' + name))
        admin.dispose()

"""A PostgreSQL cluster of a test's own, for tests that stop or restart the
database: ``initdb`` in a temporary directory, ``pg_ctl`` on a free port
of 127.0.0.1, torn down (stopped, removed) on exit, also on failure. The
shared server on 5432 is never touched.

As root, the cluster runs as the ``postgres`` user (PostgreSQL refuses to
run as root). Missing binaries skip the test, or fail it with
MANILA_REPL_REQUIRE_SERVICES=1.
"""
import contextlib
import glob
import os
import pwd
import shutil
import subprocess
import tempfile

from tests.functional import deployment
from tests.functional import services


def _bindir():
    """Where initdb and pg_ctl are: PATH, else Debian's versioned dir."""
    if shutil.which('initdb') and shutil.which('pg_ctl'):
        return os.path.dirname(shutil.which('pg_ctl'))
    found = sorted(glob.glob('/usr/lib/postgresql/*/bin/pg_ctl'))
    return os.path.dirname(found[-1]) if found else None


class Cluster:
    def __init__(self, bindir, directory, user):
        self.bindir = bindir
        self.directory = directory
        self.data = os.path.join(directory, 'data')
        self.log = os.path.join(directory, 'postgres.log')
        self.user = user
        self.port = deployment.free_port()

    def _run(self, tool, *args):
        argv = [os.path.join(self.bindir, tool), *args]
        if self.user is not None:
            argv = ['runuser', '-u', self.user, '--'] + argv
        result = subprocess.run(argv, capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError('%s failed: %s%s' % (
                tool, result.stdout, result.stderr))
        return result.stdout

    def init(self):
        self._run('initdb', '-D', self.data, '-A', 'trust', '-U', 'postgres',
                  '--no-sync')

    def start(self):
        options = '-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off' % (
            self.port, self.directory)
        self._run('pg_ctl', '-D', self.data, '-l', self.log, '-o', options,
                  '-w', '-t', '60', 'start')

    def stop(self, mode='fast'):
        """``fast``: clients are disconnected, as in a restart;
        ``immediate``: as a crash."""
        self._run('pg_ctl', '-D', self.data, '-m', mode, '-w', 'stop')

    def running(self):
        return os.path.exists(os.path.join(self.data, 'postmaster.pid'))

    def url(self, database='postgres'):
        return 'postgresql+psycopg2://postgres@127.0.0.1:%d/%s' % (
            self.port, database)

    def create_database(self, name):
        import sqlalchemy as sa
        engine = sa.create_engine(self.url(), isolation_level='AUTOCOMMIT')
        try:
            with engine.connect() as conn:
                conn.execute(sa.text('CREATE DATABASE ' + name))
        finally:
            engine.dispose()
        return self.url(name)


@contextlib.contextmanager
def cluster():
    """A started cluster; stopped and removed on exit."""
    bindir = _bindir()
    if bindir is None:
        services.unavailable('A throwaway PostgreSQL',
                             'initdb/pg_ctl are not installed (apt-get '
                             'install postgresql)')
    user = None
    # Not the pytest tmp dir: the postgres user cannot enter root's.
    directory = tempfile.mkdtemp(prefix='manila-repl-pg-')
    if os.geteuid() == 0:
        user = 'postgres'
        try:
            entry = pwd.getpwnam(user)
        except KeyError:
            shutil.rmtree(directory)
            services.unavailable('A throwaway PostgreSQL',
                                 'no postgres user to run it as root')
        os.chown(directory, entry.pw_uid, entry.pw_gid)
    made = Cluster(bindir, directory, user)
    try:
        made.init()
        made.start()
        yield made
    finally:
        try:
            if made.running():
                made.stop('immediate')
        finally:
            shutil.rmtree(directory, ignore_errors=True)

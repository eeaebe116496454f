"""Engine and transactions, one engine per process."""
import contextlib
import os
import threading

from oslo_log import log as logging
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy import orm

from manila_repl.conf import CONF

LOG = logging.getLogger(__name__)

_lock = threading.Lock()
_engine = None
_sessionmaker = None
_read_sessionmaker = None


def database_url(conf=CONF):
    if conf.database.connection:
        return conf.database.connection
    os.makedirs(conf.state_path, exist_ok=True)
    return 'sqlite:///' + os.path.join(conf.state_path, 'manila-repl.sqlite')


def _sqlite_pragmas(dbapi_conn, _record):
    cursor = dbapi_conn.cursor()
    # WAL lets the API read while a manager writes; the busy timeout makes
    # concurrent writers wait instead of failing.
    cursor.execute('PRAGMA journal_mode=WAL')
    cursor.execute('PRAGMA busy_timeout=30000')
    cursor.execute('PRAGMA foreign_keys=ON')
    cursor.execute('PRAGMA synchronous=NORMAL')
    cursor.close()


def create_engine(url, conf=CONF, writer=True):
    if url.startswith('sqlite'):
        engine = sa.create_engine(
            url, connect_args={'check_same_thread': False, 'timeout': 30},
            pool_size=conf.database.max_pool_size,
            max_overflow=conf.database.max_overflow)
        event.listen(engine, 'connect', _sqlite_pragmas)
        # Emit BEGIN ourselves (pysqlite's own handling is off): IMMEDIATE
        # for writers, so that two read-then-write transactions queue on the
        # busy timeout instead of failing with "database is locked".
        begin = 'BEGIN IMMEDIATE' if writer else 'BEGIN'
        event.listen(engine, 'connect',
                     lambda c, r: setattr(c, 'isolation_level', None))
        event.listen(engine, 'begin', lambda c: c.exec_driver_sql(begin))
        return engine
    kwargs = {'pool_pre_ping': True,
              'pool_size': conf.database.max_pool_size,
              'max_overflow': conf.database.max_overflow,
              'pool_recycle': conf.database.connection_recycle_time}
    if url.startswith('mysql'):
        kwargs['isolation_level'] = 'READ COMMITTED'
    if url.startswith('postgresql+psycopg2'):
        # Batched UPDATEs (the status loop saves a batch in one
        # executemany) go in pages, not one round trip per row.
        kwargs['executemany_mode'] = 'values_plus_batch'
    return sa.create_engine(url, **kwargs)


def get_engine():
    global _engine, _sessionmaker, _read_sessionmaker
    with _lock:
        if _engine is None:
            url = database_url()
            _engine = create_engine(url)
            read_engine = (create_engine(url, writer=False)
                           if url.startswith('sqlite') else _engine)
            _sessionmaker = orm.sessionmaker(bind=_engine,
                                             expire_on_commit=False)
            _read_sessionmaker = orm.sessionmaker(bind=read_engine,
                                                  expire_on_commit=False)
        return _engine


def reset():
    """Forget the engines (tests, and config reloads)."""
    global _engine, _sessionmaker, _read_sessionmaker
    with _lock:
        for maker in {_sessionmaker, _read_sessionmaker} - {None}:
            maker.kw['bind'].dispose()
        _engine = None
        _sessionmaker = None
        _read_sessionmaker = None


@contextlib.contextmanager
def transaction():
    """A session in one transaction: committed on exit, rolled back on error.
    """
    get_engine()
    with _sessionmaker.begin() as session:
        yield session


@contextlib.contextmanager
def reader():
    """A session for reads only."""
    get_engine()
    with _read_sessionmaker() as session:
        yield session


def ping():
    """``SELECT 1``: raises when the database cannot be reached."""
    with reader() as r:
        r.execute(sa.text('SELECT 1'))

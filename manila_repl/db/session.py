"""Engine and transactions, one engine per process."""
import contextlib
import datetime
import os
import threading

from oslo_log import log as logging
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import default
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


def _fast_datetime(fallback):
    """A DATETIME decoder for the MySQL drivers: datetime.fromisoformat (C)
    instead of their pure Python parsing (9% of a 100-row list's CPU);
    what it cannot read (zero dates) goes to the driver's own."""
    fromisoformat = datetime.datetime.fromisoformat

    def decode(value):
        try:
            return fromisoformat(value if isinstance(value, str)
                                 else value.decode('ascii'))
        except ValueError:
            return fallback(value)
    return decode


def _mysql_connect_args(url):
    """The driver's conversions with the fast DATETIME decoder."""
    if url.startswith('mysql+pymysql'):
        from pymysql import converters
        from pymysql.constants import FIELD_TYPE
    elif url.startswith(('mysql+mysqldb', 'mysql://')):
        from MySQLdb import converters
        from MySQLdb.constants import FIELD_TYPE
    else:
        return {}
    conv = dict(converters.conversions)
    for field in (FIELD_TYPE.DATETIME, FIELD_TYPE.TIMESTAMP):
        conv[field] = _fast_datetime(conv[field])
    return {'conv': conv}


def create_engine(url, conf=CONF, writer=True):
    """The engine of writers (one transaction per session), or of readers
    (``writer=False``).

    Readers on PostgreSQL and MariaDB run in autocommit: each SELECT sees
    what is committed when it starts, as READ COMMITTED gives a
    transaction's statements anyway, and a session that only reads then
    costs no ROLLBACK round trip when it ends (skip_autocommit_rollback,
    SQLAlchemy 2.0.43+). Readers never write.
    """
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
        kwargs['connect_args'] = _mysql_connect_args(url)
    if not writer:
        kwargs['isolation_level'] = 'AUTOCOMMIT'
        if hasattr(default.DefaultDialect, 'skip_autocommit_rollback'):
            kwargs['skip_autocommit_rollback'] = True
    if url.startswith('postgresql+psycopg2'):
        # Batched UPDATEs (the status loop saves a batch in one
        # executemany) go in pages, not one round trip per row; a page
        # holds a whole default batch of the status loop (500 rows).
        kwargs['executemany_mode'] = 'values_plus_batch'
        kwargs['executemany_batch_page_size'] = 500
    return sa.create_engine(url, **kwargs)


def get_engine():
    global _engine, _sessionmaker, _read_sessionmaker
    with _lock:
        if _engine is None:
            url = database_url()
            _engine = create_engine(url)
            read_engine = create_engine(url, writer=False)
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

"""manila-repl-manage: database and operator commands.

    manila-repl-manage [--config-file F] db sync [--revision REV]
    manila-repl-manage [--config-file F] db version
    manila-repl-manage [--config-file F] service list
"""
import sys

from oslo_config import cfg

from manila_repl import cmd


def _db_sync():
    from manila_repl.conf import CONF
    from manila_repl.db import migration
    migration.upgrade(CONF.category.revision)
    print('Database at revision %s' % migration.version())


def _db_version():
    from manila_repl.db import migration
    print(migration.version() or 'None')


def _service_list():
    import sqlalchemy as sa

    from manila_repl.db import models
    from manila_repl.db import session
    from manila_repl import service

    with session.reader() as r:
        rows = r.scalars(sa.select(models.Service).order_by(
            models.Service.binary, models.Service.host)).all()
    print('%-24s %-32s %-10s %-5s %s' % ('Binary', 'Host', 'Zone', 'State',
                                         'Updated at'))
    for row in rows:
        print('%-24s %-32s %-10s %-5s %s' % (
            row.binary, row.host, row.availability_zone or '',
            'up' if service.is_up(row) else 'down', row.updated_at))
        if row.state_reason:
            print('    down: %s' % row.state_reason)


def _add_commands(subparsers):
    db = subparsers.add_parser('db', help='database schema')
    db_actions = db.add_subparsers(dest='action', required=True)
    sync = db_actions.add_parser('sync', help='migrate to the newest schema')
    sync.add_argument('--revision', default='head')
    sync.set_defaults(func=_db_sync)
    db_actions.add_parser('version', help='print the schema revision'
                          ).set_defaults(func=_db_version)
    svc = subparsers.add_parser('service', help='services')
    svc_actions = svc.add_subparsers(dest='action', required=True)
    svc_actions.add_parser('list', help='list services and their state'
                           ).set_defaults(func=_service_list)


category_opt = cfg.SubCommandOpt('category', title='Commands',
                                 handler=_add_commands)


def main(argv=None):
    cmd.init_backend()
    from manila_repl.cmd import common
    from manila_repl.conf import CONF

    common.prepare(argv, 'manila-repl-manage', cli_opts=[category_opt])
    CONF.category.func()


if __name__ == '__main__':
    sys.exit(main())

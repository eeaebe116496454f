"""manila-repl-manage: database and operator commands.

    manila-repl-manage [--config-file F] db sync [--revision REV]
    manila-repl-manage [--config-file F] db version
    manila-repl-manage [--config-file F] service list
    manila-repl-manage [--config-file F] service disable|enable HOST
                                         [--binary BINARY]
    manila-repl-manage [--config-file F] service cleanup
                                         [--older-than SECONDS]
    manila-repl-manage [--config-file F] share update-host
                                         --from HOST@BACKEND
                                         --to HOST@BACKEND [--force]
    manila-repl-manage [--config-file F] upgrade check

Exit status: 0 done, 1 refused or failed (one line on stderr saying
why), 2 bad usage; ``upgrade check``: 0 success, 1 warning, 2 failure.
"""
import sys

from oslo_config import cfg

from manila_repl import cmd

OK, FAILED, USAGE = 0, 1, 2
SHARE_BINARY = 'manila-repl-share'


def _fail(message, status=FAILED):
    print(message, file=sys.stderr)
    return status


def _db_sync():
    from manila_repl.conf import CONF
    from manila_repl.db import migration
    migration.upgrade(CONF.category.revision)
    print('Database at revision %s' % migration.version())


def _db_version():
    from manila_repl.db import migration
    print(migration.version() or 'None')


def _service_list():
    from manila_repl.db import services as services_db
    from manila_repl import service

    print('%-24s %-32s %-10s %-5s %-8s %s' % (
        'Binary', 'Host', 'Zone', 'State', 'Status', 'Updated at'))
    for row in services_db.all_services():
        print('%-24s %-32s %-10s %-5s %-8s %s' % (
            row.binary, row.host, row.availability_zone or '',
            'up' if service.is_up(row) else 'down',
            'disabled' if row.disabled else 'enabled', row.updated_at))


def _set_disabled(disabled):
    from manila_repl.conf import CONF
    from manila_repl.db import services as services_db

    args = CONF.category
    host = args.service_host
    if not services_db.set_disabled(host, args.binary, disabled):
        return _fail('No %s service on host %s (see "service list").' %
                     (args.binary, host))
    if disabled:
        print('%s on %s disabled: it gets no new shares or replicas; its '
              'existing work goes on.' % (args.binary, host))
    else:
        print('%s on %s enabled.' % (args.binary, host))
    return OK


def _service_cleanup():
    import datetime

    from oslo_utils import timeutils

    from manila_repl.conf import CONF
    from manila_repl.db import instance_hosts
    from manila_repl.db import services as services_db

    older_than = CONF.category.older_than
    if older_than is None:
        older_than = CONF.service_down_time
    if older_than < CONF.service_down_time:
        return _fail('--older-than must be at least service_down_time (%d '
                     's): a younger silence is no death.' %
                     CONF.service_down_time, USAGE)
    horizon = timeutils.utcnow() - datetime.timedelta(seconds=older_than)
    # A dead backend that still holds instances keeps its row (upgrade
    # check would call them orphans): move them first.
    kept = {}
    for row in services_db.all_services():
        if row.binary == SHARE_BINARY and \
                (row.updated_at or row.created_at) < horizon:
            count = instance_hosts.count_on(row.host)
            if count:
                kept[row.host] = count
    removed = services_db.remove_silent(horizon, keep=(
        (SHARE_BINARY, host) for host in kept))
    for binary, host in removed:
        print('Removed %s on %s (silent for over %d s).' %
              (binary, host, older_than))
    for host, count in sorted(kept.items()):
        print('Kept %s on %s: it still holds %d share instances; bring it '
              'back, or move them with "share update-host --from %s --to '
              'NEW".' % (SHARE_BINARY, host, count, host), file=sys.stderr)
    if not removed and not kept:
        print('No service silent for over %d s.' % older_than)
    return FAILED if kept else OK


def _backend(value):
    host, sep, backend = value.partition('@')
    return bool(host and sep and backend and '#' not in value)


def _update_host():
    from manila_repl.conf import CONF
    from manila_repl.db import instance_hosts
    from manila_repl.db import services as services_db
    from manila_repl import service

    args = CONF.category
    old, new = args.from_host, args.to_host
    for value in (old, new):
        if not _backend(value):
            return _fail('%r is not HOST@BACKEND (no #pool: each instance '
                         'keeps its pool).' % value, USAGE)
    if old == new:
        return _fail('--from and --to are the same backend.', USAGE)
    running = services_db.find(old, SHARE_BINARY)
    if running is not None and service.is_up(running):
        return _fail('%s is up: stop its manila-repl-share first (a live '
                     'manager would go on under the old name).' % old)
    count = instance_hosts.count_on(old)
    if not count:
        return _fail('No share instance is on %s.' % old)
    already = instance_hosts.count_on(new)
    if already and not args.force:
        return _fail('%s already holds %d share instances; --force to add '
                     '%s\'s to them.' % (new, already, old))
    moved = instance_hosts.move(old, new)
    print('Moved %d share instances from %s to %s.' % (moved, old, new))
    return OK


def _upgrade_check():
    from manila_repl import upgrade_checks
    return int(upgrade_checks.Checks().check())


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
    for name, disabled, text in (
            ('disable', True, 'place no new share or replica there (its '
                              'existing work goes on)'),
            ('enable', False, 'place shares and replicas there again')):
        parser = svc_actions.add_parser(name, help=text)
        parser.add_argument('service_host', metavar='HOST',
                            help='HOST@BACKEND of a share service, as '
                                 '"service list" shows it')
        parser.add_argument('--binary', default=SHARE_BINARY)
        parser.set_defaults(func=lambda d=disabled: _set_disabled(d))
    cleanup = svc_actions.add_parser(
        'cleanup', help='remove services silent for a long time')
    cleanup.add_argument('--older-than', type=int, metavar='SECONDS',
                         help='silent for more than this (default: '
                              'service_down_time)')
    cleanup.set_defaults(func=_service_cleanup)

    share = subparsers.add_parser('share', help='share instances')
    share_actions = share.add_subparsers(dest='action', required=True)
    update = share_actions.add_parser(
        'update-host', help='rename the backend of every instance on it '
                            '(its storage must answer under the new name)')
    update.add_argument('--from', dest='from_host', required=True,
                        metavar='HOST@BACKEND')
    update.add_argument('--to', dest='to_host', required=True,
                        metavar='HOST@BACKEND')
    update.add_argument('--force', action='store_true',
                        help='also when the new backend holds instances')
    update.set_defaults(func=_update_host)

    upgrade = subparsers.add_parser('upgrade', help='upgrade readiness')
    upgrade_actions = upgrade.add_subparsers(dest='action', required=True)
    upgrade_actions.add_parser(
        'check', help='schema, instances\' backends, policy file (exit '
                      '0 success, 1 warning, 2 failure)'
    ).set_defaults(func=_upgrade_check)


category_opt = cfg.SubCommandOpt('category', title='Commands',
                                 handler=_add_commands)


def main(argv=None):
    cmd.init_backend()
    from manila_repl.cmd import common
    from manila_repl.conf import CONF

    common.prepare(argv, 'manila-repl-manage', cli_opts=[category_opt])
    return CONF.category.func() or OK


if __name__ == '__main__':
    sys.exit(main())

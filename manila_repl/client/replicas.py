"""manila-repl replica create|list|show|delete|promote|resync|
export-locations, and admin replica reset-status|reset-state|force-delete.
"""
from cliff import command
from cliff import lister
from cliff import show

from manila_repl.client import common
from manila_repl.client import http
from manila_repl.client import wait

LIST_COLUMNS = ('ID', 'Status', 'Replica State', 'Share ID', 'Host',
                'Availability Zone', 'Updated At', 'Last Sync')
_LIST_KEYS = ('id', 'status', 'replica_state', 'share_id', 'host',
              'availability_zone', 'updated_at')
EXPORT_COLUMNS = ('ID', 'Availability Zone', 'Replica State', 'Preferred',
                  'Path')
_EXPORT_KEYS = ('id', 'availability_zone', 'replica_state', 'preferred',
                'path')
ERROR_STATUSES = ('error', 'error_deleting')


def get(session, replica_id):
    return session.get('/share-replicas/%s' % replica_id)['share_replica']


def fetch(session, replica_id):
    return lambda: get(session, replica_id)


def describe(replica):
    return '%s / %s' % (replica.get('status'), replica.get('replica_state'))


def failed(replica):
    """An error status, or replica_state error; with the service's message
    when the service shows it (administrators)."""
    return (wait.failure(replica, ERROR_STATUSES) or
            wait.failure(replica, ('error',), key='replica_state'))


def _wait(app, args, replica_id, done, gone_is_done=False):
    return wait.until_status(app, args, fetch(app.session, replica_id),
                             'replica %s' % replica_id, describe=describe,
                             done=done, failed=failed,
                             gone_is_done=gone_is_done)


def _settled(replica):
    """Available and in a steady replica state."""
    return (replica.get('status') == 'available' and
            replica.get('replica_state') in ('active', 'in_sync'))


def show_replica(session, replica):
    replica = dict(replica)
    try:
        locations = session.get('/share-replicas/%s/export-locations'
                                % replica['id'])['export_locations']
    except http.ClientError:
        locations = []
    replica['export_locations'] = [loc['path'] for loc in locations]
    return common.show(replica)


def _replica_argument(parser, nargs=None):
    parser.add_argument('replica', metavar='<replica>', nargs=nargs,
                        help='replica ID')


class CreateReplica(show.ShowOne):
    """Add a replica of a share (in another availability zone)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('share', metavar='<share>', help='name or ID')
        parser.add_argument('--availability-zone', metavar='<zone>')
        parser.add_argument('--scheduler-hint', metavar='only_host=<host>',
                            action='append', default=[],
                            help='only_host=host@backend#pool')
        wait.add_arguments(parser, 'the replica is available and in sync')
        return parser

    def take_action(self, args):
        session = self.app.session
        share = common.find_share(session, args.share)
        body = {'share_id': share['id']}
        if args.availability_zone:
            body['availability_zone'] = args.availability_zone
        hints = common.parse_properties(args.scheduler_hint,
                                        '--scheduler-hint')
        if hints:
            body['scheduler_hints'] = hints
        replica = session.post('/share-replicas',
                               {'share_replica': body})['share_replica']
        if args.wait:
            replica = _wait(self.app, args, replica['id'], _settled)
        return show_replica(session, replica)


class ListReplicas(lister.Lister):
    """List replicas, with the time since each one's last sync."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('--share', metavar='<share>',
                            help='only the replicas of this share')
        return parser

    def take_action(self, args):
        session = self.app.session
        params = None
        if args.share:
            params = {'share_id': common.find_share(session,
                                                    args.share)['id']}
        replicas = session.get('/share-replicas/detail',
                               params)['share_replicas']
        rows = [tuple(r.get(k) for k in _LIST_KEYS) +
                (common.LastSyncColumn((r.get('replica_state'),
                                        r.get('last_sync_at'))),)
                for r in replicas]
        return LIST_COLUMNS, rows


class ShowReplica(show.ShowOne):
    """Show a replica, with its export locations."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _replica_argument(parser)
        return parser

    def take_action(self, args):
        session = self.app.session
        return show_replica(session, get(session, args.replica))


class DeleteReplica(command.Command):
    """Delete replicas (not the active one)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _replica_argument(parser, nargs='+')
        wait.add_arguments(parser, 'the replicas are gone')
        return parser

    def take_action(self, args):
        session = self.app.session
        for replica_id in args.replica:
            session.delete('/share-replicas/%s' % replica_id)
        if args.wait:
            for replica_id in args.replica:
                _wait(self.app, args, replica_id, lambda r: False,
                      gone_is_done=True)


class PromoteReplica(command.Command):
    """Make a replica the share's active replica."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _replica_argument(parser)
        parser.add_argument('--quiesce-wait-time', type=int,
                            metavar='<seconds>')
        wait.add_arguments(parser, 'the replica is active')
        return parser

    def take_action(self, args):
        session = self.app.session
        argument = None
        if args.quiesce_wait_time is not None:
            argument = {'quiesce_wait_time': args.quiesce_wait_time}
        session.action('share-replicas', args.replica, 'promote', argument)
        if args.wait:
            _wait(self.app, args, args.replica,
                  lambda r: (r.get('status') == 'available' and
                             r.get('replica_state') == 'active'))


class ResyncReplica(command.Command):
    """Synchronise a replica with the active replica now."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _replica_argument(parser)
        wait.add_arguments(parser, 'the replica is in sync')
        return parser

    def take_action(self, args):
        session = self.app.session
        before = get(session, args.replica)
        session.action('share-replicas', args.replica, 'resync')
        if args.wait:
            # Done when the active replica's manager saved the answer of
            # its driver (each save sets updated_at).
            _wait(self.app, args, args.replica,
                  lambda r: r.get('updated_at') != before.get('updated_at'))


class ReplicaExportLocations(lister.Lister):
    """List a replica's export locations."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _replica_argument(parser)
        return parser

    def take_action(self, args):
        locations = self.app.session.get(
            '/share-replicas/%s/export-locations'
            % args.replica)['export_locations']
        return EXPORT_COLUMNS, list(common.rows(locations, _EXPORT_KEYS))


class ResetReplicaStatus(command.Command):
    """Set a replica's status in the database (administrators)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _replica_argument(parser)
        parser.add_argument('--status', default='available',
                            help='the new status (default %(default)s)')
        return parser

    def take_action(self, args):
        self.app.session.action('share-replicas', args.replica,
                                'reset_status', {'status': args.status})


class ResetReplicaState(command.Command):
    """Set a replica's replica_state in the database (administrators)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _replica_argument(parser)
        parser.add_argument('--state', required=True,
                            choices=('in_sync', 'out_of_sync', 'error'),
                            help='the new replica_state')
        return parser

    def take_action(self, args):
        self.app.session.action('share-replicas', args.replica,
                                'reset_replica_state',
                                {'replica_state': args.state})


class ForceDeleteReplica(command.Command):
    """Delete a replica whatever its status (administrators)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _replica_argument(parser, nargs='+')
        wait.add_arguments(parser, 'the replicas are gone')
        return parser

    def take_action(self, args):
        session = self.app.session
        for replica_id in args.replica:
            session.action('share-replicas', replica_id, 'force_delete')
        if args.wait:
            for replica_id in args.replica:
                wait.until_status(self.app, args, fetch(session, replica_id),
                                  'replica %s' % replica_id,
                                  describe=describe, done=lambda r: False,
                                  failed=lambda r: None, gone_is_done=True)

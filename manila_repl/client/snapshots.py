"""manila-repl snapshot create|list|show|delete (Manila's /v2/snapshots)."""
from cliff import command
from cliff import lister
from cliff import show

from manila_repl.client import common
from manila_repl.client import wait

LIST_COLUMNS = ('ID', 'Name', 'Status', 'Share ID', 'Size', 'Created At')
_LIST_KEYS = ('id', 'name', 'status', 'share_id', 'size', 'created_at')


def fetch(session, snapshot_id):
    return lambda: session.get('/snapshots/%s' % snapshot_id)['snapshot']


def find(session, name_or_id):
    return common.find(session, 'snapshots', 'snapshot', name_or_id,
                       '/snapshots/detail')


class CreateSnapshot(show.ShowOne):
    """Create a snapshot of a share."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('share', metavar='<share>', help='name or ID')
        parser.add_argument('--name', metavar='<name>')
        parser.add_argument('--description', metavar='<description>')
        parser.add_argument('--force', action='store_true',
                            help='snapshot a share that is not available')
        wait.add_arguments(parser, 'the snapshot is available')
        return parser

    def take_action(self, args):
        session = self.app.session
        share = common.find_share(session, args.share)
        body = {'share_id': share['id'], 'force': args.force,
                'name': args.name, 'description': args.description}
        snapshot = session.post('/snapshots', {'snapshot': body})['snapshot']
        if args.wait:
            snapshot = wait.until_status(
                self.app, args, fetch(session, snapshot['id']),
                'snapshot %s' % snapshot['id'])
        snapshot.pop('links', None)
        return common.show(snapshot)


class ListSnapshots(lister.Lister):
    """List snapshots."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('--share', metavar='<share>',
                            help='only the snapshots of this share')
        return parser

    def take_action(self, args):
        session = self.app.session
        params = None
        if args.share:
            params = {'share_id': common.find_share(session,
                                                    args.share)['id']}
        snapshots = session.get('/snapshots/detail', params)['snapshots']
        return LIST_COLUMNS, list(common.rows(snapshots, _LIST_KEYS))


class ShowSnapshot(show.ShowOne):
    """Show a snapshot."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('snapshot', metavar='<snapshot>',
                            help='name or ID')
        return parser

    def take_action(self, args):
        snapshot = dict(find(self.app.session, args.snapshot))
        snapshot.pop('links', None)
        return common.show(snapshot)


class DeleteSnapshot(command.Command):
    """Delete snapshots."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('snapshots', metavar='<snapshot>', nargs='+',
                            help='names or IDs')
        wait.add_arguments(parser, 'the snapshots are gone')
        return parser

    def take_action(self, args):
        session = self.app.session
        ids = []
        for name in args.snapshots:
            snapshot = find(session, name)
            session.delete('/snapshots/%s' % snapshot['id'])
            ids.append(snapshot['id'])
        if args.wait:
            for snapshot_id in ids:
                wait.until_status(self.app, args,
                                  fetch(session, snapshot_id),
                                  'snapshot %s' % snapshot_id, target=None,
                                  errors=('error_deleting',),
                                  gone_is_done=True)

"""manila-repl share create|list|show|delete|extend|shrink."""
from cliff import command
from cliff import lister
from cliff import show

from manila_repl.client import common
from manila_repl.client import http
from manila_repl.client import wait

LIST_COLUMNS = ('ID', 'Name', 'Size', 'Share Proto', 'Status', 'Is Public',
                'Share Type Name', 'Host', 'Availability Zone')
_LIST_KEYS = ('id', 'name', 'size', 'share_proto', 'status', 'is_public',
              'share_type_name', 'host', 'availability_zone')


def fetch(session, share_id):
    return lambda: session.get('/shares/%s' % share_id)['share']


def show_share(session, share):
    share = dict(share)
    share.pop('links', None)
    try:
        locations = session.get('/shares/%s/export_locations'
                                % share['id'])['export_locations']
    except http.ClientError:
        locations = []
    share['export_locations'] = [loc['path'] for loc in locations]
    return common.show(share)


def _add_share_argument(parser, nargs=None):
    parser.add_argument('share', metavar='<share>', nargs=nargs,
                        help='name or ID')


class CreateShare(show.ShowOne):
    """Create a share."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('share_proto', metavar='<share-protocol>',
                            help='NFS, CIFS, ...')
        parser.add_argument('size', metavar='<size>', type=int,
                            help='size in GiB')
        parser.add_argument('--name', metavar='<name>')
        parser.add_argument('--description', metavar='<description>')
        parser.add_argument('--share-type', metavar='<share-type>',
                            help='name or ID')
        parser.add_argument('--availability-zone', metavar='<zone>')
        parser.add_argument('--property', metavar='<key=value>',
                            action='append', default=[],
                            help='metadata (repeat for several)')
        wait.add_arguments(parser, 'the share is available')
        return parser

    def take_action(self, args):
        session = self.app.session
        body = {'share_proto': args.share_proto, 'size': args.size,
                'metadata': common.parse_properties(args.property)}
        for key in ('name', 'description', 'share_type',
                    'availability_zone'):
            if getattr(args, key) is not None:
                body[key] = getattr(args, key)
        share = session.post('/shares', {'share': body})['share']
        if args.wait:
            share = wait.until_status(self.app, args,
                                      fetch(session, share['id']),
                                      'share %s' % share['id'])
        return show_share(session, share)


class ListShares(lister.Lister):
    """List shares."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('--name', metavar='<name>')
        parser.add_argument('--status', metavar='<status>')
        parser.add_argument('--all-projects', action='store_true')
        return parser

    def take_action(self, args):
        params = {}
        if args.name:
            params['name'] = args.name
        if args.status:
            params['status'] = args.status
        if args.all_projects:
            params['all_tenants'] = 1
        shares = self.app.session.get('/shares/detail', params)['shares']
        if args.name:
            shares = [s for s in shares if s.get('name') == args.name]
        if args.status:
            shares = [s for s in shares if s.get('status') == args.status]
        return LIST_COLUMNS, list(common.rows(shares, _LIST_KEYS))


class ShowShare(show.ShowOne):
    """Show a share, with its export locations."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _add_share_argument(parser)
        return parser

    def take_action(self, args):
        session = self.app.session
        return show_share(session, common.find_share(session, args.share))


class DeleteShare(command.Command):
    """Delete shares."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _add_share_argument(parser, nargs='+')
        parser.add_argument('--force', action='store_true',
                            help='force-delete (administrators)')
        wait.add_arguments(parser, 'the shares are gone')
        return parser

    def take_action(self, args):
        session = self.app.session
        ids = []
        for name in args.share:
            share = common.find_share(session, name)
            if args.force:
                session.action('shares', share['id'], 'force_delete')
            else:
                session.delete('/shares/%s' % share['id'])
            ids.append(share['id'])
        if args.wait:
            for share_id in ids:
                wait.until_status(self.app, args, fetch(session, share_id),
                                  'share %s' % share_id,
                                  target=None, errors=('error_deleting',),
                                  gone_is_done=True)


class _Resize(command.Command):
    action = None
    errors = ()

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _add_share_argument(parser)
        parser.add_argument('new_size', metavar='<new-size>', type=int,
                            help='new size in GiB')
        wait.add_arguments(parser, 'the share is available again')
        return parser

    def argument(self, args):
        return {'new_size': args.new_size}

    def take_action(self, args):
        session = self.app.session
        share = common.find_share(session, args.share)
        session.action('shares', share['id'], self.action,
                       self.argument(args))
        if args.wait:
            # The API marks the share extending/shrinking before it answers,
            # so "available" again means the resize ended; a refused one
            # (shrinking would lose data) ends available at the old size.
            final = wait.until_status(
                self.app, args, fetch(session, share['id']),
                'share %s' % share['id'], errors=self.errors)
            if final and final.get('size') != args.new_size:
                raise wait.WaitError(wait.explained(
                    'share %s: the %s to %d GiB was refused; it is still '
                    '%s GiB' % (share['id'], self.action, args.new_size,
                                final.get('size')),
                    wait.newest_message(self.app, share['id'])))


class ExtendShare(_Resize):
    """Grow a share."""

    action = 'extend'
    errors = ('extending_error', 'error')

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('--force', action='store_true',
                            help='bypass quotas (administrators, 2.64+)')
        return parser

    def argument(self, args):
        body = super().argument(args)
        if args.force:
            body['force'] = True
        return body


class ShrinkShare(_Resize):
    """Shrink a share."""

    action = 'shrink'
    errors = ('shrinking_error', 'shrinking_possible_data_loss_error',
              'error')

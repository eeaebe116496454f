"""manila-repl type create|list|show|delete|set|unset (share types)."""
from cliff import command
from cliff import lister
from cliff import show
from oslo_utils import strutils

from manila_repl.client import common

COLUMNS = ('ID', 'Name', 'Visibility', 'Is Default', 'Required Extra Specs',
           'Optional Extra Specs', 'Description')


def _row(share_type):
    """OSC's share type columns: visibility, required and optional specs."""
    specs = dict(share_type.get('extra_specs') or {})
    required = dict(share_type.get('required_extra_specs') or {})
    optional = {k: v for k, v in specs.items() if k not in required}
    public = share_type.get('share_type_access:is_public',
                            share_type.get('os-share-type-access:is_public'))
    return (share_type['id'], share_type['name'],
            'public' if public else 'private',
            share_type.get('is_default'), common.DictColumn(required),
            common.DictColumn(optional), share_type.get('description'))


def _bool_spec(value, name):
    if not strutils.is_valid_boolstr(value):
        raise ValueError('%s must be true or false, not %r' % (name, value))
    return str(strutils.bool_from_string(value)).lower()


class CreateType(show.ShowOne):
    """Create a share type."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('name', metavar='<name>')
        parser.add_argument(
            'driver_handles_share_servers', metavar='<dhss>', nargs='?',
            default='false',
            help='driver_handles_share_servers (default false; only false '
                 'is served)')
        parser.add_argument(
            '--replication-type', choices=('readable', 'dr', 'writable'),
            help='the replication_type extra spec')
        parser.add_argument(
            '--snapshot-support', metavar='<true|false>',
            help='the snapshot_support extra spec')
        parser.add_argument(
            '--extra-specs', metavar='<key=value>', nargs='*', default=[],
            action='extend', help='more extra specs')
        parser.add_argument('--description', metavar='<description>')
        visibility = parser.add_mutually_exclusive_group()
        visibility.add_argument('--public', dest='public', default=True,
                                action='store_true',
                                help='visible to every project (default)')
        visibility.add_argument('--private', dest='public',
                                action='store_false')
        return parser

    def take_action(self, args):
        specs = common.parse_properties(args.extra_specs, '--extra-specs')
        specs['driver_handles_share_servers'] = _bool_spec(
            args.driver_handles_share_servers, 'driver_handles_share_servers')
        if args.replication_type:
            specs['replication_type'] = args.replication_type
        if args.snapshot_support is not None:
            specs['snapshot_support'] = _bool_spec(args.snapshot_support,
                                                   'snapshot_support')
        body = {'name': args.name, 'extra_specs': specs,
                'share_type_access:is_public': args.public}
        if args.description is not None:
            body['description'] = args.description
        share_type = self.app.session.post(
            '/types', {'share_type': body})['share_type']
        return COLUMNS, _row(share_type)


class ListTypes(lister.Lister):
    """List share types."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('--all', action='store_true',
                            help='also private types (administrators)')
        return parser

    def take_action(self, args):
        params = {'is_public': 'all'} if args.all else None
        types = self.app.session.get('/types', params)['share_types']
        return COLUMNS, [_row(t) for t in types]


class ShowType(show.ShowOne):
    """Show a share type."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('share_type', metavar='<share-type>',
                            help='name or ID')
        return parser

    def take_action(self, args):
        return COLUMNS, _row(common.find_type(self.app.session,
                                              args.share_type))


class DeleteType(command.Command):
    """Delete share types."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('share_types', metavar='<share-type>', nargs='+',
                            help='names or IDs')
        return parser

    def take_action(self, args):
        session = self.app.session
        for name in args.share_types:
            share_type = common.find_type(session, name)
            session.delete('/types/%s' % share_type['id'])


class SetType(command.Command):
    """Set extra specs of a share type."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('share_type', metavar='<share-type>')
        parser.add_argument('--extra-specs', metavar='<key=value>',
                            nargs='+', action='extend', required=True)
        return parser

    def take_action(self, args):
        session = self.app.session
        specs = common.parse_properties(args.extra_specs, '--extra-specs')
        share_type = common.find_type(session, args.share_type)
        session.post('/types/%s/extra_specs' % share_type['id'],
                     {'extra_specs': specs})


class UnsetType(command.Command):
    """Remove extra specs of a share type."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('share_type', metavar='<share-type>')
        parser.add_argument('keys', metavar='<key>', nargs='+')
        return parser

    def take_action(self, args):
        session = self.app.session
        share_type = common.find_type(session, args.share_type)
        for key in args.keys:
            session.delete('/types/%s/extra_specs/%s'
                           % (share_type['id'], key))

"""manila-repl pool list (the scheduler's pools; administrators)."""
from cliff import lister

from manila_repl.client import common

COLUMNS = ('Name', 'Host', 'Backend', 'Pool')


class ListPools(lister.Lister):
    """List the pools the scheduler knows."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('--detail', action='store_true',
                            help='with the capabilities')
        parser.add_argument('--share-type', metavar='<share-type>',
                            help='only pools that can hold this type')
        return parser

    def take_action(self, args):
        path = '/scheduler-stats/pools'
        if args.detail:
            path += '/detail'
        params = {'share_type': args.share_type} if args.share_type else None
        pools = self.app.session.get(path, params)['pools']
        keys = ('name', 'host', 'backend', 'pool')
        if not args.detail:
            return COLUMNS, list(common.rows(pools, keys))
        return (COLUMNS + ('Capabilities',),
                [tuple(p.get(k) for k in keys) +
                 (common.DictColumn(p.get('capabilities')),)
                 for p in pools])

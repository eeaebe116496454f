"""manila-repl service list (administrators)."""
from cliff import lister

from manila_repl.client import common

COLUMNS = ('ID', 'Binary', 'Host', 'Zone', 'Status', 'State', 'Updated At',
           'State Reason')
_KEYS = ('id', 'binary', 'host', 'zone', 'status', 'state', 'updated_at',
         'state_reason')


class ListServices(lister.Lister):
    """List the services and whether each is up."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('--host', metavar='<host>')
        parser.add_argument('--binary', metavar='<binary>')
        return parser

    def take_action(self, args):
        params = {k: getattr(args, k) for k in ('host', 'binary')
                  if getattr(args, k)}
        services = self.app.session.get('/services',
                                        params or None)['services']
        for key, value in params.items():
            services = [s for s in services if s.get(key) == value]
        return COLUMNS, list(common.rows(services, _KEYS))

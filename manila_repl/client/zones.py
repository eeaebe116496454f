"""manila-repl az list."""
from cliff import lister

from manila_repl.client import common

# As `openstack share availability zone list` spells them.
COLUMNS = ('Id', 'Name', 'Created At', 'Updated At')
_KEYS = ('id', 'name', 'created_at', 'updated_at')


class ListZones(lister.Lister):
    """List availability zones."""

    def take_action(self, args):
        zones = self.app.session.get('/availability-zones')[
            'availability_zones']
        return COLUMNS, list(common.rows(zones, _KEYS))

"""Policy rules: Share instances (administrators)."""
from manila_repl.policies import base

SHARE_INSTANCE_INDEX = 'share_instance:index'
SHARE_INSTANCE_SHOW = 'share_instance:show'
SHARE_INSTANCE_EXPORT_LOCATION_INDEX = 'share_instance_export_location:index'

rules = [
    base.rule(SHARE_INSTANCE_INDEX, base.ADMIN_API,
              'List share instances.',
              [('GET', '/v2/share_instances'),
               ('GET', '/v2/shares/{share_id}/instances')]),
    base.rule(SHARE_INSTANCE_SHOW, base.ADMIN_API,
              'Show a share instance.',
              [('GET', '/v2/share_instances/{instance_id}')]),
    base.rule(SHARE_INSTANCE_EXPORT_LOCATION_INDEX, base.ADMIN_API,
              'List the export locations of a share instance.',
              [('GET', '/v2/share_instances/{instance_id}/export_locations')]),
]


def list_rules():
    return rules

"""Policy rules: Availability zones."""
from manila_repl.policies import base

AVAILABILITY_ZONE_INDEX = 'availability_zone:index'

rules = [
    base.rule(AVAILABILITY_ZONE_INDEX, base.ADMIN_OR_READER,
              'List availability zones.',
              [('GET', '/v2/availability-zones'),
               ('GET', '/v2/os-availability-zone')]),
]


def list_rules():
    return rules

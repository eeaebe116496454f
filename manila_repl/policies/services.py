"""Policy rules: Services (administrators)."""
from manila_repl.policies import base

SERVICE_INDEX = 'service:index'

rules = [
    base.rule(SERVICE_INDEX, base.ADMIN_API,
              'List services.',
              [('GET', '/v2/services'), ('GET', '/v2/os-services')]),
]


def list_rules():
    return rules

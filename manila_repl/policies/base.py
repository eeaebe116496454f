"""Check strings shared by every resource's rules."""
from oslo_policy import policy

RULE_ADMIN_API = 'rule:admin_api'
RULE_DEFAULT = 'rule:default'
ADMIN = 'role:admin'

rules = [
    policy.RuleDefault(
        name='admin_api', check_str=ADMIN,
        description='Administrators only.'),
    policy.RuleDefault(
        name='default', check_str='',
        description='Any authenticated caller; which resources it sees is '
                    'limited to its project by the API itself.'),
]


def list_rules():
    return rules

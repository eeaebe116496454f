"""Manila's personas and the check strings every resource's rules use.

A project **reader** lists and shows; a project **member** also creates,
changes and deletes; an **admin** does everything, in every project.
Keystone's default role implications (admin -> member -> reader) give a
member token the reader role too; without them (noauth, ``X-Roles``) the
checks below name every role that may read. Which resources a caller sees
is limited to its project by the API's queries; the project_id checks
hold for a target from another project too.
"""
from oslo_policy import policy

#: Every rule is project-scoped, as Manila's.
PROJECT_SCOPE = ['project']

ADMIN = 'role:admin'
PROJECT_MEMBER = 'role:member and project_id:%(project_id)s'
PROJECT_READER = ('(role:reader or role:member) and '
                  'project_id:%(project_id)s')

ADMIN_API = 'rule:admin_api'
ADMIN_OR_MEMBER = 'rule:admin_or_member'
ADMIN_OR_READER = 'rule:admin_or_reader'
#: Older names, kept for policy files that refer to them.
RULE_ADMIN_API = ADMIN_API
RULE_DEFAULT = 'rule:default'

rules = [
    policy.RuleDefault(
        name='admin_api', check_str=ADMIN,
        description='Administrators only.', scope_types=PROJECT_SCOPE),
    policy.RuleDefault(
        name='project_member', check_str=PROJECT_MEMBER,
        description='A member of the project.',
        scope_types=PROJECT_SCOPE),
    policy.RuleDefault(
        name='project_reader', check_str=PROJECT_READER,
        description='A reader (or member) of the project.',
        scope_types=PROJECT_SCOPE),
    policy.RuleDefault(
        name='admin_or_member', check_str='rule:admin_api or '
                                          'rule:project_member',
        description='What changes a resource: administrators and members.',
        scope_types=PROJECT_SCOPE),
    policy.RuleDefault(
        name='admin_or_reader', check_str='rule:admin_api or '
                                          'rule:project_member or '
                                          'rule:project_reader',
        description='What only reads: administrators, members, readers.',
        scope_types=PROJECT_SCOPE),
    policy.RuleDefault(
        name='default', check_str=ADMIN_OR_MEMBER,
        description='Any rule not given a default here.',
        scope_types=PROJECT_SCOPE),
]


def rule(name, check_str, description, operations):
    """A documented, project-scoped rule; ``operations``: (method, path)
    pairs."""
    return policy.DocumentedRuleDefault(
        name=name, check_str=check_str, description=description,
        operations=[{'method': m, 'path': p} for m, p in operations],
        scope_types=PROJECT_SCOPE)


def list_rules():
    return rules

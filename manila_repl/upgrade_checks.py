"""``manila-repl-manage upgrade check`` (oslo.upgradecheck): whether this
deployment is ready to run the installed code. Exit status 0 success, 1
warning, 2 failure, as in every OpenStack service's ``upgrade check``.
"""
from oslo_upgradecheck import common_checks
from oslo_upgradecheck import upgradecheck

from manila_repl import constants
from manila_repl.conf import CONF

Code = upgradecheck.Code
Result = upgradecheck.Result


def schema():
    """The database is at the newest migration."""
    from manila_repl.db import migration

    try:
        current = migration.version()
    except Exception as e:
        return Result(Code.FAILURE, 'The database cannot be read: %s'
                      % (str(e).splitlines() or [e])[0])
    head = migration.head()
    if current != head:
        return Result(Code.FAILURE, 'The database is at revision %s, the '
                      'code needs %s: run "manila-repl-manage db sync".' %
                      (current, head))
    return Result(Code.SUCCESS, 'Revision %s.' % head)


def instance_backends():
    """Every backend holding share instances has a share service (up or
    down): an instance on a backend no service reports is worked on by
    nobody."""
    from manila_repl.db import instance_hosts
    from manila_repl.db import services

    known = services.hosts(constants.BINARY_SHARE)
    orphans = {backend: count for backend, count in
               instance_hosts.backends().items() if backend not in known}
    if orphans:
        return Result(Code.FAILURE, 'Share instances on backends no share '
                      'service reports: %s. Start their manila-repl-share, '
                      'or move them with "manila-repl-manage share '
                      'update-host --from OLD --to NEW".' % ', '.join(
                          '%s (%d)' % item for item in sorted(
                              orphans.items())))
    return Result(Code.SUCCESS)


def policy_file():
    """The policy file, if there is one, loads and names known rules."""
    from oslo_policy import policy

    from manila_repl import policies

    enforcer = policy.Enforcer(CONF)
    path = CONF.find_file(CONF.oslo_policy.policy_file)
    if path is None:
        return Result(Code.SUCCESS, 'No policy file: the defaults apply.')
    json_check = common_checks.check_policy_json(None, CONF)
    if json_check.code != Code.SUCCESS:
        return json_check
    defaults = policies.list_rules()
    enforcer.register_defaults(defaults)
    try:
        enforcer.load_rules(force_reload=True)
    except Exception as e:
        return Result(Code.FAILURE, '%s does not load: %s' % (path, e))
    if not enforcer.check_rules(raise_on_violation=False):
        return Result(Code.FAILURE, '%s has rules that refer to undefined '
                      'rules or to themselves (see the log).' % path)
    known = {rule.name for rule in defaults}
    unknown = sorted(set(enforcer.file_rules) - known)
    if unknown:
        return Result(Code.WARNING, '%s sets rules this service does not '
                      'have (misspelt?): %s.' % (path, ', '.join(unknown)))
    return Result(Code.SUCCESS, path)


class Checks(upgradecheck.UpgradeCommands):
    _upgrade_checks = (
        ('Database schema', lambda self: schema()),
        ('Backends of share instances', lambda self: instance_backends()),
        ('Policy file', lambda self: policy_file()),
    )

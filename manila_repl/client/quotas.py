"""manila-repl quota show|set (Manila's /v2/quota-sets/{project_id})."""
from cliff import show

from manila_repl.client import common
from manila_repl.client import http

RESOURCES = ('shares', 'gigabytes', 'snapshots', 'snapshot_gigabytes',
             'share_replicas', 'replica_gigabytes', 'share_networks',
             'share_groups', 'share_group_snapshots',
             'per_share_gigabytes', 'backups', 'backup_gigabytes')


def _project(app, project):
    project = project or app.project_id()
    if not project:
        raise http.ClientError('give the project: cannot tell it from the '
                               'token')
    return project


def _show(quota_set):
    quota_set = dict(quota_set)
    return common.show(quota_set)


class ShowQuota(show.ShowOne):
    """Show the quotas of a project (default: the caller's)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('project', metavar='<project>', nargs='?')
        which = parser.add_mutually_exclusive_group()
        which.add_argument('--defaults', action='store_true',
                           help="the defaults instead of the project's")
        which.add_argument('--detail', action='store_true',
                           help='usage and reservations too')
        return parser

    def take_action(self, args):
        path = '/quota-sets/%s' % _project(self.app, args.project)
        if args.defaults:
            path += '/defaults'
        elif args.detail:
            path += '/detail'
        return _show(self.app.session.get(path)['quota_set'])


class SetQuota(show.ShowOne):
    """Set quotas of a project (administrators)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('project', metavar='<project>')
        for name in RESOURCES:
            parser.add_argument('--' + name.replace('_', '-'), dest=name,
                                type=int, metavar='<n>')
        parser.add_argument('--force', action='store_true',
                            help='even below the current usage')
        return parser

    def take_action(self, args):
        body = {name: getattr(args, name) for name in RESOURCES
                if getattr(args, name) is not None}
        if not body:
            raise http.ClientError('give at least one quota to set, e.g. '
                                   '--shares 10')
        if args.force:
            body['force'] = True
        quota_set = self.app.session.put(
            '/quota-sets/%s' % args.project, {'quota_set': body})
        return _show(quota_set['quota_set'])

"""manila-repl share access create|list|delete (access rules)."""
from cliff import command
from cliff import lister
from cliff import show

from manila_repl.client import common
from manila_repl.client import wait

LIST_COLUMNS = ('ID', 'Access Type', 'Access To', 'Access Level', 'State',
                'Access Key', 'Created At', 'Updated At')
_LIST_KEYS = ('id', 'access_type', 'access_to', 'access_level', 'state',
              'access_key', 'created_at', 'updated_at')


def fetch(session, access_id):
    return lambda: session.get('/share-access-rules/%s'
                               % access_id)['access']


def _describe(rule):
    return rule.get('state') or '?'


class CreateAccess(show.ShowOne):
    """Allow access to a share."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('share', metavar='<share>', help='name or ID')
        parser.add_argument('access_type', metavar='<access-type>',
                            help='ip, user, cert or cephx')
        parser.add_argument('access_to', metavar='<access-to>',
                            help='e.g. 10.0.0.0/24')
        parser.add_argument('--access-level', choices=('rw', 'ro'),
                            default='rw',
                            help='read-write or read-only (default rw)')
        parser.add_argument('--property', metavar='<key=value>',
                            action='append', default=[],
                            help='metadata of the rule')
        wait.add_arguments(parser, 'the rule is active')
        return parser

    def take_action(self, args):
        session = self.app.session
        share = common.find_share(session, args.share)
        body = {'access_type': args.access_type,
                'access_to': args.access_to,
                'access_level': args.access_level}
        metadata = common.parse_properties(args.property)
        if metadata:
            body['metadata'] = metadata
        rule = session.action('shares', share['id'], 'allow_access',
                              body)['access']
        if args.wait:
            rule = wait.wait_for(
                fetch(session, rule['id']), _describe,
                lambda r: r.get('state') == 'active',
                lambda r: wait.failure(r, ('error',), key='state'),
                'access rule %s' % rule['id'], timeout=args.timeout,
                interval=self.app.options.poll_interval,
                explain=lambda r: wait.newest_message(self.app,
                                                      share['id']))
        return common.show(rule)


class ListAccess(lister.Lister):
    """List the access rules of a share."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('share', metavar='<share>', help='name or ID')
        return parser

    def take_action(self, args):
        session = self.app.session
        share = common.find_share(session, args.share)
        rules = session.get('/share-access-rules',
                            {'share_id': share['id']})['access_list']
        return LIST_COLUMNS, list(common.rows(rules, _LIST_KEYS))


class DeleteAccess(command.Command):
    """Deny access to a share (delete an access rule)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('share', metavar='<share>', help='name or ID')
        parser.add_argument('access_id', metavar='<access-id>')
        wait.add_arguments(parser, 'the rule is gone')
        return parser

    def take_action(self, args):
        session = self.app.session
        share = common.find_share(session, args.share)
        session.action('shares', share['id'], 'deny_access',
                       {'access_id': args.access_id})
        if args.wait:
            wait.wait_for(
                fetch(session, args.access_id), _describe,
                lambda r: False,
                lambda r: wait.failure(r, ('error',), key='state'),
                'access rule %s' % args.access_id, timeout=args.timeout,
                interval=self.app.options.poll_interval, gone_is_done=True,
                explain=lambda r: wait.newest_message(self.app,
                                                      share['id']))

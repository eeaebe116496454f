"""manila-repl message list|show|delete (Manila's /v2/messages, 2.37+):
why an asynchronous operation of the project failed."""
from cliff import command
from cliff import lister
from cliff import show

from manila_repl.client import common
from manila_repl.client import http

LIST_COLUMNS = ('ID', 'Resource Type', 'Resource ID', 'Action ID',
                'User Message', 'Detail ID', 'Created At')
_LIST_KEYS = ('id', 'resource_type', 'resource_id', 'action_id',
              'user_message', 'detail_id', 'created_at')
#: What ``message show`` shows, in this order.
SHOW_FIELDS = ('id', 'resource_type', 'resource_id', 'action_id',
               'user_message', 'message_level', 'detail_id', 'created_at',
               'expires_at', 'request_id', 'project_id')
#: option -> query parameter of the list.
_FILTERS = {'resource_id': 'resource_id', 'resource_type': 'resource_type',
            'action_id': 'action_id', 'detail_id': 'detail_id',
            'request_id': 'request_id', 'message_level': 'message_level',
            'limit': 'limit', 'since': 'created_since',
            'before': 'created_before'}


def newest(session, resource_id):
    """The newest message about ``resource_id``: its text, or None (none,
    or the service cannot say)."""
    if not resource_id:
        return None
    try:
        found = session.get('/messages', {
            'resource_id': resource_id, 'sort_key': 'created_at',
            'sort_dir': 'desc', 'limit': 1})['messages']
    except (http.ClientError, KeyError, TypeError):
        return None
    return found[0].get('user_message') if found else None


class ListMessages(lister.Lister):
    """List the user messages of the project (newest first)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('--resource-id', metavar='<id>',
                            help='about this share, replica or snapshot')
        parser.add_argument('--resource-type', metavar='<type>',
                            help='SHARE, SHARE_REPLICA or SHARE_SNAPSHOT')
        parser.add_argument('--action-id', metavar='<id>',
                            help="e.g. 001 (allocate host), 002 (create)")
        parser.add_argument('--detail-id', metavar='<id>')
        parser.add_argument('--request-id', metavar='<id>',
                            help='messages of this request (req-...)')
        parser.add_argument('--message-level', metavar='<level>')
        parser.add_argument('--limit', type=int, metavar='<n>')
        parser.add_argument('--since', metavar='<time>',
                            help='created at or after this ISO 8601 time')
        parser.add_argument('--before', metavar='<time>',
                            help='created at or before this ISO 8601 time')
        return parser

    def take_action(self, args):
        params = {query: getattr(args, option)
                  for option, query in _FILTERS.items()
                  if getattr(args, option) is not None}
        found = self.app.session.get('/messages', params or None)
        return LIST_COLUMNS, list(common.rows(found['messages'],
                                              _LIST_KEYS))


class ShowMessage(show.ShowOne):
    """Show a user message."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('message', metavar='<message>', help='ID')
        return parser

    def take_action(self, args):
        message = self.app.session.get('/messages/%s'
                                       % args.message)['message']
        return common.show(message, order=SHOW_FIELDS)


class DeleteMessage(command.Command):
    """Delete user messages."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('messages', metavar='<message>', nargs='+',
                            help='ID')
        return parser

    def take_action(self, args):
        for message_id in args.messages:
            self.app.session.delete('/messages/%s' % message_id)

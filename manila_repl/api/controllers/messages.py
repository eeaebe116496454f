"""/v2/messages: user messages (2.37+; ``created_since`` and
``created_before`` from 2.52). A project sees its own messages; an
administrator sees every project's."""
import pecan
from pecan import rest

from manila_repl import api
from manila_repl.api import listing as list_params
from manila_repl.api import method, microversion
from manila_repl.api.views import messages as views
from manila_repl import messages
from manila_repl.policies import messages as policy

MIN_VERSION = '2.37'


class MessagesController(rest.RestController):
    """/v2/messages"""

    @method.expose()
    @microversion.api_version(MIN_VERSION)
    def get_all(self):
        ctx = api.context()
        ctx.can(policy.MESSAGE_GET_ALL)
        rows = messages.list_messages(
            list_params.from_request(ctx, 'messages'))
        return views.index(pecan.request, rows)

    @method.expose()
    @microversion.api_version(MIN_VERSION)
    def get_one(self, message_id):
        ctx = api.context()
        ctx.can(policy.MESSAGE_GET)
        return views.show(pecan.request, messages.get(ctx, message_id))

    @method.expose(204)
    @microversion.api_version(MIN_VERSION)
    def delete(self, message_id):
        ctx = api.context()
        ctx.can(policy.MESSAGE_DELETE)
        messages.delete(ctx, message_id)

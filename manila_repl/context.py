"""Request context, carried over RPC as a dict."""
from oslo_context import context


class RequestContext(context.RequestContext):
    """oslo.context's context; ``is_admin`` follows the admin role."""

    def __init__(self, is_admin=None, **kwargs):
        super().__init__(**kwargs)
        if is_admin is None:
            is_admin = 'admin' in (self.roles or [])
        self.is_admin = is_admin

    def to_dict(self):
        values = super().to_dict()
        values['is_admin'] = self.is_admin
        return values

    @classmethod
    def from_dict(cls, values, **kwargs):
        kwargs.setdefault('is_admin', values.get('is_admin'))
        return super().from_dict(values, **kwargs)

    def can(self, action, target=None, fatal=True):
        """Check policy ``action``: raises PolicyNotAuthorized (403) when
        not allowed and ``fatal``, else returns whether it is allowed."""
        from manila_repl import policies
        return policies.authorize(self, action, target, fatal=fatal)

    def elevated(self):
        ctx = self.from_dict(self.to_dict())
        ctx.is_admin = True
        if 'admin' not in ctx.roles:
            ctx.roles = list(ctx.roles) + ['admin']
        return ctx


def get_admin_context():
    return RequestContext(is_admin=True, roles=['admin'], overwrite=False)

"""oslo.messaging plumbing: one transport per process, contexts as dicts.

Servers are created without an executor argument: with the threading
backend oslo.messaging picks its thread pool executor itself.
"""
import threading

import kombu.exceptions
import oslo_messaging as messaging

from manila_repl.conf import CONF
from manila_repl import context as ctx_mod
from manila_repl import metrics

SCHEDULER_TOPIC = 'manila-repl-scheduler'
SHARE_TOPIC = 'manila-repl-share'

#: What sending raises when the message bus cannot be reached (opening a
#: connection lets kombu's errors through oslo.messaging).
BUS_ERRORS = (messaging.MessagingException, kombu.exceptions.KombuError,
              OSError)

_lock = threading.Lock()
_transport = None


class ContextSerializer(messaging.NoOpSerializer):
    def serialize_context(self, context):
        return context.to_dict()

    def deserialize_context(self, context):
        return ctx_mod.RequestContext.from_dict(context)


def get_transport():
    global _transport
    with _lock:
        if _transport is None:
            _transport = messaging.get_rpc_transport(CONF)
        return _transport


def reset():
    """Drop the transport (tests, and process shutdown)."""
    global _transport
    with _lock:
        if _transport is not None:
            _transport.cleanup()
        _transport = None


def get_server(target, endpoints):
    return messaging.get_rpc_server(get_transport(), target, endpoints,
                                    serializer=ContextSerializer())


def get_client(target, version_cap=None):
    client = messaging.get_rpc_client(get_transport(), target,
                                      version_cap=version_cap,
                                      serializer=ContextSerializer())
    if metrics.get() is None:
        return client
    return CountingClient(client, target.topic)


class CountingClient:
    """An RPC client whose failed casts and calls are counted (metrics.py)
    by topic and method: timeouts apart from other errors."""

    def __init__(self, client, topic, cctxt=None):
        self._client = client
        self._topic = topic
        self._cctxt = cctxt if cctxt is not None else client

    def prepare(self, **kwargs):
        return CountingClient(self._client, self._topic,
                              self._cctxt.prepare(**kwargs))

    def can_send_version(self, version):
        return self._cctxt.can_send_version(version)

    def _counted(self, send, method, ctxt, kwargs):
        try:
            return send(ctxt, method, **kwargs)
        except messaging.MessagingTimeout:
            metrics.rpc_failed(self._topic, method, timed_out=True)
            raise
        except Exception:
            metrics.rpc_failed(self._topic, method, timed_out=False)
            raise

    def cast(self, ctxt, method, **kwargs):
        return self._counted(self._cctxt.cast, method, ctxt, kwargs)

    def call(self, ctxt, method, **kwargs):
        return self._counted(self._cctxt.call, method, ctxt, kwargs)


def set_defaults(transport_url):
    """The transport to use when the config names none."""
    messaging.set_transport_defaults('manila_repl')
    # parse() registers oslo.messaging's transport options (whose own
    # default is rabbit://), so that ours can replace that default.
    messaging.TransportURL.parse(CONF)
    CONF.set_default('transport_url', transport_url)

"""Child processes of drivers die with the share manager that started them.

A share manager killed with SIGKILL cannot stop its children. Left alone,
an ``rsync`` or a ``btrfs send | btrfs receive`` keeps writing into the
staging area that the redo of the same work (by the restarted manager, or
by the sweep of another) writes into too. So every data mover a driver
starts gets, before it executes:

- ``PR_SET_PDEATHSIG`` = SIGKILL (Linux): the kernel kills it when the
  thread that started it ends. That thread waits for the child, so it
  ends early only when the whole manager dies. The child checks that its
  parent is still the manager right after setting it: a manager that died
  in between leaves no child behind either;
- a process group of its own: a signal meant for the manager's group (a
  terminal's Ctrl-C, a service manager stopping it) does not cut a
  transfer midway, and a child's own forks can be signalled as one.

Where prctl is missing (not Linux) children start as before.
"""
import ctypes
import functools
import os
import signal

_PR_SET_PDEATHSIG = 1

try:
    # Resolved here, in the parent: the child only calls it.
    _prctl = ctypes.CDLL(None, use_errno=True).prctl
    _prctl.argtypes = (ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong,
                       ctypes.c_ulong, ctypes.c_ulong)
except (AttributeError, OSError):
    _prctl = None


def _die_with(parent_pid):
    """In the child, between fork and exec: nothing that takes a lock."""
    _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent_pid:
        os._exit(137)


def popen_kwargs():
    """Keyword arguments for subprocess.Popen/run of a data mover."""
    kwargs = {'process_group': 0}
    if _prctl is not None:
        kwargs['preexec_fn'] = functools.partial(_die_with, os.getpid())
    return kwargs

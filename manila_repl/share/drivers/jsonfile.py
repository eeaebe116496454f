"""Small JSON state files kept by drivers (fake, localdir)."""
import json
import os
import threading


def read(path):
    """The file's content, or None when it does not exist."""
    try:
        with open(path) as f:
            return json.load(f)
    except FileNotFoundError:
        return None


def write(path, data):
    """Replace the file atomically: readers see the old or the new one.
    The temporary name is the writer's own: two threads or processes
    writing one file at once never share it."""
    tmp = '%s.%d-%d.tmp' % (path, os.getpid(), threading.get_native_id())
    with open(tmp, 'w') as f:
        json.dump(data, f)
    os.replace(tmp, path)

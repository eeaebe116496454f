"""The marker and gate files of a fake backend's driver (fake.py), for
tests that stop something at an exact point of a flow: no sleeps."""
import json
import os


class FakeBackend:
    def __init__(self, dep, name):
        self.dep = dep
        self.name = name
        self.dir = os.path.join(dep.tmp, 'fake', name)

    def close(self, method):
        """Calls of ``method`` on this backend wait from now on."""
        with open(os.path.join(self.dir, 'gate-' + method), 'w'):
            pass

    def open(self, method):
        try:
            os.unlink(os.path.join(self.dir, 'gate-' + method))
        except FileNotFoundError:
            pass

    def open_all(self):
        for name in os.listdir(self.dir):
            if name.startswith('gate-'):
                self.open(name[len('gate-'):])

    def wait_inside(self, method, instance_id):
        """Until this backend's manager is inside ``method`` for
        ``instance_id`` (held at the gate, if closed)."""
        path = os.path.join(self.dir, 'inside-' + method)

        def inside():
            try:
                with open(path) as f:
                    return instance_id in json.load(f)['ids']
            except (FileNotFoundError, ValueError):
                return False
        self.dep.api.wait(inside, '%s inside %s for %s' % (
            self.name, method, instance_id))

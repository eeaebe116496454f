"""Share drivers, loaded by entry-point name (setup.cfg)."""
from stevedore import driver as stevedore_driver

NAMESPACE = 'manila_repl.share.drivers'


def driver_class(name):
    """The driver class registered as ``name`` (not instantiated)."""
    return stevedore_driver.DriverManager(NAMESPACE, name,
                                          invoke_on_load=False).driver

"""Scheduler weighers, loaded by entry-point name."""


class BaseWeigher:
    #: Multiplies the normalised weight; several weighers add up.
    multiplier = 1.0

    def weigh(self, pool, spec):
        raise NotImplementedError

"""fast_histogram exposes what prometheus_client's Histogram exposes for
the same observations (scraped and parsed as Prometheus would)."""
import threading

import prometheus_client as pc
from prometheus_client import parser
import pytest

from manila_repl import fast_histogram

BUCKETS = (.005, .01, .05, 1, 60)
VALUES = (0, .005, .0051, .3, 1, 59.9, 60, 61, 1e9)


def scraped(registry):
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in parser.text_string_to_metric_families(
                pc.generate_latest(registry).decode())
            for s in family.samples if not s.name.endswith('_created')}


def test_the_same_samples_as_prometheus_clients_histogram():
    theirs, ours = pc.CollectorRegistry(), pc.CollectorRegistry()
    reference = pc.Histogram('x_seconds', 'doc', ['backend'],
                             buckets=BUCKETS, registry=theirs)
    fast = fast_histogram.Histogram('x_seconds', 'doc', ['backend'],
                                    BUCKETS, ours)
    for value in VALUES:
        reference.labels('a').observe(value)
        fast.labels('a').observe(value)
    for value in VALUES[:3]:
        reference.labels('b').observe(value)
    fast.labels('b').observe_many(VALUES[:3])
    assert scraped(ours) == scraped(theirs)
    assert ours.get_sample_value('x_seconds_count', {'backend': 'a'}) == \
        len(VALUES)


def test_concurrent_observations_are_all_counted():
    registry = pc.CollectorRegistry()
    child = fast_histogram.Histogram('y_seconds', 'doc', ['m'], BUCKETS,
                                     registry).labels('m')

    def observe():
        for _ in range(2000):
            child.observe(.02)
        child.observe_many([.02] * 2000)
    threads = [threading.Thread(target=observe) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert registry.get_sample_value('y_seconds_count', {'m': 'm'}) == 16000
    assert registry.get_sample_value(
        'y_seconds_bucket', {'m': 'm', 'le': '0.01'}) == 0


def test_labels_are_checked():
    histogram = fast_histogram.Histogram(
        'z_seconds', 'doc', ['backend', 'method'], BUCKETS,
        pc.CollectorRegistry())
    with pytest.raises(ValueError):
        histogram.labels('only-one')

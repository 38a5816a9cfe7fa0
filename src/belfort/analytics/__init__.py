"""Analytics on decoded pictures: pure detectors (numpy arrays in, findings out).

Nothing here reads a camera, a file or the database: the capabilities that act on a finding
(an alarm, a search index) feed the pictures in and decide what a finding means.
"""

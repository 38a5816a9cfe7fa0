"""Automatic number plate recognition: reading plates, matching them against hotlists, keeping reads.

`plates` (plate text rules) and `matching` (the hotlist matcher) are the pure core, with no
I/O; the modules that read images, store reads and raise alerts build on them.
"""

"""Belfort: an open video platform for cities and police zones.

Many cameras of many owners on one platform, recorded, watched live, searched, and
shared only where the law allows. Every look at images, plates or logs passes one
policy gate (`belfort.policy`) and leaves one record in the audit chain (`belfort.audit`).
"""

__version__ = "0.1.0"

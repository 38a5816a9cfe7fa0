"""Transparency: what the public, the council and the DPO may learn of the cameras.

The public camera register (`register`) tells anyone, without signing in, whether a street
has cameras, whose they are, why they film, under which law and whom to ask, and never
where exactly they hang or what they are called.
"""

"""The video wall's saved state: each person's layouts and each control room's camera tours.

Saving them is not a look at images, so it passes no policy-gate decision; it is open only
to people whose role watches live, and never names a camera the person cannot see.
"""

"""Evidence export: footage handed over as a signed package that anyone can check offline.

`signing` keeps the site's Ed25519 key, `package` writes and verifies the zip, `readme`
writes its README in each of Belfort's languages, `service` authorises an export and
records it in the history.
"""

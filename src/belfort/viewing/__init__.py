"""Looking at camera images: live streams, snapshots and playback, as people ask for them.

Every look is decided here, by the policy gate, and recorded by it, whoever asks (a page,
the API, the CLI, later a peer site): the HTTP routes only carry the question and the
answer. `live` opens and closes streams and takes snapshots; `playback` shows where a
camera has footage and grants playback of a range with signed links bound to the person,
the camera and the range. Nothing here talks HTTP.
"""

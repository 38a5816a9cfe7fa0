"""Media: ingest, recording, segments, live, playback. Video is never transcoded: packets are copied."""

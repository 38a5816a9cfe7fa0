"""Alarms: DC-09 receiver, HTTP alarm API, premises, consents, incidents and their live-view grants."""

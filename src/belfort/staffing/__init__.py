"""Who may watch live, and who is on duty: designations, shifts and the supervisor dashboard.

The chief of police (an administrator of the zone) designates the people who watch live,
with their training and until when; a private security guard is designated under a
supervising inspector. The live-view rule itself is the gate's (`policy.rules`): this
package only finds the designation and hands it to the gate as data. Shifts name who is on
duty and the team chief; the supervisor dashboard weighs the streams open now and the audit
log against them. Every list of viewings is a look at logs, and passes the gate.
"""

"""The data protection officer's work on data-subject requests: recording a person's request
for their footage, finding and exporting it with other people's faces blurred, and answering
within the legal deadline. Every step passes the policy gate and is audited."""

"""The camera registry: who owns each camera, under which law it films, where it is,
how long its footage is kept, and how to reach its streams.

Stream credentials are stored but never shown: every URL leaves this package through
`redact_url`. A police camera cannot be enabled without the reference of the municipal
council's consent. The exact position is restricted; street and area are public.
"""

"""The nodes of a Belfort platform: each process says who it is, what it does and how it
fares (a heartbeat in the shared database), and the platform administrator sees them all
(`belfort cluster status`, the Cluster page, `/api/cluster/nodes`)."""

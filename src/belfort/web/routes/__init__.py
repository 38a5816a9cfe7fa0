"""HTTP routes, one module per area: auth, admin, audit, pages."""

// Starts Swagger UI on /api/docs. A file rather than an inline script, so the page runs
// under the site's Content-Security-Policy (script-src 'self'). No validator badge: it
// would send the API description to another site.
window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  layout: "BaseLayout",
  deepLinking: true,
  showExtensions: true,
  showCommonExtensions: true,
  validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis],
});

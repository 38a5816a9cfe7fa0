// Starts Swagger UI on /api/docs. A file rather than an inline script, so the page runs
// under the site's Content-Security-Policy (script-src 'self'). No validator badge: it
// would send the API description to another site. The page names the description's
// address (data-openapi) and Swagger UI's default layout is used.
const root = document.getElementById("swagger-ui");
window.ui = SwaggerUIBundle({
  url: root.dataset.openapi,
  domNode: root,
  deepLinking: true,
  showExtensions: true,
  showCommonExtensions: true,
  validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis],
});

// Swagger UI over the server's own schema (was an inline <script>; the CSP allows scripts from 'self' only).
// validatorUrl null: Swagger UI would otherwise send the schema to validator.swagger.io.
const node = document.getElementById("swagger-ui");
window.ui = window.SwaggerUIBundle({
  url: node.dataset.openapiUrl,
  dom_id: "#swagger-ui",
  layout: "BaseLayout",
  deepLinking: true,
  showExtensions: true,
  showCommonExtensions: true,
  validatorUrl: null,
  presets: [window.SwaggerUIBundle.presets.apis, window.SwaggerUIBundle.SwaggerUIStandalonePreset],
});

// Renders /api/openapi.json with Swagger UI (installed from npm into static/vendor).
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const root = document.getElementById("api-docs");
  window.SwaggerUIBundle({ url: root.dataset.specUrl, domNode: root, deepLinking: true });
});

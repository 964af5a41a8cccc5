// ReDoc over the server's own schema. Its styles are <style> elements made at run time (styled-components): they
// carry this response's nonce, which the page's Content-Security-Policy names — no 'unsafe-inline'.
const node = document.getElementById("redoc");
window.Redoc.init(node.dataset.specUrl, { nonce: node.dataset.nonce }, node);

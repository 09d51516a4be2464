/*
 * The demo home page asks /api/hello (a callback mount using the header API)
 * which HTTP version answered, and says so.
 */
/* global document, fetch */
const out = document.getElementById('hello');
fetch('/api/hello')
  .then((r) => r.json())
  .then((j) => {
    out.textContent = `/api/hello answered over HTTP/${j.protocol}; peer write allowance ${j.allowance === null ? 'unlimited (HTTP/1)' : `${j.allowance} bytes (HTTP/2 credit)`}.`;
  })
  .catch((e) => {
    out.textContent = `/api/hello failed: ${e.message}`;
  });

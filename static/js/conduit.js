// Progressive enhancement for htmx swaps. Every page works without this file.
"use strict";

// Mark a region busy while htmx fetches its new content.
document.addEventListener("htmx:beforeRequest", (event) => {
  event.detail.target?.setAttribute("aria-busy", "true");
});
document.addEventListener("htmx:afterRequest", (event) => {
  event.detail.target?.removeAttribute("aria-busy");
});

// Never leave a keyboard user on <body> after a swap. htmx keeps focus on a control
// whose id survives the swap; when the focused control was replaced instead, move
// focus to the new content's landing point (its heading, marked data-focus-after-swap).
document.addEventListener("htmx:afterSettle", (event) => {
  const active = document.activeElement;
  if (active && active !== document.body && active.isConnected) return;
  const target = event.detail.target;
  const landing = target?.querySelector("[data-focus-after-swap]") ?? document.getElementById("main");
  landing?.focus();
});

// A boosted navigation replaces <body>, status region included, and screen readers
// do not announce a live region that arrives already filled: refill it after a beat.
document.addEventListener("htmx:afterSettle", (event) => {
  if (event.detail.target !== document.body) return;
  const status = document.getElementById("status");
  if (!status || !status.textContent.trim()) return;
  const messages = Array.from(status.childNodes);
  status.replaceChildren();
  setTimeout(() => status.replaceChildren(...messages), 100);
});

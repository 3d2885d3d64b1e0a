// Progressive enhancement for htmx swaps. Every page works without this file.
"use strict";

// Mark a region busy while htmx fetches its new content.
document.addEventListener("htmx:beforeRequest", (event) => {
  event.detail.target?.setAttribute("aria-busy", "true");
});
document.addEventListener("htmx:afterRequest", (event) => {
  event.detail.target?.removeAttribute("aria-busy");
});

// An item removed from a list that names a fallback (data-focus-fallback), such as a
// deleted comment, hands focus to the next item, or to the fallback when it was last.
// (A removed element gets no settle event, so this checks once the swap is done.)
document.addEventListener("htmx:beforeSwap", (event) => {
  const target = event.detail.target;
  const list = target?.parentElement;
  if (!list?.dataset.focusFallback || !target.contains(document.activeElement)) return;
  const next = target.nextElementSibling ?? document.querySelector(list.dataset.focusFallback);
  setTimeout(() => {
    const active = document.activeElement;
    if ((!active || active === document.body || !active.isConnected) && next?.isConnected) {
      next.focus();
    }
  }, 60);
});

// Never leave a keyboard user on <body> after a swap. htmx keeps focus on a control
// whose id survives the swap; when the focused control was replaced instead, move
// focus to the new content's landing point (its heading, marked data-focus-after-swap).
document.addEventListener("htmx:afterSettle", (event) => {
  const active = document.activeElement;
  if (active && active !== document.body && active.isConnected) return;
  const target = event.detail.target;
  if (!target?.isConnected) return; // the swap removed it: see the removal rule above
  const landing = target.querySelector("[data-focus-after-swap]") ?? document.getElementById("main");
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

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
  const focused = document.activeElement === document.body ? focusedWhenSent : document.activeElement;
  if (!list?.dataset.focusFallback || !target.contains(focused)) return;
  const next = target.nextElementSibling ?? document.querySelector(list.dataset.focusFallback);
  setTimeout(() => {
    const active = document.activeElement;
    if ((!active || active === document.body || !active.isConnected) && next?.isConnected) {
      next.focus();
    }
  }, 60);
});

// Never leave a keyboard user on <body> after a swap. htmx keeps focus on a control
// whose id survives the swap, if it still had focus when the answer came; a submit
// button disabled during the request (hx-disabled-elt) has lost it by then, so the
// control focused when the request started is remembered and given focus back. When
// the focused control was replaced instead, focus moves to the new content's landing
// point (its heading, marked data-focus-after-swap).
let focusedWhenSent = null;
document.addEventListener("htmx:beforeRequest", () => {
  focusedWhenSent = document.activeElement === document.body ? null : document.activeElement;
});
document.addEventListener("htmx:afterSettle", (event) => {
  const active = document.activeElement;
  if (active && active !== document.body && active.isConnected) return;
  const before = focusedWhenSent;
  const again = before?.isConnected ? before : before?.id && document.getElementById(before.id);
  if (again && !again.disabled) {
    again.focus();
    return;
  }
  const target = event.detail.target;
  if (!target?.isConnected) return; // the swap removed it: see the removal rule above
  const landing = target.querySelector("[data-focus-after-swap]") ?? document.getElementById("main");
  landing?.focus();
});

// A boosted navigation replaces <body> but not <html>: its language and direction come
// from the page marks (#theme), e.g. after the language was changed in another tab.
function followPageMarks() {
  const marks = document.getElementById("theme");
  if (!marks?.dataset.lang) return;
  document.documentElement.lang = marks.dataset.lang;
  document.documentElement.dir = marks.dataset.dir;
}
document.addEventListener("htmx:afterSettle", (event) => {
  if (event.detail.target === document.body) followPageMarks();
});
document.addEventListener("htmx:historyRestore", followPageMarks);

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

// History snapshots keep the page's HTML, not what was typed: make the search box of a
// saved page show the query that page is the result of (none outside search). The path
// saved is the page being left (on Back, `location` already names the next one).
document.addEventListener("htmx:beforeHistorySave", (event) => {
  const box = document.getElementById("search-q");
  if (!box) return;
  const saved = new URL(event.detail.path, location.origin);
  const query = saved.pathname === "/search" ? saved.searchParams.get("q") : "";
  box.setAttribute("value", query ?? "");
});

// Say something in the page's status region (a polite live region).
function announce(text, problem = false) {
  const status = document.getElementById("status");
  if (!status) return;
  const line = document.createElement("p");
  line.className = problem ? "status-message status-problem" : "status-message";
  line.textContent = text;
  status.replaceChildren(line);
}
function announceProblem(text) {
  announce(text, true);
}

// Live updates (htmx's SSE extension, streams from web/infra/live.py). Each stream names its
// events in data-live-events. What an event says is announced once in the status
// region (its text: the feed's notice is HTML). Where to resume is kept in the stream's
// address (`since`), because after an error the extension opens a new EventSource, which
// sends no Last-Event-ID: an article page resumes after the last event it saw, a feed
// from when it was shown (its notice counts everything since).
document.addEventListener("htmx:sseOpen", (event) => {
  const element = event.target;
  const source = event.detail.source;
  for (const name of (element.dataset.liveEvents ?? "").split(" ").filter(Boolean)) {
    source.addEventListener(name, (message) => {
      resumeFrom(element, message.lastEventId);
      const said = new DOMParser().parseFromString(message.data, "text/html").body.textContent;
      if (said.trim()) announce(said.trim().replace(/\s+/g, " "));
    });
  }
});
function resumeFrom(element, eventId) {
  if (!eventId) return;
  const address = new URL(element.getAttribute("sse-connect"), location.origin);
  if (element.dataset.liveResume === "first" && address.searchParams.has("since")) return;
  address.searchParams.set("since", eventId);
  element.setAttribute("sse-connect", address.pathname + address.search);
}

// A region refreshed by a live update (data-live-region) keeps focus where it was: htmx
// keeps it on an element whose id survives; when the focused item itself is gone (its
// comment deleted in another tab), focus goes to the item now in its place, or to the
// list's fallback, never to the top of the page.
let liveFocus = null;
document.addEventListener("htmx:beforeSwap", (event) => {
  const target = event.detail.target;
  liveFocus = null;
  if (!target?.hasAttribute("data-live-region") || !target.contains(document.activeElement)) {
    return;
  }
  const item = document.activeElement.closest("li");
  liveFocus = {
    index: item ? Array.from(target.children).indexOf(item) : 0,
    fallback: target.dataset.focusFallback,
  };
});
document.addEventListener("htmx:afterSwap", (event) => {
  // A list refreshed (for someone else's change) while the reader's own new item was on
  // its way could hold that item twice: keep the one just added (the last).
  const region = document.getElementById(event.detail.target?.id ?? "");
  if (region?.hasAttribute("data-live-region")) {
    const seen = new Set();
    for (const item of Array.from(region.children).reverse()) {
      if (item.id && seen.has(item.id)) item.remove();
      seen.add(item.id);
    }
  }
  if (!liveFocus) return;
  const kept = liveFocus;
  liveFocus = null;
  const active = document.activeElement;
  if (active && active !== document.body && active.isConnected) return;
  const list = event.detail.target?.isConnected
    ? event.detail.target
    : document.getElementById(event.detail.target?.id);
  const items = list ? Array.from(list.children) : [];
  const next = items[Math.min(kept.index, items.length - 1)] ?? document.querySelector(kept.fallback);
  next?.focus();
});
document.addEventListener("htmx:sendError", () => {
  announceProblem(document.getElementById("status")?.dataset.unreachable);
});
document.addEventListener("htmx:timeout", () => {
  announceProblem(document.getElementById("status")?.dataset.timeout);
});

// Signing out forgets the snapshots of this tab's history, so Back cannot show pages
// of the member who just left; so does changing the language (no page in the old one).
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (form instanceof HTMLFormElement && form.matches(".sign-out, .language-form")) {
    try {
      sessionStorage.removeItem("htmx-history-cache");
    } catch {
      // storage may be unavailable (private mode): nothing was kept then
    }
  }
});

// Progressive enhancement for htmx swaps. Every page works without this file.
//
// Each behaviour is a named function; at the end, one listener per event runs the
// behaviours that event needs, in order.
"use strict";

// How long to wait before moving focus off a removed item: the swap must be done.
const FOCUS_AFTER_REMOVAL_MS = 60;
// How long a refilled status region stays empty, so screen readers announce it anew.
const REANNOUNCE_AFTER_MS = 100;
// How long the writer must stop typing before the editor's preview says it is current.
const PREVIEW_STILL_MS = 1500;

// The control focused when the request started (a submit button disabled during the
// request has lost focus by the time the answer comes).
let focusedWhenSent = null;
// Where focus was in a live region about to be refreshed: its item's index, its fallback.
let liveFocus = null;
// The editor preview's pending "Preview updated.", said once the writer is still.
let previewStill = null;

// --- busy regions ---------------------------------------------------------------------

// Mark a region busy while htmx fetches its new content.
function markBusy(event) {
  event.detail.target?.setAttribute("aria-busy", "true");
}
function markDone(event) {
  event.detail.target?.removeAttribute("aria-busy");
}

// --- focus ----------------------------------------------------------------------------

function rememberFocus() {
  focusedWhenSent = document.activeElement === document.body ? null : document.activeElement;
}

// An item removed from a list that names a fallback (data-focus-fallback), such as a
// deleted comment, hands focus to the next item, or to the fallback when it was last.
// (A removed element gets no settle event, so this checks once the swap is done.)
function focusPastRemovedItem(event) {
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
  }, FOCUS_AFTER_REMOVAL_MS);
}

// Never leave a keyboard user on <body> after a swap. htmx keeps focus on a control
// whose id survives the swap, if it still had focus when the answer came; otherwise the
// control focused when the request started is given focus back. When that control was
// replaced instead, focus moves to the new content's landing point (its heading, marked
// data-focus-after-swap).
function restoreFocus(event) {
  const active = document.activeElement;
  if (active && active !== document.body && active.isConnected) return;
  const before = focusedWhenSent;
  const again = before?.isConnected ? before : before?.id && document.getElementById(before.id);
  if (again && !again.disabled) {
    again.focus();
    return;
  }
  const target = event.detail.target;
  if (!target?.isConnected) return; // the swap removed it: see focusPastRemovedItem
  const landing = target.querySelector("[data-focus-after-swap]") ?? document.getElementById("main");
  landing?.focus();
}

// A region refreshed by a live update (data-live-region) keeps focus where it was: htmx
// keeps it on an element whose id survives; when the focused item itself is gone (its
// comment deleted in another tab), focus goes to the item now in its place, or to the
// list's fallback, never to the top of the page.
function rememberLiveFocus(event) {
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
}
function restoreLiveFocus(event) {
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
}

// --- live regions ---------------------------------------------------------------------

// A list refreshed (for someone else's change) while the reader's own new item was on
// its way could hold that item twice: keep the one just added (the last).
function dropRepeatedItems(event) {
  const region = document.getElementById(event.detail.target?.id ?? "");
  if (!region?.hasAttribute("data-live-region")) return;
  const seen = new Set();
  for (const item of Array.from(region.children).reverse()) {
    if (item.id && seen.has(item.id)) item.remove();
    seen.add(item.id);
  }
}

// Live updates (htmx's SSE extension, streams from web/infra/live.py). Each stream names
// its events in data-live-events. What an event says is announced once in the status
// region (its text: the feed's notice is HTML). Where to resume is kept in the stream's
// address (`since`), because after an error the extension opens a new EventSource, which
// sends no Last-Event-ID: an article page resumes after the last event it saw, a feed
// from when it was shown (its notice counts everything since).
function listenToStream(event) {
  const element = event.target;
  const source = event.detail.source;
  for (const name of (element.dataset.liveEvents ?? "").split(" ").filter(Boolean)) {
    source.addEventListener(name, (message) => {
      resumeFrom(element, message.lastEventId);
      const said = new DOMParser().parseFromString(message.data, "text/html").body.textContent;
      if (said.trim()) announce(said.trim().replace(/\s+/g, " "));
    });
  }
}
function resumeFrom(element, eventId) {
  if (!eventId) return;
  const address = new URL(element.getAttribute("sse-connect"), location.origin);
  if (element.dataset.liveResume === "first" && address.searchParams.has("since")) return;
  address.searchParams.set("since", eventId);
  element.setAttribute("sse-connect", address.pathname + address.search);
}

// The editor's live preview follows every pause in typing; it says it is up to date
// once, when the writer stops (PREVIEW_STILL_MS without a new refresh), in the words the
// page gives it (data-updated): a refresh that shows nothing or an error says nothing.
function waitForStillPreview(event) {
  if (event.detail.target?.id === "preview") clearTimeout(previewStill);
}
function announceStillPreview(event) {
  const preview = event.detail.target;
  if (preview?.id !== "preview" || !preview.dataset.updated) return;
  clearTimeout(previewStill);
  if (!preview.querySelector(".article-body")) return;
  // Not once the page has moved on (saved, left): its own message is the one to hear.
  previewStill = setTimeout(() => {
    if (preview.isConnected) announce(preview.dataset.updated);
  }, PREVIEW_STILL_MS);
}

// --- field messages -------------------------------------------------------------------

// An inline check refilled a field's message container (data from the server): the
// field is marked invalid while it has a message, and a fixed field leaves the form's
// error summary (the summary goes when nothing is left in it).
function followFieldMessages(event) {
  const container = event.detail.target;
  if (!container?.classList?.contains("field-error") || !container.id) return;
  const invalid = container.textContent.trim() !== "";
  const control = document.querySelector(`[aria-describedby~="${container.id}"]`);
  if (!control) return;
  if (invalid) control.setAttribute("aria-invalid", "true");
  else control.removeAttribute("aria-invalid");
  control.closest(".field")?.classList.toggle("field-invalid", invalid);
  if (invalid) return;
  const summary = document.querySelector(".error-summary");
  summary?.querySelectorAll(`a[href="#${control.id}"]`).forEach((link) => link.closest("li")?.remove());
  if (summary && !summary.querySelector("li")) summary.remove();
}

// --- the page as a whole --------------------------------------------------------------

// A boosted navigation replaces <body> but not <html>: its language and direction come
// from the page marks (#theme), e.g. after the language was changed in another tab.
function followPageMarks() {
  const marks = document.getElementById("theme");
  if (!marks?.dataset.lang) return;
  document.documentElement.lang = marks.dataset.lang;
  document.documentElement.dir = marks.dataset.dir;
}

// A boosted navigation replaces <body>, status region included, and screen readers do
// not announce a live region that arrives already filled: refill it after a beat.
function reannounceStatus() {
  const status = document.getElementById("status");
  if (!status || !status.textContent.trim()) return;
  const messages = Array.from(status.childNodes);
  status.replaceChildren();
  setTimeout(() => status.replaceChildren(...messages), REANNOUNCE_AFTER_MS);
}

// A page brought back by Back or Forward (fetched afresh: historyCacheSize is 0) starts
// with focus on its heading, as a page opened by a link does, never on <body>.
function focusRestoredPage() {
  const landing =
    document.querySelector("main [data-focus-after-swap]") ?? document.getElementById("main");
  landing?.focus({ preventScroll: false });
}

// Escape closes the open menu (a <details> disclosure does not by itself) and puts
// focus back on its toggle, as menus do.
function closeMenuOnEscape(event) {
  if (event.key !== "Escape") return;
  const menu = document.querySelector("details.nav-menu[open]");
  if (!menu) return;
  const wasInside = menu.contains(document.activeElement);
  menu.open = false;
  if (wasInside) menu.querySelector("summary")?.focus();
}
document.addEventListener("keydown", closeMenuOnEscape);

// --- the status region ----------------------------------------------------------------

// Say something in the page's status region (a polite live region).
function announce(text, problem = false) {
  const status = document.getElementById("status");
  if (!status) return;
  const line = document.createElement("p");
  line.className = problem ? "status-message status-problem" : "status-message";
  line.textContent = text;
  status.replaceChildren(line);
}
function announceUnreachable() {
  announce(document.getElementById("status")?.dataset.unreachable, true);
}
function announceTimeout() {
  announce(document.getElementById("status")?.dataset.timeout, true);
}

// --- one listener per event -----------------------------------------------------------

function wholePage(behaviour) {
  return (event) => {
    if (event.detail.target === document.body) behaviour(event);
  };
}

const BEHAVIOURS = {
  "htmx:beforeRequest": [markBusy, rememberFocus, waitForStillPreview],
  "htmx:afterRequest": [markDone],
  "htmx:beforeSwap": [focusPastRemovedItem, rememberLiveFocus],
  "htmx:afterSwap": [dropRepeatedItems, restoreLiveFocus, announceStillPreview, followFieldMessages],
  "htmx:oobAfterSwap": [followFieldMessages],
  "htmx:afterSettle": [restoreFocus, wholePage(followPageMarks), wholePage(reannounceStatus)],
  "htmx:historyRestore": [followPageMarks, focusRestoredPage],
  "htmx:sseOpen": [listenToStream],
  "htmx:sendError": [announceUnreachable],
  "htmx:timeout": [announceTimeout],
};
for (const [name, behaviours] of Object.entries(BEHAVIOURS)) {
  document.addEventListener(name, (event) => {
    for (const behaviour of behaviours) {
      try {
        behaviour(event);
      } catch (error) {
        console.error(error); // one behaviour failing leaves the others working
      }
    }
  });
}

// The room's moving parts on every page: timers count down, and the projector's body is
// fitted to the screen. Nobody can scroll a projector, so what does not fit is first drawn
// smaller, then split into pages that turn by themselves, or by the console's buttons
// (the stage carries the page the facilitator asked for in data-page).
(function () {
  "use strict";

  // The server's clock, as the page was served: a phone's own clock may be minutes off.
  const served = Number(document.body.dataset.serverNow);
  const skew = served ? served - Date.now() : 0;

  function tick() {
    for (const timer of document.querySelectorAll(".timer[data-ends-at]")) {
      const left = Math.max(0, Math.ceil((Number(timer.dataset.endsAt) - Date.now() - skew) / 1000));
      const text = left > 0 ? `${Math.floor(left / 60)}:${String(left % 60).padStart(2, "0")}` : timer.dataset.timeUp;
      const clock = timer.querySelector(".timer-clock");
      if (clock && clock.textContent !== text) clock.textContent = text;
      timer.classList.toggle("is-ending", left > 0 && left <= 10);
      timer.classList.toggle("is-up", left === 0);
    }
  }

  // What may start a new page: the projector's cards, rows, groups and decisions.
  const ITEMS = "[data-page-item], .wall > li, .cloud > li, .bars > li, .groups > .group, .ungrouped .cards > li, .vote-items > li";
  // Smaller type first, as far as the back row can still read it; then pages at this size.
  const SCALES = [1, 0.9, 0.8, 0.72];
  const PAGED_SCALE = 0.85;
  const TURN_MS = 10000;
  let pages = [];
  let turned = 0; // pages turned by themselves since the console last chose one
  let turning = null;

  function overflows(body) {
    return body.scrollHeight > body.clientHeight + 1 || body.scrollWidth > body.clientWidth + 1;
  }

  function itemsOf(body) {
    // Only the outermost: a decision's own bars turn with it.
    return [...body.querySelectorAll(ITEMS)].filter((item) => {
      const outer = item.parentElement.closest(ITEMS);
      return !outer || !body.contains(outer);
    });
  }

  function split(body, items) {
    // Where each item ends, all shown at once: a page holds what fits below the part of
    // the body that is not items (headings, counts), which every page shows, and above
    // what follows the last item (margins, a closing line).
    const top = body.getBoundingClientRect().top;
    const last = items.at(-1).getBoundingClientRect().bottom - top;
    const room = body.clientHeight - Math.max(0, body.scrollHeight - last);
    const found = [[]];
    let shift = 0;
    for (const item of items) {
      const box = item.getBoundingClientRect();
      if (box.bottom - top - shift > room && found.at(-1).length) {
        shift = box.top - items[0].getBoundingClientRect().top;
        found.push([]);
      }
      found.at(-1).push(item);
    }
    return found;
  }

  function showOnly(page, items) {
    items.forEach((item) => { item.hidden = true; });
    page.forEach((item) => { item.hidden = false; });
  }

  function settle(body, found, items) {
    // Measured all at once, a page can still be too full on its own (a grid row, a margin
    // that collapses differently): each page is shown once, and what spills over moves on.
    for (let index = 0; index < found.length; index += 1) {
      showOnly(found[index], items);
      while (overflows(body) && found[index].length > 1) {
        const moved = found[index].pop();
        moved.hidden = true;
        if (index + 1 < found.length) found[index + 1].unshift(moved);
        else found.push([moved]);
      }
    }
    return found;
  }

  function show(body, items) {
    const count = pages.length;
    const label = body.parentElement.querySelector("[data-page-count]");
    if (count < 2) {
      if (label) label.hidden = true;
      return;
    }
    const asked = Number(body.dataset.page) || 0;
    const index = (asked + turned) % count;
    showOnly(pages[index], items);
    if (label) {
      label.hidden = false;
      label.textContent = label.dataset.template.replace("{n}", index + 1).replace("{total}", count);
    }
  }

  function fit() {
    const body = document.querySelector("[data-fit]");
    if (!body) return;
    const inner = body.firstElementChild;
    const items = itemsOf(body);
    items.forEach((item) => { item.hidden = false; });
    pages = [items];
    for (const scale of SCALES) {
      inner.style.zoom = scale;
      if (!overflows(body)) break;
    }
    if (overflows(body) && items.length > 1) {
      inner.style.zoom = PAGED_SCALE;
      pages = settle(body, split(body, items), items);
    }
    show(body, items);
    const auto = pages.length > 1 && !(Number(body.dataset.page) > 0);
    if (auto && !turning) {
      turning = setInterval(() => {
        turned += 1;
        const now = document.querySelector("[data-fit]");
        if (now) show(now, itemsOf(now));
      }, TURN_MS);
    } else if (!auto && turning) {
      clearInterval(turning);
      turning = null;
      turned = 0;
    }
  }

  let asked = null;
  function refit() {
    const body = document.querySelector("[data-fit]");
    // The console chose a page: start counting from it.
    if (body && body.dataset.page !== asked) {
      asked = body.dataset.page;
      turned = 0;
    }
    fit();
  }

  // The body changes size when the header or footer does (a longer question, a count that
  // wraps): fit again, once per frame at most.
  let queued = false;
  const resized = new ResizeObserver(() => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => { queued = false; fit(); });
  });
  let observed = null;
  function observe() {
    const body = document.querySelector("[data-fit]");
    if (body === observed) return;
    if (observed) resized.unobserve(observed);
    if (body) resized.observe(body);
    observed = body;
  }

  if (document.querySelector("[data-fit]")) {
    refit();
    observe();
    document.addEventListener("live:received", () => { refit(); observe(); });
    window.addEventListener("resize", refit);
  }
  tick();
  setInterval(tick, 500);
})();

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
  const ITEMS = "[data-page-item], .wall > li, .bars > li, .groups > .group, .ungrouped .cards > li, .vote-items > li";
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

  function itemsOf(inner) {
    // Only the outermost: a decision's own bars turn with it.
    return [...inner.querySelectorAll(ITEMS)].filter((item) => {
      const outer = item.parentElement.closest(ITEMS);
      return !outer || !inner.contains(outer);
    });
  }

  function split(body, items) {
    // Where each item ends, all shown at once: a page holds what fits below the part of
    // the body that is not items (headings, counts), which every page shows.
    const top = body.getBoundingClientRect().top;
    const room = body.clientHeight;
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

  function show(body) {
    const count = pages.length;
    const label = body.parentElement.querySelector("[data-page-count]");
    if (count < 2) {
      if (label) label.hidden = true;
      return;
    }
    const asked = Number(body.dataset.page) || 0;
    const index = (asked + turned) % count;
    pages.forEach((page, number) => page.forEach((item) => { item.hidden = number !== index; }));
    // A page measured with every item shown can still be too full: move its last items on.
    while (overflows(body) && pages[index].length > 1) {
      const moved = pages[index].pop();
      moved.hidden = true;
      if (index + 1 < pages.length) pages[index + 1].unshift(moved);
      else pages.push([moved]);
    }
    if (label) {
      label.hidden = false;
      label.textContent = label.dataset.template.replace("{n}", index + 1).replace("{total}", pages.length);
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
      pages = split(body, items);
    }
    show(body);
    const auto = pages.length > 1 && !(Number(body.dataset.page) > 0);
    if (auto && !turning) {
      turning = setInterval(() => {
        turned += 1;
        const now = document.querySelector("[data-fit]");
        if (now) show(now);
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

  if (document.querySelector("[data-fit]")) {
    refit();
    document.addEventListener("live:received", refit);
    window.addEventListener("resize", refit);
  }
  tick();
  setInterval(tick, 500);
})();

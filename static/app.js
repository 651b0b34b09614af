// The small things pages do: keep what someone is typing when a fragment is swapped in,
// grouping by tap or drag, Enter to send, copy buttons. The connection is live.js.
(() => {
  "use strict";

  // A pushed fragment never takes what someone is typing. Stages and boards are drawn again
  // when others act (a late dot, a phone moving a card, the console in another tab); before
  // htmx swaps the new copy in, each field the person changed carries its text or choice
  // over, and each section they opened stays open. htmx itself keeps the focus and caret.
  // A field carries over only when the new copy starts from the same value as the old one:
  // when the server changed the field itself (saved, moved, another suggestion), that wins.
  const CHOICE = new Set(["radio", "checkbox"]);
  const UNTYPED = new Set(["hidden", "file", "submit", "button", "reset", "image"]);

  function fieldKey(field) {
    if (field.id) return field.id;
    // Radios and checkboxes have no id: the first element with one in their form, name, value.
    const anchor = CHOICE.has(field.type) && field.form && field.form.querySelector("[id]");
    return anchor ? [anchor.id, field.name, field.value].join("\n") : null;
  }

  function findField(root, key) {
    const [id, name, value] = key.split("\n");
    const anchor = root.getElementById ? root.getElementById(id) : root.querySelector(`#${CSS.escape(id)}`);
    if (!anchor || name === undefined) return anchor;
    const form = anchor.closest("form");
    if (!form) return null;
    for (const field of form.querySelectorAll("input")) {
      if (CHOICE.has(field.type) && field.name === name && field.value === value) return field;
    }
    return null;
  }

  function selectedDefault(select) {
    return Array.from(select.options, (option) => option.defaultSelected).join();
  }

  function edit(field) {
    if (field instanceof HTMLSelectElement) {
      const changed = Array.from(field.options).some((option) => option.selected !== option.defaultSelected);
      return changed && { start: selectedDefault(field), value: field.value };
    }
    if (field instanceof HTMLTextAreaElement || (field instanceof HTMLInputElement && !CHOICE.has(field.type))) {
      if (field instanceof HTMLInputElement && UNTYPED.has(field.type)) return null;
      return field.value !== field.defaultValue && { start: field.defaultValue, value: field.value };
    }
    if (field instanceof HTMLInputElement) {
      return field.checked !== field.defaultChecked && { start: field.defaultChecked, checked: field.checked };
    }
    return null;
  }

  function carryOver(old, fresh) {
    for (const field of old.querySelectorAll("input, textarea, select")) {
      const changed = edit(field);
      const key = changed && fieldKey(field);
      const twin = key && findField(fresh, key);
      if (!twin || twin.tagName !== field.tagName || twin.type !== field.type) continue;
      if (twin instanceof HTMLSelectElement) {
        if (selectedDefault(twin) === changed.start) twin.value = changed.value;
      } else if ("checked" in changed) {
        if (twin.defaultChecked === changed.start) twin.checked = changed.checked;
      } else if (twin.defaultValue === changed.start) {
        twin.value = changed.value;
      }
    }
    for (const details of old.querySelectorAll("details[open]")) {
      const anchor = details.querySelector("[id]");
      if (!anchor || anchor.closest("details") !== details) continue;
      const twin = findField(fresh, anchor.id);
      const section = twin && twin.closest("details");
      if (section) section.open = true;
    }
  }

  document.addEventListener("htmx:before:swap", (event) => {
    for (const task of event.detail.tasks || []) {
      const old = typeof task.target === "string" ? document.querySelector(task.target) : task.target;
      if (old instanceof Element && task.fragment) carryOver(old, task.fragment);
    }
  });

  // Grouping: choose a card, then the card or group it belongs with (tap, click or
  // keyboard), or drag it there. Both end in one "move" message naming the target.
  let picked = null;

  function markPicked() {
    const board = document.querySelector("[data-board]");
    if (!board) { picked = null; return; }
    if (picked && !board.querySelector(`.pick[data-answer="${picked}"]`)) picked = null;
    for (const button of board.querySelectorAll(".pick")) {
      button.setAttribute("aria-pressed", String(button.dataset.answer === picked));
    }
    board.classList.toggle("is-picking", picked !== null);
    const status = document.getElementById("pick-status");
    if (status) status.textContent = picked ? board.dataset.pickedLabel : "";
  }

  function move(answer, target) {
    const form = document.getElementById("move-form");
    picked = null;
    markPicked();
    if (!form || !answer || !target || target === `answer:${answer}`) return;
    form.elements.answer.value = answer;
    form.elements.to.value = target;
    form.requestSubmit();
  }

  document.addEventListener("click", (event) => {
    const pick = event.target.closest("[data-board] .pick");
    const put = event.target.closest("[data-board] .put-here");
    if (pick) {
      const number = pick.dataset.answer;
      if (picked === null || picked === number) {
        picked = picked === number ? null : number;
        markPicked();
      } else {
        move(picked, `answer:${number}`);
      }
    } else if (put && picked !== null) {
      move(picked, put.dataset.target);
    }
  });

  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && picked !== null) { picked = null; markPicked(); }
  });
  document.addEventListener("live:received", markPicked);

  document.addEventListener("dragstart", (event) => {
    const card = event.target.closest && event.target.closest("[data-board] [draggable][data-answer]");
    if (!card) return;
    event.dataTransfer.setData("text/plain", card.dataset.answer);
    event.dataTransfer.effectAllowed = "move";
    card.classList.add("is-dragging");
  });
  document.addEventListener("dragend", (event) => {
    for (const el of document.querySelectorAll(".is-dragging, .is-over")) el.classList.remove("is-dragging", "is-over");
  });
  document.addEventListener("dragover", (event) => {
    const zone = event.target.closest && event.target.closest("[data-board] [data-drop]");
    if (!zone) return;
    event.preventDefault();
    for (const el of document.querySelectorAll(".is-over")) if (el !== zone) el.classList.remove("is-over");
    zone.classList.add("is-over");
  });
  document.addEventListener("drop", (event) => {
    const zone = event.target.closest && event.target.closest("[data-board] [data-drop]");
    if (!zone) return;
    event.preventDefault();
    zone.classList.remove("is-over");
    move(event.dataTransfer.getData("text/plain"), zone.dataset.drop);
  });

  // Enter sends an answer; Shift+Enter makes a new line.
  document.addEventListener("keydown", (event) => {
    const box = event.target;
    if (event.key !== "Enter" || event.shiftKey || event.isComposing) return;
    if (!(box instanceof HTMLTextAreaElement) || !box.form || !box.form.hasAttribute("data-pending")) return;
    event.preventDefault();
    if (box.value.trim()) box.form.requestSubmit();
  });

  // Typing your own question on the start page chooses "my own question".
  document.addEventListener("input", (event) => {
    const field = event.target.closest("[data-selects]");
    const choice = field && field.form.querySelector(`input[type=radio][value="${field.dataset.selects}"]`);
    if (choice) choice.checked = true;
  });

  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-copy]");
    if (!button) return;
    const field = document.querySelector(button.dataset.copy);
    if (!field) return;
    field.select();
    const done = () => { button.textContent = button.dataset.copied; };
    if (navigator.clipboard) navigator.clipboard.writeText(field.value).then(done, () => document.execCommand("copy") && done());
    else if (document.execCommand("copy")) done();
  });
})();

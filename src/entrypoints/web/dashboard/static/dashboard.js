// The dashboard's only script: it loads server-rendered parts into the page, refreshes them,
// and sends the operator's forms. Every request carries the x-dashboard header, which a form
// on another site cannot send; the session cookie goes along by itself (httpOnly, so this
// script never sees it). A search is posted, never put in a URL, and a part showing its
// results is refreshed by posting it again (`keep`).
"use strict";

const HEADERS = { "x-dashboard": "1" };
const PARTS = { overview: "#overview", messages: "#messages", detail: "#detail" };
const busy = new WeakSet();

function toast(text, kind) {
  const box = document.getElementById("toast");
  if (!box) return;
  box.textContent = text;
  box.className = "toast " + (kind || "");
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { box.textContent = ""; box.className = "toast"; }, 6000);
}

async function request(url, target, options) {
  const { keep, again, ...sent } = options;
  if (busy.has(target) && (again || !sent.method)) return;  // a refresh while one is on its way
  busy.add(target);
  let response;
  try {
    response = await fetch(url, { credentials: "same-origin", ...sent, headers: HEADERS });
  } catch (error) {
    toast("The service did not answer. Is it running?", "error");
    return;
  } finally {
    busy.delete(target);
  }
  if (response.headers.get("x-dashboard-reload")) { location.reload(); return; }
  const type = response.headers.get("content-type") || "";
  if (!type.startsWith("text/html")) {
    if (response.status === 401) { location.reload(); return; }
    let text = "Request failed (" + response.status + ")";
    try { text = (await response.json()).error || text; } catch (ignored) { /* keep it */ }
    toast(text, "error");
    return;
  }
  target.innerHTML = await response.text();
  target.removeAttribute("aria-busy");
  target.hidden = false;
  if (!sent.method || keep) target.dataset.src = url;
  if (keep) target.dataset.body = String(sent.body);
  else if (!sent.method) delete target.dataset.body;
  const refresh = response.headers.get("x-dashboard-refresh");
  for (const name of (refresh || "").split(" ")) {
    const part = PARTS[name] && document.querySelector(PARTS[name]);
    if (part && part !== target && part.dataset.src) load(part);
  }
  return target;
}

function load(part) {
  const body = part.dataset.body;
  if (body === undefined) return request(part.dataset.src, part, { again: true });
  return request(part.dataset.src, part, posted(body, { again: true }));
}

function posted(body, options) {
  return { method: "POST", body: new URLSearchParams(body), keep: true, ...options };
}

function reveal(target) {
  const heading = target && target.querySelector("[data-focus]");
  if (heading) { heading.focus(); heading.scrollIntoView({ block: "start" }); }
}

document.addEventListener("submit", async (event) => {
  const form = event.target;
  const target = form.dataset.target && document.querySelector(form.dataset.target);
  if (!target) return;
  event.preventDefault();
  const fields = new URLSearchParams(new FormData(form));
  const button = form.querySelector("button[type=submit]");
  if (button) button.disabled = true;
  try {
    if (form.method.toLowerCase() === "get") {
      const url = form.action + "?" + fields.toString();
      await request(url, target, {});
    } else if (form.dataset.keep !== undefined) {
      await request(form.action, target, posted(fields));
    } else {
      const done = await request(form.action, target, { method: "POST", body: fields });
      reveal(done);
    }
  } finally {
    if (button && button.isConnected) button.disabled = false;
  }
});

document.addEventListener("click", async (event) => {
  const dismiss = event.target.closest("[data-dismiss]");
  if (dismiss) {
    const target = document.querySelector(dismiss.dataset.dismiss);
    if (target) {
      target.innerHTML = "";
      delete target.dataset.src;
      if (target.dataset.closable !== undefined) target.hidden = true;
    }
    return;
  }
  const link = event.target.closest("a[data-target]");
  if (!link) return;
  const target = document.querySelector(link.dataset.target);
  if (!target) return;
  event.preventDefault();
  if (link.dataset.status !== undefined) {
    const select = document.getElementById("status");
    if (select) select.value = link.dataset.status;
    const search = document.getElementById("q");
    if (search) search.value = "";
  }
  const body = link.dataset.body;
  reveal(await request(link.href, target, body === undefined ? {} : posted(body)));
});

document.addEventListener("DOMContentLoaded", () => {
  for (const part of document.querySelectorAll("[data-src]")) load(part);
  for (const part of document.querySelectorAll("[data-every]")) {
    const every = Number(part.dataset.every) * 1000;
    setInterval(() => { if (!document.hidden && part.dataset.src) load(part); }, every);
  }
});

// aeo-ledger console: the live parts of a few pages. No inline script anywhere (the CSP forbids it).
"use strict";

// Inbox: "select all", and new partner events appended as they arrive over Server-Sent Events.
function setUpInbox() {
  const table = document.getElementById("inbox");
  const live = document.getElementById("live");
  if (!table || !live) return;
  const selectAll = document.getElementById("select-all");
  if (selectAll) {
    selectAll.addEventListener("change", () => {
      table.querySelectorAll('tbody input[name="event"]').forEach((box) => { box.checked = selectAll.checked; });
    });
  }
  if (!window.EventSource) return;
  const mayAct = table.dataset.mayAct === "yes";
  const labels = JSON.parse(table.dataset.labels || "{}");
  const label = (name) => labels[name] || name;
  const body = table.querySelector("tbody");
  const seen = new Set(Array.from(table.querySelectorAll('tbody input[name="event"]')).map((box) => box.value));
  const source = new EventSource(live.dataset.stream);
  source.addEventListener("open", () => { live.textContent = "● " + live.dataset.labelLive; live.classList.add("on"); });
  source.addEventListener("error", () => { live.textContent = "○ " + live.dataset.labelReconnecting; live.classList.remove("on"); });
  source.addEventListener("certificate-event", (message) => {
    const entry = JSON.parse(message.data);
    const event = entry.event;
    const key = event.certificate_id + ":" + event.sequence;
    if (entry.acknowledged || seen.has(key)) return;
    seen.add(key);
    const row = document.createElement("tr");
    row.className = "fresh";
    if (mayAct) {
      const cell = document.createElement("td");
      const box = document.createElement("input");
      box.type = "checkbox";
      box.name = "event";
      box.value = key;
      box.setAttribute("aria-label", key);
      cell.appendChild(box);
      row.appendChild(cell);
    }
    const link = document.createElement("a");
    link.href = "/certificates/" + event.certificate_id;
    link.textContent = event.certificate_id.slice(0, 12) + "…";
    const when = new Date(event.block_time);
    const values = [
      when.toLocaleString(document.documentElement.lang, { timeZone: "UTC", dateStyle: "medium", timeStyle: "medium" }) + " UTC",
      event.issuer, link, label(event.action) + " #" + event.sequence, label(event.status),
    ];
    values.forEach((value) => {
      const cell = document.createElement("td");
      if (typeof value === "string") cell.textContent = value; else cell.appendChild(value);
      row.appendChild(cell);
    });
    body.appendChild(row);
    const empty = document.getElementById("inbox-empty");
    if (empty) empty.hidden = true;
  });
}

// Import: the progress bar follows the job until it finishes, then the page reloads with the report.
function setUpImport() {
  const job = document.getElementById("import-job");
  if (!job || job.dataset.finished === "yes") return;
  const bar = document.getElementById("import-progress");
  const poll = () => {
    fetch(job.dataset.progress, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((response) => response.json())
      .then((state) => {
        bar.max = Math.max(state.total, 1);
        bar.value = state.processed;
        bar.textContent = String(state.processed);
        job.querySelectorAll("[data-figure]").forEach((node) => { node.textContent = String(state[node.dataset.figure]); });
        if (state.finished) window.location.reload(); else window.setTimeout(poll, 300);
      })
      .catch(() => window.setTimeout(poll, 1000));
  };
  poll();
}

// "Verify an AEO credential": read a QR code from a picture or the camera with jsQR (served from
// /static/vendor/jsqr/jsQR.js: the pinned npm package, served from node_modules), put the credential it carries in the form and submit it.
function decodeQr(source, width, height) {
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext("2d", { willReadFrequently: true });
  context.drawImage(source, 0, 0, width, height);
  const pixels = context.getImageData(0, 0, width, height);
  const found = window.jsQR(pixels.data, width, height, { inversionAttempts: "attemptBoth" });
  return found ? found.data : null;
}

function setUpCredentialVerify() {
  const form = document.getElementById("verify-credential");
  const tools = document.getElementById("qr-tools");
  if (!form || !tools) return;
  const field = document.getElementById("credential");
  const status = document.getElementById("qr-status");
  const video = document.getElementById("camera");
  const submitWith = (text) => {
    field.value = text;
    status.textContent = tools.dataset.labelFound;
    form.requestSubmit();
  };
  document.getElementById("qr-image").addEventListener("change", async (event) => {
    const file = event.target.files && event.target.files[0];
    if (!file || !window.jsQR) return;
    const bitmap = await createImageBitmap(file);
    const text = decodeQr(bitmap, bitmap.width, bitmap.height);
    if (text) submitWith(text); else status.textContent = tools.dataset.labelNone;
  });
  document.getElementById("scan-camera").addEventListener("click", async () => {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia || !window.jsQR) {
      status.textContent = tools.dataset.labelCamera;
      return;
    }
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
    } catch (error) {
      status.textContent = tools.dataset.labelCamera;
      return;
    }
    video.hidden = false;
    video.srcObject = stream;
    await video.play();
    const scan = () => {
      if (video.videoWidth > 0) {
        const text = decodeQr(video, video.videoWidth, video.videoHeight);
        if (text) {
          stream.getTracks().forEach((track) => track.stop());
          video.hidden = true;
          submitWith(text);
          return;
        }
      }
      requestAnimationFrame(scan);
    };
    requestAnimationFrame(scan);
  });
}

// Narrow screens: every cell of a table with column headers carries its column's name, and the CSS
// stacks each row under 48rem (rows the inbox adds live are labelled as they arrive). Without
// JavaScript such a table scrolls sideways inside its frame instead.
function labelTableCells() {
  document.querySelectorAll("main table").forEach((table) => {
    const head = table.tHead && table.tHead.rows[0];
    // a header holding a control (the inbox's "Select all") names no column
    const names = head
      ? Array.from(head.cells).map((cell) => (cell.querySelector("input, select, button") ? "" : cell.textContent.trim()))
      : [];
    if (!names.some((name) => name)) return;
    // the stacked rows are no longer laid out as a table: keep its roles for screen readers
    table.setAttribute("role", "table");
    Array.from(table.querySelectorAll("thead, tbody")).forEach((group) => group.setAttribute("role", "rowgroup"));
    Array.from(head.cells).forEach((cell) => cell.setAttribute("role", "columnheader"));
    head.setAttribute("role", "row");
    const label = (row) => {
      row.setAttribute("role", "row");
      Array.from(row.cells).forEach((cell, column) => {
        cell.setAttribute("role", cell.tagName === "TH" ? "rowheader" : "cell");
        if (names[column]) cell.dataset.label = names[column];
      });
    };
    Array.from(table.tBodies).forEach((body) => {
      Array.from(body.rows).forEach(label);
      new MutationObserver((changes) => changes.forEach((change) => change.addedNodes.forEach((node) => {
        if (node instanceof HTMLTableRowElement) label(node);
      }))).observe(body, { childList: true });
    });
    table.classList.add("stacked");
  });
}

document.addEventListener("DOMContentLoaded", () => {
  labelTableCells();
  setUpInbox();
  setUpImport();
  setUpCredentialVerify();
});

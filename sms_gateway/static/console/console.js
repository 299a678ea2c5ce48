// 1708 console: keyboard shortcuts, region autocomplete and routing suggestions.
// Everything works without this file; it only makes the review queue faster.
"use strict";

function typing(el) {
  return el && (el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.tagName === "SELECT");
}

document.addEventListener("keydown", (ev) => {
  if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
  if (ev.key === "Escape" && typing(document.activeElement)) { document.activeElement.blur(); return; }
  if (typing(document.activeElement)) return;
  if (ev.key === "/") {
    const field = document.getElementById("region-search") || document.querySelector("[data-key-focus='/']");
    if (field) { ev.preventDefault(); field.focus(); }
    return;
  }
  const button = document.querySelector(`[data-key="${CSS.escape(ev.key)}"]`);
  if (button) { ev.preventDefault(); button.click(); }
});

function debounce(fn, ms) {
  let timer = null;
  return (...args) => { clearTimeout(timer); timer = setTimeout(() => fn(...args), ms); };
}

function setupRegionSearch() {
  const input = document.getElementById("region-search");
  const code = document.getElementById("region-code");
  const results = document.getElementById("region-results");
  if (!input || !code || !results) return;
  const choose = (regionCode, label) => {
    code.value = regionCode;
    input.value = label;
    results.replaceChildren();
    refreshRoute();
  };
  const search = debounce(async () => {
    const q = input.value.trim();
    if (q.length < 2) { results.replaceChildren(); return; }
    const resp = await fetch(`${input.dataset.url}?q=${encodeURIComponent(q)}`,
                             { headers: { Accept: "application/json" } });
    if (!resp.ok) return;
    const hits = await resp.json();
    results.replaceChildren(...hits.map((hit) => {
      const li = document.createElement("li");
      const b = document.createElement("button");
      b.type = "button";
      b.textContent = `${hit.label} (${hit.code})`;
      b.dataset.code = hit.code;
      b.addEventListener("click", () => choose(hit.code, hit.label));
      li.append(b);
      return li;
    }));
  }, 150);
  input.addEventListener("input", () => { code.value = ""; search(); });
  input.addEventListener("keydown", (ev) => {
    if (ev.key === "ArrowDown") {
      const first = results.querySelector("button");
      if (first) { ev.preventDefault(); first.focus(); }
    } else if (ev.key === "Enter") {
      ev.preventDefault();  // Enter picks the first hit instead of submitting the form
      const first = results.querySelector("button");
      if (first) first.click();
    }
  });
  results.addEventListener("keydown", (ev) => {
    const items = [...results.querySelectorAll("button")];
    const i = items.indexOf(document.activeElement);
    if (ev.key === "ArrowDown" && i < items.length - 1) { ev.preventDefault(); items[i + 1].focus(); }
    if (ev.key === "ArrowUp") { ev.preventDefault(); (i > 0 ? items[i - 1] : input).focus(); }
  });
  document.querySelectorAll(".pick-region").forEach((b) =>
    b.addEventListener("click", () => choose(b.dataset.code, b.dataset.label)));
  const category = document.getElementById("category");
  if (category) category.addEventListener("change", refreshRoute);
  document.querySelectorAll('input[name="about_officials"], input[name="confidential"]')
    .forEach((box) => box.addEventListener("change", refreshRoute));
}

async function refreshRoute() {
  const agency = document.getElementById("agency");
  const category = document.getElementById("category");
  const code = document.getElementById("region-code");
  const reasons = document.getElementById("route-reasons");
  if (!agency || !category || !code) return;
  const flag = (name) => (document.querySelector(`input[name="${name}"]`)?.checked ? "1" : "0");
  const params = new URLSearchParams({ category: category.value, region: code.value,
                                       about_officials: flag("about_officials"),
                                       confidential: flag("confidential") });
  const resp = await fetch(`${agency.dataset.url}?${params}`, { headers: { Accept: "application/json" } });
  if (!resp.ok) return;
  const data = await resp.json();
  const first = agency.options[0];
  agency.replaceChildren(first, ...data.choices.map((c) => {
    const o = document.createElement("option");
    o.value = c.code;
    o.textContent = c.name;
    o.selected = data.agency !== null && c.code === data.agency.code;
    return o;
  }));
  if (reasons) reasons.textContent = data.agency ? `${first.textContent}: ${data.agency.name}` : "";
}

// GSM 03.38: the basic set, and the extension characters that take two septets.
const GSM7 = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
  "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
const GSM7_EXT = "^{}\\[~]|€\f";

function smsCount(text) {
  const chars = Array.from(text);
  const gsm = chars.every((c) => GSM7.includes(c) || GSM7_EXT.includes(c));
  const units = gsm ? chars.reduce((n, c) => n + (GSM7_EXT.includes(c) ? 2 : 1), 0)
                    : chars.reduce((n, c) => n + (c.codePointAt(0) > 0xffff ? 2 : 1), 0);
  const [single, part] = gsm ? [160, 153] : [70, 67];
  return { units, segments: units <= single ? 1 : Math.ceil(units / part) };
}

// A live count under every textarea whose text reaches a citizen by SMS: characters and
// SMS parts, including what the gateway adds around it (data-sms-reserve).
function setupSmsCounters() {
  document.querySelectorAll("textarea[data-sms-counter]").forEach((area) => {
    const out = document.createElement("small");
    out.className = "sms-counter";
    out.setAttribute("aria-live", "polite");
    area.insertAdjacentElement("afterend", out);
    const update = () => {
      const reserve = Number(area.dataset.smsReserve || 0);
      const max = Number(area.dataset.smsMax || 3);
      const { units, segments } = smsCount(area.value + " ".repeat(reserve));
      const long = segments > max;
      out.textContent = `${Array.from(area.value).length} ${area.dataset.labelChars} · ` +
        `${segments} SMS (${area.dataset.labelMax} ${max})` +
        (long ? ` · ${area.dataset.labelLong}` : "");
      out.classList.toggle("late", long);
      area.setAttribute("aria-invalid", long ? "true" : "false");
    };
    area.addEventListener("input", update);
    update();
  });
}

document.addEventListener("DOMContentLoaded", setupRegionSearch);
document.addEventListener("DOMContentLoaded", setupSmsCounters);

// What a page owes its readers (run by tests/browser/crawl.py::accessibility_problems):
// labels, names, text alternatives, one h1, unique ids, WCAG AA text contrast.
() => {
  const problems = [];
  const visible = el => {
    const box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    return box.width > 0 && box.height > 0 && style.visibility !== "hidden" && style.display !== "none";
  };
  const describe = el => {
    const id = el.id ? "#" + el.id : "";
    const name = el.getAttribute("name") ? `[name=${el.getAttribute("name")}]` : "";
    return el.tagName.toLowerCase() + id + name;
  };
  const named = el => {
    const label = el.getAttribute("aria-label") || el.getAttribute("title") || "";
    if (label.trim()) return true;
    const by = el.getAttribute("aria-labelledby");
    if (by && by.split(/\s+/).some(id => (document.getElementById(id)?.textContent || "").trim())) return true;
    return false;
  };
  for (const el of document.querySelectorAll("input, select, textarea")) {
    if (el.type === "hidden" || el.type === "submit" || el.type === "button") continue;
    if (!visible(el) && el.type !== "file") continue;
    const labelled = (el.labels && [...el.labels].some(l => l.textContent.trim())) || named(el);
    if (!labelled) problems.push(`form control without a label: ${describe(el)}`);
  }
  for (const el of document.querySelectorAll("button, a[href], input[type=submit]")) {
    if (!visible(el)) continue;
    const text = (el.innerText || el.value || "").trim();
    if (!text && !named(el) && !el.querySelector("img[alt]:not([alt=''])"))
      problems.push(`${el.tagName.toLowerCase()} without a name: ${el.outerHTML.slice(0, 80)}`);
  }
  for (const img of document.querySelectorAll("img")) {
    if (!img.hasAttribute("alt")) problems.push(`image without alt: ${img.src}`);
  }
  for (const svg of document.querySelectorAll("main svg")) {
    if (svg.getAttribute("aria-hidden") === "true") continue;
    if (svg.getAttribute("role") !== "img" || !svg.querySelector("title"))
      problems.push("a picture (svg) without role=img and a title");
  }
  const h1 = document.querySelectorAll("h1").length;
  if (h1 !== 1) problems.push(`${h1} h1 headings (one expected)`);
  const ids = {};
  for (const el of document.querySelectorAll("[id]")) ids[el.id] = (ids[el.id] || 0) + 1;
  for (const [id, n] of Object.entries(ids)) if (n > 1) problems.push(`id used ${n} times: ${id}`);

  // Contrast: each element with its own visible text, against the first opaque background
  // behind it (ancestors), WCAG relative luminance.
  const rgba = text => {
    const m = text.match(/rgba?\(([^)]+)\)/);
    if (!m) return null;
    const [r, g, b, a = 1] = m[1].split(",").map(Number);
    return { r, g, b, a };
  };
  const lum = c => {
    const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
  };
  const background = el => {
    for (let node = el; node && node.nodeType === 1; node = node.parentElement) {
      const c = rgba(getComputedStyle(node).backgroundColor);
      if (c && c.a >= 0.99) return c;
    }
    return { r: 255, g: 255, b: 255, a: 1 };
  };
  const seen = new Set();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!el || seen.has(el) || !node.textContent.trim() || !visible(el)) continue;
    if (el.closest("svg, .skip, [aria-hidden=true]")) continue;
    seen.add(el);
    const style = getComputedStyle(el);
    const fg = rgba(style.color);
    if (!fg) continue;
    const bg = background(el);
    const [hi, lo] = [lum(fg), lum(bg)].sort((x, y) => y - x);
    const ratio = (hi + 0.05) / (lo + 0.05);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
    const needed = large ? 3 : 4.5;
    if (ratio < needed)
      problems.push(`contrast ${ratio.toFixed(2)}:1 < ${needed}:1 for "${node.textContent.trim().slice(0, 30)}" (${describe(el)})`);
  }
  return problems;
}

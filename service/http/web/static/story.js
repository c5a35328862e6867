/* The story page: the fact matrix's sentence panel, the Plotly charts, print and copy.
   Data comes from <script type="application/json"> blocks; article text is only ever put
   into the page with textContent (never innerHTML), so it cannot become markup. */
(function () {
  "use strict";

  function readJSON(id) {
    var el = document.getElementById(id);
    if (!el) { return null; }
    try { return JSON.parse(el.textContent); } catch (e) { return null; }
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function safeHref(href) {
    // our own server-built links only: a path on this site
    return typeof href === "string" && href.charAt(0) === "/" && href.charAt(1) !== "/" ? href : null;
  }

  /* ------------------------------------------------------------ fact matrix */

  function initMatrix() {
    var facts = readJSON("fact-data");
    var table = document.querySelector("table.matrix");
    var body = document.getElementById("fact-detail-body");
    if (!facts || !table || !body) { return; }
    var selected = null;

    function show(button) {
      var factId = button.getAttribute("data-fact");
      var outlet = button.getAttribute("data-outlet");
      var fact = facts[factId];
      if (!fact) { return; }
      if (selected) {
        selected.setAttribute("aria-pressed", "false");
        selected.classList.remove("is-selected");
      }
      selected = button;
      button.setAttribute("aria-pressed", "true");
      button.classList.add("is-selected");

      var sentences = (fact.outlets && fact.outlets[outlet]) || [];
      var frag = document.createDocumentFragment();
      var head = el("p", "detail-head");
      head.appendChild(el("strong", "detail-outlet", outlet));
      head.appendChild(document.createTextNode(" · fact " + fact.number));
      frag.appendChild(head);
      if (!sentences.length) {
        frag.appendChild(el("p", "empty", "No sentence recorded for this outlet; the fact reads:"));
        sentences = [{ text: fact.text, href: null }];
      }
      sentences.forEach(function (s) {
        var quote = el("blockquote", "detail-sentence");
        quote.appendChild(el("p", null, s.text));
        frag.appendChild(quote);
        var href = safeHref(s.href);
        if (href) {
          var p = el("p", "detail-link");
          var a = el("a", null, s.title ? "Open the article (the sentence is its headline)" : "Open the article with this sentence highlighted");
          a.href = href;
          p.appendChild(a);
          frag.appendChild(p);
        }
      });
      var others = Object.keys(fact.outlets || {}).filter(function (o) { return o !== outlet; });
      if (others.length) {
        frag.appendChild(el("p", "detail-others", "Also reported by: " + others.join(", ") + "."));
      }
      body.textContent = "";
      body.appendChild(frag);
      var panel = document.getElementById("fact-detail");
      if (panel && panel.getBoundingClientRect) {
        var r = panel.getBoundingClientRect();
        if (r.top > window.innerHeight || r.bottom < 0) {
          panel.scrollIntoView({ block: "nearest" });
        }
      }
    }

    table.addEventListener("click", function (ev) {
      var target = ev.target;
      var button = target && target.closest ? target.closest("button.cell") : null;
      if (button && table.contains(button)) { show(button); }
    });

    // arrow keys move between the ✓ buttons of the matrix (Tab still walks them in order)
    table.addEventListener("keydown", function (ev) {
      var keys = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
      var move = keys[ev.key];
      var button = ev.target && ev.target.closest ? ev.target.closest("button.cell") : null;
      if (!move || !button) { return; }
      var td = button.closest("td");
      var tr = td.parentElement;
      var rows = Array.prototype.slice.call(table.tBodies[0].rows);
      var r = rows.indexOf(tr);
      var c = Array.prototype.indexOf.call(tr.cells, td);
      for (var step = 1; step < 400; step++) {
        var rr = r + move[0] * step;
        var cc = c + move[1] * step;
        if (rr < 0 || rr >= rows.length || cc < 0 || cc >= rows[rr].cells.length) { break; }
        var next = rows[rr].cells[cc].querySelector("button.cell");
        if (next) { next.focus(); ev.preventDefault(); break; }
      }
    });
  }

  /* ------------------------------------------------------------ charts */

  // Plotly reads a few HTML-like tags (<b>, <a href>) in text: escape so names and titles stay text
  function pt(value) {
    return String(value === null || value === undefined ? "" : value)
      .replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }

  function hoverName(value) {
    return pt(value).replace(/[%{}]/g, "");
  }

  var FONT = { family: "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif", size: 13, color: "#1f2430" };
  var CONFIG = { displayModeBar: false, responsive: true, displaylogo: false };
  var charts = [];

  function baseLayout(extra) {
    var layout = {
      font: FONT, paper_bgcolor: "#ffffff", plot_bgcolor: "#ffffff",
      margin: { l: 130, r: 16, t: 8, b: 48 },
      legend: { orientation: "h", y: -0.18, x: 0, font: { size: 12 } },
      hoverlabel: { font: { family: FONT.family } },
    };
    Object.keys(extra || {}).forEach(function (k) { layout[k] = extra[k]; });
    return layout;
  }

  function draw(id, traces, layout) {
    var node = document.getElementById(id);
    if (!node || !window.Plotly) { return; }
    window.Plotly.newPlot(node, traces, layout, CONFIG).then(function () {
      node.setAttribute("data-rendered", "true");
    });
    charts.push(node);
  }

  function toneChart(data) {
    var t = data.tone;
    if (!t || !t.present) { return; }
    var traces = t.series.map(function (s) {
      return {
        type: "bar", orientation: "h", name: pt(s.name), y: data.outlets.map(pt), x: s.values,
        marker: { color: s.color, line: { color: "#1f2430", width: 0.5 },
                  pattern: { shape: s.pattern, fillmode: "overlay", fgcolor: "#ffffff", size: 6, solidity: 0.3 } },
        hovertemplate: "%{y}<br>" + hoverName(s.name) + ": %{x:+.2f}<extra></extra>",
      };
    });
    var height = Math.max(260, 70 + data.outlets.length * Math.max(1, t.series.length) * 14);
    draw("chart-tone", traces, baseLayout({
      barmode: "group", height: height,
      xaxis: { range: [-1, 1], zeroline: true, zerolinewidth: 2, zerolinecolor: "#1f2430",
               title: { text: "negative ← tone → positive" }, tickformat: "+.1f" },
      yaxis: { autorange: "reversed", automargin: true },
    }));
  }

  function framesChart(data) {
    var f = data.frames;
    if (!f || !f.present) { return; }
    var traces = f.series.map(function (s) {
      return {
        type: "bar", orientation: "h", name: pt(s.name), y: data.outlets.map(pt), x: s.values,
        marker: { color: s.color, line: { color: "#1f2430", width: 0.5 },
                  pattern: { shape: s.pattern, fillmode: "overlay", fgcolor: "#ffffff", size: 6, solidity: 0.3 } },
        hovertemplate: "%{y}<br>" + hoverName(s.name) + ": %{x:.2f}<extra></extra>",
      };
    });
    draw("chart-frames", traces, baseLayout({
      barmode: "stack", height: Math.max(240, 90 + data.outlets.length * 34),
      xaxis: { title: { text: "frame strength" }, rangemode: "tozero" },
      yaxis: { autorange: "reversed", automargin: true },
    }));
  }

  function timelineChart(data) {
    var tl = data.timeline;
    if (!tl || !tl.present) { return; }
    var symbols = ["circle", "square", "diamond", "triangle-up", "cross", "x", "star", "hexagon"];
    var byOutlet = {};
    tl.points.forEach(function (p) { (byOutlet[p.outlet] = byOutlet[p.outlet] || []).push(p); });
    var traces = data.outlets.filter(function (o) { return byOutlet[o]; }).map(function (o) {
      var i = data.outlets.indexOf(o);
      var pts = byOutlet[o];
      return {
        type: "scatter", mode: "markers", name: pt(o), showlegend: false,
        x: pts.map(function (p) { return p.at; }), y: pts.map(function () { return pt(o); }),
        text: pts.map(function (p) { return pt(p.title); }),
        marker: { size: 13, symbol: symbols[i % symbols.length], color: data.palette[i % data.palette.length],
                  line: { color: "#1f2430", width: 1 } },
        hovertemplate: "%{y}<br>%{x}<br>%{text}<extra></extra>",
      };
    });
    // a story published within one day would get a millisecond axis: show at least two days
    var times = tl.points.map(function (p) { return Date.parse(p.at); }).filter(function (t) { return !isNaN(t); });
    var lo = Math.min.apply(null, times), hi = Math.max.apply(null, times);
    var day = 86400000;
    var xaxis = { type: "date", title: { text: "publication time (UTC)" }, tickformat: "%d %b %Y" };
    if (hi - lo < 2 * day) {
      xaxis.range = [new Date(lo - day).toISOString(), new Date(hi + day).toISOString()];
      xaxis.dtick = day;
    }
    draw("chart-timeline", traces, baseLayout({
      height: Math.max(200, 80 + Object.keys(byOutlet).length * 36),
      xaxis: xaxis,
      yaxis: { type: "category", automargin: true, categoryorder: "array",
               categoryarray: data.outlets.filter(function (o) { return byOutlet[o]; }).map(pt).reverse() },
    }));
  }

  function initCharts() {
    var data = readJSON("chart-data");
    if (!data || !window.Plotly) { return; }
    toneChart(data);
    framesChart(data);
    timelineChart(data);
  }

  /* ------------------------------------------------------------ lesson actions */

  function status(text) {
    var s = document.getElementById("action-status");
    if (s) { s.textContent = text; }
  }

  function initActions() {
    var print = document.querySelector(".js-print");
    if (print && window.print) {
      print.hidden = false;
      print.addEventListener("click", function () { window.print(); });
    }
    var copy = document.querySelector(".js-copy");
    if (copy && navigator.clipboard && window.fetch) {
      copy.hidden = false;
      copy.addEventListener("click", function () {
        var src = safeHref(copy.getAttribute("data-src"));
        if (!src) { return; }
        fetch(src, { credentials: "same-origin" })
          .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.text(); })
          .then(function (text) { return navigator.clipboard.writeText(text); })
          .then(function () { status("The handout is on the clipboard (Markdown)."); })
          .catch(function () { status("Copying failed: use “Download lesson handout” instead."); });
      });
    }
    var opened = [];
    window.addEventListener("beforeprint", function () {
      document.querySelectorAll("details:not([open])").forEach(function (d) { d.open = true; opened.push(d); });
      charts.forEach(function (c) { window.Plotly.relayout(c, { width: 640 }); });
    });
    window.addEventListener("afterprint", function () {
      opened.forEach(function (d) { d.open = false; });
      opened = [];
      charts.forEach(function (c) { window.Plotly.relayout(c, { width: null, autosize: true }); });
    });
  }

  function init() {
    initMatrix();
    initActions();
    try { initCharts(); } catch (e) { if (window.console) { console.error(e); } }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
